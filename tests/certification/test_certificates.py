"""Certificates: issued only when every rule holds, numbered per award and year without
gaps, with a verification code that never changes; the PDF says who, what and which
number, and its QR code leads to the public verification page; reissue keeps number and
code; a revoked certificate shows as revoked, never as not found."""

import datetime
import subprocess

import pytest
import zxingcpp
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts import roles
from certification.certificate_pdf import render_certificate_pdf, verification_url
from certification.models import (
    AuditAction,
    Award,
    AwardKind,
    CertificateStatus,
    EnrolmentStatus,
    QAVisit,
    VisitStatus,
)
from certification.services.certificates import CertificateError, issue, reissue, revoke
from certification.services.qa import record_visit
from certification.services.submission import moderate

from .certificates_world import award, ready
from .portfolio_world import person

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 7, 20)


@pytest.fixture
def office():
    return person("office@provider.example", roles.PROVIDER_ADMINS, "Olu", "Office")


def test_a_certificate_copies_what_it_says_and_marks_the_award(office):
    made = award()
    enrolment = ready(made, first="Grace", last="Holroyd")
    certificate = issue(enrolment, office, today=TODAY)
    assert certificate.number == f"{made.number_prefix}-2026-0001"
    assert (certificate.holder_name, certificate.award_name, certificate.level) == (
        "Grace Holroyd",
        made.name,
        "Level 5",
    )
    assert certificate.issued_on == TODAY and certificate.issued_by == office
    assert len(certificate.code) >= 22  # at least 128 random bits, URL-safe
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.AWARDED
    assert enrolment.audit.filter(action=AuditAction.AWARDED, actor=office).exists()
    # Later changes elsewhere do not change the certificate.
    enrolment.participant.last_name = "Smith"
    enrolment.participant.save()
    made.name = "Renamed award"
    made.save()
    certificate.refresh_from_db()
    assert certificate.holder_name == "Grace Holroyd" and certificate.award_name != made.name
    with pytest.raises(CertificateError, match="already issued"):
        issue(enrolment, office, today=TODAY)


def test_no_certificate_without_every_requirement_met(office):
    made = award()
    enrolment = ready(made, recommend=False)
    enrolment.diary.first().delete()
    with pytest.raises(CertificateError, match="Requirements not met: Coaching sessions"):
        issue(enrolment, office, today=TODAY)


def test_no_certificate_without_a_recommendation(office):
    made = award()
    enrolment = ready(made, recommend=False)
    with pytest.raises(CertificateError, match="not recommended"):
        issue(enrolment, office, today=TODAY)
    assert not hasattr(enrolment, "certificate")


def test_where_moderation_is_required_it_must_have_agreed(office):
    made = award(moderation=True)
    enrolment = ready(made)
    with pytest.raises(CertificateError, match="moderator has not yet agreed"):
        issue(enrolment, office, today=TODAY)
    moderate(enrolment.submissions.get(), office, outcome="agreed", note="")
    assert issue(enrolment, office, today=TODAY).number.endswith("-0001")


def test_where_a_qa_visit_is_required_only_a_confirmed_one_will_do(office):
    made = award(qa=True)
    enrolment = ready(made)
    with pytest.raises(CertificateError, match="No confirmed QA visit"):
        issue(enrolment, office, today=TODAY)
    start = timezone.now() - datetime.timedelta(days=3)
    visit = QAVisit.objects.create(
        organisation=enrolment.organisation,
        award=made,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        assessor=enrolment.assessor,
    )
    record_visit(
        visit,
        enrolment.assessor,
        attended="Lead",
        sampled=[enrolment],
        evidence_seen="Diary",
        findings="Gaps",
        outcome="actions",
        actions="Fill them",
        follow_up_by=timezone.localdate() + datetime.timedelta(days=30),
    )
    with pytest.raises(CertificateError, match="found actions required"):
        issue(enrolment, office, today=TODAY)
    # A visit to another school does not count either.
    other = ready(made)
    QAVisit.objects.filter(pk=visit.pk).update(organisation=other.organisation)
    confirmed = QAVisit.objects.create(
        organisation=other.organisation,
        award=made,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        assessor=enrolment.assessor,
        status=VisitStatus.RECORDED,
        outcome="confirmed",
    )
    with pytest.raises(CertificateError, match="No confirmed QA visit"):
        issue(enrolment, office, today=TODAY)
    QAVisit.objects.filter(pk=confirmed.pk).update(organisation=enrolment.organisation)
    assert issue(enrolment, office, today=TODAY)


def test_only_the_latest_visit_since_the_year_began_stands_behind_a_certificate():
    from certification.services.certificates import blockers

    made = award(qa=True)
    enrolment = ready(made)  # the academic year from September 2025

    def recorded(year, month, day, outcome):
        start = timezone.make_aware(datetime.datetime(year, month, day, 10))
        return QAVisit.objects.create(
            organisation=enrolment.organisation,
            award=made,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            assessor=enrolment.assessor,
            status=VisitStatus.RECORDED,
            outcome=outcome,
        )

    recorded(2025, 3, 1, "confirmed")  # the year before: does not count
    assert blockers(enrolment) == [
        f"No confirmed QA visit to {enrolment.organisation} for the {made} since September 2025."
    ]
    recorded(2026, 1, 10, "confirmed")
    assert blockers(enrolment) == []
    recorded(2026, 3, 2, "actions")  # a later visit found actions: it stands now
    assert blockers(enrolment) == [
        f"The latest QA visit to {enrolment.organisation} for the {made} (2 March 2026) "
        "found actions required; a later visit must confirm them."
    ]
    recorded(2026, 5, 4, "confirmed")  # the follow-up confirms
    assert blockers(enrolment) == []


def test_a_participant_without_a_name_gets_no_certificate_until_they_have_one(office):
    enrolment = ready(award())
    participant = enrolment.participant
    participant.first_name = participant.last_name = ""
    participant.save()
    # Otherwise their email would be printed, and shown to anyone who checks it.
    with pytest.raises(CertificateError, match="has no name"):
        issue(enrolment, office, today=TODAY)
    participant.first_name, participant.last_name = "Nia", "Jones"
    participant.save()
    assert issue(enrolment, office, today=TODAY).holder_name == "Nia Jones"


def test_an_award_needs_its_number_prefix_before_its_first_certificate(office):
    made = award(prefix=None)
    enrolment = ready(made)
    with pytest.raises(CertificateError, match="no certificate number prefix"):
        issue(enrolment, office, today=TODAY)
    made.number_prefix = "qzx"
    made.save()
    assert issue(enrolment, office, today=TODAY).number == "QZX-2026-0001"


def test_earlier_prefixes_are_kept_in_capitals_and_numbering_carries_on(office):
    """The data migration for prefixes made before they were stored and kept in capitals."""
    import importlib

    from django.apps import apps

    from certification.models import CertificateCounter

    migration = importlib.import_module("certification.migrations.0010_award_prefixes")
    unstored, lowercase = award(prefix="ABGDEZ"), award(prefix="TMPQ")
    issue(ready(unstored), office, today=TODAY)
    issue(ready(lowercase), office, today=TODAY)
    # As earlier code left them: one prefix never stored, one stored in small letters.
    Award.objects.filter(pk=unstored.pk).update(number_prefix=None)
    Award.objects.filter(pk=lowercase.pk).update(number_prefix="qqq")
    CertificateCounter.objects.filter(prefix="TMPQ").update(prefix="qqq")
    migration.prefixes_in_capitals_and_kept(apps, None)
    unstored.refresh_from_db()
    lowercase.refresh_from_db()
    assert (unstored.number_prefix, lowercase.number_prefix) == ("ABGDEZ", "QQQ")
    assert not CertificateCounter.objects.filter(prefix="qqq").exists()
    assert issue(ready(unstored), office, today=TODAY).number == "ABGDEZ-2026-0002"
    assert issue(ready(lowercase), office, today=TODAY).number == "QQQ-2026-0002"


@pytest.mark.parametrize(
    ("typed", "words"),
    [("tcc-1", "letters and digits only"), ("dup", "start with this already")],
)
def test_a_prefix_is_letters_and_digits_and_no_other_awards(typed, words):
    from django.core.exceptions import ValidationError

    award(prefix="DUP")
    made = award(prefix=None)
    made.number_prefix = typed
    with pytest.raises(ValidationError) as refused:
        made.full_clean()
    assert words in " ".join(refused.value.message_dict["number_prefix"])


def test_a_prefix_is_kept_in_capitals():
    made = award(prefix=None)
    made.number_prefix = "abc9"
    made.save()
    made.refresh_from_db()
    assert made.number_prefix == "ABC9"


def test_a_certificate_of_attendance_needs_no_recommendation(office):
    made = award(kind=AwardKind.ATTENDANCE)
    enrolment = ready(made, recommend=False)
    assert issue(enrolment, office, today=TODAY)


def test_numbers_run_per_award_and_year_and_a_refusal_takes_none(office):
    first, second = award(), award()
    a = issue(ready(first), office, today=TODAY)
    with pytest.raises(CertificateError):
        issue(ready(first, recommend=False), office, today=TODAY)
    b = issue(ready(first), office, today=TODAY)
    c = issue(ready(second), office, today=TODAY)
    d = issue(ready(first), office, today=datetime.date(2027, 1, 5))
    p1, p2 = first.number_prefix, second.number_prefix
    assert [a.number, b.number, c.number, d.number] == [
        f"{p1}-2026-0001",
        f"{p1}-2026-0002",
        f"{p2}-2026-0001",
        f"{p1}-2027-0001",
    ]
    assert len({a.code, b.code, c.code, d.code}) == 4


def test_reissue_keeps_number_and_code_and_records_why(office):
    enrolment = ready(award(), first="Grace", last="Holroy")
    certificate = issue(enrolment, office, today=TODAY)
    number, code = certificate.number, certificate.code
    reissue(certificate, office, reason="Surname misspelt", holder_name="Grace Holroyd")
    certificate.refresh_from_db()
    assert (certificate.number, certificate.code) == (number, code)
    assert certificate.holder_name == "Grace Holroyd" and certificate.revision == 1
    (change,) = certificate.changes.all()
    assert change.changes == {"holder_name": ["Grace Holroy", "Grace Holroyd"]}
    assert change.reason == "Surname misspelt" and change.by == office
    with pytest.raises(CertificateError, match="Nothing on the certificate would change"):
        reissue(certificate, office, reason="again", holder_name="Grace Holroyd")
    with pytest.raises(CertificateError, match="Say why"):
        reissue(certificate, office, reason=" ", holder_name="G. Holroyd")


def pdf_text(pdf):
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def qr_codes(pdf, tmp_path):
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(tmp_path / "c.pdf"),
            str(tmp_path / "c"),
        ],
        check=True,
    )
    return [code.text for code in zxingcpp.read_barcodes(Image.open(tmp_path / "c.png"))]


def test_the_pdf_shows_who_what_and_the_number_and_its_qr_code_verifies(office, tmp_path):
    enrolment = ready(award(), first="Mary-Jane", last="O'Brien")
    certificate = issue(enrolment, office, today=TODAY)
    pdf = render_certificate_pdf(certificate)
    text = pdf_text(pdf)
    for words in ("Mary-Jane O'Brien", certificate.award_name, certificate.number, "20 July 2026"):
        assert words in text
    url = verification_url(certificate)
    assert url == f"http://testserver/verify/{certificate.code}/"
    assert qr_codes(pdf, tmp_path) == [url]
    # Drawn again, it is the same document.
    assert render_certificate_pdf(certificate) == pdf


def test_the_verification_page_shows_what_the_certificate_shows_and_no_more(client, office):
    enrolment = ready(award(), first="Grace", last="Holroyd")
    certificate = issue(enrolment, office, today=TODAY)
    page = client.get(reverse("verify:certificate", args=[certificate.code]))
    html = page.content.decode()
    for words in ("Grace Holroyd", certificate.award_name, "Level 5", "20 July 2026", "Valid"):
        assert words in html
    for private in (
        enrolment.participant.email,
        enrolment.organisation.name,
        enrolment.assessor.email,
        f"/portfolio/{enrolment.pk}/",
        certificate.issued_by.get_full_name(),
    ):
        assert private not in html.replace(certificate.code, "")
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]


def test_a_revoked_certificate_says_so_with_date_and_reason(client, office):
    certificate = issue(ready(award()), office, today=TODAY)
    with pytest.raises(CertificateError, match="Say why"):
        revoke(certificate, office, reason="")
    revoke(certificate, office, reason="Issued in error")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    page = client.get(reverse("verify:certificate", args=[certificate.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Revoked" in html and "Issued in error" in html
    assert timezone.localdate().strftime("%-d %B %Y") in html
    unknown = client.get(reverse("verify:certificate", args=["x" * 32]))
    assert unknown.status_code == 404 and "not found" in unknown.content.decode()


def test_lookup_by_number_and_surname(client, office):
    certificate = issue(ready(award(), first="Anne", last="van der Berg"), office, today=TODAY)
    url = reverse("verify:lookup")
    found = client.get(url, {"number": certificate.number.lower(), "surname": "Van der Berg "})
    assert found["Location"] == reverse("verify:certificate", args=[certificate.code])
    for surname in ("Berg x", "Anne", ""):
        response = client.get(url, {"number": certificate.number, "surname": surname})
        assert response.status_code in (200, 404)
        assert "Location" not in response
    wrong_number = client.get(url, {"number": "XYZ-2026-0001", "surname": "van der Berg"})
    assert wrong_number.status_code == 404


@override_settings(VERIFY_LOOKUPS_PER_WINDOW=3)
def test_lookups_are_rate_limited(client, office):
    certificate = issue(ready(award()), office, today=TODAY)
    url = reverse("verify:certificate", args=[certificate.code])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429 and limited["Retry-After"] == "600"
    guess = client.get(reverse("verify:lookup"), {"number": "A-2026-0001", "surname": "B"})
    assert guess.status_code == 429
    # Another address is not held up.
    assert client.get(url, REMOTE_ADDR="10.0.0.9").status_code == 200


@override_settings(VERIFY_LOOKUPS_PER_WINDOW=3, TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_one_visitors_lookups_do_not_hold_up_another(client, office):
    certificate = issue(ready(award()), office, today=TODAY)
    url = reverse("verify:certificate", args=[certificate.code])

    def visit(address, claimed=""):
        forwarded = f"{claimed}, {address}" if claimed else address
        return client.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert [visit("203.0.113.5").status_code for _ in range(3)] == [200, 200, 200]
    # Claiming to be someone else in the header does not start a new count.
    assert visit("203.0.113.5", claimed="10.1.1.1").status_code == 429
    assert visit("198.51.100.7").status_code == 200


@pytest.mark.parametrize(
    ("who", "answer"),
    [
        ("holder", 200),
        ("office", 200),
        ("assessor", 404),
        ("other participant", 404),
        ("coaching lead", 404),
        ("signed out", 302),
    ],
)
def test_the_certificate_pdf_is_for_its_holder_and_the_office(client, office, who, answer):
    from certification.models import CoachingTeam

    enrolment = ready(award())
    certificate = issue(enrolment, office, today=TODAY)
    lead = person("lead@school.example")
    CoachingTeam.objects.create(organisation=enrolment.organisation).coaching_leads.add(lead)
    users = {
        "holder": enrolment.participant,
        "office": office,
        "assessor": enrolment.assessor,
        "other participant": person("other@school.example", roles.PARTICIPANTS),
        "coaching lead": lead,
    }
    if who in users:
        client.force_login(users[who])
    url = reverse("certification:certificate", args=[enrolment.pk])
    response = client.get(url)
    assert response.status_code == answer
    if answer == 200:
        assert response["Content-Type"] == "application/pdf"
        assert certificate.number in response["Content-Disposition"]
    if who == "holder":
        revoke(certificate, office, reason="Issued in error")
        assert client.get(url).status_code == 404
