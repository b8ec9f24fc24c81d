"""Reactions to changes.

Pages show places left on each date, and the anonymous page cache keeps whole pages: any
change to a cohort, its sessions, a booking or a hold clears it once the change has
committed, so that a date shows as full everywhere at once. Places freed on a date are
offered to its waiting list."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from website.cache import purge_page_cache

from .events import places_freed
from .models import Booking, Cohort, CohortSession, Hold, WaitingListEntry, WaitingStatus
from .services.waiting import offer_free_places, places_changed


@receiver([post_save, post_delete], sender=Cohort)
@receiver([post_save, post_delete], sender=CohortSession)
@receiver([post_save, post_delete], sender=Booking)
@receiver([post_save, post_delete], sender=Hold)
def purge_pages_showing_places(**kwargs):
    transaction.on_commit(purge_page_cache)


@receiver(places_freed, sender=Cohort)
def offer_freed_places(cohort, places_left, now, **kwargs):
    """Places are free on a date with schools waiting whose request fits: offer them at
    once, under the lock the change already holds. The offering refreshes the status
    without sending this signal again."""
    waiting = WaitingListEntry.objects.filter(
        cohort=cohort, status=WaitingStatus.WAITING, places__lte=places_left
    )
    if waiting.exists():
        offer_free_places(cohort, now)


@receiver(post_save, sender=Cohort)
def cohort_edited(instance, created, raw=False, update_fields=None, **kwargs):
    """An edit in the admin (a full save) may have raised the capacity: once committed,
    the status follows and waiting schools are offered what came free."""
    if created or raw or update_fields is not None:
        return
    if WaitingListEntry.objects.filter(cohort=instance, status=WaitingStatus.WAITING).exists():
        cohort_id = instance.pk
        transaction.on_commit(lambda: places_changed(cohort_id))
