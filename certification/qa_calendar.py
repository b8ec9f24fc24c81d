"""A QA visit as a calendar file, and who it is sent to: the assessor and the school's
coaching leads. A change of time sends the same event again with a higher SEQUENCE; a
cancelled visit is sent as a cancellation."""

from django.urls import reverse

from bookings.calendar import CalendarEvent, build_calendar, uid_host
from bookings.emails import absolute

from .models import VisitStatus


def visit_calendar(visit):
    cancelled = visit.status == VisitStatus.CANCELLED
    event = CalendarEvent(
        uid=f"qa-visit-{visit.pk}@{uid_host()}",
        summary=f"QA visit: {visit.award.name}, {visit.organisation.name}",
        start=visit.starts_at,
        end=visit.ends_at,
        description=f"Quality-assurance visit for the {visit.award.name}. "
        f"Assessor: {visit.assessor.get_full_name() or visit.assessor.email}.",
        location=visit.location or " ".join(visit.organisation.address.split()),
        url=absolute(reverse("qa:visit", args=[visit.pk])),
        sequence=visit.sequence,
        cancelled=cancelled,
    )
    return build_calendar([event], name="QA visit", method="CANCEL" if cancelled else "PUBLISH")


def recipients(visit):
    """The assessor and the school's coaching leads."""
    people = [visit.assessor]
    team = getattr(visit.organisation, "coaching_team", None)
    if team is not None:
        people += list(team.coaching_leads.all())
    return [p for p in dict.fromkeys(people) if p.email]
