"""Where schools see dates: the course page, the catalogue and the home page, with the
course's structured data for search engines."""

import json
import re

import pytest
from django.urls import reverse

from bookings.models import CohortStatus
from bookings.services.booking import BookingRequest, place_booking

from . import factories

pytestmark = pytest.mark.django_db


def fill(cohort, places):
    user = factories.booker()
    return place_booking(
        BookingRequest(
            cohort_id=cohort.pk, organisation_id=user.booker.organisation_id, places=places
        ),
        user,
    )


def date_items(html):
    return re.findall(r'<li class="upcoming-date.*?</li>', html, re.S)


def test_the_course_page_lists_open_dates_with_places_left(client):
    factories.invoicing_settings()
    course = factories.course("aspiring-to-leadership")
    course.cohorts.update(status=CohortStatus.CLOSED)  # set the demo dates aside
    open_run = factories.cohort("aspiring-to-leadership", capacity=12, days_ahead=40)
    fill(open_run, 5)
    full = factories.cohort("aspiring-to-leadership", capacity=2, days_ahead=50)
    fill(full, 2)
    factories.cohort("aspiring-to-leadership", status=CohortStatus.DRAFT, days_ahead=60)
    trust = factories.organisation(kind="trust")
    factories.cohort("aspiring-to-leadership", reserved_for=trust, days_ahead=70)
    factories.cohort("aspiring-to-leadership", days_ahead=-3)  # already started

    html = client.get(course.url).content.decode()
    items = date_items(html)
    assert len(items) == 2, items
    assert "7 places left" in items[0]
    assert reverse("bookings:book", args=[open_run.pk]) in items[0]
    assert reverse("bookings:cohort-calendar", args=[open_run.pk]) in items[0]
    assert "Full" in items[1]
    assert f'href="{reverse("bookings:book", args=[full.pk])}"' not in items[1]
    assert reverse("bookings:waiting-join", args=[full.pk]) in items[1]
    assert "Northlight Centre" in items[0]


def test_an_online_date_says_online_and_hides_the_link(client):
    cohort = factories.cohort("leading-a-coaching-school", days_ahead=5)
    session = cohort.sessions.get()
    session.venue = ""
    session.online_url = "https://meet.example/private-room"
    session.save()
    html = client.get(cohort.course.url).content.decode()
    assert any("Online" in item for item in date_items(html))
    assert "private-room" not in html


def test_the_course_structured_data_has_a_course_instance_per_date(client):
    factories.invoicing_settings()
    course = factories.course("aspiring-to-leadership")
    course.cohorts.update(status=CohortStatus.CLOSED)  # set the demo dates aside
    run = factories.cohort("aspiring-to-leadership", capacity=3, days_ahead=30, sessions=2)
    html = client.get(course.url).content.decode()
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    (instance,) = data["hasCourseInstance"]
    assert instance["@type"] == "CourseInstance"
    assert instance["courseMode"] == "Onsite"
    assert instance["startDate"] == run.starts_at.isoformat()
    assert instance["location"]["address"].startswith("Northlight Centre")
    assert instance["offers"]["price"] == "225.00"
    assert instance["offers"]["availability"] == "https://schema.org/InStock"
    fill(run, 3)
    html = client.get(course.url).content.decode()
    assert "https://schema.org/SoldOut" in html


def test_the_catalogue_and_home_page_show_the_next_dates(client):
    run = factories.cohort("aspiring-to-leadership", days_ahead=1)
    catalogue = client.get("/courses/").content.decode()
    assert reverse("bookings:book", args=[run.pk]) in catalogue
    home = client.get("/").content.decode()
    assert reverse("bookings:book", args=[run.pk]) in home


def test_a_booking_clears_cached_pages_so_places_left_are_current(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_ENABLED = True
    factories.invoicing_settings()
    course = factories.course("aspiring-to-leadership")
    course.cohorts.update(status=CohortStatus.CLOSED)  # set the demo dates aside
    run = factories.cohort("aspiring-to-leadership", capacity=4)
    assert "4 places left" in client.get(course.url).content.decode()
    assert client.get(course.url)["X-Page-Cache"] == "hit"  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        fill(run, 4)
    html = client.get(course.url).content.decode()
    assert "4 places left" not in html
    assert "Full" in html


def test_dates_of_an_unpublished_course_are_not_shown_anywhere(client):
    run = factories.cohort("aspiring-to-leadership", days_ahead=1)
    course = run.course
    assert reverse("bookings:book", args=[run.pk]) in client.get("/").content.decode()
    course.unpublish()
    assert reverse("bookings:book", args=[run.pk]) not in client.get("/").content.decode()
    assert client.get(reverse("bookings:book", args=[run.pk])).status_code == 404
    assert client.get(reverse("bookings:cohort-calendar", args=[run.pk])).status_code == 404
