"""The demo's portfolios on the Certificate in Coaching Competence: two teams, one at every
stage from just started to recommended. The session's database is seeded without demo
users (see conftest)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import roles
from bookings.models import term_of
from certification.models import (
    AuditEvent,
    CoachingCycle,
    CoachingSession,
    CoachingTeam,
    Enrolment,
    EnrolmentStatus,
    EvidenceFile,
    FileKind,
    ImpactStatement,
    ReflectiveEntry,
    Submission,
    SubmissionOutcome,
    TaskResponse,
)
from certification.services.progress import progress
from certification.uploads import sniff
from website.demo import certification as demo
from website.demo.content import DEMO_USERS
from website.demo.seed import seed_demo

pytestmark = pytest.mark.django_db

CCC = "certificate-in-coaching-competence"


def enrolments():
    return Enrolment.objects.filter(requirement_set__award__slug=CCC).select_related(
        "participant", "assessor", "organisation", "cohort", "requirement_set"
    )


def by_status(status):
    return [e for e in enrolments() if e.status == status]


def sessions_of(enrolment):
    return CoachingSession.objects.filter(enrolment=enrolment).count()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Enrolment,
            CoachingSession,
            CoachingCycle,
            ReflectiveEntry,
            TaskResponse,
            EvidenceFile,
            Submission,
            AuditEvent,
            ImpactStatement,
            CoachingTeam,
        )
    }


def test_two_teams_with_participants_at_every_stage():
    rows = list(enrolments())
    assert len(rows) == 6
    assert len({e.cohort_id for e in rows}) == 2
    for enrolment in rows:
        assert enrolment.cohort.course.slug == CCC
        assert enrolment.requirement_set == enrolment.award.current_requirements()
        assert enrolment.delegate.booking.organisation == enrolment.organisation
        assert enrolment.assessor.groups.filter(name=roles.ASSESSORS).exists()
        assert enrolment.participant.groups.filter(name=roles.PARTICIPANTS).exists()
    active = sorted(sessions_of(e) for e in by_status(EnrolmentStatus.ACTIVE))
    assert len(active) == 3
    assert 1 <= active[0] <= 2  # just started
    assert 12 <= active[-1] <= 18  # half way
    for status in (
        EnrolmentStatus.SUBMITTED,
        EnrolmentStatus.REFERRED,
        EnrolmentStatus.RECOMMENDED,
    ):
        assert len(by_status(status)) == 1, status


def test_the_diaries_are_dated_in_the_right_academic_year_and_never_ahead():
    today = timezone.localdate()
    this_year = demo.academic_year_of(today)
    for enrolment in enrolments():
        if enrolment.status == EnrolmentStatus.ACTIVE:
            assert enrolment.academic_year in (this_year, this_year - 1)
        else:
            # A whole year of sessions is only possible in a year that has ended.
            assert enrolment.academic_year < this_year
        days = list(enrolment.diary.values_list("held_on", flat=True))
        assert days and max(days) < today
        first = datetime.date(enrolment.academic_year, 9, 1)
        assert min(days) >= first
        assert max(days) < datetime.date(enrolment.academic_year + 1, 9, 1)


def test_the_diaries_have_cycles_phases_and_reflections_without_full_names():
    sessions = CoachingSession.objects.filter(enrolment__in=enrolments())
    assert sessions.count() > 100
    assert sessions.filter(cycle__isnull=False).exclude(phase="").exists()
    assert not sessions.filter(focus="").exists()
    assert not sessions.filter(reflection="").exists()
    assert set(sessions.values_list("style", flat=True)) >= {
        "facilitative",
        "dialogical",
        "directive",
    }
    assert CoachingCycle.objects.filter(enrolment__in=enrolments(), ended_on__isnull=False).exists()
    assert CoachingCycle.objects.filter(enrolment__in=enrolments(), ended_on__isnull=True).exists()
    names = {u.get_full_name() for u in get_user_model().objects.all()}
    coachees = set(sessions.values_list("coachee", flat=True))
    assert not coachees & names
    assert ReflectiveEntry.objects.filter(enrolment__in=enrolments()).count() >= 20


def test_files_are_real_pdfs_and_images_in_the_portfolio_storage():
    files = EvidenceFile.objects.filter(enrolment__in=enrolments())
    assert {f.kind for f in files} == {FileKind.PDF, FileKind.IMAGE}
    for evidence in files:
        with evidence.file.open("rb") as handle:
            data = handle.read()
        assert len(data) == evidence.size
        evidence.file.open("rb")
        try:
            assert sniff(evidence.file).sha256 == evidence.sha256
        finally:
            evidence.file.close()
        assert evidence.description
        assert evidence.reflective_entry_id or evidence.task_response_id


def test_the_submitted_portfolio_is_complete_and_waits_for_its_assessor():
    (enrolment,) = by_status(EnrolmentStatus.SUBMITTED)
    state = progress(enrolment)
    assert state.complete
    assert state.coaching.done == 30
    assert all(term.done >= 10 for term in state.terms)
    assert state.training.done == 3
    (submission,) = enrolment.submissions.all()
    assert submission.outcome == SubmissionOutcome.PENDING
    assert all(item["met"] for item in submission.snapshot["items"])
    assert submission.submitted_at < timezone.now()


def test_the_referred_portfolio_has_marks_and_feedback():
    (enrolment,) = by_status(EnrolmentStatus.REFERRED)
    (submission,) = enrolment.submissions.all()
    assert submission.outcome == SubmissionOutcome.REFERRED
    assert submission.decided_by == enrolment.assessor
    assert submission.feedback
    marks = list(submission.marks.all())
    assert len(marks) == len(submission.snapshot["items"])
    not_met = [m for m in marks if not m.met]
    assert {m.key for m in not_met} >= {"coaching", "term-2"}
    assert all(m.feedback for m in not_met)
    assert submission.decided_at > submission.submitted_at


def test_the_recommended_portfolio_has_every_requirement_met_and_awaits_moderation():
    (enrolment,) = by_status(EnrolmentStatus.RECOMMENDED)
    assert progress(enrolment).complete
    (submission,) = enrolment.submissions.all()
    assert submission.outcome == SubmissionOutcome.RECOMMENDED
    assert submission.moderation == ""
    assert submission.marks.count() == len(submission.snapshot["items"])
    assert all(mark.met for mark in submission.marks.all())


def test_the_demo_school_has_a_coaching_team_and_an_impact_statement():
    (statement,) = ImpactStatement.objects.filter(cycle__enrolment__in=enrolments())
    cycle = statement.cycle
    assert cycle.ended_on is not None and cycle.sessions.exists()
    team = CoachingTeam.objects.get(organisation=cycle.enrolment.organisation)
    assert statement.author == team.impact_lead
    assert team.coaching_leads.exists()
    assert team.impact_lead not in team.coaching_leads.all()


def test_the_people_made_for_the_portfolios_cannot_sign_in():
    demo_emails = {email for email, *_ in DEMO_USERS}
    rows = list(enrolments())
    people = {e.participant for e in rows} | {e.assessor for e in rows}
    team = CoachingTeam.objects.get(organisation=rows[0].organisation)
    people |= {team.impact_lead, *team.coaching_leads.all()}
    for person in people:
        assert person.email not in demo_emails
        assert not person.has_usable_password(), person


def test_seeding_again_adds_nothing():
    before = counts()
    report = seed_demo(demo_users=False)
    assert report.created == []
    assert counts() == before


def test_with_demo_users_the_demo_participant_is_half_way_and_the_demo_assessor_assesses():
    # Start the portfolios again, as on a fresh database seeded with the demo users.
    rows = list(enrolments())
    AuditEvent.objects.filter(enrolment__in=rows).delete()
    Submission.objects.filter(enrolment__in=rows).delete()
    Enrolment.objects.filter(pk__in=[e.pk for e in rows]).delete()
    seed_demo(demo_users=True)
    emails = {role: email for email, _, _, role, _ in DEMO_USERS}
    participant = Enrolment.objects.get(participant__email=emails[roles.PARTICIPANTS])
    assert participant.status == EnrolmentStatus.ACTIVE
    assert 12 <= sessions_of(participant) <= 18
    assert participant.files.exists()
    assert {e.assessor.email for e in enrolments()} == {emails[roles.ASSESSORS]}
    before = counts()
    assert seed_demo(demo_users=True).created == []
    assert counts() == before


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (datetime.date(2026, 9, 3), 2025),  # too early in the autumn to be half way
        (datetime.date(2026, 11, 24), 2026),
        (datetime.date(2027, 2, 10), 2026),
        (datetime.date(2027, 6, 30), 2026),
        (datetime.date(2027, 8, 20), 2026),
    ],
)
def test_diary_dates_fit_the_year_whatever_the_day(today, year):
    assert demo._this_years_team_year(today) == year
    training = demo._training_days(year, today)
    assert len({term_of(day) for day in training}) == 3
    for day in training:
        assert day < today or day >= today + datetime.timedelta(days=14)
    for stage in (demo.STARTED, demo.GETTING_GOING, demo.HALF_WAY):
        dates = demo._diary_dates(stage, year, today)
        assert dates and max(dates) < today
        assert min(dates) > training[0]
    assert len(demo._diary_dates(demo.HALF_WAY, year, today)) == 15
    for stage in (demo.SUBMITTED, demo.REFERRED, demo.RECOMMENDED):
        dates = demo._diary_dates(stage, year - 1, today)
        assert max(dates) < today
        per_term = {}
        for day in dates:
            per_term[term_of(day)] = per_term.get(term_of(day), 0) + 1
        assert len(per_term) == 3 and min(per_term.values()) >= 10


def test_every_page_of_every_demo_portfolio_renders_for_its_assessor_and_participant(client):
    from django.urls import reverse

    from certification.models import Enrolment

    names = ["portfolio", "diary", "log", "tasks", "files", "history"]
    for enrolment in Enrolment.objects.select_related("participant", "assessor"):
        for user in (enrolment.participant, enrolment.assessor):
            client.force_login(user)
            for name in names:
                url = reverse(f"certification:{name}", args=[enrolment.pk])
                assert client.get(url).status_code == 200, (user, url)
            for submission in enrolment.submissions.all():
                url = reverse("certification:submission", args=[enrolment.pk, submission.number])
                assert client.get(url).status_code == 200, (user, url)
    # Enrolled by the seed, not by a person: the audit trail says so.
    client.force_login(enrolment.assessor)
    page = client.get(reverse("certification:history", args=[enrolment.pk])).content.decode()
    assert "The system" in page


def test_every_demo_award_has_its_certificate_number_prefix():
    from certification.models import Award

    prefixes = dict(Award.objects.values_list("slug", "number_prefix"))
    assert prefixes["certificate-in-coaching-competence"] == "CCC"
    assert all(prefixes.values()), prefixes
