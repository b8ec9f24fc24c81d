"""Bookings, their priced lines and delegates, holds on places, vouchers and history."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from courses.pricing import money

from ..pricing import Line, VoucherKind, VoucherTerms

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_calendar_token():
    return secrets.token_urlsafe(24)


def new_reference():
    return "B-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


class BookingStatus(models.TextChoices):
    PENDING = "pending", "Awaiting confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class PaymentMethod(models.TextChoices):
    INVOICE = "invoice", "Invoice (pay by bank transfer)"
    CARD = "card", "Card"


class Voucher(models.Model):
    code = models.CharField(
        max_length=30, unique=True, help_text="Letters and digits; case ignored."
    )
    description = models.CharField(max_length=200, blank=True, help_text="For the office only.")
    kind = models.CharField(max_length=10, choices=VoucherKind.CHOICES)
    value = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        default=0,
        help_text="The percentage off, or the amount off excluding VAT (£). Not used for "
        "free places.",
    )
    valid_until = models.DateField(null=True, blank=True, help_text="The last day it works.")
    max_uses = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many bookings may use it. Blank for no limit."
    )
    times_used = models.PositiveIntegerField(default=0, editable=False)
    courses = models.ManyToManyField(
        "courses.CoursePage", blank=True, help_text="Leave empty for every course."
    )
    organisations = models.ManyToManyField(
        "bookings.Organisation", blank=True, help_text="Leave empty for every organisation."
    )

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("kind"), FieldPanel("value")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("valid_until"), FieldPanel("max_uses")]),
        FieldPanel("courses"),
        FieldPanel("organisations"),
    ]

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def terms(self):
        return VoucherTerms(
            code=self.code,
            kind=self.kind,
            value=self.value,
            valid_until=self.valid_until,
            uses_left=None if self.max_uses is None else self.max_uses - self.times_used,
            course_ids=frozenset(self.courses.values_list("pk", flat=True)),
            organisation_ids=frozenset(self.organisations.values_list("pk", flat=True)),
        )


class BookingQuerySet(models.QuerySet):
    def for_user(self, user):
        """The bookings a signed-in school booker may see: their organisation's, and for
        a trust's booker, its member schools' too."""
        booker = getattr(user, "booker", None) if user.is_authenticated else None
        if booker is None:
            return self.none()
        organisation = booker.organisation
        return self.filter(
            Q(organisation=organisation) | Q(organisation__trust=organisation)
            if organisation.is_trust
            else Q(organisation=organisation)
        )


class Booking(models.Model):
    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    cohort = models.ForeignKey("bookings.Cohort", on_delete=models.PROTECT, related_name="bookings")
    organisation = models.ForeignKey(
        "bookings.Organisation",
        on_delete=models.PROTECT,
        related_name="bookings",
        help_text="The school whose staff attend.",
    )
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        max_length=12, choices=BookingStatus.choices, default=BookingStatus.PENDING
    )
    places = models.PositiveSmallIntegerField()
    payment_method = models.CharField(
        max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.INVOICE
    )
    po_number = models.CharField("purchase-order number", max_length=40, blank=True)
    billing_name = models.CharField(max_length=200)
    billing_address = models.TextField()
    billing_postcode = models.CharField(max_length=10)
    finance_email = models.EmailField()
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    early_bird = models.BooleanField(default=False)
    # The review page's token: a double submit, a reload or the back button finds the
    # booking already made instead of making a second one.
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.reference}: {self.organisation} on {self.cohort}"

    @property
    def net_total(self):
        return sum((line.net for line in self.lines.all()), money(0))

    @property
    def vat_total(self):
        return sum((line.vat for line in self.lines.all()), money(0))

    @property
    def gross_total(self):
        return self.net_total + self.vat_total

    @property
    def is_active(self):
        return self.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)

    @property
    def awaits_card_payment(self):
        """Pending until Stripe says the card payment succeeded (free places need none)."""
        return (
            self.status == BookingStatus.PENDING
            and self.payment_method == PaymentMethod.CARD
            and self.gross_total > 0
        )

    def active_delegates(self):
        return [d for d in self.delegates.all() if d.cancelled_at is None]

    def places_to_name(self):
        return self.places - sum(1 for d in self.active_delegates() if d.is_named)


class BookingLine(models.Model):
    """A priced line of a booking, fixed when the booking is made; the invoice copies it."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.IntegerField()
    unit_net = models.DecimalField(max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "position"], name="one_line_per_position")
        ]

    def __str__(self):
        return self.description

    def as_line(self):
        return Line(self.description, self.quantity, self.unit_net, self.vat_rate)

    @property
    def net(self):
        return self.as_line().net

    @property
    def vat(self):
        return self.as_line().vat

    @property
    def gross(self):
        return self.as_line().gross


class Delegate(models.Model):
    """A place on a booking: a named member of staff, or 'to be named' until the
    cohort's naming deadline."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="delegates")
    # Copied from the booking so that the database itself refuses the same person twice
    # on one cohort.
    cohort = models.ForeignKey("bookings.Cohort", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=160, blank=True)
    email = models.EmailField(blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    substitutes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="substituted_by",
        help_text="The delegate whose place this one took.",
    )
    # The private calendar feed's address; reset to cut off an old link.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, default=new_calendar_token, editable=False
    )
    # Set when the joining details are sent, so that each delegate gets them once however
    # often the office confirms or the booker names.
    joining_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "email"],
                condition=Q(cancelled_at__isnull=True) & ~Q(email=""),
                name="one_place_per_person_per_cohort",
            )
        ]

    def __str__(self):
        return self.name or "To be named"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_named(self):
        return bool(self.name and self.email)

    def reset_calendar_token(self):
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])


class HoldReason(models.TextChoices):
    EMAIL_CONFIRMATION = "email", "Waiting for the booker to confirm their email"
    CARD_PAYMENT = "card", "Waiting for card payment"
    WAITING_LIST_OFFER = "offer", "Offered from the waiting list"


class HoldQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(released_at__isnull=True, expires_at__gt=now or timezone.now())


class Hold(models.Model):
    """Places kept aside for a limited time. They count against capacity until they
    expire or are released, so a place held for one school cannot be sold to another."""

    cohort = models.ForeignKey("bookings.Cohort", on_delete=models.CASCADE, related_name="holds")
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="holds"
    )
    places = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=10, choices=HoldReason.choices)
    expires_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HoldQuerySet.as_manager()

    class Meta:
        ordering = ["expires_at"]

    def __str__(self):
        return f"{self.places} held until {timezone.localtime(self.expires_at):%d/%m/%Y %H:%M}"

    def is_active(self, now=None):
        return self.released_at is None and self.expires_at > (now or timezone.now())


class BookingEvent(models.Model):
    """One entry in a booking's history: who did what, and when."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} at {timezone.localtime(self.at):%d/%m/%Y %H:%M}"
