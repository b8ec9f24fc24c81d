"""The provider admins' side of bookings in the Wagtail admin (bookings/wagtail_hooks.py,
bookings/admin_views.py)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts import roles
from bookings.admin_views import LONDON, XERO_COLUMNS, postal_address, term_range
from bookings.models import (
    Booking,
    BookingStatus,
    Cohort,
    DocumentKind,
    Invoice,
    Organisation,
    Payment,
)
from bookings.services.booking import (
    BookingRequest,
    DelegateDetails,
    cancel_booking,
    place_booking,
)
from bookings.services.invoicing import record_payment

from . import factories

pytestmark = pytest.mark.django_db

LISTINGS = [
    "bookings_organisations:index",
    "bookings_bookers:index",
    "bookings_cohorts:index",
    "bookings_bookings:index",
    "bookings_invoices:index",
    "bookings_payments:index",
    "bookings_vouchers:index",
]
ADD_VIEWS = [
    "bookings_organisations:add",
    "bookings_bookers:add",
    "bookings_cohorts:add",
    "bookings_payments:add",
    "bookings_vouchers:add",
]


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


@pytest.fixture
def office(make_user):
    return make_user(roles.PROVIDER_ADMINS, first_name="Olive", last_name="Office")


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


def book(cohort, *, places=2, named=None, org=None, po_number="PO-4471"):
    """A confirmed, invoiced booking by a new booker (at a new school unless given)."""
    user = factories.booker(org)
    school = user.booker.organisation
    named = places if named is None else named
    delegates = [
        DelegateDetails(f"Teacher {i}", f"teacher{i}@{school.pk}.school.example", "Teacher")
        for i in range(named)
    ]
    request = BookingRequest(
        cohort_id=cohort.pk,
        organisation_id=school.pk,
        places=places,
        delegates=delegates,
        po_number=po_number,
    )
    return place_booking(request, user)


def rows_of(response):
    text = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(text.decode("utf-8"))))


def invoice_snapshot(invoice):
    fresh = Invoice.objects.get(pk=invoice.pk)
    return (fresh.number, fresh.kind, fresh.buyer_name, fresh.gross_total, fresh.po_number)


# --- Who may see it ---------------------------------------------------------------------


def test_provider_admins_hold_the_bookings_permissions(office):
    # Granted by accounts/permissions.py after migrating, not by this test.
    for codename in (
        "view_booking",
        "change_booking",
        "view_invoice",
        "add_payment",
        "view_payment",
        "change_cohort",
        "add_organisation",
        "change_voucher",
    ):
        assert office.has_perm(f"bookings.{codename}"), codename
    for codename in ("delete_booking", "change_invoice", "delete_invoice", "change_payment"):
        assert not office.has_perm(f"bookings.{codename}"), codename


@pytest.mark.parametrize("url_name", LISTINGS + ADD_VIEWS)
def test_every_screen_opens_for_provider_admins(office_client, url_name):
    assert office_client.get(reverse(url_name)).status_code == 200


def test_the_bookings_menu_is_shown_to_provider_admins_only(client, office, make_user):
    client.force_login(office)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("bookings_invoices:index") in page
    client.force_login(make_user(roles.EDITORS))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("bookings_invoices:index") not in page
    assert "/admin/bookings/" not in page


@pytest.mark.parametrize("role", [roles.EDITORS, roles.MODERATORS, roles.ASSESSORS, "booker"])
def test_other_roles_are_turned_away(client, make_user, role):
    cohort = factories.cohort()
    booking = book(cohort)
    invoice = booking.invoices.get()
    user = factories.booker() if role == "booker" else make_user(role)
    client.force_login(user)
    urls = [reverse(name) for name in LISTINGS + ADD_VIEWS] + [
        reverse("bookings_bookings:inspect", args=[booking.pk]),
        reverse("bookings_bookings:cancel", args=[booking.pk]),
        reverse("bookings_invoices:inspect", args=[invoice.pk]),
        reverse("bookings_invoices:accounting_export"),
        reverse("bookings_cohorts:delegates", args=[cohort.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"] != url
    # Nor can they cancel a booking or record a payment by posting.
    client.post(reverse("bookings_bookings:cancel", args=[booking.pk]), {"reason": "Sneaky"})
    client.post(
        reverse("bookings_payments:add"),
        {
            "invoice": invoice.pk,
            "amount": "10.00",
            "received_on": "01/02/2026",
            "method": "bank_transfer",
        },
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Payment.objects.filter(invoice=invoice).exists()


# --- Listings ---------------------------------------------------------------------------


def test_the_cohort_listing_shows_places_booked_of_capacity(office_client):
    cohort = factories.cohort(capacity=20, title="Admin listing test")
    book(cohort, places=2)
    response = office_client.get(reverse("bookings_cohorts:index"), {"q": "Admin listing test"})
    assert list(response.context["object_list"]) == [cohort]
    page = response.content.decode()
    assert "2 of 20" in page
    assert timezone.localtime(cohort.starts_at).strftime("%d/%m/%Y") in page


def test_terms_run_autumn_september_to_december_spring_to_march_summer_to_august():
    assert term_range("autumn-2026") == (
        datetime.datetime(2026, 9, 1, tzinfo=LONDON),
        datetime.datetime(2027, 1, 1, tzinfo=LONDON),
    )
    assert term_range("spring-2027") == (
        datetime.datetime(2027, 1, 1, tzinfo=LONDON),
        datetime.datetime(2027, 4, 1, tzinfo=LONDON),
    )
    assert term_range("summer-2027") == (
        datetime.datetime(2027, 4, 1, tzinfo=LONDON),
        datetime.datetime(2027, 9, 1, tzinfo=LONDON),
    )


def test_cohorts_filter_by_the_terms_that_have_cohorts(office_client):
    soon = factories.cohort(title="Soon", days_ahead=30)
    # Half a year on is always another term (the longest, summer, is five months).
    later = factories.cohort(title="Later", days_ahead=30 + 182)
    soon_term, later_term = soon.term, later.term
    assert soon_term != later_term
    response = office_client.get(reverse("bookings_cohorts:index"))
    page = response.content.decode()
    assert soon_term in page and later_term in page

    value = soon_term.lower().replace(" ", "-")
    response = office_client.get(reverse("bookings_cohorts:index"), {"term": value})
    shown = list(response.context["object_list"])
    assert soon in shown and later not in shown


def test_cohorts_filter_by_course_and_status(office_client):
    ambassador = factories.cohort("coaching-ambassador", status="open")
    closed = factories.cohort("coaching-ambassador", status="closed")
    index = reverse("bookings_cohorts:index")
    shown = list(office_client.get(index, {"status": "closed"}).context["object_list"])
    assert closed in shown and ambassador not in shown
    other = Cohort.objects.exclude(course=ambassador.course_id).first()
    course = ambassador.course_id
    shown = list(office_client.get(index, {"course": course}).context["object_list"])
    assert ambassador in shown and (other is None or other not in shown)


def test_organisations_filter_by_partner_and_search_by_postcode(office_client):
    partner = factories.organisation("Partner Primary", is_partner=True, postcode="YO1 7HH")
    other = factories.organisation("Other Academy", postcode="LS2 9JT")
    index = reverse("bookings_organisations:index")
    shown = list(office_client.get(index, {"is_partner": "true"}).context["object_list"])
    assert partner in shown and other not in shown
    shown = list(office_client.get(index, {"q": "LS2 9"}).context["object_list"])
    assert other in shown and partner not in shown


def test_the_organisation_listing_exports_a_spreadsheet(office_client):
    factories.organisation("=Formula School", postcode="YO1 7HH")
    response = office_client.get(reverse("bookings_organisations:index"), {"export": "csv"})
    assert response.status_code == 200
    assert 'filename="organisations.csv"' in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0][:3] == ["Name", "Kind", "Trust"]
    # A name that a spreadsheet would run as a formula is neutralised.
    assert ["'=Formula School", "School"] in [row[:2] for row in rows]


def test_bookings_filter_by_status_and_course_and_search_by_po_number(office_client):
    cohort = factories.cohort()
    kept = book(cohort, po_number="PO-KEEP-1")
    cancelled = book(cohort, po_number="PO-GONE-2")
    cancel_booking(cancelled, reason="Changed plans")
    index = reverse("bookings_bookings:index")

    def shown(**query):
        return {b.pk for b in office_client.get(index, query).context["object_list"]}

    assert shown(cohort=cohort.pk) == {kept.pk, cancelled.pk}
    assert shown(cohort=cohort.pk, status="cancelled") == {cancelled.pk}
    assert shown(q="PO-KEEP-1") == {kept.pk}
    on_course = shown(course=cohort.course_id)
    assert {kept.pk, cancelled.pk} <= on_course
    assert set(
        Booking.objects.filter(pk__in=on_course).values_list("cohort__course", flat=True)
    ) == {cohort.course_id}
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert shown(cohort=cohort.pk, created_at_from=today) == {kept.pk, cancelled.pk}
    shown = office_client.get(index, {"created_at_to": "01/01/2001"}).context["object_list"]
    assert list(shown) == []


def test_the_booking_listing_exports_a_spreadsheet(office_client):
    cohort = factories.cohort()
    booking = book(cohort, places=2)
    response = office_client.get(
        reverse("bookings_bookings:index"), {"cohort": cohort.pk, "export": "csv"}
    )
    rows = rows_of(response)
    assert len(rows) == 2
    header, row = rows
    assert row[header.index("Reference")] == booking.reference
    assert row[header.index("Total incl. VAT")] == "468.00"


def _count_listing_queries(client, url):
    client.get(url)  # warm caches (content types, site) so both counts are like for like
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url_name",
    ["bookings_bookings:index", "bookings_invoices:index", "bookings_cohorts:index"],
)
def test_listing_queries_do_not_grow_with_the_number_of_bookings(office_client, url_name):
    cohort = factories.cohort(capacity=50, title="Query count")
    for _ in range(3):
        book(cohort, po_number="PO-QCOUNT")
    # Only this test's rows (the demo site has bookings of its own), all on one page.
    query = {
        "bookings_bookings:index": f"?cohort={cohort.pk}",
        "bookings_invoices:index": "?q=PO-QCOUNT",
        "bookings_cohorts:index": "?q=Query+count",
    }[url_name]
    url = reverse(url_name) + query
    with_three = _count_listing_queries(office_client, url)
    for _ in range(12):
        book(cohort, places=1, po_number="PO-QCOUNT")
    assert cohort.bookings.count() == 15
    response = office_client.get(url)
    expected = {"bookings_cohorts:index": 1}.get(url_name, 15)
    assert len(response.context["object_list"]) == expected
    assert _count_listing_queries(office_client, url) == with_three


def test_the_payment_listing_queries_do_not_grow_either(office_client, office):
    cohort = factories.cohort(capacity=50)
    url = reverse("bookings_payments:index") + "?q=QCOUNT"

    def pay(n):
        for _ in range(n):
            invoice = book(cohort, places=1).invoices.get()
            record_payment(
                invoice,
                amount=Decimal("10.00"),
                received_on=timezone.localdate(),
                method="bank_transfer",
                reference="QCOUNT",
                actor=office,
            )

    pay(3)
    with_three = _count_listing_queries(office_client, url)
    pay(12)
    assert len(office_client.get(url).context["object_list"]) == 15
    assert _count_listing_queries(office_client, url) == with_three


# --- A booking's page, and cancelling it ------------------------------------------------


def test_the_booking_page_shows_delegates_lines_invoices_and_history(office_client):
    booking = book(factories.cohort(), places=3, named=2)
    invoice = booking.invoices.get()
    response = office_client.get(reverse("bookings_bookings:inspect", args=[booking.pk]))
    page = response.content.decode()
    assert booking.reference in page
    assert "Teacher 0" in page and "Teacher 1" in page
    assert "To be named" in page
    assert "Coaching Ambassador" in page  # the priced line
    assert invoice.number in page
    assert reverse("bookings:invoice-pdf", args=[invoice.number]) in page
    assert "Booked" in page and "Invoice issued" in page
    assert reverse("bookings_bookings:cancel", args=[booking.pk]) in page


def test_getting_the_cancel_page_changes_nothing(office_client):
    booking = book(factories.cohort())
    response = office_client.get(reverse("bookings_bookings:cancel", args=[booking.pk]))
    assert response.status_code == 200
    assert "Cancel the booking" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not booking.invoices.filter(kind=DocumentKind.CREDIT_NOTE).exists()


def test_cancelling_needs_a_reason(office_client):
    booking = book(factories.cohort())
    url = reverse("bookings_bookings:cancel", args=[booking.pk])
    response = office_client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancelling_issues_a_credit_note_and_says_which(office_client, office):
    booking = book(factories.cohort(capacity=20))
    invoice = booking.invoices.get()
    url = reverse("bookings_bookings:cancel", args=[booking.pk])
    response = office_client.post(url, {"reason": "The school closed for snow"}, follow=True)
    inspect_url = reverse("bookings_bookings:inspect", args=[booking.pk])
    assert response.redirect_chain[-1][0] == inspect_url
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    note = booking.invoices.get(kind=DocumentKind.CREDIT_NOTE)
    assert note.credited_invoice == invoice
    assert note.reason == "The school closed for snow"
    assert note.gross_total == invoice.gross_total
    page = response.content.decode()
    assert f"Credit note {note.number} issued" in page
    assert booking.history.get(action="cancelled").actor == office
    # Not offered again, and a second post does nothing.
    assert url not in page
    office_client.post(url, {"reason": "Again"})
    assert booking.invoices.filter(kind=DocumentKind.CREDIT_NOTE).count() == 1


# --- Invoices: no edit, no delete -------------------------------------------------------


@pytest.mark.parametrize("view", ["add", "edit", "delete", "copy", "history", "usage"])
def test_invoices_have_no_url_for_changing_them(view):
    with pytest.raises(NoReverseMatch):
        reverse(f"bookings_invoices:{view}", args=[] if view == "add" else [1])


@pytest.mark.parametrize("user_kind", ["office", "superuser"])
def test_no_guessed_url_changes_or_deletes_an_invoice(client, office, django_user_model, user_kind):
    user = office
    if user_kind == "superuser":
        user = django_user_model.objects.create_superuser(
            email="root@test.example", password="x" * 20, first_name="R", last_name="Oot"
        )
    client.force_login(user)
    invoice = book(factories.cohort()).invoices.get()
    before, documents = invoice_snapshot(invoice), Invoice.objects.count()
    base = reverse("bookings_invoices:index")
    for guess in ["new/", f"edit/{invoice.pk}/", f"delete/{invoice.pk}/", f"copy/{invoice.pk}/"]:
        for method in (client.get, client.post):
            response = method(base + guess, {"buyer_name": "Changed", "number": "X"})
            assert response.status_code == 404, (guess, method)
    assert invoice_snapshot(invoice) == before
    assert Invoice.objects.count() == documents
    # Nor is there a link to an edit or delete page anywhere on its screens.
    inspect = reverse("bookings_invoices:inspect", args=[invoice.pk])
    for url in (f"{base}?q={invoice.number}", inspect):
        page = client.get(url).content.decode()
        assert f"{base}edit/" not in page and f"{base}delete/" not in page
        assert invoice.number in page


def test_the_invoice_page_shows_its_lines_and_pdf_link(office_client):
    invoice = book(factories.cohort(), places=2).invoices.get()
    page = office_client.get(reverse("bookings_invoices:inspect", args=[invoice.pk]))
    page = page.content.decode()
    assert reverse("bookings:invoice-pdf", args=[invoice.number]) in page
    assert "£195.00" in page and "£468.00" in page
    assert reverse("bookings_payments:add") + f"?invoice={invoice.pk}" in page


def test_invoices_filter_by_kind_and_search_by_po(office_client):
    booking = book(factories.cohort(), po_number="PO-SNOW-9")
    book(factories.cohort(), po_number="PO-OTHER-1")
    cancel_booking(booking, reason="Snow")
    index = reverse("bookings_invoices:index")
    shown = office_client.get(index, {"q": "PO-SNOW-9"}).context["object_list"]
    assert {i.booking_id for i in shown} == {booking.pk}
    assert len(shown) == 2  # the invoice and its credit note
    query = {"q": "PO-SNOW-9", "kind": "credit_note"}
    shown = office_client.get(index, query).context["object_list"]
    assert [i.kind for i in shown] == [DocumentKind.CREDIT_NOTE]


# --- The accounting export --------------------------------------------------------------


def test_the_accounting_export_has_one_row_per_line_in_xero_layout(office_client):
    cohort = factories.cohort()
    booking = book(cohort, places=2)
    invoice = booking.invoices.get()
    response = office_client.get(reverse("bookings_invoices:accounting_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    rows = rows[:1] + [row for row in rows[1:] if row[7] == invoice.number]
    assert rows[0] == [
        "ContactName",
        "EmailAddress",
        "POAddressLine1",
        "POAddressLine2",
        "POAddressLine3",
        "POCity",
        "POPostalCode",
        "InvoiceNumber",
        "Reference",
        "InvoiceDate",
        "DueDate",
        "Description",
        "Quantity",
        "UnitAmount",
        "AccountCode",
        "TaxType",
        "Currency",
    ]
    assert rows[0] == XERO_COLUMNS
    lines = list(invoice.lines.all())
    assert len(rows) == 1 + len(lines)
    row = dict(zip(rows[0], rows[1], strict=True))
    school = booking.organisation
    assert row["ContactName"] == school.name
    assert row["EmailAddress"] == school.finance_email
    street, town = school.address.splitlines()
    assert (row["POAddressLine1"], row["POAddressLine2"], row["POCity"]) == (street, "", town)
    assert row["POPostalCode"] == "LS1 1AA"
    assert row["InvoiceNumber"] == invoice.number
    assert row["Reference"] == "PO-4471"
    assert row["InvoiceDate"] == invoice.issue_date.strftime("%d/%m/%Y")
    assert row["DueDate"] == invoice.due_date.strftime("%d/%m/%Y")
    assert row["Description"] == lines[0].description
    assert row["Quantity"] == "2"
    assert row["UnitAmount"] == "195.00"  # excluding VAT
    assert row["AccountCode"] == "200"
    assert row["TaxType"] == "20% (VAT on Income)"
    assert row["Currency"] == "GBP"


def test_credit_notes_are_exported_with_negative_quantities(office_client):
    booking = book(factories.cohort(), places=2, po_number="PO-CN-77")
    invoice = booking.invoices.get()
    _, (note,) = cancel_booking(booking, reason="Cancelled by the school")
    rows = rows_of(
        office_client.get(reverse("bookings_invoices:accounting_export"), {"q": "PO-CN-77"})
    )
    by_number = {}
    for row in rows[1:]:
        by_number.setdefault(row[7], []).append(dict(zip(rows[0], row, strict=True)))
    assert set(by_number) == {invoice.number, note.number}
    (credit,) = by_number[note.number]
    assert credit["Quantity"] == "-2"
    assert credit["UnitAmount"] == "195.00"
    assert credit["Reference"] == f"Credit against {invoice.number}, PO PO-CN-77"
    assert credit["DueDate"] == credit["InvoiceDate"]
    # Invoice total and credit total cancel out.
    total = sum(
        Decimal(r["Quantity"]) * Decimal(r["UnitAmount"]) for rs in by_number.values() for r in rs
    )
    assert total == 0


def test_the_accounting_export_follows_the_listing_filters(office_client):
    booking = book(factories.cohort(), places=2, po_number="PO-FILTER-5")
    book(factories.cohort(), places=1, po_number="PO-FILTER-5")
    _, (note,) = cancel_booking(booking, reason="Snow")
    query = {"q": "PO-FILTER-5", "kind": "credit_note"}
    listing = office_client.get(reverse("bookings_invoices:index"), query)
    export_url = reverse("bookings_invoices:accounting_export")
    export_url += "?q=PO-FILTER-5&amp;kind=credit_note"  # as written in the page's HTML
    assert export_url in listing.content.decode()
    rows = rows_of(office_client.get(reverse("bookings_invoices:accounting_export"), query))
    assert [row[7] for row in rows[1:]] == [note.number]
    rows = rows_of(
        office_client.get(reverse("bookings_invoices:accounting_export"), {"q": "PO-FILTER-5"})
    )
    assert len(rows) == 1 + 3  # two invoices and a credit note, one line each
    rows = rows_of(
        office_client.get(reverse("bookings_invoices:accounting_export"), {"q": "nothing-like"})
    )
    assert rows[1:] == []


def test_zero_rated_lines_are_exported_as_zero_rated_income():
    from bookings.admin_views import tax_type

    assert tax_type(Decimal("20.00")) == "20% (VAT on Income)"
    assert tax_type(Decimal("0.00")) == "Zero Rated Income"
    assert tax_type(Decimal("5.00")) == "5% (VAT on Income)"


def test_the_town_is_taken_from_the_last_address_line():
    assert postal_address("1 School Lane\nHeadingley\nLeeds", "LS6 3AA") == (
        ["1 School Lane", "Headingley", ""],
        "Leeds",
    )
    assert postal_address("1 School Lane\nLeeds\nLS6 3AA", "LS6 3AA") == (
        ["1 School Lane", "", ""],
        "Leeds",
    )
    assert postal_address("Main Street", "LS6 3AA") == (["Main Street", "", ""], "")


# --- The trainer's delegate list ---------------------------------------------------------


def test_the_delegate_list_names_everyone_expected_on_the_day(office_client):
    cohort = factories.cohort()
    first = book(cohort, places=3, named=2)
    gone = book(cohort, places=1)
    cancel_booking(gone, reason="Illness")
    response = office_client.get(reverse("bookings_cohorts:delegates", args=[cohort.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    school = first.organisation.name
    assert rows == [
        ["Name", "Email", "Job title", "School", "Booking reference"],
        ["Teacher 0", f"teacher0@{first.organisation_id}.school.example", "Teacher", school,
         first.reference],
        ["Teacher 1", f"teacher1@{first.organisation_id}.school.example", "Teacher", school,
         first.reference],
        ["To be named", "", "", school, first.reference],
    ]  # fmt: skip


def test_the_delegate_list_is_offered_from_the_cohort_listing(office_client):
    cohort = factories.cohort(title="Delegate list test")
    index = reverse("bookings_cohorts:index")
    page = office_client.get(index, {"q": "Delegate list test"}).content.decode()
    assert reverse("bookings_cohorts:delegates", args=[cohort.pk]) in page


# --- Payments ------------------------------------------------------------------------------


def _payment_form(invoice, amount):
    return {
        "invoice": invoice.pk,
        "amount": amount,
        "received_on": timezone.localdate().strftime("%Y-%m-%d"),
        "method": "bank_transfer",
        "reference": "BACS 0042",
    }


def test_recording_a_payment_makes_the_invoice_part_paid(office_client, office):
    invoice = book(factories.cohort(), places=2).invoices.get()
    response = office_client.post(
        reverse("bookings_payments:add"), _payment_form(invoice, "100.00"), follow=True
    )
    assert response.status_code == 200
    payment = Payment.objects.get(invoice=invoice)
    assert payment.amount == Decimal("100.00")
    assert payment.recorded_by == office
    assert payment.reference == "BACS 0042"
    invoice = Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        pk=invoice.pk
    )
    assert invoice.status_label() == "Part paid"
    assert invoice.balance_due == Decimal("368.00")
    assert f"{invoice.number}, which is now part paid" in response.content.decode()


def test_more_than_the_balance_is_refused_at_the_amount_field(office_client):
    invoice = book(factories.cohort(), places=2).invoices.get()
    response = office_client.post(
        reverse("bookings_payments:add"), _payment_form(invoice, "468.01")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["amount"]
    assert "£468.00 still due" in errors["amount"][0]
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_credit_notes_are_not_offered_for_payment(office_client):
    booking = book(factories.cohort())
    _, (note,) = cancel_booking(booking, reason="Snow")
    response = office_client.post(reverse("bookings_payments:add"), _payment_form(note, "1.00"))
    assert "invoice" in response.context["form"].errors
    assert not Payment.objects.filter(invoice=note).exists()


def test_only_invoices_with_money_owed_are_offered(office_client, office):
    paid = book(factories.cohort(), places=1).invoices.get()
    owing = book(factories.cohort(), places=1).invoices.get()
    record_payment(paid, amount=paid.gross_total, received_on=timezone.localdate(), method="card")
    record_payment(owing, amount=Decimal("34.00"), received_on=timezone.localdate(), method="card")
    response = office_client.get(reverse("bookings_payments:add"))
    choices = dict(response.context["form"].fields["invoice"].choices)
    labels = {str(label) for label in choices.values()}
    assert not any(paid.number in label for label in labels)
    assert f"{owing.number}: {owing.buyer_name}, £200.00 due" in labels
    response = office_client.post(reverse("bookings_payments:add"), _payment_form(paid, "1.00"))
    assert "invoice" in response.context["form"].errors
    assert paid.payments.count() == 1


def test_admin_links_to_documents_go_to_pages_that_exist(office):
    from wagtail.admin.admin_url_finder import AdminURLFinder

    booking = book(factories.cohort())
    invoice = booking.invoices.get()
    payment = record_payment(
        invoice, amount=Decimal("1.00"), received_on=timezone.localdate(), method="card"
    )
    finder = AdminURLFinder()  # no user: the URL regardless of permissions
    assert finder.get_edit_url(invoice) == reverse("bookings_invoices:inspect", args=[invoice.pk])
    assert finder.get_edit_url(booking) == reverse("bookings_bookings:inspect", args=[booking.pk])
    assert finder.get_edit_url(payment) is None
    school = booking.organisation
    assert finder.get_edit_url(school) == reverse("bookings_organisations:edit", args=[school.pk])


@pytest.mark.parametrize("view", ["edit", "delete", "copy", "inspect"])
def test_payments_cannot_be_edited_or_deleted(view):
    with pytest.raises(NoReverseMatch):
        reverse(f"bookings_payments:{view}", args=[1])


# --- Vouchers ------------------------------------------------------------------------------


def test_the_voucher_listing_shows_uses(office_client):
    factories.voucher("ADMINTEN", max_uses=10)
    factories.voucher("ADMINOPEN")
    response = office_client.get(reverse("bookings_vouchers:index"), {"q": "ADMIN"})
    assert len(response.context["object_list"]) == 2
    page = response.content.decode()
    assert "0 of 10" in page
    assert "0 (no limit)" in page


def test_organisations_are_edited_with_the_model_panels(office_client):
    school = factories.organisation("Old Name")
    response = office_client.get(reverse("bookings_organisations:edit", args=[school.pk]))
    page = response.content.decode()
    assert "Finance" in page and "requires_po_number" in page
    data = {
        "name": "New Name",
        "kind": "school",
        "address": school.address,
        "postcode": school.postcode,
        "identifier": "",
        "finance_contact_name": "",
        "finance_email": "",
        "vat_number": "",
    }
    office_client.post(reverse("bookings_organisations:edit", args=[school.pk]), data)
    assert Organisation.objects.get(pk=school.pk).name == "New Name"


def test_the_office_cancels_a_date_from_the_admin(office_client, make_user, client):
    from django.core import mail

    from bookings.models import BookingStatus, CohortStatus

    cohort = factories.cohort(capacity=10, days_ahead=30)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, 2), user)
    url = reverse("bookings_cohorts:cancel", args=[cohort.pk])
    page = office_client.get(url).content.decode()
    assert "1 active booking will be cancelled" in page
    response = office_client.post(url, {"reason": ""})
    assert "Give the reason" in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.OPEN
    mail.outbox.clear()
    response = office_client.post(url, {"reason": "Venue flooded"})
    assert response.status_code == 302
    cohort.refresh_from_db()
    booking.refresh_from_db()
    assert cohort.status == CohortStatus.CANCELLED
    assert booking.status == BookingStatus.CANCELLED
    assert booking.invoices.filter(kind="credit_note").count() == 1


def test_the_office_moves_a_booking_from_the_admin(office_client):
    cohort = factories.cohort(capacity=10, days_ahead=30)
    target = factories.cohort(capacity=10, days_ahead=60)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, 2), user)
    url = reverse("bookings_bookings:move", args=[booking.pk])
    assert office_client.get(url).status_code == 200
    response = office_client.post(url, {"cohort": str(target.pk)})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.cohort == target


@pytest.mark.parametrize("role", [roles.EDITORS, roles.SCHOOL_BOOKERS])
def test_only_the_office_cancels_dates_or_moves_bookings(client, make_user, role):
    cohort = factories.cohort(capacity=10, days_ahead=30)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, 1), user)
    client.force_login(make_user(role))
    for url in (
        reverse("bookings_cohorts:cancel", args=[cohort.pk]),
        reverse("bookings_bookings:move", args=[booking.pk]),
    ):
        response = client.post(url, {"reason": "x", "cohort": str(cohort.pk)})
        assert response.status_code in (302, 403)
    cohort.refresh_from_db()
    assert cohort.status == "open"
