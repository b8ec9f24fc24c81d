"""Certificates for a whole cohort, queued: the admin's request returns at once and the
batch's page shows how far the background work has got."""

from django.db import transaction

from ..models import CertificateBatch
from ..tasks import issue_certificates
from .certificates import cohort_enrolments


def start_batch(cohort, award, actor):
    """Queue certificates for everyone on the cohort enrolled on the award; returns the
    batch at once, the work runs in the background (tasks.issue_certificates)."""
    with transaction.atomic():
        batch = CertificateBatch.objects.create(
            cohort=cohort,
            award=award,
            requested_by=actor,
            total=cohort_enrolments(cohort, award).exclude(certificate__isnull=False).count(),
        )
        transaction.on_commit(lambda: issue_certificates.enqueue(batch.pk))
    return batch
