"""Changes after booking: the cancellation policy at each boundary day, cancelling places
or a whole booking (credit notes, card refunds, emails), substituting a delegate, and the
office moving a booking or cancelling a whole run."""

import datetime
import json
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingStatus,
    CohortStatus,
    Delegate,
    Invoice,
    InvoiceStatus,
    Refund,
)
from bookings.policy import CancellationPolicy
from bookings.services import capacity
from bookings.services.booking import BookingError, DelegateDetails, place_booking
from bookings.services.card import open_booking_checkout
from bookings.services.changes import (
    cancel_cohort,
    cancel_places,
    cancel_whole_booking,
    move_booking,
    substitute_delegate,
)
from tests.stripe_fake import sign_payload

from . import factories

pytestmark = pytest.mark.django_db
FIRST_DAY = datetime.date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


# --- The policy, day by day -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "share"),
    [
        (60, Decimal(1)),
        (29, Decimal(1)),
        (28, Decimal(1)),  # "up to 28 days before": the 28th day still earns full credit
        (27, Decimal("0.5")),
        (15, Decimal("0.5")),
        (14, Decimal("0.5")),
        (13, Decimal(0)),
        (1, Decimal(0)),
        (0, Decimal(0)),
    ],
)
def test_the_default_policy_at_each_boundary(days_before, share):
    cancelled_on = FIRST_DAY - datetime.timedelta(days=days_before)
    assert CancellationPolicy().share(FIRST_DAY, cancelled_on) == share


def test_a_cohorts_own_policy():
    policy = CancellationPolicy(full_days=42, part_days=21, part_percent=25)
    assert policy.share(FIRST_DAY, FIRST_DAY - datetime.timedelta(days=42)) == 1
    assert policy.share(FIRST_DAY, FIRST_DAY - datetime.timedelta(days=41)) == Decimal("0.25")
    assert policy.share(FIRST_DAY, FIRST_DAY - datetime.timedelta(days=21)) == Decimal("0.25")
    assert policy.share(FIRST_DAY, FIRST_DAY - datetime.timedelta(days=20)) == 0


def test_a_policy_that_contradicts_itself_is_refused():
    with pytest.raises(ValueError):
        CancellationPolicy(full_days=14, part_days=28)
    cohort = factories.cohort()
    cohort.full_credit_days, cohort.part_credit_days = 10, 20
    with pytest.raises(Exception, match="Part credit"):
        cohort.full_clean()


# --- Booker cancellations ---------------------------------------------------------------------


def booked(places=2, days_ahead=40, **cohort_fields):
    cohort = factories.cohort(capacity=10, days_ahead=days_ahead, **cohort_fields)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, places), user)
    return booking, user


def test_cancelling_early_credits_everything(django_capture_on_commit_callbacks):
    booking, user = booked(days_ahead=40)
    invoice = booking.invoices.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _, (note,) = cancel_whole_booking(booking, actor=user)
    assert note.gross_total == invoice.gross_total
    assert capacity.places_left(booking.cohort) == 10
    invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        pk=invoice.pk
    )
    assert invoice.status() == InvoiceStatus.CREDITED
    to_booker = [m for m in mail.outbox if booking.reference in m.subject]
    assert len(to_booker) == 1 and note.number in to_booker[0].body
    delegates = [m for m in mail.outbox if "Your place" in m.subject]
    assert len(delegates) == 2
    assert delegates[0].attachments[0][2] == "text/calendar"
    assert "STATUS:CANCELLED" in str(delegates[0].attachments[0][1])


def test_cancelling_three_weeks_before_credits_half(django_capture_on_commit_callbacks):
    booking, user = booked(days_ahead=21)
    invoice = booking.invoices.get()
    with django_capture_on_commit_callbacks(execute=True):
        _, (note,) = cancel_whole_booking(booking, actor=user)
    assert note.net_total == invoice.net_total / 2
    assert "50% credit" in note.lines.get().description
    invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        pk=invoice.pk
    )
    assert invoice.balance_due == invoice.gross_total - note.gross_total


def test_cancelling_in_the_last_fortnight_credits_nothing(django_capture_on_commit_callbacks):
    booking, user = booked(days_ahead=10)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking, notes = cancel_whole_booking(booking, actor=user)
    assert notes == []
    assert booking.status == BookingStatus.CANCELLED
    [email] = [m for m in mail.outbox if booking.reference in m.subject]
    assert "no credit is due" in email.body
    assert "no credit is due" in email.alternatives[0][0]


def test_cancelling_some_places_credits_them_and_frees_them(django_capture_on_commit_callbacks):
    booking, user = booked(places=3, days_ahead=40)
    first = booking.delegates.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        booking, note = cancel_places(booking, [first.pk], actor=user)
    assert booking.places == 2
    assert note.lines.get().quantity == 1
    assert capacity.places_left(booking.cohort) == 8
    first.refresh_from_db()
    assert first.cancelled_at is not None
    with pytest.raises(BookingError, match="whole booking"):
        cancel_places(booking, [d.pk for d in booking.active_delegates()], actor=user)


def test_a_package_cannot_be_cancelled_place_by_place():
    # Sold per school team: one price for up to 80 staff.
    cohort = factories.cohort("coaching-towards-outstanding-teaching", capacity=20, days_ahead=40)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, 3), user)
    delegate = booking.delegates.first()
    with pytest.raises(BookingError, match="priced as a package") as error:
        cancel_places(booking, [delegate.pk], actor=user)
    assert error.value.field == "places"


def test_a_card_booking_cancelled_early_is_refunded_to_the_card(
    client, fake_stripe, django_capture_on_commit_callbacks
):
    cohort = factories.cohort(capacity=10, days_ahead=40)
    user = factories.booker()
    request = factories.booking_request(cohort, user, 2, payment_method="card")
    booking = place_booking(request, user)
    checkout = open_booking_checkout(booking, success_url="http://t/s", cancel_url="http://t/c")
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.complete(checkout.session_id)
    )
    payload = json.dumps(event).encode()
    client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(payload, "whsec_test_fake", int(time.time())),
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _, (note,) = cancel_whole_booking(booking, actor=user)
    refund = Refund.objects.get(credit_note=note)
    assert refund.amount == note.gross_total == booking.gross_total
    assert refund.status == "succeeded"
    assert fake_stripe.refunds[refund.stripe_refund_id]["amount"] == int(note.gross_total * 100)
    [email] = [m for m in mail.outbox if booking.reference in m.subject]
    assert "being refunded to the card" in email.body


# --- Substitution -------------------------------------------------------------------------------


def test_a_booker_substitutes_a_delegate(django_capture_on_commit_callbacks):
    booking, user = booked(places=2)
    old = booking.delegates.order_by("pk").first()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = substitute_delegate(
            booking, old.pk, DelegateDetails("Ali Khan", "ali@school.example"), actor=user
        )
    old.refresh_from_db()
    assert old.cancelled_at is not None
    assert new.substitutes == old
    assert booking.places_to_name() == 0
    joining = [m for m in mail.outbox if m.to == ["ali@school.example"]]
    assert len(joining) == 1 and "Joining details" in joining[0].subject
    assert "Ali Khan" in joining[0].body
    cancelled = [m for m in mail.outbox if m.to == [old.email]]
    assert len(cancelled) == 1 and "Ali Khan will attend in your place" in cancelled[0].body
    to_booker = [m for m in mail.outbox if m.to == [user.email]]
    assert len(to_booker) == 1 and "instead of" in to_booker[0].body
    assert booking.history.filter(action="delegate substituted", actor=user).exists()


def test_substitution_stops_at_the_naming_deadline():
    booking, user = booked(days_ahead=20)
    booking.cohort.naming_deadline = timezone.localdate() - datetime.timedelta(days=1)
    booking.cohort.save()
    old = booking.delegates.first()
    with pytest.raises(BookingError, match="could be changed until"):
        substitute_delegate(booking, old.pk, DelegateDetails("A B", "ab@x.example"), actor=user)


def test_a_substitute_already_on_the_date_is_refused():
    booking, user = booked(places=2)
    first, second = booking.delegates.order_by("pk")
    with pytest.raises(BookingError, match="already has a place"):
        substitute_delegate(
            booking, first.pk, DelegateDetails(second.name, second.email), actor=user
        )


# --- The office: move a booking, cancel a run -----------------------------------------------------


def test_the_office_moves_a_booking_to_another_date(django_capture_on_commit_callbacks, office):
    booking, _ = booked(places=2, days_ahead=40)
    target = factories.cohort(capacity=5, days_ahead=70)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        move_booking(booking, target.pk, actor=office)
    booking.refresh_from_db()
    assert booking.cohort == target
    assert capacity.places_left(target) == 3
    assert set(Delegate.objects.filter(booking=booking).values_list("cohort", flat=True)) == {
        target.pk
    }
    assert booking.history.filter(action="moved", actor=office).exists()
    assert any("moved" in m.subject or "moved" in m.body for m in mail.outbox)
    other_course = factories.cohort("leading-a-coaching-school", days_ahead=50)
    with pytest.raises(BookingError, match="same course"):
        move_booking(booking, other_course.pk, actor=office)
    full = factories.cohort(capacity=1, days_ahead=80)
    with pytest.raises(BookingError, match="only 1 place"):
        move_booking(booking, full.pk, actor=office)


def test_cancelling_a_cohort_cancels_credits_refunds_and_tells_everyone(
    client, fake_stripe, django_capture_on_commit_callbacks, office
):
    cohort = factories.cohort(capacity=10, days_ahead=20)
    by_invoice = factories.booker()
    invoiced = place_booking(factories.booking_request(cohort, by_invoice, 2), by_invoice)
    by_card = factories.booker()
    paid = place_booking(
        factories.booking_request(cohort, by_card, 1, payment_method="card"), by_card
    )
    checkout = open_booking_checkout(paid, success_url="http://t/s", cancel_url="http://t/c")
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.complete(checkout.session_id)
    )
    payload = json.dumps(event).encode()
    client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(payload, "whsec_test_fake", int(time.time())),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        count = cancel_cohort(cohort, reason="The trainer is ill", actor=office)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_cohort(cohort, reason="The trainer is ill", actor=office)  # twice: no change
    assert count == 2
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.CANCELLED
    for booking in (invoiced, paid):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
            booking=booking, kind="invoice"
        )
        assert invoice.amount_credited == invoice.gross_total
    refund = Refund.objects.get(invoice__booking=paid)
    assert refund.amount == paid.gross_total and refund.status == "succeeded"
    bookers = [m for m in mail.outbox if "Cancelled:" in m.subject]
    assert sorted(m.to[0] for m in bookers) == sorted([by_invoice.email, by_card.email])
    assert all("The trainer is ill" in m.body for m in bookers)
    delegates = [m for m in mail.outbox if "Your place" in m.subject]
    assert len(delegates) == 3
    ics = bookers[0].attachments[-1][1]
    assert "STATUS:CANCELLED" in str(ics)


@pytest.fixture
def office(django_user_model):
    return django_user_model.objects.create_superuser(
        email="office@coaching.example", password="x" * 12
    )


def test_booker_pages_for_changes_are_theirs_alone(client):
    booking, user = booked(places=2)
    delegate = booking.delegates.first()
    urls = [
        reverse("bookings:cancel", args=[booking.reference]),
        reverse("bookings:substitute", args=[booking.reference, delegate.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "sign-in" in response["Location"]
    client.force_login(factories.booker())
    for url in urls:
        assert client.get(url).status_code == 404
    reset = reverse("bookings:reset-feed", args=[booking.reference, delegate.pk])
    assert client.post(reset).status_code == 404
    client.force_login(user)
    for url in urls:
        assert client.get(url).status_code == 200
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_the_cancel_form_needs_the_places_ticked_and_keeps_the_booking(client):
    booking, user = booked(places=2)
    client.force_login(user)
    url = reverse("bookings:cancel", args=[booking.reference])
    response = client.post(url, {"what": "places", "confirm": "on"})
    assert "Tick the places to cancel." in response.content.decode()
    response = client.post(url, {"what": "whole"})
    assert response.status_code == 200  # the confirmation box is required
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    response = client.post(url, {"what": "whole", "confirm": "on"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_delegate_feed_follows_the_place_and_a_wrong_token_is_404(client):
    booking, user = booked(places=1)
    delegate = booking.delegates.get()
    url = reverse("bookings:delegate-feed", args=[delegate.calendar_token])
    assert b"STATUS:CONFIRMED" in client.get(url).content
    assert client.get(reverse("bookings:delegate-feed", args=["not-a-token"])).status_code == 404
    client.force_login(user)
    client.post(reverse("bookings:reset-feed", args=[booking.reference, delegate.pk]))
    assert client.get(url).status_code == 404
    delegate.refresh_from_db()
    new_url = reverse("bookings:delegate-feed", args=[delegate.calendar_token])
    assert client.get(new_url).status_code == 200
    cancel_whole_booking(booking, actor=user)
    assert b"STATUS:CANCELLED" in client.get(new_url).content


# --- The office refunds a card payment -------------------------------------------------------


def paid_by_card(client, fake_stripe, places=2):
    cohort = factories.cohort(capacity=10, days_ahead=40)
    user = factories.booker()
    booking = place_booking(
        factories.booking_request(cohort, user, places, payment_method="card"), user
    )
    checkout = open_booking_checkout(booking, success_url="http://t/s", cancel_url="http://t/c")
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.complete(checkout.session_id)
    )
    payload = json.dumps(event).encode()
    client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(payload, "whsec_test_fake", int(time.time())),
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    return booking, booking.invoices.get()


def office_admin(django_user_model):
    from django.contrib.auth.models import Group

    from accounts import roles

    user = django_user_model.objects.create_user(email="office@provider.example", password="x")
    user.groups.add(Group.objects.get(name=roles.PROVIDER_ADMINS))
    return user


def test_the_office_refunds_places_to_the_card_and_the_rest_can_still_be_cancelled(
    client, fake_stripe, django_user_model, django_capture_on_commit_callbacks
):
    booking, invoice = paid_by_card(client, fake_stripe, places=3)
    url = reverse("bookings_invoices:refund", args=[invoice.pk])
    inspect = reverse("bookings_invoices:inspect", args=[invoice.pk])
    client.force_login(office_admin(django_user_model))
    assert url in client.get(inspect).content.decode()  # the inspect page offers it
    assert client.get(url).context["form"].fields["places"].initial == 3

    response = client.post(url, {"places": "0", "reason": ""})
    assert set(response.context["form"].errors) == {"places", "reason"}
    response = client.post(url, {"places": "4", "reason": "Too many"})
    assert "places" in response.context["form"].errors
    assert not Refund.objects.exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"places": "1", "reason": "One delegate could not come"})
    note = invoice.credit_notes.get()
    refund = Refund.objects.get(credit_note=note)
    place_price = invoice.gross_total / 3
    assert note.gross_total == place_price.quantize(Decimal("0.01"))
    assert refund.amount == note.gross_total and refund.status == "succeeded"
    assert fake_stripe.refunds[refund.stripe_refund_id]["amount"] == int(refund.amount * 100)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.places == 3  # places kept
    [email] = [m for m in mail.outbox if booking.reference in m.subject]
    assert "refund to your card" in email.body and note.number in email.body
    assert email.attachments[0][0] == f"{note.number}.pdf"

    # The booker cancels later, in the full-credit period: the rest is credited and
    # refunded, never more than was paid.
    with django_capture_on_commit_callbacks(execute=True):
        cancel_whole_booking(booking, actor=booking.booker)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert sum(n.gross_total for n in invoice.credit_notes.all()) == invoice.gross_total
    assert sum(r.amount for r in Refund.objects.all()) == invoice.gross_total
    assert invoice.amount_paid == 0


def test_only_the_office_may_refund(client, fake_stripe, django_user_model):
    booking, invoice = paid_by_card(client, fake_stripe)
    url = reverse("bookings_invoices:refund", args=[invoice.pk])
    client.logout()
    assert client.get(url).status_code == 302  # signed out: to the admin's sign-in
    client.force_login(booking.booker)
    assert client.post(url, {"places": "1", "reason": "x"}).status_code in (302, 403)
    viewer = django_user_model.objects.create_user(email="viewer@provider.example", password="x")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_invoice"),
    )
    client.force_login(viewer)
    assert client.post(url, {"places": "1", "reason": "x"}).status_code in (302, 403)
    assert not Refund.objects.exists()
