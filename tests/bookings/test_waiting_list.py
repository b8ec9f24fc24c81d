"""Waiting lists: joining a full date, offers made in turn when places come free, offers
lapsing and passing on (with a moved clock), spending an offer through the booking form,
and the office reordering the list and offering by hand."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingStatus,
    Hold,
    HoldReason,
    WaitingListEntry,
    WaitingStatus,
)
from bookings.services import capacity
from bookings.services.booking import BookingError, place_booking
from bookings.services.changes import cancel_cohort, cancel_whole_booking
from bookings.services.waiting import (
    OFFER_HOLD,
    WaitingListError,
    join_waiting_list,
    move,
    offer_by_hand,
    run_waiting_lists,
    withdraw,
)

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what waits for a commit (offers, emails) as each call commits, as it does
    outside tests."""

    def committed(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return committed


def full_cohort(capacity=4, bookings=(2, 2)):
    cohort = factories.cohort(capacity=capacity, days_ahead=60)
    made = []
    for places in bookings:
        user = factories.booker()
        made.append(place_booking(factories.booking_request(cohort, user, places), user))
    return cohort, made


def join(cohort, places=1, user=None, **fields):
    user = user or factories.booker()
    return join_waiting_list(
        cohort.pk,
        user,
        user.booker.organisation,
        places,
        contact_name=fields.pop("contact_name", "Robin Waits"),
        contact_email=fields.pop("contact_email", f"wait.{user.pk}@school.example"),
        **fields,
    )


def offers_to(address):
    return [m for m in mail.outbox if address in m.to and m.subject.startswith("Places for you")]


# --- Joining ------------------------------------------------------------------------------------


def test_a_school_joins_the_list_of_a_full_date_and_is_told_so(commits):
    cohort, _ = full_cohort()
    user = factories.booker()
    entry = commits(join, cohort, 3, user, contact_name="Robin Waits")

    assert entry.status == WaitingStatus.WAITING
    assert entry.position == 1
    message = mail.outbox[-1]
    assert message.subject.startswith("On the waiting list: Developing the Skills")
    assert set(message.to) == {entry.contact_email, user.email}
    text, html = message.body, message.alternatives[0][0]
    for part in (text, html):
        assert "Robin Waits" in part
        assert user.booker.organisation.name in part
        assert "3 places" in part
        assert "48 hours" in part
    assert second_in_line_position(cohort) == 2


def second_in_line_position(cohort):
    return join(cohort, 1).position


def test_joining_while_the_places_wanted_are_free_says_book_them_instead():
    cohort, _ = full_cohort(capacity=6)  # 2 free
    with pytest.raises(WaitingListError) as error:
        join(cohort, 2)
    assert error.value.field == "places"
    assert "2 places free" in error.value.message
    join(cohort, 3)  # more than is free: may wait


def test_a_school_is_on_a_dates_list_once():
    cohort, _ = full_cohort()
    user = factories.booker()
    join(cohort, 1, user)
    with pytest.raises(WaitingListError) as error:
        join(cohort, 2, user)
    assert error.value.field == "organisation"
    assert "already on the waiting list" in error.value.message


def test_a_request_bigger_than_the_date_is_refused():
    cohort, _ = full_cohort()
    with pytest.raises(WaitingListError) as error:
        join(cohort, 5)
    assert error.value.field == "places"
    assert "4 places in all" in error.value.message


# --- Offers -------------------------------------------------------------------------------------


def test_freed_places_go_to_the_first_in_line_whose_request_fits(commits):
    cohort, (first_booking, _) = full_cohort()
    too_big = join(cohort, 3)
    fits = join(cohort, 2)
    later = join(cohort, 1)
    mail.outbox.clear()

    commits(cancel_whole_booking, first_booking, actor=first_booking.booker)  # 2 places free

    too_big.refresh_from_db()
    fits.refresh_from_db()
    later.refresh_from_db()
    assert too_big.status == WaitingStatus.WAITING  # 3 do not fit in 2
    assert fits.status == WaitingStatus.OFFERED
    assert later.status == WaitingStatus.WAITING  # nothing left after the offer
    hold = fits.offer_hold
    assert hold.reason == HoldReason.WAITING_LIST_OFFER and hold.places == 2
    assert hold.expires_at - fits.offered_at == OFFER_HOLD
    assert capacity.places_left(cohort) == 0  # held for the school offered them
    [offer] = offers_to(fits.contact_email)
    link = reverse("bookings:waiting-offer", args=[fits.token])
    local_expiry = timezone.localtime(hold.expires_at)
    for part in (offer.body, offer.alternatives[0][0]):
        assert link in part
        assert "2 places" in part
        assert local_expiry.strftime("%-d %B %Y, %H:%M") in part
    assert not offers_to(too_big.contact_email) and not offers_to(later.contact_email)


def test_an_offer_that_lapses_passes_to_the_next_in_line(commits):
    cohort, (first_booking, _) = full_cohort()
    first = join(cohort, 2)
    second = join(cohort, 2)
    commits(cancel_whole_booking, first_booking, actor=first_booking.booker)
    first.refresh_from_db()
    assert first.status == WaitingStatus.OFFERED

    # Just before the 48 hours are up nothing changes; just after, the offer lapses.
    almost = first.offer_hold.expires_at - datetime.timedelta(minutes=1)
    assert commits(run_waiting_lists, almost) == {"lapsed": 0, "offered": 0, "closed": 0}
    later = first.offer_hold.expires_at + datetime.timedelta(minutes=1)
    result = commits(run_waiting_lists, later)

    first.refresh_from_db()
    second.refresh_from_db()
    assert result["lapsed"] == 1
    assert first.status == WaitingStatus.LAPSED
    assert first.offer_hold.released_at is not None
    assert second.status == WaitingStatus.OFFERED
    assert second.offer_hold.expires_at == later + OFFER_HOLD
    assert len(offers_to(second.contact_email)) == 1
    [lapsed] = [m for m in mail.outbox if m.subject.startswith("Offer lapsed")]
    assert set(lapsed.to) == {first.contact_email, first.booker.email}
    deadline = timezone.localtime(first.offer_hold.expires_at).strftime("%-d %B %Y, %H:%M")
    for part in (lapsed.body, lapsed.alternatives[0][0]):
        assert "offer has lapsed" in part and deadline in part
        assert cohort.course.url in part
    # Lapsed offers are not made again to the same school.
    commits(run_waiting_lists, second.offer_hold.expires_at + datetime.timedelta(minutes=1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitingStatus.LAPSED and second.status == WaitingStatus.LAPSED
    assert capacity.places_left(cohort, second.closed_at) == 2


def test_places_freed_by_a_hold_that_ran_out_are_offered_by_housekeeping(commits):
    cohort = factories.cohort(capacity=3, days_ahead=60)
    unconfirmed = factories.booker(confirmed=False)
    place_booking(factories.booking_request(cohort, unconfirmed, 3), unconfirmed)  # held 2h
    entry = join(cohort, 3)
    hold = Hold.objects.get(cohort=cohort, reason=HoldReason.EMAIL_CONFIRMATION)

    commits(run_waiting_lists, hold.expires_at + datetime.timedelta(seconds=1))

    entry.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED


def test_the_offer_holder_books_the_held_places_and_nobody_else_can(commits):
    cohort, (first_booking, _) = full_cohort()
    entry = join(cohort, 2)
    commits(cancel_whole_booking, first_booking, actor=first_booking.booker)
    entry.refresh_from_db()

    stranger = factories.booker()
    with pytest.raises(BookingError) as refused:
        place_booking(factories.booking_request(cohort, stranger, 1), stranger)
    assert refused.value.field == "places"
    # The offer's link is no good to another school.
    with pytest.raises(BookingError):
        place_booking(
            factories.booking_request(cohort, stranger, 1, offer_token=entry.token), stranger
        )

    booking = commits(
        place_booking,
        factories.booking_request(cohort, entry.booker, 2, offer_token=entry.token),
        entry.booker,
    )

    entry.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert entry.status == WaitingStatus.BOOKED and entry.booking == booking
    assert entry.offer_hold.released_at is not None
    assert capacity.places_left(cohort) == 0
    booked = Booking.objects.filter(cohort=cohort, status=BookingStatus.CONFIRMED)
    assert sum(b.places for b in booked) == cohort.capacity
    assert "waiting list" in booking.history.get(action="booked").detail


def test_a_lapsed_offer_says_so_when_the_booker_tries_to_use_it(commits):
    cohort, (first_booking, _) = full_cohort()
    entry = join(cohort, 2)
    other = join(cohort, 2)
    commits(cancel_whole_booking, first_booking, actor=first_booking.booker)
    entry.refresh_from_db()
    commits(withdraw, entry)  # the places pass on at once
    other.refresh_from_db()
    assert other.status == WaitingStatus.OFFERED

    with pytest.raises(BookingError) as refused:
        place_booking(
            factories.booking_request(cohort, entry.booker, 2, offer_token=entry.token),
            entry.booker,
        )
    assert refused.value.field == "places"
    assert "no longer held" in refused.value.message


def test_cancelling_the_date_closes_its_waiting_list(commits):
    cohort, _ = full_cohort()
    entry = join(cohort, 1)
    commits(cancel_cohort, cohort, reason="Trainer unwell", actor=None)
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.WITHDRAWN
    assert not WaitingListEntry.objects.filter(status=WaitingStatus.OFFERED).exists()


# --- The office -----------------------------------------------------------------------------------


def test_the_office_reorders_the_list():
    cohort, _ = full_cohort()
    a, b, c = join(cohort, 1), join(cohort, 1), join(cohort, 1)
    assert move(c, 0) == [c.pk, a.pk, b.pk]
    assert move(a, 5) == [c.pk, b.pk, a.pk]
    positions = dict(WaitingListEntry.objects.values_list("pk", "position"))
    assert positions == {c.pk: 1, b.pk: 2, a.pk: 3}


def test_offering_by_hand_needs_the_places_free(commits):
    cohort, (first_booking, _) = full_cohort()
    first, second = join(cohort, 1), join(cohort, 2)
    with pytest.raises(WaitingListError) as error:
        offer_by_hand(second)
    assert "Only 0 places free" in error.value.message

    cohort.capacity = 6  # two more places: offered by hand, out of turn
    cohort.save()
    commits(offer_by_hand, second)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == WaitingStatus.OFFERED
    assert len(offers_to(second.contact_email)) == 1
    assert first.status == WaitingStatus.WAITING


# --- Views --------------------------------------------------------------------------------------


def test_the_full_date_offers_the_waiting_list_and_a_booker_joins_it(client):
    cohort, _ = full_cohort()
    user = factories.booker()
    client.force_login(user)
    page = client.get(reverse("bookings:book", args=[cohort.pk])).content.decode()
    assert reverse("bookings:waiting-join", args=[cohort.pk]) in page

    url = reverse("bookings:waiting-join", args=[cohort.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["contact_email"] == user.email
    response = client.post(
        url,
        {
            "places": "0",
            "organisation": user.booker.organisation_id,
            "contact_name": "",
            "contact_email": "not-an-email",
        },
    )
    errors = response.context["form"].errors
    assert set(errors) == {"places", "contact_name", "contact_email"}
    response = client.post(
        url,
        {
            "places": "2",
            "organisation": user.booker.organisation_id,
            "contact_name": "Robin Waits",
            "contact_email": "robin@school.example",
        },
    )
    assert response.status_code == 302
    entry = WaitingListEntry.objects.get()
    assert (entry.places, entry.contact_email) == (2, "robin@school.example")
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Waiting lists" in account
    assert reverse("bookings:waiting-offer", args=[entry.token]) in account


def test_the_offer_link_leads_to_a_booking_form_for_the_held_places(client, commits):
    cohort, (first_booking, _) = full_cohort()
    entry = join(cohort, 2)
    commits(cancel_whole_booking, first_booking, actor=first_booking.booker)
    client.force_login(entry.booker)

    offer_page = client.get(reverse("bookings:waiting-offer", args=[entry.token]))
    assert offer_page.context["offer_open"]
    book_url = offer_page.context["book_url"]
    form = client.get(book_url)
    html = form.content.decode()
    assert 'data-testid="offer-banner"' in html
    assert f'name="offer" value="{entry.token}"' in html
    assert form.context["places_left"] == 2
    assert form.context["flow"].details.initial["places"] == 2


def test_waiting_list_pages_are_for_their_school_only(client, commits):
    cohort, (first_booking, _) = full_cohort()
    entry = join(cohort, 2)
    offer = reverse("bookings:waiting-offer", args=[entry.token])
    leave = reverse("bookings:waiting-leave", args=[entry.token])

    # Signed out: to the sign-in page.
    assert client.get(offer).status_code == 302
    assert client.get(reverse("bookings:waiting-join", args=[cohort.pk])).status_code == 302
    # Another school, and a wrong token: 404, and nothing changes.
    client.force_login(factories.booker())
    assert client.get(offer).status_code == 404
    assert client.post(leave).status_code == 404
    assert client.get(reverse("bookings:waiting-offer", args=["x" * 32])).status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.WAITING
    # Leaving needs a POST; the school's own booker may leave.
    client.force_login(entry.booker)
    assert client.get(leave).status_code == 405
    assert client.post(leave).status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.WITHDRAWN


def test_the_admin_list_by_role(client, django_user_model):
    cohort, _ = full_cohort()
    first, second = join(cohort, 1), join(cohort, 1)
    url = reverse("bookings_cohorts:waiting", args=[cohort.pk])

    booker = factories.booker()
    client.force_login(booker)
    assert client.get(url).status_code in (302, 403)

    viewer = django_user_model.objects.create_user(email="viewer@office.example", password="x")
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_cohort"),
    )
    client.force_login(viewer)
    page = client.get(url)
    assert page.status_code == 200
    assert [e.pk for e in page.context["active"]] == [first.pk, second.pk]
    assert b"Move up" not in page.content  # seeing is not changing
    refused = client.post(url, {"entry": second.pk, "action": "front"})
    assert refused.status_code in (302, 403)  # Wagtail sends a refused admin user home
    assert move(first, 0) == [first.pk, second.pk]  # unchanged by the refused post

    admin = django_user_model.objects.create_superuser(email="office@example.com", password="x")
    client.force_login(admin)
    response = client.post(url, {"entry": second.pk, "action": "front"}, follow=True)
    assert [e.pk for e in response.context["active"]] == [second.pk, first.pk]
    response = client.post(url, {"entry": first.pk, "action": "offer"}, follow=True)
    assert "Only 0 places free" in response.content.decode()
    response = client.post(url, {"entry": first.pk, "action": "remove"}, follow=True)
    assert [e.pk for e in response.context["active"]] == [second.pk]
    other = factories.cohort(capacity=2)
    wrong = reverse("bookings_cohorts:waiting", args=[other.pk])
    assert client.post(wrong, {"entry": second.pk, "action": "front"}).status_code == 404


def test_an_offer_spent_on_a_card_payment_never_made_stands_again(commits, fake_stripe):
    from bookings.services.card import close_lapsed_checkouts, open_booking_checkout

    cohort, (first_booking, _) = full_cohort()
    entry = join(cohort, 2)
    later = join(cohort, 2)
    commits(cancel_whole_booking, first_booking, actor=first_booking.booker)
    entry.refresh_from_db()
    offer_ends = entry.offer_hold.expires_at

    booking = commits(
        place_booking,
        factories.booking_request(
            cohort, entry.booker, 2, offer_token=entry.token, payment_method="card"
        ),
        entry.booker,
    )
    open_booking_checkout(booking, success_url="http://t/s", cancel_url="http://t/c")
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.BOOKED
    # The booker turns back from Stripe; the card hold lapses 32 minutes on.
    after_card_hold = booking.holds.get().expires_at + datetime.timedelta(minutes=1)
    commits(close_lapsed_checkouts, after_card_hold)

    booking.refresh_from_db()
    entry.refresh_from_db()
    later.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert entry.status == WaitingStatus.OFFERED and entry.booking is None
    assert entry.offer_hold.expires_at == offer_ends and entry.offer_hold.released_at is None
    assert later.status == WaitingStatus.WAITING  # not passed on while the offer stands
    assert capacity.places_left(cohort, after_card_hold) == 0


def test_raising_the_capacity_offers_the_new_places_to_the_list(commits):
    cohort, _ = full_cohort()
    entry = join(cohort, 2)
    cohort.refresh_from_db()
    cohort.capacity = 6

    commits(cohort.save)  # as the admin's edit form saves it

    entry.refresh_from_db()
    cohort.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED
    assert cohort.status == "full"  # the two new places are held for the school offered
    assert len(offers_to(entry.contact_email)) == 1


def test_schools_still_waiting_when_a_date_starts_are_told_and_leave_the_list(commits):
    cohort, _ = full_cohort()
    entry = join(cohort, 1)
    mail.outbox.clear()
    just_before = cohort.starts_at - datetime.timedelta(minutes=1)
    assert commits(run_waiting_lists, just_before)["closed"] == 0

    result = commits(run_waiting_lists, cohort.starts_at + datetime.timedelta(minutes=1))

    entry.refresh_from_db()
    assert result["closed"] == 1 and entry.status == WaitingStatus.LAPSED
    [closed] = mail.outbox
    assert closed.subject.startswith("Waiting list closed")
    for part in (closed.body, closed.alternatives[0][0]):
        assert "no longer open for booking" in part
        assert entry.organisation.name in part
