"""Issuing, revoking and reissuing certificates.

A certificate is issued when every requirement is met, the award is recommended (and
moderated where the requirements say so), a QA visit to the school for the award is
confirmed where required, and an admin approves by issuing it. Certificates of
attendance ask only for the training attended.

Numbers run per award prefix and year without gaps (CCC-2026-0007): the counter row is
locked for the issuing transaction, so concurrent issues take turns and a rollback gives
the number back. The verification code is random and never changes, not even on reissue.
"""

import logging
import secrets

from django.db import transaction
from django.utils import timezone

from bookings.services.numbering import take_next

from ..emails import send_certificate_ready
from ..models import (
    STATUS_LIST_LENGTH,
    AuditAction,
    AwardKind,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateChange,
    CertificateCounter,
    CertificateStatus,
    Enrolment,
    EnrolmentStatus,
    ModerationOutcome,
    SubmissionOutcome,
)
from .portfolio import audit
from .progress import progress
from .visits import confirmed_visit, latest_recorded_visit, year_start

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """Why a certificate cannot be issued (or changed), in words for the admin."""

    def __init__(self, reasons):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))


def free_status_index():
    """A place on the revocation list no certificate holds, chosen at random."""
    for _ in range(50):
        index = secrets.randbelow(STATUS_LIST_LENGTH)
        if not Certificate.objects.filter(status_index=index).exists():
            return index
    raise CertificateError(["The revocation list is full: it needs to be made longer."])


def next_number(award, year):
    prefix = award.number_prefix
    return f"{prefix}-{year}-{take_next(CertificateCounter, prefix, year):04d}"


def blockers(enrolment):
    """What stands between this enrolment and its certificate (empty: nothing)."""
    needs = enrolment.requirement_set
    award = needs.award
    reasons = []
    if hasattr(enrolment, "certificate"):
        return [f"A certificate is already issued: {enrolment.certificate.number}."]
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return ["The participant has withdrawn."]
    if not enrolment.participant.get_full_name():
        # The certificate, and the public page that checks it, would show their email.
        reasons.append("The participant's account has no name: add it before issuing.")
    if not award.number_prefix:
        reasons.append(
            f"The {award} has no certificate number prefix: set one on the award (e.g. CCC)."
        )
    state = progress(enrolment)
    unmet = [item.label for item in state.items() if not item.met]
    if unmet:
        reasons.append("Requirements not met: " + ", ".join(unmet) + ".")
    if award.kind != AwardKind.ATTENDANCE:
        latest = enrolment.submissions.order_by("-number").first()
        if latest is None or latest.outcome != SubmissionOutcome.RECOMMENDED:
            reasons.append("The assessor has not recommended the award.")
        elif needs.moderation_required and latest.moderation != ModerationOutcome.AGREED:
            reasons.append("A moderator has not yet agreed the recommendation.")
    if needs.qa_visit_required:
        if enrolment.organisation_id is None:
            reasons.append("A QA visit is required, and the participant has no school.")
        else:
            reasons.extend(_visit_blockers(enrolment, award))
    return reasons


def _visit_blockers(enrolment, award):
    """The QA visit that must stand behind the certificate: the latest recorded visit to
    the school for the award since the enrolment's academic year began, confirmed."""
    since = year_start(enrolment.academic_year)
    if confirmed_visit(enrolment.organisation, award, since=since) is not None:
        return []
    latest = latest_recorded_visit(enrolment.organisation, award, since=since)
    if latest is not None:
        day = timezone.localtime(latest.starts_at).date()
        return [
            f"The latest QA visit to {enrolment.organisation} for the {award} "
            f"({day:%-d %B %Y}) found actions required; a later visit must confirm them."
        ]
    return [
        f"No confirmed QA visit to {enrolment.organisation} for the {award} since {since:%B %Y}."
    ]


def level_of(award):
    if award.kind == AwardKind.FRAMEWORK_PHASE:
        return award.level or "Recognition Framework phase"
    return award.level


def issue(enrolment, actor, *, today=None):
    """Issue the enrolment's certificate, or raise CertificateError saying why not."""
    today = today or timezone.localdate()
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("participant", "requirement_set__award", "organisation")
            .get(pk=enrolment.pk)
        )
        reasons = blockers(enrolment)
        if reasons:
            raise CertificateError(reasons)
        award = enrolment.requirement_set.award
        participant = enrolment.participant
        certificate = Certificate.objects.create(
            status_index=free_status_index(),
            enrolment=enrolment,
            award=award,
            number=next_number(award, today.year),
            holder_name=participant.get_full_name(),
            award_name=award.name,
            level=level_of(award),
            issued_on=today,
            issued_by=actor,
        )
        enrolment.status = EnrolmentStatus.AWARDED
        enrolment.save(update_fields=["status"])
        audit(enrolment, AuditAction.AWARDED, actor, note=certificate.number)
    return certificate


def revoke(certificate, actor, *, reason):
    if not reason.strip():
        raise CertificateError("Say why the certificate is revoked: the reason is shown.")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.is_revoked:
            raise CertificateError("This certificate is already revoked.")
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason.strip()
        certificate.revoked_by = actor
        certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
        audit(certificate.enrolment, AuditAction.REVOKED, actor, note=reason.strip())
    return certificate


REISSUABLE = ("holder_name", "award_name", "level", "issued_on")


def reissue(certificate, actor, *, reason, **corrections):
    """Correct what the certificate says (a misspelt name, say). The number and the
    verification code stay; the change and its reason are recorded."""
    unknown = set(corrections) - set(REISSUABLE)
    if unknown:
        raise TypeError(f"Not certificate fields: {', '.join(sorted(unknown))}")
    if not reason.strip():
        raise CertificateError("Say why the certificate is reissued.")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.is_revoked:
            raise CertificateError("A revoked certificate is not reissued.")
        changes = {
            name: [str(getattr(certificate, name)), str(value)]
            for name, value in corrections.items()
            if getattr(certificate, name) != value
        }
        if not changes:
            raise CertificateError("Nothing on the certificate would change.")
        for name in changes:
            setattr(certificate, name, corrections[name])
        certificate.revision += 1
        certificate.save(update_fields=[*changes, "revision"])
        CertificateChange.objects.create(
            certificate=certificate, changes=changes, reason=reason.strip(), by=actor
        )
        audit(certificate.enrolment, AuditAction.REISSUED, actor, note=reason.strip())
    return certificate


def cohort_enrolments(cohort, award):
    return (
        Enrolment.objects.filter(cohort=cohort, requirement_set__award=award)
        .select_related("participant", "requirement_set__award", "organisation")
        .order_by("participant__last_name", "participant__first_name", "pk")
    )


# Shown for a participant whose certificate failed for a reason nobody foresaw: the
# error itself goes to the log, not to the page.
UNEXPECTED = (
    "Something went wrong while issuing this certificate, and nothing was issued. "
    "Issue the cohort's certificates again; if it happens again, tell the developers."
)


def run_batch(batch_id, *, today=None, on_issued=send_certificate_ready):
    """Issue each certificate of the batch in its own transaction, counting as it goes,
    and tell each holder that theirs is ready (`on_issued(certificate_id)`: the task
    queues that email on its own, so a mail failure never stops the batch).

    One participant's failure, foreseen (not ready) or not (a bug, a lost connection),
    is listed against them and the batch goes on, so the progress page always reaches
    its end. A batch run again (the worker restarted) carries on where it stopped."""
    batch = CertificateBatch.objects.select_related("cohort", "award", "requested_by").get(
        pk=batch_id
    )
    if batch.status == BatchStatus.DONE:
        return batch
    # Run again (the worker stopped part way), it retries those it refused before, so
    # they are listed afresh; those issued are done and counted already.
    batch.refused = []
    CertificateBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, refused=[])
    waiting = cohort_enrolments(batch.cohort, batch.award).exclude(certificate__isnull=False)
    for enrolment in waiting:
        try:
            certificate = issue(enrolment, batch.requested_by, today=today)
        except CertificateError as error:
            reasons = error.reasons
        except Exception:
            logger.exception("Certificate batch %s: enrolment %s failed", batch.pk, enrolment.pk)
            reasons = [UNEXPECTED]
        else:
            batch.issued += 1
            CertificateBatch.objects.filter(pk=batch.pk).update(issued=batch.issued)
            try:
                on_issued(certificate.pk)
            except Exception:  # the certificate stands; only the email is lost, and logged
                logger.exception("Certificate %s: telling the holder failed", certificate.pk)
            continue
        batch.refused.append(
            {
                "enrolment": enrolment.pk,
                "name": enrolment.participant.get_full_name() or enrolment.participant.email,
                "reasons": reasons,
            }
        )
        CertificateBatch.objects.filter(pk=batch.pk).update(refused=batch.refused)
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DONE, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch
