"""In the browser, the year's end (issue 10): the assessor records a confirmed QA visit on
a 375 px phone; an admin issues a cohort's certificates in one go in the Wagtail admin;
a participant downloads their certificate, whose text shows their name, the award and
the number and whose QR code leads to its verification page; an anonymous visitor checks
it by that link and by number and surname; the admin revokes it and the verification
page says so, with the date and the reason. Every public page passes axe and no phone
page scrolls sideways; the Wagtail admin's pages pass axe too."""

import datetime
import re
import subprocess
from urllib.parse import quote, urlsplit

import pytest
import zxingcpp
from django.core import mail
from django.utils import timezone
from PIL import Image

from accounts import roles
from certification.models import (
    AuditAction,
    BatchStatus,
    Certificate,
    CertificateBatch,
    EnrolmentStatus,
    QAVisit,
    VisitOutcome,
    VisitStatus,
)
from tests.bookings import factories

from ..certification.certificates_world import award as make_award
from ..certification.certificates_world import ready
from .conftest import PASSWORD
from .test_portfolio_journey import DESKTOP, PHONE, Journey, field, flash, member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COHORT_TITLE = "Year-end browser test"


def described(page, term):
    """The text of the <dd> after the <dt> saying `term`."""
    dt = page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$"))
    return dt.locator("xpath=following-sibling::dd[1]").inner_text().strip()


def look_at_admin(journey, page, step):
    """A Wagtail admin page, once its messages have faded in: halfway through the fade
    (0.5 s, after 0.1 s) axe measures the white on green as too faint."""
    page.wait_for_function(
        """() => {
            const list = document.querySelector('.messages > ul');
            return !list || !list.querySelector('li') || getComputedStyle(list).opacity === '1';
        }"""
    )
    journey.look(page, step)


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def long_date(day):
    return f"{day.day} {day:%B %Y}"  # the templates' "j F Y"


def pdf_text(path):
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def qr_codes(pdf, folder):
    """The text of every QR code on page 1 of the PDF, drawn at 150 dpi."""
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(folder / "page")],
        check=True,
    )
    (image,) = folder.glob("page*.png")
    return [
        found.text
        for found in zxingcpp.read_barcodes(Image.open(image))
        if found.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_years_end_from_qa_visit_to_revoked_certificate(
    site, browser, axe_source, settings, tmp_path
):
    # Absolute links (the PDF's QR code and printed address) lead to the live server.
    settings.WAGTAILADMIN_BASE_URL = site.url
    now = timezone.now()
    today = timezone.localdate()
    award = make_award(qa=True)
    cohort = factories.cohort(title=COHORT_TITLE)
    school = factories.organisation("Northlight Primary (browser test)")
    asa = member("asa@provider.example", roles.ASSESSORS, "Asa", "Assessor")
    olu = member("olu@provider.example", roles.PROVIDER_ADMINS, "Olu", "Office")
    enrolments = [
        ready(award, cohort=cohort, assessor=asa, school=school, first=first, last=last)
        for first, last in (("Nia", "Okafor"), ("Tom", "Baxter"), ("Ada", "Quinn"))
    ]
    for enrolment in enrolments:
        with_password(enrolment.participant)
    nia = enrolments[0]
    visit = QAVisit.objects.create(
        organisation=school,
        award=award,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
        assessor=asa,
    )
    visit.to_see.set(enrolments)
    mail.outbox.clear()

    journey = Journey(browser, site, axe_source)
    try:
        # 1. The assessor, on a phone at the school, records a confirmed visit.
        phone = journey.open(PHONE)
        journey.sign_in(phone, asa.email, "/qa-visits/", "assessor")
        phone.wait_for_url("**/qa-visits/")
        journey.look(phone, "assessor: QA visits")
        coming_up = phone.get_by_role("region", name="Coming up")
        coming_up.get_by_role("link", name=f"{school.name}: {award.name}").click()
        phone.wait_for_url(f"**/qa-visits/{visit.pk}/")
        journey.look(phone, "assessor: the visit")
        assert set(described(phone, "To be seen").split(", ")) == {
            "Nia Okafor",
            "Tom Baxter",
            "Ada Quinn",
        }
        phone.get_by_role("link", name="Record the visit").click()
        phone.wait_for_url(f"**/qa-visits/{visit.pk}/record/")
        journey.look(phone, "assessor: record the visit")
        # The participants to be seen are ticked as sampled already.
        for enrolment in enrolments:
            name = enrolment.participant.get_full_name()
            assert phone.get_by_label(re.compile(re.escape(name) + r" \(")).is_checked()
        field(phone, "Who attended").fill(
            "Ruth Dennison (deputy head, impact lead)\nNia Okafor, Tom Baxter, Ada Quinn"
        )
        field(phone, "Evidence seen").fill("Three coaching diaries and the reflective logs.")
        field(phone, "Findings").fill("Coaching is well established across the school.")
        phone.get_by_label("Confirmed", exact=True).check()
        journey.look(phone, "assessor: record the visit, filled in")
        phone.get_by_role("button", name="Record the visit").click()
        phone.wait_for_url(f"**/qa-visits/{visit.pk}/")
        assert "The visit is recorded." in flash(phone)
        assert described(phone, "Status") == "Recorded: confirmed"
        found = phone.get_by_role("region", name="What the visit found")
        assert "Coaching is well established" in found.inner_text()
        journey.look(phone, "assessor: the visit, recorded")

        # 2. The admin issues the cohort's certificates in the Wagtail admin.
        admin = journey.open(DESKTOP)
        journey.sign_in(admin, olu.email, "/admin/", "admin")
        admin.wait_for_url("**/admin/")
        look_at_admin(journey, admin, "admin: dashboard")
        admin.goto(f"{site.url}/admin/bookings/cohorts/?q={quote(COHORT_TITLE)}")
        look_at_admin(journey, admin, "admin: cohorts")
        (row,) = admin.locator("tbody tr", has_text=COHORT_TITLE).all()
        row.get_by_role("button", name=re.compile("^More options")).click()
        row.get_by_role("link", name="Issue certificates").click()
        admin.wait_for_url(f"**/admin/certification/certificates/issue/{cohort.pk}/")
        assert admin.get_by_role("heading", name="Issue certificates").is_visible()
        look_at_admin(journey, admin, "admin: issue certificates")
        admin.get_by_label("Award").select_option(label=award.name)
        admin.get_by_role("button", name="Approve and issue").click()
        admin.wait_for_url("**/admin/certification/certificates/batch/*/")
        look_at_admin(journey, admin, "admin: the batch")
        assert admin.locator('meta[http-equiv="refresh"]').count() == 0  # finished
        progress = admin.locator("main").get_by_role("status").filter(has_text="issued")
        assert progress.inner_text().strip() == "Finished: 3 issued, of 3."
        issued = admin.get_by_role("heading", name="Issued for this date")
        numbers = {}  # "TCC1-2026-0002: Nia Okafor (25 Nov 2026)"
        for line in issued.locator("xpath=following-sibling::ul[1]/li").all_inner_texts():
            number, holder = re.fullmatch(r"(\S+): (.+) \(.+\)", line.strip()).groups()
            numbers[holder] = number
        assert set(numbers) == {"Nia Okafor", "Tom Baxter", "Ada Quinn"}
        prefix = f"{award.number_prefix}-{today.year}-"
        assert sorted(numbers.values()) == [f"{prefix}{n:04d}" for n in (1, 2, 3)]
        number = numbers["Nia Okafor"]

        # 3. The participant downloads the certificate from the portfolio.
        own = journey.open(PHONE)
        journey.sign_in(own, nia.participant.email, "/portfolio/", "participant")
        own.wait_for_url(f"**/portfolio/{nia.pk}/")  # their only portfolio
        journey.look(own, "participant: portfolio")
        heading = own.get_by_role("heading", name=f"Your certificate {number}")
        assert heading.is_visible()
        with own.expect_download() as download:
            own.get_by_role("link", name="Download the certificate (PDF)").click()
        assert download.value.suggested_filename == f"{number}.pdf"
        pdf = tmp_path / "certificate.pdf"
        download.value.save_as(pdf)
        text = " ".join(pdf_text(pdf).split())
        for shown in ("Nia Okafor", award.name, number):
            assert shown in text, f"{shown!r} not in the certificate's text: {text}"
        (url,) = qr_codes(pdf, tmp_path)
        certificate = Certificate.objects.get(number=number)
        assert url == f"{site.url}/verify/{certificate.code}/"

        # 4. Anyone, on a phone, follows the QR code, then checks by number and surname.
        visitor = journey.open(PHONE)
        visitor.goto(site.url + urlsplit(url).path)
        journey.look(visitor, "visitor: the certificate, by its code")

        def shown_on_the_verification_page():
            rows = visitor.locator("dl dt").all_inner_texts()
            values = visitor.locator("dl dd").all_inner_texts()
            return dict(zip((r.strip() for r in rows), (v.strip() for v in values), strict=True))

        assert visitor.get_by_role("heading", name=f"Certificate {number}").is_visible()
        assert "Valid: issued by" in visitor.get_by_role("status").inner_text()
        assert shown_on_the_verification_page() == {
            "Holder": "Nia Okafor",
            "Award": award.name,
            "Level or phase": "Level 5",
            "Date of issue": long_date(today),
            "Status": "Valid",
        }
        visitor.get_by_role("link", name="Check another certificate").click()
        visitor.wait_for_url("**/verify/")
        journey.look(visitor, "visitor: check a certificate")
        field(visitor, "Certificate number").fill(number.lower())
        field(visitor, "Holder's surname").fill("okafor")
        visitor.get_by_role("button", name="Check").click()
        visitor.wait_for_url(url)
        assert "Valid: issued by" in visitor.get_by_role("status").inner_text()
        journey.look(visitor, "visitor: the certificate, by number and surname")

        # 5. The admin revokes it; the verification page and the portfolio say so.
        admin.goto(f"{site.url}/admin/certification/certificates/revoke/{certificate.pk}/")
        look_at_admin(journey, admin, "admin: revoke")
        admin.get_by_label("Reason").fill("Issued in error")
        admin.get_by_role("button", name="Revoke the certificate").click()
        admin.wait_for_url("**/admin/certification/certificates/")
        assert admin.get_by_text(f"Certificate {number} is revoked.").is_visible()
        look_at_admin(journey, admin, "admin: certificates")

        visitor.reload()
        notice = visitor.get_by_role("status").inner_text()
        assert "Revoked" in notice
        assert f"revoked on {long_date(today)}. Reason: Issued in error" in notice
        assert shown_on_the_verification_page()["Status"] == "Revoked"
        journey.look(visitor, "visitor: the certificate, revoked")

        own.reload()
        assert own.get_by_text(f"Revoked on {long_date(today)}: Issued in error").is_visible()
        assert own.get_by_role("link", name="Download the certificate (PDF)").count() == 0
        journey.look(own, "participant: portfolio, revoked")
    finally:
        journey.close()

    # The database agrees with what the pages said.
    visit.refresh_from_db()
    assert (visit.status, visit.outcome, visit.recorded_by) == (
        VisitStatus.RECORDED,
        VisitOutcome.CONFIRMED,
        asa,
    )
    assert set(visit.sampled.all()) == set(enrolments)
    batch = CertificateBatch.objects.get()
    assert (batch.status, batch.total, batch.issued, batch.refused) == (
        BatchStatus.DONE,
        3,
        3,
        [],
    )
    assert batch.requested_by == olu
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        assert enrolment.status == EnrolmentStatus.AWARDED
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == olu
    assert certificate.revoked_reason == "Issued in error"
    assert list(nia.audit.values_list("action", flat=True))[-2:] == [
        AuditAction.AWARDED,
        AuditAction.REVOKED,
    ]
    # Each holder was emailed that their certificate is ready. (The live server runs in
    # this process, so its locmem outbox is this one.)
    ready_mail = [m for m in mail.outbox if m.subject.startswith("Your certificate")]
    assert sorted(m.to[0] for m in ready_mail) == sorted(e.participant.email for e in enrolments)

    # Every public page seen passes axe and, on the phone, fits the screen's width.
    assert journey.pages_checked >= 20
    assert journey.problems == [], "\n".join(journey.problems)
