"""Who may see what: every bookings view and download, for each role and a visitor who
is not signed in. Another organisation's booking or invoice is 'not found' (404), the
same answer as for one that does not exist, so ids and numbers cannot be probed."""

import pytest
from django.urls import reverse

from accounts import roles
from bookings.models import CohortStatus, WaitingListEntry
from bookings.services.booking import BookingRequest, DelegateDetails, place_booking

from . import factories

pytestmark = pytest.mark.django_db

OTHER_ROLES = [roles.EDITORS, roles.MODERATORS, roles.ASSESSORS, roles.PARTICIPANTS]


@pytest.fixture
def booked():
    factories.invoicing_settings()
    cohort = factories.cohort()
    owner = factories.booker()
    booking = place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=owner.booker.organisation_id,
            places=1,
            delegates=[DelegateDetails("Jo", "jo@perm.example")],
        ),
        owner,
    )
    WaitingListEntry.objects.create(
        cohort=factories.cohort(),
        organisation=owner.booker.organisation,
        booker=owner,
        places=2,
        contact_name="Jo",
        contact_email="jo@perm.example",
    )
    return owner, booking, booking.invoices.get()


def private_urls(booking, invoice):
    entry = WaitingListEntry.objects.get(organisation=booking.organisation)
    return {
        "waiting list": reverse("bookings:waiting-offer", args=[entry.token]),
        "booking": reverse("bookings:booking-detail", args=[booking.reference]),
        "calendar": reverse("bookings:booking-calendar", args=[booking.reference]),
        "name delegates": reverse("bookings:name-delegates", args=[booking.reference]),
        "invoice": reverse("bookings:invoice-pdf", args=[invoice.number]),
        "cancel": reverse("bookings:cancel", args=[booking.reference]),
        "substitute": reverse(
            "bookings:substitute", args=[booking.reference, booking.delegates.first().pk]
        ),
    }


def test_signed_out_visitors_are_asked_to_sign_in(client, booked):
    _, booking, invoice = booked
    for name, url in private_urls(booking, invoice).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("accounts:sign-in")), name


def test_the_booker_of_the_organisation_sees_everything(client, booked):
    owner, booking, invoice = booked
    client.force_login(owner)
    for name, url in private_urls(booking, invoice).items():
        assert client.get(url).status_code == 200, name


def test_a_colleague_at_the_same_school_sees_it_too(client, booked):
    owner, booking, invoice = booked
    colleague = factories.booker(owner.booker.organisation)
    client.force_login(colleague)
    for name, url in private_urls(booking, invoice).items():
        assert client.get(url).status_code == 200, name


def test_a_trust_booker_sees_member_schools_bookings_but_not_the_reverse(client):
    factories.invoicing_settings()
    trust = factories.organisation(kind="trust")
    member = factories.organisation(trust=trust)
    trust_booker = factories.booker(trust)
    school_booker = factories.booker(member)
    cohort = factories.cohort()
    by_trust = place_booking(
        BookingRequest(cohort_id=cohort.pk, organisation_id=member.pk, places=1), trust_booker
    )
    client.force_login(school_booker)
    assert (
        client.get(reverse("bookings:booking-detail", args=[by_trust.reference])).status_code == 200
    )
    other = factories.organisation(trust=trust)
    other_booker = factories.booker(other)
    own = place_booking(
        BookingRequest(cohort_id=cohort.pk, organisation_id=other.pk, places=1), other_booker
    )
    client.force_login(trust_booker)
    assert client.get(reverse("bookings:booking-detail", args=[own.reference])).status_code == 200
    client.force_login(school_booker)
    assert client.get(reverse("bookings:booking-detail", args=[own.reference])).status_code == 404


def test_another_schools_booker_gets_not_found(client, booked):
    _, booking, invoice = booked
    client.force_login(factories.booker())
    for name, url in private_urls(booking, invoice).items():
        assert client.get(url).status_code == 404, name
    # ...the same as for a booking or invoice that does not exist.
    assert client.get(reverse("bookings:booking-detail", args=["B-NOSUCH1"])).status_code == 404
    assert client.get(reverse("bookings:invoice-pdf", args=["INV-1999-00001"])).status_code == 404


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_get_not_found(client, booked, make_user, role):
    _, booking, invoice = booked
    client.force_login(make_user(role))
    for name, url in private_urls(booking, invoice).items():
        assert client.get(url).status_code == 404, (role, name)


def test_provider_admins_download_any_invoice_but_use_the_admin_for_bookings(
    client, booked, make_user
):
    _, booking, invoice = booked
    client.force_login(make_user(roles.PROVIDER_ADMINS))
    urls = private_urls(booking, invoice)
    assert client.get(urls["invoice"]).status_code == 200
    assert client.get(urls["booking"]).status_code == 404  # their view is the admin's
    assert client.get(urls["name delegates"]).status_code == 404
    admin_page = f"/admin/bookings/bookings/inspect/{booking.pk}/"
    assert client.get(admin_page).status_code == 200


@pytest.mark.parametrize(
    "role", [None, roles.EDITORS, roles.ASSESSORS, roles.PARTICIPANTS, roles.SCHOOL_BOOKERS]
)
def test_the_booking_form_and_public_calendar_are_open_but_drafts_and_reserved_runs_are_not(
    client, make_user, role
):
    if role:
        client.force_login(make_user(role))
    listed = factories.cohort()
    draft = factories.cohort(status=CohortStatus.DRAFT)
    reserved = factories.cohort(reserved_for=factories.organisation(kind="trust"))
    assert client.get(reverse("bookings:book", args=[listed.pk])).status_code == 200
    assert client.get(reverse("bookings:cohort-calendar", args=[listed.pk])).status_code == 200
    assert client.get(reverse("bookings:book", args=[draft.pk])).status_code == 404
    assert client.get(reverse("bookings:cohort-calendar", args=[draft.pk])).status_code == 404
    assert client.get(reverse("bookings:cohort-calendar", args=[reserved.pk])).status_code == 404


def test_someone_elses_review_page_shows_nothing_of_theirs(client, booked):
    _, booking, _ = booked
    client.force_login(factories.booker())
    url = reverse("bookings:review", args=[booking.cohort_id, booking.idempotency_key])
    assert client.get(url).status_code == 404


def test_a_forged_email_confirmation_link_is_refused(client):
    response = client.get(reverse("bookings:confirm-email", args=["not-a-real-token"]))
    assert response.status_code == 400
    assert "does not work" in response.content.decode()


def test_joining_links_wait_until_the_booking_is_confirmed(client):
    cohort = factories.cohort()
    session = cohort.sessions.get()
    session.venue = ""
    session.online_url = "https://meet.example/private-room"
    session.save()
    newcomer = factories.booker(confirmed=False)
    booking = place_booking(
        BookingRequest(
            cohort_id=cohort.pk, organisation_id=newcomer.booker.organisation_id, places=1
        ),
        newcomer,
    )
    client.force_login(newcomer)
    url = reverse("bookings:booking-calendar", args=[booking.reference])
    assert "private-room" not in client.get(url).content.decode()
    from bookings.services.booking import confirm_pending_booking

    confirm_pending_booking(booking)
    assert "private-room" in client.get(url).content.decode()


# --- The office's new pages: registers, waiting lists, go-ahead, refunds ---------------------


def office_urls(booking, invoice):
    session = booking.cohort.sessions.get()
    return {
        "registers": reverse("bookings:registers"),
        "register": reverse("bookings:register", args=[session.pk]),
        "register pdf": reverse("bookings:register-pdf", args=[session.pk]),
        "waiting list (admin)": reverse("bookings_cohorts:waiting", args=[booking.cohort_id]),
        "confirm date (admin)": reverse("bookings_cohorts:confirm", args=[booking.cohort_id]),
        "refund to card (admin)": reverse("bookings_invoices:refund", args=[invoice.pk]),
    }


def test_signed_out_visitors_are_sent_to_sign_in_for_office_pages(client, booked):
    _, booking, invoice = booked
    for name, url in office_urls(booking, invoice).items():
        assert client.get(url).status_code == 302, name


@pytest.mark.parametrize("role", [*OTHER_ROLES, roles.SCHOOL_BOOKERS])
def test_office_pages_are_refused_to_everyone_else(client, booked, make_user, role):
    owner, booking, invoice = booked
    client.force_login(owner if role == roles.SCHOOL_BOOKERS else make_user(role))
    for name, url in office_urls(booking, invoice).items():
        status = client.get(url).status_code
        # Front-end registers say 404; the Wagtail admin sends a refused user away.
        assert status in (302, 403, 404), (role, name, status)


def test_provider_admins_use_the_office_pages(client, booked, make_user):
    _, booking, invoice = booked
    client.force_login(make_user(roles.PROVIDER_ADMINS))
    for name, url in office_urls(booking, invoice).items():
        assert client.get(url).status_code == 200, name
