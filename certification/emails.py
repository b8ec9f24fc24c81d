"""The emails certification sends, in HTML and plain text."""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Enrolment

logger = logging.getLogger(__name__)


def send_invitation(enrolment_id, *, new_account):
    enrolment = Enrolment.objects.select_related(
        "participant", "requirement_set__award", "assessor", "cohort__course"
    ).get(pk=enrolment_id)
    user = enrolment.participant
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    if new_account:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = base + reverse("accounts:password-reset-confirm", args=[uid, token])
    else:
        link = base + reverse("accounts:sign-in")
    context = {
        "enrolment": enrolment,
        "award": enrolment.requirement_set.award,
        "user": user,
        "link": link,
        "new_account": new_account,
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"Your portfolio for the {enrolment.requirement_set.award}",
        body=render_to_string("certification/emails/invitation.txt", context),
        to=[user.email],
        reply_to=[settings.OFFICE_EMAIL],
    )
    message.attach_alternative(
        render_to_string("certification/emails/invitation.html", context), "text/html"
    )
    message.send()
    logger.info("Sent a portfolio invitation to %s", user.email)
