"""In the browser: a booker joins a full date's waiting list, is offered places when a
booking is cancelled, and books them through the offer link; a trainer takes a register
on a phone-sized screen with the keyboard. Every page visited passes axe."""

import pytest
from django.core import mail

from bookings.models import BookingStatus, SessionAttendance, WaitingListEntry, WaitingStatus
from bookings.services.booking import place_booking
from bookings.services.changes import cancel_whole_booking

from ..bookings import factories
from .conftest import PASSWORD, serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page, axe_source):
    bad = serious_axe_violations(page, axe_source)
    assert bad == [], f"{page.url}: {bad}"


def sign_in(page, site, email, next_path):
    page.goto(f"{site.url}/accounts/sign-in/?next={next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_a_booker_waits_is_offered_places_and_books_them(site, page, axe_source, settings):
    settings.WAGTAILADMIN_BASE_URL = site.url
    factories.invoicing_settings()
    cohort = factories.cohort(capacity=3, days_ahead=50)
    first = factories.booker()
    leaving = place_booking(factories.booking_request(cohort, first, 2), first)
    other = factories.booker()
    place_booking(factories.booking_request(cohort, other, 1), other)
    factories.booker(email="wren@school.example", password=PASSWORD)

    sign_in(page, site, "wren@school.example", f"/bookings/book/{cohort.pk}/")
    assert page.get_by_text("This date is full").is_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Join the waiting list").click()
    page.get_by_label("Places wanted").fill("2")
    page.get_by_label("Contact name").fill("Wren Waits")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_url("**/accounts/")
    assert page.get_by_role("heading", name="Waiting lists").is_visible()
    entry = WaitingListEntry.objects.get()
    assert entry.status == WaitingStatus.WAITING

    mail.outbox.clear()
    cancel_whole_booking(leaving, actor=first)  # two places free: offered to Wren at once
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED
    [offer] = [m for m in mail.outbox if m.subject.startswith("Places for you")]
    link = next(word for word in offer.body.split() if "/waiting-list/" in word)

    page.goto(link)
    assert page.get_by_test_id("offer-open").is_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Book these places").click()
    assert page.get_by_test_id("offer-banner").is_visible()
    assert page.get_by_label("Number of places").input_value() == "2"
    page.locator("#id_delegates-0-name").fill("Ash Waits")
    page.locator("#id_delegates-0-email").fill("ash@school.example")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Check the price and details").click()
    page.wait_for_url("**/review/**")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url("**/bookings/B-*/")
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.BOOKED
    assert entry.booking.status == BookingStatus.CONFIRMED and entry.booking.places == 2


def test_a_trainer_takes_the_register_on_a_phone_with_the_keyboard(
    site, browser, axe_source, django_user_model
):
    factories.invoicing_settings()
    cohort = factories.cohort(capacity=5, days_ahead=2)
    user = factories.booker()
    booking = place_booking(factories.booking_request(cohort, user, 2), user)
    ann, ben = booking.delegates.order_by("pk")
    trainer = django_user_model.objects.create_user(email="tia@coach.example", password=PASSWORD)
    cohort.trainers.add(trainer)

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    try:
        sign_in(page, site, "tia@coach.example", "/bookings/registers/")
        assert_accessible(page, axe_source)
        page.get_by_role("link", name="Day 1").click()
        assert_accessible(page, axe_source)
        # The page fits the phone's width: nothing to scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.get_by_text("Present", exact=True).first.click()
        ben_group = page.get_by_role("radiogroup", name=f"Attendance of {ben.name}")
        ben_group.get_by_text("Late").click()
        page.get_by_role("button", name="Save the register").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_text("Register saved").is_visible()
        assert_accessible(page, axe_source)
    finally:
        phone.close()
    marks = dict(
        SessionAttendance.objects.filter(session__cohort=cohort).values_list("delegate_id", "mark")
    )
    assert marks == {ann.pk: "present", ben.pk: "late"}
