"""Reminders, each sent once: invoices falling due and overdue (to the school's finance
email), sessions coming up (to each delegate), and the office's go-ahead decisions
(services/go_ahead.py). A reminder is claimed by a row whose unique constraint decides
between two workers, and the claim is undone if sending fails (tasks.py)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import (
    BookingStatus,
    CohortSession,
    CohortStatus,
    Delegate,
    DocumentKind,
    Invoice,
    InvoiceReminder,
    InvoiceStatus,
    SessionReminder,
)


def _unreminded(kind):
    return (
        Invoice.objects.filter(kind=DocumentKind.INVOICE)
        .exclude(reminders__kind=kind)
        .select_related("booking__cohort__course")
        .prefetch_related("payments", "refunds", "credit_notes")
    )


def overdue_invoices(today=None):
    today = today or timezone.localdate()
    candidates = _unreminded(InvoiceReminder.OVERDUE).filter(due_date__lt=today)
    return [invoice for invoice in candidates if invoice.status(today) == InvoiceStatus.OVERDUE]


def invoices_falling_due(today=None):
    """Invoices due today with something still to pay: a polite note on the day."""
    today = today or timezone.localdate()
    candidates = _unreminded(InvoiceReminder.DUE).filter(due_date=today)
    owing = (InvoiceStatus.UNPAID, InvoiceStatus.PART_PAID)
    return [invoice for invoice in candidates if invoice.status(today) in owing]


def claim_invoice_reminder(invoice_id, kind):
    """Record that the reminder is being sent, or None if it was already."""
    try:
        with transaction.atomic():
            return InvoiceReminder.objects.create(invoice_id=invoice_id, kind=kind)
    except IntegrityError:
        return None


def session_reminders_due(now=None):
    """(delegate id, session id) for every named, active delegate on a confirmed booking of
    a date going ahead, whose session starts within the lead time and who has not been
    reminded of it."""
    now = now or timezone.now()
    lead = datetime.timedelta(hours=settings.SESSION_REMINDER_HOURS)
    sessions = list(
        CohortSession.objects.filter(starts_at__gt=now, starts_at__lte=now + lead)
        .exclude(cohort__status=CohortStatus.CANCELLED)
        .select_related("cohort")
    )
    sessions = [s for s in sessions if s.cohort.is_going_ahead]
    # Two queries however many sessions: who is on those dates, and who has been told.
    delegates = {}
    for delegate_id, cohort_id in (
        Delegate.objects.filter(
            booking__cohort__in={s.cohort_id for s in sessions},
            booking__status=BookingStatus.CONFIRMED,
            cancelled_at__isnull=True,
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "booking__cohort_id")
    ):
        delegates.setdefault(cohort_id, []).append(delegate_id)
    sent = set(
        SessionReminder.objects.filter(session__in=sessions).values_list(
            "delegate_id", "session_id"
        )
    )
    return [
        (delegate_id, session.pk)
        for session in sessions
        for delegate_id in delegates.get(session.cohort_id, [])
        if (delegate_id, session.pk) not in sent
    ]


def claim_session_reminder(delegate_id, session_id):
    try:
        with transaction.atomic():
            return SessionReminder.objects.create(delegate_id=delegate_id, session_id=session_id)
    except IntegrityError:
        return None
