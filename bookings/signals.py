"""Pages show places left on each date, and the anonymous page cache keeps whole pages:
any change to a cohort, its sessions, a booking or a hold clears it once the change
has committed, so that a date shows as full everywhere at once."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from website.cache import purge_page_cache

from .models import Booking, Cohort, CohortSession, Hold


@receiver([post_save, post_delete], sender=Cohort)
@receiver([post_save, post_delete], sender=CohortSession)
@receiver([post_save, post_delete], sender=Booking)
@receiver([post_save, post_delete], sender=Hold)
def purge_pages_showing_places(**kwargs):
    transaction.on_commit(purge_page_cache)
