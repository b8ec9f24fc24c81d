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
def booking_changed(booking_id, change, detail):
    """After a substitution, cancellation or move: the booker and the delegates concerned
    hear of it. `detail` holds the ids of credit notes and delegates involved."""
    emails.send_booking_changed(booking_id, change, detail)


@task()
def cohort_cancelled(cohort_id, cancelled, reason):
    """Everyone on a cancelled run hears of it: `cancelled` is a list of (booking id,
    credit note ids, named delegate ids)."""
    emails.send_cohort_cancelled(cohort_id, cancelled, reason)


@task()
def card_payment_settled(checkout_id, outcome):
    """A card payment has been applied: `outcome` is 'confirmed', 'invoice paid' or
    'refunded' (the places had gone); the booker hears which."""
    emails.send_card_payment_settled(checkout_id, outcome)


@task()
def waiting_list_joined(entry_id):
    emails.send_waiting_list_joined(entry_id)


@task()
def waiting_list_offered(entry_id):
    emails.send_waiting_list_offer(entry_id)


@task()
def send_overdue_reminders():
    """Queue one reminder per overdue invoice (the housekeeping command, run by cron,
    enqueues this)."""
    invoices = overdue_invoices()
    for invoice in invoices:
        send_overdue_reminder.enqueue(invoice.pk)
    return len(invoices)


@task()
def send_overdue_reminder(invoice_id):
    """Claim and send one reminder; if sending fails the claim is undone, so that the
    next run tries again instead of never chasing that invoice."""
    reminder = claim_overdue_reminder(invoice_id)
    if reminder is None:
        return False  # another worker has it, or it was sent already
    try:
        emails.send_overdue_reminder(invoice_id)
    except Exception:
        reminder.delete()
        raise
    return True
