"""Dates that run only with enough delegates: the office confirms them (joining details go
out) or cancels them (services/changes.py cancel_cohort), and is reminded to decide."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Booking, BookingEvent, BookingStatus, Cohort, CohortStatus
from ..tasks import cohort_going_ahead, go_ahead_decision_due
from . import capacity


def confirm_go_ahead(cohort, *, actor, now=None):
    """The office confirms the date runs. Returns False if it already had been (a second
    click does nothing, so nobody gets joining details twice)."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(cohort.pk)
        if cohort.status == CohortStatus.CANCELLED:
            raise ValueError("A cancelled date cannot go ahead.")
        if cohort.min_delegates is None:
            raise ValueError("This date has no minimum number: it goes ahead anyway.")
        if cohort.go_ahead_confirmed_at is not None:
            return False
        cohort.go_ahead_confirmed_at = now
        cohort.save(update_fields=["go_ahead_confirmed_at"])
        bookings = Booking.objects.filter(
            cohort=cohort, status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED]
        )
        BookingEvent.objects.bulk_create(
            BookingEvent(
                booking=booking,
                actor=actor,
                action="date confirmed",
                detail="The date is going ahead: joining details sent.",
                at=now,
            )
            for booking in bookings
        )
        cohort_id = cohort.pk
        transaction.on_commit(lambda: cohort_going_ahead.enqueue(cohort_id))
    return True


def decisions_due(now=None):
    """Dates awaiting the office's decision whose decision day is within the reminder
    lead (GO_AHEAD_REMINDER_DAYS), not yet reminded."""
    today = timezone.localdate(now)
    lead = datetime.timedelta(days=settings.GO_AHEAD_REMINDER_DAYS)
    return Cohort.objects.filter(
        Q(min_delegates__isnull=False),
        go_ahead_confirmed_at__isnull=True,
        decision_reminder_sent_at__isnull=True,
        decide_by__lte=today + lead,
        starts_at__gt=now or timezone.now(),
    ).exclude(status__in=[CohortStatus.CANCELLED, CohortStatus.DRAFT])


def remind_decisions(now=None):
    """Claim each due reminder (so two workers never both send) and queue its email."""
    now = now or timezone.now()
    queued = 0
    for cohort_id in decisions_due(now).values_list("pk", flat=True):
        claimed = Cohort.objects.filter(
            pk=cohort_id, decision_reminder_sent_at__isnull=True
        ).update(decision_reminder_sent_at=now)
        if claimed:
            transaction.on_commit(
                lambda cohort_id=cohort_id: go_ahead_decision_due.enqueue(cohort_id)
            )
            queued += 1
    return queued
