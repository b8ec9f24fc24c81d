"""Background work for certification, run by django-tasks' worker (immediately in tests)."""

from django_tasks import task

from .emails import send_invitation, send_step, send_visit
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
def issue_certificates(batch_id):
    run_batch(batch_id)
