"""Bookers who sign up while booking: an account and an organisation in one step."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts import roles

from ..models import Booker, Organisation


@transaction.atomic
def register_booker(*, account, organisation):
    """Create the user (email not yet confirmed), their organisation and booker profile.

    `account` holds first_name, last_name, email, password_hash, job_title and phone;
    `organisation` the new organisation's fields.
    """
    user = get_user_model().objects.create(
        email=account["email"],
        first_name=account["first_name"],
        last_name=account["last_name"],
        password=account["password_hash"],
    )
    user.groups.add(Group.objects.get(name=roles.SCHOOL_BOOKERS))
    org = Organisation.objects.create(**organisation)
    return Booker.objects.create(
        user=user,
        organisation=org,
        job_title=account.get("job_title", ""),
        phone=account.get("phone", ""),
    )


@transaction.atomic
def make_booker(user, *, organisation):
    """Someone with an account (a participant, say) who books for the first time. They
    proved their email address when they first signed in."""
    user.groups.add(Group.objects.get(name=roles.SCHOOL_BOOKERS))
    org = Organisation.objects.create(**organisation)
    return Booker.objects.create(user=user, organisation=org, email_confirmed_at=timezone.now())


def confirm_email(booker, *, now=None):
    if booker.email_confirmed_at is None:
        booker.email_confirmed_at = now or timezone.now()
        booker.save(update_fields=["email_confirmed_at"])
    return booker
