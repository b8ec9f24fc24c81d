"""Background work for certification, run by django-tasks' worker (immediately in tests)."""

from django_tasks import task

from .emails import send_certificate_ready, send_invitation, send_step, send_visit
from .services.certificates import run_batch


@task()
def invite_participant(enrolment_id, new_account):
    send_invitation(enrolment_id, new_account=new_account)


@task()
def notify_step(submission_id, action):
    send_step(submission_id, action)


@task()
def announce_visit(visit_id, change):
    send_visit(visit_id, change=change)


@task()
def certificate_ready(certificate_id):
    send_certificate_ready(certificate_id)


@task()
def issue_certificates(batch_id):
    # Each holder's email is a task of its own: a mail server's hiccup is retried on its
    # own and never stops the batch.
    run_batch(batch_id, on_issued=certificate_ready.enqueue)
