"""Calendar (.ics) files for cohort sessions.

This module works on plain data, not models, so the views that offer "add to calendar" and
the emails that attach an invitation can share it, and the tests need no database.

Times are always written as Europe/London wall-clock times with a TZID, because that is how
the sessions are advertised and it keeps the file readable. The matching VTIMEZONE is written
by hand with yearly rules, the way Google, Apple and Outlook export it themselves: Outlook,
which most schools use, ignores VTIMEZONEs that list transitions as RDATEs, and that is what
icalendar generates. If tzdata ever stops agreeing with those rules (say the UK drops summer
time), the events fall back to icalendar's generated zone, which is right but less portable.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Northlight Coaching//Bookings//EN"

# The scheduling methods of RFC 5546; anything else would be a typo.
METHODS = frozenset(
    {"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER"}
)

# Since 1996 the UK has changed its clocks at 01:00 UTC on the last Sunday of March and of
# October (the EU rule), so this is the first year the hand-written VTIMEZONE describes.
RULE_SINCE = 1996


@dataclass(frozen=True)
class CalendarEvent:
    """One session as it appears in someone's calendar."""

    uid: str
    summary: str
    start: datetime.datetime
    end: datetime.datetime
    description: str = ""
    location: str = ""
    url: str = ""
    sequence: int = 0
    cancelled: bool = False

    def __post_init__(self):
        # A naive time would be silently read as the server's zone; refuse it here instead.
        for label, moment in (("start", self.start), ("end", self.end)):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"{label} must be timezone-aware: {moment!r}")
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        if not self.uid.strip():
            raise ValueError("uid must not be empty")
        if self.sequence < 0:
            raise ValueError("sequence must not be negative")


def build_calendar(
    events: Iterable[CalendarEvent],
    *,
    name: str,
    method: str = "PUBLISH",
    stamp: datetime.datetime | None = None,
) -> bytes:
    """Return an iCalendar file (CRLF lines, folded at 75 octets) holding the events.

    `stamp` is the DTSTAMP for every event; it defaults to now and exists so callers that
    cache or compare files can make the output repeatable.
    """
    events = list(events)
    _check_unique_uids(events)
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    stamp = _utc_stamp(stamp)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    # icalendar writes unknown X- properties verbatim; as TEXT, commas and semicolons in
    # the name must be escaped, or readers cut the name short at the first comma.
    calendar.add("x-wr-calname", vText(name))
    # The zone goes first: some readers resolve a TZID only against zones already seen.
    calendar.add_component(_london_timezone(events))
    for event in events:
        calendar.add_component(_vevent(event, stamp))
    return calendar.to_ical()


def uid_host() -> str:
    """The site's host name, which every event UID we make ends with."""
    return urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"


def session_uid(cohort_id: int, session_id: int, host: str) -> str:
    """The UID for a cohort session; built from keys only, so it survives any edit."""
    return f"cohort-{cohort_id}-session-{session_id}@{host}"


def calendar_response(ics_bytes: bytes, filename: str) -> HttpResponse:
    """Serve a built calendar as a download, so browsers hand it to the calendar app."""
    response = HttpResponse(ics_bytes, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _utc_stamp(stamp: datetime.datetime | None) -> datetime.datetime:
    if stamp is None:
        return datetime.datetime.now(datetime.UTC)
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError(f"stamp must be timezone-aware: {stamp!r}")
    return stamp.astimezone(datetime.UTC)


def _check_unique_uids(events: list[CalendarEvent]) -> None:
    # Two VEVENTs sharing a UID in one file read as one event rewritten, so one would vanish.
    seen = set()
    for event in events:
        if event.uid in seen:
            raise ValueError(f"duplicate uid {event.uid!r}")
        seen.add(event.uid)


def _vevent(event: CalendarEvent, stamp: datetime.datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.start.astimezone(LONDON))
    vevent.add("dtend", event.end.astimezone(LONDON))
    vevent.add("summary", event.summary)
    # Empty text properties carry no meaning and some clients show them as blank fields.
    for prop, value in (
        ("description", event.description),
        ("location", event.location),
        ("url", event.url),
    ):
        if value:
            vevent.add(prop, value)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def _london_timezone(events: list[CalendarEvent]) -> Timezone:
    moments = [moment for event in events for moment in (event.start, event.end)]
    if all(_rule_fits(moment) for moment in moments):
        return _rule_timezone()
    # tzdata disagrees with the rule for some session: spell out the real transitions over
    # whole years, so the zone still has both a summer and a winter part if the UK keeps any.
    years = [moment.astimezone(LONDON).year for moment in moments]
    return Timezone.from_tzid(
        "Europe/London",
        first_date=datetime.date(min(years), 1, 1),
        last_date=datetime.date(max(years) + 1, 1, 1),
    )


def _rule_timezone() -> Timezone:
    timezone = Timezone()
    timezone.add("tzid", "Europe/London")
    timezone.add_component(_observance(TimezoneStandard, "GMT", 10, hours_from=1, hours_to=0))
    timezone.add_component(_observance(TimezoneDaylight, "BST", 3, hours_from=0, hours_to=1))
    return timezone


def _observance(kind, tzname: str, month: int, *, hours_from: int, hours_to: int):
    observance = kind()
    # DTSTART is the local time just before the change: 01:00 GMT in March, 02:00 BST in
    # October, both being 01:00 UTC.
    change = datetime.datetime.combine(_last_sunday(RULE_SINCE, month), datetime.time(1))
    observance.add("dtstart", change + datetime.timedelta(hours=hours_from))
    observance.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
    observance.add("tzname", tzname)
    observance.add("tzoffsetfrom", datetime.timedelta(hours=hours_from))
    observance.add("tzoffsetto", datetime.timedelta(hours=hours_to))
    return observance


def _last_sunday(year: int, month: int) -> datetime.date:
    # Day 31 exists in both March and October, the only months the rule uses.
    last_day = datetime.date(year, month, 31)
    return last_day - datetime.timedelta(days=(last_day.weekday() + 1) % 7)


def _rule_offset(moment: datetime.datetime) -> datetime.timedelta:
    """The London offset the hand-written rule gives for an aware moment."""
    utc = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    begins, ends = (
        datetime.datetime.combine(_last_sunday(utc.year, month), datetime.time(1))
        for month in (3, 10)
    )
    return datetime.timedelta(hours=1 if begins <= utc < ends else 0)


def _rule_fits(moment: datetime.datetime) -> bool:
    if moment.astimezone(LONDON).year < RULE_SINCE:
        return False
    return moment.astimezone(LONDON).utcoffset() == _rule_offset(moment)
