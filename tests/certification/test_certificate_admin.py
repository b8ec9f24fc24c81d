"""The office issues a cohort's certificates in one go (in the background, with a
progress page), and revokes or reissues one; nobody else reaches these pages."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import roles
from certification.models import BatchStatus, Certificate, CertificateBatch
from tests.bookings import factories

from .certificates_world import award, ready
from .portfolio_world import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return person("office@provider.example", roles.PROVIDER_ADMINS, "Olu", "Office")


def test_the_office_issues_a_cohorts_certificates_and_sees_who_was_not_ready(
    client, office, django_capture_on_commit_callbacks
):
    made = award()
    cohort = factories.cohort()
    ready_ones = [ready(made, cohort=cohort, first="Ready", last=f"R{n}") for n in range(3)]
    not_ready = ready(made, cohort=cohort, recommend=False, first="Notyet", last="Done")
    ready(made, first="Other", last="Cohort")  # another date: not in this batch
    client.force_login(office)
    url = reverse("certification_certificates:issue", args=[cohort.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert list(form.context["form"].fields["award"].queryset) == [made]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"award": made.pk})
    batch = CertificateBatch.objects.get()
    assert response["Location"] == reverse("certification_certificates:batch", args=[batch.pk])
    assert (batch.status, batch.total, batch.issued) == (BatchStatus.DONE, 4, 3)
    assert [row["name"] for row in batch.refused] == ["Notyet Done"]
    assert "not recommended" in batch.refused[0]["reasons"][0]
    issued_to = set(Certificate.objects.filter(award=made).values_list("enrolment_id", flat=True))
    assert issued_to == {e.pk for e in ready_ones}
    assert not Certificate.objects.filter(enrolment=not_ready).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.participant.email for e in ready_ones)
    assert all(m.subject.startswith("Your certificate") for m in mail.outbox)
    page = client.get(response["Location"]).content.decode()
    assert "3 issued, 1 not issued, of 4" in page and "Notyet Done" in page
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing


def test_a_failure_nobody_foresaw_is_listed_and_the_batch_still_finishes(
    client, office, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from certification.services import certificates

    made = award()
    cohort = factories.cohort()
    fine = ready(made, cohort=cohort, first="Ada", last="Fine")
    broken = ready(made, cohort=cohort, first="Bea", last="Broken")
    issue = certificates.issue

    def issue_or_fail(enrolment, *args, **kwargs):
        if enrolment.pk == broken.pk:
            raise ConnectionError("the database went away")
        return issue(enrolment, *args, **kwargs)

    monkeypatch.setattr(certificates, "issue", issue_or_fail)
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("certification_certificates:issue", args=[cohort.pk]), {"award": made.pk}
        )
    batch = CertificateBatch.objects.get()
    assert (batch.status, batch.issued) == (BatchStatus.DONE, 1)
    assert batch.refused == [
        {"enrolment": broken.pk, "name": "Bea Broken", "reasons": [certificates.UNEXPECTED]}
    ]
    assert Certificate.objects.filter(enrolment=fine).exists()
    assert "the database went away" in caplog.text  # for the developers, not the page
    page = client.get(reverse("certification_certificates:batch", args=[batch.pk]))
    assert "Something went wrong" in page.content.decode()
    assert "database went away" not in page.content.decode()


def test_a_batch_run_again_after_a_stop_lists_each_refusal_once(office):
    from certification.services.certificates import run_batch

    made = award()
    cohort = factories.cohort()
    ready(made, cohort=cohort, first="Ready", last="One")
    ready(made, cohort=cohort, recommend=False, first="Notyet", last="Done")
    batch = CertificateBatch.objects.create(cohort=cohort, award=made, requested_by=office, total=2)
    run_batch(batch.pk)
    # The worker stopped before it could mark the batch finished; it runs it again.
    CertificateBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    batch = run_batch(batch.pk)
    assert (batch.status, batch.issued) == (BatchStatus.DONE, 1)
    assert [row["name"] for row in batch.refused] == ["Notyet Done"]


def test_a_mail_failure_does_not_stop_the_batch(office, caplog):
    from certification.services.certificates import run_batch

    made = award()
    cohort = factories.cohort()
    for n in range(2):
        ready(made, cohort=cohort, first="Ready", last=f"R{n}")
    batch = CertificateBatch.objects.create(cohort=cohort, award=made, requested_by=office, total=2)

    def mail_down(certificate_id):
        raise ConnectionRefusedError("the mail server said no")

    batch = run_batch(batch.pk, on_issued=mail_down)
    assert (batch.status, batch.issued, batch.refused) == (BatchStatus.DONE, 2, [])
    assert caplog.text.count("telling the holder failed") == 2


def test_each_holders_email_is_a_task_of_its_own(office, monkeypatch):
    from certification import tasks

    queued = []
    monkeypatch.setattr(
        tasks, "certificate_ready", type("Fake", (), {"enqueue": staticmethod(queued.append)})
    )
    made = award()
    cohort = factories.cohort()
    for n in range(2):
        ready(made, cohort=cohort, first="Ready", last=f"R{n}")
    batch = CertificateBatch.objects.create(cohort=cohort, award=made, requested_by=office, total=2)
    tasks.issue_certificates.call(batch.pk)
    issued = Certificate.objects.filter(award=made).order_by("pk")
    assert sorted(queued) == [c.pk for c in issued] and len(queued) == 2


def test_revoke_and_reissue_from_the_admin(client, office):
    from certification.services.certificates import issue

    certificate = issue(ready(award(), first="Grace", last="Holroy"), office)
    client.force_login(office)
    reissue_url = reverse("certification_certificates:reissue", args=[certificate.pk])
    refused = client.post(reissue_url, {"holder_name": "Grace Holroyd", "reason": ""})
    assert "reason" in refused.context["form"].errors
    client.post(
        reissue_url,
        {"holder_name": "Grace Holroyd", "level": "Level 5", "reason": "Misspelt"},
    )
    certificate.refresh_from_db()
    assert certificate.holder_name == "Grace Holroyd" and certificate.revision == 1
    revoke_url = reverse("certification_certificates:revoke", args=[certificate.pk])
    assert "reason" in client.post(revoke_url, {"reason": ""}).context["form"].errors
    client.post(revoke_url, {"reason": "Issued in error"})
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == office
    index = client.get(reverse("certification_certificates:index")).content.decode()
    assert certificate.number in index


@pytest.mark.parametrize("role", [None, roles.EDITORS, roles.ASSESSORS, roles.PARTICIPANTS])
def test_only_the_office_issues_revokes_or_reissues(client, office, role):
    from certification.services.certificates import issue

    cohort = factories.cohort()
    made = award()
    certificate = issue(ready(made, cohort=cohort), office)
    ready(made, cohort=cohort)
    client.force_login(person("someone@example.com", role))
    urls = [
        reverse("certification_certificates:index"),
        reverse("certification_certificates:issue", args=[cohort.pk]),
        reverse("certification_certificates:revoke", args=[certificate.pk]),
        reverse("certification_certificates:reissue", args=[certificate.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code in (302, 403), url
        client.post(url, {"award": made.pk, "reason": "x", "holder_name": "x"})
    certificate.refresh_from_db()
    assert not certificate.is_revoked and certificate.revision == 0
    assert not CertificateBatch.objects.exists()
