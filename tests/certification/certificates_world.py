"""Builders for certificate tests: an award and enrolments that meet every requirement
and are recommended, so that only the rule under test stands in the way."""

import datetime
import itertools

from django.utils import timezone

from accounts import roles
from certification.models import (
    Award,
    AwardKind,
    CoachingSession,
    Enrolment,
    SubmissionOutcome,
    TaskKind,
    TaskResponse,
)
from certification.services.requirements import revise_requirements
from certification.services.submission import review, submit
from tests.bookings import factories

from .portfolio_world import person

_serial = itertools.count(1)


def award(prefix="TCC", *, qa=False, moderation=False, kind=AwardKind.CERTIFICATE):
    n = next(_serial)
    made = Award.objects.create(
        name=f"Test Certificate in Coaching {n}",
        slug=f"test-certificate-{n}",
        kind=kind,
        level="Level 5",
        number_prefix=f"{prefix}{n}"[:6] if prefix == "TCC" else prefix,
    )
    revise_requirements(
        made,
        coaching_sessions_total=2,
        coaching_minimum_minutes=30,
        qa_visit_required=qa,
        moderation_required=moderation,
        tasks=[("Final reflection", TaskKind.FINAL, "Looking back")],
    )
    return made


def ready(
    award, *, assessor=None, school=None, recommend=True, first="Pat", last=None, cohort=None
):
    """An enrolment that meets every requirement, submitted and (by default) recommended."""
    n = next(_serial)
    participant = person(
        f"holder{n}@school.example", roles.PARTICIPANTS, first, last or f"Holder{n}"
    )
    assessor = assessor or person(f"assessor{n}@provider.example", roles.ASSESSORS)
    enrolment = Enrolment.objects.create(
        participant=participant,
        requirement_set=award.current_requirements(),
        organisation=school or factories.organisation(),
        assessor=assessor,
        academic_year=2025,
        cohort=cohort,
    )
    for day in (datetime.date(2025, 10, 1), datetime.date(2026, 2, 1)):
        CoachingSession.objects.create(enrolment=enrolment, held_on=day, minutes=40, coachee="ECT")
    TaskResponse.objects.create(
        enrolment=enrolment,
        task=enrolment.requirement_set.tasks.get(),
        answer="Done",
        completed_at=timezone.now(),
    )
    if recommend:
        submission = submit(enrolment, participant)
        review(
            submission,
            assessor,
            marks={i["key"]: (True, "") for i in submission.snapshot["items"]},
            feedback="",
            outcome=SubmissionOutcome.RECOMMENDED,
        )
    enrolment.refresh_from_db()
    return enrolment
