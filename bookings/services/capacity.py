"""Places on a cohort: confirmed bookings plus unexpired holds never exceed capacity.

Callers take the cohort's row lock first (`lock_cohort`), then count, then write, all in
one transaction: a second booking for the same cohort waits at the lock until the first
has committed, so it counts the first one's places. SQLite has no row locks; there the
settings start every transaction IMMEDIATE, taking the database's write lock at once,
which serialises bookings the same way (more coarsely).
"""

from django.db.models import Sum
from django.utils import timezone

from ..events import places_freed
from ..models import Booking, BookingStatus, Cohort, CohortStatus, Hold


class CohortFull(Exception):
    def __init__(self, places_left):
        super().__init__(places_left)
        self.places_left = places_left


def lock_cohort(cohort_id):
    return Cohort.objects.select_for_update().select_related("course").get(pk=cohort_id)


def places_taken(cohort, now=None, exclude_hold_ids=()):
    now = now or timezone.now()
    booked = (
        Booking.objects.filter(cohort=cohort, status=BookingStatus.CONFIRMED).aggregate(
            total=Sum("places")
        )["total"]
        or 0
    )
    held = (
        Hold.objects.active(now)
        .filter(cohort=cohort)
        .exclude(pk__in=exclude_hold_ids)
        .aggregate(total=Sum("places"))["total"]
        or 0
    )
    return booked + held


def places_left(cohort, now=None, exclude_hold_ids=()):
    return max(cohort.capacity - places_taken(cohort, now, exclude_hold_ids), 0)


def take_places(cohort, places, now=None, exclude_hold_ids=()):
    """Raise CohortFull unless `places` fit; the cohort must be locked by the caller."""
    left = places_left(cohort, now, exclude_hold_ids)
    if places > left:
        raise CohortFull(left)
    return left - places


def refresh_full_status(cohort, now=None, *, offer_waiting=True):
    """Show the cohort as full the moment its last place goes, and open again when a
    place comes back. The cohort must be locked by the caller. With places free, the
    waiting list hears of it (`places_freed`; signals.py offers them once committed)."""
    now = now or timezone.now()
    left = places_left(cohort, now)
    status = cohort.status
    if status == CohortStatus.OPEN and left == 0:
        cohort.status = CohortStatus.FULL
    elif status == CohortStatus.FULL and left > 0:
        cohort.status = CohortStatus.OPEN
    if cohort.status != status:
        Cohort.objects.filter(pk=cohort.pk).update(status=cohort.status)
    if offer_waiting and left > 0:
        places_freed.send(sender=Cohort, cohort=cohort, places_left=left, now=now)
    return left
