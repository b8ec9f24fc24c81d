"""Every email bookings/emails.py sends, triggered through the service that sends it, with
both its plain-text body and its HTML alternative read for the facts a reader needs: who
it goes to, the course, the dates in London time, the booking reference, the money, the
documents and calendar files attached, the links, and what must not be there.

The dates are a Thursday in October (British Summer Time, UTC+1) and one in November
(GMT), next year: a session at 09:30 BST is 08:30 UTC, so a time written in the wrong
zone reads 08:30. Money is chosen to have pence and thousands (£612.35 a place), so that
£1,469.64 can only appear if it is formatted as money.
"""

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bookings import emails
from bookings.cohort_calendars import calendar_filename
from bookings.models import (
    BookingStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Delegate,
    Invoice,
    InvoiceReminder,
    PaymentMethodReceived,
)
from bookings.services.booking import DelegateDetails, name_delegates, place_booking
from bookings.services.card import open_booking_checkout, open_invoice_checkout, settle_session
from bookings.services.changes import (
    cancel_cohort,
    cancel_places,
    cancel_whole_booking,
    move_booking,
    refund_card_payment,
    substitute_delegate,
)
from bookings.services.go_ahead import confirm_go_ahead, remind_decisions
from bookings.services.invoicing import record_payment
from bookings.services.reminders import session_reminders_due
from bookings.services.waiting import join_waiting_list
from bookings.tasks import send_overdue_reminders, send_session_reminder

from . import factories

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year + 1
AUTUMN = datetime.date(YEAR, 10, 14)  # British Summer Time: 09:30 is 08:30 UTC
WINTER = datetime.date(YEAR, 11, 11)  # GMT: 09:30 is 09:30 UTC
PRICE = Decimal("612.35")  # a place, before VAT; £734.82 with it
ONE_PLACE = "£734.82"
TWO_PLACES = "£1,469.64"
THREE_PLACES = "£2,204.46"
ONLINE_URL = "https://meet.example/northlight/day-2"
VENUE = "Northlight Centre\n1 Park Row\nLeeds LS1 5HD"
BASE = "http://testserver"
TITLE = "Developing the Skills of a Coaching Ambassador"
# A summer's day this year, for what is worked out from "now": 12:00 UTC is 13:00 BST.
SUMMER_NOON = datetime.datetime(YEAR - 1, 7, 1, 12, 0, tzinfo=datetime.UTC)


def long_date(day):
    """'Thursday 14 October 2027', as the emails write a session's day."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(day):
    return f"{day.day} {day:%B %Y}"


# --- Builders ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service call and what it leaves for the commit (the emails), as in production."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def office(django_user_model):
    return django_user_model.objects.create_superuser(
        email="office@coaching.example", password="x" * 12
    )


def dated_cohort(*days, capacity=20, online=(), **fields):
    """A run with a 09:30 to 15:30 session on each day; sessions numbered in `online` are
    online, the others at the Leeds venue."""
    run = Cohort(course=factories.course(), capacity=capacity, status=CohortStatus.OPEN, **fields)
    for number, day in enumerate(days, start=1):
        start = factories.london(day.year, day.month, day.day, 9, 30)
        run.sessions.add(
            CohortSession(
                title=f"Day {number}",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=6),
                venue="" if number in online else VENUE,
                online_url=ONLINE_URL if number in online else "",
            )
        )
    run.save()
    return run


def autumn_cohort(**fields):
    """Day 1 in person in October (BST), day 2 online in November (GMT), £612.35 a place."""
    return dated_cohort(AUTUMN, WINTER, online=(2,), price_override=PRICE, **fields)


def delegates(*names):
    return [
        DelegateDetails(name, f"{name.lower().replace(' ', '.')}@stmary.example") for name in names
    ]


def book(commit, cohort, user, places, names=(), **fields):
    """Place a booking through the service; the emails it sends are in mail.outbox."""
    request = factories.booking_request(cohort, user, places, delegates=delegates(*names), **fields)
    return commit(place_booking, request, user)


def booked(commit, cohort, user, places, names=()):
    """A booking already confirmed, its emails sent and cleared away (for tests about a
    later email)."""
    booking = book(commit, cohort, user, places, names)
    mail.outbox.clear()
    return booking


def st_marys_booker():
    """A booker for a school whose name needs escaping in HTML and not in plain text."""
    org = factories.organisation("St Mary & St John's School")
    return factories.booker(org, email="head@stmary.example")


def invoice_of(booking):
    return Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        booking=booking, kind="invoice"
    )


def paid_by_card(commit, fake_stripe, cohort, user, places, names=()):
    request = factories.booking_request(
        cohort, user, places, delegates=delegates(*names), payment_method="card"
    )
    booking = place_booking(request, user)
    checkout = open_booking_checkout(booking, success_url=f"{BASE}/s", cancel_url=f"{BASE}/c")
    commit(settle_session, fake_stripe.complete(checkout.session_id), source="webhook")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    return booking


# --- Reading an email -------------------------------------------------------------------------


class _Visible(HTMLParser):
    """The text a reader sees in an HTML email (outside <head>), and its links."""

    BREAKS = {"br", "p", "li", "tr", "td", "th", "h1", "h2", "ul", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks, self.links, self._head = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self._head += 1
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        if tag in self.BREAKS:
            self.chunks.append(" ")

    def handle_endtag(self, tag):
        if tag == "head":
            self._head -= 1
        if tag in self.BREAKS:
            self.chunks.append(" ")

    def handle_data(self, data):
        if not self._head:
            self.chunks.append(data)


def squash(text):
    return " ".join(text.split())


class Read:
    """One email as its reader gets it: `text` is the plain-text part and `html` the visible
    text of the HTML part (both with runs of whitespace made single spaces), `links` the
    HTML part's links, `attachments` by filename."""

    def __init__(self, message):
        assert message.content_subtype == "plain"
        [(markup, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        parser = _Visible()
        parser.feed(markup)
        parser.close()
        self.message = message
        self.raw_text, self.markup = message.body, markup
        self.text, self.html = squash(message.body), squash("".join(parser.chunks))
        self.links = parser.links
        self.attachments = {name: (content, kind) for name, content, kind in message.attachments}
        assert len(self.attachments) == len(message.attachments), "two files with one name"
        # Nothing left unrendered, and no Python None where a value should be.
        for part in (message.subject, message.body, markup):
            for junk in ("{{", "{%", "}}", "%}"):
                assert junk not in part, (junk, part)
            assert not re.search(r"(?<![\w-])None(?![\w-])", part), part
        # The plain text is not HTML-escaped; the office is the one to reply to.
        assert not re.search(r"&(amp|lt|gt|quot|#x27|#39);", message.body)
        assert message.reply_to == [settings.OFFICE_EMAIL]

    def has(self, *facts):
        for fact in facts:
            assert fact in self.text, f"{fact!r} not in the plain text:\n{self.raw_text}"
            assert fact in self.html, f"{fact!r} not in the HTML:\n{self.markup}"

    def lacks(self, *facts):
        """Not in the subject, either part (as written or as read) or any calendar file."""
        calendars = [str(c) for c, kind in self.attachments.values() if kind == "text/calendar"]
        for fact in facts:
            for where in (self.message.subject, self.raw_text, self.markup, self.html, *calendars):
                assert fact not in where, f"{fact!r} should not be in:\n{where}"

    def links_to(self, url):
        assert url in self.text, f"{url} not in the plain text:\n{self.raw_text}"
        assert url in self.links, f"no link to {url} in the HTML:\n{self.markup}"

    @property
    def documents(self):
        """The invoices and credit notes attached (a calendar file may come with them)."""
        return {name for name, (_, kind) in self.attachments.items() if kind != "text/calendar"}

    def pdf(self, filename):
        content, kind = self.attachments[filename]
        assert kind == "application/pdf"
        assert content.startswith(b"%PDF-")
        return content

    def calendar(self, filename):
        content, kind = self.attachments[filename]
        assert kind == "text/calendar"
        content = content if isinstance(content, str) else content.decode()
        assert content.startswith("BEGIN:VCALENDAR\r\n")
        return content


def emails_to(address):
    return [m for m in mail.outbox if address in m.to]


def sent_to(address, subject=""):
    """The one email to `address` (whose subject starts with `subject`, if given)."""
    found = [m for m in mail.outbox if address in m.to and m.subject.startswith(subject)]
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return Read(found[0])


def pdf_text(content):
    return squash(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages))


def session_lines(*days):
    return [f"{long_date(day)}, 09:30 to 15:30" for day in days]


# --- Booking confirmed, by invoice ------------------------------------------------------------


def test_invoice_booking_confirmation_tells_the_booker_everything_and_nobody_elses(commit):
    cohort = autumn_cohort()
    rival = factories.booker(factories.organisation("Rival Academy"))
    other = book(commit, cohort, rival, 1, ["Zed Rival"])
    user = st_marys_booker()
    mail.outbox.clear()
    booking = book(commit, cohort, user, 3, ["Alice Brown", "Bob Green"], po_number="PO-4471")
    invoice = invoice_of(booking)
    email = sent_to(user.email)

    assert email.message.to == [user.email]
    assert email.message.cc == [user.booker.organisation.finance_email]
    assert email.message.subject == (
        f"Booking {booking.reference} confirmed: Developing the Skills of a Coaching Ambassador"
    )
    email.has(
        "Dear Sam " + user.last_name,
        "Developing the Skills of a Coaching Ambassador",
        "St Mary & St John's School",
        f"Day 1: {long_date(AUTUMN)}, 09:30 to 15:30, Northlight Centre",
        f"Day 2: {long_date(WINTER)}, 09:30 to 15:30, online",
        "Alice Brown (alice.brown@stmary.example)",
        "Bob Green (bob.green@stmary.example)",
        "To be named",
        f"Please name the remaining 1 place by {short_date(AUTUMN - datetime.timedelta(days=1))}",
        f"Invoice {invoice.number} for {THREE_PLACES} is attached (purchase order PO-4471).",
        f"It is due by {short_date(invoice.due_date)}.",
    )
    assert f"Booking reference: {booking.reference}" in email.text
    assert f"Booking reference {booking.reference}" in email.html
    assert "Places: 3" in email.text and "Places 3" in email.html
    assert "St Mary &amp; St John&#x27;s School" in email.markup
    email.links_to(f"{BASE}/bookings/{booking.reference}/")
    email.lacks(
        "08:30",  # 09:30 BST written in UTC
        "It is paid",
        "Rival Academy",
        "Zed Rival",
        other.reference,
        invoice_of(other).number,
    )
    assert set(email.attachments) == {invoice.filename, calendar_filename(cohort)}
    printed = pdf_text(email.pdf(invoice.filename))
    assert invoice.number in printed and THREE_PLACES in printed and "PO-4471" in printed
    ics = email.calendar(calendar_filename(cohort))
    assert "METHOD:PUBLISH\r\n" in ics and "DTSTART;TZID=Europe/London:" in ics
    assert "Zed Rival" not in ics


def test_each_named_delegate_gets_their_own_joining_details_once(commit):
    cohort = autumn_cohort()
    user = st_marys_booker()
    booking = book(commit, cohort, user, 3, ["Alice Brown", "Bob Green"])
    alice, bob, unnamed = booking.delegates.order_by("pk")
    invoice = invoice_of(booking)

    # The booker, and each named delegate once; nothing for the place still to be named.
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        [user.email, alice.email, bob.email]
    )
    email = sent_to(alice.email)
    assert email.message.to == [alice.email] and email.message.cc == []
    assert email.message.subject == (
        f"Joining details: Developing the Skills of a Coaching Ambassador, {short_date(AUTUMN)}"
    )
    email.has(
        "Dear Alice Brown,",
        "St Mary & St John's School has booked you a place on "
        "Developing the Skills of a Coaching Ambassador.",
        *session_lines(AUTUMN, WINTER),
        "Northlight Centre",
        ONLINE_URL,
        f"Booking reference: {booking.reference}.",
        f"please tell Sam {user.last_name}",
    )
    assert f"Online: {ONLINE_URL}" in email.text
    assert ONLINE_URL in email.links
    email.links_to(f"{BASE}/bookings/feeds/delegate/{alice.calendar_token}.ics")
    email.lacks(
        "08:30",
        "Bob Green",
        bob.email,
        bob.calendar_token,
        invoice.number,
        "£",
        user.booker.organisation.finance_email,
    )
    assert set(email.attachments) == {calendar_filename(cohort)}
    ics = email.calendar(calendar_filename(cohort))
    assert "METHOD:PUBLISH\r\n" in ics and ONLINE_URL in ics

    assert sent_to(bob.email).message.subject == email.message.subject
    assert unnamed.joining_sent_at is None
    mail.outbox.clear()
    assert emails.send_joining_details(booking) == 0
    assert mail.outbox == []


def test_naming_a_place_later_sends_that_delegate_the_joining_details(commit):
    cohort = autumn_cohort()
    user = factories.booker()
    booking = book(commit, cohort, user, 2, ["Alice Brown"])
    unnamed = booking.delegates.get(email="")
    mail.outbox.clear()
    commit(name_delegates, booking, {unnamed.pk: delegates("Cara Dunn")[0]}, actor=user)
    cara = Delegate.objects.get(pk=unnamed.pk)
    email = sent_to(cara.email)
    assert email.message.subject.startswith("Joining details:")
    email.has("Dear Cara Dunn,", *session_lines(AUTUMN, WINTER))
    email.links_to(f"{BASE}/bookings/feeds/delegate/{cara.calendar_token}.ics")


# --- Booking confirmed, by card ------------------------------------------------------------


def test_card_booking_confirmation_says_it_is_paid(commit, fake_stripe):
    cohort = autumn_cohort()
    user = st_marys_booker()
    mail.outbox.clear()
    booking = paid_by_card(commit, fake_stripe, cohort, user, 2, ["Alice Brown"])
    invoice = invoice_of(booking)
    email = sent_to(user.email)
    assert email.message.subject == (
        f"Booking {booking.reference} confirmed: Developing the Skills of a Coaching Ambassador"
    )
    email.has(
        f"Invoice {invoice.number} for {TWO_PLACES} is attached",
        f"It is paid: we received {TWO_PLACES} by card, thank you.",
        f"Day 1: {long_date(AUTUMN)}, 09:30 to 15:30",
    )
    email.lacks("It is due by", "08:30")
    assert set(email.attachments) == {invoice.filename, calendar_filename(cohort)}
    assert "Paid by card" in pdf_text(email.pdf(invoice.filename))
    alice = booking.delegates.get(name="Alice Brown")
    joining = sent_to(alice.email)
    joining.has(*session_lines(AUTUMN, WINTER))
    joining.lacks("£")


# --- A new booker confirms their email -----------------------------------------------------


def test_a_new_booker_is_asked_to_confirm_their_email_with_a_working_link(client, commit):
    cohort = autumn_cohort()
    user = factories.booker(factories.organisation("St Mary & St John's School"), confirmed=False)
    # Booked at 12:00 UTC on a summer day: the places are held until 15:00 BST.
    noon = SUMMER_NOON
    request = factories.booking_request(cohort, user, 2, delegates=delegates("Alice Brown"))
    booking = commit(place_booking, request, user, now=noon)
    assert booking.status == BookingStatus.PENDING
    email = sent_to(user.email)
    assert email.message.subject == f"Confirm your email to complete booking {booking.reference}"
    email.has(
        f"Dear Sam {user.last_name},",
        "Thank you for booking 2 places on Developing the Skills of a Coaching Ambassador "
        "for St Mary & St John's School.",
        f"Your places are held until 15:00 on {long_date(noon.date())}.",
    )
    [link] = [url for url in email.links if "/confirm-email/" in url]
    email.links_to(link)
    assert link.startswith(f"{BASE}/bookings/confirm-email/")
    email.lacks("14:00", "£", "Alice Brown", "INV-")
    assert email.attachments == {}
    assert len(mail.outbox) == 1  # no joining details before the booking is confirmed

    page = client.get(link.removeprefix(BASE))
    assert page.status_code == 200
    assert booking.reference in page.content.decode()


# --- Card payments: an invoice paid, a payment refunded ------------------------------------------


def test_paying_an_invoice_by_card_sends_a_receipt(commit, fake_stripe):
    cohort = autumn_cohort()
    user = st_marys_booker()
    booking = booked(commit, cohort, user, 2, ["Alice Brown"])
    invoice = invoice_of(booking)
    record_payment(
        invoice,
        amount=Decimal("500.00"),
        received_on=timezone.localdate(),
        method=PaymentMethodReceived.BANK_TRANSFER,
    )
    checkout = open_invoice_checkout(invoice, success_url=f"{BASE}/s", cancel_url=f"{BASE}/c")
    assert checkout.amount == Decimal("969.64")
    commit(settle_session, fake_stripe.complete(checkout.session_id), source="webhook")

    email = sent_to(user.email)
    assert email.message.subject == f"Payment received for invoice {invoice.number}"
    assert email.message.cc == [invoice.buyer_email]
    email.has(
        f"we have received £969.64 by card against invoice {invoice.number} "
        f"(booking {booking.reference}, Developing the Skills of a Coaching Ambassador).",
        "The invoice is now paid in full.",
    )
    email.links_to(f"{BASE}/bookings/{booking.reference}/")
    email.lacks("still due", TWO_PLACES)
    assert email.attachments == {}


def test_a_card_payment_that_came_too_late_is_refunded_and_the_booker_told(commit, fake_stripe):
    cohort = autumn_cohort(capacity=2)
    user = st_marys_booker()
    request = factories.booking_request(
        cohort, user, 2, delegates=delegates("Alice Brown"), payment_method="card"
    )
    booking = place_booking(request, user)
    checkout = open_booking_checkout(booking, success_url=f"{BASE}/s", cancel_url=f"{BASE}/c")
    # The hold lapses and another school takes the places before the payment arrives.
    booking.holds.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    rival = factories.booker(factories.organisation("Rival Academy"))
    booked(commit, cohort, rival, 2, ["Zed Rival"])
    mail.outbox.clear()
    commit(settle_session, fake_stripe.complete(checkout.session_id), source="webhook")

    email = sent_to(user.email)
    assert len(mail.outbox) == 1  # no confirmation, no joining details
    assert email.message.subject == (
        f"Your card payment for booking {booking.reference} has been refunded"
    )
    email.has(
        f"We received your card payment of {TWO_PLACES} for booking {booking.reference} "
        "(Developing the Skills of a Coaching Ambassador), but we could not use it: "
        "the places had gone by the time the payment arrived.",
        f"We have refunded {TWO_PLACES} to your card.",
        "join the waiting list for this one",
    )
    email.links_to(f"{BASE}/bookings/{booking.reference}/")
    email.lacks("Your booking itself is unchanged", "Rival Academy", "Zed Rival", "INV-")
    assert email.attachments == {}


# --- The booker cancels ---------------------------------------------------------------------


def test_cancelling_early_sends_the_credit_note_and_tells_each_delegate(commit):
    cohort = autumn_cohort()
    user = st_marys_booker()
    booking = booked(commit, cohort, user, 2, ["Alice Brown", "Bob Green"])
    invoice = invoice_of(booking)
    alice, bob = booking.delegates.order_by("pk")
    _, (note,) = commit(cancel_whole_booking, booking, actor=user)

    email = sent_to(user.email)
    assert email.message.subject == f"Booking {booking.reference} cancelled"
    assert email.message.cc == [user.booker.organisation.finance_email]
    email.has(
        f"Booking {booking.reference} for St Mary & St John's School on "
        "Developing the Skills of a Coaching Ambassador has been cancelled.",
        f"Credit note {note.number} for {TWO_PLACES} against invoice {invoice.number} is attached.",
    )
    email.links_to(f"{BASE}/bookings/{booking.reference}/")
    email.lacks("no credit is due", "refunded to the card")
    printed = pdf_text(email.pdf(note.filename))
    assert note.number in printed and invoice.number in printed and TWO_PLACES in printed
    assert email.documents == {note.filename}

    for delegate, other in ((alice, bob), (bob, alice)):
        told = sent_to(delegate.email)
        assert told.message.subject == (
            "Your place on Developing the Skills of a Coaching Ambassador is cancelled"
        )
        told.has(
            f"Dear {delegate.name},",
            f"starting {short_date(AUTUMN)} (booking {booking.reference} for "
            "St Mary & St John's School) has been cancelled",
        )
        told.lacks(other.name, note.number, "£", ONLINE_URL, "/feeds/delegate/")
        ics = told.calendar(calendar_filename(cohort))
        assert "METHOD:CANCEL\r\n" in ics and "STATUS:CANCELLED\r\n" in ics


def test_cancelling_a_booking_also_takes_the_dates_out_of_the_bookers_calendar(commit):
    cohort = autumn_cohort()
    user = factories.booker()
    booking = book(commit, cohort, user, 1, ["Alice Brown"])
    assert calendar_filename(cohort) in sent_to(user.email).attachments  # sent on confirming
    mail.outbox.clear()
    commit(cancel_whole_booking, booking, actor=user)
    ics = sent_to(user.email).calendar(calendar_filename(cohort))
    assert "METHOD:CANCEL\r\n" in ics and "STATUS:CONFIRMED" not in ics


def test_a_card_booking_cancelled_early_says_what_goes_back_to_the_card(commit, fake_stripe):
    cohort = autumn_cohort()
    user = factories.booker()
    booking = paid_by_card(commit, fake_stripe, cohort, user, 2, ["Alice Brown"])
    invoice = invoice_of(booking)
    mail.outbox.clear()
    _, (note,) = commit(cancel_whole_booking, booking, actor=user)
    email = sent_to(user.email)
    email.has(
        f"Credit note {note.number} for {TWO_PLACES} against invoice {invoice.number} is "
        f"attached. {TWO_PLACES} is being refunded to the card it was paid with.",
    )
    email.lacks("no credit is due")


def test_cancelling_three_weeks_before_credits_the_policy_share(commit):
    cohort = factories.cohort(capacity=10, days_ahead=21, price_override=PRICE)
    user = factories.booker()
    booking = booked(commit, cohort, user, 1, ["Alice Brown"])
    invoice = invoice_of(booking)
    _, (note,) = commit(cancel_whole_booking, booking, actor=user)
    assert note.gross_total == Decimal("367.42")
    email = sent_to(user.email)
    assert email.message.cc == [user.booker.organisation.finance_email]
    email.has(f"Credit note {note.number} for £367.42 against invoice {invoice.number}")
    email.lacks("no credit is due", ONE_PLACE)
    assert email.documents == {note.filename}


def test_a_part_credit_says_so_and_what_is_still_payable(commit):
    cohort = factories.cohort(capacity=10, days_ahead=21, price_override=PRICE)
    user = factories.booker()
    booking = booked(commit, cohort, user, 1, ["Alice Brown"])
    invoice = invoice_of(booking)
    commit(cancel_whole_booking, booking, actor=user)
    email = sent_to(user.email)
    # £734.82 less the £367.42 credited (half of £612.35 is £306.18 before VAT).
    email.has("50%", f"£367.40 remains payable on invoice {invoice.number}")


def test_cancelling_in_the_last_fortnight_explains_that_no_credit_is_due(commit):
    cohort = factories.cohort(capacity=10, days_ahead=10, price_override=PRICE)
    user = factories.booker()
    booking = booked(commit, cohort, user, 1, ["Alice Brown"])
    commit(cancel_whole_booking, booking, actor=user)
    email = sent_to(user.email)
    assert email.message.cc == []  # no document for the finance office
    email.has(
        "Under the cancellation policy for this date (full credit up to 28 days before the "
        "first session, 50% up to 14 days before, no credit after that), no credit is due "
        "this close to the course, so any invoice remains payable."
    )
    email.lacks("Credit note", "refunded")
    assert email.documents == set()


def test_cancelling_some_places_credits_them_and_tells_those_delegates(commit):
    cohort = autumn_cohort()
    user = factories.booker()
    booking = booked(commit, cohort, user, 3, ["Alice Brown", "Bob Green", "Cara Dunn"])
    invoice = invoice_of(booking)
    alice, bob, cara = booking.delegates.order_by("pk")
    _, note = commit(cancel_places, booking, [bob.pk], actor=user)

    email = sent_to(user.email)
    assert email.message.subject == f"Booking {booking.reference}: places have been cancelled"
    assert email.message.cc == [invoice.buyer_email]
    email.has(
        f"Places have been cancelled on booking {booking.reference} "
        f"(Developing the Skills of a Coaching Ambassador, {short_date(AUTUMN)}).",
        "Bob Green no longer has a place and has been told.",
        f"Credit note {note.number} for {ONE_PLACE} against invoice {invoice.number} is attached.",
        "Places now booked: 2.",
    )
    email.lacks("Alice Brown", "Cara Dunn", "now has a place")
    assert email.documents == {note.filename}
    email.pdf(note.filename)

    told = sent_to(bob.email)
    told.has("Dear Bob Green,", f"(booking {booking.reference} for ")
    told.lacks("Alice Brown", "Cara Dunn", note.number, "£", "/feeds/delegate/")
    assert "METHOD:CANCEL\r\n" in told.calendar(calendar_filename(cohort))
    assert {address for m in mail.outbox for address in m.to} == {user.email, bob.email}


# --- Substitution ------------------------------------------------------------------------------


def test_substituting_a_delegate_tells_the_old_one_the_new_one_and_the_booker(commit):
    cohort = autumn_cohort()
    user = st_marys_booker()
    booking = book(commit, cohort, user, 2, ["Alice Brown", "Bob Green"])
    alice = booking.delegates.get(name="Alice Brown")
    mail.outbox.clear()
    ali = commit(
        substitute_delegate,
        booking,
        alice.pk,
        DelegateDetails("Ali Khan", "ali.khan@stmary.example"),
        actor=user,
    )

    old = sent_to(alice.email)
    assert old.message.subject == (
        "Your place on Developing the Skills of a Coaching Ambassador is cancelled"
    )
    old.has(
        "Dear Alice Brown,",
        f"Your place on Developing the Skills of a Coaching Ambassador starting "
        f"{short_date(AUTUMN)} (booking {booking.reference} for St Mary & St John's School) "
        "has been cancelled.",
        "Ali Khan will attend in your place.",
    )
    # A cancellation, not joining details: no times, link, feed or reference to join by.
    old.lacks("09:30", ONLINE_URL, "/feeds/delegate/", alice.calendar_token, "Subscribe")
    ics = old.calendar(calendar_filename(cohort))
    assert "METHOD:CANCEL\r\n" in ics and "STATUS:CONFIRMED" not in ics

    new = sent_to(ali.email)
    assert new.message.subject.startswith("Joining details:")
    new.has("Dear Ali Khan,", *session_lines(AUTUMN, WINTER), ONLINE_URL)
    new.links_to(f"{BASE}/bookings/feeds/delegate/{ali.calendar_token}.ics")
    new.lacks("Alice Brown", "Bob Green", alice.calendar_token)

    booker = sent_to(user.email)
    assert booker.message.subject == f"Booking {booking.reference}: a delegate has been changed"
    assert booker.message.cc == []
    booker.has(
        f"A delegate has been changed on booking {booking.reference} "
        f"(Developing the Skills of a Coaching Ambassador, {short_date(AUTUMN)}).",
        "Ali Khan (ali.khan@stmary.example) now has a place, instead of Alice Brown, and has "
        "been sent the joining details.",
        "Alice Brown no longer has a place and has been told.",
        "Places now booked: 2.",
    )
    booker.links_to(f"{BASE}/bookings/{booking.reference}/")
    booker.lacks("Credit note", "Bob Green")
    assert booker.attachments == {}
    assert len(mail.outbox) == 3


def test_an_office_refund_to_the_card_comes_with_its_credit_note(commit, fake_stripe, office):
    cohort = autumn_cohort()
    user = st_marys_booker()
    booking = paid_by_card(commit, fake_stripe, cohort, user, 2, ["Alice Brown"])
    invoice = invoice_of(booking)
    mail.outbox.clear()
    note, _ = commit(
        refund_card_payment,
        invoice,
        places=1,
        reason="One delegate could only come to half",
        actor=office,
    )

    email = sent_to(user.email)
    assert email.message.subject == (
        f"Booking {booking.reference}: we have made a refund to your card"
    )
    assert email.message.cc == [invoice.buyer_email]
    email.has(
        f"We have made a refund to your card on booking {booking.reference} ({TITLE}, "
        f"{short_date(AUTUMN)}).",
        # One place: £612.35 plus VAT.
        f"Credit note {note.number} for {ONE_PLACE} against invoice {invoice.number} is "
        f"attached. {ONE_PLACE} is being refunded to the card it was paid with.",
        "Places now booked: 2.",
    )
    email.links_to(f"{BASE}/bookings/{booking.reference}/")
    email.lacks("no longer has a place", "now has a place", TWO_PLACES)
    assert email.documents == {note.filename}
    assert note.number in pdf_text(email.pdf(note.filename))
    assert len(mail.outbox) == 1  # the delegates' places are unchanged: nothing for them


# --- The office moves a booking, cancels a run -------------------------------------------------


def test_moving_a_booking_gives_the_new_dates_in_london_time(commit, office):
    source = dated_cohort(WINTER)
    target = autumn_cohort()
    user = factories.booker()
    booking = book(commit, source, user, 2, ["Alice Brown"])
    alice = booking.delegates.get(name="Alice Brown")
    mail.outbox.clear()
    commit(move_booking, booking, target.pk, actor=office)

    email = sent_to(user.email)
    assert email.message.subject == (
        f"Booking {booking.reference}: your booking has moved to another date"
    )
    email.has(
        f"The booking has moved from {short_date(WINTER)} to these dates:",
        f"Day 1: {long_date(AUTUMN)}, 09:30 to 15:30",
        f"Day 2: {long_date(WINTER)}, 09:30 to 15:30",
        "Places now booked: 2.",
    )
    email.links_to(f"{BASE}/bookings/{booking.reference}/")
    email.lacks("08:30")
    assert set(email.attachments) == {calendar_filename(target)}
    ics = email.calendar(calendar_filename(target))
    assert f"UID:cohort-{target.pk}-session-" in ics and f"cohort-{source.pk}-" not in ics

    joining = sent_to(alice.email, "Joining details:")
    assert joining.message.subject == (
        f"Joining details: Developing the Skills of a Coaching Ambassador, {short_date(AUTUMN)}"
    )
    joining.has(*session_lines(AUTUMN, WINTER), ONLINE_URL)
    joining.lacks("08:30")


def test_cancelling_a_run_tells_each_booker_about_their_own_credit_only(
    commit, fake_stripe, office
):
    cohort = autumn_cohort()
    by_invoice = st_marys_booker()
    invoiced = booked(commit, cohort, by_invoice, 2, ["Alice Brown"])
    by_card = factories.booker(factories.organisation("Rival Academy"))
    paid = paid_by_card(commit, fake_stripe, cohort, by_card, 1, ["Zed Rival"])
    mail.outbox.clear()
    commit(cancel_cohort, cohort, reason="The trainer is ill", actor=office)

    email = sent_to(by_invoice.email)
    invoice = invoice_of(invoiced)
    [note] = invoice.credit_notes.all()
    assert email.message.subject == (
        f"Cancelled: Developing the Skills of a Coaching Ambassador, {short_date(AUTUMN)}"
    )
    assert email.message.cc == [invoice.buyer_email]
    email.has(
        "we have had to cancel Developing the Skills of a Coaching Ambassador starting "
        f"{short_date(AUTUMN)} (The trainer is ill). Your booking {invoiced.reference} for "
        "St Mary & St John's School is cancelled and credited in full.",
        f"Credit note {note.number} for {TWO_PLACES} against invoice {invoice.number} is attached.",
    )
    email.links_to(f"{BASE}/bookings/{invoiced.reference}/")
    email.lacks("refunded to the card", "Rival Academy", "Zed Rival", paid.reference, ONE_PLACE)
    assert set(email.attachments) == {note.filename, calendar_filename(cohort)}
    email.pdf(note.filename)
    ics = email.calendar(calendar_filename(cohort))
    assert "STATUS:CANCELLED\r\n" in ics and "STATUS:CONFIRMED" not in ics

    card = sent_to(by_card.email)
    card_note = invoice_of(paid).credit_notes.get()
    card.has(
        f"Credit note {card_note.number} for {ONE_PLACE} against invoice "
        f"{invoice_of(paid).number} is attached. {ONE_PLACE} is being refunded to the card it "
        "was paid with."
    )
    card.lacks("St Mary", "Alice Brown", invoiced.reference)

    alice = sent_to("alice.brown@stmary.example")
    alice.has(
        f"(booking {invoiced.reference} for St Mary & St John's School) has been cancelled: "
        "the course date has been cancelled"
    )
    alice.lacks("09:30", ONLINE_URL, "/feeds/delegate/", "£", "Zed Rival")
    assert "METHOD:CANCEL\r\n" in alice.calendar(calendar_filename(cohort))
    assert len(mail.outbox) == 4  # two bookers, two delegates


# --- Chasing an overdue invoice ------------------------------------------------------------------


def test_an_overdue_invoice_is_chased_once_with_what_is_still_owed(commit):
    cohort = autumn_cohort()
    user = factories.booker()
    request = factories.booking_request(cohort, user, 2, delegates=delegates("Alice Brown"))
    issued = timezone.now() - datetime.timedelta(days=40)
    booking = commit(place_booking, request, user, now=issued)
    mail.outbox.clear()
    invoice = invoice_of(booking)
    record_payment(
        invoice,
        amount=Decimal("500.00"),
        received_on=timezone.localdate(),
        method=PaymentMethodReceived.BANK_TRANSFER,
    )
    commit(send_overdue_reminders.enqueue)

    email = sent_to(invoice.buyer_email)
    assert email.message.subject == f"Reminder: invoice {invoice.number} is overdue"
    assert email.message.cc == [user.email]
    email.has(
        f"invoice {invoice.number} (your purchase order PO-4471) for Developing the Skills of "
        f"a Coaching Ambassador was due on {short_date(invoice.due_date)}, and £969.64 is "
        "still outstanding.",
        "sort code 12-34-56, account number 12345678",
        f"quoting {invoice.number}",
    )
    email.lacks(TWO_PLACES, "Alice Brown")
    assert set(email.attachments) == {invoice.filename}
    assert invoice.number in pdf_text(email.pdf(invoice.filename))
    assert InvoiceReminder.objects.filter(invoice=invoice).count() == 1

    mail.outbox.clear()
    commit(send_overdue_reminders.enqueue)
    assert mail.outbox == []


# --- Dates that run only with enough delegates ----------------------------------------------


def to_be_confirmed(**fields):
    """The autumn run, going ahead only with 6 delegates, decided a fortnight before."""
    cohort = autumn_cohort(capacity=12, **fields)
    cohort.min_delegates = 6
    cohort.decide_by = AUTUMN - datetime.timedelta(days=14)
    cohort.save()
    return cohort


def test_a_date_to_be_confirmed_is_booked_without_joining_details(commit):
    cohort = to_be_confirmed()
    user = factories.booker()
    booking = book(commit, cohort, user, 2, ["Alice Brown"])
    email = sent_to(user.email)
    assert email.message.subject == (
        f"Booking {booking.reference} confirmed: {TITLE} (date to be confirmed)"
    )
    email.has(
        "The date is to be confirmed: it runs only if at least 6 delegates book, and we will "
        f"tell you by {short_date(cohort.decide_by)} whether it goes ahead.",
        f"Day 1: {long_date(AUTUMN)}, 09:30 to 15:30",
    )
    email.lacks(ONLINE_URL, "08:30")  # not even in the calendar file: no joining link yet
    assert emails_to("alice.brown@stmary.example") == []


def test_confirming_the_date_sends_the_joining_details_and_tells_each_booker(commit, office):
    cohort = to_be_confirmed()
    rival = factories.booker(factories.organisation("Rival Academy"))
    other = booked(commit, cohort, rival, 1, ["Zed Rival"])
    user = st_marys_booker()
    booking = booked(commit, cohort, user, 3, ["Alice Brown", "Bob Green"])
    assert commit(confirm_go_ahead, cohort, actor=office)

    email = sent_to(user.email)
    assert email.message.subject == f"Confirmed: {TITLE} on {short_date(AUTUMN)} is going ahead"
    email.has(
        f"Enough schools have booked: {TITLE}, starting {long_date(AUTUMN)}, 09:30, is confirmed "
        f"and going ahead (booking {booking.reference}, 3 places for St Mary & St John's "
        "School).",
        "We have emailed the joining details to 2 named delegates.",
        "1 place is still to be named: name that delegate on your booking page and they get "
        "the joining details straight away.",
    )
    email.links_to(f"{BASE}/bookings/{booking.reference}/")
    email.lacks("08:30", "Rival Academy", "Zed Rival", other.reference)
    assert email.attachments == {}
    joining = sent_to("alice.brown@stmary.example")
    joining.has(*session_lines(AUTUMN, WINTER), ONLINE_URL)
    assert ONLINE_URL in joining.calendar(calendar_filename(cohort))
    rivals = sent_to(rival.email)
    rivals.has("1 place for Rival Academy", "We have emailed the joining details to 1 named")
    rivals.lacks("St Mary", "still to be named")

    mail.outbox.clear()
    assert not commit(confirm_go_ahead, cohort, actor=office)  # a second click sends nothing
    assert mail.outbox == []


def test_the_office_is_reminded_to_decide_with_links_to_do_it(commit, settings):
    settings.GO_AHEAD_REMINDER_DAYS = 3
    cohort = to_be_confirmed()
    booked(commit, cohort, factories.booker(), 2, ["Alice Brown"])
    morning = timezone.make_aware(
        datetime.datetime.combine(cohort.decide_by - datetime.timedelta(days=3), datetime.time(9))
    )
    assert commit(remind_decisions, morning) == 1

    email = sent_to(settings.OFFICE_EMAIL)
    name = f"{TITLE} · {AUTUMN.day} {AUTUMN:%b %Y}"
    assert email.message.subject == (
        f"Decide by {cohort.decide_by.day} {cohort.decide_by:%B}: {name}"
    )
    email.has(
        f"{name} runs only with at least 6 delegates, and the decision is due by "
        f"{long_date(cohort.decide_by)}.",
        "Places booked so far: 2 of 12 (4 short of the minimum).",
    )
    email.links_to(BASE + reverse("bookings_cohorts:confirm", args=[cohort.pk]))
    email.links_to(BASE + reverse("bookings_cohorts:cancel", args=[cohort.pk]))
    email.lacks("Alice Brown", "£")
    mail.outbox.clear()
    assert commit(remind_decisions, morning) == 0
    assert mail.outbox == []


# --- Reminders before each session -----------------------------------------------------------


def remind(now):
    """What the housekeeping does at `now`: a reminder per delegate per session due."""
    for delegate_id, session_id in session_reminders_due(now):
        send_session_reminder.enqueue(delegate_id, session_id)


def test_each_delegate_is_reminded_of_each_session_in_london_time(commit, settings):
    settings.SESSION_REMINDER_HOURS = 48
    cohort = autumn_cohort()
    user = factories.booker()
    booking = booked(commit, cohort, user, 2, ["Alice Brown", "Bob Green"])
    alice, bob = booking.delegates.order_by("pk")
    in_leeds, online = CohortSession.objects.filter(cohort=cohort).order_by("starts_at")

    remind(in_leeds.starts_at - datetime.timedelta(hours=47))
    email = sent_to(alice.email)
    assert email.message.subject == (
        f"Coming up: {TITLE}, Day 1 on {AUTUMN:%A} {AUTUMN.day} {AUTUMN:%B}"
    )
    email.has(
        "Dear Alice Brown,",
        f"A reminder that {TITLE}, Day 1, is on {long_date(AUTUMN)}, from 09:30 to 15:30 "
        "(UK time).",
        "Where: Northlight Centre 1 Park Row Leeds LS1 5HD",
    )
    email.links_to(f"{BASE}/bookings/feeds/delegate/{alice.calendar_token}.ics")
    email.lacks("08:30", "Bob Green", bob.calendar_token, ONLINE_URL, "£")
    assert email.attachments == {}
    assert sent_to(bob.email).message.subject == email.message.subject

    mail.outbox.clear()
    remind(in_leeds.starts_at - datetime.timedelta(hours=46))  # already reminded: nothing
    assert mail.outbox == []
    remind(online.starts_at - datetime.timedelta(hours=1))
    email = sent_to(alice.email)
    email.has(
        f"is on {long_date(WINTER)}, from 09:30 to 15:30 (UK time).",
        "It is online",
    )
    email.links_to(ONLINE_URL)
    email.lacks("Where:", "Northlight Centre")


# --- An invoice falling due ---------------------------------------------------------------------


@pytest.mark.parametrize("card", [False, True], ids=["invoice only", "card offered"])
def test_an_invoice_gets_a_polite_note_on_the_day_it_falls_due(commit, request, card):
    if card:
        request.getfixturevalue("fake_stripe")
    cohort = autumn_cohort()
    user = factories.booker()
    today = timezone.localdate()
    issued = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=30), datetime.time(12))
    )
    order = factories.booking_request(cohort, user, 2, delegates=delegates("Alice Brown"))
    booking = commit(place_booking, order, user, now=issued)
    invoice = invoice_of(booking)
    assert invoice.due_date == today
    mail.outbox.clear()
    commit(send_overdue_reminders.enqueue)

    email = sent_to(invoice.buyer_email)
    assert email.message.subject == f"Invoice {invoice.number} is due today"
    assert email.message.cc == [user.email]
    email.has(
        f"A friendly note: invoice {invoice.number} (your purchase order PO-4471) for {TITLE} "
        f"(booking {booking.reference}) falls due today, {short_date(today)}, with "
        f"{TWO_PLACES} to pay.",
        "sort code 12-34-56, account number 12345678",
    )
    booking_url = f"{BASE}/bookings/{booking.reference}/"
    if card:
        email.links_to(booking_url)
    else:
        email.lacks(booking_url, "by card")
    assert email.documents == {invoice.filename}
    email.pdf(invoice.filename)
    email.lacks("overdue", "Alice Brown")
    assert len(mail.outbox) == 1


# --- Waiting lists ------------------------------------------------------------------------------


def full_autumn_cohort(commit, now=None):
    cohort = autumn_cohort(capacity=2)
    rival = factories.booker(factories.organisation("Rival Academy"))
    request = factories.booking_request(cohort, rival, 2, delegates=delegates("Zed Rival"))
    taken = commit(place_booking, request, rival, now=now)
    mail.outbox.clear()
    return cohort, taken


def wait(commit, cohort, user, places, now=None):
    return commit(
        join_waiting_list,
        cohort.pk,
        user,
        user.booker.organisation,
        places,
        contact_name="Robin Waits",
        contact_email="robin.waits@stmary.example",
        now=now,
    )


def test_joining_a_waiting_list_is_acknowledged_to_the_contact_and_the_booker(commit):
    cohort, _ = full_autumn_cohort(commit)
    user = st_marys_booker()
    wait(commit, cohort, user, 2)

    email = sent_to("robin.waits@stmary.example")
    assert sorted(email.message.to) == sorted(["robin.waits@stmary.example", user.email])
    assert email.message.subject == f"On the waiting list: {TITLE}, {short_date(AUTUMN)}"
    email.has(
        "Dear Robin Waits,",
        f"St Mary & St John's School is on the waiting list for 2 places on {TITLE}, starting "
        f"{long_date(AUTUMN)}, 09:30.",
        "the places are kept for you for 48 hours",
    )
    email.links_to(BASE + reverse("accounts:account"))
    email.lacks("08:30", "Rival Academy", "Zed Rival", "£")
    assert email.attachments == {}


def test_freed_places_are_offered_with_a_link_and_a_deadline_in_london_time(commit):
    # All on a summer's day, so that the 48 hours end in British Summer Time too.
    cohort, taken = full_autumn_cohort(commit, now=SUMMER_NOON)
    user = st_marys_booker()
    entry = wait(commit, cohort, user, 2, now=SUMMER_NOON)
    mail.outbox.clear()
    commit(cancel_whole_booking, taken, actor=taken.booker, now=SUMMER_NOON)

    email = sent_to("robin.waits@stmary.example", "Places for you")
    assert sorted(email.message.to) == sorted(["robin.waits@stmary.example", user.email])
    assert email.message.subject == f"Places for you: {TITLE}, {short_date(AUTUMN)}"
    until = SUMMER_NOON.date() + datetime.timedelta(days=2)
    email.has(
        f"Good news: 2 places on {TITLE}, starting {long_date(AUTUMN)}, 09:30, are now free, "
        f"and we are holding them for St Mary & St John's School until {long_date(until)}, "
        "13:00.",
    )
    entry.refresh_from_db()
    email.links_to(BASE + reverse("bookings:waiting-offer", args=[entry.token]))
    email.lacks("12:00", "08:30", "Rival Academy", "Zed Rival", taken.reference, "£")


# --- How every email writes money and addresses --------------------------------------------------


def test_whole_pounds_are_written_with_pence_as_on_the_invoice(commit):
    cohort = dated_cohort(AUTUMN)  # £195 a place: £234.00 with VAT
    user = factories.booker()
    booking = book(commit, cohort, user, 1, ["Alice Brown"])
    email = sent_to(user.email)
    email.has(f"Invoice {invoice_of(booking).number} for £234.00 is attached")


def test_the_plain_text_keeps_the_venue_address_readable(commit):
    cohort = autumn_cohort()
    user = factories.booker()
    booking = book(commit, cohort, user, 1, ["Alice Brown"])
    for address in (user.email, booking.delegates.get().email):
        text = sent_to(address).raw_text
        assert "Northlight Centre1 Park Row" not in text
        assert re.search(r"Northlight Centre(,|\n)\s*1 Park Row(,|\n)\s*Leeds LS1 5HD", text)
