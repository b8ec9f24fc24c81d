"""Background work for bookings, run by django-tasks' worker (immediately in tests).

Tasks take primary keys, never model instances, and are enqueued once the transaction
that made the change has committed.
"""

from django_tasks import task

from . import emails
from .services.reminders import claim_overdue_reminder, overdue_invoices


@task()
def booking_placed(booking_id):
    emails.send_booking_placed(booking_id)


@task()
def booking_cancelled(booking_id, credit_note_ids):
    emails.send_booking_cancelled(booking_id, credit_note_ids)


@task()
def send_overdue_reminders():
    """Email each overdue invoice's finance contact once (enqueued by the housekeeping
    command that cron runs)."""
    sent = 0
    for invoice in overdue_invoices():
        if claim_overdue_reminder(invoice):
            emails.send_overdue_reminder(invoice.pk)
            sent += 1
    return sent
