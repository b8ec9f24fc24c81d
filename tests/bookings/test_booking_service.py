"""Placing, confirming and cancelling bookings through the services."""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingStatus,
    CohortStatus,
    Delegate,
    DocumentCounter,
    Hold,
    Invoice,
)
from bookings.services import capacity
from bookings.services.booking import (
    EMAIL_CONFIRMATION_HOLD,
    BookingError,
    BookingRequest,
    DelegateDetails,
    cancel_booking,
    confirm_pending_booking,
    expire_lapsed_holds,
    place_booking,
)

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


def request_for(cohort, user, places=2, delegates=None, **fields):
    org = user.booker.organisation
    if delegates is None:
        delegates = [
            DelegateDetails(f"Teacher {i}", f"teacher{i}@{org.pk}.school.example", "Teacher")
            for i in range(places)
        ]
    return BookingRequest(
        cohort_id=cohort.pk,
        organisation_id=fields.pop("organisation_id", org.pk),
        places=places,
        delegates=delegates,
        po_number=fields.pop("po_number", "PO-4471"),
        **fields,
    )


def test_a_confirmed_booker_is_invoiced_at_once(django_capture_on_commit_callbacks):
    cohort = factories.cohort(capacity=10)
    user = factories.booker()
    year = timezone.localdate().year
    counter = DocumentCounter.objects.filter(prefix="INV", year=year).first()
    expected = (counter.last_number if counter else 0) + 1
    with django_capture_on_commit_callbacks(execute=True):
        booking = place_booking(request_for(cohort, user), user)
    assert booking.status == BookingStatus.CONFIRMED
    invoice = booking.invoices.get()
    assert invoice.number == f"INV-{year}-{expected:05d}"
    assert invoice.po_number == "PO-4471"
    # £195 per delegate + 20% VAT, two places.
    assert invoice.net_total == Decimal("390.00")
    assert invoice.vat_total == Decimal("78.00")
    assert invoice.gross_total == Decimal("468.00")
    assert invoice.seller_vat_number == "GB 123 4567 89"
    assert invoice.buyer_name == user.booker.organisation.name
    assert invoice.due_date == invoice.issue_date + datetime.timedelta(days=30)
    assert capacity.places_left(cohort) == 8
    # The confirmation email carries the invoice PDF and the calendar file.
    [message] = [m for m in mail.outbox if booking.reference in m.subject]
    names = [name for name, _, _ in message.attachments]
    assert names == [invoice.filename, f"coaching-ambassador-{cohort.pk}.ics"]
    assert message.alternatives[0][1] == "text/html"
    assert user.booker.organisation.finance_email in message.cc
    # Each named delegate gets their joining details, once.
    joining = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Joining details"))
    assert joining == sorted(d.email for d in booking.delegates.all())


def test_the_same_request_twice_makes_one_booking():
    cohort = factories.cohort()
    user = factories.booker()
    request = request_for(cohort, user)
    first = place_booking(request, user)
    second = place_booking(request, user)
    assert first.pk == second.pk
    assert Booking.objects.filter(cohort=cohort).count() == 1
    assert Invoice.objects.filter(booking=first).count() == 1


def test_a_new_booker_has_places_held_until_they_confirm_their_email(
    django_capture_on_commit_callbacks,
):
    cohort = factories.cohort(capacity=3)
    user = factories.booker(confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        booking = place_booking(request_for(cohort, user, places=3), user)
    assert booking.status == BookingStatus.PENDING
    assert not booking.invoices.exists()
    assert capacity.places_left(cohort) == 0
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.FULL
    assert "Confirm your email" in mail.outbox[-1].subject
    booking, changed = confirm_pending_booking(booking)
    assert changed and booking.status == BookingStatus.CONFIRMED
    assert booking.invoices.count() == 1
    assert not booking.holds.active().exists()
    assert capacity.places_left(cohort) == 0


def test_a_lapsed_hold_frees_its_places_and_the_booking_expires():
    cohort = factories.cohort(capacity=2)
    user = factories.booker(confirmed=False)
    booking = place_booking(request_for(cohort, user, places=2), user)
    later = timezone.now() + EMAIL_CONFIRMATION_HOLD + datetime.timedelta(minutes=1)
    assert capacity.places_left(cohort, later) == 2
    assert expire_lapsed_holds(later) == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    # The same delegates can be booked again.
    other = factories.booker()
    again = request_for(cohort, other, places=2, delegates=request_for(cohort, user).delegates)
    assert place_booking(again, other, now=later).status == BookingStatus.CONFIRMED


def test_confirming_after_the_hold_lapsed_and_the_places_went_says_so():
    cohort = factories.cohort(capacity=2)
    slow = factories.booker(confirmed=False)
    booking = place_booking(request_for(cohort, slow, places=2), slow)
    later = timezone.now() + EMAIL_CONFIRMATION_HOLD + datetime.timedelta(minutes=1)
    fast = factories.booker()
    place_booking(request_for(cohort, fast, places=2), fast, now=later)
    with pytest.raises(BookingError) as error:
        confirm_pending_booking(booking, now=later)
    assert error.value.field == "places"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"places": 1}, "delegates", "named 2 delegates for 1 place"),
        ({"status": CohortStatus.CLOSED}, "cohort", "not open"),
        ({"status": CohortStatus.CANCELLED}, "cohort", "cancelled"),
        ({"days_ahead": -1}, "cohort", "already started"),
    ],
)
def test_bad_requests_are_refused_at_the_right_field(change, field, words):
    places = change.pop("places", 2)
    cohort = factories.cohort(**change)
    user = factories.booker()
    request = request_for(cohort, user, places=2)
    request.places = places
    with pytest.raises(BookingError) as error:
        place_booking(request, user)
    assert error.value.field == field
    assert words in error.value.message
    assert not Booking.objects.filter(cohort=cohort).exists()


def test_the_same_delegate_twice_is_refused():
    cohort = factories.cohort()
    user = factories.booker()
    twice = [DelegateDetails("A", "a@x.example"), DelegateDetails("A again", "A@x.example")]
    with pytest.raises(BookingError, match="named twice"):
        place_booking(request_for(cohort, user, delegates=twice), user)


def test_a_delegate_already_on_the_cohort_is_refused():
    cohort = factories.cohort()
    user = factories.booker()
    place_booking(request_for(cohort, user), user)
    again = request_for(cohort, user)
    again.idempotency_key = uuid.uuid4()
    with pytest.raises(BookingError, match="already has a place"):
        place_booking(again, user)


def test_a_full_cohort_says_how_many_places_are_left():
    cohort = factories.cohort(capacity=3)
    user = factories.booker()
    place_booking(request_for(cohort, user, places=2), user)
    other = factories.booker()
    with pytest.raises(BookingError) as error:
        place_booking(request_for(cohort, other, places=2), other)
    assert error.value.field == "places"
    assert "only 1 place is left" in error.value.message
    place_booking(request_for(cohort, other, places=1), other)
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.FULL
    late = factories.booker()
    with pytest.raises(BookingError, match="now full"):
        place_booking(request_for(cohort, late, places=1), late)


def test_a_cohort_reserved_for_a_trust_takes_its_schools_only():
    trust = factories.organisation("Riverside Trust", kind="trust")
    member = factories.organisation("Riverside Primary", trust=trust)
    cohort = factories.cohort(reserved_for=trust)
    outsider = factories.booker()
    with pytest.raises(BookingError) as error:
        place_booking(request_for(cohort, outsider), outsider)
    assert error.value.field == "organisation"
    trust_booker = factories.booker(trust)
    booking = place_booking(
        request_for(cohort, trust_booker, organisation_id=member.pk), trust_booker
    )
    assert booking.organisation == member


def test_a_booker_cannot_book_for_a_school_outside_their_trust():
    cohort = factories.cohort()
    user = factories.booker()
    elsewhere = factories.organisation()
    with pytest.raises(BookingError) as error:
        place_booking(request_for(cohort, user, organisation_id=elsewhere.pk), user)
    assert error.value.field == "organisation"


def test_a_po_number_is_required_where_the_school_says_so():
    cohort = factories.cohort()
    user = factories.booker(factories.organisation(requires_po_number=True))
    with pytest.raises(BookingError) as error:
        place_booking(request_for(cohort, user, po_number=""), user)
    assert error.value.field == "po_number"


def test_package_limits_and_voucher_problems_come_from_pricing():
    cohort = factories.cohort("certificate-in-coaching-competence")
    user = factories.booker()
    with pytest.raises(BookingError) as error:
        place_booking(request_for(cohort, user, places=7), user)
    assert error.value.field == "places"
    factories.voucher("OLD", valid_until=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(BookingError) as error:
        place_booking(request_for(cohort, user, places=4, voucher_code="old"), user)
    assert error.value.field == "voucher_code"
    with pytest.raises(BookingError, match="do not recognise"):
        place_booking(request_for(cohort, user, places=4, voucher_code="NOPE"), user)


def test_a_voucher_is_counted_once_per_booking():
    cohort = factories.cohort()
    voucher = factories.voucher(max_uses=1)
    user = factories.booker()
    booking = place_booking(request_for(cohort, user, voucher_code="spring10"), user)
    voucher.refresh_from_db()
    assert voucher.times_used == 1
    assert booking.invoices.get().net_total == Decimal("351.00")  # 390 less 10%
    other = factories.booker()
    with pytest.raises(BookingError, match="used"):
        place_booking(request_for(cohort, other, voucher_code="SPRING10"), other)


def test_unnamed_places_after_the_naming_deadline_are_refused():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    cohort = factories.cohort(naming_deadline=yesterday)
    user = factories.booker()
    with pytest.raises(BookingError, match="naming delegates has passed"):
        place_booking(request_for(cohort, user, places=2, delegates=[]), user)


def test_places_may_be_left_to_be_named():
    cohort = factories.cohort()
    user = factories.booker()
    one = [DelegateDetails("Jo Bloggs", "jo@school.example", "Deputy head")]
    booking = place_booking(request_for(cohort, user, places=3, delegates=one), user)
    assert booking.delegates.count() == 3
    assert booking.places_to_name() == 2


def test_cancelling_credits_the_invoice_and_frees_the_places(django_capture_on_commit_callbacks):
    cohort = factories.cohort(capacity=2)
    user = factories.booker()
    booking = place_booking(request_for(cohort, user, places=2), user)
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.FULL
    with django_capture_on_commit_callbacks(execute=True):
        booking, notes = cancel_booking(booking, reason="School closed for building work")
    assert booking.status == BookingStatus.CANCELLED
    (note,) = notes
    invoice = booking.invoices.get(kind="invoice")
    assert note.credited_invoice == invoice
    assert note.number.startswith(f"CN-{timezone.localdate().year}-")
    assert note.gross_total == invoice.gross_total
    assert invoice.status() == "credited"
    assert capacity.places_left(cohort) == 2
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.OPEN
    assert not Delegate.objects.filter(booking=booking, cancelled_at__isnull=True).exists()
    assert "cancelled" in mail.outbox[-1].subject
    assert mail.outbox[-1].attachments[0][0] == note.filename
    assert list(booking.history.values_list("action", flat=True))[-2:] == [
        "credit note issued",
        "cancelled",
    ]


def test_holds_count_against_capacity():
    cohort = factories.cohort(capacity=5)
    Hold.objects.create(
        cohort=cohort,
        places=4,
        reason="card",
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    assert capacity.places_left(cohort) == 1
    listed = type(cohort).objects.with_places().get(pk=cohort.pk)
    assert (listed.places_booked, listed.places_held, listed.places_left) == (0, 4, 1)


def test_an_overdue_invoice_is_chased_once():
    from django.core.management import call_command

    cohort = factories.cohort()
    user = factories.booker()
    long_ago = timezone.now() - datetime.timedelta(days=45)
    booking = place_booking(request_for(cohort, user), user, now=long_ago)
    invoice = booking.invoices.get()
    assert invoice.status() == "overdue"
    mail.outbox.clear()
    call_command("bookings_housekeeping", stdout=io.StringIO())
    call_command("bookings_housekeeping", stdout=io.StringIO())
    reminders = [m for m in mail.outbox if "overdue" in m.subject]
    assert len(reminders) == 1
    assert reminders[0].to == [invoice.buyer_email]
    assert invoice.number in reminders[0].body
    assert reminders[0].attachments[0][0] == invoice.filename


def test_free_partner_places_are_confirmed_without_an_invoice():
    cohort = factories.cohort("partnership-coaching-course")
    partner = factories.booker(factories.organisation(is_partner=True))
    booking = place_booking(request_for(cohort, partner), partner)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.gross_total == Decimal("0.00")
    assert not booking.invoices.exists()
    outsider = factories.booker()
    with pytest.raises(BookingError) as error:
        place_booking(request_for(cohort, outsider), outsider)
    assert error.value.field == "organisation"


def test_confirming_after_the_date_was_cancelled_expires_the_booking_and_returns_the_voucher():
    cohort = factories.cohort()
    voucher = factories.voucher(max_uses=1)
    user = factories.booker(confirmed=False)
    booking = place_booking(request_for(cohort, user, voucher_code="SPRING10"), user)
    voucher.refresh_from_db()
    assert voucher.times_used == 1
    cohort.status = CohortStatus.CANCELLED
    cohort.save()
    with pytest.raises(BookingError, match="cancelled"):
        confirm_pending_booking(booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert not booking.invoices.exists()
    voucher.refresh_from_db()
    assert voucher.times_used == 0


def test_a_voucher_that_takes_nothing_off_is_not_used_up():
    cohort = factories.cohort("partnership-coaching-course")
    voucher = factories.voucher(max_uses=1)
    partner = factories.booker(factories.organisation(is_partner=True))
    booking = place_booking(request_for(cohort, partner, voucher_code="SPRING10"), partner)
    assert booking.voucher is None
    voucher.refresh_from_db()
    assert voucher.times_used == 0


def test_a_reminder_that_fails_to_send_is_tried_again_next_time(monkeypatch):
    from bookings import emails
    from bookings.tasks import send_overdue_reminders

    cohort = factories.cohort()
    user = factories.booker()
    long_ago = timezone.now() - datetime.timedelta(days=45)
    invoice = place_booking(request_for(cohort, user), user, now=long_ago).invoices.get()

    def broken(invoice_id, kind):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(emails, "send_invoice_reminder", broken)
    send_overdue_reminders.enqueue()  # the failure is recorded by the task backend
    assert not invoice.reminders.exists()
    monkeypatch.undo()
    mail.outbox.clear()
    send_overdue_reminders.enqueue()
    assert invoice.reminders.count() == 1
    assert len([m for m in mail.outbox if invoice.number in m.subject]) == 1
