"""Issued invoices and credit notes: immutable, exact reversals, never issued twice."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import ImmutableDocumentError, Invoice, InvoiceLine
from bookings.services.booking import BookingRequest, DelegateDetails, place_booking
from bookings.services.invoicing import (
    CreditRequest,
    InvoicingError,
    issue_credit_note,
    issue_invoice,
    record_payment,
)

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    factories.invoicing_settings()
    factories.voucher("TENOFF", kind="percent", value=Decimal("10"))
    cohort = factories.cohort()
    user = factories.booker()
    booking = place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=user.booker.organisation_id,
            places=3,
            delegates=[DelegateDetails("Jo", "jo@x.example")],
            po_number="PO-1",
            voucher_code="TENOFF",
        ),
        user,
    )
    return booking.invoices.get()


def test_an_issued_invoice_cannot_be_saved_again(invoice):
    invoice.po_number = "PO-CHANGED"
    with pytest.raises(ImmutableDocumentError):
        invoice.save()
    assert Invoice.objects.get(pk=invoice.pk).po_number == "PO-1"


def test_an_issued_invoice_cannot_be_deleted(invoice):
    with pytest.raises(ImmutableDocumentError):
        invoice.delete()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_querysets_refuse_to_change_or_delete_documents(invoice):
    line = invoice.lines.first()
    with pytest.raises(ImmutableDocumentError):
        Invoice.objects.filter(pk=invoice.pk).update(po_number="x")
    with pytest.raises(ImmutableDocumentError):
        InvoiceLine.objects.filter(pk=line.pk).update(quantity=99)
    with pytest.raises(ImmutableDocumentError):
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(ImmutableDocumentError):
        InvoiceLine.objects.filter(pk=line.pk).delete()
    with pytest.raises(ImmutableDocumentError):
        Invoice.objects.bulk_update([invoice], ["po_number"])
    line.quantity = 99
    with pytest.raises(ImmutableDocumentError):
        line.save()
    assert Invoice.objects.get(pk=invoice.pk).po_number == "PO-1"
    assert InvoiceLine.objects.get(pk=line.pk).quantity != 99


def test_a_credit_note_reverses_the_invoice_line_by_line(invoice):
    note = issue_credit_note(invoice, reason="Cancelled by the school")
    invoice_lines = list(invoice.lines.values_list("description", "quantity", "unit_net", "vat"))
    note_lines = list(note.lines.values_list("description", "quantity", "unit_net", "vat"))
    assert note_lines == invoice_lines
    assert len(note_lines) == 2  # the places and the voucher's discount
    for total in ("net_total", "vat_total", "gross_total"):
        assert getattr(note, total) == getattr(invoice, total)
    assert invoice.status() == "credited"
    assert invoice.balance_due == Decimal("0.00")
    with pytest.raises(InvoicingError, match="credited in full"):
        issue_credit_note(invoice, reason="Again")


def test_a_partial_credit_then_the_rest():
    factories.invoicing_settings()
    cohort = factories.cohort()
    user = factories.booker()
    booking = place_booking(
        BookingRequest(cohort_id=cohort.pk, organisation_id=user.booker.organisation_id, places=3),
        user,
    )
    invoice = booking.invoices.get()
    first = issue_credit_note(invoice, reason="One place", credits=[CreditRequest(1, 1)])
    assert first.gross_total == Decimal("234.00")  # one place at £195 + VAT
    assert first.lines.get().credits_position == 1
    rest = issue_credit_note(invoice, reason="The rest")
    assert rest.lines.get().quantity == 2
    assert first.gross_total + rest.gross_total == invoice.gross_total
    with pytest.raises(InvoicingError):
        issue_credit_note(invoice, reason="Too much", credits=[CreditRequest(1, 1)])


def test_a_credit_note_copies_the_buyer_from_the_invoice_not_from_today(invoice):
    booking = invoice.booking
    booking.billing_name = "A New Name Ltd"
    booking.po_number = "PO-NEW"
    booking.save()
    note = issue_credit_note(invoice, reason="Cancelled")
    assert note.buyer_name == invoice.buyer_name
    assert note.po_number == "PO-1"


def test_a_booking_is_never_invoiced_twice(invoice):
    with pytest.raises(InvoicingError, match="already invoiced"):
        issue_invoice(invoice.booking)
    assert invoice.booking.invoices.filter(kind="invoice").count() == 1


def test_payments_move_an_invoice_from_unpaid_to_paid(invoice):
    assert invoice.status() == "unpaid"
    record_payment(
        invoice, amount=Decimal("100.00"), received_on=timezone.localdate(), method="bank_transfer"
    )
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status() == "part_paid"
    with pytest.raises(InvoicingError) as error:
        record_payment(
            invoice, amount=invoice.gross_total, received_on=timezone.localdate(), method="cheque"
        )
    assert error.value.field == "amount"
    record_payment(
        invoice, amount=invoice.balance_due, received_on=timezone.localdate(), method="cheque"
    )
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status() == "paid"
    assert invoice.balance_due == Decimal("0.00")
    with pytest.raises(TypeError):
        record_payment(invoice, amount=10.0, received_on=timezone.localdate(), method="cheque")


def test_an_unpaid_invoice_past_its_due_date_is_overdue(invoice):
    later = invoice.due_date + datetime.timedelta(days=1)
    assert invoice.status(today=invoice.due_date) == "unpaid"
    assert invoice.status(today=later) == "overdue"


def test_no_invoice_goes_out_without_the_sellers_details():
    from bookings.models import InvoicingSettings
    from bookings.services.booking import BookingError

    settings = factories.invoicing_settings()
    settings.vat_number = ""
    settings.save()
    cohort = factories.cohort()
    user = factories.booker()
    request = BookingRequest(
        cohort_id=cohort.pk, organisation_id=user.booker.organisation_id, places=1
    )
    with pytest.raises(BookingError) as error:
        place_booking(request, user)
    assert error.value.field == "cohort"
    assert "office" in error.value.message
    assert InvoicingSettings.load().vat_number == ""


def test_a_paid_then_cancelled_booking_shows_a_refund_due(invoice):
    record_payment(
        invoice,
        amount=invoice.gross_total,
        received_on=timezone.localdate(),
        method="bank_transfer",
    )
    issue_credit_note(invoice, reason="Cancelled after paying")
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.refund_due == invoice.gross_total
    assert invoice.status() == "refund_due"


def test_the_invoice_keeps_the_course_and_dates_it_was_issued_for(invoice):
    cohort = invoice.booking.cohort
    described = invoice.supply_description
    assert cohort.course.title in described
    cohort.title = "Moved to York"
    cohort.save()
    assert Invoice.objects.get(pk=invoice.pk).supply_description == described


def test_an_invoice_with_a_discount_is_only_credited_whole(invoice):
    with pytest.raises(InvoicingError, match="credit it in full"):
        issue_credit_note(invoice, reason="One place", credits=[CreditRequest(1, 1)])
    assert not invoice.credit_notes.exists()
