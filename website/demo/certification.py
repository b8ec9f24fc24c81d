"""Demo awards and their requirements (the domain brief's programmes), in our own words.
Made once: running the seed again changes nothing."""

from certification.models import Award, AwardKind, TaskKind
from certification.services.requirements import revise_requirements

CCC_TASKS = [
    (
        "Where I am starting from",
        TaskKind.PRE_COURSE,
        "Before the first training day: what kind of conversations do you have with "
        "colleagues now, and what would you like coaching to change?",
    ),
    (
        "Self and organisational review",
        TaskKind.REVIEW,
        "How does your school support professional growth today? Agree two or three impact "
        "measures with your line manager that this year's coaching should move.",
    ),
    ("After Fundamentals", TaskKind.AFTER_SESSION, "Try the coaching model with one colleague."),
    ("After The self-aware coach", TaskKind.AFTER_SESSION, "Notice your own coaching style."),
    ("After Taking it further", TaskKind.AFTER_SESSION, "Plan how you will keep coaching."),
    (
        "Final reflection",
        TaskKind.FINAL,
        "Looking back over the year: how have you grown as a coach, and what has changed "
        "for the colleagues you coached?",
    ),
]

PHASES = [
    (
        "Effective Mentor",
        "effective-mentor",
        [
            ("EM1", "Builds a trusting, professional relationship with the person mentored."),
            ("EM2", "Gives feedback that is specific, kind and leads to action."),
        ],
    ),
    (
        "Advanced Mentor and Coach",
        "advanced-mentor-and-coach",
        [
            ("AM1", "Moves between mentoring and coaching as the person's needs change."),
            ("AM2", "Shows impact on their own and others' practice."),
        ],
    ),
    (
        "Master Mentor and Coach",
        "master-mentor-and-coach",
        [
            ("MM1", "Has led mentoring and coaching for others."),
            ("MM2", "Shows impact within or across organisations."),
        ],
    ),
]


def seed_awards(report):
    if Award.objects.exists():
        return
    ccc = Award.objects.create(
        name="Certificate in Coaching Competence",
        slug="certificate-in-coaching-competence",
        kind=AwardKind.CERTIFICATE,
        level="Level 5 (National Qualification Framework)",
        description="A year of coaching colleagues, a portfolio of evidence, and assessment.",
    )
    revise_requirements(
        ccc,
        training_sessions=3,
        coaching_sessions_total=30,
        coaching_sessions_per_term=10,
        coaching_minimum_minutes=30,
        reflective_entries=6,
        tasks=CCC_TASKS,
    )
    for name, slug, criteria in PHASES:
        phase = Award.objects.create(
            name=f"Recognition Framework: {name}",
            slug=slug,
            kind=AwardKind.FRAMEWORK_PHASE,
            description="A Certificate of Recognition for the phase, after a QA visit.",
        )
        revise_requirements(
            phase,
            training_sessions=2,
            qa_visit_required=True,
            criteria=[(code, text, True) for code, text in criteria],
        )
    attendance = Award.objects.create(
        name="Certificate of attendance",
        slug="certificate-of-attendance",
        kind=AwardKind.ATTENDANCE,
        description="For partnership and one-day courses: attending every session.",
    )
    revise_requirements(attendance, training_sessions=1)
    report.add("5 awards with their requirements (certificate, three framework phases, attendance)")
