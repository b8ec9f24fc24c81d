"""Card payments through Stripe: the Checkout Sessions we open, the webhook events Stripe
sends us, and the refunds we make. Money received is recorded as a Payment against an
invoice (invoices.py), whichever way it came."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CheckoutPurpose(models.TextChoices):
    BOOKING = "booking", "Places on a new booking"
    INVOICE = "invoice", "The balance of an invoice"


class CheckoutStatus(models.TextChoices):
    OPEN = "open", "Waiting for the booker to pay"
    PROCESSING = "processing", "Paid; waiting for the bank to clear it"
    PAID = "paid", "Paid"
    EXPIRED = "expired", "Expired or abandoned"
    FAILED = "failed", "Payment failed"


class CardCheckout(models.Model):
    """A Stripe Checkout Session opened for an exact amount we worked out. The places of a
    new booking are held while it is open; it is settled once, by whichever of the
    booker's return and Stripe's webhook arrives first (the row lock decides)."""

    purpose = models.CharField(max_length=10, choices=CheckoutPurpose.choices)
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="card_checkouts"
    )
    invoice = models.ForeignKey(
        "bookings.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_checkouts",
        help_text="For paying an invoice's balance: the invoice paid.",
    )
    hold = models.OneToOneField(
        "bookings.Hold", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkout"
    )
    session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="gbp")
    status = models.CharField(
        max_length=12, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    payment_intent_id = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Card payment of £{self.amount} for {self.booking.reference}"

    @property
    def is_open(self):
        return self.status == CheckoutStatus.OPEN


class StripeEvent(models.Model):
    """Each webhook event, stored once by its id: Stripe delivers at least once, and a
    replay must change nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    received_at = models.DateTimeField(default=timezone.now)
    livemode = models.BooleanField(default=False)
    outcome = models.CharField(max_length=300, blank=True)
    payload = models.JSONField()

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.type} ({self.event_id})"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Refunded"
    FAILED = "failed", "Failed"


class Refund(models.Model):
    """Money given back against an invoice: a card refund made through Stripe, or one
    the office made by bank transfer and recorded here."""

    invoice = models.ForeignKey(
        "bookings.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="The invoice the money was paid against.",
    )
    checkout = models.ForeignKey(
        CardCheckout,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="For a card payment that could not be applied (the places had gone).",
    )
    credit_note = models.ForeignKey(
        "bookings.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds_for_note",
        help_text="The credit note this refund pays out.",
    )
    payment = models.ForeignKey(
        "bookings.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="The card payment refunded.",
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self):
        return f"£{self.amount} refunded on {self.invoice or self.checkout}"
