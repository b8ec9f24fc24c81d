"""A school booker in the browser: signing up while booking, paying by invoice,
downloading the invoice; every mistake shown at its field; axe on every page."""

import re

import pytest
from django.core import mail
from pypdf import PdfReader

from bookings.models import Booking, Invoice, Voucher

from ..bookings import factories
from .conftest import serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page, axe_source):
    bad = serious_axe_violations(page, axe_source)
    assert bad == [], f"{page.url}: {bad}"


def fill_new_booker(page):
    page.get_by_label("First name").fill("Priya")
    page.get_by_label("Last name").fill("Shah")
    page.get_by_label("Your email").fill("priya.shah@brookfield.example")
    page.get_by_label("Choose a password").fill("a-long-and-unusual-passphrase")
    page.get_by_label("Your job title").fill("School business manager")
    page.get_by_label("School or organisation name").fill("Brookfield Primary School")
    page.get_by_label("Type of organisation").select_option("school")
    page.locator("#id_organisation-address").fill("12 Mill Road\nOtley")
    page.locator("#id_organisation-postcode").fill("LS21 3QT")
    page.get_by_label("Finance office email").fill("finance@brookfield.example")


def fill_two_delegates(page):
    page.get_by_label("Number of places").fill("2")
    page.locator("#id_delegates-0-name").fill("Jo Bloggs")
    page.locator("#id_delegates-0-email").fill("jo@brookfield.example")
    page.locator("#id_delegates-1-name").fill("Sam Lee")
    page.locator("#id_delegates-1-email").fill("sam@brookfield.example")


def test_new_booker_signs_up_books_two_places_and_downloads_the_invoice(site, page, axe_source):
    factories.invoicing_settings()
    cohort = factories.cohort(capacity=12, title="Leeds, test run")

    page.goto(site.url + cohort.course.url)
    assert_accessible(page, axe_source)
    page.locator(f'a[href="/bookings/book/{cohort.pk}/"]').first.click()
    page.wait_for_url(f"**/bookings/book/{cohort.pk}/")
    assert_accessible(page, axe_source)

    fill_new_booker(page)
    fill_two_delegates(page)
    page.get_by_label("Purchase-order (PO) number").fill("PO-BR-2231")
    page.get_by_role("button", name="Check the price and details").click()
    page.wait_for_url("**/review/**")
    assert page.get_by_role("heading", name="Check your booking").is_visible()
    assert page.get_by_test_id("total-payable").inner_text() == "£468"
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url("**/bookings/B-*/")
    assert "confirm your email" in page.content()
    assert_accessible(page, axe_source)

    link = re.search(r"http://testserver(/bookings/confirm-email/\S+/)", mail.outbox[-1].body)
    page.goto(site.url + link.group(1))
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Confirm my email").click()
    assert page.get_by_role("heading", name=re.compile("email is confirmed")).is_visible()
    assert_accessible(page, axe_source)

    booking = Booking.objects.get(booker__email="priya.shah@brookfield.example")
    invoice = Invoice.objects.get(booking=booking)
    page.goto(site.url + f"/bookings/{booking.reference}/")
    assert_accessible(page, axe_source)
    page.goto(site.url + f"/bookings/{booking.reference}/delegates/")
    assert_accessible(page, axe_source)
    page.goto(site.url + "/accounts/")
    assert page.get_by_text(invoice.number).first.is_visible()
    assert_accessible(page, axe_source)

    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download {invoice.number}").click()
    pdf = PdfReader(download.value.path())
    # Table cells wrap, so compare with the line breaks taken out.
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    for expected in [
        invoice.number,
        "PO-BR-2231",
        "GB 123 4567 89",
        booking.lines.get().description,
    ]:
        assert expected in text, expected
    assert re.search(r"VAT(?: total)?\s+£78\.00", text) or "£78.00" in text, text
    assert "£468.00" in text


def _another_school_books(cohort, places=1, email="jo@brookfield.example"):
    from bookings.services.booking import BookingRequest, DelegateDetails, place_booking

    other = factories.booker()
    place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=other.booker.organisation_id,
            places=places,
            delegates=[DelegateDetails("Jo Elsewhere", email)] if email else [],
        ),
        other,
    )


def _reserve_for_a_trust(cohort):
    cohort.reserved_for = factories.organisation(kind="trust")
    cohort.save()


def _close(cohort):
    cohort.status = "closed"
    cohort.save()


# (what goes wrong, course, fields to change, where the message shows, words in it,
#  something that happens after the form was opened and before it is sent)
BAD_INPUT = [
    ("more delegates than places", None, {"#id_booking-places": "1"}, "delegates", "for 1", None),
    (
        "the same delegate twice",
        None,
        {"#id_delegates-1-email": "jo@brookfield.example"},
        "delegates",
        "named twice",
        None,
    ),
    (
        "a delegate already booked on this date",
        None,
        {},
        "delegates",
        "already has a place",
        lambda cohort: _another_school_books(cohort),
    ),
    (
        "the date filled up meanwhile",
        None,
        {},
        "booking-places",
        "full",
        lambda cohort: _another_school_books(cohort, places=cohort.capacity, email=None),
    ),
    ("the date was closed meanwhile", None, {}, "cohort", "not open", _close),
    (
        "a date reserved for another school meanwhile",
        None,
        {},
        "cohort",
        "reserved",
        lambda cohort: _reserve_for_a_trust(cohort),
    ),
    (
        "an expired voucher",
        None,
        {"#id_booking-voucher_code": "OLD"},
        "booking-voucher_code",
        "expired",
        None,
    ),
    (
        "a used-up voucher",
        None,
        {"#id_booking-voucher_code": "USEDUP"},
        "booking-voucher_code",
        "used",
        None,
    ),
    (
        "a package below its minimum",
        "recognition-framework",
        {"#id_booking-places": "2"},
        "booking-places",
        "at least 3",
        None,
    ),
    (
        "a package above its maximum",
        "certificate-in-coaching-competence",
        {"#id_booking-places": "7"},
        "booking-places",
        "at most 6",
        None,
    ),
    ("a missing PO number", None, {"#id_booking-po_number": ""}, "booking-po_number", "PO", None),
]


@pytest.mark.parametrize(
    ("kind", "course", "fill", "where", "words", "meanwhile"),
    BAD_INPUT,
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_shown_at_its_field_with_everything_kept(
    site, page, axe_source, kind, course, fill, where, words, meanwhile
):
    import datetime

    from .conftest import PASSWORD

    factories.invoicing_settings()
    factories.voucher("OLD", valid_until=datetime.date(2020, 1, 1))
    used_up = factories.voucher("USEDUP", max_uses=2)
    Voucher.objects.filter(pk=used_up.pk).update(times_used=2)
    cohort = factories.cohort(course or "coaching-ambassador", capacity=10)
    org = factories.organisation("Brookfield Primary School", requires_po_number=True)
    factories.booker(org, email="priya@brookfield.example", password=PASSWORD)

    page.goto(site.url + f"/accounts/sign-in/?next=/bookings/book/{cohort.pk}/")
    page.get_by_label("Email address").fill("priya@brookfield.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/bookings/book/{cohort.pk}/")
    fill_two_delegates(page)
    page.locator("#id_booking-po_number").fill("PO-1")
    for selector, value in fill.items():
        page.locator(selector).fill(value)
    if meanwhile:
        meanwhile(cohort)
    page.get_by_role("button", name="Check the price and details").click()
    page.wait_for_load_state()

    if where in ("delegates", "cohort"):
        message = page.locator(f"#{where}-error")
    else:
        message = page.locator(f"[id^=error_][id$=_id_{where}]")
        # The field itself is marked invalid, which screen readers announce.
        assert "is-invalid" in page.locator(f"#id_{where}").get_attribute("class")
    assert words in message.inner_text(), kind
    assert page.locator("#id_delegates-1-name").input_value() == "Sam Lee"
    assert page.locator("#id_booking-billing_address").input_value() == org.address
    assert page.locator("#id_booking-po_number").input_value() == fill.get(
        "#id_booking-po_number", "PO-1"
    )
    assert not Booking.objects.filter(organisation=org).exists()
    assert_accessible(page, axe_source)


def test_admin_cancels_a_booking_and_the_booker_sees_the_credit_note(site, new_page, axe_source):
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import User
    from bookings.services.booking import BookingRequest, DelegateDetails, place_booking

    from .conftest import PASSWORD

    factories.invoicing_settings()
    cohort = factories.cohort()
    booker = factories.booker(email="bea@school.example", password=PASSWORD)
    booking = place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=booker.booker.organisation_id,
            places=1,
            delegates=[DelegateDetails("Jo Bloggs", "jo@school.example")],
            po_number="PO-55",
        ),
        booker,
    )
    admin = User.objects.create_user(email="ada@coaching.example", password=PASSWORD)
    admin.groups.add(Group.objects.get(name=roles.PROVIDER_ADMINS))

    office = new_page()
    office.goto(site.url + "/admin/login/")
    office.get_by_label("Email address").fill("ada@coaching.example")
    office.get_by_label("Password").fill(PASSWORD)
    office.get_by_role("button", name="Sign in").click()
    office.wait_for_url(site.url + "/admin/")
    office.goto(f"{site.url}/admin/bookings/bookings/inspect/{booking.pk}/")
    office.get_by_role("link", name="Cancel booking").first.click()
    office.get_by_label("Why is the booking being cancelled?").fill("The school asked to cancel")
    office.get_by_role("button", name="Cancel the booking").click()
    office.wait_for_url(f"**/inspect/{booking.pk}/")
    note = Invoice.objects.get(booking=booking, kind="credit_note")
    assert office.get_by_text(note.number).first.is_visible()

    school = new_page()
    school.goto(site.url + "/accounts/sign-in/")
    school.get_by_label("Email address").fill("bea@school.example")
    school.get_by_label("Password").fill(PASSWORD)
    school.get_by_role("button", name="Sign in").click()
    school.wait_for_url(site.url + "/accounts/")
    row = school.get_by_role("row").filter(has_text=note.number)
    assert "Credit note" in row.inner_text()
    assert "against " + booking.invoices.get(kind="invoice").number in row.inner_text()
    assert_accessible(school, axe_source)


def test_naming_a_place_left_to_be_named(site, page, axe_source):
    from bookings.services.booking import BookingRequest, place_booking

    from .conftest import PASSWORD

    factories.invoicing_settings()
    cohort = factories.cohort()
    booker = factories.booker(email="bea@school.example", password=PASSWORD)
    booking = place_booking(
        BookingRequest(
            cohort_id=cohort.pk, organisation_id=booker.booker.organisation_id, places=2
        ),
        booker,
    )
    page.goto(site.url + "/accounts/sign-in/?next=/accounts/")
    page.get_by_label("Email address").fill("bea@school.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Name 2 delegates").click()
    assert_accessible(page, axe_source)
    page.locator("#id_delegates-0-name").fill("Sam Lee")
    page.locator("#id_delegates-0-email").fill("sam@school.example")
    page.keyboard.press("Enter")  # the form works from the keyboard alone
    page.wait_for_url(f"**/bookings/{booking.reference}/")
    assert page.get_by_text("Sam Lee (sam@school.example)").is_visible()
    assert booking.delegates.filter(email="sam@school.example").exists()
