"""Enrolling a cohort's delegates on an award in one action: each named delegate of a
confirmed booking becomes a participant (an account is made for them if they have none)
and gets an invitation email; doing it again enrols nobody twice."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles
from bookings.services.attendance import expected_delegates

from ..models import AuditAction, Enrolment
from ..tasks import invite_participant
from .portfolio import audit


def expected_participants(cohort):
    """The named delegates expected on the date (attendance.expected_delegates)."""
    return [d for d in expected_delegates(cohort) if d.email]


def _participant_for(delegate):
    users = get_user_model().objects
    user = users.filter(email__iexact=delegate.email).first()
    created = user is None
    if created:
        first, _, last = delegate.name.partition(" ")
        # No password: the invitation's link lets them choose one.
        user = users.create_user(email=delegate.email, first_name=first, last_name=last)
    user.groups.add(Group.objects.get(name=roles.PARTICIPANTS))
    return user, created


def enrol_cohort(cohort, requirement_set, *, assessor, academic_year, actor=None):
    """Enrol every named delegate of the cohort; returns the new enrolments. Each starts
    its audit trail with who enrolled it."""
    made = []
    with transaction.atomic():
        for delegate in expected_participants(cohort):
            user, new_account = _participant_for(delegate)
            if Enrolment.objects.filter(
                participant=user, requirement_set__award=requirement_set.award, cohort=cohort
            ).exists():
                continue
            enrolment = Enrolment.objects.create(
                participant=user,
                requirement_set=requirement_set,
                cohort=cohort,
                delegate=delegate,
                organisation=delegate.booking.organisation,
                assessor=assessor,
                academic_year=academic_year,
            )
            audit(
                enrolment,
                AuditAction.ENROLLED,
                actor,
                note=f"On {requirement_set} from {cohort.course.title}, "
                f"{cohort.starts_at:%d/%m/%Y}.",
            )
            made.append((enrolment, new_account))
        for enrolment, new_account in made:
            transaction.on_commit(
                lambda e=enrolment.pk, n=new_account: invite_participant.enqueue(e, n)
            )
    return [enrolment for enrolment, _ in made]
