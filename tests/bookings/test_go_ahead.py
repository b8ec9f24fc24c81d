"""Dates that run only with enough delegates ("to be confirmed"), and the reminders sent
by the housekeeping: before each session, on the day an invoice falls due and once it
is overdue, and to the office before a go-ahead decision is due."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    InvoiceReminder,
    SessionReminder,
)
from bookings.services.booking import DelegateDetails, place_booking
from bookings.services.changes import cancel_cohort, substitute_delegate
from bookings.services.go_ahead import confirm_go_ahead, decisions_due, remind_decisions
from bookings.services.reminders import invoices_falling_due, session_reminders_due
from bookings.tasks import send_overdue_reminders, send_session_reminders

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    def committed(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return committed


def tbc_cohort(**fields):
    cohort = factories.cohort(capacity=12, days_ahead=40, **fields)
    cohort.min_delegates = 6
    cohort.decide_by = cohort.first_day() - datetime.timedelta(days=14)
    cohort.save()
    return cohort


def book(cohort, places=2, user=None, commits=None, **fields):
    user = user or factories.booker()
    request = factories.booking_request(cohort, user, places, **fields)
    if commits:
        return commits(place_booking, request, user)
    return place_booking(request, user)


def joining_emails():
    return [m for m in mail.outbox if m.subject.startswith("Joining details")]


def delegate_addresses(booking):
    return {d.email for d in booking.delegates.all() if d.is_named}


# --- To be confirmed ------------------------------------------------------------------------------


def test_a_date_below_its_minimum_is_to_be_confirmed_everywhere(client, commits):
    cohort = tbc_cohort()
    assert cohort.awaits_go_ahead and not cohort.is_going_ahead

    booking = book(cohort, 2, commits=commits)

    [confirmation] = [m for m in mail.outbox if "confirmed" in m.subject]
    assert confirmation.subject.endswith("(date to be confirmed)")
    decide = cohort.decide_by.strftime("%-d %B %Y")
    for part in (confirmation.body, confirmation.alternatives[0][0]):
        assert "to be confirmed" in part
        assert "at least 6 delegates" in part
        assert decide in part
    assert joining_emails() == []
    # The calendar attached is the public copy: no joining details yet.
    calendar = next(a for a in confirmation.attachments if a[0].endswith(".ics"))
    assert "Join online" not in calendar[1]
    course_page = client.get(cohort.course.url).content.decode()
    assert "To be confirmed" in course_page
    client.force_login(booking.booker)
    detail = client.get(reverse("bookings:booking-detail", args=[booking.reference]))
    assert 'data-testid="to-be-confirmed"' in detail.content.decode()


def test_an_online_date_keeps_its_joining_link_back_until_confirmed(client, commits):
    cohort = tbc_cohort()
    session = cohort.sessions.get()
    session.venue, session.online_url = "", "https://meet.example/room-42"
    session.save()
    booking = book(cohort, 1, commits=commits)
    delegate = booking.delegates.get()
    feed = reverse("bookings:delegate-feed", args=[delegate.calendar_token])
    assert "room-42" not in client.get(feed).content.decode()

    commits(confirm_go_ahead, cohort, actor=None)

    assert "room-42" in client.get(feed).content.decode()
    [joining] = joining_emails()
    assert "room-42" in joining.body


def test_confirming_sends_joining_details_once_each_even_when_clicked_twice(client, commits):
    cohort = tbc_cohort()
    first = book(cohort, 2, commits=commits)
    second = book(cohort, 3, commits=commits)
    unnamed = book(cohort, 1, commits=commits, delegates=[])
    mail.outbox.clear()

    admin = factories.booker().__class__.objects.create_superuser(
        email="office@example.com", password="x"
    )
    client.force_login(admin)
    url = reverse("bookings_cohorts:confirm", args=[cohort.pk])
    assert "short of the minimum" not in client.get(url).content.decode()  # 6 of 6
    for _ in range(2):
        commits(client.post, url, {})

    joining = joining_emails()
    expected = delegate_addresses(first) | delegate_addresses(second)
    assert sorted(a for m in joining for a in m.to) == sorted(expected)  # one each
    going_ahead = [m for m in mail.outbox if "is going ahead" in m.subject]
    assert {m.to[0] for m in going_ahead} == {
        first.booker.email,
        second.booker.email,
        unnamed.booker.email,
    }
    note = next(m for m in going_ahead if m.to == [unnamed.booker.email])
    assert "1 place is still to be named" in note.body
    cohort.refresh_from_db()
    assert cohort.is_going_ahead and cohort.go_ahead_confirmed_at is not None
    assert first.history.filter(action="date confirmed").count() == 1
    # A delegate named after the go-ahead gets the details straight away.
    mail.outbox.clear()
    slot = unnamed.delegates.get()
    commits(
        substitute_delegate,
        unnamed,
        slot.pk,
        DelegateDetails("Ali Late", "ali.late@school.example"),
        actor=unnamed.booker,
    )
    assert [m.to for m in joining_emails()] == [["ali.late@school.example"]]


def test_the_confirm_action_is_for_the_office_only(client):
    cohort = tbc_cohort()
    url = reverse("bookings_cohorts:confirm", args=[cohort.pk])
    assert client.get(url).status_code == 302  # signed out: to the admin's sign-in
    client.force_login(factories.booker())
    assert client.post(url, {}).status_code in (302, 403)
    cohort.refresh_from_db()
    assert cohort.go_ahead_confirmed_at is None


def test_cancelling_instead_follows_the_cancellation_path(commits):
    cohort = tbc_cohort()
    booking = book(cohort, 2, commits=commits)
    mail.outbox.clear()
    commits(cancel_cohort, cohort, reason="Too few bookings", actor=None)
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert any("Too few bookings" in m.body for m in mail.outbox)
    assert joining_emails() == []
    with pytest.raises(ValueError):
        confirm_go_ahead(cohort, actor=None)


def test_a_minimum_needs_a_decision_day_before_the_first_session():
    cohort = factories.cohort(capacity=10, days_ahead=30)
    cohort.min_delegates = 4
    with pytest.raises(ValidationError) as error:
        cohort.full_clean()
    assert "decide_by" in error.value.message_dict
    cohort.decide_by = cohort.first_day()
    with pytest.raises(ValidationError) as error:
        cohort.full_clean()
    assert "Decide before the first session" in str(error.value.message_dict["decide_by"])
    cohort.decide_by = cohort.first_day() - datetime.timedelta(days=7)
    cohort.min_delegates = 11
    with pytest.raises(ValidationError) as error:
        cohort.full_clean()
    assert "min_delegates" in error.value.message_dict
    cohort.min_delegates = 4
    cohort.full_clean()


def test_the_office_is_reminded_once_a_few_days_before_the_decision(settings, commits):
    settings.GO_AHEAD_REMINDER_DAYS = 3
    cohort = tbc_cohort()
    book(cohort, 2)
    four_days_before = timezone.make_aware(
        datetime.datetime.combine(cohort.decide_by - datetime.timedelta(days=4), datetime.time(9))
    )
    assert list(decisions_due(four_days_before)) == []
    three_days_before = four_days_before + datetime.timedelta(days=1)
    assert commits(remind_decisions, three_days_before) == 1
    assert commits(remind_decisions, three_days_before) == 0  # once only

    [reminder] = mail.outbox[-1:]
    assert reminder.to == [settings.OFFICE_EMAIL]
    for part in (reminder.body, reminder.alternatives[0][0]):
        assert "2 of 12" in part
        assert "4 short of the minimum" in part
        assert reverse("bookings_cohorts:confirm", args=[cohort.pk]) in part
        assert reverse("bookings_cohorts:cancel", args=[cohort.pk]) in part
    # A confirmed date needs no reminder.
    other = tbc_cohort()
    confirm_go_ahead(other, actor=None)
    assert other not in decisions_due(three_days_before)


# --- Reminders ------------------------------------------------------------------------------------


def test_delegates_are_reminded_once_before_each_session(settings, commits):
    settings.SESSION_REMINDER_HOURS = 48
    cohort = factories.cohort(capacity=10, days_ahead=10, sessions=2)
    booking = book(cohort, 2)
    first, second = cohort.sessions.order_by("starts_at")
    cancelled = booking.delegates.order_by("pk").first()
    cancelled.cancelled_at = timezone.now()
    cancelled.save()
    attending = booking.delegates.order_by("pk").last()

    before = first.starts_at - datetime.timedelta(hours=49)
    assert session_reminders_due(before) == []
    due = session_reminders_due(first.starts_at - datetime.timedelta(hours=47))
    assert due == [(attending.pk, first.pk)]

    now = first.starts_at - datetime.timedelta(hours=47)
    mail.outbox.clear()
    for _ in range(2):  # two housekeeping runs: still one email
        for delegate_id, session_id in session_reminders_due(now):
            from bookings.tasks import send_session_reminder

            send_session_reminder.enqueue(delegate_id, session_id)
    assert SessionReminder.objects.count() == 1
    [reminder] = mail.outbox
    assert reminder.to == [attending.email]
    local = timezone.localtime(first.starts_at)
    for part in (reminder.body, reminder.alternatives[0][0]):
        assert attending.name in part
        assert local.strftime("%-d %B %Y") in part
        assert local.strftime("%H:%M") in part
        assert "Northlight Centre" in part
        assert reverse("bookings:delegate-feed", args=[attending.calendar_token]) in part
    # The second session's reminder comes in its own window.
    assert session_reminders_due(second.starts_at - datetime.timedelta(hours=1)) == [
        (attending.pk, second.pk)
    ]


def test_no_session_reminders_for_a_date_not_yet_confirmed(settings):
    cohort = tbc_cohort()
    book(cohort, 2)
    session = cohort.sessions.get()
    assert session_reminders_due(session.starts_at - datetime.timedelta(hours=1)) == []


def test_the_housekeeping_sends_the_session_reminders(settings, commits):
    settings.SESSION_REMINDER_HOURS = 24 * 40  # everything upcoming is due
    cohort = factories.cohort(capacity=10, days_ahead=10)
    booking = book(cohort, 1)
    mail.outbox.clear()
    assert send_session_reminders.enqueue().return_value == 1
    assert [m.to for m in mail.outbox] == [[booking.delegates.get().email]]
    call_command("bookings_housekeeping", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1


def test_an_invoice_gets_a_polite_note_on_its_due_day_and_a_reminder_once_overdue():
    cohort = factories.cohort(capacity=10, days_ahead=60)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, 2), user)
    invoice = booking.invoices.get()
    due = invoice.due_date

    assert invoices_falling_due(due - datetime.timedelta(days=1)) == []
    assert invoices_falling_due(due) == [invoice]

    mail.outbox.clear()
    from bookings.tasks import send_invoice_reminder

    assert send_invoice_reminder.enqueue(invoice.pk, InvoiceReminder.DUE).return_value
    assert not send_invoice_reminder.enqueue(invoice.pk, InvoiceReminder.DUE).return_value
    [note] = mail.outbox
    assert note.subject == f"Invoice {invoice.number} is due today"
    assert note.to == [invoice.buyer_email]
    for part in (note.body, note.alternatives[0][0]):
        assert invoice.number in part
        assert booking.reference in part
        assert due.strftime("%-d %B %Y") in part
        assert "PO-4471" in part
    assert note.attachments[0][2] == "application/pdf"
    assert invoices_falling_due(due) == []  # sent once

    # Once overdue, the firmer reminder (its own kind, also once).
    assert send_invoice_reminder.enqueue(invoice.pk, InvoiceReminder.OVERDUE).return_value
    assert mail.outbox[-1].subject == f"Reminder: invoice {invoice.number} is overdue"
    assert set(invoice.reminders.values_list("kind", flat=True)) == {"due", "overdue"}


def test_a_paid_invoice_is_not_chased():
    cohort = factories.cohort(capacity=10, days_ahead=60)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, 1), user)
    invoice = booking.invoices.get()
    from bookings.services.invoicing import record_payment

    record_payment(
        invoice,
        amount=invoice.gross_total,
        received_on=timezone.localdate(),
        method="bank_transfer",
        reference="BACS 1",
    )
    assert invoices_falling_due(invoice.due_date) == []
    send_overdue_reminders.enqueue()
    assert not invoice.reminders.exists()


def test_the_minimum_cannot_be_dropped_without_confirming_the_date():
    cohort = tbc_cohort()
    cohort.min_delegates = None
    cohort.decide_by = None
    with pytest.raises(ValidationError) as error:
        cohort.full_clean()
    assert "Confirm this date goes ahead" in str(error.value.message_dict["min_delegates"])
    confirm_go_ahead(cohort, actor=None)
    cohort.refresh_from_db()
    cohort.min_delegates = None
    cohort.decide_by = None
    cohort.full_clean()  # once confirmed, the minimum no longer matters
