"""The booking flow over HTTP: the form, the review page, confirming, the new booker's
email link, and the booker's pages."""

import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse

from bookings.models import Booker, Booking, BookingStatus, CohortStatus, Invoice
from bookings.services.booking import DelegateDetails

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


def form_data(places=2, delegates=(), **changes):
    data = {
        "booking-places": str(places),
        "booking-po_number": "PO-7781",
        "booking-billing_name": "Brookfield Primary School",
        "booking-billing_address": "12 Mill Road\nOtley",
        "booking-billing_postcode": "ls21 3qt",
        "booking-finance_email": "finance@brookfield.example",
        "booking-voucher_code": "",
        "booking-payment_method": "invoice",
        "delegates-TOTAL_FORMS": "8",
        "delegates-INITIAL_FORMS": "0",
        "delegates-MIN_NUM_FORMS": "0",
        "delegates-MAX_NUM_FORMS": "8",
    }
    for i, (name, email) in enumerate(delegates):
        data[f"delegates-{i}-name"] = name
        data[f"delegates-{i}-email"] = email
    data.update(changes)
    return data


NEW_BOOKER = {
    "account-first_name": "Priya",
    "account-last_name": "Shah",
    "account-email": "priya.shah@brookfield.example",
    "account-password": "a-long-and-unusual-passphrase",
    "account-job_title": "School business manager",
    "organisation-name": "Brookfield Primary School",
    "organisation-kind": "school",
    "organisation-address": "12 Mill Road\nOtley",
    "organisation-postcode": "LS21 3QT",
    "organisation-identifier": "107845",
    "organisation-finance_contact_name": "Alex Reed",
    "organisation-finance_email": "finance@brookfield.example",
}
TWO = [("Jo Bloggs", "jo@brookfield.example"), ("Sam Lee", "sam@brookfield.example")]


def test_a_new_booker_signs_up_books_and_confirms_their_email(
    client, django_capture_on_commit_callbacks
):
    cohort = factories.cohort(capacity=10)
    url = reverse("bookings:book", args=[cohort.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "10 places left" in page.content.decode()

    response = client.post(url, {**form_data(delegates=TWO), **NEW_BOOKER})
    assert response.status_code == 302, response.content.decode()[:2000]
    review = client.get(response.url)
    html = review.content.decode()
    assert "Check your booking" in html
    assert "£468" in html  # 2 x £195 + VAT
    assert not Booking.objects.filter(cohort=cohort).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response.url)
    booking = Booking.objects.get(cohort=cohort)
    assert done.url == reverse("bookings:booking-detail", args=[booking.reference])
    assert booking.status == BookingStatus.PENDING
    assert booking.organisation.name == "Brookfield Primary School"
    assert booking.billing_postcode == "LS21 3QT"
    booker = Booker.objects.get(user__email="priya.shah@brookfield.example")
    assert not booker.email_confirmed
    assert client.get(done.url).status_code == 200  # signed in as the new booker

    link = re.search(r"http://testserver(/bookings/confirm-email/\S+/)", mail.outbox[-1].body)
    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    assert "Confirm my email" in client.get(link.group(1)).content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(link.group(1))
    assert confirmed.status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    invoice = booking.invoices.get()
    assert invoice.po_number == "PO-7781"
    [confirmation] = [m for m in mail.outbox if "confirmed" in m.subject]
    assert confirmation.attachments[0][0] == invoice.filename

    # Reloading the review page or posting it again makes no second booking.
    again = client.post(response.url)
    assert again.status_code == 302
    assert Booking.objects.filter(cohort=cohort).count() == 1


def test_a_signed_in_booker_gets_their_school_filled_in_and_is_invoiced_at_once(
    client, django_capture_on_commit_callbacks
):
    cohort = factories.cohort()
    user = factories.booker()
    client.force_login(user)
    page = client.get(reverse("bookings:book", args=[cohort.pk])).content.decode()
    assert user.booker.organisation.name in page
    assert "account-password" not in page
    org = user.booker.organisation
    data = form_data(
        delegates=TWO,
        **{"booking-organisation": str(org.pk), "booking-billing_name": org.name},
    )
    response = client.post(reverse("bookings:book", args=[cohort.pk]), data)
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url)
    booking = Booking.objects.get(booker=user)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.invoices.count() == 1
    account = client.get(reverse("accounts:account")).content.decode()
    assert booking.invoices.get().number in account
    assert cohort.course.title in account


def errors_at(html, field_id):
    """The error message Bootstrap/crispy shows under the field with this id."""
    match = re.search(rf'id="error_\d+_id_{field_id}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    return match.group(1) if match else None


@pytest.mark.parametrize(
    ("setup", "changes", "where", "words"),
    [
        ("more_delegates", {"booking-places": "1"}, "delegates", "for 1 place"),
        (
            "same_twice",
            {"delegates-1-email": "jo@brookfield.example"},
            "delegates",
            "named twice",
        ),
        ("already_booked", {}, "delegates", "already has a place"),
        ("voucher_expired", {"booking-voucher_code": "OLD"}, "booking-voucher_code", "expired"),
        (
            "package_max",
            {"booking-places": "7", "delegates-TOTAL_FORMS": "6", "delegates-MAX_NUM_FORMS": "6"},
            "booking-places",
            "at most 6",
        ),
        ("po_required", {"booking-po_number": ""}, "booking-po_number", "purchase-order"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_lost(client, setup, changes, where, words):
    slug = "certificate-in-coaching-competence" if setup == "package_max" else "coaching-ambassador"
    cohort = factories.cohort(slug)
    org = factories.organisation(requires_po_number=(setup == "po_required"))
    user = factories.booker(org)
    if setup == "already_booked":
        other = factories.booker()
        from bookings.services.booking import BookingRequest, DelegateDetails, place_booking

        place_booking(
            BookingRequest(
                cohort_id=cohort.pk,
                organisation_id=other.booker.organisation_id,
                places=1,
                delegates=[DelegateDetails("Jo", "jo@brookfield.example")],
            ),
            other,
        )
    if setup == "voucher_expired":
        import datetime

        factories.voucher("OLD", valid_until=datetime.date(2020, 1, 1))
    client.force_login(user)
    data = form_data(delegates=TWO, **{"booking-organisation": str(org.pk)}, **changes)
    response = client.post(reverse("bookings:book", args=[cohort.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    if where == "delegates":
        message = re.search(r'id="delegates-error"[^>]*>\s*<p[^>]*>(.*?)</p>', html, re.S)
        assert message and words in message.group(1), html[:3000]
    else:
        message = errors_at(html, where)
        assert message and words in message, (where, message)
    # Everything entered is still there.
    assert 'value="Sam Lee"' in html
    assert "12 Mill Road" in html
    assert not Booking.objects.filter(booker=user).exists()


@pytest.mark.parametrize("status", [CohortStatus.CLOSED, CohortStatus.CANCELLED, "past", "full"])
def test_a_cohort_that_cannot_be_booked_says_why(client, status):
    if status == "past":
        cohort = factories.cohort(days_ahead=-2)
    elif status == "full":
        cohort = factories.cohort(capacity=1)
        other = factories.booker()
        from bookings.services.booking import BookingRequest, place_booking

        place_booking(
            BookingRequest(
                cohort_id=cohort.pk, organisation_id=other.booker.organisation_id, places=1
            ),
            other,
        )
    else:
        cohort = factories.cohort(status=status)
    html = client.get(reverse("bookings:book", args=[cohort.pk])).content.decode()
    message = re.search(r'id="cohort-error"[^>]*>\s*<p[^>]*>(.*?)</p>', html, re.S).group(1)
    expected = {
        CohortStatus.CLOSED: "not open",
        CohortStatus.CANCELLED: "cancelled",
        "past": "already started",
        "full": "full",
    }[status]
    assert expected in message
    assert "booking-places" not in html


def test_a_cohort_reserved_for_another_school_is_hidden_and_refused(client):
    trust = factories.organisation("Riverside Trust", kind="trust")
    member = factories.organisation("Riverside Primary", trust=trust)
    cohort = factories.cohort(reserved_for=trust)
    url = reverse("bookings:book", args=[cohort.pk])
    assert client.get(url).status_code == 404  # not even shown to visitors
    user = factories.booker()
    client.force_login(user)
    assert client.get(url).status_code == 404
    # A form sent after the date became reserved comes back with the reason.
    data = form_data(delegates=TWO, **{"booking-organisation": str(user.booker.organisation_id)})
    html = client.post(url, data).content.decode()
    assert "reserved for another school" in html
    assert 'value="Sam Lee"' in html
    client.force_login(factories.booker(member))
    assert client.get(url).status_code == 200


def test_a_draft_cohort_is_not_found(client):
    cohort = factories.cohort(status=CohortStatus.DRAFT)
    assert client.get(reverse("bookings:book", args=[cohort.pk])).status_code == 404


def test_an_existing_email_must_sign_in_first(client):
    factories.booker(email="priya.shah@brookfield.example")
    cohort = factories.cohort()
    response = client.post(
        reverse("bookings:book", args=[cohort.pk]), {**form_data(delegates=TWO), **NEW_BOOKER}
    )
    assert "already uses this email" in errors_at(response.content.decode(), "account-email")


def test_an_unknown_review_key_starts_again(client):
    cohort = factories.cohort()
    response = client.get(reverse("bookings:review", args=[cohort.pk, uuid.uuid4()]))
    assert response.status_code == 302
    assert response.url == reverse("bookings:book", args=[cohort.pk])


def test_change_details_brings_everything_back(client):
    cohort = factories.cohort()
    url = reverse("bookings:book", args=[cohort.pk])
    response = client.post(url, {**form_data(delegates=TWO), **NEW_BOOKER})
    key = response.url.rstrip("/").rsplit("/", 1)[-1]
    html = client.get(f"{url}?draft={key}").content.decode()
    assert 'value="Sam Lee"' in html
    assert 'value="Brookfield Primary School"' in html
    assert "Leave blank to keep the password you chose" in html


def test_the_public_calendar_has_no_joining_link(client):
    cohort = factories.cohort()
    session = cohort.sessions.first()
    session.venue = ""
    session.online_url = "https://meet.example/secret-room"
    session.save()
    body = client.get(reverse("bookings:cohort-calendar", args=[cohort.pk])).content.decode()
    assert "BEGIN:VEVENT" in body
    assert "secret-room" not in body
    assert "LOCATION:Online" in body


def test_invoice_numbers_are_not_found_for_other_organisations(client):
    cohort = factories.cohort()
    owner = factories.booker()
    from bookings.services.booking import BookingRequest, place_booking

    booking = place_booking(
        BookingRequest(cohort_id=cohort.pk, organisation_id=owner.booker.organisation_id, places=1),
        owner,
    )
    invoice = Invoice.objects.get(booking=booking)
    url = reverse("bookings:invoice-pdf", args=[invoice.number])
    client.force_login(factories.booker())
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("bookings:booking-detail", args=[booking.reference])).status_code == 404
    )
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_bookings_calendar_reads_back_in_an_independent_parser(client):
    """vobject (not icalendar, which wrote it) reads every session at the right London
    time on both sides of the October clock change, with a VTIMEZONE and stable UIDs."""
    import datetime

    import vobject

    from bookings.models import Cohort, CohortSession
    from bookings.services.booking import BookingRequest, place_booking

    run = Cohort(course=factories.course(), capacity=10, status=CohortStatus.OPEN)
    run.sessions.add(
        CohortSession(
            title="Day 1",
            starts_at=factories.london(2030, 10, 22, 9, 30),  # BST
            ends_at=factories.london(2030, 10, 22, 15, 30),
            venue="Northlight Centre, Leeds",
        )
    )
    run.sessions.add(
        CohortSession(
            title="Day 2",
            starts_at=factories.london(2030, 11, 5, 9, 30),  # GMT
            ends_at=factories.london(2030, 11, 5, 15, 30),
            online_url="https://meet.example/room-7",
        )
    )
    run.save()
    user = factories.booker()
    booking = place_booking(
        BookingRequest(cohort_id=run.pk, organisation_id=user.booker.organisation_id, places=1),
        user,
    )
    client.force_login(user)
    url = reverse("bookings:booking-calendar", args=[booking.reference])
    body = client.get(url).content.decode()
    calendar = vobject.readOne(body)
    assert calendar.vtimezone.tzid.value == "Europe/London"
    events = sorted(calendar.vevent_list, key=lambda e: e.dtstart.value)
    assert [e.summary.value.split(": ")[-1] for e in events] == ["Day 1", "Day 2"]
    utc = datetime.UTC
    assert events[0].dtstart.value.astimezone(utc).time() == datetime.time(8, 30)
    assert events[1].dtstart.value.astimezone(utc).time() == datetime.time(9, 30)
    assert [e.dtstart.value.strftime("%H:%M") for e in events] == ["09:30", "09:30"]
    assert "room-7" in events[1].description.value  # delegates get the joining link
    again = vobject.readOne(client.get(url).content.decode())
    assert sorted(e.uid.value for e in again.vevent_list) == sorted(e.uid.value for e in events)


def test_a_new_bookers_password_survives_a_mistake_elsewhere(
    client, django_capture_on_commit_callbacks
):
    cohort = factories.cohort()
    url = reverse("bookings:book", args=[cohort.pk])
    wrong = client.post(url, {**form_data(places=1, delegates=TWO), **NEW_BOOKER})
    html = wrong.content.decode()
    assert "Leave blank to keep the password you chose" in html
    key = re.search(r'name="draft" value="([0-9a-f-]+)"', html).group(1)
    assert "a-long-and-unusual-passphrase" not in html
    fixed = {**form_data(delegates=TWO), **NEW_BOOKER, "account-password": "", "draft": key}
    response = client.post(url, fixed)
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url)
    client.logout()
    assert client.login(
        username=NEW_BOOKER["account-email"], password=NEW_BOOKER["account-password"]
    )


def test_a_second_click_from_a_signed_out_browser_books_nothing_more(
    client, django_capture_on_commit_callbacks
):
    cohort = factories.cohort()
    response = client.post(
        reverse("bookings:book", args=[cohort.pk]), {**form_data(delegates=TWO), **NEW_BOOKER}
    )
    review_url = response.url
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url)
    client.logout()
    again = client.post(review_url)
    assert again.status_code == 200
    assert "Your booking has been made" in again.content.decode()
    assert Booking.objects.filter(cohort=cohort).count() == 1


def _booking_with_unnamed_places(user, cohort, places=3):
    from bookings.services.booking import BookingRequest, place_booking

    return place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=user.booker.organisation_id,
            places=places,
            delegates=[DelegateDetails("Jo Bloggs", "jo@brookfield.example")],
        ),
        user,
    )


def naming(rows, **names):
    data = {
        "delegates-TOTAL_FORMS": str(rows),
        "delegates-INITIAL_FORMS": "0",
        "delegates-MIN_NUM_FORMS": "0",
        "delegates-MAX_NUM_FORMS": str(rows),
    }
    data.update(names)
    return data


def test_a_booker_names_the_places_left_to_be_named(client):
    cohort = factories.cohort()
    user = factories.booker()
    booking = _booking_with_unnamed_places(user, cohort)
    client.force_login(user)
    url = reverse("bookings:name-delegates", args=[booking.reference])
    assert "Place 2" in client.get(url).content.decode()
    response = client.post(
        url, naming(2, **{"delegates-0-name": "Sam Lee", "delegates-0-email": "Sam@B.example"})
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.places_to_name() == 1
    assert booking.delegates.filter(email="sam@b.example", name="Sam Lee").exists()
    assert booking.history.filter(action="delegates named").exists()


def test_naming_someone_already_on_the_date_is_refused_and_kept(client):
    cohort = factories.cohort()
    user = factories.booker()
    booking = _booking_with_unnamed_places(user, cohort)
    client.force_login(user)
    url = reverse("bookings:name-delegates", args=[booking.reference])
    html = client.post(
        url,
        naming(2, **{"delegates-0-name": "Jo Again", "delegates-0-email": "jo@brookfield.example"}),
    ).content.decode()
    assert "already has a place" in html
    assert 'value="Jo Again"' in html
    assert booking.places_to_name() == 2


def test_naming_after_the_deadline_is_refused(client):
    import datetime

    from django.utils import timezone

    cohort = factories.cohort()
    user = factories.booker()
    booking = _booking_with_unnamed_places(user, cohort)
    cohort.naming_deadline = timezone.localdate() - datetime.timedelta(days=1)
    cohort.save()
    client.force_login(user)
    url = reverse("bookings:name-delegates", args=[booking.reference])
    assert "has passed" in client.get(url).content.decode()
    client.post(url, naming(2, **{"delegates-0-name": "Late", "delegates-0-email": "l@b.example"}))
    assert booking.places_to_name() == 2
    client.force_login(factories.booker())
    assert client.get(url).status_code == 404
