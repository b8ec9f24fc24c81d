"""Waiting lists: joining, offering freed places in turn, lapsing and passing offers on.

When places come back on a date (a cancellation, an expired hold, more capacity), the
first school in line whose request fits is offered them: the places are held for it for
48 hours (a Hold with reason "offer") and it is emailed a link. It spends the offer by
booking through the normal form with that link (the booking service excludes the offer's
hold when counting places: `open_offer`). An offer that lapses passes to the next in line.

Every change to who holds what takes the cohort's row lock first, as bookings do
(capacity.py), so an offer and a booking racing for the same places cannot both win.
"""

import datetime
import logging
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks import task

from ..models import (
    CohortStatus,
    Hold,
    HoldReason,
    WaitingListEntry,
    WaitingStatus,
)
from ..tasks import waiting_list_closed, waiting_list_joined, waiting_list_offered
from . import capacity

logger = logging.getLogger(__name__)

OFFER_HOLD = datetime.timedelta(hours=48)


class WaitingListError(Exception):
    """Why a school cannot join (or be offered places from) a waiting list, for the form
    field it concerns."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


# --- Joining and leaving -------------------------------------------------------------


def join_waiting_list(
    cohort_id,
    user,
    organisation,
    places,
    *,
    contact_name,
    contact_email,
    contact_phone="",
    note="",
    now=None,
):
    now = now or timezone.now()
    try:
        with transaction.atomic():
            cohort = capacity.lock_cohort(cohort_id)
            problem = cohort.booking_window_problem(now)
            if problem:
                raise WaitingListError("cohort", problem)
            if not cohort.may_be_booked_by(organisation):
                raise WaitingListError("organisation", "Choose your school, or one in your trust.")
            if places > cohort.capacity:
                raise WaitingListError(
                    "places", f"This date has {cohort.capacity} places in all: ask for fewer."
                )
            left = capacity.places_left(cohort, now)
            if places <= left:
                raise WaitingListError(
                    "places",
                    f"There {'is' if left == 1 else 'are'} {left} "
                    f"place{'' if left == 1 else 's'} free on this date: book "
                    f"{'it' if left == 1 else 'them'} now instead of waiting.",
                )
            last = WaitingListEntry.objects.filter(cohort=cohort).aggregate(Max("position"))
            entry = WaitingListEntry.objects.create(
                cohort=cohort,
                organisation=organisation,
                booker=user,
                places=places,
                contact_name=contact_name.strip(),
                contact_email=contact_email.strip().lower(),
                contact_phone=contact_phone.strip(),
                note=note.strip(),
                position=(last["position__max"] or 0) + 1,
                created_at=now,
            )
    except IntegrityError as error:
        raise WaitingListError(
            "organisation", f"{organisation} is already on the waiting list for this date."
        ) from error
    transaction.on_commit(lambda: waiting_list_joined.enqueue(entry.pk))
    return entry


def withdraw(entry, *, now=None):
    """The school no longer wants the places: it leaves the line, and an offer it held
    goes to the next school."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(entry.cohort_id)
        locked = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status not in (WaitingStatus.WAITING, WaitingStatus.OFFERED):
            return locked
        _close(locked, WaitingStatus.WITHDRAWN, now)
        capacity.refresh_full_status(cohort, now)
    return locked


def _close(entry, status, now):
    entry.status = status
    entry.closed_at = now
    entry.save(update_fields=["status", "closed_at"])
    if entry.offer_hold_id:
        Hold.objects.filter(pk=entry.offer_hold_id, released_at__isnull=True).update(
            released_at=now
        )


# --- Offers ---------------------------------------------------------------------------------


def _offer_expiry(cohort, now):
    """48 hours, but never past the moment booking closes for the date."""
    expires = now + OFFER_HOLD
    closes = cohort.booking_closes_at or cohort.starts_at
    return min(expires, closes) if closes else expires


def _make_offer(entry, cohort, now):
    hold = Hold.objects.create(
        cohort=cohort,
        places=entry.places,
        reason=HoldReason.WAITING_LIST_OFFER,
        expires_at=_offer_expiry(cohort, now),
    )
    entry.status = WaitingStatus.OFFERED
    entry.offer_hold = hold
    entry.offered_at = now
    entry.offers_made += 1
    entry.save(update_fields=["status", "offer_hold", "offered_at", "offers_made"])
    transaction.on_commit(lambda: waiting_list_offered.enqueue(entry.pk))


def offer_places(cohort_id, now=None):
    """Offer the places free on this date to the schools in line. Returns the entries
    offered places."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(cohort_id)
        return offer_free_places(cohort, now)


def offer_free_places(cohort, now):
    """Offer what is free to the schools in line, in order, skipping a request too big
    for what is left. The caller holds the cohort's lock: the places freed by a change
    are offered in the same transaction, so no other booking slips in between."""
    if cohort.booking_window_problem(now):
        return []
    left = capacity.places_left(cohort, now)
    offered = []
    for entry in WaitingListEntry.objects.filter(cohort=cohort).in_line().select_for_update():
        if left <= 0:
            break
        if entry.places <= left:
            _make_offer(entry, cohort, now)
            left -= entry.places
            offered.append(entry)
    if offered:
        capacity.refresh_full_status(cohort, now, offer_waiting=False)
    return offered


def offer_by_hand(entry, *, now=None):
    """An admin offers places to this school now, out of turn if they choose to."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(entry.cohort_id)
        locked = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status != WaitingStatus.WAITING:
            raise WaitingListError(
                None, f"This school's entry is '{locked.get_status_display()}', not waiting."
            )
        problem = cohort.booking_window_problem(now)
        if problem:
            raise WaitingListError(None, problem)
        left = capacity.places_left(cohort, now)
        if locked.places > left:
            raise WaitingListError(
                None,
                f"Only {left} place{'' if left == 1 else 's'} free on this date, and this "
                f"school is waiting for {locked.places}. Raise the date's capacity first.",
            )
        _make_offer(locked, cohort, now)
        capacity.refresh_full_status(cohort, now, offer_waiting=False)
    return locked


def open_offer(token, cohort, organisation_id, now=None, *, lock=False):
    """The open offer this link stands for, if it is for this date and school; else None."""
    if not token:
        return None
    entries = WaitingListEntry.objects.select_related("offer_hold")
    if lock:
        entries = entries.select_for_update(of=("self",))
    entry = entries.filter(token=token, cohort=cohort, status=WaitingStatus.OFFERED).first()
    if entry is None or not entry.offer_is_open(now):
        return None
    if organisation_id is not None and entry.organisation_id != organisation_id:
        return None
    return entry


def spend_offer(entry, booking, now):
    """The school has booked with its offer: the offer's hold gives way to the booking."""
    entry.booking = booking
    entry.save(update_fields=["booking"])
    _close(entry, WaitingStatus.BOOKED, now)


def reopen_offer(booking, now):
    """A booking made with an offer has expired unpaid (a card payment not made, an email
    never confirmed): the offer stands again until it was due to end, if the places are
    still free. The caller holds the cohort's lock."""
    entry = (
        WaitingListEntry.objects.select_for_update(of=("self",))
        .select_related("offer_hold")
        .filter(booking=booking, status=WaitingStatus.BOOKED)
        .first()
    )
    if entry is None or entry.offer_hold is None or entry.offer_hold.expires_at <= now:
        return None
    if capacity.places_left(booking.cohort, now) < entry.places:
        return None
    Hold.objects.filter(pk=entry.offer_hold_id).update(released_at=None)
    entry.status, entry.booking, entry.closed_at = WaitingStatus.OFFERED, None, None
    entry.save(update_fields=["status", "booking", "closed_at"])
    return entry


def lapse_offers(now=None):
    """Offers whose 48 hours are up lapse, and their places go to the next in line (the
    refresh below queues that). Returns how many lapsed."""
    now = now or timezone.now()
    lapsed = 0
    due = WaitingListEntry.objects.filter(
        status=WaitingStatus.OFFERED, offer_hold__expires_at__lte=now
    ).values_list("pk", "cohort_id")
    for entry_id, cohort_id in due:
        with transaction.atomic():
            cohort = capacity.lock_cohort(cohort_id)
            entry = (
                WaitingListEntry.objects.select_for_update(of=("self",))
                .select_related("offer_hold")
                .get(pk=entry_id)
            )
            if entry.status != WaitingStatus.OFFERED or entry.offer_is_open(now):
                continue
            _close(entry, WaitingStatus.LAPSED, now)
            capacity.refresh_full_status(cohort, now)
            transaction.on_commit(partial(waiting_list_closed.enqueue, entry.pk, "lapsed"))
            lapsed += 1
    return lapsed


def close_lists_of_past_dates(now=None):
    """Schools still waiting for a date that has started, or whose booking has closed,
    are told there will be no places, and leave the list."""
    now = now or timezone.now()
    over = (
        WaitingListEntry.objects.active()
        .filter(
            Q(cohort__starts_at__lte=now)
            | Q(cohort__booking_closes_at__lte=now)
            | Q(cohort__status=CohortStatus.CLOSED)
        )
        .values_list("pk", "cohort_id")
    )
    closed = 0
    for entry_id, cohort_id in over:
        with transaction.atomic():
            capacity.lock_cohort(cohort_id)
            entry = WaitingListEntry.objects.select_for_update().get(pk=entry_id)
            if entry.status not in (WaitingStatus.WAITING, WaitingStatus.OFFERED):
                continue
            _close(entry, WaitingStatus.LAPSED, now)
            transaction.on_commit(partial(waiting_list_closed.enqueue, entry.pk, "date closed"))
            closed += 1
    return closed


def places_changed(cohort_id, now=None):
    """A cohort was edited (its capacity raised, say): show it open or full as it now is,
    and offer any places that came free to the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(cohort_id)
        capacity.refresh_full_status(cohort, now)


def close_waiting_list(cohort, now):
    """The date is cancelled: nobody waits for it any more. The caller holds the lock."""
    for entry in WaitingListEntry.objects.filter(cohort=cohort).active().select_for_update():
        _close(entry, WaitingStatus.WITHDRAWN, now)


# --- Order ------------------------------------------------------------------------------------


def move(entry, to_index):
    """Put this entry at `to_index` (0 is the front) among the date's active entries, and
    number the rest after it. Returns the new order."""
    with transaction.atomic():
        capacity.lock_cohort(entry.cohort_id)
        line = list(
            WaitingListEntry.objects.filter(cohort_id=entry.cohort_id)
            .active()
            .order_by("position", "pk")
            .select_for_update()
        )
        ids = [e.pk for e in line]
        if entry.pk not in ids:
            raise WaitingListError(None, "Only a school still waiting can be moved.")
        ids.remove(entry.pk)
        ids.insert(max(0, min(to_index, len(ids))), entry.pk)
        by_id = {e.pk: e for e in line}
        for position, pk in enumerate(ids, start=1):
            if by_id[pk].position != position:
                WaitingListEntry.objects.filter(pk=pk).update(position=position)
    return ids


# --- Background work --------------------------------------------------------------------------


@task()
def waiting_list_housekeeping():
    return run_waiting_lists()


def run_waiting_lists(now=None):
    """Run by the housekeeping command: lapse offers whose time is up (their places pass
    on), and offer places that came back without anyone noticing (a hold that simply
    ran out)."""
    now = now or timezone.now()
    lapsed = lapse_offers(now)
    closed = close_lists_of_past_dates(now)
    cohorts = (
        WaitingListEntry.objects.filter(status=WaitingStatus.WAITING, cohort__starts_at__gt=now)
        .values_list("cohort_id", flat=True)
        .distinct()
    )
    offered = sum(len(offer_places(cohort_id, now)) for cohort_id in cohorts)
    return {"lapsed": lapsed, "offered": offered, "closed": closed}
