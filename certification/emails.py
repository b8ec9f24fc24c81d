"""The emails certification sends, in HTML and plain text."""

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bookings.emails import absolute, send_email

from .models import Certificate, Enrolment, QAVisit
from .qa_calendar import recipients, visit_calendar


def send_invitation(enrolment_id, *, new_account):
    enrolment = Enrolment.objects.select_related(
        "participant", "requirement_set__award", "assessor", "cohort__course"
    ).get(pk=enrolment_id)
    user = enrolment.participant
    if new_account:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = absolute(reverse("certification:welcome", args=[uid, token]))
    else:
        portfolio = reverse("certification:portfolio", args=[enrolment.pk])
        link = absolute(f"{reverse('accounts:sign-in')}?next={portfolio}")
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


# What each step says, to the participant and to the assessor.
STEP_WORDS = {
    "submitted": (
        "Your portfolio is submitted",
        "Your portfolio for the {award} is submitted (submission {number}). Your assessor "
        "will mark what you submitted; you can go on working in your portfolio meanwhile.",
        "A portfolio to assess",
        "{participant} has submitted their portfolio for the {award} (submission {number}).",
    ),
    "referred": (
        "Your portfolio is referred back",
        "Your assessor has referred your portfolio for the {award} back to you with "
        "feedback on each requirement. Revise it and submit it again.",
        "A portfolio you assess is referred back",
        "{decider} referred {participant}'s portfolio for the {award} back (submission {number}).",
    ),
    "recommended": (
        "Your assessor recommends your award",
        "Your assessor has recommended you for the {award}. A moderator may look at the "
        "recommendation before the award is made.",
        "A portfolio you assess is recommended",
        "{decider} recommended {participant} for the {award} (submission {number}).",
    ),
    "agreed": (
        "Your recommendation is confirmed",
        "The moderator has agreed your assessor's recommendation for the {award}.",
        "Moderation agreed your recommendation",
        "The moderator agreed your recommendation of {participant} for the {award}.",
    ),
    "returned": (
        "Your portfolio is back with your assessor",
        "The moderator has asked your assessor to look again at your portfolio for the "
        "{award}. You will hear when they have decided.",
        "Moderation returned a recommendation",
        "The moderator returned your recommendation of {participant} for the {award}: {note}",
    ),
}


def send_step(submission_id, action):
    from .models import Submission

    submission = Submission.objects.select_related(
        "enrolment__participant",
        "enrolment__assessor",
        "enrolment__requirement_set__award",
        "decided_by",
    ).get(pk=submission_id)
    enrolment = submission.enrolment
    words = STEP_WORDS[action]
    values = {
        "award": enrolment.requirement_set.award.name,
        "number": submission.number,
        "participant": enrolment.participant.get_full_name() or enrolment.participant.email,
        "note": submission.moderation_note,
        "decider": "You"
        if submission.decided_by_id == enrolment.assessor_id
        else (submission.decided_by.get_full_name() or submission.decided_by.email)
        if submission.decided_by
        else "The office",
    }
    link = absolute(reverse("certification:portfolio", args=[enrolment.pk]))
    recipients = [(enrolment.participant, words[0], words[1])]
    if enrolment.assessor is not None:
        recipients.append((enrolment.assessor, words[2], words[3]))
    for user, subject, text in recipients:
        send_email(
            "step",
            {
                "user": user,
                "subject": subject,
                "text": text.format(**values),
                "link": link,
                "feedback": submission.feedback
                if action == "referred" and user == enrolment.participant
                else "",
            },
            to=[user.email],
            folder="certification/emails",
        )


def send_coachee_link(link, url, address):
    """The coachee's private link; the address is used for this email and not kept."""
    session = link.session
    send_email(
        "coachee_link",
        {
            "coach": session.enrolment.participant,
            "session": session,
            "url": url,
            "expires_at": link.expires_at,
        },
        to=[address],
        folder="certification/emails",
    )


def send_visit(visit_id, *, change="new"):
    """Email the visit, with its calendar file, to everyone who takes part in it."""
    visit = (
        QAVisit.objects.select_related("organisation__coaching_team", "award", "assessor")
        .prefetch_related("to_see__participant")
        .get(pk=visit_id)
    )
    ics = visit_calendar(visit)
    for person in recipients(visit):
        send_email(
            "qa_visit",
            {
                "visit": visit,
                "user": person,
                "change": change,
                "to_see": list(visit.to_see.all()),
                "link": absolute(reverse("qa:visit", args=[visit.pk])),
            },
            to=[person.email],
            attachments=[(f"qa-visit-{visit.pk}.ics", ics, "text/calendar")],
            folder="certification/emails",
        )


def send_certificate_ready(certificate_id):
    certificate = Certificate.objects.select_related("enrolment__participant").get(
        pk=certificate_id
    )
    user = certificate.enrolment.participant
    send_email(
        "certificate_ready",
        {
            "user": user,
            "certificate": certificate,
            "link": absolute(reverse("certification:portfolio", args=[certificate.enrolment_id])),
            "verify": absolute(certificate.verification_path()),
        },
        to=[user.email],
        folder="certification/emails",
    )
