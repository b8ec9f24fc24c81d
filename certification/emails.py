"""The emails certification sends, in HTML and plain text."""

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bookings.emails import absolute, send_email

from .models import Enrolment


def send_invitation(enrolment_id, *, new_account):
    enrolment = Enrolment.objects.select_related(
        "participant", "requirement_set__award", "assessor", "cohort__course"
    ).get(pk=enrolment_id)
    user = enrolment.participant
    if new_account:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = absolute(reverse("accounts:password-reset-confirm", args=[uid, token]))
    else:
        link = absolute(reverse("accounts:sign-in"))
    send_email(
        "invitation",
        {
            "enrolment": enrolment,
            "award": enrolment.requirement_set.award,
            "user": user,
            "link": link,
            "new_account": new_account,
        },
        to=[user.email],
        folder="certification/emails",
    )
