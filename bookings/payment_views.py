"""Card payments: sending a booker to Stripe Checkout, their return, and Stripe's webhook."""

import datetime
import logging

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import stripe_gateway as gateway
from .emails import absolute
from .models import Booking, CardCheckout, CheckoutStatus, Invoice, StripeEvent
from .services import card

logger = logging.getLogger(__name__)


def card_return_urls(reference):
    """Where Stripe sends the booker back: after paying, and if they turn back."""
    success = absolute(reverse("payments:card-return")) + "?session_id={CHECKOUT_SESSION_ID}"
    cancel = absolute(reverse("bookings:booking-detail", args=[reference])) + "?payment=cancelled"
    return success, cancel


def _to_stripe(checkout):
    # 303: the browser follows with a GET, as Stripe's page expects.
    response = redirect(checkout.url)
    response.status_code = 303
    return response


@login_required
@require_POST
def pay_booking(request, reference):
    """Send the booker to Stripe to pay for a booking's places."""
    booking = get_object_or_404(Booking.objects.for_user(request.user), reference=reference)
    if not gateway.card_payments_enabled():
        messages.error(request, "Card payment is not available at the moment.")
        return redirect("bookings:booking-detail", reference=reference)
    success, cancel = card_return_urls(reference)
    try:
        checkout = card.open_booking_checkout(
            booking, success_url=success, cancel_url=cancel, actor=request.user
        )
    except card.PaymentError as error:
        messages.error(request, error.message)
        return redirect("bookings:booking-detail", reference=reference)
    return _to_stripe(checkout)


@login_required
@require_POST
def pay_invoice(request, number):
    """Send the booker to Stripe to pay what is still due on an invoice."""
    invoice = Invoice.objects.filter(number=number, kind="invoice").first()
    if (
        invoice is None
        or not Booking.objects.for_user(request.user).filter(pk=invoice.booking_id).exists()
    ):
        raise Http404("No such invoice.")
    reference = invoice.booking.reference
    if not gateway.card_payments_enabled():
        messages.error(request, "Card payment is not available at the moment.")
        return redirect("bookings:booking-detail", reference=reference)
    success, cancel = card_return_urls(reference)
    try:
        checkout = card.open_invoice_checkout(
            invoice, success_url=success, cancel_url=cancel, actor=request.user
        )
    except card.PaymentError as error:
        messages.error(request, error.message)
        return redirect("bookings:booking-detail", reference=reference)
    return _to_stripe(checkout)


@login_required
@require_GET
@never_cache
def card_return(request):
    """Where Stripe sends the booker back. The session is read from Stripe, never taken
    from the address, and applied exactly as the webhook would apply it."""
    session_id = request.GET.get("session_id", "")
    checkout = (
        CardCheckout.objects.select_related("booking")
        .filter(session_id=session_id, booking__in=Booking.objects.for_user(request.user))
        .first()
    )
    if checkout is None:
        raise Http404("No such payment.")
    reference = checkout.booking.reference
    try:
        session = gateway.retrieve_checkout_session(session_id)
        checkout = card.settle_session(session, source="return page")
    except (gateway.GatewayError, card.PaymentError):
        logger.exception("Could not settle checkout %s on return", checkout.pk)
        messages.warning(
            request,
            "We could not check your payment with our card provider just now. If it went "
            "through, we will confirm it by email within a few minutes.",
        )
        return redirect("bookings:booking-detail", reference=reference)
    if checkout.status == CheckoutStatus.PAID:
        messages.success(request, "Thank you: your card payment has been received.")
    elif checkout.status == CheckoutStatus.PROCESSING:
        messages.info(request, "Your payment is being processed; we will email you once it clears.")
    else:
        messages.info(request, "The card payment was not completed.")
    return redirect("bookings:booking-detail", reference=reference)


# --- The webhook ---------------------------------------------------------------------------

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.expired",
}
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events, verified by their signature and handled once each.

    A 2xx tells Stripe to stop sending; a 400 says the request was not Stripe's (bad or
    stale signature); a 500 (an error while handling) makes Stripe try again later, and
    the event is stored only with its handling, in one transaction, so the retry counts.
    """
    if not gateway.card_payments_enabled():
        raise Http404("Card payments are not set up.")
    try:
        event = gateway.verify_webhook(request.body, request.headers.get("Stripe-Signature"))
    except (ValueError, stripe.SignatureVerificationError) as error:
        logger.warning("Refused a webhook: %s", error)
        return HttpResponseBadRequest("Invalid signature or payload.")
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                created=datetime.datetime.fromtimestamp(event["created"], tz=datetime.UTC),
                livemode=bool(event.get("livemode")),
                payload=event,
            )
            record.outcome = handle_event(event)
            record.save(update_fields=["outcome"])
    except IntegrityError:
        if StripeEvent.objects.filter(event_id=event["id"]).exists():
            return HttpResponse("Already handled.", content_type="text/plain")
        raise
    return HttpResponse(record.outcome or "OK", content_type="text/plain")


def handle_event(event):
    kind, obj = event["type"], event["data"]["object"]
    now = timezone.now()
    if kind in SESSION_EVENTS:
        checkout = card.settle_session(obj, source="webhook", now=now)
        return "not ours" if checkout is None else f"checkout {checkout.pk}: {checkout.status}"
    if kind == "checkout.session.async_payment_failed":
        checkout = card.payment_failed(obj, now=now)
        return "not ours" if checkout is None else f"checkout {checkout.pk}: {checkout.status}"
    if kind == "payment_intent.succeeded":
        # Sometimes first: the session is read back and settled if it shows paid.
        checkout_id = (obj.get("metadata") or {}).get("checkout")
        checkout = CardCheckout.objects.filter(pk=checkout_id).first() if checkout_id else None
        if checkout is None or not checkout.session_id:
            return "not ours"
        session = gateway.retrieve_checkout_session(checkout.session_id)
        card.settle_session(session, source="webhook")
        return f"checkout {checkout.pk}: settled from the payment"
    if kind in REFUND_EVENTS:
        return f"{card.refund_updated(obj)} refund(s) updated"
    if kind == "charge.refunded":
        refunds = (obj.get("refunds") or {}).get("data") or []
        return f"{sum(card.refund_updated(r) for r in refunds)} refund(s) updated"
    return "ignored"
