"""Background work for bookings, run by django-tasks' worker (immediately in tests).

Tasks take primary keys, never model instances, and are enqueued once the transaction
that made the change has committed.
"""

from django_tasks import task

from . import emails
from .models import InvoiceReminder
from .services.reminders import (
    claim_invoice_reminder,
    claim_session_reminder,
    invoices_falling_due,
    overdue_invoices,
    session_reminders_due,
)


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
def cohort_going_ahead(cohort_id):
    """The office confirmed a date that needed enough delegates: joining details for
    every named delegate (once each), and word to each booker."""
    emails.send_cohort_going_ahead(cohort_id)


@task()
def go_ahead_decision_due(cohort_id):
    emails.send_go_ahead_decision_due(cohort_id)


@task()
def waiting_list_joined(entry_id):
    emails.send_waiting_list_joined(entry_id)


@task()
def waiting_list_offered(entry_id):
    emails.send_waiting_list_offer(entry_id)


@task()
def waiting_list_closed(entry_id, why):
    """An offer lapsed ('lapsed'), or the date is no longer open ('date closed')."""
    emails.send_waiting_list_closed(entry_id, why)


@task()
def send_overdue_reminders():
    """Queue one reminder per overdue invoice, and a polite one per invoice falling due
    today (the housekeeping command, run by cron, enqueues this)."""
    overdue = overdue_invoices()
    for invoice in overdue:
        send_invoice_reminder.enqueue(invoice.pk, InvoiceReminder.OVERDUE)
    falling_due = invoices_falling_due()
    for invoice in falling_due:
        send_invoice_reminder.enqueue(invoice.pk, InvoiceReminder.DUE)
    return len(overdue) + len(falling_due)


@task()
def send_invoice_reminder(invoice_id, kind):
    """Claim and send one reminder; if sending fails the claim is undone, so that the
    next run tries again instead of never chasing that invoice."""
    reminder = claim_invoice_reminder(invoice_id, kind)
    if reminder is None:
        return False  # another worker has it, or it was sent already
    try:
        emails.send_invoice_reminder(invoice_id, kind)
    except Exception:
        reminder.delete()
        raise
    return True


@task()
def send_session_reminders():
    """Queue a reminder for each delegate of each session starting within the lead time
    (SESSION_REMINDER_HOURS)."""
    due = session_reminders_due()
    for delegate_id, session_id in due:
        send_session_reminder.enqueue(delegate_id, session_id)
    return len(due)


@task()
def send_session_reminder(delegate_id, session_id):
    reminder = claim_session_reminder(delegate_id, session_id)
    if reminder is None:
        return False
    try:
        emails.send_session_reminder(delegate_id, session_id)
    except Exception:
        reminder.delete()
        raise
    return True
