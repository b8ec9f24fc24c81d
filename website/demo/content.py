"""The demo site's words. Facts come from the domain brief; the sentences are our own."""

from decimal import Decimal

from courses.pricing import Charging

ORGANISATION = {
    "organisation_name": "Northlight Coaching",
    "address": "Unit 4, Foundry Yard\nHalifax\nHX1 2AB",
    "email": "office@coaching.example",
    "phone": "01422 000 000",
    "vat_number": "GB 274 1893 56",
    "company_number": "00000000",
}

HOME = {
    "title": "Home",
    "hero_heading": "Coaching that changes how schools talk about teaching",
    "hero_intro": (
        "We train teachers and leaders to coach one another, in short, regular "
        "conversations that improve classroom practice. Join an open course, bring us "
        "into your school or trust, or work towards a recognised award."
    ),
    "offer": [
        (
            "Open courses",
            "One-day and half-day courses where staff from many schools learn together.",
        ),
        (
            "In your school or trust",
            "The same courses, shaped around your priorities and run on your site.",
        ),
        (
            "Awards",
            "A year-long certificate route and a three-phase recognition framework, "
            "both with an assessed portfolio.",
        ),
    ],
}

STANDARD_PAGES = [
    {
        "slug": "about",
        "title": "About us",
        "intro": "A small team of qualified coaches who have all worked in schools.",
        "body": [
            (
                "Every member of our team has taught, led a department or led a school. We "
                "started coaching colleagues because observation and appraisal on their own "
                "rarely changed what happened in classrooms, and short, confidential, "
                "regular conversations did."
            ),
            (
                "We work with single schools, with multi-academy trusts and with local "
                "authorities. Most of our work is in-school: we would rather help you build "
                "a coaching culture that outlasts our visit than sell you a day out."
            ),
        ],
    },
    {
        "slug": "contact",
        "title": "Contact us",
        "intro": "Questions about a booking, an invoice or a course? We reply within two working days.",
        "body": [
            (
                "Email the office at office@coaching.example or call 01422 000 000 between "
                "8.30am and 4.30pm on weekdays in term time. For training in your school, "
                "the enquiry form is the quickest route: it tells us what we need to quote."
            ),
        ],
    },
    {
        "slug": "privacy",
        "title": "Privacy notice",
        "intro": "What we keep about you, why, and for how long.",
        "body": [
            (
                "We keep the names and work email addresses of bookers and delegates so that "
                "we can run the courses they book, send joining details and issue invoices "
                "and certificates. We never sell or share them for marketing."
            ),
            (
                "Coaching diaries and reflective logs belong to the participant. Only the "
                "participant and their assigned assessor can read them, and an assessor "
                "reads them only to assess the portfolio."
            ),
        ],
    },
    {
        "slug": "accessibility",
        "title": "Accessibility statement",
        "intro": "We want everyone to be able to use this site.",
        "body": [
            (
                "Pages are built to work with a keyboard, with screen readers and without "
                "JavaScript, and we test every page type with automated accessibility checks. "
                "If something does not work for you, tell the office and we will fix it."
            ),
        ],
    },
]

COURSE_INDEX = {
    "title": "Courses",
    "slug": "courses",
    "intro": (
        "Open courses, in-school training and award programmes for classroom teachers, "
        "middle and senior leaders and whole staff teams. Prices exclude VAT unless a "
        "course says otherwise."
    ),
}

CCC_PROGRAMME = [
    (
        "pre_course",
        {
            "heading": "Before the first training day",
            "description": "Each participant sets a starting point that the year is measured against.",
            "activities": [
                "A guided reflection on your current coaching and listening habits",
                "Suggested reading, sent with the portfolio",
                "A self review and an organisational review that fix the impact measures",
            ],
        },
    ),
    ("term", {"term": "autumn", "summary": "Ten coaching sessions with colleagues this term."}),
    (
        "session",
        {
            "title": "Session 1: Fundamentals",
            "term": "autumn",
            "length": "Full day",
            "summary": "What coaching is, and what it is not.",
            "topics": [
                "The essence of coaching",
                "How coaching differs from mentoring, counselling and advice",
                "The skills and qualities of a coach",
                "A coaching model to structure a conversation",
                "Practical coaching tools",
            ],
        },
    ),
    (
        "between_sessions",
        {
            "heading": "Between sessions",
            "tasks": [
                "Coach colleagues and record each conversation in the coaching diary",
                "Short portfolio tasks and reflective log entries",
                "Support from your assigned coach by email, phone or video call",
            ],
        },
    ),
    ("term", {"term": "spring", "summary": "Ten more coaching sessions this term."}),
    (
        "session",
        {
            "title": "Session 2: The self-aware coach",
            "term": "spring",
            "length": "Full day",
            "summary": "Understanding yourself in order to coach others well.",
            "topics": [
                "Review of practice so far",
                "Self-awareness questionnaires: beliefs, values and working styles",
                "Recognising your own coaching style",
                "Further models, tools and techniques",
            ],
        },
    ),
    (
        "between_sessions",
        {
            "heading": "Between sessions",
            "tasks": [
                "Keep coaching and keep the diary up to date",
                "Preparation tasks for the final session",
            ],
        },
    ),
    ("term", {"term": "summer", "summary": "The last ten sessions, and the portfolio."}),
    (
        "session",
        {
            "title": "Session 3: Taking it further",
            "term": "summer",
            "length": "Full day",
            "summary": "Making coaching last beyond the programme.",
            "topics": [
                "Review of the year's practice",
                "Approaches to giving and receiving feedback",
                "Boundaries, contracting and ethics",
                "Peer support and supervision",
                "Next steps for you and your school",
            ],
        },
    ),
]

COURSES = [
    {
        "slug": "coaching-ambassador",
        "title": "Developing the Skills of a Coaching Ambassador",
        "summary": (
            "A practical day that prepares staff to champion coaching in their own school: "
            "holding good coaching conversations and helping colleagues start their own."
        ),
        "audiences": ["classroom-teachers", "middle-leaders"],
        "format": "open",
        "length": "one_day",
        "length_detail": "",
        "who_for": (
            "<p>Teachers and middle leaders who will lead coaching in their school. Trusts "
            "often send two or three staff from each school so that ambassadors can support "
            "one another afterwards.</p>"
        ),
        "outcomes": (
            "<ul><li>Confidence to hold a structured coaching conversation</li>"
            "<li>A plan for introducing coaching to colleagues</li>"
            "<li>Ways to keep coaching confidential and still show its impact</li></ul>"
        ),
        "programme": [
            (
                "session",
                {
                    "title": "The ambassador day",
                    "term": "",
                    "length": "9.30am to 3.30pm",
                    "summary": "",
                    "topics": [
                        "What a coaching ambassador does, and does not do",
                        "Listening and questioning in practice",
                        "Running short weekly coaching sessions",
                        "Planning your first half term as an ambassador",
                    ],
                },
            )
        ],
        "included": ["A full day's training", "Lunch and refreshments", "A digital resource pack"],
        "price_amount": Decimal("195.00"),
        "vat_rate": Decimal("20.00"),
        "charging": Charging.PER_DELEGATE,
        "min_places": None,
        "max_places": None,
    },
    {
        "slug": "leading-a-coaching-school",
        "title": "Leading a Coaching School",
        "summary": (
            "For senior leaders who want coaching to become the normal way their school "
            "improves teaching, not an extra initiative."
        ),
        "audiences": ["senior-leaders"],
        "format": "open",
        "length": "one_day",
        "length_detail": "",
        "who_for": "<p>Headteachers, deputies and other senior leaders.</p>",
        "outcomes": (
            "<ul><li>A clear picture of what a coaching culture looks like day to day</li>"
            "<li>A structure of roles: lead coaches, an impact lead, early-career coaches</li>"
            "<li>A way to report impact to governors without breaking confidentiality</li></ul>"
        ),
        "programme": [
            (
                "session",
                {
                    "title": "Embedding a coaching culture",
                    "term": "",
                    "length": "Full day",
                    "summary": "",
                    "topics": [
                        "Why coaching and performance management must stay separate",
                        "Timetabling short, regular coaching",
                        "Measuring impact per coaching cycle",
                    ],
                },
            )
        ],
        "included": [
            "A full day's training",
            "Lunch and refreshments",
            "An action-planning template",
        ],
        "price_amount": Decimal("245.00"),
        "vat_rate": Decimal("20.00"),
        "charging": Charging.PER_DELEGATE,
        "min_places": None,
        "max_places": None,
    },
    {
        "slug": "coaching-towards-outstanding-teaching",
        "title": "Coaching Towards Outstanding Teaching and Learning",
        "summary": (
            "A lively introduction to coaching for a whole staff, usually run in your "
            "school as part of an INSET day."
        ),
        "audiences": ["whole-staff"],
        "format": "in_school",
        "length": "half_day",
        "length_detail": "A morning or an afternoon on your site",
        "who_for": "<p>Every teacher and teaching assistant in a school.</p>",
        "outcomes": (
            "<ul><li>A shared language for coaching conversations</li>"
            "<li>Practice in short, focused coaching with a colleague</li></ul>"
        ),
        "programme": [],
        "included": ["Half a day of training for your whole staff", "Slides and handouts"],
        "price_amount": Decimal("1350.00"),
        "vat_rate": Decimal("20.00"),
        "charging": Charging.PER_SCHOOL_TEAM,
        "min_places": None,
        "max_places": 80,
    },
    {
        "slug": "aspiring-to-leadership",
        "title": "Aspiring to Leadership",
        "summary": (
            "For deputy and assistant heads: coaching as a leadership style in one-to-one "
            "conversations and in lesson observation."
        ),
        "audiences": ["middle-leaders", "senior-leaders"],
        "format": "open",
        "length": "one_day",
        "length_detail": "",
        "who_for": "<p>Deputy and assistant headteachers, and middle leaders aiming for senior roles.</p>",
        "outcomes": (
            "<ul><li>Practical coaching tools for leadership conversations</li>"
            "<li>A coaching approach to observation and feedback</li>"
            "<li>A plan drawn up with a partner from another school</li></ul>"
        ),
        "programme": [
            (
                "session",
                {
                    "title": "Coaching as a way of leading",
                    "term": "",
                    "length": "Full day",
                    "summary": "",
                    "topics": [
                        "Coaching conversations with the people you line-manage",
                        "Observation that leads to development",
                        "Paired planning for your next term",
                    ],
                },
            )
        ],
        "included": ["A full day's training", "Lunch and refreshments"],
        "price_amount": Decimal("225.00"),
        "vat_rate": Decimal("20.00"),
        "charging": Charging.PER_DELEGATE,
        "min_places": None,
        "max_places": None,
    },
    {
        "slug": "coaching-and-lesson-study",
        "title": "Coaching and Lesson Study",
        "summary": (
            "A bespoke programme for a senior team that wants to combine coaching with "
            "lesson study, planned with you and quoted for your school."
        ),
        "audiences": ["senior-leaders"],
        "format": "in_school",
        "length": "several_sessions",
        "length_detail": "Planned with your senior team",
        "who_for": "<p>A school's senior leadership team.</p>",
        "outcomes": "<ul><li>A lesson study cycle with coaching built into each stage</li></ul>",
        "programme": [],
        "included": ["Planning meetings", "Facilitated sessions in school"],
        "price_amount": None,
        "vat_rate": Decimal("20.00"),
        "charging": Charging.ON_REQUEST,
        "min_places": None,
        "max_places": None,
    },
    {
        "slug": "certificate-in-coaching-competence",
        "title": "Certificate in Coaching Competence",
        "summary": (
            "A year-long certification route for a team of up to six from one school or "
            "college: three training days, thirty coaching sessions each and an assessed "
            "portfolio, mapped to Level 5."
        ),
        "audiences": ["classroom-teachers", "middle-leaders", "senior-leaders"],
        "format": "certification",
        "length": "academic_year",
        "length_detail": "Three training days, one each term",
        "who_for": (
            "<p>A team of up to six staff from one school or college who will coach "
            "colleagues through the year. This is certification rather than accreditation: "
            "the portfolio of evidence is assessed, with no long essays.</p>"
        ),
        "outcomes": (
            "<ul><li>Thirty recorded coaching sessions each, ten a term, of about thirty "
            "minutes</li><li>A reflective log and completed portfolio tasks</li>"
            "<li>A certificate for each successful participant</li>"
            "<li>An impact report for your senior leadership team</li></ul>"
        ),
        "programme": CCC_PROGRAMME,
        "included": [
            "Three training days, one each term",
            "An assigned qualified coach, by email, phone and video call",
            "The portfolio, reading, reflective log and coaching diary",
            "A final impact report to your senior leadership team",
        ],
        "price_amount": Decimal("5000.00"),
        "vat_rate": Decimal("20.00"),
        "charging": Charging.PER_SCHOOL_TEAM,
        "min_places": 1,
        "max_places": 6,
    },
    {
        "slug": "recognition-framework",
        "title": "Mentoring, Coaching and Leadership Recognition Framework",
        "summary": (
            "A local authority's three-phase framework, from Effective Mentor to Master "
            "Mentor and Coach, with training, support and a quality-assurance visit."
        ),
        "audiences": ["classroom-teachers", "middle-leaders", "senior-leaders"],
        "format": "certification",
        "length": "several_sessions",
        "length_detail": "Two half-day sessions and two follow-up meetings",
        "who_for": (
            "<p>Staff who mentor or coach colleagues. Each person starts at the phase that "
            "matches their experience:</p><ul><li><b>Effective Mentor</b>: the standard for "
            "everyone who mentors teachers</li><li><b>Advanced Mentor and Coach</b>: "
            "experienced, with impact on their own and others' practice</li><li><b>Master "
            "Mentor and Coach</b>: has led mentoring and coaching, with impact within or "
            "across organisations</li></ul>"
        ),
        "outcomes": (
            "<ul><li>A Certificate of Recognition for the phase achieved, after the QA "
            "visit</li></ul>"
        ),
        "programme": [
            (
                "session",
                {
                    "title": "Training session 1",
                    "term": "",
                    "length": "Half day",
                    "summary": "",
                    "topics": ["The three phases and their standards", "Gathering evidence"],
                },
            ),
            (
                "session",
                {
                    "title": "Training session 2",
                    "term": "",
                    "length": "Half day",
                    "summary": "",
                    "topics": [
                        "Reviewing evidence against the standards",
                        "Preparing for the QA visit",
                    ],
                },
            ),
            (
                "between_sessions",
                {
                    "heading": "Follow-up and quality assurance",
                    "tasks": [
                        "Two follow-up meetings with your adviser",
                        "A quality-assurance visit to your school",
                    ],
                },
            ),
        ],
        "included": [
            "Two half-day training sessions for at least three staff",
            "Access to the framework and support to complete it",
            "Two follow-up meetings",
            "A QA visit, then certificates for successful staff",
        ],
        "price_amount": Decimal("265.00"),
        "vat_rate": Decimal("0.00"),
        "charging": Charging.PER_SCHOOL_TEAM,
        "min_places": 3,
        "max_places": None,
    },
    {
        "slug": "partnership-coaching-course",
        "title": "Partnership Coaching Course",
        "summary": (
            "A two-day course run by a partner school's trained facilitators, open free of "
            "charge to staff from partner schools, who then coach one another in trios."
        ),
        "audiences": ["classroom-teachers", "middle-leaders"],
        "format": "partnership",
        "length": "two_days",
        "length_detail": "",
        "who_for": "<p>Staff of schools in the partnership.</p>",
        "outcomes": (
            "<ul><li>A place in a cross-school coaching trio that keeps meeting</li>"
            "<li>Two days of coaching training with colleagues from other schools</li></ul>"
        ),
        "programme": [],
        "included": ["Two days of training", "Membership of a coaching trio"],
        "price_amount": None,
        "vat_rate": Decimal("0.00"),
        "charging": Charging.FREE_TO_PARTNERS,
        "min_places": None,
        "max_places": None,
    },
]

FEATURED_COURSES = [
    "certificate-in-coaching-competence",
    "coaching-ambassador",
    "recognition-framework",
]

TESTIMONIALS = [
    {
        "quote": (
            "The ambassador day gave our three staff a common way of starting coaching "
            "conversations. By half term every department had tried it."
        ),
        "name": "A CPD lead",
        "role": "CPD lead",
        "organisation": "a secondary school in West Yorkshire",
        "course": "coaching-ambassador",
        "show_on_home_page": True,
    },
    {
        "quote": (
            "Thirty sessions sounded like a lot. In practice it was ten short conversations a "
            "term, and they changed how our team talks about lessons."
        ),
        "name": "R. M.",
        "role": "Assistant head",
        "organisation": "",
        "course": "certificate-in-coaching-competence",
        "show_on_home_page": True,
    },
    {
        "quote": (
            "Keeping coaching separate from performance management was the single most "
            "useful idea of the day."
        ),
        "name": "A headteacher",
        "role": "Headteacher",
        "organisation": "a primary school in a multi-academy trust",
        "course": "leading-a-coaching-school",
        "show_on_home_page": True,
    },
    {
        "quote": "Our trio has met every half term since the course. It is the CPD I look forward to.",
        "name": "J. T.",
        "role": "Class teacher",
        "organisation": "",
        "course": "partnership-coaching-course",
        "show_on_home_page": False,
    },
]

JOURNAL_INDEX = {
    "title": "Journal",
    "slug": "journal",
    "intro": (
        "A weekly post on what works: stories from schools and trusts, notes from our "
        "courses, research worth reading and what policy changes mean for coaching."
    ),
}

# Each post: weeks ago (0 is this week), tags, courses, and paragraphs. A "quote" or
# "resource" item becomes the matching block.
POSTS = [
    {
        "slug": "fifteen-minutes-a-week",
        "title": "Fifteen minutes a week: why short coaching conversations stick",
        "author": "Helen Marsh",
        "weeks_ago": 0,
        "intro": "Long, occasional coaching sessions feel generous but fade fast. Short, regular ones build habits.",
        "tags": ["coaching practice", "instructional coaching"],
        "courses": ["coaching-ambassador"],
        "body": [
            "When schools first timetable coaching, they often book an hour a half term. It feels like the respectful thing to do. In our experience it is the short, weekly conversation that changes practice, because there is always a next one coming.",
            "Fifteen minutes is enough to look back at one thing that was tried, agree what to try next and name the moment in the week when it will happen. It is short enough to survive a busy term.",
            (
                "quote",
                "We stopped waiting for the perfect slot. Fifteen minutes on a Tuesday became the most useful part of my week.",
                "Year 4 teacher",
                "",
            ),
        ],
    },
    {
        "slug": "choosing-a-shared-goal",
        "title": "Choosing a shared goal from your teaching and learning rubric",
        "author": "Daniel Okafor",
        "weeks_ago": 1,
        "intro": "A coaching cycle works best when coach and coachee pick one goal from the school's own rubric.",
        "tags": ["instructional coaching", "impact cycle"],
        "courses": ["certificate-in-coaching-competence"],
        "body": [
            "An impact cycle has three parts: identify a goal, learn a strategy, and keep improving until the goal is met. The first part is where many cycles go wrong, because the goal is too broad to practise in a week.",
            "Using the school's teaching and learning rubric keeps the goal concrete and shared. The coachee chooses the strand; the coach helps narrow it down to something that can be seen in one lesson.",
            (
                "resource",
                "Planning a coaching cycle: a one-page template",
                "https://example.org/coaching-cycle-template",
                "A printable planner for the three stages of a cycle.",
            ),
        ],
    },
    {
        "slug": "confidential-but-accountable",
        "title": "Confidential but accountable: reporting coaching impact to governors",
        "author": "Helen Marsh",
        "weeks_ago": 2,
        "intro": "Coaching only works if it stays private. Governors still need to know it is making a difference.",
        "tags": ["confidentiality", "leadership"],
        "courses": ["leading-a-coaching-school"],
        "body": [
            "What a coachee says stays between coach and coachee. The headteacher is not part of the cycles, and the coaching record is never used for appraisal. That promise is what makes honest conversations possible.",
            "Schools square this with accountability by naming one leader who can see every record and who writes a short impact statement for each cycle. The statement is about the coaching, not about the teacher.",
        ],
    },
    {
        "slug": "ambassadors-first-term",
        "title": "What a coaching ambassador does in their first term",
        "author": "Priya Shah",
        "weeks_ago": 3,
        "intro": "A first-term plan for new coaching ambassadors, drawn from the schools we have trained.",
        "tags": ["ambassadors", "coaching practice"],
        "courses": ["coaching-ambassador"],
        "body": [
            "The best ambassadors start small. They coach two or three willing colleagues, keep the sessions short and regular, and say yes when someone asks what they are doing.",
            "By the end of the first term they usually have a handful of colleagues who want to learn to coach in turn. That is the moment to bring the senior team in.",
        ],
    },
    {
        "slug": "picking-a-coaching-style",
        "title": "Facilitative, dialogical or directive: picking a coaching style",
        "author": "Daniel Okafor",
        "weeks_ago": 4,
        "intro": "Three styles of coaching conversation, and how to tell which one a colleague needs today.",
        "tags": ["coaching styles", "coaching practice"],
        "courses": [],
        "body": [
            "A facilitative coach asks and listens; the coachee does the thinking. A directive coach offers a strategy and models it. A dialogical coach sits between the two, sharing ideas as one voice in a conversation between equals.",
            "None is better than the others. An early-career teacher with a behaviour worry may need a directive start; an experienced colleague refining questioning may want a purely facilitative one.",
        ],
    },
    {
        "slug": "cross-school-coaching-trios",
        "title": "Building cross-school coaching trios",
        "author": "Priya Shah",
        "weeks_ago": 5,
        "intro": "How a partnership course turns into trios that keep meeting long after the training days.",
        "tags": ["partnerships", "trios"],
        "courses": ["partnership-coaching-course"],
        "body": [
            "On a partnership course, a school with trained facilitators opens places to staff from partner schools at no charge. Participants are grouped into trios with colleagues from other schools.",
            "Each year the partnership looks at how many trios still meet, how often, and what their members say about it. Those figures, and the stories behind them, are the measure of the course.",
        ],
    },
    {
        "slug": "preparing-your-portfolio",
        "title": "Preparing your portfolio for the Certificate in Coaching Competence",
        "author": "Helen Marsh",
        "weeks_ago": 6,
        "intro": "Thirty sessions, a reflective log and a set of tasks: a term-by-term way to keep on top of the portfolio.",
        "tags": ["certification", "portfolio"],
        "courses": ["certificate-in-coaching-competence"],
        "body": [
            "Participants complete thirty coaching sessions over the year, ten each term, each lasting about thirty minutes. Every session goes into the coaching diary, and both coach and coachee add to the record.",
            "Write the reflective log little and often. A few lines after each session are worth more to an assessor than a long entry written in the last week of the summer term.",
            (
                "quote",
                "I kept my diary open on my laptop after every session. By the summer the portfolio had written itself.",
                "Head of science",
                "a sixth-form college",
            ),
        ],
    },
    {
        "slug": "coaching-across-a-trust",
        "title": "A trust story: coaching across eight primary schools",
        "author": "Priya Shah",
        "weeks_ago": 7,
        "intro": "One multi-academy trust trained two ambassadors in each school and linked them in a network.",
        "tags": ["trusts", "case study"],
        "courses": ["coaching-ambassador", "leading-a-coaching-school"],
        "body": [
            "The trust's CPD lead booked a bespoke ambassador day for sixteen staff, two from each of its eight schools, then brought the headteachers together for a day on leading a coaching school.",
            "A year on, each school runs weekly coaching, and the ambassadors meet each half term to compare notes. The trust shares anonymised impact statements with its board.",
        ],
    },
    {
        "slug": "three-phases-of-recognition",
        "title": "From mentor to master: the three phases of the Recognition Framework",
        "author": "Daniel Okafor",
        "weeks_ago": 8,
        "intro": "Where to start on the framework, and what a quality-assurance visit looks for.",
        "tags": ["recognition framework", "mentoring"],
        "courses": ["recognition-framework"],
        "body": [
            "The framework has three phases: Effective Mentor, Advanced Mentor and Coach, and Master Mentor and Coach. A teacher may start at whichever phase fits their experience.",
            "After two half-day sessions and two follow-up meetings, a quality-assurance visit looks at the evidence each person has gathered. Successful staff receive a Certificate of Recognition for their phase.",
        ],
    },
    {
        "slug": "inspection-and-coaching",
        "title": "Inspection and coaching: what to show and what to keep private",
        "author": "Helen Marsh",
        "weeks_ago": 9,
        "intro": "Inspectors may ask how you develop teachers. Here is how to answer without opening coaching records.",
        "tags": ["policy", "confidentiality"],
        "courses": [],
        "body": [
            "Show the structure: who coaches whom, how often, and how the school knows it is working. Share impact statements written about the coaching, not about individual teachers.",
            "Keep diaries and records private. If a school ever shares them, staff will stop being honest in the next cycle, and the coaching will stop working.",
        ],
    },
]

SCHEDULED_POST = {
    "slug": "planning-coaching-for-the-spring-term",
    "title": "Planning coaching for the spring term",
    "author": "Priya Shah",
    "intro": "A checklist for restarting coaching after the winter break.",
    "tags": ["coaching practice"],
    "body": [
        "Book the weekly slots before term starts, agree the first goal in the first week, and plan a check-in on impact at half term.",
    ],
}

ENQUIRY_FORM = {
    "slug": "enquire",
    "title": "Enquire about in-school training",
    "intro": (
        "<p>Tell us about your school or trust and what you have in mind. We will reply "
        "within two working days with dates and a quote.</p>"
    ),
    "thank_you_text": (
        "<p>Thank you. We have your enquiry and will reply within two working days.</p>"
    ),
    "subject": "New training enquiry from the website",
}

DEMO_PASSWORD = "coaching-demo"  # noqa: S105 - development-only demo accounts

DEMO_USERS = [
    ("editor@coaching.example", "Eden", "Editor", "Editors", False),
    ("moderator@coaching.example", "Morgan", "Moderator", "Moderators", False),
    ("assessor@coaching.example", "Asha", "Assessor", "Assessors", False),
    ("booker@school.example", "Bo", "Booker", "School bookers", False),
    ("participant@school.example", "Pat", "Participant", "Participants", False),
    ("admin@coaching.example", "Ada", "Admin", "Provider admins", True),
]
