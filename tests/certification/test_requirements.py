"""Requirement counting against versioned requirement sets: the edges of a term's count,
a session a minute short, sessions on the last day of a term, and an enrolment that
keeps its old version after the award's requirements change."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.services.attendance import mark_register
from bookings.services.booking import place_booking
from certification.models import (
    Award,
    AwardKind,
    CoachingSession,
    Enrolment,
    ReflectiveEntry,
    TaskKind,
    TaskResponse,
)
from certification.services.progress import progress
from certification.services.requirements import revise_requirements
from tests.bookings import factories

pytestmark = pytest.mark.django_db

TASKS = [
    ("Starting points", TaskKind.PRE_COURSE, "Where are you now as a coach?"),
    ("Self and organisational review", TaskKind.REVIEW, "Set your impact measures."),
    ("After Fundamentals", TaskKind.AFTER_SESSION, ""),
    ("Final reflection", TaskKind.FINAL, ""),
]


@pytest.fixture
def certificate():
    award = Award.objects.create(
        name="Coaching certificate (test)",
        slug="ccc",
        kind=AwardKind.CERTIFICATE,
        level="Level 5",
    )
    revise_requirements(
        award,
        training_sessions=3,
        coaching_sessions_total=30,
        coaching_sessions_per_term=10,
        coaching_minimum_minutes=30,
        reflective_entries=3,
        tasks=TASKS,
    )
    return award


def enrol(award, year=2026, **fields):
    user = get_user_model().objects.create_user(
        email=f"participant{get_user_model().objects.count()}@school.example", password="x"
    )
    return Enrolment.objects.create(
        participant=user,
        requirement_set=award.current_requirements(),
        academic_year=year,
        **fields,
    )


def log(enrolment, day, minutes=30, count=1):
    for _ in range(count):
        CoachingSession.objects.create(
            enrolment=enrolment, held_on=day, minutes=minutes, coachee="ECT, year 4"
        )


def test_the_tenth_session_of_a_term_meets_the_term(certificate):
    enrolment = enrol(certificate)
    log(enrolment, datetime.date(2026, 10, 6), count=9)
    autumn = progress(enrolment).terms[0]
    assert (autumn.label, autumn.done, autumn.met) == ("Autumn 2026", 9, False)
    log(enrolment, datetime.date(2026, 10, 13))
    autumn = progress(enrolment).terms[0]
    assert (autumn.done, autumn.met) == (10, True)


def test_a_session_one_minute_short_does_not_count(certificate):
    enrolment = enrol(certificate)
    log(enrolment, datetime.date(2026, 11, 3), minutes=29)
    result = progress(enrolment)
    assert result.coaching.done == 0 and result.short_sessions == 1
    log(enrolment, datetime.date(2026, 11, 3), minutes=30)
    assert progress(enrolment).coaching.done == 1


def test_sessions_on_the_last_day_of_a_term_count_for_that_term(certificate):
    enrolment = enrol(certificate)
    log(enrolment, datetime.date(2026, 12, 31))  # autumn's last day
    log(enrolment, datetime.date(2027, 3, 31))  # spring's last day
    log(enrolment, datetime.date(2027, 4, 1))  # summer's first
    log(enrolment, datetime.date(2026, 8, 31))  # before the academic year: not counted
    log(enrolment, datetime.date(2027, 9, 1))  # after it: not counted
    result = progress(enrolment)
    assert [(t.label, t.done) for t in result.terms] == [
        ("Autumn 2026", 1),
        ("Spring 2027", 1),
        ("Summer 2027", 1),
    ]
    assert result.coaching.done == 3


def test_progress_in_plain_words_with_what_to_do_next(certificate):
    enrolment = enrol(certificate)
    log(enrolment, datetime.date(2026, 10, 1), count=10)
    log(enrolment, datetime.date(2027, 2, 1), count=7)
    result = progress(enrolment)
    assert result.coaching_words() == (
        "Coaching sessions 17 of 30: autumn 10 of 10, spring 7 of 10, summer 0 of 10"
    )
    steps = result.next_steps()
    assert steps[0] == "Attend the training: 0 of 3 sessions so far."
    assert "Log 3 more coaching sessions in Spring 2027." in steps
    assert "Complete the portfolio tasks: 0 of 4 done." in steps
    assert "Write 3 more reflective-log entries." in steps
    assert not result.complete


def test_everything_met_is_complete(certificate):
    cohort = factories.cohort(capacity=6, days_ahead=3, sessions=3)
    factories.invoicing_settings()
    booker = factories.booker()
    booking = place_booking(factories.booking_request(cohort, booker, 1), booker)
    delegate = booking.delegates.get()
    enrolment = enrol(certificate, cohort=cohort, delegate=delegate)
    for session in cohort.sessions.all():
        mark_register(session, {delegate.pk: "late"}, actor=None)
    for day in (datetime.date(2026, 10, 1), datetime.date(2027, 2, 1), datetime.date(2027, 5, 1)):
        log(enrolment, day, count=10)
    for n in range(3):
        ReflectiveEntry.objects.create(enrolment=enrolment, title=f"Week {n}", body="...")
    for task in enrolment.requirement_set.tasks.all():
        TaskResponse.objects.create(
            enrolment=enrolment, task=task, answer="Done", completed_at=timezone.now()
        )
    result = progress(enrolment)
    assert result.training.done == 3
    assert result.complete, result.parts
    assert result.next_steps() == ["Everything asked for is in place: submit your portfolio."]


def test_an_enrolment_keeps_its_version_when_the_award_changes(certificate):
    first = certificate.current_requirements()
    old = enrol(certificate)
    log(old, datetime.date(2026, 10, 1), count=20)

    second = revise_requirements(certificate, coaching_sessions_total=20)

    assert second.version == first.version + 1
    assert second.coaching_sessions_per_term == 10  # the rest carried over
    assert [t.title for t in second.tasks.order_by("sort_order")] == [t[0] for t in TASKS]
    first.refresh_from_db()
    assert first.coaching_sessions_total == 30  # never changed once in use
    assert progress(old).coaching.required == 30
    new = enrol(certificate)
    assert new.requirement_set == second
    assert progress(new).coaching.required == 20
    # The new version is in use now too: the next edit makes a third.
    third = revise_requirements(certificate, reflective_entries=4)
    assert third.version == second.version + 1
    assert certificate.requirement_sets.count() == 3


def test_an_unused_version_is_edited_in_place(certificate):
    before = certificate.current_requirements()
    after = revise_requirements(certificate, reflective_entries=5)
    assert after.pk == before.pk and after.reflective_entries == 5


def test_progress_costs_the_same_however_many_entries(certificate):
    enrolment = enrol(certificate)
    log(enrolment, datetime.date(2026, 10, 1), count=2)
    with CaptureQueriesContext(connection) as few:
        progress(enrolment)
    log(enrolment, datetime.date(2027, 2, 1), count=40)
    with CaptureQueriesContext(connection) as many:
        progress(enrolment)
    assert len(many) == len(few) <= 6


def test_framework_criteria_are_met_by_linked_evidence_and_not_by_removed_files():
    from certification.services.portfolio import remove_file
    from tests.certification.portfolio_world import upload_file

    award = Award.objects.create(
        name="Framework phase (test)", slug="phase-test", kind=AwardKind.FRAMEWORK_PHASE
    )
    revise_requirements(
        award,
        criteria=[
            ("T1", "Builds trust", True),
            ("T2", "Gives useful feedback", True),
            ("T3", "Reads around the subject", False),
        ],
    )
    enrolment = enrol(award)
    t1, t2, _t3 = enrolment.requirement_set.criteria.order_by("code")
    result = progress(enrolment)
    assert (result.criteria.done, result.criteria.required) == (0, 2)
    assert "Link evidence to 2 more criteria." in result.next_steps()
    evidence = upload_file(enrolment, "observation.pdf", criteria=[t1])
    entry = ReflectiveEntry.objects.create(enrolment=enrolment, title="Feedback", body="...")
    entry.criteria.add(t2)
    result = progress(enrolment)
    assert result.criteria.done == 2 and result.complete
    met = {item.key: item.met for item in result.items()}
    assert met == {f"criterion-{c.pk}": True for c in enrolment.requirement_set.criteria.all()}
    remove_file(evidence)
    result = progress(enrolment)
    assert result.criteria.done == 1 and not result.complete
