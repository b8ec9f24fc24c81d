"""The .ics builder, checked by reading its output back with vobject.

vobject shares no code with icalendar, which writes the files, so a mistake in how we call
icalendar cannot be hidden by the same library reading its own output. vobject keeps one
process-wide map of TZIDs, filled by the first file it reads, so times here are resolved
against the VTIMEZONE of the file under test, never against whatever vobject had cached.
"""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from bookings import calendar
from bookings.calendar import CalendarEvent, build_calendar, calendar_response, session_uid

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC
HOST = "bookings.example.org"


def london(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def session(session_id, start, end, **extra):
    fields = {"summary": f"Session {session_id}", "location": "Online"} | extra
    return CalendarEvent(uid=session_uid(12, session_id, HOST), start=start, end=end, **fields)


def day_one():
    """22 October 2026, 09:30 to 15:30 London time."""
    return london(2026, 10, 22, 9, 30), london(2026, 10, 22, 15, 30)


def autumn_cohort():
    """Two Thursdays either side of the clocks going back on 25 October 2026."""
    return [
        session(34, *day_one()),
        session(35, london(2026, 11, 5, 9, 30), london(2026, 11, 5, 15, 30)),
    ]


def spring_cohort():
    """Two Thursdays either side of the clocks going forward on 29 March 2026."""
    return [
        session(40, london(2026, 3, 26, 9, 30), london(2026, 3, 26, 15, 30)),
        session(41, london(2026, 4, 2, 9, 30), london(2026, 4, 2, 15, 30)),
    ]


def parse(ics: bytes):
    return vobject.readOne(ics.decode("utf-8"))


def by_uid(parsed):
    return {vevent.uid.value: vevent for vevent in parsed.vevent_list}


def file_zone(parsed):
    """The tzinfo described by the file's own VTIMEZONE (dateutil's reading of it)."""
    return parsed.vtimezone.gettzinfo()


def wall_and_utc(parsed, prop):
    """The local wall time as written, and that time placed in the file's own zone."""
    # vobject swaps the TZID parameter for a tzinfo, and keeps the written name here.
    assert prop.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/London"]
    wall = prop.value.replace(tzinfo=None)
    return wall, wall.replace(tzinfo=file_zone(parsed)).astimezone(UTC)


def test_calendar_header():
    parsed = parse(build_calendar(autumn_cohort(), name="CCC — Leeds, autumn 2026"))
    assert parsed.prodid.value == "-//Northlight Coaching//Bookings//EN"
    assert parsed.version.value == "2.0"
    assert parsed.calscale.value == "GREGORIAN"
    assert parsed.method.value == "PUBLISH"
    assert parsed.x_wr_calname.value == "CCC — Leeds, autumn 2026"


def test_method_is_passed_through_in_upper_case():
    assert parse(build_calendar(autumn_cohort(), name="x", method="cancel")).method.value == (
        "CANCEL"
    )


def test_every_event_is_present_with_its_fields():
    events = [
        session(
            34,
            london(2026, 10, 22, 9, 30),
            london(2026, 10, 22, 15, 30),
            summary="CCC day 1",
            location="Northlight Centre, 1 Park Row, Leeds LS1 5HN",
            description="Bring a lesson plan.",
            url="https://bookings.example.org/courses/ccc/",
            sequence=3,
        ),
        session(35, london(2026, 11, 5, 9, 30), london(2026, 11, 5, 15, 30), summary="Day 2"),
    ]
    vevents = by_uid(parse(build_calendar(events, name="CCC")))
    assert set(vevents) == {
        "cohort-12-session-34@bookings.example.org",
        "cohort-12-session-35@bookings.example.org",
    }
    first = vevents["cohort-12-session-34@bookings.example.org"]
    assert first.summary.value == "CCC day 1"
    assert first.location.value == "Northlight Centre, 1 Park Row, Leeds LS1 5HN"
    assert first.description.value == "Bring a lesson plan."
    assert first.url.value == "https://bookings.example.org/courses/ccc/"
    assert first.sequence.value == "3"
    assert first.status.value == "CONFIRMED"
    assert first.transp.value == "OPAQUE"
    second = vevents["cohort-12-session-35@bookings.example.org"]
    assert (second.summary.value, second.location.value) == ("Day 2", "Online")
    assert second.sequence.value == "0"


def test_empty_optional_text_is_left_out():
    vevent = parse(build_calendar([session(1, *day_one(), location="")], name="x")).vevent
    for prop in ("location", "description", "url"):
        assert prop not in vevent.contents


def test_autumn_clock_change_keeps_the_wall_time():
    parsed = parse(build_calendar(autumn_cohort(), name="CCC"))
    vevents = by_uid(parsed)
    expected = {
        34: datetime.datetime(2026, 10, 22, 8, 30, tzinfo=UTC),  # BST, UTC+1
        35: datetime.datetime(2026, 11, 5, 9, 30, tzinfo=UTC),  # GMT
    }
    for session_id, start_utc in expected.items():
        vevent = vevents[session_uid(12, session_id, HOST)]
        wall, utc = wall_and_utc(parsed, vevent.dtstart)
        assert wall.time() == datetime.time(9, 30)
        assert utc == start_utc
        wall, utc = wall_and_utc(parsed, vevent.dtend)
        assert wall.time() == datetime.time(15, 30)
        assert utc == start_utc + datetime.timedelta(hours=6)


def test_spring_clock_change_keeps_the_wall_time():
    parsed = parse(build_calendar(spring_cohort(), name="CCC"))
    vevents = by_uid(parsed)
    expected = {
        40: datetime.datetime(2026, 3, 26, 9, 30, tzinfo=UTC),  # GMT
        41: datetime.datetime(2026, 4, 2, 8, 30, tzinfo=UTC),  # BST, UTC+1
    }
    for session_id, start_utc in expected.items():
        wall, utc = wall_and_utc(parsed, vevents[session_uid(12, session_id, HOST)].dtstart)
        assert wall.time() == datetime.time(9, 30)
        assert utc == start_utc


def test_times_given_in_utc_are_written_as_london_wall_time():
    start = datetime.datetime(2026, 10, 22, 8, 30, tzinfo=UTC)
    event = session(34, start, start + datetime.timedelta(hours=6))
    ics = build_calendar([event], name="CCC")
    assert b"DTSTART;TZID=Europe/London:20261022T093000\r\n" in ics
    assert b"DTEND;TZID=Europe/London:20261022T153000\r\n" in ics


def test_one_london_vtimezone_with_standard_and_daylight():
    parsed = parse(build_calendar(autumn_cohort() + spring_cohort(), name="CCC"))
    assert len(parsed.contents["vtimezone"]) == 1
    vtimezone = parsed.vtimezone
    assert vtimezone.tzid.value == "Europe/London"
    assert vtimezone.standard.tzname.value == "GMT"
    assert vtimezone.standard.tzoffsetto.value == "+0000"
    assert vtimezone.daylight.tzname.value == "BST"
    assert vtimezone.daylight.tzoffsetto.value == "+0100"


def test_vtimezone_is_written_as_yearly_rules_for_outlook():
    # Outlook misreads zones that list each change as an RDATE; it wants one RRULE a part.
    parsed = parse(build_calendar(autumn_cohort(), name="CCC"))
    for part in (parsed.vtimezone.standard, parsed.vtimezone.daylight):
        assert "rdate" not in part.contents
        assert part.rrule.value.startswith("FREQ=YEARLY")


def transition_hours(first_year, last_year):
    """Every UTC hour over the two days around each UK clock change in the years given."""
    for year in range(first_year, last_year + 1):
        for month in (3, 10):
            last_sunday = max(
                datetime.date(year, month, day)
                for day in range(25, 32)
                if datetime.date(year, month, day).weekday() == 6
            )
            midnight = datetime.datetime.combine(last_sunday, datetime.time(), tzinfo=UTC)
            for hour in range(-24, 24):
                yield midnight + datetime.timedelta(hours=hour)


def test_vtimezone_agrees_with_tzdata_around_every_change():
    zone = file_zone(parse(build_calendar(autumn_cohort(), name="CCC")))
    for moment in transition_hours(1996, 2037):
        assert moment.astimezone(zone).utcoffset() == moment.astimezone(LONDON).utcoffset(), moment


def test_rule_check_accepts_every_hour_the_rule_covers():
    # A check that is too strict would quietly send Outlook the zone it misreads.
    assert all(calendar._rule_fits(moment) for moment in transition_hours(1996, 2037))


def test_sessions_before_the_current_rule_get_the_real_transitions():
    # The UK ended summer time on 22 October 1995, not on the last Sunday: the rule-based
    # zone would put this session an hour out, so the file must describe the real changes.
    event = session(1, london(1995, 10, 25, 9, 30), london(1995, 10, 25, 15, 30))
    parsed = parse(build_calendar([event], name="old"))
    assert len(parsed.contents["vtimezone"]) == 1
    wall, utc = wall_and_utc(parsed, parsed.vevent.dtstart)
    assert wall.time() == datetime.time(9, 30)
    assert utc == datetime.datetime(1995, 10, 25, 9, 30, tzinfo=UTC)


def test_zone_falls_back_when_tzdata_leaves_the_rule(monkeypatch):
    # Let the rule claim 1995 too: only the check against tzdata can catch that it is wrong.
    monkeypatch.setattr(calendar, "RULE_SINCE", 1981)
    event = session(1, london(1995, 10, 25, 9, 30), london(1995, 10, 25, 15, 30))
    parsed = parse(build_calendar([event], name="old"))
    assert "rrule" not in parsed.vtimezone.standard.contents
    assert wall_and_utc(parsed, parsed.vevent.dtstart)[1] == datetime.datetime(
        1995, 10, 25, 9, 30, tzinfo=UTC
    )


def test_dtstamp_is_utc():
    stamp = datetime.datetime(2026, 9, 1, 12, 0, tzinfo=LONDON)
    ics = build_calendar(autumn_cohort(), name="CCC", stamp=stamp)
    assert ics.count(b"DTSTAMP:20260901T110000Z\r\n") == 2
    for vevent in parse(ics).vevent_list:
        assert vevent.dtstamp.value.utcoffset() == datetime.timedelta(0)


def test_uids_are_stable_and_only_the_stamp_changes():
    first = build_calendar(autumn_cohort(), name="CCC")
    second = build_calendar(autumn_cohort(), name="CCC")
    assert set(by_uid(parse(first))) == set(by_uid(parse(second)))
    stamps = [datetime.datetime(2026, 9, day, tzinfo=UTC) for day in (1, 2)]
    early, late = (build_calendar(autumn_cohort(), name="CCC", stamp=s) for s in stamps)
    assert early != late
    assert early.replace(b"20260901T000000Z", b"20260902T000000Z") == late


def test_session_uid_depends_only_on_the_keys():
    assert session_uid(12, 34, HOST) == "cohort-12-session-34@bookings.example.org"
    assert session_uid(12, 34, HOST) != session_uid(12, 35, HOST)


def test_cancelled_event_is_marked_cancelled():
    kept, dropped = autumn_cohort()
    dropped = session(35, dropped.start, dropped.end, cancelled=True, sequence=1)
    vevents = by_uid(parse(build_calendar([kept, dropped], name="CCC")))
    assert vevents[kept.uid].status.value == "CONFIRMED"
    assert vevents[dropped.uid].status.value == "CANCELLED"
    assert vevents[dropped.uid].sequence.value == "1"


AWKWARD = "Café, Room 2; Floor 1\nMain St"


def test_awkward_text_round_trips_through_both_parsers():
    long_text = "Ümlauts and “quotes”, semicolons; back\\slashes. " * 6
    event = session(
        34, *day_one(), summary="Coaching; day 1, Ł", location=AWKWARD, description=long_text
    )
    ics = build_calendar([event], name="Café; cohort, 12")
    vevent = parse(ics).vevent
    assert (vevent.summary.value, vevent.location.value) == ("Coaching; day 1, Ł", AWKWARD)
    assert vevent.description.value == long_text
    assert parse(ics).x_wr_calname.value == "Café; cohort, 12"
    [ievent] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(ievent["LOCATION"]) == AWKWARD
    assert str(ievent["DESCRIPTION"]) == long_text


def test_lines_end_in_crlf_and_fold_at_75_octets():
    event = session(34, *day_one(), description="é" * 200 + AWKWARD * 5)
    ics = build_calendar([event], name="CCC")
    assert ics.endswith(b"\r\n")
    lines = ics.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long text really was folded
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte character


def test_icalendar_reads_back_the_same_instants():
    events = autumn_cohort() + spring_cohort()
    ievents = icalendar.Calendar.from_ical(build_calendar(events, name="CCC")).walk("VEVENT")
    read = {str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND")) for e in ievents}
    assert read == {event.uid: (event.start, event.end) for event in events}


def test_calendar_response_is_a_download():
    ics = build_calendar(autumn_cohort(), name="CCC")
    response = calendar_response(ics, "ccc-leeds-autumn-2026.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == ('attachment; filename="ccc-leeds-autumn-2026.ics"')
    assert response.content == ics


def test_calendar_response_encodes_a_non_ascii_filename():
    response = calendar_response(b"", "café.ics")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''caf%C3%A9.ics"


@pytest.mark.parametrize(
    "fields",
    [
        {"start": datetime.datetime(2026, 10, 22, 9, 30)},  # naive
        {"end": datetime.datetime(2026, 10, 22, 15, 30)},  # naive
        {"end": london(2026, 10, 22, 9, 30)},  # not after the start
        {"uid": " "},
        {"sequence": -1},
    ],
)
def test_bad_events_are_refused(fields):
    good = {
        "uid": "u",
        "summary": "s",
        "start": london(2026, 10, 22, 9, 30),
        "end": london(2026, 10, 22, 15, 30),
    }
    with pytest.raises(ValueError):
        CalendarEvent(**(good | fields))


def test_duplicate_uids_are_refused():
    event = autumn_cohort()[0]
    with pytest.raises(ValueError, match="duplicate uid"):
        build_calendar([event, event], name="CCC")


def test_unknown_method_and_naive_stamp_are_refused():
    with pytest.raises(ValueError, match="method"):
        build_calendar(autumn_cohort(), name="CCC", method="PUBLISHED")
    with pytest.raises(ValueError, match="stamp"):
        build_calendar(autumn_cohort(), name="CCC", stamp=datetime.datetime(2026, 9, 1))
