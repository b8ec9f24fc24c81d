"""Chasing overdue invoices: one reminder per invoice, to the school's finance email."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import DocumentKind, Invoice, InvoiceReminder, InvoiceStatus


def overdue_invoices(today=None):
    today = today or timezone.localdate()
    candidates = (
        Invoice.objects.filter(kind=DocumentKind.INVOICE, due_date__lt=today)
        .exclude(reminders__kind=InvoiceReminder.OVERDUE)
        .select_related("booking__cohort__course")
        .prefetch_related("payments", "refunds", "credit_notes")
    )
    return [invoice for invoice in candidates if invoice.status(today) == InvoiceStatus.OVERDUE]


def claim_overdue_reminder(invoice_id):
    """Record that the reminder is being sent, or None if it was already (the unique
    constraint decides between two workers)."""
    try:
        with transaction.atomic():
            return InvoiceReminder.objects.create(
                invoice_id=invoice_id, kind=InvoiceReminder.OVERDUE
            )
    except IntegrityError:
        return None
