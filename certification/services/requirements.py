"""Versioned requirements: an award's current set is edited in place only while no
enrolment uses it; after that, every edit makes the next version."""

from django.db import transaction
from django.db.models import Max

from ..models import Criterion, PortfolioTask, RequirementSet

NUMBERS = (
    "training_sessions",
    "coaching_sessions_total",
    "coaching_sessions_per_term",
    "coaching_minimum_minutes",
    "reflective_entries",
    "qa_visit_required",
    "moderation_required",
)


def next_version(award):
    top = RequirementSet.objects.filter(award=award).aggregate(Max("version"))
    return (top["version__max"] or 0) + 1


def revise_requirements(award, *, tasks=None, criteria=None, **numbers):
    """Apply the changes to the award's requirements and return the set now current.

    `numbers` are RequirementSet fields; `tasks` and `criteria`, if given, replace the
    lists (as (title, kind, prompt) and (code, text, evidence_required) tuples)."""
    unknown = set(numbers) - set(NUMBERS)
    if unknown:
        raise TypeError(f"Not requirement fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        current = (
            RequirementSet.objects.select_for_update().filter(award=award).order_by("-version")
        ).first()
        if current is not None and not current.in_use:
            target = current
        else:
            target = RequirementSet(award=award, version=next_version(award))
            if current is not None:
                for name in NUMBERS:
                    setattr(target, name, getattr(current, name))
                tasks = tasks if tasks is not None else _tasks_of(current)
                criteria = criteria if criteria is not None else _criteria_of(current)
        for name, value in numbers.items():
            setattr(target, name, value)
        target.save()
        if tasks is not None:
            target.tasks.all().delete()
            PortfolioTask.objects.bulk_create(
                PortfolioTask(
                    requirement_set=target, sort_order=i, title=title, kind=kind, prompt=prompt
                )
                for i, (title, kind, prompt) in enumerate(tasks)
            )
        if criteria is not None:
            target.criteria.all().delete()
            Criterion.objects.bulk_create(
                Criterion(
                    requirement_set=target,
                    sort_order=i,
                    code=code,
                    text=text,
                    evidence_required=evidence,
                )
                for i, (code, text, evidence) in enumerate(criteria)
            )
    return target


def _tasks_of(requirement_set):
    return [(t.title, t.kind, t.prompt) for t in requirement_set.tasks.order_by("sort_order")]


def _criteria_of(requirement_set):
    return [
        (c.code, c.text, c.evidence_required)
        for c in requirement_set.criteria.order_by("sort_order")
    ]
