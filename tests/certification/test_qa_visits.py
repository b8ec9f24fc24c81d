"""QA visits: the office schedules one in the Wagtail admin and the assessor and the
school's coaching leads get it by email with a calendar file; the assessor records it on
a phone-sized form; the report PDF is for the coaching leads, the assessor and the
office; a confirmed visit is what certificates will ask for."""

import datetime
import subprocess

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from certification.models import QAVisit, VisitOutcome, VisitStatus
from certification.services.qa import confirmed_visit, record_visit

from .portfolio_world import build_world, person

pytestmark = pytest.mark.django_db
LONDON = timezone.get_default_timezone()


def at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)), LONDON)


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def visit(world):
    e = world.enrolment
    day = timezone.localdate()  # a visit can be recorded from its day
    visit = QAVisit.objects.create(
        organisation=e.organisation,
        award=e.requirement_set.award,
        starts_at=at(day, 10),
        ends_at=at(day, 12),
        assessor=world.people["assessor"],
    )
    visit.to_see.add(e)
    return visit


def admin_data(world, **changes):
    e = world.enrolment
    day = timezone.localdate() + datetime.timedelta(days=20)
    data = {
        "organisation": e.organisation.pk,
        "award": e.requirement_set.award.pk,
        "starts_at": f"{day:%Y-%m-%d} 09:30",
        "ends_at": f"{day:%Y-%m-%d} 11:00",
        "location": "Library",
        "assessor": world.people["assessor"].pk,
        "to_see": [e.pk],
        "status": "scheduled",
    }
    return {**data, **changes}


def calendars(message):
    return [
        Calendar.from_ical(content)
        for name, content, _ in message.attachments
        if name.endswith(".ics")
    ]


def test_the_office_schedules_a_visit_and_the_assessor_and_coaching_leads_get_it(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.people["admin"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certification_qa_visits:add"), admin_data(world))
    assert response.status_code == 302, response.context["form"].errors
    visit = QAVisit.objects.get(location="Library")
    assert sorted(m.to[0] for m in mail.outbox) == ["asha@provider.example", "cora@school.example"]
    (cal,) = calendars(mail.outbox[0])
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("QA visit: Coaching certificate (view tests)")
    assert event.decoded("DTSTART") == visit.starts_at
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert "Pat Lee" in mail.outbox[0].body  # whom the assessor will see

    # Moving it sends an update with a higher sequence; cancelling sends a cancellation.
    mail.outbox.clear()
    later = admin_data(world, starts_at=admin_data(world)["starts_at"].replace("09:30", "13:00"))
    later["ends_at"] = later["ends_at"].replace("11:00", "15:00")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certification_qa_visits:edit", args=[visit.pk]), later)
    visit.refresh_from_db()
    assert visit.sequence == 1 and mail.outbox[0].subject.startswith("Changed:")
    (event,) = calendars(mail.outbox[0])[0].walk("VEVENT")
    assert event["SEQUENCE"] == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("certification_qa_visits:edit", args=[visit.pk]),
            {**later, "status": "cancelled"},
        )
    (cal,) = calendars(mail.outbox[0])
    assert cal["METHOD"] == "CANCEL" and mail.outbox[0].subject.startswith("Cancelled:")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ends_at": "2020-01-01 08:00"}, "ends_at", "end after it starts"),
        ("other", "to_see", "only participants of this school"),
        ({"assessor": "editor"}, "assessor", "Select a valid choice"),
    ],
)
def test_scheduling_mistakes_are_refused_at_the_field(client, world, changes, field, words):
    client.force_login(world.people["admin"])
    if changes == "other":
        changes = {"to_see": [world.other.pk]}
    if changes.get("assessor") == "editor":
        changes = {"assessor": world.people["editor"].pk}
    response = client.post(reverse("certification_qa_visits:add"), admin_data(world, **changes))
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert not QAVisit.objects.filter(location="Library").exists()


def record_data(world, **changes):
    return {
        "attended": "Ruth Dennison (deputy head)\nJoe Whitaker (lead coach)",
        "sampled": [world.enrolment.pk],
        "evidence_seen": "Diaries for two terms; the coaching rubric.",
        "findings": "Sessions are regular and reflective.",
        "outcome": "confirmed",
        **changes,
    }


def test_the_assessor_records_a_confirmed_visit_and_the_report_says_so(client, world, visit):
    assert confirmed_visit(visit.organisation, visit.award) is None
    client.force_login(world.people["assessor"])
    url = reverse("qa:record", args=[visit.pk])
    form = client.get(url).context["form"]
    assert form.initial["sampled"] == [world.enrolment.pk]
    response = client.post(url, record_data(world))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.is_confirmed and visit.recorded_by == world.people["assessor"]
    assert list(visit.sampled.all()) == [world.enrolment]
    assert confirmed_visit(visit.organisation, visit.award) == visit
    # Recorded once: the form is not offered again.
    assert client.get(url)["Location"] == reverse("qa:visit", args=[visit.pk])
    client.force_login(world.people["coaching lead"])
    pdf = client.get(reverse("qa:report", args=[visit.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    for words in ("Quality-assurance visit report", "Confirmed", "Sessions are regular", "Pat Lee"):
        assert words in text


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"outcome": "actions"}, "actions", "Say what the school needs to do"),
        ({"outcome": "actions", "actions": "Log sessions"}, "follow_up_by", "Give the date"),
        (
            {"outcome": "actions", "actions": "x", "follow_up_by": "2000-01-01"},
            "follow_up_by",
            "comes after the visit",
        ),
        ({"outcome": ""}, "outcome", "required"),
        ({"findings": ""}, "findings", "required"),
        ("other", "sampled", "Select a valid choice"),
    ],
)
def test_bad_records_are_refused_at_the_field(client, world, visit, changes, field, words):
    if changes == "other":
        changes = {"sampled": [world.other.pk]}
    client.force_login(world.people["assessor"])
    response = client.post(reverse("qa:record", args=[visit.pk]), record_data(world, **changes))
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert response.context["form"]["evidence_seen"].value().startswith("Diaries")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_a_visit_still_to_come_cannot_be_recorded_until_its_day(client, world, visit):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    QAVisit.objects.filter(pk=visit.pk).update(starts_at=at(tomorrow, 9), ends_at=at(tomorrow, 11))
    client.force_login(world.people["assessor"])
    words = f"This visit is on {tomorrow:%-d %B %Y}: it can be recorded from that day."
    page = client.get(reverse("qa:visit", args=[visit.pk])).content.decode()
    assert words in page and reverse("qa:record", args=[visit.pk]) not in page
    form_page = client.get(reverse("qa:record", args=[visit.pk]))
    assert words in form_page.content.decode() and "form" not in form_page.context
    client.post(reverse("qa:record", args=[visit.pk]), record_data(world))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED
    with pytest.raises(Exception, match="can be recorded from that day"):
        record_visit(
            visit,
            world.people["assessor"],
            attended="A",
            sampled=[],
            evidence_seen="B",
            findings="C",
            outcome="confirmed",
        )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"follow_up_by": "9999-12-31"}, "follow_up_by", "Give a date by"),
        ({"follow_up_at": "9999-12-31T23:45"}, "follow_up_at", "Book it by"),
    ],
)
def test_a_follow_up_too_far_ahead_is_refused_at_its_field(
    client, world, visit, changes, field, words
):
    day = timezone.localtime(visit.starts_at).date()
    data = {
        "outcome": "actions",
        "actions": "Log the summer sessions.",
        "follow_up_by": f"{day + datetime.timedelta(days=30):%Y-%m-%d}",
        **changes,
    }
    client.force_login(world.people["assessor"])
    response = client.post(reverse("qa:record", args=[visit.pk]), record_data(world, **data))
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_actions_required_books_the_follow_up_visit(
    client, world, visit, django_capture_on_commit_callbacks
):
    client.force_login(world.people["assessor"])
    day = timezone.localtime(visit.starts_at).date()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("qa:record", args=[visit.pk]),
            record_data(
                world,
                outcome="actions",
                actions="Log the summer sessions.",
                follow_up_by=f"{day + datetime.timedelta(days=30):%Y-%m-%d}",
                follow_up_at=f"{day + datetime.timedelta(days=35):%Y-%m-%d}T10:00",
            ),
        )
    visit.refresh_from_db()
    assert visit.outcome == VisitOutcome.ACTIONS_REQUIRED
    follow_up = visit.follow_up_visit
    assert follow_up.status == VisitStatus.SCHEDULED and follow_up.assessor == visit.assessor
    assert follow_up.ends_at - follow_up.starts_at == visit.ends_at - visit.starts_at
    assert confirmed_visit(visit.organisation, visit.award) is None
    assert {m.to[0] for m in mail.outbox} == {"asha@provider.example", "cora@school.example"}
    page = client.get(reverse("qa:visit", args=[visit.pk])).content.decode()
    assert "Log the summer sessions." in page and reverse("qa:visit", args=[follow_up.pk]) in page


def test_a_recorded_visit_cannot_be_recorded_twice(world, visit):
    record_visit(
        visit,
        world.people["assessor"],
        attended="A",
        sampled=[],
        evidence_seen="B",
        findings="C",
        outcome="confirmed",
    )
    with pytest.raises(Exception, match="already been recorded"):
        record_visit(
            visit,
            world.people["assessor"],
            attended="A",
            sampled=[],
            evidence_seen="B",
            findings="C",
            outcome="confirmed",
        )


ROLES = {
    # role: (list, detail/calendar, record, report)
    "assessor": (200, 200, 200, 200),
    "admin": (200, 200, 404, 200),
    "coaching lead": (200, 200, 404, 200),
    "other assessor": (404, 404, 404, 404),
    "impact lead": (404, 404, 404, 404),
    "participant": (404, 404, 404, 404),
    "other participant": (404, 404, 404, 404),
    "other school's impact lead": (404, 404, 404, 404),
    "booker": (404, 404, 404, 404),
    "editor": (404, 404, 404, 404),
    "senior assessor": (404, 404, 404, 404),
}


@pytest.mark.parametrize("who", [*ROLES, "signed out", "other school's coaching lead"])
def test_each_role_reaches_only_the_visits_it_should(client, world, visit, who):
    record_visit(
        visit,
        world.people["assessor"],
        attended="A",
        sampled=[world.enrolment],
        evidence_seen="B",
        findings="C",
        outcome="confirmed",
    )
    # A second, unrecorded visit, to reach the record form.
    scheduled = QAVisit.objects.create(
        organisation=visit.organisation,
        award=visit.award,
        starts_at=visit.starts_at,
        ends_at=visit.ends_at,
        assessor=visit.assessor,
    )
    if who == "other school's coaching lead":
        lead = person("olga@other.example")
        world.other.organisation.coaching_team.coaching_leads.add(lead)
        client.force_login(lead)
        expected = (404, 404, 404, 404)
    elif who != "signed out":
        client.force_login(world.people[who])
        expected = ROLES[who]
    urls = [
        reverse("qa:visits"),
        reverse("qa:visit", args=[visit.pk]),
        reverse("qa:record", args=[scheduled.pk]),
        reverse("qa:report", args=[visit.pk]),
    ]
    answers = tuple(client.get(url).status_code for url in urls)
    calendar = client.get(reverse("qa:calendar", args=[visit.pk])).status_code
    if who == "signed out":
        assert set(answers) == {302} and calendar == 302
        return
    assert answers == expected
    assert calendar == expected[1]


def test_the_visit_is_not_in_the_admin_for_other_roles(client, world):
    for who in ("assessor", "coaching lead", "editor", "participant"):
        client.force_login(world.people[who])
        assert client.get(reverse("certification_qa_visits:index")).status_code in (302, 403)


def test_the_account_page_leads_to_the_visits(client, world, visit):
    for who, shown in (("assessor", True), ("coaching lead", True), ("participant", False)):
        client.force_login(world.people[who])
        page = client.get(reverse("accounts:account")).content.decode()
        assert (reverse("qa:visits") in page) is shown, who


def test_the_admin_list_of_visits_takes_the_same_queries_for_2_or_12(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.bookings import factories

    e = world.enrolment

    def add(count):
        for n in range(count):
            day = datetime.date(2026, 5, 1) + datetime.timedelta(days=n)
            QAVisit.objects.create(
                organisation=factories.organisation(),
                award=e.requirement_set.award,
                starts_at=at(day, 10),
                ends_at=at(day, 12),
                assessor=person(f"assessor{QAVisit.objects.count()}@provider.example"),
            )

    client.force_login(world.people["admin"])
    url = reverse("certification_qa_visits:index")
    add(2)
    client.get(url)  # the admin's own first-visit queries out of the way
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("assessor1") >= 1
    assert len(many) == len(few)
