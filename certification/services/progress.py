"""How far a participant has come against their enrolment's requirements, in numbers
and in plain words, with what to do next. A fixed number of queries, however many diary
entries or enrolments there are (`progress_many`).

Terms are the school terms bookings use (`bookings.models.term_of`): autumn is
September to December, spring January to March, summer April to August.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count as Counted

from bookings.models import ATTENDED, SessionAttendance, term_of

from ..models import (
    CoachingSession,
    Criterion,
    EvidenceFile,
    PortfolioTask,
    ReflectiveEntry,
    TaskResponse,
)


@dataclass(frozen=True)
class Count:
    label: str
    done: int
    required: int

    @property
    def met(self):
        return self.done >= self.required

    def words(self):
        return f"{self.label} {self.done} of {self.required}"


@dataclass(frozen=True)
class Item:
    """One requirement as the assessor marks it and the participant reads it."""

    key: str
    label: str
    status: str
    met: bool


@dataclass
class Progress:
    training: Count
    coaching: Count
    terms: list = field(default_factory=list)  # Count per term, in order
    tasks: Count = None
    reflective: Count = None
    criteria: Count = None  # criteria needing evidence that have some linked
    short_sessions: int = 0  # logged, but shorter than the minimum: not counted
    qa_visit_required: bool = False
    task_items: list = field(default_factory=list)  # (task, done) in order
    criterion_items: list = field(default_factory=list)  # (criterion, evidence count)

    @property
    def parts(self):
        parts = [
            self.training,
            self.coaching,
            *self.terms,
            self.tasks,
            self.reflective,
            self.criteria,
        ]
        return [p for p in parts if p is not None and p.required]

    @property
    def complete(self):
        return all(part.met for part in self.parts)

    @property
    def met_count(self):
        return sum(1 for part in self.parts if part.met)

    def coaching_words(self):
        """'Coaching sessions 17 of 30: autumn 10 of 10, spring 7 of 10, summer 0 of 10'."""
        text = f"Coaching sessions {self.coaching.done} of {self.coaching.required}"
        if self.terms:
            text += ": " + ", ".join(
                f"{t.label.split()[0].lower()} {t.done} of {t.required}" for t in self.terms
            )
        return text

    def items(self):
        """Every requirement, one by one, for the assessor's marks and the progress page."""
        items = []
        if self.training.required:
            items.append(
                Item(
                    "training", "Training sessions attended", _of(self.training), self.training.met
                )
            )
        if self.coaching.required:
            items.append(
                Item("coaching", "Coaching sessions logged", _of(self.coaching), self.coaching.met)
            )
        for number, term in enumerate(self.terms):
            items.append(
                Item(f"term-{number}", f"Coaching sessions in {term.label}", _of(term), term.met)
            )
        for task, done in self.task_items:
            items.append(
                Item(f"task-{task.pk}", f"Task: {task.title}", "Done" if done else "Not done", done)
            )
        if self.reflective and self.reflective.required:
            items.append(
                Item(
                    "reflective",
                    "Reflective-log entries",
                    _of(self.reflective),
                    self.reflective.met,
                )
            )
        for criterion, evidence in self.criterion_items:
            items.append(
                Item(
                    f"criterion-{criterion.pk}",
                    f"{criterion.code} {criterion.text}",
                    f"{evidence} piece{'s' if evidence != 1 else ''} of evidence",
                    evidence > 0 or not criterion.evidence_required,
                )
            )
        return items

    def next_steps(self):
        steps = []
        if self.training.required and not self.training.met:
            steps.append(
                f"Attend the training: {self.training.done} of {self.training.required} "
                "sessions so far."
            )
        for term in self.terms:
            if not term.met:
                steps.append(
                    f"Log {term.required - term.done} more coaching "
                    f"session{'s' if term.required - term.done != 1 else ''} in {term.label}."
                )
                break
        if not self.coaching.met and (not self.terms or all(t.met for t in self.terms)):
            left = self.coaching.required - self.coaching.done
            steps.append(f"Log {left} more coaching session{'s' if left != 1 else ''}.")
        if self.tasks and not self.tasks.met:
            steps.append(
                f"Complete the portfolio tasks: {self.tasks.done} of {self.tasks.required} done."
            )
        if self.reflective and not self.reflective.met:
            left = self.reflective.required - self.reflective.done
            steps.append(f"Write {left} more reflective-log entr{'ies' if left != 1 else 'y'}.")
        if self.criteria and not self.criteria.met:
            left = self.criteria.required - self.criteria.done
            steps.append(f"Link evidence to {left} more criteri{'a' if left != 1 else 'on'}.")
        if self.short_sessions:
            short = self.short_sessions
            steps.append(
                f"{short} logged session{'s are' if short != 1 else ' is'} "
                "shorter than the minimum and not counted."
            )
        if not steps:
            steps.append("Everything asked for is in place: submit your portfolio.")
        return steps


def _of(count):
    return f"{count.done} of {count.required}"


def academic_terms(start_year):
    return [f"Autumn {start_year}", f"Spring {start_year + 1}", f"Summer {start_year + 1}"]


def progress(enrolment):
    """The enrolment's progress against the requirement set it started on."""
    return progress_many([enrolment])[enrolment.pk]


def progress_many(enrolments):
    """Progress for each enrolment, by enrolment id, in seven queries whatever the number
    of enrolments, diary entries, tasks or files."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    ids = [e.pk for e in enrolments]
    set_ids = {e.requirement_set_id for e in enrolments}
    needs_by_id = {e.requirement_set_id: e.requirement_set for e in enrolments}

    sessions = defaultdict(list)
    for enrolment_id, day, minutes in CoachingSession.objects.filter(
        enrolment_id__in=ids
    ).values_list("enrolment_id", "held_on", "minutes"):
        sessions[enrolment_id].append((day, minutes))

    delegate_ids = {e.delegate_id for e in enrolments if e.delegate_id}
    attended = defaultdict(int)
    if delegate_ids:
        for row in (
            SessionAttendance.objects.filter(delegate_id__in=delegate_ids, mark__in=ATTENDED)
            .values("delegate_id")
            .annotate(n=Counted("pk"))
        ):
            attended[row["delegate_id"]] = row["n"]

    tasks = defaultdict(list)
    for task in PortfolioTask.objects.filter(requirement_set_id__in=set_ids).order_by(
        "requirement_set_id", "sort_order", "pk"
    ):
        tasks[task.requirement_set_id].append(task)
    done_tasks = defaultdict(set)
    for enrolment_id, task_id in TaskResponse.objects.filter(
        enrolment_id__in=ids, completed_at__isnull=False
    ).values_list("enrolment_id", "task_id"):
        done_tasks[enrolment_id].add(task_id)

    entries = dict(
        ReflectiveEntry.objects.filter(enrolment_id__in=ids)
        .values("enrolment_id")
        .annotate(n=Counted("pk"))
        .values_list("enrolment_id", "n")
    )

    criteria = defaultdict(list)
    for criterion in Criterion.objects.filter(requirement_set_id__in=set_ids).order_by(
        "requirement_set_id", "sort_order", "pk"
    ):
        criteria[criterion.requirement_set_id].append(criterion)
    evidence = defaultdict(int)
    if criteria:
        for enrolment_id, criterion_id in EvidenceFile.criteria.through.objects.filter(
            evidencefile__enrolment_id__in=ids, evidencefile__removed_at__isnull=True
        ).values_list("evidencefile__enrolment_id", "criterion_id"):
            evidence[enrolment_id, criterion_id] += 1
        for enrolment_id, criterion_id in ReflectiveEntry.criteria.through.objects.filter(
            reflectiveentry__enrolment_id__in=ids
        ).values_list("reflectiveentry__enrolment_id", "criterion_id"):
            evidence[enrolment_id, criterion_id] += 1

    return {
        e.pk: _progress(
            e,
            needs_by_id[e.requirement_set_id],
            sessions[e.pk],
            attended[e.delegate_id] if e.delegate_id else 0,
            [(t, t.pk in done_tasks[e.pk]) for t in tasks[e.requirement_set_id]],
            entries.get(e.pk, 0),
            [(c, evidence[e.pk, c.pk]) for c in criteria[e.requirement_set_id]],
        )
        for e in enrolments
    }


def _progress(enrolment, needs, sessions, attended, task_items, entries, criterion_items):
    counted = [day for day, minutes in sessions if minutes >= needs.coaching_minimum_minutes]
    terms = academic_terms(enrolment.academic_year)
    per_term = dict.fromkeys(terms, 0)
    for day in counted:
        name = term_of(day)
        if name in per_term:
            per_term[name] += 1
    in_year = sum(per_term.values())
    term_counts = (
        [Count(name, per_term[name], needs.coaching_sessions_per_term) for name in terms]
        if needs.coaching_sessions_per_term
        else []
    )
    needing_evidence = [(c, n) for c, n in criterion_items if c.evidence_required]
    return Progress(
        training=Count("Training sessions", attended, needs.training_sessions),
        coaching=Count(
            "Coaching sessions",
            in_year if needs.coaching_sessions_per_term else len(counted),
            needs.coaching_sessions_total,
        ),
        terms=term_counts,
        tasks=Count("Portfolio tasks", sum(1 for _, done in task_items if done), len(task_items)),
        reflective=Count("Reflective-log entries", entries, needs.reflective_entries),
        criteria=Count(
            "Criteria with evidence",
            sum(1 for _, n in needing_evidence if n),
            len(needing_evidence),
        ),
        short_sessions=len(sessions) - len(counted),
        qa_visit_required=needs.qa_visit_required,
        task_items=task_items,
        criterion_items=criterion_items,
    )
