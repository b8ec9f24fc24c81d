"""The demo's year's end (issue 10): QA visits, one confirmed and one with actions
required; certificates for the demo participant, one reissued; one revoked. The session's
database is seeded without demo users (see conftest), so the stand-in participant holds
the demo participant's certificates."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from bookings.models import ATTENDED, Booking, Cohort, Invoice, SessionAttendance
from certification.models import (
    AwardKind,
    Certificate,
    CertificateChange,
    CertificateStatus,
    Enrolment,
    EnrolmentStatus,
    QAVisit,
    VisitOutcome,
    VisitStatus,
)
from certification.services.progress import progress
from certification.services.visits import confirmed_visit
from website.demo import certification as demo
from website.demo.seed import seed_demo

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^(CCC|EM|ATT)-\d{4}-\d{4}$")


def stand_in_participant():
    first, last, *_ = demo.THIS_YEAR_TEAM[0]
    email = demo._school_email(first, last, demo.THIS_YEAR_SCHOOL)
    return get_user_model().objects.get(email=email)


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            QAVisit,
            Certificate,
            CertificateChange,
            Enrolment,
            Cohort,
            Booking,
            Invoice,
            SessionAttendance,
        )
    }


def test_a_confirmed_visit_and_one_with_actions_required_both_in_the_past():
    now = timezone.now()
    recorded = QAVisit.objects.filter(status=VisitStatus.RECORDED)
    confirmed = recorded.filter(outcome=VisitOutcome.CONFIRMED)
    assert confirmed.count() >= 1
    (actions,) = recorded.filter(outcome=VisitOutcome.ACTIONS_REQUIRED)
    for visit in recorded:
        assert visit.ends_at < now and visit.recorded_at < now
        assert visit.recorded_by == visit.assessor
        assert visit.assessor.groups.filter(name=roles.ASSESSORS).exists()
        assert visit.attended and visit.evidence_seen and visit.findings
        assert visit.sampled.exists()
        assert set(visit.sampled.all()) <= set(visit.to_see.all())
    assert actions.actions.strip()
    assert actions.follow_up_by > timezone.localtime(actions.starts_at).date()
    follow_up = actions.follow_up_visit
    assert follow_up is not None and follow_up.status == VisitStatus.SCHEDULED
    assert follow_up.starts_at > now
    assert (follow_up.organisation, follow_up.award) == (actions.organisation, actions.award)


def test_the_demo_participant_has_certificates_one_of_them_reissued():
    participant = stand_in_participant()
    certificates = list(Certificate.objects.filter(enrolment__participant=participant))
    assert len(certificates) >= 2
    assert {c.award.kind for c in certificates} >= {AwardKind.ATTENDANCE}
    for certificate in certificates:
        assert certificate.status == CertificateStatus.VALID
        assert NUMBER.match(certificate.number), certificate.number
        assert certificate.holder_name == participant.get_full_name()
        assert certificate.issued_on < timezone.localdate()
        assert certificate.enrolment.status == EnrolmentStatus.AWARDED
        assert certificate.issued_by.groups.filter(name=roles.PROVIDER_ADMINS).exists()
        assert certificate.issued_by != certificate.enrolment.assessor
    (reissued,) = [c for c in certificates if c.revision]
    (change,) = reissued.changes.all()
    before, after = change.changes["holder_name"]
    assert after == participant.get_full_name() and before != after
    assert set(change.changes) == {"holder_name"}  # number and code unchanged
    assert change.reason and change.by == reissued.issued_by
    assert change.at.date() > reissued.issued_on
    # The certificate's number is the one first issued: the audit trail has it.
    awarded = reissued.enrolment.audit.get(action="awarded")
    assert awarded.note == reissued.number


def test_certificates_were_issued_only_as_the_rules_allow():
    for certificate in Certificate.objects.select_related("enrolment__requirement_set"):
        enrolment = certificate.enrolment
        needs = enrolment.requirement_set
        if certificate.is_revoked:
            continue
        assert progress(enrolment).complete, certificate
        if needs.award.kind != AwardKind.ATTENDANCE:
            assert enrolment.submissions.latest("number").outcome == "recommended"
        if needs.qa_visit_required:
            visit = confirmed_visit(enrolment.organisation, needs.award)
            assert visit is not None
            assert timezone.localtime(visit.starts_at).date() < certificate.issued_on
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_one_certificate_is_revoked_with_its_reason_and_the_register_corrected():
    (revoked,) = Certificate.objects.filter(status=CertificateStatus.REVOKED)
    assert revoked.revoked_reason.strip()
    assert revoked.revoked_by is not None
    assert revoked.issued_on <= timezone.localtime(revoked.revoked_at).date() < timezone.localdate()
    # Revoked because the register was wrong: corrected, it no longer counts.
    enrolment = revoked.enrolment
    assert not SessionAttendance.objects.filter(
        delegate=enrolment.delegate, mark__in=ATTENDED
    ).exists()
    assert not progress(enrolment).complete


def test_every_certificate_verifies_and_the_revoked_one_says_so(client):
    for certificate in Certificate.objects.all():
        response = client.get(f"/verify/{certificate.code}/")
        assert response.status_code == 200, certificate.number
        page = response.content.decode()
        assert certificate.number in page and certificate.holder_name in page
        if certificate.is_revoked:
            assert "Revoked" in page and certificate.revoked_reason in page
        else:
            assert "Revoked" not in page


def test_the_participant_sees_and_downloads_their_certificates(client):
    participant = stand_in_participant()
    client.force_login(participant)
    certificates = Certificate.objects.filter(enrolment__participant=participant)
    for certificate in certificates:
        url = reverse("certification:portfolio", args=[certificate.enrolment_id])
        assert f"Your certificate {certificate.number}" in client.get(url).content.decode()
    reissued = certificates.get(revision=1)
    response = client.get(reverse("certification:certificate", args=[reissued.enrolment_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_visit_pages_and_reports_open_for_the_visits_assessor(client):
    for visit in QAVisit.objects.select_related("assessor"):
        client.force_login(visit.assessor)
        assert client.get(reverse("qa:visits")).status_code == 200
        page = client.get(reverse("qa:visit", args=[visit.pk]))
        assert page.status_code == 200, visit
        if visit.status == VisitStatus.RECORDED:
            report = client.get(reverse("qa:report", args=[visit.pk]))
            assert report.status_code == 200, visit
            assert report["Content-Type"] == "application/pdf"
            assert report.content.startswith(b"%PDF")


def test_seeding_again_adds_nothing():
    before = counts()
    assert seed_demo(demo_users=False).created == []
    assert counts() == before
