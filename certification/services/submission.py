"""Submitting a portfolio, the assessor's review and moderation.

A submission freezes the portfolio as it stands (`snapshot`): entries, answers and file
references are copied, so the assessor marks exactly what was submitted while the
participant keeps working. The assessor marks every requirement met or not yet met, then
refers the portfolio back or recommends the award; a moderator (a provider admin or a
senior assessor, never the assessor who recommended) agrees or returns the
recommendation. Each step is audited and emailed to the participant and the assessor.
"""

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from .. import policy
from ..models import (
    AuditAction,
    CoachingSession,
    Enrolment,
    EnrolmentStatus,
    EvidenceFile,
    ModerationOutcome,
    ReflectiveEntry,
    RequirementMark,
    Submission,
    SubmissionOutcome,
    TaskResponse,
)
from ..tasks import notify_step
from .portfolio import audit
from .progress import progress

SUBMITTABLE = (EnrolmentStatus.ACTIVE, EnrolmentStatus.REFERRED)


class ReviewError(Exception):
    """The step is not possible now; the message says why, for the person to read, and
    `field` names the form field it concerns, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _iso(value):
    return value.isoformat() if value else None


def snapshot(enrolment):
    """The portfolio as plain data, in a fixed number of queries."""
    needs = enrolment.requirement_set
    state = progress(enrolment)
    files = list(
        EvidenceFile.objects.filter(enrolment=enrolment, removed_at__isnull=True)
        .prefetch_related("criteria")
        .order_by("uploaded_at", "pk")
    )
    diary = (
        CoachingSession.objects.filter(enrolment=enrolment)
        .select_related("cycle")
        .prefetch_related("coachee_notes")
        .order_by("held_on", "pk")
    )
    entries = (
        ReflectiveEntry.objects.filter(enrolment=enrolment)
        .prefetch_related(
            "criteria", Prefetch("files", EvidenceFile.objects.filter(removed_at__isnull=True))
        )
        .order_by("written_on", "pk")
    )
    answers = {
        a.task_id: a
        for a in TaskResponse.objects.filter(enrolment=enrolment).prefetch_related(
            Prefetch("files", EvidenceFile.objects.filter(removed_at__isnull=True))
        )
    }
    return {
        "award": needs.award.name,
        "requirements_version": needs.version,
        "coaching_words": state.coaching_words(),
        "items": [
            {"key": i.key, "label": i.label, "status": i.status, "met": i.met}
            for i in state.items()
        ],
        "cycles": [
            {
                "id": c.pk,
                "number": c.number,
                "coachee": c.coachee,
                "goal": c.goal,
                "started_on": _iso(c.started_on),
                "ended_on": _iso(c.ended_on),
            }
            for c in enrolment.cycles.order_by("number")
        ],
        "diary": [
            {
                "id": s.pk,
                "held_on": _iso(s.held_on),
                "minutes": s.minutes,
                "coachee": s.coachee,
                "cycle": s.cycle.number if s.cycle else None,
                "phase": s.get_phase_display() if s.phase else "",
                "focus": s.focus,
                "model_and_tools": s.model_and_tools,
                "style": s.get_style_display() if s.style else "",
                "what_happened": s.what_happened,
                "reflection": s.reflection,
                "next_steps": s.next_steps,
                "coachee_notes": [
                    {"text": n.text, "written_at": _iso(n.written_at)}
                    for n in s.coachee_notes.all()
                ],
            }
            for s in diary
        ],
        "log": [
            {
                "id": e.pk,
                "written_on": _iso(e.written_on),
                "title": e.title,
                "body": e.body,
                "criteria": [c.code for c in e.criteria.all()],
                "files": [f.pk for f in e.files.all()],
            }
            for e in entries
        ],
        "tasks": [
            {
                "id": task.pk,
                "title": task.title,
                "kind": task.get_kind_display(),
                "prompt": task.prompt,
                "answer": answers[task.pk].answer if task.pk in answers else "",
                "completed": bool(task.pk in answers and answers[task.pk].completed_at),
                "files": [f.pk for f in answers[task.pk].files.all()] if task.pk in answers else [],
            }
            for task, _ in state.task_items
        ],
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "kind": f.get_kind_display(),
                "size": f.size,
                "sha256": f.sha256,
                "description": f.description,
                "criteria": [c.code for c in f.criteria.all()],
            }
            for f in files
        ],
    }


def submit(enrolment, actor):
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status not in SUBMITTABLE:
            raise ReviewError(
                f"This portfolio can't be submitted now: it is "
                f"{enrolment.get_status_display().lower()}."
            )
        number = (enrolment.submissions.aggregate(n=Max("number"))["n"] or 0) + 1
        submission = Submission.objects.create(
            enrolment=enrolment, number=number, snapshot=snapshot(enrolment)
        )
        enrolment.status = EnrolmentStatus.SUBMITTED
        enrolment.save(update_fields=["status"])
        audit(
            enrolment,
            AuditAction.SUBMITTED,
            actor,
            submission=submission,
            note="First submission" if number == 1 else f"Resubmission ({number})",
        )
        _notify(submission, AuditAction.SUBMITTED)
    return submission


def review(submission, actor, *, marks, feedback, outcome):
    """`marks`: {requirement key: (met, feedback)} for every requirement in the snapshot."""
    keys = [item["key"] for item in submission.snapshot["items"]]
    labels = {item["key"]: item["label"] for item in submission.snapshot["items"]}
    if set(marks) != set(keys):
        raise ReviewError("Mark every requirement met or not yet met.")
    if outcome == SubmissionOutcome.RECOMMENDED and not all(met for met, _ in marks.values()):
        raise ReviewError(
            "A portfolio can only be recommended when every requirement is met; "
            "refer it back instead."
        )
    if outcome == SubmissionOutcome.REFERRED and not feedback.strip():
        raise ReviewError(
            "Say what the participant should do before resubmitting.", field="feedback"
        )
    if outcome not in (SubmissionOutcome.RECOMMENDED, SubmissionOutcome.REFERRED):
        raise ReviewError("Choose to refer the portfolio back or to recommend the award.")
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        enrolment = Enrolment.objects.select_for_update().get(pk=submission.enrolment_id)
        if submission.outcome != SubmissionOutcome.PENDING:
            raise ReviewError("This submission has already been decided.")
        if enrolment.status != EnrolmentStatus.SUBMITTED or submission.number != _latest(enrolment):
            raise ReviewError("Only the latest submission of a submitted portfolio is marked.")
        if not policy.may_assess(actor, enrolment):
            raise ReviewError("Only the portfolio's assessor marks it.")
        RequirementMark.objects.filter(submission=submission).delete()
        RequirementMark.objects.bulk_create(
            RequirementMark(
                submission=submission,
                key=key,
                label=labels[key][:240],
                met=marks[key][0],
                feedback=marks[key][1],
            )
            for key in keys
        )
        submission.outcome = outcome
        submission.feedback = feedback
        submission.decided_by = actor
        submission.decided_at = timezone.now()
        # A decision made again after moderation returned it starts moderation afresh;
        # the earlier round stays in the audit trail.
        submission.moderation = ""
        submission.moderation_note = ""
        submission.moderated_by = None
        submission.moderated_at = None
        submission.save(
            update_fields=[
                "outcome",
                "feedback",
                "decided_by",
                "decided_at",
                "moderation",
                "moderation_note",
                "moderated_by",
                "moderated_at",
            ]
        )
        enrolment.status = (
            EnrolmentStatus.RECOMMENDED
            if outcome == SubmissionOutcome.RECOMMENDED
            else EnrolmentStatus.REFERRED
        )
        enrolment.save(update_fields=["status"])
        action = (
            AuditAction.RECOMMENDED
            if outcome == SubmissionOutcome.RECOMMENDED
            else AuditAction.REFERRED
        )
        met = sum(1 for m, _ in marks.values() if m)
        audit(
            enrolment,
            action,
            actor,
            submission=submission,
            note=f"{met} of {len(keys)} requirements met. {feedback}".strip(),
        )
        _notify(submission, action)
    return submission


def moderate(submission, actor, *, outcome, note):
    if outcome not in ModerationOutcome.values:
        raise ReviewError("Choose to agree the recommendation or to return it.")
    if outcome == ModerationOutcome.RETURNED and not note.strip():
        raise ReviewError("Say why the recommendation goes back to the assessor.", field="note")
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        enrolment = Enrolment.objects.select_for_update().get(pk=submission.enrolment_id)
        if submission.outcome != SubmissionOutcome.RECOMMENDED or submission.moderation:
            raise ReviewError("Only a recommendation not yet moderated can be moderated.")
        if actor.pk == submission.decided_by_id:
            raise ReviewError("The assessor who recommended the award can't moderate it.")
        submission.enrolment = enrolment
        if not policy.may_moderate(actor, submission):
            raise ReviewError("Only a moderator other than the participant moderates.")
        submission.moderation = outcome
        submission.moderation_note = note
        submission.moderated_by = actor
        submission.moderated_at = timezone.now()
        fields = ["moderation", "moderation_note", "moderated_by", "moderated_at"]
        if outcome == ModerationOutcome.RETURNED:
            # Back with the assessor to decide again; their marks stay for them to revise.
            submission.outcome = SubmissionOutcome.PENDING
            fields.append("outcome")
            enrolment.status = EnrolmentStatus.SUBMITTED
            enrolment.save(update_fields=["status"])
        submission.save(update_fields=fields)
        action = (
            AuditAction.MODERATION_AGREED
            if outcome == ModerationOutcome.AGREED
            else AuditAction.MODERATION_RETURNED
        )
        audit(enrolment, action, actor, submission=submission, note=note)
        _notify(submission, action)
    return submission


def _latest(enrolment):
    return enrolment.submissions.aggregate(n=Max("number"))["n"]


def _notify(submission, action):
    transaction.on_commit(lambda: notify_step.enqueue(submission.pk, str(action)))
