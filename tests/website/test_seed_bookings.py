"""The demo's bookings: schools, dated runs over the next three terms, and a booker with
a booking in every state. The session's database is seeded without demo users (see
conftest); tests that need the demo booker seed again with them."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts import roles
from bookings.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    InvoicingSettings,
    Organisation,
    OrganisationKind,
    Payment,
    term_of,
)
from courses.models import CoursePage
from website.demo.bookings import next_terms
from website.demo.content import DEMO_USERS
from website.demo.seed import seed_demo

pytestmark = pytest.mark.django_db

LONDON = timezone.get_default_timezone()


def demo_booker():
    email = next(email for email, _, _, role, _ in DEMO_USERS if role == roles.SCHOOL_BOOKERS)
    return get_user_model().objects.get(email=email, groups__name=roles.SCHOOL_BOOKERS)


def bookable_courses():
    return [course for course in CoursePage.objects.live() if not course.price.is_quoted]


def test_the_seller_is_on_every_invoice():
    settings = InvoicingSettings.load()
    assert settings.seller_name == "Northlight Coaching Ltd"
    assert settings.vat_number and settings.company_number and settings.seller_address
    assert len(settings.account_number) == 8 and len(settings.sort_code) == 8
    assert settings.contact_email == "office@coaching.example"


def test_a_dozen_schools_a_trust_of_four_and_two_partners():
    assert Organisation.objects.count() >= 12
    trust = Organisation.objects.get(kind=OrganisationKind.TRUST)
    assert trust.member_schools.count() == 4
    assert Organisation.objects.filter(is_partner=True).count() == 2
    assert Organisation.objects.filter(requires_po_number=True).exists()
    for organisation in Organisation.objects.all():
        assert organisation.finance_email.endswith(".example"), organisation
        assert organisation.postcode and organisation.address, organisation
    urns = Organisation.objects.exclude(kind=OrganisationKind.TRUST).values_list(
        "identifier", flat=True
    )
    assert all(len(urn) == 6 and urn.isdigit() for urn in urns)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 9, 1), ["Autumn 2026", "Spring 2027", "Summer 2027"]),
        # Too late in the autumn to book anything more this term.
        (datetime.date(2026, 11, 24), ["Spring 2027", "Summer 2027", "Autumn 2027"]),
        (datetime.date(2027, 2, 1), ["Spring 2027", "Summer 2027", "Autumn 2027"]),
        (datetime.date(2027, 5, 1), ["Summer 2027", "Autumn 2027", "Spring 2028"]),
        # The summer holiday.
        (datetime.date(2027, 8, 10), ["Autumn 2027", "Spring 2028", "Summer 2028"]),
    ],
)
def test_the_next_three_terms_follow_the_school_year(today, expected):
    assert [term.name for term in next_terms(today)] == expected


def test_every_bookable_course_has_dates_in_each_of_the_next_three_terms():
    terms = {term.name for term in next_terms(timezone.localdate())}
    courses = bookable_courses()
    assert len(courses) == 7
    for course in courses:
        listed = Cohort.objects.listed().filter(course=course)
        assert {cohort.term for cohort in listed} >= terms, course.title


def test_dates_are_tuesday_to_thursday_in_school_hours():
    for cohort in Cohort.objects.prefetch_related("sessions"):
        assert cohort.naming_deadline == (
            timezone.localtime(cohort.starts_at).date() - datetime.timedelta(days=7)
        )
        assert 12 <= cohort.capacity <= 30
        for session in cohort.sessions.all():
            starts = timezone.localtime(session.starts_at, LONDON)
            ends = timezone.localtime(session.ends_at, LONDON)
            assert starts.weekday() in (1, 2, 3), session
            assert (starts.time(), ends.time()) in (
                (datetime.time(9, 30), datetime.time(15, 30)),
                (datetime.time(13, 0), datetime.time(16, 0)),
            ), session


def test_the_certificate_has_a_day_a_term_and_the_framework_two_half_days():
    for cohort in Cohort.objects.filter(course__slug="certificate-in-coaching-competence"):
        sessions = cohort.sessions.all()
        terms = [term_of(timezone.localtime(s.starts_at).date()) for s in sessions]
        assert len(set(terms)) == len(terms) == 3, terms
    for cohort in Cohort.objects.filter(course__slug="recognition-framework"):
        sessions = cohort.sessions.all()
        assert len(sessions) == 2
        assert all(timezone.localtime(s.starts_at).hour == 13 for s in sessions)
    for cohort in Cohort.objects.filter(course__slug="partnership-coaching-course"):
        assert cohort.sessions.count() == 2


def test_one_date_is_full_some_nearly_and_one_is_reserved_for_the_trust():
    listed = list(Cohort.objects.listed().with_places())
    full = [c for c in listed if c.places_left == 0]
    assert len(full) == 1
    assert full[0].status == CohortStatus.FULL
    assert len([c for c in listed if c.places_left in (1, 2)]) >= 2
    reserved = Cohort.objects.get(reserved_for__isnull=False)
    assert reserved.reserved_for.kind == OrganisationKind.TRUST
    assert reserved.course.slug == "coaching-and-lesson-study"
    assert reserved.price_override is not None
    assert reserved not in listed
    assert Cohort.objects.filter(status=CohortStatus.DRAFT).count() == 1
    assert any(cohort.is_online for cohort in listed)
    assert any(cohort.early_bird_applies() for cohort in listed)


def test_other_schools_bookings_are_there_without_demo_users():
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() >= 30
    assert Payment.objects.exists()
    # Nothing for the housekeeping jobs to act on: other tests count what they do.
    invoices = Invoice.objects.filter(kind=DocumentKind.INVOICE).prefetch_related(
        "payments", "refunds", "credit_notes"
    )
    assert InvoiceStatus.OVERDUE not in {invoice.status() for invoice in invoices}
    assert not Booking.objects.filter(status=BookingStatus.PENDING).exists()
    # Nobody but the demo accounts can sign in.
    bookers = get_user_model().objects.filter(booker__isnull=False)
    assert bookers.exists()
    assert not any(user.has_usable_password() for user in bookers)


def test_the_demo_booker_has_a_booking_in_every_state(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(demo_users=True)
    # Placing the demo bookings sent nothing.
    assert mail.outbox == []
    user = demo_booker()
    assert user.booker.email_confirmed
    bookings = Booking.objects.filter(booker=user)
    invoices = Invoice.objects.filter(booking__booker=user).prefetch_related(
        "payments", "refunds", "credit_notes"
    )
    statuses = {invoice.status() for invoice in invoices if invoice.kind == DocumentKind.INVOICE}
    assert statuses == {
        InvoiceStatus.UNPAID,
        InvoiceStatus.PART_PAID,
        InvoiceStatus.PAID,
        InvoiceStatus.OVERDUE,
        InvoiceStatus.CREDITED,
    }
    overdue = next(i for i in invoices if i.status() == InvoiceStatus.OVERDUE)
    assert overdue.issue_date < timezone.localdate() - datetime.timedelta(days=30)
    note = invoices.get(kind=DocumentKind.CREDIT_NOTE)
    assert note.booking.status == BookingStatus.CANCELLED
    assert any(booking.places_to_name() for booking in bookings.prefetch_related("delegates"))
    # And again: nothing new.
    count = bookings.count()
    assert seed_demo(demo_users=True).created == []
    assert Booking.objects.filter(booker=user).count() == count
