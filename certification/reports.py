"""Reports: the progress of a cohort's participants against every requirement (for the
office and assessors, with a spreadsheet export), and a school's impact report for its
senior leaders (for its coaching leads and the office).

The impact report never carries what anyone wrote in a diary, log or task: it counts
sessions, hours and colleagues coached, the coaching styles chosen and the programme's
models and tools named (from a fixed list, KNOWN_MODELS: nothing typed is printed), and
quotes only the impact lead's statements, which are written for the head and governors.
"""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils import timezone

from bookings.models import term_of
from website.spreadsheets import csv_safe

from .models import (
    Certificate,
    CertificateStatus,
    CoachingCycle,
    CoachingSession,
    CoachingTrio,
    Enrolment,
    ImpactStatement,
    QAVisit,
    VisitStatus,
)
from .services.progress import academic_terms, progress_many

# --- Cohort progress -------------------------------------------------------------------


@dataclass
class ProgressTable:
    columns: list  # (key, label)
    rows: list = field(default_factory=list)  # (enrolment, progress, {key: Item})


def progress_table(enrolments):
    enrolments = list(
        enrolments.select_related(
            "participant", "requirement_set__award", "organisation", "cohort__course"
        ).order_by("participant__last_name", "participant__first_name", "pk")
    )
    states = progress_many(enrolments)
    columns = {}
    rows = []
    for enrolment in enrolments:
        items = {item.key: item for item in states[enrolment.pk].items()}
        for key, item in items.items():
            columns.setdefault(key, item.label)
        rows.append((enrolment, states[enrolment.pk], items))
    return ProgressTable(list(columns.items()), rows)


def cohort_label(cohort):
    """'Certificate in Coaching Competence, 14 Jan 2027' (its first day, London time)."""
    if cohort.starts_at is None:
        return f"{cohort.course.title}, dates to be set"
    return f"{cohort.course.title}, {timezone.localtime(cohort.starts_at):%d %b %Y}"


def progress_csv(table):
    """The table as CSV that spreadsheets open as UTF-8 (with a byte-order mark)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            "Participant",
            "Email",
            "School",
            "Award",
            "Date",
            "Status",
            "Requirements met",
            *[label for _, label in table.columns],
        ]
    )
    for enrolment, state, items in table.rows:
        writer.writerow(
            [
                csv_safe(enrolment.participant.get_full_name()),
                csv_safe(enrolment.participant.email),
                csv_safe(enrolment.organisation.name if enrolment.organisation else ""),
                csv_safe(enrolment.requirement_set.award.name),
                csv_safe(cohort_label(enrolment.cohort) if enrolment.cohort else ""),
                enrolment.get_status_display(),
                f"{state.met_count} of {len(state.parts)}",
                *[
                    (f"{items[key].status} ({'met' if items[key].met else 'not yet'})")
                    if key in items
                    else ""
                    for key, _ in table.columns
                ],
            ]
        )
    return out.getvalue()


# --- A school's impact report ----------------------------------------------------------


@dataclass
class ImpactReport:
    organisation: object
    year: int
    participants: int
    sessions: int
    minutes: int
    colleagues: int
    per_term: list  # (term name, sessions)
    styles: list  # (style label, sessions)
    models: list  # (model or tool, sessions), most used first
    cycles: int
    cycles_ended: int
    statements: list  # ImpactStatement with their cycle
    qa_visit: object  # the latest recorded QA visit, or None
    awards: list  # (award name, certificates)

    @property
    def hours(self):
        return round(self.minutes / 60, 1)

    def term_chart(self):
        return bar_chart(self.per_term)

    def style_chart(self):
        return bar_chart(self.styles)


# Coaching models and tools the programme teaches, as the impact report names them. The
# diary's "model and tools" is free text a participant may fill with more than a name, so
# the report counts only these names in it and prints nothing else from it.
KNOWN_MODELS = [
    # Acronyms in capitals ("grow" and "clear" are everyday words too), or "... model".
    ("GROW", r"\bT?GROW\b|(?i:\bgrow model)"),
    ("OSKAR", r"\bOSKAR\b|(?i:\boskar model)"),
    ("CLEAR", r"\bCLEAR\b|(?i:\bclear model)"),
    ("STEPPA", r"\bSTEPPA\b|(?i:\bsteppa model)"),
    ("STRIDE", r"\bSTRIDE\b|(?i:\bstride model)"),
    ("Solution-focused questions", r"(?i)\bsolution[- ]focus"),
    ("The miracle question", r"(?i)\bmiracle question"),
    ("Scaling", r"(?i)\bscal(e|es|ing)\b"),
    ("Timeline", r"(?i)\btime ?line"),
    ("Lesson video", r"(?i)\bvideo\b|\bclip\b"),
    ("Values cards", r"(?i)\bvalues? card"),
    ("Stakeholder map", r"(?i)\bstakeholder map"),
    ("Circle of control or influence", r"(?i)\bcircle of (control|influence|concern)"),
    ("Perceptual positions", r"(?i)\bperceptual positions"),
    ("Wheel of life", r"(?i)\bwheel of life"),
    ("Johari window", r"(?i)\bjohari"),
    ("Logical levels", r"(?i)\blogical levels"),
    ("Clean language", r"(?i)\bclean language"),
    ("Role play", r"(?i)\brole[- ]?play"),
]
_KNOWN = [(label, re.compile(pattern)) for label, pattern in KNOWN_MODELS]


def known_models(text):
    """The programme's models and tools named in a diary entry's free text, each once."""
    return [label for label, pattern in _KNOWN if pattern.search(text)]


def impact_report(organisation, year):
    """The school's coaching in the academic year starting in September of `year`."""
    enrolments = Enrolment.objects.filter(organisation=organisation, academic_year=year)
    sessions = CoachingSession.objects.filter(enrolment__in=enrolments)
    totals = sessions.aggregate(n=Count("pk"), minutes=Sum("minutes"))
    terms = academic_terms(year)
    per_term = Counter()
    styles = Counter()
    models = Counter()
    colleagues = set()
    for enrolment_id, held_on, style, tools, coachee in sessions.values_list(
        "enrolment_id", "held_on", "style", "model_and_tools", "coachee"
    ):
        per_term[term_of(held_on)] += 1
        if style:
            styles[style] += 1
        models.update(known_models(tools))
        colleagues.add((enrolment_id, " ".join(coachee.lower().split())))
    style_labels = dict(CoachingSession._meta.get_field("style").choices)
    cycles = CoachingCycle.objects.filter(enrolment__in=enrolments)
    return ImpactReport(
        organisation=organisation,
        year=year,
        participants=enrolments.count(),
        sessions=totals["n"] or 0,
        minutes=totals["minutes"] or 0,
        colleagues=len(colleagues),
        per_term=[(name, per_term[name]) for name in terms],
        styles=[(style_labels[s], n) for s, n in styles.most_common()],
        models=models.most_common(8),
        cycles=cycles.count(),
        cycles_ended=cycles.filter(ended_on__isnull=False).count(),
        statements=list(
            ImpactStatement.objects.filter(cycle__in=cycles)
            .select_related("cycle")
            .order_by("cycle__ended_on", "pk")
        ),
        qa_visit=QAVisit.objects.filter(organisation=organisation, status=VisitStatus.RECORDED)
        .select_related("award")
        .order_by("-starts_at")
        .first(),
        awards=list(
            Certificate.objects.filter(enrolment__in=enrolments, status=CertificateStatus.VALID)
            .values_list("award_name")
            .annotate(n=Count("pk"))
            .order_by("award_name")
        ),
    )


def bar_chart(rows, *, label_width=130, bar_space=230, row_height=26):
    """Coordinates for a horizontal bar chart drawn as SVG (templates/.../_bars.html)."""
    most = max((n for _, n in rows), default=0) or 1
    bars = [
        {
            "label": label,
            "n": n,
            "y": i * row_height,
            "text_y": i * row_height + row_height * 0.6,
            "width": round(bar_space * n / most, 1),
            "x": label_width,
            "n_x": label_width + round(bar_space * n / most, 1) + 6,
        }
        for i, (label, n) in enumerate(rows)
    ]
    return {
        "bars": bars,
        "height": max(len(rows), 1) * row_height,
        "width": label_width + bar_space + 40,
        "bar_height": row_height * 0.6,
    }


# --- Partnership courses: cross-school coaching trios ------------------------------------


@dataclass
class TrioFigure:
    trio: object
    schools: list
    meetings: int

    @property
    def cross_school(self):
        return len(self.schools) > 1


def partnership_figures(year):
    """Each trio of the year with its schools and how often it met: the distinct days on
    which a member logged a session marked as the trio's meeting."""
    trios = list(
        CoachingTrio.objects.filter(academic_year=year).prefetch_related("members__organisation")
    )
    met = dict(
        CoachingSession.objects.filter(trio__in=trios)
        .values("trio_id")
        .annotate(days=Count("held_on", distinct=True))
        .values_list("trio_id", "days")
    )
    figures = [
        TrioFigure(
            trio,
            sorted({m.organisation.name for m in trio.members.all() if m.organisation}),
            met.get(trio.pk, 0),
        )
        for trio in trios
    ]
    return figures
