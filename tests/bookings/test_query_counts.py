"""The booker's page and the lists of dates run a fixed number of queries, however many
bookings, invoices and cohorts there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.services.booking import BookingRequest, DelegateDetails, place_booking
from bookings.services.invoicing import record_payment

from . import factories

pytestmark = pytest.mark.django_db
BOOKER_PAGE_CEILING = 20
LISTING_PAGES = {
    "home": "/",
    "catalogue": "/courses/",
    "course": "/courses/coaching-ambassador/",
}


def queries(client, url):
    client.get(url)  # warm: renditions, site root paths
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def book(user, cohort, n, places=2):
    delegates = [DelegateDetails(f"Delegate {n}-{i}", f"d{n}-{i}@q.example") for i in range(places)]
    return place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=user.booker.organisation_id,
            places=places,
            delegates=delegates[:1],  # one named, one to be named
            po_number=f"PO-{n}",
        ),
        user,
    )


def add_bookings(user, count, start=0):
    from decimal import Decimal

    for n in range(start, start + count):
        booking = book(user, factories.cohort(capacity=10, days_ahead=20 + n), n)
        record_payment(
            booking.invoices.get(),
            amount=Decimal("50.00"),
            received_on=booking.created_at.date(),
            method="bank_transfer",
        )


def test_the_booker_page_does_not_grow_with_bookings(client):
    factories.invoicing_settings()
    user = factories.booker()
    client.force_login(user)
    add_bookings(user, 3)
    few = queries(client, "/accounts/")
    add_bookings(user, 12, start=3)
    html = client.get("/accounts/").content.decode()
    assert html.count("/bookings/invoices/") == 15
    many = queries(client, "/accounts/")
    assert many == few, f"grew from {few} to {many}"
    assert many <= BOOKER_PAGE_CEILING


def test_the_booking_page_does_not_grow_with_delegates(client):
    factories.invoicing_settings()
    user = factories.booker()
    client.force_login(user)
    small = book(user, factories.cohort(), 1, places=1)
    large = book(user, factories.cohort(), 2, places=8)
    assert queries(client, f"/bookings/{small.reference}/") == queries(
        client, f"/bookings/{large.reference}/"
    )


def test_lists_of_dates_do_not_grow_with_cohorts(client):
    factories.invoicing_settings()
    user = factories.booker()
    for n in range(2):
        book(user, factories.cohort(days_ahead=10 + n, sessions=2), n)
    few = {name: queries(client, url) for name, url in LISTING_PAGES.items()}
    for n in range(12):
        for slug in ("coaching-ambassador", "leading-a-coaching-school"):
            cohort = factories.cohort(slug, days_ahead=15 + n, sessions=3)
        book(user, cohort, 100 + n)
    many = {name: queries(client, url) for name, url in LISTING_PAGES.items()}
    assert many == few
