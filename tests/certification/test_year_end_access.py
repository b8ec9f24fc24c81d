"""Who may open what of issue 10's pages and files, role by role, in one matrix: QA visits
and their report PDF and calendar, certificates and their credentials, the reports, and
the public verification pages; and 404 for other people's ids."""

import base64
import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from certification.models import Certificate, QAVisit
from certification.services.certificates import free_status_index
from certification.services.qa import record_visit

from .portfolio_world import ROLES, build_world

pytestmark = pytest.mark.django_db

VISIT = {"assessor", "coaching lead", "admin"}
HOLDER = {"participant", "admin"}
SCHOOL_REPORT = {"coaching lead", "impact lead", "admin"}
ASSESSORS = {"assessor", "other assessor", "senior assessor", "admin"}
EVERYONE = set(ROLES)


@pytest.fixture(autouse=True)
def signing_key():
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    with override_settings(OPEN_BADGES_SIGNING_KEY=base64.urlsafe_b64encode(raw).decode()):
        yield


@pytest.fixture
def world():
    world = build_world()
    e = world.enrolment
    start = timezone.now() - datetime.timedelta(days=2)
    recorded = QAVisit.objects.create(
        organisation=e.organisation,
        award=e.requirement_set.award,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        assessor=world.people["assessor"],
    )
    record_visit(
        recorded,
        world.people["assessor"],
        attended="Leads",
        sampled=[e],
        evidence_seen="Diaries",
        findings="Sound",
        outcome="confirmed",
    )
    scheduled = QAVisit.objects.create(
        organisation=e.organisation,
        award=e.requirement_set.award,
        starts_at=start + datetime.timedelta(days=9),
        ends_at=start + datetime.timedelta(days=9, hours=2),
        assessor=world.people["assessor"],
    )
    earlier = world.objects["earlier"]
    certificate = Certificate.objects.create(
        enrolment=earlier,
        award=earlier.requirement_set.award,
        number="TST-2026-0001",
        holder_name="Pat Lee",
        award_name=earlier.requirement_set.award.name,
        issued_on=datetime.date(2026, 7, 20),
        issued_by=world.people["admin"],
        status_index=free_status_index(),
    )
    world.objects.update(recorded=recorded, scheduled=scheduled, certificate=certificate)
    return world


def pages(world):
    o, school = world.objects, world.enrolment.organisation.pk
    visit, scheduled, cert = o["recorded"], o["scheduled"], o["certificate"]
    holder = cert.enrolment_id
    return [
        ("visits", reverse("qa:visits"), VISIT, 200),
        ("visit", reverse("qa:visit", args=[visit.pk]), VISIT, 200),
        ("visit calendar", reverse("qa:calendar", args=[visit.pk]), VISIT, 200),
        ("visit report PDF", reverse("qa:report", args=[visit.pk]), VISIT, 200),
        ("record a visit", reverse("qa:record", args=[scheduled.pk]), {"assessor"}, 200),
        ("certificate PDF", reverse("certification:certificate", args=[holder]), HOLDER, 200),
        ("credential", reverse("certification:credential", args=[holder]), HOLDER, 200),
        ("progress report", reverse("reports:progress"), ASSESSORS, 200),
        ("impact report", reverse("reports:impact", args=[school]), SCHOOL_REPORT, 200),
        ("impact PDF", reverse("reports:impact-pdf", args=[school]), SCHOOL_REPORT, 200),
        ("partnerships", reverse("reports:partnerships"), {"admin"}, 200),
        ("verify by code", reverse("verify:certificate", args=[cert.code]), EVERYONE, 200),
        ("public credential", reverse("verify:credential", args=[cert.code]), EVERYONE, 200),
        ("verify lookup", reverse("verify:lookup"), EVERYONE, 200),
        ("issuer key", "/.well-known/did.json", EVERYONE, 200),
        ("revocation list", reverse("verify:status-list"), EVERYONE, 200),
    ]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_against_every_new_page_and_file(client, world, who):
    if who != "signed out":
        client.force_login(world.people[who])
    wrong = []
    for name, url, allowed, answer in pages(world):
        status = client.get(url).status_code
        if who in allowed:
            expected = answer
        elif who == "signed out":
            expected = 302
        else:
            expected = 404
        if status != expected:
            wrong.append(f"{name}: {status}, expected {expected}")
    assert wrong == []


def test_other_peoples_ids_answer_404(client, world):
    other_school = world.other.organisation.pk
    cases = [
        # A school's leads changing the id to another school's report.
        ("coaching lead", reverse("reports:impact", args=[other_school])),
        ("impact lead", reverse("reports:impact-pdf", args=[other_school])),
        # Another participant's certificate and credential.
        (
            "other participant",
            reverse("certification:certificate", args=[world.objects["certificate"].enrolment_id]),
        ),
        (
            "other participant",
            reverse("certification:credential", args=[world.objects["certificate"].enrolment_id]),
        ),
        # Another assessor's visit.
        ("other assessor", reverse("qa:report", args=[world.objects["recorded"].pk])),
        ("other assessor", reverse("qa:record", args=[world.objects["scheduled"].pk])),
    ]
    for who, url in cases:
        client.force_login(world.people[who])
        assert client.get(url).status_code == 404, (who, url)
