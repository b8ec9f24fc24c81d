"""Attendance registers: who may take them, who is expected, marking, and completion.

A delegate completes the course by attending (present or late) every session of their
date; certification (the next part of the portal) reads `completed_delegates`.
"""

from django.db import transaction
from django.utils import timezone

from ..models import (
    ATTENDED,
    AttendanceMark,
    BookingStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Delegate,
    SessionAttendance,
)


def may_take_register(user, cohort):
    """The office (who may change cohorts) and the date's own trainers."""
    if not user.is_authenticated:
        return False
    if user.has_perm("bookings.change_cohort"):
        return True
    return cohort.trainers.filter(pk=user.pk).exists()


def cohorts_for_registers(user):
    """The dates whose registers this person takes, newest first."""
    cohorts = Cohort.objects.exclude(status__in=[CohortStatus.DRAFT, CohortStatus.CANCELLED])
    if not user.has_perm("bookings.change_cohort"):
        cohorts = cohorts.filter(trainers=user)
    return cohorts.select_related("course").prefetch_related("sessions")


def expected_delegates(cohort):
    """Everyone with a place on the day: the active delegates of confirmed bookings."""
    return list(
        Delegate.objects.filter(
            booking__cohort=cohort,
            booking__status=BookingStatus.CONFIRMED,
            cancelled_at__isnull=True,
        )
        .select_related("booking__organisation")
        .order_by("booking__organisation__name", "name", "pk")
    )


def marks_for(session):
    return {a.delegate_id: a for a in session.attendance.all()}


def mark_register(session, marks, *, actor, now=None):
    """Record `marks` ({delegate id: mark}) for the session; only the delegates expected
    on this date can be marked. Returns how many marks changed."""
    now = now or timezone.now()
    allowed = {d.pk for d in expected_delegates(session.cohort)}
    valid = set(AttendanceMark.values)
    changed = 0
    with transaction.atomic():
        # The session's row first: two people saving an empty register at once take
        # turns, instead of both inserting the same marks.
        CohortSession.objects.select_for_update().filter(pk=session.pk).first()
        existing = {
            a.delegate_id: a
            for a in SessionAttendance.objects.select_for_update().filter(session=session)
        }
        for delegate_id, mark in marks.items():
            if delegate_id not in allowed or mark not in valid:
                continue
            current = existing.get(delegate_id)
            if current is None:
                SessionAttendance.objects.create(
                    session=session,
                    delegate_id=delegate_id,
                    mark=mark,
                    marked_by=actor,
                    marked_at=now,
                )
                changed += 1
            elif current.mark != mark:
                current.mark, current.marked_by, current.marked_at = mark, actor, now
                current.save(update_fields=["mark", "marked_by", "marked_at"])
                changed += 1
    return changed


def completed_delegates(cohort, expected=None):
    """Ids of the delegates who attended every session of the date. `expected`: the
    date's expected delegates, if the caller has them already."""
    session_ids = set(cohort.sessions.values_list("pk", flat=True))
    if not session_ids:
        return set()
    attended = {}
    for delegate_id, session_id in SessionAttendance.objects.filter(
        session__cohort=cohort, mark__in=ATTENDED
    ).values_list("delegate_id", "session_id"):
        attended.setdefault(delegate_id, set()).add(session_id)
    if expected is None:
        expected = expected_delegates(cohort)
    expected = {d.pk for d in expected}
    return {d for d, sessions in attended.items() if d in expected and sessions >= session_ids}


def has_completed(delegate):
    return delegate.pk in completed_delegates(delegate.booking.cohort)
