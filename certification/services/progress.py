"""How far a participant has come against their enrolment's requirements, in numbers
and in plain words, with what to do next. A fixed number of queries, however many diary
entries there are.

Terms are the school terms bookings use (`bookings.models.term_of`): autumn is
September to December, spring January to March, summer April to August.
"""

from dataclasses import dataclass, field

from bookings.models import ATTENDED, SessionAttendance, term_of


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


@dataclass
class Progress:
    training: Count
    coaching: Count
    terms: list = field(default_factory=list)  # Count per term, in order
    tasks: Count = None
    reflective: Count = None
    short_sessions: int = 0  # logged, but shorter than the minimum: not counted
    qa_visit_required: bool = False

    @property
    def parts(self):
        parts = [self.training, self.coaching, *self.terms, self.tasks, self.reflective]
        return [p for p in parts if p is not None and p.required]

    @property
    def complete(self):
        return all(part.met for part in self.parts)

    def coaching_words(self):
        """'Coaching sessions 17 of 30: autumn 10 of 10, spring 7 of 10, summer 0 of 10'."""
        text = f"Coaching sessions {self.coaching.done} of {self.coaching.required}"
        if self.terms:
            text += ": " + ", ".join(
                f"{t.label.split()[0].lower()} {t.done} of {t.required}" for t in self.terms
            )
        return text

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
        if not self.terms and not self.coaching.met:
            left = self.coaching.required - self.coaching.done
            steps.append(f"Log {left} more coaching session{'s' if left != 1 else ''}.")
        if self.tasks and not self.tasks.met:
            steps.append(
                f"Complete the portfolio tasks: {self.tasks.done} of {self.tasks.required} done."
            )
        if self.reflective and not self.reflective.met:
            left = self.reflective.required - self.reflective.done
            steps.append(f"Write {left} more reflective-log entr{'ies' if left != 1 else 'y'}.")
        if not steps:
            steps.append("Everything asked for is in place: submit your portfolio.")
        return steps


def academic_terms(start_year):
    return [f"Autumn {start_year}", f"Spring {start_year + 1}", f"Summer {start_year + 1}"]


def progress(enrolment):
    """The enrolment's progress against the requirement set it started on."""
    needs = enrolment.requirement_set
    sessions = list(enrolment.diary.values_list("held_on", "minutes"))
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
    attended = 0
    if enrolment.delegate_id:
        attended = SessionAttendance.objects.filter(
            delegate_id=enrolment.delegate_id, mark__in=ATTENDED
        ).count()
    task_total = needs.tasks.count()
    tasks_done = enrolment.answers.filter(completed_at__isnull=False).count()
    return Progress(
        training=Count("Training sessions", attended, needs.training_sessions),
        coaching=Count(
            "Coaching sessions",
            in_year if needs.coaching_sessions_per_term else len(counted),
            needs.coaching_sessions_total,
        ),
        terms=term_counts,
        tasks=Count("Portfolio tasks", tasks_done, task_total),
        reflective=Count(
            "Reflective-log entries", enrolment.reflective_log.count(), needs.reflective_entries
        ),
        short_sessions=len(sessions) - len(counted),
        qa_visit_required=needs.qa_visit_required,
    )
