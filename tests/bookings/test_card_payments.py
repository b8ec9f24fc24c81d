"""Card payment with Stripe Checkout, end to end through the real `stripe` client and a
local fake of Stripe's API: opening the session, the booker's return, and the webhook
with Stripe's own signing scheme."""

import datetime
import json
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingStatus,
    CardCheckout,
    CheckoutStatus,
    Hold,
    HoldReason,
    Invoice,
    InvoiceStatus,
    Payment,
    Refund,
    StripeEvent,
)
from bookings.services import capacity
from bookings.services.booking import place_booking
from bookings.services.card import close_lapsed_checkouts, open_booking_checkout
from tests.stripe_fake import sign_payload

from . import factories

pytestmark = pytest.mark.django_db
WEBHOOK = reverse("payments:stripe-webhook")
SUCCESS = "http://testserver/payments/card/return/?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://testserver/bookings/x/?payment=cancelled"


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """Run what waits for a commit (emails, refunds) as each request or call commits, as
    it does outside tests."""
    global COMMITS
    COMMITS = django_capture_on_commit_callbacks
    yield


COMMITS = None


def committed(action, *args, **kwargs):
    with COMMITS(execute=True):
        return action(*args, **kwargs)


def card_booking(cohort=None, user=None, places=2, **fields):
    cohort = cohort or factories.cohort(capacity=10)
    user = user or factories.booker()
    request = factories.booking_request(cohort, user, places, payment_method="card", **fields)
    return place_booking(request, user)


def open_checkout(booking):
    return open_booking_checkout(booking, success_url=SUCCESS, cancel_url=CANCEL)


def post_event(client, fake, event, *, secret="whsec_test_fake", timestamp=None, header=None):
    payload = json.dumps(event).encode()
    header = header or sign_payload(payload, secret, timestamp or int(time.time()))
    return committed(
        client.post,
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


def completed_event(fake, checkout, kind="checkout.session.completed", **complete):
    session = fake.complete(checkout.session_id, **complete)
    return fake.event(kind, session)


def booking_emails(booking):
    return [m for m in mail.outbox if booking.reference in m.subject]


# --- Offering card payment -------------------------------------------------------------


def test_without_keys_card_is_not_offered_and_a_note_says_so(client):
    cohort = factories.cohort()
    client.force_login(factories.booker())
    page = client.get(reverse("bookings:book", args=[cohort.pk])).content.decode()
    assert 'value="card"' not in page
    assert "Card payment is not available at the moment" in page
    assert 'value="invoice"' in page


def test_with_keys_card_is_offered(client, fake_stripe):
    cohort = factories.cohort()
    client.force_login(factories.booker())
    page = client.get(reverse("bookings:book", args=[cohort.pk])).content.decode()
    assert 'value="card"' in page
    assert "Card payment is not available" not in page


def test_the_webhook_is_not_there_without_keys(client):
    assert client.post(WEBHOOK, data=b"{}", content_type="application/json").status_code == 404


# --- Opening a checkout ------------------------------------------------------------------


def test_a_card_booking_holds_its_places_for_half_an_hour_and_sends_nothing(fake_stripe):
    mail.outbox.clear()
    before = timezone.now()
    booking = card_booking(places=3)
    assert booking.status == BookingStatus.PENDING
    hold = booking.holds.get()
    assert hold.reason == HoldReason.CARD_PAYMENT
    assert datetime.timedelta(minutes=30) <= hold.expires_at - before
    assert hold.expires_at - before <= datetime.timedelta(minutes=33)
    assert capacity.places_left(booking.cohort) == 7
    assert not booking.invoices.exists()
    assert mail.outbox == []


def test_the_checkout_is_for_the_exact_amount_with_vat(fake_stripe):
    booking = card_booking(places=3)
    checkout = open_checkout(booking)
    session = fake_stripe.sessions[checkout.session_id]
    assert session["amount_total"] == int(booking.gross_total * 100)
    assert session["currency"] == "gbp"
    assert session["client_reference_id"] == booking.reference
    assert checkout.amount == booking.gross_total
    # Stripe's rule: at least 30 minutes; ours: before the hold ends.
    expires = datetime.datetime.fromtimestamp(session["expires_at"], tz=datetime.UTC)
    assert expires >= checkout.created_at + datetime.timedelta(minutes=30)
    assert expires <= booking.holds.get().expires_at
    [(method, path, params)] = [r for r in fake_stripe.requests if r[0] == "POST"]
    item = params["line_items"][0]
    assert item["price_data"]["product_data"]["name"].endswith("× 3")
    assert "VAT" in item["price_data"]["product_data"]["description"]


def test_asking_again_reuses_the_open_session(fake_stripe):
    booking = card_booking()
    first = open_checkout(booking)
    assert open_checkout(booking).pk == first.pk
    assert len(fake_stripe.sessions) == 1


def test_the_review_page_sends_the_booker_to_stripe(client, fake_stripe):
    from tests.bookings.test_booking_views import TWO, form_data

    cohort = factories.cohort()
    user = factories.booker()
    client.force_login(user)
    response = client.post(
        reverse("bookings:book", args=[cohort.pk]),
        form_data(
            delegates=TWO,
            **{
                "booking-payment_method": "card",
                "booking-organisation": str(user.booker.organisation_id),
            },
        ),
    )
    review = client.get(response["Location"]).content.decode()
    assert "by card" in review and "Confirm and pay" in review
    response = client.post(response["Location"])
    assert response.status_code == 303
    assert response["Location"].startswith(fake_stripe.base_url + "/pay/cs_test_")
    booking = Booking.objects.get(cohort=cohort)
    assert booking.status == BookingStatus.PENDING
    assert booking.card_checkouts.get().url == response["Location"]


def test_when_stripe_is_down_the_places_stay_held_and_the_booker_is_told(client, fake_stripe):
    user = factories.booker()
    booking = card_booking(user=user)
    client.force_login(user)
    fake_stripe.fail_next(500, should_retry=False)
    response = client.post(reverse("payments:pay-booking", args=[booking.reference]), follow=True)
    page = response.content.decode()
    assert "could not reach our card payment provider" in page
    assert booking.holds.active().exists()
    assert "Pay " in page  # the button to try again


# --- The webhook ---------------------------------------------------------------------------


def test_a_signed_completed_event_confirms_invoices_and_emails_once(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    mail.outbox.clear()
    response = post_event(client, fake_stripe, completed_event(fake_stripe, checkout))
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        booking=booking
    )
    assert invoice.status() == InvoiceStatus.PAID
    assert invoice.due_date == invoice.issue_date
    assert "Paid by card" in invoice.payment_instructions
    payment = invoice.payments.get()
    assert payment.amount == booking.gross_total
    assert payment.method == "card"
    assert payment.reference == fake_stripe.sessions[checkout.session_id]["payment_intent"]
    [email] = booking_emails(booking)
    assert "confirmed" in email.subject
    assert "It is paid: we received" in email.body
    assert {name for name, _, _ in email.attachments} == {
        invoice.filename,
        f"{booking.cohort.course.slug}-{booking.cohort.pk}.ics",
    }
    assert not booking.holds.active().exists()
    assert capacity.places_left(booking.cohort) == booking.cohort.capacity - booking.places


def test_a_bad_signature_is_refused_and_changes_nothing(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    event = completed_event(fake_stripe, checkout)
    assert post_event(client, fake_stripe, event, secret="whsec_someone_else").status_code == 400
    assert post_event(client, fake_stripe, event, header="t=1,v1=deadbeef").status_code == 400
    assert (
        client.post(WEBHOOK, data=json.dumps(event), content_type="application/json").status_code
        == 400
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()


def test_a_stale_timestamp_is_refused(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    event = completed_event(fake_stripe, checkout)
    ten_minutes_ago = int(time.time()) - 600
    assert post_event(client, fake_stripe, event, timestamp=ten_minutes_ago).status_code == 400
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    # Within Stripe's five-minute tolerance it is accepted.
    four_minutes_ago = int(time.time()) - 240
    assert post_event(client, fake_stripe, event, timestamp=four_minutes_ago).status_code == 200


def test_a_replayed_event_changes_nothing(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    event = completed_event(fake_stripe, checkout)
    mail.outbox.clear()
    assert post_event(client, fake_stripe, event).status_code == 200
    again = post_event(client, fake_stripe, event)
    assert again.status_code == 200
    assert "Already handled" in again.content.decode()
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert Invoice.objects.filter(booking=booking).count() == 1
    assert Payment.objects.filter(invoice__booking=booking).count() == 1
    assert len(booking_emails(booking)) == 1


def test_payment_succeeded_before_checkout_completed_confirms_once(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    session = fake_stripe.complete(checkout.session_id)
    mail.outbox.clear()
    first = fake_stripe.event("checkout.session.async_payment_succeeded", session)
    second = fake_stripe.event("checkout.session.completed", session)
    assert post_event(client, fake_stripe, first).status_code == 200
    assert post_event(client, fake_stripe, second).status_code == 200
    intent = fake_stripe.payment_intents[session["payment_intent"]]
    third = fake_stripe.event(
        "payment_intent.succeeded", {**intent, "metadata": {"checkout": str(checkout.pk)}}
    )
    assert post_event(client, fake_stripe, third).status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert Invoice.objects.filter(booking=booking).count() == 1
    assert Payment.objects.filter(invoice__booking=booking).count() == 1
    assert len(booking_emails(booking)) == 1


def test_a_payment_intent_event_alone_settles_the_session(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    session = fake_stripe.complete(checkout.session_id)
    intent = fake_stripe.payment_intents[session["payment_intent"]]
    event = fake_stripe.event(
        "payment_intent.succeeded", {**intent, "metadata": {"checkout": str(checkout.pk)}}
    )
    assert post_event(client, fake_stripe, event).status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_an_unknown_event_type_is_acknowledged_and_ignored(client, fake_stripe):
    event = fake_stripe.event("customer.created", {"id": "cus_123", "object": "customer"})
    response = post_event(client, fake_stripe, event)
    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id=event["id"]).outcome == "ignored"


def test_a_session_that_is_not_ours_is_acknowledged(client, fake_stripe):
    event = fake_stripe.event(
        "checkout.session.completed",
        {"id": "cs_test_elsewhere", "status": "complete", "payment_status": "paid"},
    )
    assert post_event(client, fake_stripe, event).status_code == 200


def test_a_slow_payment_keeps_the_places_until_it_clears_or_fails(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    session = fake_stripe.complete(checkout.session_id, payment_status="unpaid")
    post_event(client, fake_stripe, fake_stripe.event("checkout.session.completed", session))
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PROCESSING
    assert booking.holds.get().expires_at > timezone.now() + datetime.timedelta(days=4)
    failed = fake_stripe.settle(checkout.session_id, succeeded=False)
    post_event(
        client, fake_stripe, fake_stripe.event("checkout.session.async_payment_failed", failed)
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert capacity.places_left(booking.cohort) == booking.cohort.capacity


def test_an_expired_session_gives_the_places_and_voucher_back(client, fake_stripe):
    voucher = factories.voucher(code="CARD10", max_uses=1)
    booking = card_booking(voucher_code="CARD10")
    voucher.refresh_from_db()
    assert voucher.times_used == 1
    checkout = open_checkout(booking)
    expired = fake_stripe.expire(checkout.session_id)
    assert (
        post_event(
            client, fake_stripe, fake_stripe.event("checkout.session.expired", expired)
        ).status_code
        == 200
    )
    booking.refresh_from_db()
    voucher.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert voucher.times_used == 0
    assert capacity.places_left(booking.cohort) == booking.cohort.capacity


# --- The return page ------------------------------------------------------------------------


def test_the_return_page_confirms_from_stripe_then_the_webhook_finds_it_done(client, fake_stripe):
    user = factories.booker()
    booking = card_booking(user=user)
    checkout = open_checkout(booking)
    session = fake_stripe.complete(checkout.session_id)
    mail.outbox.clear()
    client.force_login(user)
    response = committed(
        client.get, reverse("payments:card-return"), {"session_id": checkout.session_id}
    )
    assert response["Location"] == reverse("bookings:booking-detail", args=[booking.reference])
    page = client.get(response["Location"]).content.decode()
    assert "your card payment has been received" in page
    assert "Paid" in page
    assert (
        post_event(
            client, fake_stripe, fake_stripe.event("checkout.session.completed", session)
        ).status_code
        == 200
    )
    assert Invoice.objects.filter(booking=booking).count() == 1
    assert len(booking_emails(booking)) == 1


def test_the_return_page_does_not_trust_the_address(client, fake_stripe):
    user = factories.booker()
    booking = card_booking(user=user)
    checkout = open_checkout(booking)  # not paid at Stripe
    client.force_login(user)
    client.get(reverse("payments:card-return"), {"session_id": checkout.session_id})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_the_return_page_is_only_for_the_bookings_own_school(client, fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    fake_stripe.complete(checkout.session_id)
    client.force_login(factories.booker())
    response = client.get(reverse("payments:card-return"), {"session_id": checkout.session_id})
    assert response.status_code == 404
    client.logout()
    response = client.get(reverse("payments:card-return"), {"session_id": checkout.session_id})
    assert response.status_code == 302 and "sign-in" in response["Location"]


# --- Holds that lapse -------------------------------------------------------------------------


def test_a_lapsed_hold_closes_the_session_at_stripe_and_frees_the_places(fake_stripe):
    booking = card_booking(places=4)
    checkout = open_checkout(booking)
    cohort = booking.cohort
    later = timezone.now() + datetime.timedelta(minutes=40)
    # Lazily: a lapsed hold counts for nothing before any housekeeping runs.
    assert capacity.places_left(cohort, later) == cohort.capacity
    assert close_lapsed_checkouts(now=later) >= 1
    booking.refresh_from_db()
    checkout.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert checkout.status == CheckoutStatus.EXPIRED
    assert fake_stripe.sessions[checkout.session_id]["status"] == "expired"


def test_a_session_paid_just_before_it_was_closed_is_applied_not_lost(fake_stripe):
    booking = card_booking()
    checkout = open_checkout(booking)
    fake_stripe.complete(checkout.session_id)  # its webhook has not arrived
    close_lapsed_checkouts(now=timezone.now() + datetime.timedelta(minutes=40))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_paying_after_the_places_went_refunds_the_card(client, fake_stripe):
    cohort = factories.cohort(capacity=2)
    booking = card_booking(cohort=cohort, places=2)
    checkout = open_checkout(booking)
    # The hold lapses and another school books the places meanwhile.
    Hold.objects.filter(booking=booking).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    other = factories.booker()
    place_booking(factories.booking_request(cohort, other, 2), other)
    mail.outbox.clear()
    post_event(client, fake_stripe, completed_event(fake_stripe, checkout))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    refund = Refund.objects.get(checkout=checkout)
    assert refund.amount == booking.gross_total
    assert refund.status == "succeeded"
    stripe_refund = fake_stripe.refunds[refund.stripe_refund_id]
    assert stripe_refund["amount"] == int(booking.gross_total * 100)
    [email] = booking_emails(booking)
    assert "refunded" in email.subject
    assert capacity.places_left(cohort) == 0


# --- Paying an invoice's balance by card ------------------------------------------------------


def test_a_booker_pays_an_invoice_balance_by_card(client, fake_stripe):
    user = factories.booker()
    cohort = factories.cohort()
    booking = place_booking(factories.booking_request(cohort, user, 2), user)
    invoice = booking.invoices.get()
    client.force_login(user)
    page = client.get(reverse("bookings:booking-detail", args=[booking.reference])).content.decode()
    assert f"Pay £{invoice.gross_total:,.2f} by card" in page
    response = client.post(reverse("payments:pay-invoice", args=[invoice.number]))
    assert response.status_code == 303
    checkout = CardCheckout.objects.get(invoice=invoice)
    assert fake_stripe.sessions[checkout.session_id]["amount_total"] == int(
        invoice.gross_total * 100
    )
    fake_stripe.complete(checkout.session_id)
    mail.outbox.clear()
    committed(client.get, reverse("payments:card-return"), {"session_id": checkout.session_id})
    invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        pk=invoice.pk
    )
    assert invoice.status() == InvoiceStatus.PAID
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Pay £" not in account
    [email] = [m for m in mail.outbox if invoice.number in m.subject]
    assert "Payment received" in email.subject
    html = email.alternatives[0][0]
    assert "paid in full" in email.body and "paid in full" in html


def test_nobody_else_can_pay_or_see_an_invoice_checkout(client, fake_stripe):
    user = factories.booker()
    booking = place_booking(factories.booking_request(factories.cohort(), user, 1), user)
    invoice = booking.invoices.get()
    client.force_login(factories.booker())
    assert client.post(reverse("payments:pay-invoice", args=[invoice.number])).status_code == 404
    assert client.post(reverse("payments:pay-booking", args=[booking.reference])).status_code == 404
    client.logout()
    response = client.post(reverse("payments:pay-invoice", args=[invoice.number]))
    assert response.status_code == 302 and "sign-in" in response["Location"]
    assert not CardCheckout.objects.filter(invoice=invoice).exists()


def test_turning_back_from_stripe_says_nothing_was_charged(client, fake_stripe):
    booking = card_booking()
    client.force_login(booking.booker)
    url = reverse("bookings:booking-detail", args=[booking.reference])
    assert "nothing has been charged" not in client.get(url).content.decode()
    page = client.get(url + "?payment=cancelled").content.decode()
    assert "nothing has been charged" in page
    assert "Pay " in page  # and may try again
