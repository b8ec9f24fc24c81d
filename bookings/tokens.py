"""Signed links in emails: a new booker confirms their email address with one."""

from django.core import signing

EMAIL_CONFIRMATION_SALT = "bookings.confirm-email"
# Longer than the hold on their places, so that a late click still says something useful.
EMAIL_CONFIRMATION_MAX_AGE = 7 * 24 * 60 * 60


def email_confirmation_token(user):
    return signing.dumps({"user": user.pk, "email": user.email}, salt=EMAIL_CONFIRMATION_SALT)


def read_email_confirmation_token(token):
    """The (user id, email) the token was made for, or None if it is forged or too old."""
    try:
        data = signing.loads(
            token, salt=EMAIL_CONFIRMATION_SALT, max_age=EMAIL_CONFIRMATION_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return data.get("user"), data.get("email")
