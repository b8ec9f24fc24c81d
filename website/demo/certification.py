"""Demo awards and their requirements (the domain brief's programmes), portfolios on the
certificate at every stage, and the year's end (QA visits and certificates), in our own
words. Made once: running the seed again changes nothing."""

import datetime
import io
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts import roles
from bookings.models import (
    AttendanceMark,
    Booking,
    Cohort,
    CohortSession,
    CohortStatus,
    Organisation,
)
from bookings.pdf import render_pdf
from bookings.services.attendance import mark_register
from bookings.services.booking import BookingRequest, DelegateDetails, place_booking
from certification.models import (
    AuditAction,
    AuditEvent,
    Award,
    AwardKind,
    Certificate,
    CertificateChange,
    CoachingCycle,
    CoachingSession,
    CoachingStyle,
    CoachingTeam,
    CyclePhase,
    Enrolment,
    EvidenceFile,
    ImpactStatement,
    ModerationOutcome,
    QAVisit,
    ReflectiveEntry,
    Submission,
    SubmissionOutcome,
    TaskKind,
    TaskResponse,
    VisitOutcome,
)
from certification.services.certificates import issue, reissue, revoke
from certification.services.enrolment import enrol_cohort
from certification.services.portfolio import add_file, start_cycle, write_impact_statement
from certification.services.qa import record_visit
from certification.services.requirements import revise_requirements
from certification.services.submission import moderate, review, submit
from certification.uploads import sniff
from courses.models import CoursePage

from . import bookings as demo_bookings
from . import content

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


# Certificate numbers start with these (CCC-2026-0007); set on databases seeded before
# awards had them, too.
PREFIXES = {
    "certificate-in-coaching-competence": "CCC",
    "effective-mentor": "EM",
    "advanced-mentor-and-coach": "AMC",
    "master-mentor-and-coach": "MMC",
    "certificate-of-attendance": "ATT",
}


def _set_prefixes():
    for slug, prefix in PREFIXES.items():
        Award.objects.filter(slug=slug, number_prefix__isnull=True).update(number_prefix=prefix)


def seed_awards(report):
    if Award.objects.exists():
        _set_prefixes()
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
    _set_prefixes()
    report.add("5 awards with their requirements (certificate, three framework phases, attendance)")


# --- Portfolios -----------------------------------------------------------------------
#
# Two teams on the certificate, one a year: a school that finished last year (its three
# portfolios submitted, referred back and recommended) and the demo school half way
# through this year (just started, getting going, half way). Everything is dated from
# `today` and made through the real services, once: if the certificate has any enrolment
# already, nothing is added.

CCC_AWARD = "certificate-in-coaching-competence"
LAST_YEAR_SCHOOL = "calderbrook"
THIS_YEAR_SCHOOL = demo_bookings.DEMO_BOOKER_SCHOOL  # Ashworth Primary, the demo school

STARTED, GETTING_GOING, HALF_WAY = "started", "getting going", "half way"
SUBMITTED, REFERRED, RECOMMENDED = "submitted", "referred", "recommended"


class Member(NamedTuple):
    first: str
    last: str
    job_title: str
    stage: str


LAST_YEAR_TEAM = [
    Member("Grace", "Holroyd", "Head of science", SUBMITTED),
    Member("Martin", "Ogden", "Teacher of English", REFERRED),
    Member("Shabana", "Akhtar", "Head of year 9", RECOMMENDED),
]
THIS_YEAR_TEAM = [
    # With the demo users, the demo participant takes the half-way place.
    Member("Lucy", "Fairclough", "Year 4 teacher", HALF_WAY),
    Member("Anita", "Rowe", "SENCo", GETTING_GOING),
    Member("Callum", "Beever", "Year 6 teacher", STARTED),
]
# Without the demo users, someone who never signs in assesses both teams.
STAND_IN_ASSESSOR = ("Helen", "Marsden", "h.marsden@coaching.example")
# The demo school's coaching team: the deputy head books the training and is the one
# leader who reads the diaries; the lead coach sees progress as numbers.
IMPACT_LEAD = ("Ruth", "Dennison", "Deputy headteacher")
COACHING_LEAD = ("Joe", "Whitaker", "Assistant headteacher, lead coach")

# A coaching cycle: (coachee, goal, sessions), each session (phase, focus, model and
# tools, style, what happened, reflection, next steps). Coachees by role, never by name.
FAC, DIA, DIR = CoachingStyle.FACILITATIVE, CoachingStyle.DIALOGICAL, CoachingStyle.DIRECTIVE
IDENTIFY, LEARN, IMPROVE = CyclePhase.IDENTIFY, CyclePhase.LEARN, CyclePhase.IMPROVE

CYCLES = [
    (
        "ECT, year 2",
        "Settle the class within three minutes of coming in from lunch",
        [
            (
                IDENTIFY,
                "Choosing a goal for the cycle",
                "GROW; scaling 1 to 10",
                FAC,
                "We watched a short clip she had filmed of the start of an afternoon. She "
                "rated it 3 out of 10 and picked the first five minutes after lunch as the "
                "thing to work on.",
                "I wanted to suggest a timer straight away. Waiting meant she named the real "
                "problem herself: the children don't know what the first job is.",
                "She will time how long the class takes to settle each afternoon this week.",
            ),
            (
                LEARN,
                "A routine for the first five minutes",
                "Rubric strand on routines; rehearsal",
                DIA,
                "Her timings ranged from 7 to 11 minutes. She chose a 'do now' task on the "
                "board before the class comes in, and we rehearsed what she will say at the "
                "door.",
                "Saying the words out loud did more than discussing the idea. I need to "
                "leave longer pauses after my questions.",
                "Use the routine every afternoon for a week and keep timing it.",
            ),
            (
                IMPROVE,
                "How the first week went",
                "Scaling; what went well / even better if",
                FAC,
                "Settling is down to about four minutes. Two pupils still wander; she decided "
                "to give them a job at the door.",
                "She led most of the conversation. I summarised and checked what she was "
                "committing to.",
                "Carry on timing; one more meeting to close the cycle.",
            ),
            (
                IMPROVE,
                "Closing the cycle",
                "Scaling against the goal",
                FAC,
                "She now rates the start of the afternoon 8 out of 10 and the class is "
                "working within three minutes. Her next goal will be about questioning.",
                "A small, visible goal made progress easy to see. Ending on her own rating "
                "left the success with her.",
                "Cycle closed. Agree a date for the next one.",
            ),
        ],
    ),
    (
        "Teacher, year 5",
        "Hear from more of the class in maths, not only the confident few",
        [
            (
                IDENTIFY,
                "Agreeing the goal",
                "GROW; tally from a 20-minute drop-in she invited",
                DIA,
                "My tally showed six pupils gave 14 of the 17 answers. She was surprised, "
                "because the lesson had felt lively.",
                "Sharing a tally instead of opinions kept it about the lesson, not about her. "
                "I should ask her what to tally next time, so I am not steering.",
                "She will read the questioning strand of the school rubric and pick one technique.",
            ),
            (
                LEARN,
                "Choosing a technique",
                "Mini whiteboards; think, pair, share",
                DIR,
                "She asked for ideas, so I offered three briefly. She chose mini whiteboards "
                "for quick checks and think, pair, share before taking answers.",
                "Being directive was right because she asked, but I checked the choice was "
                "hers before we moved on.",
                "Try both in three lessons and count how many pupils she hears from.",
            ),
            (
                IMPROVE,
                "First tries",
                "What would you keep, what would you change?",
                FAC,
                "Whiteboards worked well in the fluency starter but some pupils copied in "
                "problem solving. She will add a minute of silent thinking first.",
                "'What would you keep?' got a far richer answer than 'how did it go?'.",
                "Repeat the tally next week.",
            ),
            (
                IMPROVE,
                "Review and close",
                "Comparing tallies",
                FAC,
                "She heard from 21 pupils this time, against 6 at the start, and wants to "
                "share the approach at the next phase meeting.",
                "Numbers she collected herself convinced her more than anything I could say.",
                "Cycle closed; she presents the approach to her phase next month.",
            ),
        ],
    ),
    (
        "TA, reception",
        "Lead a phonics group alone with confidence",
        [
            (
                IDENTIFY,
                "What confidence would look like",
                "GROW; miracle question",
                FAC,
                "She described a session where she doesn't look across to the teacher for "
                "reassurance. That became the goal.",
                "The miracle question opened her up; she had not been asked what she wanted "
                "before.",
                "Notice the moments this week when she looks for reassurance.",
            ),
            (
                LEARN,
                "Planning the group's sessions",
                "Modelling; the school's phonics sequence",
                DIA,
                "She noticed she looks up when a child gets a sound wrong. We looked at the "
                "scheme's correction routine and she practised it with me.",
                "She learnt more from practising than from reading the routine.",
                "Use the correction routine with her group every day.",
            ),
            (
                IMPROVE,
                "Trying it out",
                "Scaling; strengths spotting",
                FAC,
                "She used the routine all week and only looked up twice, both times when a "
                "child was upset.",
                "Pointing to her strengths before asking what to change helped her relax.",
                "Invite the class teacher to watch part of a session.",
            ),
            (
                IMPROVE,
                "Closing the cycle",
                "Review against the goal",
                FAC,
                "The class teacher now leaves her to run the group. She rates her confidence "
                "7 out of 10, up from 3.",
                "The cycle worked because the goal was hers and small enough to reach.",
                "Cycle closed.",
            ),
        ],
    ),
    (
        "Head of geography",
        "Feedback in books that pupils act on",
        [
            (
                IDENTIFY,
                "Choosing a goal",
                "GROW; looking at a sample of books together",
                FAC,
                "We looked at six books. Comments were long and pupils had rarely responded. "
                "He wants shorter feedback that leads to a change in the next piece of work.",
                "He was defensive at first; acknowledging how much time he puts in helped.",
                "Pick one class to try a new approach with.",
            ),
            (
                LEARN,
                "Whole-class feedback",
                "Whole-class feedback sheet; rubric strand on assessment",
                DIA,
                "He designed a one-page whole-class feedback sheet with three common errors "
                "and a task for each.",
                "I let him design it rather than showing him a template, and it is better "
                "suited to his subject as a result.",
                "Use the sheet with year 8 for two pieces of work.",
            ),
            (
                IMPROVE,
                "How the sheet worked",
                "What went well / even better if",
                FAC,
                "Most pupils corrected their map work; a few did the task without "
                "understanding the error. He will model one correction first.",
                "He is now spotting his own next steps without prompting.",
                "Try it with a second class.",
            ),
            (
                IMPROVE,
                "Review and close",
                "Review against the goal; time saved",
                FAC,
                "Marking time for the class is down by about half and most pupils act on "
                "the feedback. He will share the sheet with the humanities team.",
                "A measurable side effect (time saved) made the change stick.",
                "Cycle closed.",
            ),
        ],
    ),
    (
        "ECT, science",
        "Practical lessons that stay calm and on task",
        [
            (
                IDENTIFY,
                "What goes wrong in practicals",
                "GROW; timeline of a lesson",
                FAC,
                "We drew a timeline of her last practical. Things slipped when groups "
                "collected equipment all at once.",
                "Drawing the lesson made it concrete without me judging it.",
                "Think about how equipment could be handed out differently.",
            ),
            (
                LEARN,
                "Planning the routine",
                "Rehearsal; roles within groups",
                DIA,
                "She planned trays set out before the lesson and a role for each member of "
                "a group, and we walked through the first ten minutes.",
                "I offered one idea when she was stuck and checked she wanted it.",
                "Try the trays and roles with year 7 on Thursday.",
            ),
            (
                IMPROVE,
                "Trying it",
                "Scaling; strengths first",
                FAC,
                "The start was calm; clearing up at the end was still noisy. She will add a "
                "two-minute countdown for clearing up.",
                "She was quick to see the next step herself.",
                "Add the countdown and keep the roles.",
            ),
            (
                IMPROVE,
                "Closing the cycle",
                "Review against the goal",
                FAC,
                "Two practicals have now run calmly from start to finish. She will use the "
                "routine with all her classes.",
                "She left with a routine she designed and owns.",
                "Cycle closed.",
            ),
        ],
    ),
    (
        "Assistant SENCo",
        "Review meetings with parents that end with agreed actions",
        [
            (
                IDENTIFY,
                "Choosing the goal",
                "GROW; perceptual positions",
                DIA,
                "She finds meetings drift and parents leave unsure what happens next. She "
                "chose ending every meeting with two or three agreed actions.",
                "Asking her to take the parent's position changed how she saw the meetings.",
                "Draft an agenda for the next review meeting.",
            ),
            (
                LEARN,
                "Structuring the meeting",
                "Agenda; rehearsal",
                DIA,
                "We rehearsed the opening and the summary at the end, with me playing the parent.",
                "Role play felt awkward for both of us at first but was worth it.",
                "Use the agenda at two meetings this week.",
            ),
            (
                IMPROVE,
                "After two meetings",
                "What went well / even better if",
                FAC,
                "Both meetings ended with written actions. One parent wanted more time on "
                "their concerns first; she will allow for that.",
                "I mostly listened; she had done her own review before we met.",
                "Keep going; send the actions in writing the same day.",
            ),
            (
                IMPROVE,
                "Closing the cycle",
                "Review against the goal",
                FAC,
                "All five meetings since the start of the cycle ended with agreed actions, "
                "and parents have thanked her for the written summary.",
                "A simple structure made a big difference to her confidence.",
                "Cycle closed.",
            ),
        ],
    ),
]

# Single conversations outside a cycle: (coachee, focus, model and tools, style, what
# happened, reflection, next steps).
CONVERSATIONS = [
    (
        "Year 6 teacher",
        "Workload in the run-up to tests",
        "GROW; circle of control",
        FAC,
        "She listed everything on her mind and sorted it into what she can control and "
        "what she can't. Most of the worry sat outside her control.",
        "The circle gave her something to do with the worry, rather than me reassuring her.",
        "She will drop one task this week and talk to her phase leader about another.",
    ),
    (
        "Middle leader, English",
        "Preparing a difficult conversation with a team member",
        "Rehearsal; what, why, how",
        DIA,
        "He wanted to raise missed deadlines with a colleague. We worked out the opening "
        "sentence and he practised it twice.",
        "I noticed I started offering my own script; I pulled back and asked what he would "
        "say instead.",
        "Hold the conversation before Friday and note how it went.",
    ),
    (
        "ECT, year 1",
        "Carpet time that keeps everyone listening",
        "Solution-focused questions; scaling",
        FAC,
        "We looked for times carpet time already works. It goes best when she sits the "
        "class in talk partners first.",
        "Looking for what already works lifted her mood straight away.",
        "Use talk partners for every carpet session this week.",
    ),
    (
        "Teacher, year 3",
        "Getting ready for a mentor's observation",
        "GROW",
        FAC,
        "She was anxious about being observed. She decided to ask her mentor to look at one "
        "thing she chooses, so the feedback is useful to her.",
        "Turning the observation into something she asks for changed her feelings about it.",
        "Email the mentor with her focus before the visit.",
    ),
    (
        "Head of PE",
        "Getting the department to share resources",
        "GROW; stakeholder map",
        DIA,
        "He mapped who in the department shares already and who doesn't. He will start "
        "with the two who do and build a shared folder together.",
        "A map on paper helped him see allies he had overlooked.",
        "Set up the shared folder with the two keen colleagues.",
    ),
    (
        "TA, year 4",
        "Helping a pupil with anxiety at transitions",
        "Listening; summarising; 'what else?'",
        FAC,
        "She talked through what she has tried. Asking 'what else?' three times brought up "
        "a visual timetable she had forgotten about.",
        "Summarising back what she said helped her hear her own good ideas.",
        "Make a visual timetable with the pupil.",
    ),
    (
        "Assistant headteacher",
        "Leading a staff meeting on coaching",
        "OSKAR",
        DIA,
        "We used OSKAR to plan the meeting: what a good outcome would look like, what "
        "already works and the small steps to get there.",
        "OSKAR suited a senior colleague who wanted a clear structure.",
        "She will try the opening activity on the senior team first.",
    ),
    (
        "Teacher, year 2",
        "Keeping on top of marking",
        "GROW; circle of influence",
        FAC,
        "She is spending two evenings a week marking. She chose live marking in lessons for "
        "maths to cut this down.",
        "I kept myself from sharing my own marking tips; her idea was better for her class.",
        "Try live marking for a week and see what time it saves.",
    ),
    (
        "Teacher, history",
        "Questioning in a mixed-attainment class",
        "Video of a lesson; GROW",
        DIA,
        "We watched a clip of her questioning. She noticed she rephrases questions before "
        "pupils have had time to think.",
        "Her own noticing was far stronger than any feedback from me.",
        "Count to five after asking a question, in every lesson this week.",
    ),
    (
        "ECT mentor",
        "Feedback conversations after observations",
        "Coaching questions compared with advice; role play",
        DIR,
        "He asked how to make feedback less one-way. I shared three opening questions and "
        "we role-played a feedback conversation.",
        "He asked for advice, so directive was right; I asked him afterwards which question "
        "he would keep.",
        "Use one of the questions in his next mentor meeting.",
    ),
    (
        "Teacher, year 4",
        "Returning after maternity leave",
        "Values card sort; GROW",
        FAC,
        "She sorted value cards to think about what matters most in her part-time role. "
        "Family time and teaching well came top.",
        "The cards gave her words for something she had found hard to say.",
        "Talk to her line manager about which afternoons she is in.",
    ),
    (
        "Head of year 8",
        "Making tutor time purposeful",
        "OSKAR; scaling",
        FAC,
        "He rated tutor time 4 out of 10. Mornings with a set activity already work, so he "
        "will plan one for every day.",
        "Scaling, then asking why it isn't lower, surfaced what already works.",
        "Plan a week of tutor-time activities with two tutors.",
    ),
    (
        "Music teacher",
        "Balancing clubs, concerts and teaching",
        "Urgent and important grid",
        DIA,
        "She placed every commitment on the grid. Two clubs could be run by sixth formers "
        "with her oversight.",
        "Seeing it all on one page made the decision obvious to her.",
        "Ask two sixth formers about running the clubs.",
    ),
    (
        "SENCo",
        "Writing pupil profiles with the pupils",
        "GROW",
        FAC,
        "She wants pupils to help write their own one-page profiles. She chose three pupils "
        "to start with and planned the questions to ask them.",
        "Open questions helped her plan open questions for her pupils.",
        "Write the first three profiles with the pupils.",
    ),
    (
        "Teacher, year 5",
        "A difficult conversation at parents' evening",
        "Rehearsal; perceptual positions",
        DIA,
        "He practised the conversation from the parent's side as well as his own, and "
        "changed how he will open it.",
        "Taking the parent's position made him less defensive.",
        "Hold the conversation at parents' evening; note what worked.",
    ),
    (
        "Teacher, computing",
        "Low-stakes quizzes at the start of lessons",
        "GROW; what's working already",
        FAC,
        "She already uses quizzes with year 7. She wants to use them with all year groups "
        "without losing lesson time.",
        "I asked what had made it work with year 7, and the answer gave her the plan.",
        "Try a five-question quiz with year 9 next week.",
    ),
]

# Reflective-log entries: (title, text).
REFLECTIONS = [
    (
        "What coaching is not",
        "After the first training day I tried to put into words how coaching differs from "
        "mentoring and from simply giving advice. In mentoring I pass on what I know; in "
        "coaching I help a colleague find their own way forward. In my first sessions I "
        "caught myself slipping into advice whenever there was a pause.",
    ),
    (
        "Noticing my urge to fix",
        "This half term I have counted the times I offered a solution before the coachee "
        "had finished thinking. It was at least once in most sessions. When I held back, "
        "colleagues often reached a better idea than mine and were keener to try it.",
    ),
    (
        "Agreeing how we work at the start",
        "I now open every first session by agreeing what we will talk about, how long we "
        "have and what stays between us. It takes two minutes and the conversations have "
        "been more open since I started doing it.",
    ),
    (
        "My coaching style",
        "The questionnaire on the second training day suggested I lean towards a "
        "dialogical style. That matches my diary: I often share my view and then explore it "
        "together. I want to try being more facilitative with experienced colleagues.",
    ),
    (
        "Using silence",
        "I tried staying silent for longer after asking a question. It felt uncomfortable at "
        "first, but the coachee nearly always went on to say something more important than "
        "their first answer.",
    ),
    (
        "When a coachee wanted advice",
        "An ECT asked me outright what she should do. I offered two options, made clear "
        "they were suggestions, and asked which fitted her class. Moving between styles on "
        "purpose feels different from drifting into telling.",
    ),
    (
        "Confidentiality in a small staffroom",
        "A colleague mentioned something from a coaching session in the staffroom. It made "
        "me think about boundaries: I have since agreed with each coachee what, if "
        "anything, can be shared, and with whom.",
    ),
    (
        "Looking back over the year",
        "Over the year I have moved from asking lots of questions to asking fewer, better "
        "ones. Colleagues come to me now to think something through, not to be told what "
        "to do, and the coaching cycles have made the school's rubric feel useful.",
    ),
]

TASK_ANSWERS = {
    "Where I am starting from": "Most of my conversations with colleagues are about "
    "solving a problem quickly: someone asks and I answer. I would like coaching to help "
    "colleagues find their own answers and to make our conversations about teaching more "
    "regular and less rushed.",
    "Self and organisational review": "Our school supports growth mainly through "
    "observations and courses. With my line manager I agreed three measures: how many "
    "staff take part in coaching; how staff rate their confidence in the area they "
    "choose; and whether the goals picked from the rubric are met at the end of a cycle.",
    "After Fundamentals": "I used the GROW model with a colleague in year 3 who wanted "
    "to feel ready for an observation. Keeping to the model stopped me jumping to "
    "solutions, and she left with a plan she had made herself.",
    "After The self-aware coach": "The questionnaires showed I lean towards a dialogical "
    "style. In my next three sessions I noticed when I shared my own view and asked "
    "myself whether it helped the coachee or only me.",
    "After Taking it further": "I will keep coaching next year by meeting two colleagues "
    "every fortnight and joining the peer-supervision group our trainer set up. I have "
    "asked for a regular slot on the staff-meeting calendar to share what we learn.",
    "Final reflection": "This year I have grown from someone who gives advice into "
    "someone who helps colleagues think. The colleagues I coached chose their own goals "
    "from the rubric and most reached them: settling times fell, more pupils answered in "
    "lessons, and two colleagues now coach others. I still need to work on ending "
    "sessions with a clear commitment.",
}
WEAK_FINAL_REFLECTION = (
    "It has been a busy year. I coached a lot of colleagues and enjoyed it, and I think I "
    "have got better at it."
)
REFERRED_FEEDBACK = (
    "A lot of good practice here, and your diary shows real care for your coachees. Before "
    "resubmitting: log the missing summer-term session (one of your sessions was 20 "
    "minutes, below the 30 minutes that count), and rewrite the final reflection so that it "
    "shows how your coaching changed over the year, with evidence from your diary and from "
    "the impact measures you set in the autumn."
)
REFERRED_MARKS = {
    "coaching": "29 sessions count: the session on {short} was under 30 minutes.",
    "term-2": "9 of 10 in the summer term count; one more is needed.",
    "Final reflection": "Too brief to show growth: refer to your diary, your log and your "
    "impact measures.",
}
RECOMMENDED_FEEDBACK = (
    "An excellent portfolio. The diary shows a clear shift from directive to facilitative "
    "coaching over the year, the cycles are well evidenced, and the impact measures from "
    "the autumn review are reported honestly. Recommended for the award."
)
IMPACT_STATEMENT = (
    "Cycle 1 ran for about a month: four coaching conversations of half an hour or so. "
    "The coachee chose "
    "the goal herself from the routines strand of our teaching and learning rubric, and "
    "measured it each day. What the school takes from it: short cycles with one measurable "
    "goal suit early career teachers, and timetabled release for the coach made the "
    "sessions happen. We will offer the same model to the other ECTs this term."
)

MINUTES = [30, 35, 30, 40, 30, 45, 30, 35, 40, 30]

# Which cycles each participant runs: (index in CYCLES, first slot, sessions, ended).
# A cycle's sessions take every other slot of the diary from its first.
PLANS = {
    STARTED: [],
    GETTING_GOING: [(2, 3, 3, False)],
    HALF_WAY: [(0, 1, 4, True), (1, 10, 2, False)],
    SUBMITTED: [(3, 1, 4, True), (4, 11, 4, True), (5, 21, 4, True)],
    REFERRED: [(0, 1, 4, True), (2, 11, 4, True), (4, 21, 4, True)],
    RECOMMENDED: [(1, 1, 4, True), (3, 12, 4, True), (5, 22, 4, True)],
}
# Where each starts in CONVERSATIONS and MINUTES, so that no two diaries read alike.
OFFSETS = {STARTED: 11, GETTING_GOING: 5, HALF_WAY: 0, SUBMITTED: 2, REFERRED: 7, RECOMMENDED: 12}
# Sessions logged shorter than the 30 minutes that count: (stage, slot).
SHORT_SESSIONS = {(HALF_WAY, 8), (REFERRED, 24)}
REFLECTION_PICKS = {
    STARTED: [],
    GETTING_GOING: [0, 2],
    HALF_WAY: [0, 1, 2],
    SUBMITTED: [0, 1, 2, 3, 6, 7],
    REFERRED: [0, 2, 3, 4, 5, 7],
    RECOMMENDED: [0, 1, 2, 3, 4, 5, 6, 7],
}
FINISHED = (SUBMITTED, REFERRED, RECOMMENDED)
DAY = datetime.timedelta(days=1)


# --- Dates ----------------------------------------------------------------------------


def academic_year_of(day):
    return day.year if day.month >= 9 else day.year - 1


# School holidays near enough for a diary: (from (month, day), to (month, day)).
HOLIDAYS = [((10, 27), (10, 31)), ((12, 20), (12, 31)), ((1, 1), (1, 5)), ((2, 16), (2, 20)),
            ((4, 1), (4, 14)), ((5, 26), (5, 30)), ((7, 19), (8, 31))]  # fmt: skip


def _is_school_day(day):
    if day.weekday() >= 5:
        return False
    here = (day.month, day.day)
    return not any(start <= here <= end for start, end in HOLIDAYS)


def _school_days(first, last):
    days, day = [], first
    while day <= last:
        if _is_school_day(day):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _spread(days, count):
    """`count` of `days`, evenly spread from the first to the last."""
    if count <= 0 or not days:
        return []
    if count == 1:
        return [days[-1]]
    count = min(count, len(days))
    return [days[round(i * (len(days) - 1) / (count - 1))] for i in range(count)]


def _terms(year):
    """(first day, last day) of the autumn, spring and summer terms for a diary."""
    return [
        (datetime.date(year, 9, 1), datetime.date(year, 12, 19)),
        (datetime.date(year + 1, 1, 6), datetime.date(year + 1, 3, 31)),
        (datetime.date(year + 1, 4, 15), datetime.date(year + 1, 7, 18)),
    ]


def _training_days(year, today):
    """The certificate's three training days in the academic year, one early in each
    term, as the bookings seed dates them; a day still to come is at least two weeks
    off, as every other date of the demo is."""
    days = []
    for index, season in enumerate(("Autumn", "Spring", "Summer")):
        (m1, d1), (m2, d2) = demo_bookings.TERM_WINDOWS[season]
        at = year if index == 0 else year + 1
        lo, hi = datetime.date(at, m1, d1), datetime.date(at, m2, d2)
        day = demo_bookings._teaching_day(lo, hi, demo_bookings.CCC_FRACTION)
        if day >= today:
            lo = max(lo, today + demo_bookings.FIRST_DATE_AFTER)
            day = demo_bookings._teaching_day(lo, hi, demo_bookings.CCC_FRACTION)
        days.append(day)
    return days


def _this_years_team_year(today):
    """The academic year the demo school's team is in: the current one once there has
    been time to be half way through the autumn, else the one before."""
    year = academic_year_of(today)
    first = _training_days(year, today)[0]
    elapsed = _school_days(first + datetime.timedelta(days=1), today - datetime.timedelta(days=1))
    return year if first < today and len(elapsed) >= 20 else year - 1


def _aware(day, hour=16, minute=0):
    return demo_bookings._at(day, hour, minute)


# --- People ---------------------------------------------------------------------------


def _demo_user(role):
    email = next(e for e, *_, r, _ in content.DEMO_USERS if r == role)
    return get_user_model().objects.filter(email=email, groups__name=role).first()


def _person(first, last, email, *, group=None):
    """Someone who never signs in (an unusable password), made once."""
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=first, last_name=last)
        if group:
            user.groups.add(Group.objects.get(name=group))
    return user


def _school_email(first, last, school):
    domain = next(d.domain for d in demo_bookings.ORGANISATIONS if d.key == school)
    return f"{first}.{last}@{domain}".lower()


# --- Files ----------------------------------------------------------------------------


def _pdf(title, paragraphs, name):
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    data = render_pdf(f"<h1>{title}</h1>{body}", name)
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _grow_card(name):
    """A small PNG: the four stages of GROW with a question for each."""
    image = Image.new("RGB", (480, 300), "white")
    draw = ImageDraw.Draw(image)
    stages = [
        ("Goal", "What do you want from this?"),
        ("Reality", "What is happening now?"),
        ("Options", "What could you do?"),
        ("Way forward", "What will you do, and when?"),
    ]
    for index, (stage, question) in enumerate(stages):
        top = 12 + index * 72
        draw.rectangle([12, top, 468, top + 60], outline=(31, 78, 121), width=3)
        draw.text((26, top + 12), stage, fill=(31, 78, 121))
        draw.text((26, top + 34), question, fill=(40, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _attach(enrolment, upload, description, when, **target):
    evidence = add_file(enrolment, upload, sniff(upload), description=description, **target)
    EvidenceFile.objects.filter(pk=evidence.pk).update(uploaded_at=when)
    return evidence


# --- Seeding --------------------------------------------------------------------------


@transaction.atomic
def seed_portfolios(report, *, today, demo_users):
    award = Award.objects.filter(slug=CCC_AWARD).first()
    course = CoursePage.objects.filter(slug=demo_bookings.CCC).first()
    if award is None or course is None or award.current_requirements() is None:
        return
    if Enrolment.objects.filter(requirement_set__award=award).exists():
        return
    names = {d.key: d.name for d in demo_bookings.ORGANISATIONS}
    schools = {
        key: Organisation.objects.filter(name=names[key]).first()
        for key in (LAST_YEAR_SCHOOL, THIS_YEAR_SCHOOL)
    }
    if None in schools.values():
        return
    assessor = _demo_user(roles.ASSESSORS) if demo_users else None
    if assessor is None:
        first, last, email = STAND_IN_ASSESSOR
        assessor = _person(first, last, email, group=roles.ASSESSORS)
    participant = _demo_user(roles.PARTICIPANTS) if demo_users else None
    needs = award.current_requirements()
    year = _this_years_team_year(today)

    last_year = _team(
        course,
        needs,
        schools[LAST_YEAR_SCHOOL],
        LAST_YEAR_SCHOOL,
        LAST_YEAR_TEAM,
        year - 1,
        today,
        assessor,
        po="CHS-PO-2917",
    )
    this_team = list(THIS_YEAR_TEAM)
    if participant is not None:
        this_team[0] = Member(
            participant.first_name, participant.last_name, "Class teacher", HALF_WAY
        )
    this_year = _team(
        course,
        needs,
        schools[THIS_YEAR_SCHOOL],
        THIS_YEAR_SCHOOL,
        this_team,
        year,
        today,
        assessor,
        po="ASH/PO/0391",
        emails={0: participant.email} if participant is not None else None,
        # Booked the autumn before, with the next year's training budget: its invoice
        # comes before this year's, so the numbers still run in date order.
        booked_on=datetime.date(year - 1, 11, 18),
    )
    enrolments = {**last_year, **this_year}
    for stage, enrolment in enrolments.items():
        _portfolio(enrolment, stage, today)
    _reviews(enrolments, assessor, today)
    team = _coaching_team(schools[THIS_YEAR_SCHOOL], enrolments[HALF_WAY], today)

    cohorts = [e.cohort for e in (last_year[SUBMITTED], this_year[HALF_WAY])]
    report.add(
        "2 teams on the certificate, with bookings, paid invoices and registers: "
        + " and ".join(f"{c.title}" for c in cohorts)
    )
    report.add(
        "6 portfolios: just started, getting going and half way this year; submitted, "
        "referred back and recommended from last year"
    )
    report.add(
        f"coaching team at {team.organisation} (impact lead {team.impact_lead.get_full_name()}) "
        "with an impact statement"
    )
    if participant is not None:
        report.add(
            f"the half-way portfolio is {participant.email}'s; {assessor.email} assesses all six"
        )


def _team(
    course, needs, school, key, members, year, today, assessor, *, po, emails=None, booked_on=None
):
    """A dated run of the certificate for the academic year, the school's team booked on
    it (invoiced and paid), the registers of its past days taken, and each member
    enrolled. Returns {stage: enrolment}."""
    days = _training_days(year, today)
    cohort = _cohort(course, year, days)
    cohort.trainers.add(assessor)
    delegates = []
    for index, member in enumerate(members):
        email = (emails or {}).get(index) or _school_email(member.first, member.last, key)
        delegates.append(DelegateDetails(f"{member.first} {member.last}", email, member.job_title))
    booked_on = booked_on or days[0] - datetime.timedelta(days=45)
    booked_at = _aware(demo_bookings._teaching_day(booked_on, booked_on + 7 * DAY, 0), 10, 30)
    booker = _booker(school, key, booked_at)
    booking = place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=school.pk,
            places=len(members),
            delegates=delegates,
            po_number=po,
        ),
        booker,
        now=booked_at,
        notify=False,
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=booked_at)
    demo_bookings._pay(booking, 1, booked_at.date() + 21 * DAY)
    Cohort.objects.filter(pk=cohort.pk).update(status=CohortStatus.CLOSED)

    by_email = {d.email: d for d in booking.delegates.all()}
    stages = {d.email.lower(): m.stage for d, m in zip(delegates, members, strict=True)}
    for session in cohort.sessions.order_by("starts_at"):
        if timezone.localtime(session.starts_at).date() >= today:
            continue
        marks = {}
        for email, delegate in by_email.items():
            if stages[email] == STARTED:
                # Missed the first day, and so started late.
                marks[delegate.pk] = AttendanceMark.ABSENT
            elif stages[email] == REFERRED and session.title == demo_bookings.CCC_SESSIONS[1]:
                marks[delegate.pk] = AttendanceMark.LATE
            else:
                marks[delegate.pk] = AttendanceMark.PRESENT
        mark_register(session, marks, actor=assessor, now=session.ends_at)

    made = enrol_cohort(cohort, needs, assessor=assessor, academic_year=year)
    Enrolment.objects.filter(pk__in=[e.pk for e in made]).update(
        created_at=_aware(days[0] - 14 * DAY, 10)
    )
    return {stages[enrolment.delegate.email]: enrolment for enrolment in made}


def _cohort(course, year, days):
    place = "Leeds" if year % 2 else "Halifax"
    cohort = Cohort(
        course=course,
        title=f"{place}, {year}–{(year + 1) % 100:02d}",
        status=CohortStatus.OPEN,
        capacity=12,
        naming_deadline=days[0] - datetime.timedelta(days=7),
    )
    (h1, m1), (h2, m2) = demo_bookings.FULL_DAY
    for title, day in zip(demo_bookings.CCC_SESSIONS, days, strict=True):
        cohort.sessions.add(
            CohortSession(
                title=title,
                starts_at=demo_bookings._at(day, h1, m1),
                ends_at=demo_bookings._at(day, h2, m2),
                venue=demo_bookings.VENUES[place],
            )
        )
    cohort.save()
    return cohort


def _booker(school, key, booked_at):
    """The school's own booker, never a demo account: at the demo school, whose booker is
    one, its deputy head, who is also the impact lead."""
    existing = school.bookers.exclude(user__email__in=[e for e, *_ in content.DEMO_USERS])
    booker = existing.select_related("user").first()
    if booker is not None:
        return booker.user
    first, last, job_title = IMPACT_LEAD
    user = _person(first, last, _school_email(first, last, key), group=roles.SCHOOL_BOOKERS)
    demo_bookings._booker_profile(user, school, job_title, booked_at - datetime.timedelta(days=60))
    return user


def _diary_dates(stage, year, today):
    """The days the participant coached on: ten or so a term for last year's team; for
    this year's, up to yesterday."""
    first_day = _training_days(year, today)[0] + DAY
    terms = _terms(year)
    if stage in FINISHED:
        dates = []
        for index, (first, last) in enumerate(terms):
            count = 11 if stage == RECOMMENDED and index == 1 else 10
            dates += _spread(_school_days(max(first, first_day), last), count)
        return dates
    yesterday = today - DAY
    if stage == STARTED:
        last = min(yesterday, terms[2][1])
        recent = _school_days(max(first_day, last - datetime.timedelta(days=21)), last)
        return _spread(recent, 2)
    pool = _school_days(first_day, min(yesterday, terms[1][1]))
    return _spread(pool, 15 if stage == HALF_WAY else 9)


def _portfolio(enrolment, stage, today):
    year = enrolment.academic_year
    dates = _diary_dates(stage, year, today)
    offset = OFFSETS[stage]
    slots = {}
    cycles = []
    for cycle_index, first, count, ended in PLANS[stage]:
        coachee, goal, sessions = CYCLES[cycle_index]
        taken = [s for s in range(first, first + 2 * count, 2) if s < len(dates)]
        if not taken:
            continue
        cycle = start_cycle(enrolment, coachee=coachee, goal=goal, started_on=dates[taken[0]])
        if ended and len(taken) == count:
            cycle.ended_on = dates[taken[-1]]
            CoachingCycle.objects.filter(pk=cycle.pk).update(ended_on=cycle.ended_on)
        cycles.append(cycle)
        for slot, session in zip(taken, sessions, strict=False):
            slots[slot] = (cycle, session)
    rows = []
    loose = 0
    for slot, day in enumerate(dates):
        minutes = 20 if (stage, slot) in SHORT_SESSIONS else MINUTES[(slot + offset) % 10]
        if slot in slots:
            cycle, (phase, focus, tools, style, happened, reflection, next_steps) = slots[slot]
            coachee = cycle.coachee
        else:
            cycle, phase = None, ""
            coachee, focus, tools, style, happened, reflection, next_steps = CONVERSATIONS[
                (offset + loose) % len(CONVERSATIONS)
            ]
            loose += 1
        rows.append(
            CoachingSession(
                enrolment=enrolment,
                cycle=cycle,
                phase=phase,
                held_on=day,
                minutes=minutes,
                coachee=coachee,
                focus=focus,
                model_and_tools=tools,
                style=style,
                what_happened=happened,
                reflection=reflection,
                next_steps=next_steps,
                created_at=_aware(day, 16, 30),
            )
        )
    CoachingSession.objects.bulk_create(rows)

    entries = _reflections(enrolment, stage, dates)
    answers = _answers(enrolment, stage, dates, today)
    _files(enrolment, stage, entries, answers)


def _reflections(enrolment, stage, dates):
    picks = REFLECTION_PICKS[stage]
    if not picks or not dates:
        return []
    days = _spread(_school_days(dates[0], dates[-1]), len(picks))
    entries = ReflectiveEntry.objects.bulk_create(
        ReflectiveEntry(
            enrolment=enrolment, written_on=day, title=REFLECTIONS[i][0], body=REFLECTIONS[i][1]
        )
        for i, day in zip(picks, days, strict=False)
    )
    return entries


def _answers(enrolment, stage, dates, today):
    """Answers to the portfolio tasks, each finished a little after the training day it
    follows; this year's team has done those whose time has come, and the half-way
    participant has started the next."""
    year = enrolment.academic_year
    first, second, third = _training_days(year, today)
    end_of_year = _terms(year)[2][1] - datetime.timedelta(days=7)
    due = [first - 7 * DAY, first + 14 * DAY, first + 35 * DAY, second + 21 * DAY,
           third + 21 * DAY, end_of_year]  # fmt: skip
    tasks = list(enrolment.requirement_set.tasks.order_by("sort_order", "pk"))
    limit = {STARTED: 1, GETTING_GOING: 2}.get(stage, len(tasks))
    rows = []
    for index, (task, day) in enumerate(zip(tasks, due, strict=False)):
        answer = TASK_ANSWERS.get(task.title, "")
        if stage == REFERRED and task.kind == TaskKind.FINAL:
            answer = WEAK_FINAL_REFLECTION
        if stage == STARTED and dates:
            day = dates[0] - 2 * DAY  # joined after the first training day
        if index < limit and day < today:
            rows.append(
                TaskResponse(
                    enrolment=enrolment, task=task, answer=answer, completed_at=_aware(day, 19)
                )
            )
            continue
        if stage == HALF_WAY:
            # The next task, begun.
            rows.append(
                TaskResponse(enrolment=enrolment, task=task, answer=answer.split(". ")[0] + ".")
            )
        break
    return TaskResponse.objects.bulk_create(rows)


def _files(enrolment, stage, entries, answers):
    by_task = {answer.task.title: answer for answer in answers}
    if stage == HALF_WAY:
        review = by_task.get("Self and organisational review")
        if review is not None:
            _attach(
                enrolment,
                _pdf(
                    "Starting points and impact measures",
                    [
                        "Agreed with my line manager at the start of the year.",
                        "1. How many staff take part in coaching each term.",
                        "2. How staff rate their confidence, before and after a cycle, "
                        "in the area they choose.",
                        "3. Whether goals picked from the teaching and learning rubric are "
                        "met by the end of a cycle.",
                    ],
                    "Starting points and impact measures.pdf",
                ),
                "The review agreed with my line manager, with three impact measures",
                review.completed_at,
                answer=review,
            )
    if stage in (HALF_WAY, SUBMITTED) and entries:
        _attach(
            enrolment,
            _grow_card("GROW question card.png"),
            "The prompt card I keep on the table in sessions",
            _aware(entries[0].written_on, 18),
            entry=entries[0],
        )
    if stage == RECOMMENDED:
        final = next((a for a in answers if a.task.kind == TaskKind.FINAL), None)
        if final is not None:
            _attach(
                enrolment,
                _pdf(
                    "Impact measures at the end of the year",
                    [
                        "Staff taking part in coaching: 4 in the autumn, 9 by the summer.",
                        "Confidence in the chosen area, on a scale of 1 to 10: 4 on "
                        "average before a cycle, 7 after it.",
                        "Goals from the teaching and learning rubric: 5 of 6 cycles met "
                        "their goal; the sixth carries on next year.",
                    ],
                    "Impact measures at the end of the year.pdf",
                ),
                "The three impact measures from the autumn review, measured again in July",
                final.completed_at,
                answer=final,
            )


def _reviews(enrolments, assessor, today):
    """Last year's team: one waiting for the assessor, one referred back, one
    recommended and waiting for moderation."""
    for stage, submitted_days_ago, decided_days_ago in (
        (SUBMITTED, 6, None),
        (REFERRED, 40, 30),
        (RECOMMENDED, 21, 9),
    ):
        enrolment = enrolments[stage]
        submission = submit(enrolment, enrolment.participant)
        submitted_at = _aware(today - submitted_days_ago * DAY, 20, 15)
        Submission.objects.filter(pk=submission.pk).update(submitted_at=submitted_at)
        AuditEvent.objects.filter(submission=submission).update(at=submitted_at)
        if decided_days_ago is None:
            continue
        outcome = SubmissionOutcome.REFERRED if stage == REFERRED else SubmissionOutcome.RECOMMENDED
        marks = {}
        for item in submission.snapshot["items"]:
            key, label = item["key"], item["label"]
            if stage == REFERRED and key in REFERRED_MARKS:
                marks[key] = (False, REFERRED_MARKS[key].format(short=_short_day(enrolment)))
            elif stage == REFERRED and label == "Task: Final reflection":
                marks[key] = (False, REFERRED_MARKS["Final reflection"])
            else:
                marks[key] = (True, "")
        feedback = REFERRED_FEEDBACK if stage == REFERRED else RECOMMENDED_FEEDBACK
        review(submission, assessor, marks=marks, feedback=feedback, outcome=outcome)
        decided_at = _aware(today - decided_days_ago * DAY, 11, 40)
        Submission.objects.filter(pk=submission.pk).update(decided_at=decided_at)
        AuditEvent.objects.filter(submission=submission).exclude(
            action=AuditAction.SUBMITTED
        ).update(at=decided_at)


def _short_day(enrolment):
    short = enrolment.diary.filter(minutes__lt=30).order_by("held_on").first()
    return f"{short.held_on:%-d %B %Y}" if short else "one day"


def _coaching_team(school, enrolment, today):
    first, last, _ = IMPACT_LEAD
    impact_lead = _person(first, last, _school_email(first, last, THIS_YEAR_SCHOOL))
    first, last, _ = COACHING_LEAD
    coaching_lead = _person(first, last, _school_email(first, last, THIS_YEAR_SCHOOL))
    team, _ = CoachingTeam.objects.get_or_create(
        organisation=school, defaults={"impact_lead": impact_lead}
    )
    team.coaching_leads.add(coaching_lead)
    cycle = enrolment.cycles.filter(ended_on__isnull=False).order_by("number").first()
    if cycle is not None and team.impact_lead_id is not None:
        statement = write_impact_statement(cycle, team.impact_lead, IMPACT_STATEMENT)
        written_at = _aware(min(cycle.ended_on + 3 * DAY, today - DAY), 17, 10)
        ImpactStatement.objects.filter(pk=statement.pk).update(
            written_at=written_at, updated_at=written_at
        )
        AuditEvent.objects.filter(enrolment=enrolment, action=AuditAction.IMPACT_STATEMENT).update(
            at=written_at
        )
    return team


# --- The year's end: QA visits and certificates -----------------------------------------
#
# What last year left behind and this year's first QA visit, made once through the real
# services (if any certificate or QA visit exists already, nothing is added):
# - QA visits: last year's school confirmed in the summer; the demo school's mentors on
#   the Recognition Framework confirmed; the demo school's certificate team, a week ago,
#   with actions required and the follow-up visit booked.
# - The demo participant's earlier awards: a certificate of attendance from a coaching
#   ambassador day (first issued under the misspelt name the booking had, then reissued)
#   and the framework's Effective Mentor phase.
# - A colleague's certificate of attendance revoked (the register had her present by
#   mistake), and her Effective Mentor certificate.
# Last year's recommended portfolio stays as the portfolios above leave it: waiting for
# moderation, not yet certified.

ATTENDANCE_AWARD = "certificate-of-attendance"
EFFECTIVE_MENTOR = "effective-mentor"
# Without the demo users, someone in the office who never signs in issues them.
STAND_IN_OFFICE = ("Denise", "Hartley", "d.hartley@coaching.example")
# As typed on the booking, and so on the first certificate.
MISSPELT = {"Fairclough": "Fairclogh", "Participant": "Partcipant"}

# Reflective-log entries on the framework, by stage on this year's team (the half-way
# place is the demo participant's): (title, text, criteria it is evidence for).
MENTOR_ENTRIES = {
    HALF_WAY: [
        (
            "Getting started with a new colleague",
            "I began mentoring an early career teacher this spring. At our first meeting we "
            "agreed when we would meet, what stays between us and how she likes to hear "
            "feedback. By the third meeting she was bringing her own questions instead of "
            "waiting for mine.",
            ["EM1"],
        ),
        (
            "Feedback she could use the next day",
            "After watching part of a lesson I gave one strength and one next step, each "
            "tied to something I had seen, and asked how she would try it. She used the "
            "next step the following morning and we looked at the pupils' work together.",
            ["EM2"],
        ),
        (
            "What I have learnt about mentoring",
            "Trust came from keeping to our meeting times and doing what I said I would. "
            "Short, specific feedback worked far better than a long list.",
            ["EM1", "EM2"],
        ),
    ],
    GETTING_GOING: [
        (
            "Mentoring a new teaching assistant",
            "We agreed at the start that our meetings are for her questions first. She now "
            "tells me when something has not gone well, which she would not have done at "
            "the start.",
            ["EM1"],
        ),
        (
            "Feedback after a reading session",
            "I noted two things that helped a pupil and one thing to change, and we agreed "
            "what she would try. A week later the pupil was reading aloud without prompting.",
            ["EM2"],
        ),
    ],
    STARTED: [
        (
            "First meetings with my mentee",
            "We have met twice and agreed how we will work together. I want to get better "
            "at listening before I suggest anything.",
            ["EM1"],
        ),
    ],
}
MENTOR_FEEDBACK = (
    "Both criteria are clearly evidenced: the log shows a trusting relationship built with "
    "care, and feedback that led to a change in the mentee's practice. Recommended for the "
    "Certificate of Recognition."
)
MENTOR_MODERATION = "Sampled both logs: the evidence meets the Effective Mentor standard."

LAST_YEAR_VISIT = {
    "evidence_seen": "Three coaching diaries and reflective logs; the impact measures agreed "
    "in the autumn review; the notes of the school's peer-supervision group.",
    "findings": "Coaching is well established: each participant coaches colleagues every "
    "week, sessions are recorded with care, and the cycles are tied to the school's "
    "teaching and learning rubric. The impact measures set in the autumn are being "
    "collected for the final report.",
}
MENTORS_VISIT = {
    "evidence_seen": "The reflective logs of two mentors, with the notes of their mentoring "
    "meetings; the school's mentoring timetable.",
    "findings": "Mentoring is planned and protected: each mentor meets their mentee at a set "
    "time every week. The two logs sampled show trusting relationships and feedback that is "
    "specific and leads to action, against both Effective Mentor criteria. The third mentor "
    "has not finished the phase and carries on next year.",
}
THIS_YEAR_VISIT = {
    "evidence_seen": "Three coaching diaries, the reflective logs and the portfolio tasks "
    "done so far; the impact statement for the first closed cycle.",
    "findings": "A good start: the diaries are detailed, the coaching cycles are short with "
    "one clear goal, and the first impact statement is written. Sessions are not yet "
    "happening evenly, though: one participant joined after the first training day and has "
    "logged only two sessions, and coaching has no time on the timetable, so it depends on "
    "goodwill.",
    "actions": "1. Agree a catch-up plan with the participant who started late, so that "
    "each term's ten sessions can still be logged.\n"
    "2. Put a fortnightly coaching slot on the timetable, and a meeting of the coaching "
    "team every half term.\n"
    "3. Send us the coaching timetable before the follow-up visit.",
}
REISSUE_REASON = (
    "The surname was misspelt on the booking, and so on the certificate; corrected at the "
    "holder's request."
)
REVOKE_REASON = (
    "Issued in error: the holder was marked present on the register by mistake and did not "
    "attend the training day. The register has been corrected."
)


@transaction.atomic
def seed_certification_year(report, *, today, demo_users):
    if Certificate.objects.exists() or QAVisit.objects.exists():
        return
    slugs = (CCC_AWARD, ATTENDANCE_AWARD, EFFECTIVE_MENTOR)
    awards = {a.slug: a for a in Award.objects.filter(slug__in=slugs)}
    courses = {
        c.slug: c for c in CoursePage.objects.filter(slug__in=(demo_bookings.AMB, demo_bookings.RF))
    }
    names = {d.key: d.name for d in demo_bookings.ORGANISATIONS}
    schools = {
        key: Organisation.objects.filter(name=names[key]).first()
        for key in (LAST_YEAR_SCHOOL, THIS_YEAR_SCHOOL)
    }
    if len(awards) < len(slugs) or len(courses) < 2 or None in schools.values():
        return
    if any(award.current_requirements() is None for award in awards.values()):
        return
    teams = {
        key: list(
            Enrolment.objects.filter(requirement_set__award__slug=CCC_AWARD, organisation=school)
            .select_related("participant")
            .order_by("participant__last_name", "pk")
        )
        for key, school in schools.items()
    }
    # This year's team, by stage: the demo participant (or whoever stands in for them at
    # the half-way place) and the two colleagues who started with them.
    people = {}
    for member in THIS_YEAR_TEAM:
        email = _school_email(member.first, member.last, THIS_YEAR_SCHOOL)
        people[member.stage] = get_user_model().objects.filter(email=email).first()
    if demo_users:
        people[HALF_WAY] = _demo_user(roles.PARTICIPANTS) or people[HALF_WAY]
    if not all(teams.values()) or None in people.values():
        return
    assessor = (_demo_user(roles.ASSESSORS) if demo_users else None) or _person(
        *STAND_IN_ASSESSOR, group=roles.ASSESSORS
    )
    office = (_demo_user(roles.PROVIDER_ADMINS) if demo_users else None) or _person(
        *STAND_IN_OFFICE, group=roles.PROVIDER_ADMINS
    )
    year = _this_years_team_year(today)  # last year ran from the autumn of year - 1
    school = schools[THIS_YEAR_SCHOOL]
    # Both dates booked in December, after this year's certificate, so that the
    # invoice numbers still run in date order.
    booked_on = demo_bookings._teaching_day(
        datetime.date(year - 1, 12, 2), datetime.date(year - 1, 12, 12), 0
    )
    ambassadors = _ambassador_day(
        courses[demo_bookings.AMB],
        awards[ATTENDANCE_AWARD],
        school,
        people,
        year,
        booked_on,
        assessor,
        office,
    )
    mentors = _effective_mentors(
        courses[demo_bookings.RF],
        awards[EFFECTIVE_MENTOR],
        school,
        people,
        year,
        booked_on,
        assessor,
        office,
    )
    visits = _certificate_visits(schools, teams, awards[CCC_AWARD], assessor, year, today)

    report.add(
        "2 past dates with their bookings and registers: "
        + " and ".join(f"{c.course.title}, {c.title}" for c in (ambassadors.cohort, mentors.cohort))
    )
    follow_up = timezone.localtime(visits["follow-up"].starts_at)
    report.add(
        f"3 QA visits recorded: confirmed at {schools[LAST_YEAR_SCHOOL]} (certificate) and at "
        f"{school} ({awards[EFFECTIVE_MENTOR].name}); actions required at {school} "
        f"(certificate), with the follow-up visit booked for {follow_up:%d/%m/%Y}"
    )
    holder = ambassadors.certificates[HALF_WAY]
    report.add(
        f"certificates for {people[HALF_WAY].email}: {holder.number} (reissued, the name "
        f"corrected) and {mentors.certificates[HALF_WAY].number}"
    )
    mentor, revoked = mentors.certificates[GETTING_GOING], ambassadors.certificates[GETTING_GOING]
    report.add(
        f"certificate {mentor.number} for {mentor.holder_name}; {revoked.number} revoked "
        "(issued in error)"
    )


class PastDate(NamedTuple):
    cohort: Cohort
    certificates: dict  # by stage on this year's team


def _past_date(course, title, sessions, venue, assessor):
    """A dated run that has happened, closed to bookings: `sessions` are (title, day,
    hours). The assessor trained on it."""
    cohort = Cohort(
        course=course,
        title=title,
        status=CohortStatus.OPEN,
        capacity=15,
        naming_deadline=sessions[0][1] - 7 * DAY,
    )
    for name, day, ((h1, m1), (h2, m2)) in sessions:
        cohort.sessions.add(
            CohortSession(
                title=name,
                starts_at=demo_bookings._at(day, h1, m1),
                ends_at=demo_bookings._at(day, h2, m2),
                venue=venue,
            )
        )
    cohort.save()
    cohort.trainers.add(assessor)
    return cohort


def _book_past(cohort, school, people, booked_on, *, po):
    """The school's booker books `people` ((user, job title)) on the date, invoiced and
    paid three weeks later; returns their delegates by user id."""
    booked_at = _aware(booked_on, 10, 45)
    booking = place_booking(
        BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=school.pk,
            places=len(people),
            delegates=[DelegateDetails(p.get_full_name(), p.email, job) for p, job in people],
            po_number=po,
        ),
        _booker(school, THIS_YEAR_SCHOOL, booked_at),
        now=booked_at,
        notify=False,
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=booked_at)
    demo_bookings._pay(booking, 1, booked_on + 21 * DAY)
    Cohort.objects.filter(pk=cohort.pk).update(status=CohortStatus.CLOSED)
    by_email = {d.email.lower(): d for d in booking.delegates.all()}
    return {person.pk: by_email[person.email.lower()] for person, _ in people}


def _register(cohort, delegates, assessor, absent=()):
    """Every session's register, taken as it ended: present, but for the (session
    number, user id) pairs in `absent`."""
    for number, session in enumerate(cohort.sessions.order_by("starts_at")):
        marks = {
            delegate.pk: AttendanceMark.ABSENT
            if (number, user_id) in absent
            else AttendanceMark.PRESENT
            for user_id, delegate in delegates.items()
        }
        mark_register(session, marks, actor=assessor, now=session.ends_at)


def _enrol(cohort, award, assessor, academic_year, enrolled_at):
    """Everyone on the date enrolled on the award; by user id."""
    made = enrol_cohort(
        cohort, award.current_requirements(), assessor=assessor, academic_year=academic_year
    )
    ids = [e.pk for e in made]
    Enrolment.objects.filter(pk__in=ids).update(created_at=enrolled_at)
    AuditEvent.objects.filter(enrolment_id__in=ids, action=AuditAction.ENROLLED).update(
        at=enrolled_at
    )
    return {e.participant_id: e for e in made}


def _dated(enrolment, action, at):
    """The audit trail says when it happened, not when the seed ran."""
    AuditEvent.objects.filter(enrolment=enrolment, action=action).update(at=at)


def _issue(enrolment, office, day):
    certificate = issue(enrolment, office, today=day)
    at = _aware(day, 10, 20)
    Certificate.objects.filter(pk=certificate.pk).update(created_at=at)
    _dated(enrolment, AuditAction.AWARDED, at)
    return certificate


def _misspelt(surname):
    return MISSPELT.get(surname) or surname[:-2] + surname[-1:] + surname[-2:-1]


def _ambassador_day(course, award, school, people, year, booked_on, assessor, office):
    """A coaching ambassador day last spring for the demo participant and a colleague,
    with certificates of attendance a week later: the participant's under the surname as
    the booking misspelt it, reissued when they asked; the colleague's revoked, because
    the register had her present by mistake."""
    day = demo_bookings._teaching_day(datetime.date(year, 2, 24), datetime.date(year, 3, 20), 0.3)
    (title, _, hours), *_ = demo_bookings.SCHEDULES[course.slug][1]
    venue = demo_bookings.VENUES["Harrogate"]
    cohort = _past_date(course, f"Harrogate, {day:%B %Y}", [(title, day, hours)], venue, assessor)
    holder, colleague = people[HALF_WAY], people[GETTING_GOING]
    delegates = _book_past(
        cohort,
        school,
        [(holder, "Class teacher"), (colleague, "SENCo")],
        booked_on,
        po="ASH/PO/0402",
    )
    _register(cohort, delegates, assessor)
    enrolments = _enrol(cohort, award, assessor, year - 1, _aware(day + DAY, 9))

    issued_on = day + 7 * DAY
    surname = holder.last_name
    holder.last_name = _misspelt(surname)
    holder.save(update_fields=["last_name"])
    mine = _issue(enrolments[holder.pk], office, issued_on)
    holder.last_name = surname
    holder.save(update_fields=["last_name"])
    wrong = _issue(enrolments[colleague.pk], office, issued_on)

    reissued_at = _aware(issued_on + 9 * DAY, 14, 5)
    mine = reissue(mine, office, reason=REISSUE_REASON, holder_name=holder.get_full_name())
    CertificateChange.objects.filter(certificate=mine).update(at=reissued_at)
    _dated(enrolments[holder.pk], AuditAction.REISSUED, reissued_at)

    corrected_at = _aware(issued_on + 13 * DAY, 9, 40)
    (session,) = cohort.sessions.all()
    absent = {delegates[colleague.pk].pk: AttendanceMark.ABSENT}
    mark_register(session, absent, actor=assessor, now=corrected_at)
    revoked_at = corrected_at + datetime.timedelta(hours=2)
    wrong = revoke(wrong, office, reason=REVOKE_REASON)
    Certificate.objects.filter(pk=wrong.pk).update(revoked_at=revoked_at)
    wrong.revoked_at = revoked_at
    _dated(enrolments[colleague.pk], AuditAction.REVOKED, revoked_at)
    return PastDate(cohort, {HALF_WAY: mine, GETTING_GOING: wrong})


def _effective_mentors(course, award, school, people, year, booked_on, assessor, office):
    """The Recognition Framework's first phase in school last spring, for three of this
    year's team. Two finish: evidence for each criterion in their reflective logs,
    recommended, a confirmed QA visit in June, moderated, certificates in July. The third
    missed the second session and carries on."""
    first_day = demo_bookings._teaching_day(
        datetime.date(year, 1, 13), datetime.date(year, 2, 12), 0.2
    )
    sessions = [
        (name, first_day + offset * DAY, hours)
        for name, offset, hours in demo_bookings.SCHEDULES[course.slug][1]
    ]
    venue = f"{school.name}\n{school.address}\n{school.postcode}"
    cohort = _past_date(course, f"At {school.name}, spring {year}", sessions, venue, assessor)
    stages = (HALF_WAY, GETTING_GOING, STARTED)
    titles = {HALF_WAY: "Class teacher", GETTING_GOING: "SENCo", STARTED: "Year 6 teacher"}
    mentors = [(people[stage], titles[stage]) for stage in stages]
    delegates = _book_past(cohort, school, mentors, booked_on, po="ASH/PO/0403")
    _register(cohort, delegates, assessor, absent={(1, people[STARTED].pk)})
    enrolments = _enrol(cohort, award, assessor, year - 1, _aware(first_day - 7 * DAY, 9))

    criteria = {c.code: c for c in award.current_requirements().criteria.all()}
    for stage in stages:
        for number, (title, body, codes) in enumerate(MENTOR_ENTRIES[stage]):
            entry = ReflectiveEntry.objects.create(
                enrolment=enrolments[people[stage].pk],
                written_on=sessions[-1][1] + (14 + 21 * number) * DAY,
                title=title,
                body=body,
            )
            entry.criteria.set([criteria[code] for code in codes if code in criteria])

    visit_day = demo_bookings._teaching_day(
        datetime.date(year, 6, 9), datetime.date(year, 6, 25), 0.5
    )
    finished = [enrolments[people[stage].pk] for stage in (HALF_WAY, GETTING_GOING)]
    for number, enrolment in enumerate(finished):
        submitted_at = _aware(visit_day - (24 - number) * DAY, 19, 30)
        decided_at = _aware(visit_day - (12 - number) * DAY, 16, 10)
        _recommend(enrolment, assessor, MENTOR_FEEDBACK, submitted_at, decided_at)

    to_see = enrolments.values()
    visit = _visit(school, award, assessor, _aware(visit_day, 10), 2, to_see, location="The hall")
    names = [person.get_full_name() for person, _ in mentors]
    lead = " ".join(IMPACT_LEAD[:2])
    record_visit(
        visit,
        assessor,
        attended=f"{lead} (deputy headteacher); {', '.join(names[:-1])} and {names[-1]} "
        "(mentors on the framework)",
        sampled=finished,
        outcome=VisitOutcome.CONFIRMED,
        **MENTORS_VISIT,
    )
    _recorded(visit, _aware(visit_day, 15, 30))

    moderated_at = _aware(visit_day + 7 * DAY, 11)
    certificates = {}
    for stage, enrolment in zip((HALF_WAY, GETTING_GOING), finished, strict=True):
        submission = enrolment.submissions.get()
        moderate(submission, office, outcome=ModerationOutcome.AGREED, note=MENTOR_MODERATION)
        Submission.objects.filter(pk=submission.pk).update(moderated_at=moderated_at)
        _dated(enrolment, AuditAction.MODERATION_AGREED, moderated_at)
        certificates[stage] = _issue(enrolment, office, visit_day + 14 * DAY)
    return PastDate(cohort, certificates)


def _recommend(enrolment, assessor, feedback, submitted_at, decided_at):
    submission = submit(enrolment, enrolment.participant)
    marks = {item["key"]: (True, "") for item in submission.snapshot["items"]}
    outcome = SubmissionOutcome.RECOMMENDED
    review(submission, assessor, marks=marks, feedback=feedback, outcome=outcome)
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=submitted_at, decided_at=decided_at
    )
    _dated(enrolment, AuditAction.SUBMITTED, submitted_at)
    _dated(enrolment, AuditAction.RECOMMENDED, decided_at)
    return submission


def _visit(school, award, assessor, starts_at, hours, to_see, **fields):
    """A visit the office scheduled four weeks before."""
    visit = QAVisit.objects.create(
        organisation=school,
        award=award,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        assessor=assessor,
        created_at=starts_at - 28 * DAY,
        **fields,
    )
    visit.to_see.set(to_see)
    return visit


def _recorded(visit, at):
    QAVisit.objects.filter(pk=visit.pk).update(recorded_at=at)


def _visit_day(day, step):
    """The nearest Tuesday to Thursday in term from `day`, going by `step` days."""
    while not (_is_school_day(day) and day.weekday() in demo_bookings.TUE_TO_THU):
        day += step * DAY
    return day


def _certificate_visits(schools, teams, award, assessor, year, today):
    """Last year's school, visited at the end of June: confirmed. The demo school's team
    this year, visited about a week ago: actions required, a follow-up date and the
    follow-up visit booked."""
    last_year = teams[LAST_YEAR_SCHOOL]
    june = _visit_day(datetime.date(year, 6, 30), -1)
    confirmed = _visit(
        schools[LAST_YEAR_SCHOOL],
        award,
        assessor,
        _aware(june, 9, 30),
        2.5,
        last_year,
        location="The library",
    )
    cpd_lead = next(
        f"{first} {last}"
        for key, first, last, _ in demo_bookings.BOOKERS
        if key == LAST_YEAR_SCHOOL
    )
    names = [e.participant.get_full_name() for e in last_year]
    record_visit(
        confirmed,
        assessor,
        attended=f"{cpd_lead} (CPD lead); {', '.join(names[:-1])} and {names[-1]} (participants)",
        sampled=last_year,
        outcome=VisitOutcome.CONFIRMED,
        **LAST_YEAR_VISIT,
    )
    _recorded(confirmed, _aware(june, 14, 45))

    this_year = teams[THIS_YEAR_SCHOOL]
    day = _visit_day(today - 7 * DAY, -1)
    visit = _visit(schools[THIS_YEAR_SCHOOL], award, assessor, _aware(day, 13, 30), 2, this_year)
    # Six weeks or so for the actions (to a day in term), and the follow-up visit after.
    follow_up_by = _visit_day(day + 42 * DAY, 1)
    follow_up = _visit_day(max(follow_up_by + 7 * DAY, today + 14 * DAY), 1)
    lead, coach = " ".join(IMPACT_LEAD[:2]), " ".join(COACHING_LEAD[:2])
    visit = record_visit(
        visit,
        assessor,
        attended=f"{lead} (deputy headteacher, impact lead); {coach} (lead coach); the "
        "three participants",
        sampled=this_year,
        outcome=VisitOutcome.ACTIONS_REQUIRED,
        follow_up_by=follow_up_by,
        follow_up_at=_aware(follow_up, 13, 30),
        **THIS_YEAR_VISIT,
    )
    _recorded(visit, _aware(day, 16, 20))
    QAVisit.objects.filter(pk=visit.follow_up_visit_id).update(created_at=_aware(day, 16, 20))
    return {"confirmed": confirmed, "actions": visit, "follow-up": visit.follow_up_visit}
