"""The participant's pages: the diary's quick form, cycles and impact statements, the
log and tasks; and the query counts of the progress page and the assessor's list, which
do not grow with diary entries or participants."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certification.models import (
    CoachingSession,
    Enrolment,
    ImpactStatement,
    ReflectiveEntry,
)
from certification.services.portfolio import start_cycle

from .portfolio_world import build_world, person, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_sessions(enrolment, count):
    CoachingSession.objects.bulk_create(
        CoachingSession(
            enrolment=enrolment,
            held_on=datetime.date(2026, 9, 1) + datetime.timedelta(days=n % 200),
            minutes=30 + n % 30,
            coachee=f"Colleague {n}",
        )
        for n in range(count)
    )


def test_the_progress_page_costs_the_same_queries_however_long_the_diary(client, world):
    client.force_login(world.people["participant"])
    url = reverse("certification:portfolio", args=[world.enrolment.pk])
    client.get(url)  # warm the session
    few = queries(client, url)
    add_sessions(world.enrolment, 40)
    ReflectiveEntry.objects.bulk_create(
        ReflectiveEntry(enrolment=world.enrolment, title=f"E{n}", body="b") for n in range(10)
    )
    for n in range(3):
        upload_file(world.enrolment, f"more{n}.pdf")
    many = queries(client, url)
    assert many == few
    assert few <= 14, few


def test_the_assessors_list_costs_the_same_queries_however_many_participants(client, world):
    assessor = world.people["assessor"]
    client.force_login(assessor)
    url = reverse("certification:portfolios")
    client.get(url)
    few = queries(client, url)
    for n in range(12):
        enrolment = Enrolment.objects.create(
            participant=person(f"extra{n}@school.example", first_name="Extra", last_name=str(n)),
            requirement_set=world.enrolment.requirement_set,
            organisation=world.enrolment.organisation,
            assessor=assessor,
            academic_year=2026,
        )
        add_sessions(enrolment, 5)
    many = queries(client, url)
    page = client.get(url).content.decode()
    assert page.count("Extra ") == 12
    assert many == few
    assert few <= 14, few


def test_a_session_is_logged_from_the_quick_form(client, world):
    client.force_login(world.people["participant"])
    url = reverse("certification:session-add", args=[world.enrolment.pk])
    form = client.get(url).context["form"]
    assert list(form.fields) == ["held_on", "minutes", "coachee", "cycle", "phase", "focus"]
    assert [n for n, f in form.fields.items() if f.required] == ["held_on", "minutes", "coachee"]
    today = timezone.localdate()
    response = client.post(url, {"held_on": today.isoformat(), "minutes": "40", "coachee": "NQT"})
    assert response.status_code == 302
    session = world.enrolment.diary.get(coachee="NQT")
    assert session.minutes == 40 and session.held_on == today
    # "Save and add details" goes on to the whole form.
    more = client.post(
        url,
        {"held_on": today.isoformat(), "minutes": "30", "coachee": "HoD", "add_details": "1"},
    )
    second = world.enrolment.diary.get(coachee="HoD")
    assert more["Location"] == reverse(
        "certification:session-edit", args=[world.enrolment.pk, second.pk]
    )
    assert "reflection" in client.get(more["Location"]).context["form"].fields


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"held_on": "2099-01-01", "minutes": "30", "coachee": "X"}, "held_on", "before it has"),
        ({"held_on": "2026-10-01", "minutes": "0", "coachee": "X"}, "minutes", "between 1 and 600"),
        ({"held_on": "2026-10-01", "minutes": "700", "coachee": "X"}, "minutes", "between 1"),
        ({"held_on": "2026-10-01", "minutes": "30", "coachee": ""}, "coachee", "required"),
        ({"held_on": "not a date", "minutes": "30", "coachee": "X"}, "held_on", "valid date"),
    ],
)
def test_bad_session_input_is_refused_at_the_field(client, world, data, field, words):
    client.force_login(world.people["participant"])
    before = world.enrolment.diary.count()
    response = client.post(reverse("certification:session-add", args=[world.enrolment.pk]), data)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert world.enrolment.diary.count() == before


def test_cycles_are_numbered_and_sessions_grouped_under_their_goal(client, world):
    client.force_login(world.people["participant"])
    e = world.enrolment
    client.post(
        reverse("certification:cycle-add", args=[e.pk]),
        {"coachee": "RQT", "goal": "Questioning in maths", "started_on": "2026-11-02"},
    )
    cycle = e.cycles.get(goal="Questioning in maths")
    assert cycle.number == 2  # the world already has cycle 1
    client.post(
        reverse("certification:session-add", args=[e.pk]) + "?full=1",
        {
            "full": "1",
            "held_on": "2026-11-03",
            "minutes": "45",
            "coachee": "RQT",
            "cycle": cycle.pk,
            "phase": "learn",
            "style": "facilitative",
            "reflection": "Good silence",
        },
    )
    diary = client.get(reverse("certification:diary", args=[e.pk])).content.decode()
    assert "Cycle 2: Questioning in maths" in diary
    assert diary.index("Cycle 2: Questioning") < diary.index("3 Nov 2026")
    bad = client.post(
        reverse("certification:cycle-edit", args=[e.pk, cycle.pk]),
        {"coachee": "RQT", "goal": "Q", "started_on": "2026-11-02", "ended_on": "2026-10-01"},
    )
    assert "can't end before it starts" in " ".join(bad.context["form"].errors["ended_on"])


def test_the_impact_lead_writes_a_statement_the_participant_sees(client, world):
    e, cycle = world.enrolment, world.objects["cycle"]
    client.force_login(world.people["impact lead"])
    url = reverse("certification:impact", args=[e.pk, cycle.pk])
    client.post(url, {"text": "Routines at the door now shared across year 4."})
    statement = ImpactStatement.objects.get(cycle=cycle)
    assert statement.author == world.people["impact lead"]
    assert e.audit.filter(action="impact").exists()
    client.force_login(world.people["participant"])
    diary = client.get(reverse("certification:diary", args=[e.pk])).content.decode()
    assert "Routines at the door now shared" in diary
    # Not the participant, nor the other school's impact lead, may write one.
    for who in ("participant", "other school's impact lead", "coaching lead"):
        client.force_login(world.people[who])
        assert client.post(url, {"text": "x"}).status_code == 404


def test_the_coachee_link_can_be_emailed_and_is_shown_once(client, world):
    e, session = world.enrolment, world.objects["session"]
    client.force_login(world.people["participant"])
    mail.outbox.clear()
    response = client.post(
        reverse("certification:link-add", args=[e.pk, session.pk]),
        {"email": "coachee@school.example"},
        follow=True,
    )
    assert mail.outbox[0].to == ["coachee@school.example"]
    url = next(w for w in mail.outbox[0].body.split() if "/portfolio/coachee/" in w)
    url = url.replace("http://testserver", "")
    assert url in response.content.decode()
    # Only a hash of the token is stored.
    link = session.coachee_links.order_by("-pk").first()
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert client.get(url).status_code == 200
    # Shown once: a reload does not show it again.
    again = client.get(reverse("certification:session", args=[e.pk, session.pk]))
    assert url not in again.content.decode()
    refused = client.post(
        reverse("certification:link-add", args=[e.pk, session.pk]), {"email": "not-an-address"}
    )
    assert refused.status_code == 302
    assert session.coachee_links.count() == 2  # the world's and this one


def test_a_task_is_kept_as_a_draft_until_marked_complete(client, world):
    e, task = world.enrolment, world.objects["task"]
    client.force_login(world.people["participant"])
    url = reverse("certification:task", args=[e.pk, task.pk])
    client.post(url, {"answer": "Half of it"})
    answer = e.answers.get(task=task)
    assert answer.answer == "Half of it" and answer.completed_at is None
    refused = client.post(url, {"answer": "", "complete": "on"})
    assert "before marking the task complete" in " ".join(refused.context["form"].errors["answer"])
    client.post(url, {"answer": "All of it", "complete": "on"})
    answer.refresh_from_db()
    assert answer.completed_at is not None


def test_the_portfolio_exports_to_one_pdf(client, world):
    import subprocess

    client.force_login(world.people["participant"])
    response = client.get(reverse("certification:pdf", args=[world.enrolment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    for words in ("Mine reflection", "Mine log body", "Mine answer", "Mine.pdf", "Pat Lee"):
        assert words in text


def test_the_account_page_leads_to_the_portfolio(client, world):
    for who, words in (("participant", "Your portfolio"), ("assessor", "Portfolios")):
        client.force_login(world.people[who])
        page = client.get(reverse("accounts:account")).content.decode()
        assert words in page and reverse("certification:portfolios") in page
    client.force_login(world.people["booker"])
    page = client.get(reverse("accounts:account")).content.decode()
    assert reverse("certification:portfolios") not in page


def test_an_impact_statement_waits_for_the_cycle_to_end(client, world):
    e = world.enrolment
    running = start_cycle(e, coachee="TA", goal="Running cycle")
    client.force_login(world.people["impact lead"])
    url = reverse("certification:impact", args=[e.pk, running.pk])
    response = client.post(url, {"text": "Too early"}, follow=True)
    assert "still running" in response.content.decode()
    assert not ImpactStatement.objects.filter(cycle=running).exists()


def test_coachee_links_stop_when_the_portfolio_closes_and_are_capped(client, world):
    e, session, link = world.enrolment, world.objects["session"], world.objects["link"]
    coachee = reverse("certification:coachee", args=[link.token])
    assert client.get(coachee).status_code == 200
    e.status = "withdrawn"
    e.save()
    assert client.get(coachee).status_code == 404
    e.status = "submitted"
    e.save()
    client.force_login(world.people["participant"])
    url = reverse("certification:link-add", args=[e.pk, session.pk])
    for _ in range(10):
        client.post(url, {})
    assert session.coachee_links.count() == 5  # the world's and four more today
    refused = client.post(url, {}, follow=True)
    assert "made 5 links for this session today" in refused.content.decode()


def test_the_pdf_footer_carries_names_as_written(client, world):
    import subprocess

    participant = world.people["participant"]
    participant.first_name, participant.last_name = "Mary-Jane", "O'Brien"
    participant.save()
    client.force_login(participant)
    pdf = client.get(reverse("certification:pdf", args=[world.enrolment.pk])).content
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Mary-Jane O'Brien" in text
    assert "u002D" not in text and "u0027" not in text


def test_long_unclosed_bold_marks_are_cheap_to_show():
    from certification.templatetags.portfolio_tags import formatted

    html = formatted("**a " * 50_000)
    assert html.count("<strong>") == 25_000
    unclosed = formatted("**" + "word " * 50_000)
    assert "<strong>" not in unclosed
