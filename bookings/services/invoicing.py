"""Issuing VAT invoices and credit notes, and recording payments against them."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses.pricing import money

from ..models import (
    Booking,
    BookingEvent,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoicingSettings,
    Payment,
)
from ..pricing import Line
from .numbering import next_document_number


class InvoicingError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def _seller():
    return InvoicingSettings.load()


def seller_details_missing(settings=None):
    """What a VAT invoice cannot go out without, in the settings' words; empty if ready."""
    settings = settings or _seller()
    required = {
        "seller name": settings.seller_name,
        "seller address": settings.seller_address,
        "VAT number": settings.vat_number,
    }
    return [name for name, value in required.items() if not value.strip()]


def payment_instructions(settings, number):
    parts = ["Please pay by bank transfer"]
    if settings.bank_account_name:
        parts.append(f"to {settings.bank_account_name}")
    if settings.bank_name:
        parts.append(f"at {settings.bank_name}")
    text = " ".join(parts)
    if settings.sort_code and settings.account_number:
        text += f", sort code {settings.sort_code}, account number {settings.account_number}"
    return f"{text}, quoting {number} as the reference."


PARTIES = (
    "seller_name",
    "seller_address",
    "seller_vat_number",
    "seller_company_number",
    "buyer_name",
    "buyer_address",
    "buyer_postcode",
    "buyer_email",
    "buyer_vat_number",
    "po_number",
    "supply_description",
)


def _parties_for_invoice(booking):
    """Seller and buyer as they are now, copied onto a new invoice."""
    settings = _seller()
    return {
        "seller_name": settings.seller_name,
        "seller_address": settings.seller_address,
        "seller_vat_number": settings.vat_number,
        "seller_company_number": settings.company_number,
        "buyer_name": booking.billing_name,
        "buyer_address": booking.billing_address,
        "buyer_postcode": booking.billing_postcode,
        "buyer_email": booking.finance_email,
        "buyer_vat_number": booking.organisation.vat_number,
        "po_number": booking.po_number,
        "supply_description": str(booking.cohort),
    }


def _create_document(*, kind, number, booking, lines, now, parties, credits=None, **fields):
    """Issue a document; `parties` are the seller's and buyer's details to copy on (a
    credit note takes them from the invoice it credits, not from today's records)."""
    lines = list(lines)
    document = Invoice.objects.create(
        kind=kind,
        number=number,
        booking=booking,
        organisation=booking.organisation,
        issued_at=now,
        time_of_supply=timezone.localtime(now).date(),
        net_total=sum((line.net for line in lines), money(0)),
        vat_total=sum((line.vat for line in lines), money(0)),
        gross_total=sum((line.gross for line in lines), money(0)),
        **parties,
        **fields,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=document,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_net=line.unit_net,
            vat_rate=line.vat_rate,
            net=line.net,
            vat=line.vat,
            gross=line.gross,
            credits_position=credits[position - 1] if credits else None,
        )
        for position, line in enumerate(lines, start=1)
    )
    return document


@transaction.atomic
def issue_invoice(booking, *, now=None, actor=None, paid_by_card=False):
    """Issue the VAT invoice for a booking's priced lines, numbered INV-<year>-<n>.

    For a booking paid by card the invoice is issued when the payment arrives (the tax
    point), is due that day and says it was paid; the payment itself is recorded by the
    caller, against this invoice.
    """
    now = now or timezone.now()
    # One invoice per booking: the booking's row lock makes a retry wait and then find it.
    Booking.objects.select_for_update().filter(pk=booking.pk).first()
    if booking.invoices.filter(kind=DocumentKind.INVOICE).exists():
        raise InvoicingError("booking", f"Booking {booking.reference} is already invoiced.")
    settings = _seller()
    missing = seller_details_missing(settings)
    if missing:
        # An issued invoice can never be corrected, so it must not go out incomplete.
        raise InvoicingError(
            "settings", f"Fill in the {', '.join(missing)} under Settings → Invoicing first."
        )
    number = next_document_number(settings.invoice_prefix, timezone.localtime(now).year)
    issue_date = timezone.localtime(now).date()
    if paid_by_card:
        due_date = issue_date
        instructions = f"Paid by card on {issue_date:%-d %B %Y}. Thank you."
    else:
        due_date = issue_date + datetime.timedelta(days=settings.payment_terms_days)
        instructions = payment_instructions(settings, number)
    invoice = _create_document(
        kind=DocumentKind.INVOICE,
        number=number,
        booking=booking,
        lines=[line.as_line() for line in booking.lines.all()],
        now=now,
        parties=_parties_for_invoice(booking),
        due_date=due_date,
        payment_terms_days=0 if paid_by_card else settings.payment_terms_days,
        payment_instructions=instructions,
    )
    BookingEvent.objects.create(
        booking=booking, actor=actor, action="invoice issued", detail=invoice.number, at=now
    )
    return invoice


def creditable_lines(invoice):
    """What is still left to credit on each line of an invoice after earlier credit
    notes, as (invoice line, quantity left). Credit-note lines name the invoice line
    they credit, so two identical lines are never confused."""
    credited = {}
    for note in invoice.credit_notes.prefetch_related("lines"):
        for line in note.lines.all():
            credited[line.credits_position] = credited.get(line.credits_position, 0) + line.quantity
    remaining = []
    for line in invoice.lines.all():
        left = line.quantity - credited.get(line.position, 0)
        if left > 0:
            remaining.append((line, left))
    return remaining


@dataclass(frozen=True)
class CreditRequest:
    """Credit `quantity` of the invoice line at `position`, at `share` of its price (a
    cancellation that the policy credits at 50% has a share of 0.5)."""

    position: int
    quantity: int
    share: Decimal = Decimal(1)


def share_label(share):
    return f"{(share * 100).normalize():f}% credit"


@transaction.atomic
def issue_credit_note(invoice, *, reason, actor=None, credits=None, share=Decimal(1), now=None):
    """Issue a credit note against an invoice: by default for everything not yet
    credited, which reverses the invoice exactly, line by line; with a `share` below 1,
    that share of it (each line's unit price times the share, to the penny)."""
    if invoice.is_credit_note:
        raise InvoicingError("invoice", "A credit note cannot itself be credited.")
    # Lock the invoice's row (a plain select; documents are never updated) so that two
    # credit notes for the same invoice are worked out one after the other.
    Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
    now = now or timezone.now()
    remaining = {line.position: (line, left) for line, left in creditable_lines(invoice)}
    has_discount = any(line.unit_net < 0 for line, _ in remaining.values())
    if credits is not None and has_discount:
        # Which share of a discount goes with which places is a judgement, not
        # arithmetic: credit such an invoice whole, then invoice what remains.
        raise InvoicingError(
            "credits", "This invoice has a discount: credit it in full and re-invoice."
        )
    if credits is None:
        credits = [
            CreditRequest(position, left, share) for position, (_, left) in remaining.items()
        ]
    lines, positions = [], []
    for request in credits:
        if request.position not in remaining or request.quantity < 1:
            raise InvoicingError("credits", "There is nothing left to credit on that line.")
        if not 0 < request.share <= 1:
            raise InvoicingError("credits", "A credit is more than 0% and at most 100%.")
        line, left = remaining[request.position]
        if request.quantity > left:
            raise InvoicingError(
                "credits", f"Only {left} of '{line.description}' can still be credited."
            )
        description, unit = line.description, line.unit_net
        if request.share != 1:
            description = f"{description} ({share_label(request.share)})"
            unit = money(line.unit_net * request.share)
        lines.append(Line(description, request.quantity, unit, line.vat_rate))
        positions.append(line.position)
    if not lines:
        raise InvoicingError("credits", f"{invoice.number} has already been credited in full.")
    settings = _seller()
    number = next_document_number(settings.credit_note_prefix, timezone.localtime(now).year)
    note = _create_document(
        kind=DocumentKind.CREDIT_NOTE,
        number=number,
        booking=invoice.booking,
        lines=lines,
        credits=positions,
        now=now,
        parties={name: getattr(invoice, name) for name in PARTIES},
        credited_invoice=invoice,
        reason=reason,
        payment_terms_days=invoice.payment_terms_days,
    )
    BookingEvent.objects.create(
        booking=invoice.booking,
        actor=actor,
        action="credit note issued",
        detail=f"{note.number} against {invoice.number}: {reason}",
        at=now,
    )
    return note


@transaction.atomic
def record_payment(invoice, *, amount, received_on, method, reference="", actor=None, now=None):
    if not isinstance(amount, Decimal):
        raise TypeError("Payment amounts are Decimal.")
    if invoice.is_credit_note:
        raise InvoicingError("invoice", "Payments are recorded against invoices, not credit notes.")
    Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
    invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        pk=invoice.pk
    )
    amount = money(amount)
    if amount <= 0:
        raise InvoicingError("amount", "Enter the amount received, more than £0.")
    if amount > invoice.balance_due:
        raise InvoicingError(
            "amount",
            f"That is more than the £{invoice.balance_due} still due on {invoice.number}.",
        )
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        received_on=received_on,
        method=method,
        reference=reference,
        recorded_by=actor,
    )
    BookingEvent.objects.create(
        booking=invoice.booking,
        actor=actor,
        action="payment recorded",
        detail=f"£{amount} against {invoice.number} ({payment.get_method_display()})",
        at=now or timezone.now(),
    )
    return payment
