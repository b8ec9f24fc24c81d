"""Card payment with Stripe Checkout, for a new booking's places or an invoice's balance.

The server works out the amount, opens a Checkout Session for exactly that and sends the
booker to Stripe. What Stripe says happened is applied by `settle_session`, which both the
booker's return to the site and the webhook call: the cohort's and the checkout's row
locks make the first one do the work and the second find it done, so either order, both
or a replay give one confirmation, one invoice and one email.

Stripe is called outside our transactions (a network call must never hold a row lock),
and always with an idempotency key, so a retry never opens or refunds twice.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from courses.pricing import money

from .. import stripe_gateway as gateway
from ..models import (
    Booking,
    BookingEvent,
    BookingStatus,
    CardCheckout,
    CheckoutPurpose,
    CheckoutStatus,
    Hold,
    HoldReason,
    Invoice,
    PaymentMethod,
    PaymentMethodReceived,
    Refund,
    RefundStatus,
)
from ..tasks import card_payment_settled
from . import capacity
from .booking import (
    CARD_PAYMENT_HOLD,
    BookingError,
    _confirm,
    _expire,
    expire_lapsed_holds,
    full_message,
)
from .invoicing import record_payment

logger = logging.getLogger(__name__)

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it opens.
STRIPE_MINIMUM_SESSION = datetime.timedelta(minutes=30)
# Opened a minute short of the hold, so that the session closes before the hold does.
SESSION_MARGIN = datetime.timedelta(minutes=1)
# A payment that Stripe reports as still clearing keeps the places this long.
CLEARING_HOLD = datetime.timedelta(days=5)


class PaymentError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def line_items(lines):
    """Checkout line items from priced lines, in pence, VAT included.

    Each line goes as one item priced at its total, so that Stripe's total is ours to the
    penny (VAT is worked out per line, not per unit). Stripe takes no negative items, so a
    booking with a discount goes as a single item for its total.
    """
    lines = list(lines)
    if any(line.gross <= 0 for line in lines):
        total = sum((line.gross for line in lines), money(0))
        vat = sum((line.vat for line in lines), money(0))
        names = "; ".join(f"{line.description} × {line.quantity}" for line in lines)
        return [("Booking total", f"{names}. Includes VAT of £{vat}.", gateway.to_pence(total), 1)]
    return [
        (
            f"{line.description} × {line.quantity}",
            f"£{line.net} + VAT at {line.vat_rate.normalize():f}% (£{line.vat})",
            gateway.to_pence(line.gross),
            1,
        )
        for line in lines
    ]


# --- Opening a checkout ----------------------------------------------------------------


def open_booking_checkout(booking, *, success_url, cancel_url, actor=None, now=None):
    """A Checkout Session for a card booking's places: the open one if there is one with
    time left, or a new one (the places are held again for its life, if still free)."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(booking.cohort_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if not booking.awaits_card_payment:
            raise PaymentError("booking", _not_payable(booking))
        current = (
            booking.card_checkouts.filter(
                status=CheckoutStatus.OPEN,
                session_id__isnull=False,
                expires_at__gt=now + datetime.timedelta(minutes=5),
            )
            .order_by("-created_at")
            .first()
        )
        if current is not None:
            return current
        stale = list(booking.card_checkouts.filter(status=CheckoutStatus.OPEN))
        hold = booking.holds.active(now).filter(reason=HoldReason.CARD_PAYMENT).first()
        own = [hold.pk] if hold else []
        if hold is None or hold.expires_at < now + STRIPE_MINIMUM_SESSION + SESSION_MARGIN:
            # Coming back to pay after the hold lapsed, or with too little of it left for a
            # new session: hold the places again, if they are still free.
            try:
                capacity.take_places(cohort, booking.places, now, exclude_hold_ids=own)
            except capacity.CohortFull as full:
                raise PaymentError("places", full_message(full.places_left)) from full
            if hold is not None:
                hold.released_at = now
                hold.save(update_fields=["released_at"])
            hold = Hold.objects.create(
                cohort=cohort,
                booking=booking,
                places=booking.places,
                reason=HoldReason.CARD_PAYMENT,
                expires_at=now + CARD_PAYMENT_HOLD,
            )
        checkout = CardCheckout.objects.create(
            purpose=CheckoutPurpose.BOOKING,
            booking=booking,
            hold=hold,
            amount=booking.gross_total,
            created_by=actor,
            created_at=now,
            expires_at=hold.expires_at - SESSION_MARGIN,
        )
    for old in stale:
        close_checkout(old)
    return _open_session(
        checkout,
        items=line_items(booking.lines.all()),
        success_url=success_url,
        cancel_url=cancel_url,
        email=booking.booker.email,
        reference=booking.reference,
    )


def open_invoice_checkout(invoice, *, success_url, cancel_url, actor=None, now=None):
    """A Checkout Session for what is still due on an invoice."""
    now = now or timezone.now()
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        invoice = (
            Invoice.objects.select_related("booking__booker")
            .prefetch_related("payments", "refunds", "credit_notes")
            .get(pk=invoice.pk)
        )
        if invoice.is_credit_note or invoice.balance_due <= 0:
            raise PaymentError("invoice", f"Nothing is left to pay on {invoice.number}.")
        current = (
            invoice.card_checkouts.filter(
                status=CheckoutStatus.OPEN,
                session_id__isnull=False,
                amount=invoice.balance_due,
                expires_at__gt=now + datetime.timedelta(minutes=5),
            )
            .order_by("-created_at")
            .first()
        )
        if current is not None:
            return current
        stale = list(invoice.card_checkouts.filter(status=CheckoutStatus.OPEN))
        checkout = CardCheckout.objects.create(
            purpose=CheckoutPurpose.INVOICE,
            booking=invoice.booking,
            invoice=invoice,
            amount=invoice.balance_due,
            created_by=actor,
            created_at=now,
            expires_at=now + STRIPE_MINIMUM_SESSION + SESSION_MARGIN,
        )
    for old in stale:
        close_checkout(old)
    return _open_session(
        checkout,
        items=[
            (
                f"Balance of invoice {invoice.number}",
                invoice.supply_description,
                gateway.to_pence(checkout.amount),
                1,
            )
        ],
        success_url=success_url,
        cancel_url=cancel_url,
        email=invoice.booking.booker.email,
        reference=invoice.number,
    )


def _open_session(checkout, *, items, success_url, cancel_url, email, reference):
    try:
        session = gateway.create_checkout_session(
            line_items=items,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=checkout.expires_at,
            customer_email=email,
            reference=reference,
            metadata={"checkout": str(checkout.pk), "reference": reference},
            idempotency_key=f"checkout-{checkout.pk}",
        )
    except gateway.GatewayError as error:
        logger.error("Could not open checkout %s: %s", checkout.pk, error)
        CardCheckout.objects.filter(pk=checkout.pk).update(status=CheckoutStatus.FAILED)
        raise PaymentError(
            "payment",
            "We could not reach our card payment provider just now. Your places are still "
            "held: please try again in a minute, or choose to pay by invoice.",
        ) from error
    if session["amount_total"] != gateway.to_pence(checkout.amount):
        # Never send anyone to pay a sum other than the one we worked out.
        gateway.expire_checkout_session(session["id"])
        CardCheckout.objects.filter(pk=checkout.pk).update(status=CheckoutStatus.FAILED)
        raise PaymentError("payment", "The card payment could not be set up. Please call us.")
    checkout.session_id = session["id"]
    checkout.url = session["url"]
    checkout.save(update_fields=["session_id", "url"])
    return checkout


def _not_payable(booking):
    if booking.status == BookingStatus.CONFIRMED:
        return "This booking is already confirmed."
    if booking.status == BookingStatus.PENDING:
        return "This booking is not paid by card."
    return f"This booking is {booking.get_status_display().lower()}: please book again."


# --- What Stripe says happened -----------------------------------------------------------


def settle_session(session, *, source, now=None):
    """Apply a Checkout Session's state as Stripe reports it. Returns the checkout (None
    if the session is not one of ours); safe to call any number of times."""
    now = now or timezone.now()
    found = (
        CardCheckout.objects.filter(session_id=session["id"])
        .values_list("pk", "booking__cohort_id")
        .first()
    )
    if found is None:
        return None
    checkout_id, cohort_id = found
    with transaction.atomic():
        # Always cohort, then checkout, then booking: the order every writer locks in.
        capacity.lock_cohort(cohort_id)
        checkout = (
            CardCheckout.objects.select_for_update(of=("self",))
            .select_related("booking", "invoice")
            .get(pk=checkout_id)
        )
        if checkout.status in (CheckoutStatus.PAID, CheckoutStatus.FAILED):
            return checkout
        status, paid = session["status"], session["payment_status"]
        if status == "complete" and paid in ("paid", "no_payment_required"):
            _apply_payment(checkout, session, source=source, now=now)
        elif status == "complete":
            _clearing(checkout, session, now=now)
        elif status == "expired" and checkout.status != CheckoutStatus.EXPIRED:
            _abandon(checkout, CheckoutStatus.EXPIRED, "The card payment was not completed.", now)
    return checkout


def payment_failed(session, *, now=None):
    """A delayed payment (one still clearing at checkout) failed in the end."""
    now = now or timezone.now()
    checkout = CardCheckout.objects.filter(session_id=session["id"]).first()
    if checkout is None:
        return None
    with transaction.atomic():
        capacity.lock_cohort(checkout.booking.cohort_id)
        checkout = CardCheckout.objects.select_for_update().get(pk=checkout.pk)
        if checkout.status in (CheckoutStatus.OPEN, CheckoutStatus.PROCESSING):
            _abandon(checkout, CheckoutStatus.FAILED, "The card payment failed.", now)
    return checkout


def _apply_payment(checkout, session, *, source, now):
    amount = gateway.from_pence(session["amount_total"])
    if amount != checkout.amount or session["currency"] != gateway.CURRENCY:
        logger.error(
            "Checkout %s paid %s %s, expected £%s: not applied",
            checkout.pk,
            session["amount_total"],
            session["currency"],
            checkout.amount,
        )
        raise PaymentError("payment", "The amount paid does not match the amount due.")
    intent = session.get("payment_intent") or ""
    if isinstance(intent, dict):
        intent = intent["id"]
    checkout.status = CheckoutStatus.PAID
    checkout.payment_intent_id = intent
    checkout.settled_at = now
    checkout.save(update_fields=["status", "payment_intent_id", "settled_at"])
    booking = Booking.objects.select_for_update().get(pk=checkout.booking_id)
    if checkout.purpose == CheckoutPurpose.BOOKING:
        outcome = _confirm_paid_booking(checkout, booking, intent, now)
    else:
        outcome = _pay_invoice(checkout, checkout.invoice, intent, now)
    logger.info("Checkout %s settled from the %s: %s", checkout.pk, source, outcome)
    checkout_id = checkout.pk
    transaction.on_commit(lambda: card_payment_settled.enqueue(checkout_id, outcome))


def _confirm_paid_booking(checkout, booking, intent, now):
    if booking.status == BookingStatus.CONFIRMED:
        # Paid twice (two tabs, two sessions): the second payment goes back.
        _refund_checkout(checkout, "The booking had already been paid for.", now)
        return "refunded"
    cohort = capacity.lock_cohort(booking.cohort_id)
    own = list(booking.holds.active(now).values_list("pk", flat=True))
    problem = cohort.booking_window_problem(now)
    try:
        # An expired booking is not revived: its session was closed at Stripe before it
        # expired, so this is a payment that raced that closing, and it goes back.
        if booking.status != BookingStatus.PENDING or problem:
            raise BookingError("cohort", problem or _not_payable(booking))
        # Normally the places are still held; if the hold lapsed they are taken again,
        # if they are still free.
        capacity.take_places(cohort, booking.places, now, exclude_hold_ids=own)
    except (capacity.CohortFull, BookingError):
        if booking.status == BookingStatus.PENDING:
            _expire(booking, now, detail="Paid by card after the places had gone.")
        _refund_checkout(checkout, "The places had gone by the time the payment arrived.", now)
        capacity.refresh_full_status(cohort, now)
        return "refunded"
    invoice = _confirm(booking, cohort, actor=None, now=now, paid_by_card=True)
    if invoice is not None:
        record_payment(
            invoice,
            amount=checkout.amount,
            received_on=timezone.localdate(now),
            method=PaymentMethodReceived.CARD,
            reference=intent,
            now=now,
        )
    capacity.refresh_full_status(cohort, now)
    return "confirmed"


def _pay_invoice(checkout, invoice, intent, now):
    invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        pk=invoice.pk
    )
    due = invoice.balance_due
    applied = min(due, checkout.amount)
    if applied > 0:
        record_payment(
            invoice,
            amount=applied,
            received_on=timezone.localdate(now),
            method=PaymentMethodReceived.CARD,
            reference=intent,
            now=now,
        )
    if checkout.amount > applied:
        # Paid meanwhile by bank transfer, or credited: the excess goes back.
        _refund_checkout(
            checkout, "More than the balance due was paid.", now, amount=checkout.amount - applied
        )
    return "invoice paid"


def _clearing(checkout, session, *, now):
    """Paid with a method that takes days to clear: keep the places until it does."""
    if checkout.status == CheckoutStatus.PROCESSING:
        return
    checkout.status = CheckoutStatus.PROCESSING
    checkout.save(update_fields=["status"])
    if checkout.hold_id:
        Hold.objects.filter(pk=checkout.hold_id, released_at__isnull=True).update(
            expires_at=now + CLEARING_HOLD
        )
    BookingEvent.objects.create(
        booking_id=checkout.booking_id, action="card payment clearing", at=now
    )


def _abandon(checkout, status, detail, now):
    checkout.status = status
    checkout.settled_at = now
    checkout.save(update_fields=["status", "settled_at"])
    if checkout.purpose != CheckoutPurpose.BOOKING:
        return
    booking = Booking.objects.select_for_update().get(pk=checkout.booking_id)
    others_open = booking.card_checkouts.filter(
        status__in=[CheckoutStatus.OPEN, CheckoutStatus.PROCESSING]
    ).exclude(pk=checkout.pk)
    if booking.status == BookingStatus.PENDING and not others_open.exists():
        _expire(booking, now, detail=detail)
        capacity.refresh_full_status(capacity.lock_cohort(booking.cohort_id), now)


# --- Refunds -----------------------------------------------------------------------------


def _refund_checkout(checkout, reason, now, amount=None):
    """Give back a card payment we could not apply (no invoice to credit)."""
    refund = Refund.objects.create(
        checkout=checkout, amount=amount or checkout.amount, reason=reason, created_at=now
    )
    BookingEvent.objects.create(
        booking_id=checkout.booking_id,
        action="card payment refunded",
        detail=f"£{refund.amount}: {reason}",
        at=now,
    )
    refund_id = refund.pk
    transaction.on_commit(lambda: send_refund.enqueue(refund_id))
    return refund


def refund_to_card(invoice, amount, *, reason, credit_note=None, actor=None, now=None):
    """Refund up to `amount` of the card payments on an invoice (newest first), to be sent
    to Stripe once the transaction commits. Returns the refunds; what is left over (paid
    some other way) is for the office to return by hand."""
    now = now or timezone.now()
    refunds = []
    left = money(amount)
    payments = invoice.payments.filter(method=PaymentMethodReceived.CARD).order_by("-pk")
    for payment in payments.select_for_update():
        if left <= 0:
            break
        refunded = sum(
            (r.amount for r in payment.refunds.exclude(status=RefundStatus.FAILED)), money(0)
        )
        share = min(left, payment.amount - refunded)
        if share <= 0:
            continue
        refund = Refund.objects.create(
            invoice=invoice,
            credit_note=credit_note,
            payment=payment,
            amount=share,
            reason=reason,
            created_by=actor,
            created_at=now,
        )
        refunds.append(refund)
        left -= share
        BookingEvent.objects.create(
            booking_id=invoice.booking_id,
            actor=actor,
            action="card refund requested",
            detail=f"£{share} against {invoice.number}: {reason}",
            at=now,
        )
    ids = [refund.pk for refund in refunds]
    transaction.on_commit(lambda: [send_refund.enqueue(pk) for pk in ids])
    return refunds


@task()
def send_refund(refund_id):
    """Background: send a pending refund to Stripe (after its record has committed)."""
    send_refund_to_stripe(refund_id)


def send_refund_to_stripe(refund_id):
    """Ask Stripe for a refund recorded as pending (the task's body)."""
    refund = Refund.objects.select_related("payment", "checkout").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING or refund.stripe_refund_id:
        return refund
    intent = refund.payment.reference if refund.payment else refund.checkout.payment_intent_id
    try:
        result = gateway.create_refund(
            payment_intent=intent,
            amount=refund.amount,
            metadata={"refund": str(refund.pk)},
            idempotency_key=f"refund-{refund.pk}",
        )
    except gateway.GatewayError:
        logger.exception("Refund %s could not be sent to Stripe", refund.pk)
        raise
    status = {
        "succeeded": RefundStatus.SUCCEEDED,
        "failed": RefundStatus.FAILED,
        "canceled": RefundStatus.FAILED,
    }.get(result["status"], RefundStatus.PENDING)
    Refund.objects.filter(pk=refund.pk).update(stripe_refund_id=result["id"], status=status)
    refund.refresh_from_db()
    return refund


def refund_updated(stripe_refund):
    """A refund's later fate, from the webhook (most succeed at once; some fail later)."""
    status = {
        "succeeded": RefundStatus.SUCCEEDED,
        "failed": RefundStatus.FAILED,
        "canceled": RefundStatus.FAILED,
    }.get(stripe_refund.get("status"))
    if status is None:
        return 0
    return Refund.objects.filter(stripe_refund_id=stripe_refund["id"]).update(status=status)


# --- Housekeeping ------------------------------------------------------------------------


def close_checkout(checkout):
    """Close a session at Stripe so that it cannot be paid, then apply its final state
    (it may have been paid after all, if its webhook has not reached us)."""
    if not checkout.session_id:
        CardCheckout.objects.filter(pk=checkout.pk, status=CheckoutStatus.OPEN).update(
            status=CheckoutStatus.FAILED
        )
        return checkout
    try:
        session = gateway.expire_checkout_session(checkout.session_id)
    except gateway.GatewayError:
        session = gateway.retrieve_checkout_session(checkout.session_id)
    return settle_session(session, source="housekeeping")


@task()
def release_lapsed_places():
    """Background: close lapsed card payments and expire bookings whose hold lapsed."""
    return close_lapsed_checkouts() + expire_lapsed_holds()


def close_lapsed_checkouts(now=None):
    """Card payments whose hold has lapsed: closed at Stripe, their bookings expired and
    their places back on sale. Run by the housekeeping task; lapsed holds count for
    nothing meanwhile, so capacity never waits for this."""
    now = now or timezone.now()
    lapsed = CardCheckout.objects.filter(
        status=CheckoutStatus.OPEN, expires_at__lte=now, purpose=CheckoutPurpose.BOOKING
    )
    closed = 0
    for checkout in lapsed:
        try:
            close_checkout(checkout)
            closed += 1
        except gateway.GatewayError:
            logger.warning("Could not close checkout %s; will try again", checkout.pk)
    # A card booking whose session never opened (Stripe was down) expires with its hold.
    for booking in Booking.objects.filter(
        status=BookingStatus.PENDING,
        payment_method=PaymentMethod.CARD,
        holds__expires_at__lte=now,
        holds__released_at__isnull=True,
    ).distinct():
        with transaction.atomic():
            cohort = capacity.lock_cohort(booking.cohort_id)
            locked = Booking.objects.select_for_update().get(pk=booking.pk)
            open_checkouts = locked.card_checkouts.filter(
                status__in=[CheckoutStatus.OPEN, CheckoutStatus.PROCESSING]
            )
            if (
                locked.status == BookingStatus.PENDING
                and not locked.holds.active(now).exists()
                and not open_checkouts.exists()
            ):
                _expire(locked, now, detail="The card payment was not made in time.")
                capacity.refresh_full_status(cohort, now)
                closed += 1
    return closed
