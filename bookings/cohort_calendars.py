"""Cohorts as calendar files: the public "add to calendar" and the delegates' copy."""

from django.conf import settings

from .calendar import CalendarEvent, build_calendar, session_uid, uid_host


def cohort_events(cohort, *, for_delegates=False, cancelled=False):
    """One event per session. The joining link of an online session goes only into the
    delegates' copy; the public file says "Online" and links to the course page.
    `cancelled` marks every event cancelled, for someone whose place was cancelled."""
    cancelled = cancelled or cohort.status == "cancelled"
    course_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + cohort.course.url
    events = []
    for session in cohort.sessions.all():
        location = "Online" if session.is_online else " ".join(session.venue.split())
        url = session.online_url if (for_delegates and session.online_url) else course_url
        description = cohort.course.title
        if session.is_online and for_delegates and session.online_url:
            description += f"\nJoin online: {session.online_url}"
        events.append(
            CalendarEvent(
                uid=session_uid(cohort.pk, session.pk, uid_host()),
                summary=f"{cohort.course.title}: {session.title}",
                start=session.starts_at,
                end=session.ends_at,
                description=description,
                location=location,
                url=url,
                # A cancellation is a change the calendar must apply over what it has.
                sequence=session.sequence + (1 if cancelled else 0),
                cancelled=cancelled,
            )
        )
    return events


def cohort_calendar(cohort, *, for_delegates=False, cancelled=False):
    # A cancelled run cancels every copy: the method must say so as well as each event's
    # status, or calendars that act on the method (Outlook) keep the sessions.
    cancelled = cancelled or cohort.status == "cancelled"
    return build_calendar(
        cohort_events(cohort, for_delegates=for_delegates, cancelled=cancelled),
        name=cohort.course.title,
        method="CANCEL" if cancelled else "PUBLISH",
    )


def calendar_filename(cohort):
    return f"{cohort.course.slug}-{cohort.pk}.ics"
