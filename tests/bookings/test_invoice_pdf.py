"""Invoice and credit-note PDFs, checked by reading the PDF back with pypdf.

The expected figures are written out by hand below rather than taken from the invoice, so
that a slip in how the template formats money shows up as a failure.
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from bookings import pdf
from bookings.models import (
    Booker,
    Booking,
    BookingLine,
    Cohort,
    CohortSession,
    CohortStatus,
    InvoicingSettings,
    Organisation,
    OrganisationKind,
)
from bookings.pdf import DocumentRenderError, StaticOnlyFetcher
from bookings.services.invoicing import CreditRequest, issue_credit_note, issue_invoice
from courses.models import CoursePage

LONDON = timezone.get_default_timezone()
A4 = (595.28, 841.89)  # points
LINES = [
    # description, quantity, unit price excluding VAT, VAT rate
    ("Certificate in Coaching Competence: delegate place", 3, "1450.00", "20.00"),
    ("Early-bird discount", 3, "-75.00", "20.00"),
    ("Printed course workbook", 3, "12.50", "0.00"),
    ("Follow-up supervision call for the school's coaching lead", 1, "180.25", "20.00"),
]


def london(year, month, day, hour=10):
    return timezone.make_aware(datetime.datetime(year, month, day, hour), LONDON)


@dataclass
class Read:
    """A PDF read back: its text in reading order, and its visual rows (layout mode keeps
    a label and its value on one row, and each table row together)."""

    reader: PdfReader
    text: str
    rows: list[str]

    def has_row(self, fragment):
        return any(fragment in row for row in self.rows)


def squash(text):
    return " ".join(text.split())


def read(data):
    reader = PdfReader(io.BytesIO(data))
    text = squash(" ".join(page.extract_text() for page in reader.pages))
    rows = [
        squash(row)
        for page in reader.pages
        for row in page.extract_text(extraction_mode="layout").splitlines()
        if row.strip()
    ]
    return Read(reader, text, rows)


@pytest.fixture
def seller(db):
    settings = InvoicingSettings.load()
    settings.seller_name = "Northlight Coaching Ltd"
    settings.seller_address = "Unit 4, Calder Mill\nMill Lane\nHebden Bridge\nHX7 8AB"
    settings.vat_number = "GB123456789"
    settings.company_number = "09876543"
    settings.bank_name = "Pennine Bank"
    settings.bank_account_name = "Northlight Coaching Ltd"
    settings.sort_code = "12-34-56"
    settings.account_number = "12345678"
    settings.save()
    return settings


@pytest.fixture
def booking(db, make_user):
    school = Organisation.objects.create(
        name="Brookside Primary School",
        kind=OrganisationKind.SCHOOL,
        address="Brookside Primary School\n12 Beck Road\nOtley",
        postcode="LS21 3QT",
        finance_email="finance@brookside.example",
        vat_number="GB555666777",
    )
    user = make_user(email="head@brookside.example")
    Booker.objects.create(user=user, organisation=school)
    cohort = Cohort.objects.create(
        course=CoursePage.objects.get(slug="certificate-in-coaching-competence"),
        status=CohortStatus.OPEN,
        capacity=16,
        title="Leeds",
    )
    CohortSession.objects.create(
        cohort=cohort,
        title="Day 1",
        starts_at=london(2027, 1, 14, 9),
        ends_at=london(2027, 1, 14, 16),
        venue="Northlight Centre\n1 Park Row\nLeeds LS1 5HD",
    )
    cohort.save()  # takes its dates from the session
    booking = Booking.objects.create(
        cohort=cohort,
        organisation=school,
        booker=user,
        places=3,
        po_number="PO-BPS-4471",
        billing_name="Brookside Primary School",
        billing_address="Finance Office\nBrookside Primary School\n12 Beck Road\nOtley",
        billing_postcode="LS21 3QT",
        finance_email="finance@brookside.example",
    )
    for position, (description, quantity, unit_net, vat_rate) in enumerate(LINES, start=1):
        BookingLine.objects.create(
            booking=booking,
            position=position,
            description=description,
            quantity=quantity,
            unit_net=Decimal(unit_net),
            vat_rate=Decimal(vat_rate),
        )
    return booking


@pytest.fixture
def invoice(seller, booking):
    return issue_invoice(booking, now=london(2026, 11, 24))


@pytest.fixture
def credit_note(invoice):
    return issue_credit_note(
        invoice, reason="The school withdrew before the course", now=london(2026, 12, 2)
    )


def test_invoice_shows_every_vat_invoice_field(invoice):
    document = read(pdf.render_document_pdf(invoice))
    assert invoice.number.startswith("INV-2026-")
    for text in [
        "VAT invoice",
        "Northlight Coaching Ltd",
        "Unit 4, Calder Mill Mill Lane Hebden Bridge HX7 8AB",
        "Brookside Primary School Finance Office Brookside Primary School 12 Beck Road Otley "
        "LS21 3QT",
        "Certificate in Coaching Competence · 14 Jan 2027 · Leeds",
    ]:
        assert text in document.text, text
    # Each label with its value beside it.
    for row in [
        f"VAT invoice number {invoice.number}",
        "Date of issue 24 November 2026",
        "Tax point 24 November 2026",
        "Payment due by 24 December 2026",
        "Your order (PO) no. PO-BPS-4471",
        f"Booking reference {invoice.booking.reference}",
        "VAT registration no. GB123456789",
        "Company no. 09876543",
        "Customer VAT no. GB555666777",
    ]:
        assert document.has_row(row), row


def test_addresses_keep_their_lines(invoice):
    rows = read(pdf.render_document_pdf(invoice)).rows
    # Supplier on the left, customer on the right, one address line per row.
    for row in [
        "Northlight Coaching Ltd Brookside Primary School",
        "Unit 4, Calder Mill Finance Office",
        "Mill Lane Brookside Primary School",
        "Hebden Bridge 12 Beck Road",
        "HX7 8AB Otley",
    ]:
        assert row in rows, row


def test_invoice_lines_and_totals(invoice):
    document = read(pdf.render_document_pdf(invoice))
    for description, *_ in LINES:
        assert description in document.text, description
    # Pence always shown; the discount has its sign before the pound sign.
    for row in [
        "3 £1,450.00 20% £4,350.00 £870.00 £5,220.00",
        "Early-bird discount 3 -£75.00 20% -£225.00 -£45.00 -£270.00",
        "Printed course workbook 3 £12.50 0% £37.50 £0.00 £37.50",
        "1 £180.25 20% £180.25 £36.05 £216.30",
        "Total excluding VAT £4,342.75",
        "VAT £861.05",
        "Total payable £5,203.80",
    ]:
        assert document.has_row(row), row


def test_invoice_says_when_and_how_to_pay(invoice):
    document = read(pdf.render_document_pdf(invoice))
    assert "30 days from the date of issue, so please pay by 24 December 2026" in document.text
    assert "Pennine Bank, sort code 12-34-56, account number 12345678" in document.text
    assert f"quoting {invoice.number} as the reference" in document.text


def test_credit_note_names_the_invoice_it_cancels(invoice, credit_note):
    document = read(pdf.render_document_pdf(credit_note))
    assert credit_note.number.startswith("CN-2026-")
    assert document.has_row(f"Credit note number {credit_note.number}")
    assert document.has_row("Date of issue 2 December 2026")
    assert f"cancels invoice {invoice.number}, issued on 24 November 2026" in document.text
    assert "Reason: The school withdrew before the course" in document.text
    assert document.has_row("Total credited £5,203.80")
    # A credit note asks for no money, so it has no due date or payment details.
    for text in ["Total payable", "Payment due", "sort code", "VAT invoice"]:
        assert text not in document.text, text
    assert document.reader.metadata.title == f"Credit note {credit_note.number}"


def test_partial_credit_note_reduces_the_invoice(seller, booking):
    # Only an invoice without a discount can be credited in part (see issue_credit_note).
    booking.lines.filter(unit_net__lt=0).delete()
    invoice = issue_invoice(booking, now=london(2026, 11, 24))
    note = issue_credit_note(
        invoice, reason="One delegate fewer", credits=[CreditRequest(position=1, quantity=1)]
    )
    document = read(pdf.render_document_pdf(note))
    assert f"reduces invoice {invoice.number}" in document.text
    assert document.has_row("Total credited £1,740.00")


def test_pdf_is_a4_titled_and_repeatable(invoice):
    data = pdf.render_document_pdf(invoice)
    document = read(data)
    for page in document.reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=1)
    assert document.reader.metadata.title == f"VAT invoice {invoice.number}"
    assert "/CreationDate" not in document.reader.metadata
    assert document.has_row("Page 1 of 1")
    # No dates, no random identifier: the same document gives the same bytes.
    assert pdf.render_document_pdf(invoice) == data


def test_long_invoice_runs_on_with_headings_and_page_numbers(seller, booking):
    for position in range(len(LINES) + 1, 81):
        BookingLine.objects.create(
            booking=booking,
            position=position,
            description=f"Delegate workbook, named copy number {position}",
            quantity=1,
            unit_net=Decimal("10.00"),
            vat_rate=Decimal("20.00"),
        )
    invoice = issue_invoice(booking, now=london(2026, 11, 24))
    reader = read(pdf.render_document_pdf(invoice)).reader
    pages = [squash(page.extract_text()) for page in reader.pages]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if "named copy number" in page:  # the table's heading repeats on every page of it
            assert "Description Qty Unit price excl. VAT" in page
    assert sum("Description Qty Unit price excl. VAT" in page for page in pages) >= 2
    everything = " ".join(pages)
    for position in range(len(LINES) + 1, 81):
        assert everything.count(f"named copy number {position} ") == 1, position
    assert everything.count("Total payable £6,115.80") == 1


def test_rendering_costs_two_queries(invoice, credit_note, django_assert_num_queries):
    for document in (invoice, credit_note):
        fresh = type(document).objects.get(pk=document.pk)
        with django_assert_num_queries(2):
            pdf.render_document_pdf(fresh)


def test_response_is_a_pdf_download(invoice):
    response = pdf.document_pdf_response(invoice)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF-")
    inline = pdf.document_pdf_response(invoice, inline=True)
    assert inline["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/logo.png",
        "http://127.0.0.1/logo.png",
        "data:image/svg+xml,<svg/>",
        "data:image/png;base64,not base64!",
        "data:image/png;base64,R0lGODlhAQABAAAAACw=",  # a GIF, not a PNG
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/hostname",
        "{static}/../pyproject.toml",
        "{static}/img/",
        "{static}/img/missing.svg",
        "file://otherhost{path}/img/favicon.svg",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    root = pdf.static_dir()
    with pytest.raises(ValueError, match="Refusing"):
        StaticOnlyFetcher(root).fetch(url.format(static=root.as_uri(), path=root.as_posix()))


def test_fetcher_reads_small_inline_pngs_only():
    import base64

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    root = pdf.static_dir()
    response = StaticOnlyFetcher(root).fetch(
        "data:image/png;base64," + base64.b64encode(png).decode()
    )
    assert response.read() == png
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (64 * 1024)
    with pytest.raises(ValueError, match="Refusing"):
        StaticOnlyFetcher(root).fetch("data:image/png;base64," + base64.b64encode(big).decode())


def test_fetcher_reads_static_files():
    root = pdf.static_dir()
    response = StaticOnlyFetcher(root).fetch((root / "img" / "favicon.svg").as_uri())
    assert response.content_type == "image/svg+xml"
    assert response.read().startswith(b"<svg")


def test_a_refused_resource_stops_the_rendering(invoice, monkeypatch):
    template = '<img src="https://example.com/tracker.png">{{ invoice.number }}'
    monkeypatch.setattr(pdf, "render_document_html", lambda document: template)
    with pytest.raises(DocumentRenderError, match="example.com"):
        pdf.render_document_pdf(invoice)


def test_each_thread_keeps_one_font_configuration_and_draws_the_same_document(invoice):
    import threading

    html = pdf.render_document_html(invoice)  # the database is read here, in this thread
    first = pdf.render_pdf(html, invoice.number)
    assert pdf.font_config() is pdf.font_config()
    others, documents = [], []

    def draw():
        others.append(pdf.font_config())
        documents.append(pdf.render_pdf(html, invoice.number))
        documents.append(pdf.render_pdf(html, invoice.number))

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(config) for config in [pdf.font_config(), *others]}) == 3
    assert documents == [first] * 4


@pytest.mark.parametrize(
    "rule",
    [
        "@font-face { font-family: X; src: local(DejaVu Sans); }",
        "@FONT-FACE { font-family: X; src: url(img/x.woff2); }",
    ],
)
def test_a_font_of_its_own_is_refused_as_the_kept_font_configuration_would_grow(rule):
    with pytest.raises(DocumentRenderError, match="installed fonts only"):
        pdf.render_pdf(f"<style>{rule}</style><p>Number</p>", "x")


def test_words_about_fonts_in_what_people_wrote_are_only_words():
    data = pdf.render_pdf("<p>We looked at @font-face rules in CSS.</p>", "x")
    assert data.startswith(b"%PDF-")


def test_the_fetcher_refuses_font_files():
    root = pdf.static_dir()
    with pytest.raises(ValueError, match="installed fonts only"):
        StaticOnlyFetcher(root).fetch((root / "img" / "favicon.svg").with_suffix(".woff2").as_uri())
