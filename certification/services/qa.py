"""Quality-assurance visits: the office schedules one for a school and an award, the
assessor and the school's coaching leads get it by email with a calendar file, and the
assessor records it on the day. A visit that finds actions required sets a follow-up
date and may book the follow-up visit there and then.

Where an award's requirements ask for a QA visit, `confirmed_visit` is what certificate
issuing asks before it issues."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import QAVisit, VisitOutcome, VisitStatus
from ..tasks import announce_visit
from .visits import candidates, confirmed_visit

__all__ = ["announce_on_commit", "candidates", "confirmed_visit", "record_visit", "too_early"]


# Follow-ups are set within this time of the visit: a year is the most a school is given.
FOLLOW_UP_WITHIN = datetime.timedelta(days=366)


def too_early(visit):
    """Why a visit still to come cannot be recorded yet, or '' once it can (its day)."""
    day = timezone.localtime(visit.starts_at).date()
    if timezone.localdate() >= day:
        return ""
    return f"This visit is on {day:%-d %B %Y}: it can be recorded from that day."


def announce_on_commit(visit, change="new"):
    transaction.on_commit(lambda: announce_visit.enqueue(visit.pk, change))


def record_visit(
    visit,
    actor,
    *,
    attended,
    sampled,
    evidence_seen,
    findings,
    outcome,
    actions="",
    follow_up_by=None,
    follow_up_at=None,
):
    """Record what the visit found. Actions required need the actions and a follow-up
    date; a follow-up time books the follow-up visit too. Errors name their field."""
    errors = {}
    if outcome not in VisitOutcome.values:
        errors["outcome"] = "Choose confirmed or actions required."
    allowed = set(candidates(visit.organisation, visit.award).values_list("pk", flat=True))
    if any(e.pk not in allowed for e in sampled):
        errors["sampled"] = "Only portfolios of this school on this award can be sampled."
    visit_day = timezone.localtime(visit.starts_at).date()
    if timezone.localdate() < visit_day:
        raise ValidationError(too_early(visit))
    latest_follow_up = visit_day + FOLLOW_UP_WITHIN
    if outcome == VisitOutcome.ACTIONS_REQUIRED:
        if not actions.strip():
            errors["actions"] = "Say what the school needs to do."
        if follow_up_by is None:
            errors["follow_up_by"] = "Give the date the actions are to be done by."
        elif follow_up_by <= visit_day:
            errors["follow_up_by"] = "The follow-up date comes after the visit."
        elif follow_up_by > latest_follow_up:
            errors["follow_up_by"] = f"Give a date by {latest_follow_up:%-d %B %Y}."
        if follow_up_at is not None:
            follow_up_day = timezone.localtime(follow_up_at).date()
            if follow_up_day <= visit_day:
                errors["follow_up_at"] = "The follow-up visit comes after this one."
            elif follow_up_day > latest_follow_up:
                errors["follow_up_at"] = f"Book it by {latest_follow_up:%-d %B %Y}."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = QAVisit.objects.select_for_update().get(pk=visit.pk)
        if visit.status != VisitStatus.SCHEDULED:
            raise ValidationError("This visit has already been recorded or was cancelled.")
        visit.attended = attended
        visit.evidence_seen = evidence_seen
        visit.findings = findings
        visit.outcome = outcome
        actions_required = outcome == VisitOutcome.ACTIONS_REQUIRED
        visit.actions = actions if actions_required else ""
        visit.follow_up_by = follow_up_by if actions_required else None
        visit.status = VisitStatus.RECORDED
        visit.recorded_at = timezone.now()
        visit.recorded_by = actor
        if actions_required and follow_up_at is not None:
            length = visit.ends_at - visit.starts_at
            follow_up = QAVisit.objects.create(
                organisation=visit.organisation,
                award=visit.award,
                starts_at=follow_up_at,
                ends_at=follow_up_at + max(length, datetime.timedelta(minutes=30)),
                location=visit.location,
                assessor=visit.assessor,
            )
            follow_up.to_see.set(sampled)
            visit.follow_up_visit = follow_up
            announce_on_commit(follow_up)
        visit.save()
        visit.sampled.set(sampled)
    return visit
