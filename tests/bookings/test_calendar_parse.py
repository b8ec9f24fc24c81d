"""The calendars the portal serves and sends, read by a second, independent parser.

The app writes .ics with `icalendar`; here every file is read with `vobject`, and its times
are placed in the file's own VTIMEZONE as dateutil reads it (not zoneinfo, not icalendar),
then compared with the session times stored in the database. Covered: the public cohort
file, the booker's download, the delegate's private feed and the .ics attached to the
joining and cancellation emails; a session moved (same UID, higher SEQUENCE) and a run
cancelled (STATUS:CANCELLED, METHOD:CANCEL).

vobject keeps one process-wide map of TZIDs, filled by the first file it reads in a run,
so `prop.value`'s tzinfo may come from another file; times are therefore rebuilt from the
written wall-clock time and this file's VTIMEZONE.
"""

import datetime

import pytest
import vobject
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.calendar import session_uid
from bookings.cohort_calendars import calendar_filename
from bookings.models import BookingStatus, Cohort, CohortSession, CohortStatus
from bookings.services.booking import DelegateDetails, place_booking
from bookings.services.changes import cancel_cohort, move_booking, substitute_delegate

from . import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
YEAR = timezone.localdate().year + 1
AUTUMN = datetime.date(YEAR, 10, 14)  # BST
WINTER = datetime.date(YEAR, 11, 11)  # GMT
HOST = "testserver"
COURSE = "Developing the Skills of a Coaching Ambassador"
VENUE = "Northlight Centre\n1 Park Row\nLeeds LS1 5HD"
ONLINE_URL = "https://meet.example/northlight/day-2"


# --- Reading a calendar -----------------------------------------------------------------------


class Calendar:
    """One .ics file as vobject reads it."""

    def __init__(self, ics):
        self.raw = ics.decode("utf-8") if isinstance(ics, bytes) else ics
        self.parsed = vobject.readOne(self.raw)
        [self.vtimezone] = self.parsed.contents["vtimezone"]
        assert self.vtimezone.tzid.value == "Europe/London"
        self.zone = self.vtimezone.gettzinfo()  # dateutil's reading of this file's zone
        self.events = {event.uid.value: event for event in self.parsed.vevent_list}
        assert len(self.events) == len(self.parsed.vevent_list), "a UID used twice"

    @property
    def method(self):
        return self.parsed.method.value

    def moment(self, prop):
        """An aware datetime: the wall-clock time written, in the file's own zone."""
        assert prop.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/London"]
        return prop.value.replace(tzinfo=None).replace(tzinfo=self.zone)

    def start(self, uid):
        return self.moment(self.events[uid].dtstart)

    def end(self, uid):
        return self.moment(self.events[uid].dtend)

    def sequence(self, uid):
        return int(self.events[uid].sequence.value)

    def statuses(self):
        return {event.status.value for event in self.events.values()}


def uid(session):
    return session_uid(session.cohort_id, session.pk, HOST)


def sessions_of(cohort):
    return list(CohortSession.objects.filter(cohort=cohort).order_by("starts_at"))


def assert_matches(calendar, cohort, *, status="CONFIRMED", bump=0):
    """One VEVENT per session, at the stored times, with its own UID, place and SEQUENCE."""
    sessions = sessions_of(cohort)
    assert set(calendar.events) == {uid(s) for s in sessions}
    for session in sessions:
        event = calendar.events[uid(session)]
        assert calendar.start(uid(session)) == session.starts_at
        assert calendar.end(uid(session)) == session.ends_at
        assert COURSE in event.summary.value and session.title in event.summary.value
        assert calendar.sequence(uid(session)) == session.sequence + bump
        assert event.status.value == status
        if session.is_online:
            assert event.location.value == "Online"
        else:
            assert event.location.value == "Northlight Centre 1 Park Row Leeds LS1 5HD"


def email_calendar(message):
    [(content, kind)] = [(c, k) for _, c, k in message.attachments if k == "text/calendar"]
    return Calendar(content)


def emails_to(address):
    return [m for m in mail.outbox if address in m.to]


# --- Builders ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _seller():
    factories.invoicing_settings()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def office(django_user_model):
    return django_user_model.objects.create_superuser(
        email="office@coaching.example", password="x" * 12
    )


def dated_cohort(*days, online=()):
    run = Cohort(course=factories.course(), capacity=20, status=CohortStatus.OPEN)
    for number, day in enumerate(days, start=1):
        start = factories.london(day.year, day.month, day.day, 9, 30)
        run.sessions.add(
            CohortSession(
                title=f"Day {number}",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=6),
                venue="" if number in online else VENUE,
                online_url=ONLINE_URL if number in online else "",
            )
        )
    run.save()
    return run


@pytest.fixture
def cohort():
    """Day 1 in Leeds on a Thursday in October (BST), day 2 online in November (GMT)."""
    return dated_cohort(AUTUMN, WINTER, online=(2,))


@pytest.fixture
def booker():
    return factories.booker()


@pytest.fixture
def booking(commit, cohort, booker):
    request = factories.booking_request(
        cohort,
        booker,
        2,
        delegates=[
            DelegateDetails("Alice Brown", "alice@school.example"),
            DelegateDetails("Bob Green", "bob@school.example"),
        ],
    )
    booking = commit(place_booking, request, booker)
    assert booking.status == BookingStatus.CONFIRMED
    return booking


def feed(client, delegate):
    response = client.get(reverse("bookings:delegate-feed", args=[delegate.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar(response.content)


def public(client, cohort):
    response = client.get(reverse("bookings:cohort-calendar", args=[cohort.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{calendar_filename(cohort)}"'
    )
    return Calendar(response.content)


# --- The public "add to calendar" file -------------------------------------------------------


def test_public_file_has_each_session_at_its_time_either_side_of_the_clock_change(client, cohort):
    calendar = public(client, cohort)
    assert calendar.method == "PUBLISH"
    assert calendar.parsed.x_wr_calname.value == COURSE
    assert_matches(calendar, cohort)
    autumn, winter = sessions_of(cohort)
    # 09:30 on the wall both days; an hour apart in UTC because the clocks went back between.
    in_utc = {
        autumn: datetime.datetime(*AUTUMN.timetuple()[:3], 8, 30, tzinfo=UTC),
        winter: datetime.datetime(*WINTER.timetuple()[:3], 9, 30, tzinfo=UTC),
    }
    for session, utc in in_utc.items():
        start = calendar.start(uid(session))
        assert (start.hour, start.minute) == (9, 30)
        assert start.astimezone(UTC) == utc
        assert calendar.end(uid(session)) - start == datetime.timedelta(hours=6)
    assert calendar.start(uid(autumn)).utcoffset() == datetime.timedelta(hours=1)
    assert calendar.start(uid(winter)).utcoffset() == datetime.timedelta(0)
    # The joining link is for delegates only.
    assert ONLINE_URL not in calendar.raw
    assert (
        calendar.events[uid(winter)].url.value == "http://testserver/courses/coaching-ambassador/"
    )


def test_public_file_keeps_its_uids_when_fetched_again(client, cohort):
    first, second = public(client, cohort), public(client, cohort)
    assert set(first.events) == set(second.events)
    for key in first.events:
        assert first.start(key) == second.start(key)
        assert first.sequence(key) == second.sequence(key)


# --- The booker's download --------------------------------------------------------------------


def test_the_bookers_download_is_the_delegates_copy_with_the_joining_link(
    client, cohort, booking, booker
):
    url = reverse("bookings:booking-calendar", args=[booking.reference])
    client.force_login(factories.booker())
    assert client.get(url).status_code == 404  # another school's booking
    client.force_login(booker)
    response = client.get(url)
    assert response.status_code == 200
    calendar = Calendar(response.content)
    assert calendar.method == "PUBLISH"
    assert_matches(calendar, cohort)
    online = calendar.events[uid(sessions_of(cohort)[1])]
    assert online.url.value == ONLINE_URL
    assert ONLINE_URL in online.description.value


# --- The delegate's private feed ----------------------------------------------------------------


def test_a_delegates_feed_follows_a_moved_session_under_the_same_uid(client, cohort, booking):
    alice = booking.delegates.get(name="Alice Brown")
    autumn, winter = sessions_of(cohort)
    before = feed(client, alice)
    assert_matches(before, cohort)
    assert before.sequence(uid(autumn)) == 0
    again = feed(client, alice)
    assert set(again.events) == set(before.events)

    # Moved across the clock change: from 09:30 BST to 10:00 GMT three weeks later.
    autumn.starts_at = factories.london(YEAR, 11, 4, 10, 0)
    autumn.ends_at = factories.london(YEAR, 11, 4, 16, 0)
    autumn.save()
    autumn.refresh_from_db()
    assert autumn.sequence == 1

    after = feed(client, alice)
    assert set(after.events) == set(before.events)  # the same events, changed
    assert after.sequence(uid(autumn)) > before.sequence(uid(autumn))
    assert after.start(uid(autumn)) == autumn.starts_at
    assert after.start(uid(autumn)).astimezone(UTC) == datetime.datetime(
        YEAR, 11, 4, 10, 0, tzinfo=UTC
    )
    assert after.end(uid(autumn)) == autumn.ends_at
    assert after.sequence(uid(winter)) == before.sequence(uid(winter))  # untouched
    assert after.start(uid(winter)) == before.start(uid(winter))
    assert_matches(after, cohort)
    # A new venue is a change of place: the sequence goes up again; the public file agrees.
    autumn.venue = "Riverside School\nHunslet\nLeeds LS10 1AA"
    autumn.save()
    latest = public(client, cohort)
    assert latest.sequence(uid(autumn)) == after.sequence(uid(autumn)) + 1
    assert latest.events[uid(autumn)].location.value == "Riverside School Hunslet Leeds LS10 1AA"


def test_a_wrong_or_reset_feed_token_is_a_404(client, cohort, booking):
    alice = booking.delegates.get(name="Alice Brown")
    bob = booking.delegates.get(name="Bob Green")
    old_url = reverse("bookings:delegate-feed", args=[alice.calendar_token])
    old = feed(client, alice)
    for wrong in ("not-a-token", alice.calendar_token[:-1], alice.calendar_token + "x"):
        assert client.get(reverse("bookings:delegate-feed", args=[wrong])).status_code == 404

    alice.reset_calendar_token()
    assert client.get(old_url).status_code == 404
    alice.refresh_from_db()
    new = feed(client, alice)
    assert set(new.events) == set(old.events)
    assert_matches(new, cohort)
    assert feed(client, bob).events.keys() == old.events.keys()  # Bob's link still works


# --- The emails' attachments -----------------------------------------------------------------


def test_the_joining_email_calendar_matches_the_feed(client, cohort, booking):
    alice = booking.delegates.get(name="Alice Brown")
    [joining] = emails_to(alice.email)
    attached = email_calendar(joining)
    assert attached.method == "PUBLISH"
    assert_matches(attached, cohort)
    online = attached.events[uid(sessions_of(cohort)[1])]
    assert online.url.value == ONLINE_URL
    served = feed(client, alice)
    assert set(served.events) == set(attached.events)
    for key in attached.events:
        assert served.start(key) == attached.start(key)
        assert served.sequence(key) == attached.sequence(key)


def test_a_substituted_delegate_gets_a_cancellation_for_the_same_events(
    client, commit, cohort, booking, booker
):
    alice = booking.delegates.get(name="Alice Brown")
    [joining] = emails_to(alice.email)
    invited = email_calendar(joining)
    mail.outbox.clear()
    ali = commit(
        substitute_delegate,
        booking,
        alice.pk,
        DelegateDetails("Ali Khan", "ali@school.example"),
        actor=booker,
    )

    [cancelled] = emails_to(alice.email)
    withdrawn = email_calendar(cancelled)
    assert withdrawn.method == "CANCEL"
    assert withdrawn.statuses() == {"CANCELLED"}
    assert set(withdrawn.events) == set(invited.events)
    for key in invited.events:
        assert withdrawn.sequence(key) > invited.sequence(key)
        assert withdrawn.start(key) == invited.start(key)
    assert ONLINE_URL not in withdrawn.raw
    assert_matches(withdrawn, cohort, status="CANCELLED", bump=1)

    # Alice's feed now cancels too; Ali's joining file and feed are the live events.
    old_feed = feed(client, alice)
    assert old_feed.method == "CANCEL" and old_feed.statuses() == {"CANCELLED"}
    [welcome] = emails_to(ali.email)
    assert_matches(email_calendar(welcome), cohort)
    assert_matches(feed(client, ali), cohort)


def test_cancelling_the_run_cancels_every_copy_of_its_events(
    client, commit, cohort, booking, booker, office
):
    alice = booking.delegates.get(name="Alice Brown")
    [joining] = emails_to(alice.email)
    invited = email_calendar(joining)
    mail.outbox.clear()
    commit(cancel_cohort, cohort, reason="The trainer is ill", actor=office)

    copies = {"feed": feed(client, alice)}
    client.force_login(booker)
    response = client.get(reverse("bookings:booking-calendar", args=[booking.reference]))
    copies["download"] = Calendar(response.content)
    [to_booker] = emails_to(booker.email)
    copies["booker's email"] = email_calendar(to_booker)
    [to_alice] = emails_to(alice.email)
    copies["delegate's email"] = email_calendar(to_alice)
    for where, calendar in copies.items():
        assert calendar.method == "CANCEL", where
        assert calendar.statuses() == {"CANCELLED"}, where
        assert set(calendar.events) == set(invited.events), where
        for key in invited.events:
            assert calendar.sequence(key) > invited.sequence(key), where
            assert calendar.start(key) == invited.start(key), where
        assert_matches(calendar, cohort, status="CANCELLED", bump=1)
    # The run is no longer offered to the public at all.
    assert client.get(reverse("bookings:cohort-calendar", args=[cohort.pk])).status_code == 404


def test_moving_a_booking_cancels_the_old_dates_in_the_delegates_calendars(
    commit, cohort, booking, office
):
    alice = booking.delegates.get(name="Alice Brown")
    old_uids = {uid(s) for s in sessions_of(cohort)}
    target = dated_cohort(WINTER + datetime.timedelta(days=7))
    mail.outbox.clear()
    commit(move_booking, booking, target.pk, actor=office)

    calendars = [email_calendar(m) for m in emails_to(alice.email)]
    invites = [c for c in calendars if c.method == "PUBLISH"]
    assert [set(c.events) for c in invites] == [{uid(s) for s in sessions_of(target)}]
    assert_matches(invites[0], target)
    cancels = [c for c in calendars if c.method == "CANCEL"]
    assert [set(c.events) for c in cancels] == [old_uids]
    assert cancels[0].statuses() == {"CANCELLED"}
