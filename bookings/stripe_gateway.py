"""The one place that talks to Stripe: opening and expiring Checkout Sessions, reading
them back, refunding, and checking webhook signatures.

Amounts cross this boundary in pence (Stripe's smallest unit) and are converted from and
to Decimal pounds here and nowhere else.
"""

from decimal import Decimal

import stripe
from django.conf import settings

from courses.pricing import money

CURRENCY = "gbp"
# Stripe refuses a webhook whose signature is older than this (its own default).
SIGNATURE_TOLERANCE_SECONDS = 300


class GatewayError(Exception):
    """Stripe could not be reached or refused the request; the message is for people."""


def card_payments_enabled():
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def client():
    options = {"max_network_retries": 2}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)


def to_pence(amount: Decimal) -> int:
    if not isinstance(amount, Decimal):
        raise TypeError("Amounts are Decimal pounds.")
    pence = money(amount) * 100
    return int(pence)


def from_pence(pence: int) -> Decimal:
    return money(Decimal(pence) / 100)


def _call(description, function, *args, **kwargs):
    """Call the client; answer plain dicts (as webhook payloads are), so that the rest of
    the code reads Stripe's objects one way whichever way they came."""
    try:
        return function(*args, **kwargs).to_dict()
    except stripe.StripeError as error:
        message = getattr(error, "user_message", None) or str(error)
        raise GatewayError(f"{description}: {message}") from error


def create_checkout_session(
    *,
    line_items,
    success_url,
    cancel_url,
    expires_at,
    customer_email,
    reference,
    metadata,
    idempotency_key,
):
    """Open a Checkout Session. `line_items` are (name, description, pence, quantity)."""
    params = {
        "mode": "payment",
        "allowed_payment_method_types": ["card"],
        "line_items": [
            {
                "price_data": {
                    "currency": CURRENCY,
                    "unit_amount": pence,
                    "product_data": {"name": name, **({"description": text} if text else {})},
                },
                "quantity": quantity,
            }
            for name, text, pence, quantity in line_items
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(expires_at.timestamp()),
        "customer_email": customer_email,
        "client_reference_id": reference,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": reference},
    }
    return _call(
        "Opening the card payment",
        client().v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": idempotency_key},
    )


def retrieve_checkout_session(session_id):
    return _call("Reading the card payment", client().v1.checkout.sessions.retrieve, session_id)


def expire_checkout_session(session_id):
    return _call("Closing the card payment", client().v1.checkout.sessions.expire, session_id)


def create_refund(*, payment_intent, amount, metadata, idempotency_key):
    return _call(
        "Refunding the card payment",
        client().v1.refunds.create,
        params={
            "payment_intent": payment_intent,
            "amount": to_pence(amount),
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )


def verify_webhook(payload: bytes, signature_header: str | None):
    """The event, if the signature is Stripe's for this endpoint and recent; raises
    ValueError (bad payload) or stripe.SignatureVerificationError otherwise."""
    event = client().construct_event(
        payload,
        signature_header,
        settings.STRIPE_WEBHOOK_SECRET,
        tolerance=SIGNATURE_TOLERANCE_SECONDS,
    )
    return event.to_dict()
