"""Time to export a participant's whole portfolio as a PDF, as a ratio of WeasyPrint
drawing a one-line document.

Builds a throwaway SQLite database under /tmp (migrations only, no demo content), one
certificate award and one enrolment with a full year's work: 30 coaching-diary entries
(ten a term, in three coaching cycles plus a one-off session each term), six
reflective-log entries and an answer to every portfolio task. It then exports the
portfolio as the `certification:pdf` view does (`portfolio_html`, then `render_pdf`) and
draws the one-line document in turns, so both see the same machine load; the printed
ratio is of the medians. The export's time is also split into its two steps.

    make bench-portfolio        # or: .venv/bin/python bench/portfolio.py --profile
"""

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINIMAL_HTML = "<!doctype html><title>One line</title><p>One line of text.</p>"
ACADEMIC_YEAR = 2026
SESSIONS_PER_TERM = 10
# (first day, last day) of the school terms of the academic year that starts in 2026.
TERMS = [
    (datetime.date(2026, 9, 7), datetime.date(2026, 12, 11)),
    (datetime.date(2027, 1, 11), datetime.date(2027, 3, 26)),
    (datetime.date(2027, 4, 19), datetime.date(2027, 7, 16)),
]
# One coaching cycle a term: (coachee, goal). A term's last session is a one-off.
CYCLES = [
    ("ECT, year 4", "Get the class settled and listening within two minutes of the bell"),
    ("Year 6 teacher (RS)", "Use questioning to stretch the most confident readers"),
    ("Teaching assistant, year 2", "Run phonics catch-up groups without the teacher"),
]
ONE_OFF_COACHEES = ["Head of maths (DP)", "ECT, year 1", "SENCo (LM)"]
FOCUSES = [
    "Routines at the start of the lesson",
    "What the coachee notices about their own voice and position in the room",
    "Questioning that waits for more than one hand",
    "Planning the first five minutes of a reading lesson",
    "Feedback from a lesson visit the coachee asked for",
    "Keeping the pace in group work without taking over",
    "Confidence with parents at the end of the day",
    "Using the data from the last assessment point",
    "Workload: what to stop doing this half term",
    "Looking back on the cycle and what has changed",
]
MODELS = [
    "GROW, with a scaling question",
    "GROW; a timeline drawn on paper",
    "Solution-focused: the miracle question",
    "OSKAR, with a 1 to 10 scale",
    "Video clip of the coachee's lesson, watched together",
    "Listening and paraphrasing only; a wheel of the week",
]
STYLES = ["facilitative", "facilitative", "dialogical", "facilitative", "directive", "dialogical"]
HAPPENED = [
    "We began with what had gone well since last time, and the coachee chose the topic.",
    "The coachee described two lessons in detail and picked out the moment each one turned.",
    "I asked what the class would say about the start of lessons; the answer surprised them.",
    "We spent most of the time on one incident, replaying it step by step.",
    "The coachee brought notes from a colleague's lesson and compared it with their own.",
    "We looked at the scaling question again: the coachee put themselves at six, up from four.",
    "There was a long silence after the first question, and I let it run.",
    "The coachee wanted advice; I offered two options and asked which suited their class.",
    "We drew the week on a sheet of paper and marked where the energy went.",
    "The conversation moved to workload halfway through, and we agreed to follow that.",
    "We rehearsed the first two minutes of tomorrow's lesson, out loud, in the classroom.",
    "The coachee read out the plan they had written and talked through the risky parts.",
]
REFLECTION = [
    "I talked less than last time, and the coachee found their own next step.",
    "I moved to advice too quickly when the coachee paused; next time I will wait.",
    "The scaling question worked well because it gave us something to come back to.",
    "I noticed I was nodding at ideas I liked, which may have steered the coachee.",
    "Keeping to thirty minutes made the session sharper than the longer ones.",
    "I should have checked the goal at the start: it had changed since the last session.",
    "Being directive for a few minutes was right here; the coachee asked for it plainly.",
    "The silence was uncomfortable for me, but it is where the best thinking happened.",
    "Summarising at the end in the coachee's own words helped them own the actions.",
    "I need to be careful not to bring my own classroom into the conversation.",
]
NEXT_STEPS = [
    "The coachee will try the new routine with the whole class on Monday and Tuesday.",
    "We will meet again in a fortnight, after the coachee has watched one more lesson.",
    "The coachee will note three moments when a quiet pupil answered, and why.",
    "I will bring the scaling question back at the start of our next session.",
    "The coachee will talk to the year leader about moving the group to the morning.",
    "Next time we start from the coachee's notes rather than from my questions.",
    "The coachee will film five minutes of the lesson and choose a clip to share.",
    "We agreed to review the goal at the end of the half term.",
    "I will read the chapter on listening that my tutor suggested before we meet again.",
]
REFLECTIVE_ENTRIES = [
    (
        "Why I wanted to coach",
        "I have mentored trainees for six years, and I realised that I mostly told them "
        "what I would do. I want to learn to help colleagues find their own answers.\n\n"
        "The first training day made me see how often I fill silences.",
    ),
    (
        "My first cycle: listening",
        "In the first sessions I talked for more than half the time. Recording one session "
        "(with permission) showed me where: every time the coachee hesitated.\n\n"
        "By the fifth session I had cut that down, and the coachee's plans became theirs.",
    ),
    (
        "When directive is right",
        "A coachee in crisis before a parents' evening did not need open questions. I "
        "gave two practical suggestions and then asked which to try.\n\n"
        "I am learning to say when I am switching style, so the coachee knows.",
    ),
    (
        "Coaching across phases",
        "Coaching a year 6 teacher as a KS1 specialist worried me. It turned out to help: "
        "I could not offer subject answers, so I asked better questions.",
    ),
    (
        "The impact lead's view",
        "Our impact lead's statement on the first cycle described the change in the ECT's "
        "confidence in her own words. Reading it made me see the cycle from outside.\n\n"
        "I want my diary entries to show the same kind of evidence.",
    ),
    (
        "Looking back on the year",
        "Thirty sessions with six colleagues. The biggest change is in how I listen; the "
        "next is knowing when to stop a session that has done its work.\n\n"
        "Next year I would like to coach a middle leader through a whole-school change.",
    ),
]
TASKS = [
    (
        "What do you hope to gain from the course?",
        "pre_course",
        "Write about your experience of coaching or mentoring so far and what you want to develop.",
    ),
    (
        "Coaching in your school",
        "review",
        "Describe how coaching is used in your school now and one way it could grow.",
    ),
    (
        "After day 1: the coaching models",
        "after_session",
        "Which model will you try first, and with whom?",
    ),
    (
        "After day 2: styles of coaching",
        "after_session",
        "Describe a session in which you changed style, and why.",
    ),
    (
        "Final reflection",
        "final",
        "Looking back over the year, what has changed in your coaching and in your school?",
    ),
]
ANSWER = (
    "I have led induction for early career teachers for three years and mentored "
    "trainees before that. Most of what I did was telling: what worked in my own "
    "classroom, what to try next.\n\n"
    "{prompt} For me, the answer has to start with listening. I want to leave "
    "conversations with the other teacher owning the plan, and to be able to show it in "
    "what they do next week, not only in how the conversation felt.\n\n"
    "I will keep notes in the diary after every session and come back to this answer at "
    "the end of the year."
)


def setup_django(work):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "website.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["VAR_DIR"] = str(work)
    import django
    from django.core.management import call_command

    django.setup()
    print("Migrating a throwaway database...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)


def make_award():
    from certification.models import Award, AwardKind, TaskKind
    from certification.services.requirements import revise_requirements

    award = Award.objects.create(
        name="Bench certificate", slug="bench-certificate", kind=AwardKind.CERTIFICATE
    )
    revise_requirements(
        award,
        training_sessions=3,
        coaching_sessions_total=SESSIONS_PER_TERM * len(TERMS),
        coaching_sessions_per_term=SESSIONS_PER_TERM,
        coaching_minimum_minutes=30,
        reflective_entries=len(REFLECTIVE_ENTRIES),
        tasks=[(title, TaskKind(kind), prompt) for title, kind, prompt in TASKS],
    )
    return award


def make_enrolment(award):
    from django.contrib.auth import get_user_model

    from bookings.models import Organisation, OrganisationKind
    from certification.models import Enrolment

    participant = get_user_model().objects.create_user(
        email="bench.participant@school.example",
        password=None,
        first_name="Amira",
        last_name="Hollis",
    )
    school = Organisation.objects.create(
        name="Brookside Primary School",
        kind=OrganisationKind.SCHOOL,
        address="12 Beck Road\nOtley",
        postcode="LS21 3QT",
    )
    return Enrolment.objects.create(
        participant=participant,
        requirement_set=award.current_requirements(),
        organisation=school,
        academic_year=ACADEMIC_YEAR,
    )


def pick(pool, index, count):
    """`count` different sentences from `pool`, a different run for each index."""
    return " ".join(pool[(index * 5 + step * 3) % len(pool)] for step in range(count))


def make_diary(enrolment):
    """Ten sessions a term: nine in the term's cycle (identify, learn, improve in turn),
    then a one-off with someone else."""
    from certification.models import CoachingSession, CyclePhase
    from certification.services.portfolio import start_cycle

    phases = [CyclePhase.IDENTIFY] * 3 + [CyclePhase.LEARN] * 3 + [CyclePhase.IMPROVE] * 3
    sessions = []
    for term, ((first, last), (coachee, goal)) in enumerate(zip(TERMS, CYCLES, strict=True)):
        cycle = start_cycle(enrolment, coachee=coachee, goal=goal, started_on=first)
        gap = (last - first) // SESSIONS_PER_TERM
        for number in range(SESSIONS_PER_TERM):
            index = term * SESSIONS_PER_TERM + number
            in_cycle = number < len(phases)
            sessions.append(
                CoachingSession(
                    enrolment=enrolment,
                    cycle=cycle if in_cycle else None,
                    phase=phases[number] if in_cycle else "",
                    held_on=first + gap * number + datetime.timedelta(days=index % 3),
                    minutes=30 + (index * 7) % 31,
                    coachee=coachee if in_cycle else ONE_OFF_COACHEES[term],
                    focus=FOCUSES[index % len(FOCUSES)],
                    model_and_tools=MODELS[index % len(MODELS)],
                    style=STYLES[index % len(STYLES)],
                    what_happened=pick(HAPPENED, index, 4),
                    reflection=pick(REFLECTION, index, 3),
                    next_steps=pick(NEXT_STEPS, index, 2),
                )
            )
        cycle.ended_on = last
        cycle.save(update_fields=["ended_on"])
    CoachingSession.objects.bulk_create(sessions)


def make_log_and_answers(enrolment):
    from django.utils import timezone

    from certification.models import ReflectiveEntry, TaskResponse

    first, last = TERMS[0][0], TERMS[-1][1]
    step = (last - first) // len(REFLECTIVE_ENTRIES)
    ReflectiveEntry.objects.bulk_create(
        ReflectiveEntry(enrolment=enrolment, written_on=first + step * i, title=title, body=body)
        for i, (title, body) in enumerate(REFLECTIVE_ENTRIES)
    )
    TaskResponse.objects.bulk_create(
        TaskResponse(
            enrolment=enrolment,
            task=task,
            answer=ANSWER.format(prompt=task.prompt),
            completed_at=timezone.now(),
        )
        for task in enrolment.requirement_set.tasks.all()
    )


def make_portfolio():
    enrolment = make_enrolment(make_award())
    make_diary(enrolment)
    make_log_and_answers(enrolment)
    return enrolment


def export(enrolment):
    """What the `certification:pdf` view does: (PDF bytes, seconds for HTML, for PDF)."""
    from bookings.pdf import render_pdf
    from certification.views import portfolio_html

    started = time.perf_counter()
    html = portfolio_html(enrolment)
    drawn = time.perf_counter()
    pdf = render_pdf(html, f"portfolio {enrolment.pk}")
    return pdf, drawn - started, time.perf_counter() - drawn


def timed(render):
    started = time.perf_counter()
    render()
    return time.perf_counter() - started


def check(enrolment):
    """The PDF's size and page count, or an error message if it was not produced."""
    from weasyprint import HTML

    from bookings.pdf import StaticOnlyFetcher, static_dir
    from certification.views import portfolio_html

    try:
        pdf = export(enrolment)[0]
    except Exception as error:  # the bench reports it and exits non-zero
        return None, None, f"{type(error).__name__}: {error}"
    if not pdf.startswith(b"%PDF-"):
        return None, None, f"render_pdf returned {len(pdf)} bytes that are not a PDF"
    document = HTML(
        string=portfolio_html(enrolment),
        base_url=static_dir().as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(static_dir()),
    ).render()
    return len(pdf), len(document.pages), None


def measure(enrolment, rounds, warmups):
    from weasyprint import HTML

    def minimal_pdf():
        HTML(string=MINIMAL_HTML).write_pdf()

    for _ in range(warmups):  # fonts, templates and imports loaded once
        export(enrolment)
        minimal_pdf()
    export_times, html_times, pdf_times, minimal_times = [], [], [], []
    for _ in range(rounds):
        minimal_times.append(timed(minimal_pdf))
        _, html_seconds, pdf_seconds = export(enrolment)
        html_times.append(html_seconds)
        pdf_times.append(pdf_seconds)
        export_times.append(html_seconds + pdf_seconds)
    return {
        "export": statistics.median(export_times),
        "html": statistics.median(html_times),
        "pdf": statistics.median(pdf_times),
        "minimal": statistics.median(minimal_times),
    }


def profile(enrolment, limit=25):
    profiler = cProfile.Profile()
    profiler.runcall(export, enrolment)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(limit)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile report")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-portfolio-") as work:
        setup_django(Path(work))
        enrolment = make_portfolio()
        sessions = enrolment.diary.count()
        size, pages, error = check(enrolment)
        if error:
            print(f"The portfolio PDF was not produced: {error}")
            return 1
        print(f"Portfolio PDF: {pages} pages, {size / 1024:.0f} KiB.", flush=True)
        medians = measure(enrolment, args.rounds, args.warmups)
        ratio = medians["export"] / medians["minimal"]
        print(
            f"one-line document: {medians['minimal']:.3f} s median; portfolio export: "
            f"{medians['export']:.3f} s median (HTML {medians['html']:.3f} s, "
            f"PDF {medians['pdf']:.3f} s), {args.rounds} rounds"
        )
        print(f"portfolio PDF ({sessions} diary entries): {ratio:.1f}x the one-line floor")
        if args.profile:
            profile(enrolment)
    # A benchmark reports; it does not fail the build (the machine is shared and noisy).
    return 0


if __name__ == "__main__":
    sys.exit(main())
