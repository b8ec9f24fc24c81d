"""Demo bookings: a term's worth of activity for the booking portal.

Schools and a trust that book, dated runs (cohorts) of every course over the next three
terms, and bookings, invoices, payments and a credit note, all made through the real
booking and invoicing services so that the documents are numbered, priced and dated the
way the portal does it. Dates are worked out from `today`, so the demo always looks
current. Safe to run again: organisations, people and vouchers are looked up by name,
code or email, and the cohorts and bookings are made once only.
"""

import datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts import roles
from bookings.models import (
    Booker,
    Booking,
    Cohort,
    CohortSession,
    CohortStatus,
    DocumentKind,
    InvoicingSettings,
    Organisation,
    OrganisationKind,
    PaymentMethodReceived,
    Voucher,
)
from bookings.pricing import VoucherKind
from bookings.services.booking import (
    BookingError,
    BookingRequest,
    DelegateDetails,
    cancel_booking,
    place_booking,
)
from bookings.services.invoicing import record_payment
from courses.models import CoursePage
from courses.pricing import money

from . import content

LONDON = ZoneInfo("Europe/London")

# --- The seller, as printed on every invoice ------------------------------------------

SELLER = {
    "seller_name": "Northlight Coaching Ltd",
    "seller_address": content.ORGANISATION["address"],
    "vat_number": "GB 274 1893 56",
    "company_number": "10482736",
    "bank_name": "Pennine Mutual Bank",
    "bank_account_name": "Northlight Coaching Ltd",
    "sort_code": "40-11-62",
    "account_number": "71830254",
    "contact_email": "office@coaching.example",
}

# --- Schools and a trust (all fictional) ----------------------------------------------

TRUST = "avlt"


class Org(NamedTuple):
    key: str
    name: str
    kind: str
    address: str
    postcode: str
    identifier: str
    contact: str
    domain: str
    trust: str = ""
    is_partner: bool = False
    requires_po: bool = False


SCHOOL, ACADEMY_TRUST = OrganisationKind.SCHOOL, OrganisationKind.TRUST

ORGANISATIONS = [
    Org(
        TRUST,
        "Aire Valley Learning Trust",
        ACADEMY_TRUST,
        "Trust Office\nUnit 2, Mill Race Yard\nShipley",
        "BD18 3QX",
        "09847215",
        "Rebecca Holroyd",
        "avlt.example",
        requires_po=True,
    ),
    Org(
        "moorside",
        "Moorside Primary Academy",
        SCHOOL,
        "Heather Bank Road\nKeighley",
        "BD21 4RT",
        "148215",
        "Janet Sugden",
        "moorside-primary.example",
        trust=TRUST,
    ),
    Org(
        "holmebeck",
        "Holme Beck Academy",
        SCHOOL,
        "Beckside Lane\nBingley",
        "BD16 2PN",
        "146932",
        "Anil Mistry",
        "holmebeck.example",
        trust=TRUST,
    ),
    Org(
        "thornfield",
        "Thornfield Primary Academy",
        SCHOOL,
        "Thornfield Avenue\nShipley",
        "BD18 2LW",
        "147508",
        "Gareth Lowe",
        "thornfield-primary.example",
        trust=TRUST,
    ),
    Org(
        "westfell",
        "Westfell Junior Academy",
        SCHOOL,
        "Fell View Road\nIlkley",
        "LS29 8QD",
        "149377",
        "Margaret Hirst",
        "westfell-junior.example",
        trust=TRUST,
    ),
    Org(
        "ashworth",
        "Ashworth Primary School",
        SCHOOL,
        "Ashworth Lane\nHarrogate",
        "HG2 7NE",
        "121604",
        "Diane Kitching",
        "ashworth-primary.example",
        requires_po=True,
    ),
    Org(
        "calderbrook",
        "Calderbrook High School",
        SCHOOL,
        "Brook Street\nSowerby Bridge\nHalifax",
        "HX6 3TP",
        "107561",
        "Stephen Crowther",
        "calderbrook.example",
        requires_po=True,
    ),
    Org(
        "riverbank",
        "Riverbank Community Primary School",
        SCHOOL,
        "Ings Road\nAcomb\nYork",
        "YO24 3FS",
        "121377",
        "Sarah Metcalfe",
        "riverbank-primary.example",
    ),
    Org(
        "whitestone",
        "Whitestone Infant and Nursery School",
        SCHOOL,
        "Whitestone Close\nWakefield",
        "WF2 9LJ",
        "108215",
        "Joanne Pickles",
        "whitestone-infants.example",
    ),
    Org(
        "dalesedge",
        "Dales Edge Academy",
        SCHOOL,
        "Moor Lane\nSkipton",
        "BD23 1XR",
        "143860",
        "Richard Verity",
        "dalesedge.example",
    ),
    Org(
        "hollins",
        "Hollins Green Academy",
        SCHOOL,
        "Green Top\nLockwood\nHuddersfield",
        "HD4 6QE",
        "144719",
        "Nadia Begum",
        "hollinsgreen.example",
    ),
    Org(
        "brackenfield",
        "Brackenfield Primary School",
        SCHOOL,
        "Bracken Hill\nOtley",
        "LS21 2HB",
        "107944",
        "Claire Dobson",
        "brackenfield-primary.example",
        is_partner=True,
    ),
    Org(
        "netherby",
        "Netherby Park School",
        SCHOOL,
        "Kirkgate Lane\nRipon",
        "HG4 1TZ",
        "121118",
        "Mark Ellison",
        "netherbypark.example",
        is_partner=True,
    ),
]

# The people who book for the other schools. They never sign in (their passwords are
# unusable): they are here so that the dates look booked, in the test database too.
# (organisation key, first name, last name, job title)
BOOKERS = [
    (TRUST, "Priya", "Shah", "Director of professional learning"),
    ("thornfield", "Gareth", "Lowe", "School business manager"),
    ("westfell", "Helen", "Brierley", "Headteacher's PA"),
    ("calderbrook", "Imran", "Qureshi", "CPD lead"),
    ("riverbank", "Sarah", "Metcalfe", "School business manager"),
    ("whitestone", "Joanne", "Pickles", "Office manager"),
    ("dalesedge", "Tom", "Ackroyd", "Assistant headteacher (CPD)"),
    ("hollins", "Nadia", "Begum", "Business manager"),
    ("brackenfield", "Claire", "Dobson", "Deputy headteacher"),
    ("netherby", "Mark", "Ellison", "Coaching lead"),
]
DEMO_BOOKER_SCHOOL = "ashworth"

FIRST_NAMES = [
    "Amelia", "Ben", "Chloe", "Daniel", "Ellie", "Farah", "George", "Hannah", "Isaac",
    "Jess", "Kieran", "Laura", "Mohammed", "Natalie", "Owen", "Poppy", "Rachel", "Sam",
    "Tariq", "Vicky", "Will", "Yasmin", "Zoe", "Adam", "Becky", "Craig", "Dawn", "Emma",
]  # fmt: skip
LAST_NAMES = [
    "Atkinson", "Barraclough", "Clegg", "Dyson", "Earnshaw", "Firth", "Greenwood", "Haigh",
    "Illingworth", "Jowett", "Kershaw", "Lister", "Mitchell", "Nuttall", "Oldroyd",
    "Pearson", "Rhodes", "Sutcliffe", "Uttley", "Whiteley", "Ahmed", "Hussain", "Patel",
]  # fmt: skip
JOB_TITLES = [
    "Class teacher", "Head of year", "Assistant headteacher", "SENCo", "Head of maths",
    "Early career teacher mentor", "Deputy headteacher", "Head of English",
]  # fmt: skip

# --- Terms and dates --------------------------------------------------------------------

# The stretch of each term in which we run training days: (month, day) to (month, day).
TERM_WINDOWS = {
    "Spring": ((1, 12), (3, 26)),
    "Summer": ((4, 21), (7, 9)),
    "Autumn": ((9, 9), (12, 11)),
}
# A term is only used if there is time to book it: its window must end at least this
# long after today, and its first date is at least FIRST_DATE_AFTER from today.
TERM_MUST_RUN_UNTIL = datetime.timedelta(days=35)
FIRST_DATE_AFTER = datetime.timedelta(days=14)


class Term(NamedTuple):
    name: str  # as schools say it, and as Cohort.term shows it: "Autumn 2026"
    first_day: datetime.date
    last_day: datetime.date


def _terms_from(today):
    year = today.year
    while True:
        for season, ((m1, d1), (m2, d2)) in TERM_WINDOWS.items():
            term = Term(
                f"{season} {year}", datetime.date(year, m1, d1), datetime.date(year, m2, d2)
            )
            if term.last_day >= today + TERM_MUST_RUN_UNTIL:
                yield term
        year += 1


def next_terms(today, count=3):
    """The terms the demo has dates in: the current one if there is still time to book
    it, then the ones after."""
    terms = _terms_from(today)
    return [next(terms) for _ in range(count)]


TUE_TO_THU = (1, 2, 3)
TUE_OR_WED = (1, 2)  # for two consecutive days


def _teaching_day(lo, hi, fraction, weekdays=TUE_TO_THU):
    """A Tuesday to Thursday about `fraction` of the way from `lo` to `hi`."""
    day = lo + datetime.timedelta(days=round((hi - lo).days * fraction))
    while day.weekday() not in weekdays:
        day += datetime.timedelta(days=1)
    if day > hi:
        day = hi
        while day.weekday() not in weekdays:
            day -= datetime.timedelta(days=1)
    return day


def _at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


FULL_DAY = ((9, 30), (15, 30))
HALF_DAY = ((13, 0), (16, 0))

# --- The dated runs ---------------------------------------------------------------------

VENUES = {
    "Halifax": "Northlight Coaching training room\nUnit 4, Foundry Yard\nHalifax\nHX1 2AB",
    "Leeds": "Lantern Yard Conference Rooms\n12 Lantern Yard\nLeeds\nLS2 7QT",
    "York": "Rowan House\n18 Millers Yard\nYork\nYO1 9TQ",
    "Sheffield": "Forge Lane Learning Centre\n40 Forge Lane\nSheffield\nS3 8GN",
    "Harrogate": "The Garden Rooms\n7 Cheltenham Mews\nHarrogate\nHG1 1DQ",
    "Wakefield": "Westgate Chambers\n21 Westgate\nWakefield\nWF1 1XS",
}
ONLINE = "online"

# How each course's sessions fall: roughly where in the term, and (title, days after the
# first session, hours) for each session.
SCHEDULES = {
    "coaching-ambassador": (0.15, [("Ambassador training day", 0, FULL_DAY)]),
    "leading-a-coaching-school": (0.35, [("Embedding a coaching culture", 0, FULL_DAY)]),
    "coaching-towards-outstanding-teaching": (
        0.55,
        [("Whole-staff introduction to coaching", 0, HALF_DAY)],
    ),
    "aspiring-to-leadership": (0.45, [("Coaching as a way of leading", 0, FULL_DAY)]),
    "recognition-framework": (
        0.25,
        [("Training session 1", 0, HALF_DAY), ("Training session 2", 14, HALF_DAY)],
    ),
    "partnership-coaching-course": (0.65, [("Day 1", 0, FULL_DAY), ("Day 2", 1, FULL_DAY)]),
    "coaching-and-lesson-study": (
        0.1,
        [
            ("Planning with the senior team", 0, HALF_DAY),
            ("Research lesson and coaching conversations", 21, HALF_DAY),
            ("Review and next steps", 42, HALF_DAY),
        ],
    ),
}
# The certificate runs over a school year: one training day a term, each early in it.
CCC = "certificate-in-coaching-competence"
CCC_SESSIONS = ["Session 1: Fundamentals", "Session 2: The self-aware coach",
                "Session 3: Taking it further"]  # fmt: skip
CCC_FRACTION = 0.1
LESSON_STUDY = "coaching-and-lesson-study"


class Run(NamedTuple):
    course: str
    term: int  # 0, 1 or 2: which of the next three terms it starts in
    title: str
    place: str  # a VENUES key, ONLINE, or the key of the host school
    capacity: int
    status: str = CohortStatus.OPEN
    fraction: float | None = None  # to move it within the term
    early_bird: Decimal | None = None
    reserved_for: str = ""
    price_override: Decimal | None = None
    min_delegates: int | None = None  # runs only if this many book: "to be confirmed"


RUNS = [
    Run("coaching-ambassador", 0, "Leeds", "Leeds", 24),
    Run("coaching-ambassador", 1, "York", "York", 24, early_bird=Decimal("175.00")),
    Run("coaching-ambassador", 2, "Sheffield", "Sheffield", 20),
    Run("leading-a-coaching-school", 0, "Harrogate", "Harrogate", 20),
    Run("leading-a-coaching-school", 1, "Leeds", "Leeds", 18),
    Run("leading-a-coaching-school", 2, "Wakefield", "Wakefield", 20),
    Run(
        "leading-a-coaching-school",
        2,
        "Sheffield (venue to be confirmed)",
        "Sheffield",
        20,
        status=CohortStatus.DRAFT,
        fraction=0.8,
    ),
    Run("coaching-towards-outstanding-teaching", 0, "Halifax", "Halifax", 30),
    Run("coaching-towards-outstanding-teaching", 1, "Wakefield", "Wakefield", 30),
    Run("coaching-towards-outstanding-teaching", 2, "York", "York", 30),
    Run("aspiring-to-leadership", 0, "York", "York", 16),
    Run("aspiring-to-leadership", 1, "Online", ONLINE, 16, min_delegates=8),
    Run("aspiring-to-leadership", 2, "Leeds", "Leeds", 18),
    Run(CCC, 0, "Leeds", "Leeds", 18),
    Run(CCC, 1, "Harrogate", "Harrogate", 18),
    Run(CCC, 2, "Sheffield", "Sheffield", 12),
    Run("recognition-framework", 0, "Wakefield", "Wakefield", 15),
    Run("recognition-framework", 1, "Online", ONLINE, 15),
    Run("recognition-framework", 2, "Leeds", "Leeds", 15),
    Run("partnership-coaching-course", 0, "Hosted by Netherby Park School", "netherby", 16),
    Run(
        "partnership-coaching-course",
        1,
        "Hosted by Brackenfield Primary School",
        "brackenfield",
        16,
    ),
    Run("partnership-coaching-course", 2, "Hosted by Calderbrook High School", "calderbrook", 16),
    # Bespoke, priced on request: this run has the price agreed with the trust.
    Run(
        LESSON_STUDY,
        1,
        "For Aire Valley Learning Trust",
        "holmebeck",
        12,
        reserved_for=TRUST,
        price_override=Decimal("4800.00"),
    ),
]

# --- Bookings -------------------------------------------------------------------------

DEMO = "demo"  # the demo booker, in place of a booker's organisation key


class Planned(NamedTuple):
    booker: str  # the key of the booker's organisation, or DEMO
    course: str
    cohort: str  # the cohort's title
    places: int
    named: int  # how many of the places are named now; the rest are "to be named"
    days_ago: int  # when it was booked (0: a few hours ago)
    po: str = ""
    voucher: str = ""
    paid_after: int | None = None  # paid in full this many days after the invoice
    part_paid_after: int | None = None  # half paid this many days after the invoice
    cancelled_after: int | None = None  # cancelled this many days after booking
    school: str = ""  # whom the places are for, if not the booker's own organisation


AMB, LEAD, ASP = "coaching-ambassador", "leading-a-coaching-school", "aspiring-to-leadership"
WHOLE, RF, PART = (
    "coaching-towards-outstanding-teaching",
    "recognition-framework",
    "partnership-coaching-course",
)

# Other schools' bookings. Leading a Coaching School in Harrogate ends up full, and the
# ambassador day in Leeds and Aspiring to Leadership in York have one or two places left.
# None is overdue (every invoice over 30 days old has been paid, one late) and none waits
# on an email confirmation: the test suite's database holds these bookings, and the
# housekeeping jobs (overdue reminders, lapsed holds) work over every booking there is.
# The demo booker's overdue invoice is made only with the demo users.
OTHER_BOOKINGS = [
    Planned("calderbrook", LEAD, "Harrogate", 4, 4, 58, "CHS-PO-3318", paid_after=19),
    Planned("dalesedge", LEAD, "Harrogate", 3, 3, 51, paid_after=40),  # paid late
    Planned(TRUST, LEAD, "Harrogate", 2, 2, 47, "AVLT-PO-7702", paid_after=14, school="moorside"),
    Planned(TRUST, LEAD, "Harrogate", 4, 3, 47, "AVLT-PO-7703", paid_after=14, school="holmebeck"),
    Planned("riverbank", LEAD, "Harrogate", 2, 2, 39, paid_after=12),
    Planned("hollins", LEAD, "Harrogate", 2, 2, 33, paid_after=20),
    Planned("westfell", LEAD, "Harrogate", 2, 2, 28, paid_after=9),
    Planned("thornfield", LEAD, "Harrogate", 1, 1, 16),
    Planned("calderbrook", AMB, "Leeds", 6, 4, 55, "CHS-PO-3301", paid_after=21),
    Planned("thornfield", AMB, "Leeds", 3, 3, 44, paid_after=15),
    Planned("riverbank", AMB, "Leeds", 4, 4, 36, paid_after=30),
    Planned("dalesedge", AMB, "Leeds", 5, 5, 29, paid_after=8),
    Planned("hollins", AMB, "Leeds", 2, 1, 21, part_paid_after=7),
    Planned("westfell", AMB, "Leeds", 2, 2, 9),
    Planned(TRUST, ASP, "York", 3, 3, 50, "AVLT-PO-7690", paid_after=18, school="holmebeck"),
    Planned("calderbrook", ASP, "York", 4, 4, 42, "CHS-PO-3342", paid_after=23),
    Planned("dalesedge", ASP, "York", 3, 3, 31, paid_after=6),
    Planned("westfell", ASP, "York", 1, 1, 24),
    Planned("riverbank", ASP, "York", 2, 2, 12),
    Planned("thornfield", ASP, "York", 2, 1, 5),
    Planned("calderbrook", CCC, "Leeds", 6, 6, 60, "CHS-PO-3290", paid_after=26),
    Planned("dalesedge", CCC, "Harrogate", 5, 5, 14),
    Planned("netherby", PART, "Hosted by Netherby Park School", 6, 6, 40),
    Planned("brackenfield", PART, "Hosted by Netherby Park School", 4, 4, 26),
    Planned("brackenfield", PART, "Hosted by Brackenfield Primary School", 5, 3, 8),
    Planned("thornfield", WHOLE, "Halifax", 12, 12, 27, paid_after=17),
    Planned("hollins", WHOLE, "Wakefield", 12, 10, 18, voucher="SPRINGTERM10"),
    Planned("westfell", RF, "Wakefield", 3, 3, 35, paid_after=11),
    Planned("whitestone", RF, "Online", 3, 3, 7),
    Planned("riverbank", AMB, "York", 2, 2, 6),
    Planned("thornfield", AMB, "York", 2, 2, 3, voucher="WELCOME50"),
    Planned("hollins", LEAD, "Leeds", 3, 3, 11),
    Planned("dalesedge", ASP, "Online", 2, 2, 19),
    Planned(TRUST, LESSON_STUDY, "For Aire Valley Learning Trust", 10, 4, 22, "AVLT-PO-7741"),
    Planned("calderbrook", AMB, "Sheffield", 3, 0, 4, "CHS-PO-3375"),
    Planned("riverbank", ASP, "Leeds", 1, 1, 2),
]  # fmt: skip

# The demo booker's own bookings: one in every state an invoice can be in.
DEMO_BOOKINGS = [
    # Invoiced, not yet due.
    Planned(DEMO, LEAD, "Leeds", 2, 2, 6, "ASH/PO/0461"),
    # The certificate for a team of four, half paid.
    Planned(DEMO, CCC, "Leeds", 4, 4, 20, "ASH/PO/0455", part_paid_after=12),
    # Paid in full.
    Planned(DEMO, ASP, "Online", 1, 1, 40, "ASH/PO/0432", paid_after=13),
    # Invoiced 45 days ago and never paid: overdue.
    Planned(DEMO, WHOLE, "Halifax", 8, 8, 45, "ASH/PO/0427"),
    # Cancelled, so the invoice is credited in full by a credit note.
    Planned(DEMO, RF, "Wakefield", 3, 3, 30, "ASH/PO/0440", cancelled_after=18),
    # Early-bird price, with two places still to be named.
    Planned(DEMO, AMB, "York", 3, 1, 2, "ASH/PO/0468"),
]
CANCELLATION_REASON = (
    "Two of the three staff have changed roles; the school will book the framework again next year."
)


# --- Seeding --------------------------------------------------------------------------


@transaction.atomic
def seed_bookings(report, *, today, demo_users):
    _invoicing_settings(report)
    organisations = _organisations(report)
    bookers = _bookers(organisations, report)
    _vouchers(today, report)
    courses = {
        page.slug: page for page in CoursePage.objects.filter(slug__in={run.course for run in RUNS})
    }
    cohorts, cohorts_created = _cohorts(courses, organisations, today, report)
    plans = list(OTHER_BOOKINGS) if cohorts_created else []
    if demo_users:
        demo = _demo_booker(organisations, report)
        if demo is not None and not Booking.objects.filter(booker=demo).exists():
            bookers[DEMO] = demo
            plans += DEMO_BOOKINGS
    _book(plans, bookers, organisations, cohorts, today, report)


def _invoicing_settings(report):
    settings = InvoicingSettings.load()
    if settings.seller_address:
        return
    for name, value in SELLER.items():
        setattr(settings, name, value)
    settings.save()
    report.add("invoicing settings")


def _organisations(report):
    found = {
        o.name: o for o in Organisation.objects.filter(name__in=[d.name for d in ORGANISATIONS])
    }
    organisations, created = {}, []
    for data in ORGANISATIONS:  # the trust comes first, for its members' link
        organisation = found.get(data.name)
        if organisation is None:
            organisation = Organisation.objects.create(
                name=data.name,
                kind=data.kind,
                trust=organisations[data.trust] if data.trust else None,
                address=data.address,
                postcode=data.postcode,
                identifier=data.identifier,
                finance_contact_name=data.contact,
                finance_email=f"finance@{data.domain}",
                is_partner=data.is_partner,
                requires_po_number=data.requires_po,
            )
            created.append(data.name)
        organisations[data.key] = organisation
    if created:
        report.add(f"{len(created)} schools and trusts that book")
    return organisations


def _booker_profile(user, organisation, job_title, confirmed_at):
    return Booker.objects.get_or_create(
        user=user,
        defaults={
            "organisation": organisation,
            "job_title": job_title,
            "phone": "01632 960 418",  # Ofcom's range for drama: rings nowhere
            "email_confirmed_at": confirmed_at,
        },
    )


def _bookers(organisations, report):
    User = get_user_model()
    group = Group.objects.get(name=roles.SCHOOL_BOOKERS)
    domains = {data.key: data.domain for data in ORGANISATIONS}
    joined = timezone.now() - datetime.timedelta(days=120)
    bookers, created = {}, 0
    for key, first, last, job_title in BOOKERS:
        email = f"{first[0]}.{last}@{domains[key]}".lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, first_name=first, last_name=last)
            user.set_unusable_password()
            user.save()
            user.groups.add(group)
            created += 1
        _booker_profile(user, organisations[key], job_title, joined)
        bookers[key] = user
    if created:
        report.add(f"{created} bookers at other schools (they cannot sign in)")
    return bookers


def _demo_booker(organisations, report):
    """The demo account with the School bookers role, booking for Ashworth Primary."""
    email = next(e for e, *_, role, _ in content.DEMO_USERS if role == roles.SCHOOL_BOOKERS)
    user = get_user_model().objects.filter(email=email, groups__name=roles.SCHOOL_BOOKERS).first()
    if user is None:
        return None
    confirmed_at = timezone.now() - datetime.timedelta(days=90)
    _, created = _booker_profile(
        user, organisations[DEMO_BOOKER_SCHOOL], "School business manager", confirmed_at
    )
    if created:
        report.add(f"booker profile for {email} at {organisations[DEMO_BOOKER_SCHOOL]}")
    return user


def _vouchers(today, report):
    spring_ends = datetime.date(today.year if today.month <= 3 else today.year + 1, 3, 31)
    summer_ends = datetime.date(today.year if today.month <= 7 else today.year + 1, 7, 31)
    vouchers = [
        (
            "SPRINGTERM10",
            "10% off any course booked before the end of the spring term",
            VoucherKind.PERCENT,
            Decimal("10"),
            spring_ends,
            25,
        ),
        (
            "WELCOME50",
            "£50 off a school's first booking with us",
            VoucherKind.FIXED,
            Decimal("50.00"),
            summer_ends,
            40,
        ),
    ]
    for code, description, kind, value, valid_until, max_uses in vouchers:
        _, created = Voucher.objects.get_or_create(
            code=code,
            defaults={
                "description": description,
                "kind": kind,
                "value": value,
                "valid_until": valid_until,
                "max_uses": max_uses,
            },
        )
        if created:
            report.add(f"voucher {code}")


def _session_days(run, terms, today):
    """(title, first day, hours) for each session of a run."""
    if run.course == CCC:
        days = []
        for offset, title in enumerate(CCC_SESSIONS):
            term = terms[run.term + offset]
            lo = max(term.first_day, today + FIRST_DATE_AFTER)
            days.append((title, _teaching_day(lo, term.last_day, CCC_FRACTION), FULL_DAY))
        return days
    fraction, sessions = SCHEDULES[run.course]
    span = max(offset for _, offset, _ in sessions)
    term = terms[run.term]
    lo = max(term.first_day, today + FIRST_DATE_AFTER)
    hi = term.last_day - datetime.timedelta(days=span)
    weekdays = TUE_OR_WED if span == 1 else TUE_TO_THU
    first = _teaching_day(lo, hi, run.fraction if run.fraction is not None else fraction, weekdays)
    return [
        (title, first + datetime.timedelta(days=offset), hours) for title, offset, hours in sessions
    ]


def _online_link(run, terms):
    slug = f"{run.course}-{terms[run.term].name}".lower().replace(" ", "-")
    return f"https://video.coaching.example/room/{slug}"


def _cohorts(courses, organisations, today, report):
    """The runs, keyed by (course slug, title); made only if the demo has none yet."""
    existing = Cohort.objects.filter(course__in=courses.values()).select_related("course")
    if existing.exists():
        return {(c.course.slug, c.title): c for c in existing}, False
    terms = next_terms(today, count=5)  # the certificate's later sessions run on
    venues = {**VENUES, **{d.key: f"{d.name}\n{d.address}\n{d.postcode}" for d in ORGANISATIONS}}
    cohorts = {}
    for run in RUNS:
        course = courses.get(run.course)
        if course is None:
            continue
        days = _session_days(run, terms, today)
        start = days[0][1]
        cohort = Cohort(
            course=course,
            title=run.title,
            status=run.status,
            capacity=run.capacity,
            naming_deadline=start - datetime.timedelta(days=7),
            reserved_for=organisations[run.reserved_for] if run.reserved_for else None,
            price_override=run.price_override,
        )
        if run.min_delegates:
            cohort.min_delegates = run.min_delegates
            cohort.decide_by = start - datetime.timedelta(days=21)
        if run.early_bird is not None:
            cohort.early_bird_price = run.early_bird
            cohort.early_bird_until = max(
                start - datetime.timedelta(weeks=6), today + datetime.timedelta(days=14)
            )
        for title, day, ((h1, m1), (h2, m2)) in days:
            online = run.place == ONLINE
            cohort.sessions.add(
                CohortSession(
                    title=title,
                    starts_at=_at(day, h1, m1),
                    ends_at=_at(day, h2, m2),
                    venue="" if online else venues[run.place],
                    online_url=_online_link(run, terms) if online else "",
                )
            )
        cohort.save()
        cohorts[(run.course, run.title)] = cohort
    names = ", ".join(term.name for term in terms[:3])
    report.add(f"{len(cohorts)} dated runs of the courses ({names})")
    return cohorts, True


class _Clock:
    """When things happened, counted back from `today`, at office hours in London."""

    def __init__(self, today):
        now = timezone.now()
        self.today = today
        self.now = now if timezone.localdate(now) == today else _at(today, 12)

    def days_ago(self, days, index=0):
        if days <= 0:
            return self.now - datetime.timedelta(hours=3)
        # Spread through the working day so that no two look stamped at once.
        minutes = (index * 97) % (8 * 60)
        return _at(self.today - _days(days), 9 + minutes // 60, minutes % 60)


class _Staff:
    """Made-up staff for each school, never the same person twice."""

    def __init__(self):
        self.counts = {}

    def next(self, organisation, domain):
        n = self.counts.get(organisation.pk, 0)
        self.counts[organisation.pk] = n + 1
        seed = organisation.pk * 5 + n
        first = FIRST_NAMES[seed % len(FIRST_NAMES)]
        last = LAST_NAMES[(seed * 7 + n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        suffix = "" if n < len(FIRST_NAMES) else str(n)
        return DelegateDetails(
            name=f"{first} {last}",
            email=f"{first}.{last}{suffix}@{domain}".lower(),
            job_title=JOB_TITLES[seed % len(JOB_TITLES)],
        )


def _book(plans, bookers, organisations, cohorts, today, report):
    if not plans:
        return
    clock = _Clock(today)
    staff = _Staff()
    domains = {data.key: data.domain for data in ORGANISATIONS}
    participant = _demo_participant()
    timed = [(clock.days_ago(plan.days_ago, index), plan) for index, plan in enumerate(plans)]
    made = []
    # Oldest first, so that invoice numbers run in date order.
    for when, plan in sorted(timed, key=lambda item: item[0]):
        cohort = cohorts.get((plan.course, plan.cohort))
        user = bookers.get(plan.booker)
        if cohort is None or user is None:
            continue
        key = plan.school or (DEMO_BOOKER_SCHOOL if plan.booker == DEMO else plan.booker)
        school = organisations[key]
        delegates = [staff.next(school, domains[key]) for _ in range(plan.named)]
        if plan.booker == DEMO and plan.course == CCC and participant is not None:
            # The demo participant is on the demo booker's certificate team.
            name = participant.get_full_name()
            delegates[0] = DelegateDetails(name, participant.email, "Class teacher")
        request = BookingRequest(
            cohort_id=cohort.pk,
            organisation_id=school.pk,
            places=plan.places,
            delegates=delegates,
            po_number=plan.po,
            voucher_code=plan.voucher,
        )
        try:
            # No emails to made-up schools: the demo's bookings are made quietly.
            booking = place_booking(request, user, now=when, notify=False)
        except BookingError:
            # A dev database seeded long ago: the date has gone by. Leave it out.
            continue
        # Booked then, not at the moment the seed ran.
        Booking.objects.filter(pk=booking.pk).update(created_at=when)
        made.append((plan, booking, when))
    follow_ups = []
    for plan, booking, when in made:
        if plan.paid_after is not None:
            follow_ups.append((plan.paid_after, when, "pay", 1, booking))
        if plan.part_paid_after is not None:
            follow_ups.append((plan.part_paid_after, when, "pay", Decimal("0.5"), booking))
        if plan.cancelled_after is not None:
            follow_ups.append((plan.cancelled_after, when, "cancel", None, booking))
    for after, when, action, share, booking in sorted(follow_ups, key=lambda f: f[1] + _days(f[0])):
        at = when + _days(after)
        if timezone.localdate(at) > today:
            continue
        if action == "cancel":
            cancel_booking(
                booking, reason=CANCELLATION_REASON, actor=booking.booker, now=at, notify=False
            )
        else:
            _pay(booking, share, timezone.localdate(at))
    others = sum(1 for plan, *_ in made if plan.booker != DEMO)
    mine = len(made) - others
    if others:
        report.add(f"{others} bookings from other schools, with their invoices and payments")
    if mine:
        report.add(f"{mine} bookings for the demo booker, one in every invoice state")


def _days(n):
    return datetime.timedelta(days=n)


def _pay(booking, share, received_on):
    invoice = booking.invoices.filter(kind=DocumentKind.INVOICE).first()
    if invoice is None or invoice.gross_total <= 0:
        return
    amount = money(invoice.gross_total * share)
    record_payment(
        invoice,
        amount=amount,
        received_on=received_on,
        method=PaymentMethodReceived.BANK_TRANSFER,
        reference=f"BACS {invoice.number}",
    )


def _demo_participant():
    email = next(e for e, *_, role, _ in content.DEMO_USERS if role == roles.PARTICIPANTS)
    return get_user_model().objects.filter(email=email).first()
