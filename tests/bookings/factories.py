"""Small builders for bookings tests: each returns a saved object with sensible data."""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from bookings.models import (
    Booker,
    Cohort,
    CohortSession,
    CohortStatus,
    InvoicingSettings,
    Organisation,
    OrganisationKind,
    Voucher,
)
from courses.models import CoursePage

_serial = itertools.count(1)
LONDON = timezone.get_default_timezone()


def london(year, month, day, hour=9, minute=30):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute), LONDON)


def organisation(name=None, **fields):
    n = next(_serial)
    defaults = {
        "name": name or f"Test School {n}",
        "kind": OrganisationKind.SCHOOL,
        "address": f"{n} School Lane\nLeeds",
        "postcode": "LS1 1AA",
        "finance_email": f"finance{n}@school.example",
        "finance_contact_name": "Pat Finance",
    }
    return Organisation.objects.create(**{**defaults, **fields})


def booker(org=None, *, email=None, confirmed=True, password="a-long-test-password"):
    org = org or organisation()
    n = next(_serial)
    user = get_user_model().objects.create_user(
        email=email or f"booker{n}@school.example",
        password=password,
        first_name="Sam",
        last_name=f"Booker{n}",
    )
    user.groups.add(Group.objects.get(name=roles.SCHOOL_BOOKERS))
    Booker.objects.create(
        user=user, organisation=org, email_confirmed_at=timezone.now() if confirmed else None
    )
    return user


def course(slug="coaching-ambassador"):
    return CoursePage.objects.get(slug=slug)


def cohort(course_slug="coaching-ambassador", *, capacity=20, days_ahead=30, sessions=1, **fields):
    start = timezone.localtime() + datetime.timedelta(days=days_ahead)
    start = start.replace(hour=9, minute=30, second=0, microsecond=0)
    run = Cohort(
        course=course(course_slug),
        capacity=capacity,
        status=fields.pop("status", CohortStatus.OPEN),
        **fields,
    )
    for index in range(sessions):
        day = start + datetime.timedelta(days=7 * index)
        run.sessions.add(
            CohortSession(
                title=f"Day {index + 1}",
                starts_at=day,
                ends_at=day + datetime.timedelta(hours=6),
                venue="Northlight Centre\n1 Park Row\nLeeds LS1 5HD",
            )
        )
    run.save()
    return run


def voucher(code="SPRING10", kind="percent", value=Decimal("10"), **fields):
    return Voucher.objects.create(code=code, kind=kind, value=value, **fields)


def invoicing_settings():
    settings = InvoicingSettings.load()
    settings.seller_name = "Northlight Coaching Ltd"
    settings.seller_address = "1 Park Row\nLeeds\nLS1 5HD"
    settings.vat_number = "GB 123 4567 89"
    settings.bank_name = "Yorkshire Bank"
    settings.bank_account_name = "Northlight Coaching Ltd"
    settings.sort_code = "12-34-56"
    settings.account_number = "12345678"
    settings.save()
    return settings


def booking_request(cohort, user, places=2, **fields):
    """A request for `places` named delegates of the booker's own school."""
    from bookings.services.booking import BookingRequest, DelegateDetails

    org = user.booker.organisation
    delegates = fields.pop(
        "delegates",
        [
            DelegateDetails(f"Teacher {i}", f"teacher{i}.{next(_serial)}@{org.pk}.example", "")
            for i in range(places)
        ],
    )
    return BookingRequest(
        cohort_id=cohort.pk,
        organisation_id=org.pk,
        places=places,
        delegates=delegates,
        po_number=fields.pop("po_number", "PO-4471"),
        **fields,
    )
