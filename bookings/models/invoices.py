"""VAT invoices and credit notes, their numbering, and payments received.

An issued document is never edited or deleted: not through the model, not through a
queryset, not in the admin. A mistake or a cancellation is put right with a credit note
that references the invoice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from courses.pricing import money


class ImmutableDocumentError(Exception):
    """Raised on any attempt to change or delete an issued invoice or credit note."""


@register_setting(icon="doc-full-inverse")
class InvoicingSettings(BaseGenericSetting):
    """The seller's details copied onto every invoice and credit note when it is issued."""

    seller_name = models.CharField(max_length=160, default="Northlight Coaching Ltd")
    seller_address = models.TextField(blank=True)
    vat_number = models.CharField("VAT number", max_length=20, blank=True)
    company_number = models.CharField(max_length=20, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days from the invoice date to when payment is due."
    )
    bank_name = models.CharField(max_length=80, blank=True)
    bank_account_name = models.CharField(max_length=120, blank=True)
    sort_code = models.CharField(max_length=8, blank=True)
    account_number = models.CharField(max_length=8, blank=True)
    invoice_prefix = models.CharField(max_length=6, default="INV")
    credit_note_prefix = models.CharField(max_length=6, default="CN")
    contact_email = models.EmailField(blank=True, help_text="For questions about invoices.")

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("seller_name"),
                FieldPanel("seller_address"),
                FieldRowPanel([FieldPanel("vat_number"), FieldPanel("company_number")]),
                FieldPanel("contact_email"),
            ],
            heading="Seller",
        ),
        MultiFieldPanel(
            [
                FieldPanel("payment_terms_days"),
                FieldRowPanel([FieldPanel("bank_name"), FieldPanel("bank_account_name")]),
                FieldRowPanel([FieldPanel("sort_code"), FieldPanel("account_number")]),
            ],
            heading="Payment",
        ),
        FieldRowPanel([FieldPanel("invoice_prefix"), FieldPanel("credit_note_prefix")]),
    ]

    class Meta:
        verbose_name = "invoicing"


class DocumentCounter(models.Model):
    """The last number used per prefix and year, taken under a row lock when issuing."""

    prefix = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_counter_per_prefix_year")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableDocumentError("Issued invoices and credit notes cannot be changed.")

    def delete(self):
        raise ImmutableDocumentError("Issued invoices and credit notes cannot be deleted.")

    # Bulk writes would slip past save(); they are refused too.
    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableDocumentError("Issued invoices and credit notes cannot be changed.")


class ImmutableModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocumentError(
                f"{self._meta.verbose_name.capitalize()} {self.pk} has been issued and cannot "
                "be changed; issue a credit note instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocumentError(
            f"{self._meta.verbose_name.capitalize()} {self.pk} has been issued and cannot be "
            "deleted; issue a credit note instead."
        )


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class InvoiceStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PART_PAID = "part_paid", "Part paid"
    PAID = "paid", "Paid"
    OVERDUE = "overdue", "Overdue"
    CREDITED = "credited", "Credited in full"
    REFUND_DUE = "refund_due", "Refund due"
    CREDIT_NOTE = "credit_note", "Credit note"


class Invoice(ImmutableModel):
    """A VAT invoice or a credit note, with the seller's and buyer's details copied on
    at issue so that later edits to either never change a document already sent."""

    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    number = models.CharField(max_length=20, unique=True)
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="invoices"
    )
    organisation = models.ForeignKey(
        "bookings.Organisation", on_delete=models.PROTECT, related_name="invoices"
    )
    credited_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="For a credit note: the invoice it credits.",
    )
    issued_at = models.DateTimeField()
    time_of_supply = models.DateField(
        help_text="The tax point: the issue date, as the invoice comes before the course."
    )
    due_date = models.DateField(null=True, blank=True)
    seller_name = models.CharField(max_length=160)
    seller_address = models.TextField()
    seller_vat_number = models.CharField(max_length=20, blank=True)
    seller_company_number = models.CharField(max_length=20, blank=True)
    buyer_name = models.CharField(max_length=200)
    buyer_address = models.TextField()
    buyer_postcode = models.CharField(max_length=10)
    buyer_email = models.EmailField()
    buyer_vat_number = models.CharField(max_length=20, blank=True)
    po_number = models.CharField("purchase-order number", max_length=40, blank=True)
    supply_description = models.CharField(
        max_length=300, blank=True, help_text="The course and dates supplied, as at issue."
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    payment_instructions = models.TextField(blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Why a credit note was issued.")
    net_total = models.DecimalField(max_digits=10, decimal_places=2)
    vat_total = models.DecimalField(max_digits=10, decimal_places=2)
    gross_total = models.DecimalField(max_digits=10, decimal_places=2)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return self.number

    @property
    def is_credit_note(self):
        return self.kind == DocumentKind.CREDIT_NOTE

    @property
    def title(self):
        return "Credit note" if self.is_credit_note else "VAT invoice"

    # --- Money owed: worked out from payments and credit notes, never stored ----------

    def _prefetched_sum(self, relation, field):
        return sum((getattr(item, field) for item in getattr(self, relation).all()), money(0))

    @property
    def amount_received(self):
        return self._prefetched_sum("payments", "amount")

    @property
    def amount_refunded(self):
        """Refunds made or on their way (a failed refund gave nothing back)."""
        return sum((r.amount for r in self.refunds.all() if r.status != "failed"), money(0))

    @property
    def amount_paid(self):
        """What the buyer has paid and kept paid: received, less refunded."""
        return self.amount_received - self.amount_refunded

    @property
    def amount_credited(self):
        return self._prefetched_sum("credit_notes", "gross_total")

    @property
    def refund_due(self):
        """Money to give back: paid, then credited (a paid booking that was cancelled)."""
        if self.is_credit_note:
            return money(0)
        return max(self.amount_paid + self.amount_credited - self.gross_total, money(0))

    @property
    def balance_due(self):
        if self.is_credit_note:
            return money(0)
        return max(self.gross_total - self.amount_credited - self.amount_paid, money(0))

    def status(self, today=None):
        if self.is_credit_note:
            return InvoiceStatus.CREDIT_NOTE
        today = today or timezone.localdate()
        if self.refund_due > 0:
            return InvoiceStatus.REFUND_DUE
        if self.gross_total > 0 and self.amount_credited >= self.gross_total:
            return InvoiceStatus.CREDITED
        if self.balance_due == 0:
            return InvoiceStatus.PAID
        if self.due_date and today > self.due_date:
            return InvoiceStatus.OVERDUE
        if self.amount_paid > 0:
            return InvoiceStatus.PART_PAID
        return InvoiceStatus.UNPAID

    def status_label(self, today=None):
        return InvoiceStatus(self.status(today)).label

    @property
    def issue_date(self):
        return timezone.localtime(self.issued_at).date()

    @property
    def filename(self):
        return f"{self.number}.pdf"


class InvoiceLine(ImmutableModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.IntegerField()
    unit_net = models.DecimalField("unit price excluding VAT", max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField("VAT rate (%)", max_digits=5, decimal_places=2)
    net = models.DecimalField(max_digits=10, decimal_places=2)
    vat = models.DecimalField(max_digits=10, decimal_places=2)
    gross = models.DecimalField(max_digits=10, decimal_places=2)
    credits_position = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="On a credit note: the invoice line it credits."
    )

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="one_invoice_line_per_position"
            )
        ]

    def __str__(self):
        return self.description


class PaymentMethodReceived(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer (BACS)"
    CARD = "card", "Card"
    CHEQUE = "cheque", "Cheque"
    OTHER = "other", "Other"


class Payment(models.Model):
    """Money received against an invoice (recorded by an admin, or by the card
    payment provider in the next issue)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    received_on = models.DateField(default=timezone.localdate)
    method = models.CharField(
        max_length=20,
        choices=PaymentMethodReceived.choices,
        default=PaymentMethodReceived.BANK_TRANSFER,
    )
    reference = models.CharField(max_length=80, blank=True, help_text="e.g. the bank reference.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("invoice"),
        FieldRowPanel([FieldPanel("amount"), FieldPanel("received_on")]),
        FieldRowPanel([FieldPanel("method"), FieldPanel("reference")]),
    ]

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            # A card payment is recorded once, however many times Stripe tells us of it.
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(method="card") & ~Q(reference=""),
                name="one_payment_per_card_charge",
            )
        ]

    def __str__(self):
        return f"£{self.amount} on {self.received_on:%d/%m/%Y} for {self.invoice}"


class InvoiceReminder(models.Model):
    """A reminder sent about an invoice; one of each kind, so nobody is chased twice."""

    DUE = "due"
    OVERDUE = "overdue"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, default=OVERDUE)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="one_reminder_of_each_kind")
        ]

    def __str__(self):
        return f"{self.kind} reminder for {self.invoice}"
