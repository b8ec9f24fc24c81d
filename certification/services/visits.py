"""What QA visits say about a school and an award, for certificates and the record form
to ask (no side effects here)."""

import datetime

from django.utils import timezone

from ..models import Enrolment, QAVisit, VisitOutcome, VisitStatus


def year_start(academic_year):
    """Midnight, London time, on 1 September of the academic year starting then."""
    return timezone.make_aware(datetime.datetime(academic_year, 9, 1))


def latest_recorded_visit(organisation, award, *, since=None):
    """The most recent recorded visit to this school for this award (on or after `since`,
    when given), or None."""
    visits = QAVisit.objects.filter(
        organisation=organisation, award=award, status=VisitStatus.RECORDED
    )
    if since is not None:
        visits = visits.filter(starts_at__gte=since)
    return visits.order_by("-starts_at", "-pk").first()


def confirmed_visit(organisation, award, *, since=None):
    """The visit that stands for this school's practice on this award, if it confirmed
    it; otherwise None. Only the latest recorded visit counts: one that found actions
    required holds certificates back until a later visit confirms, whatever earlier
    visits said. `since` leaves out visits before then (an earlier year's)."""
    latest = latest_recorded_visit(organisation, award, since=since)
    if latest is not None and latest.outcome == VisitOutcome.CONFIRMED:
        return latest
    return None


def candidates(organisation, award):
    """The enrolments a visit to this school for this award may see or sample."""
    return (
        Enrolment.objects.filter(organisation=organisation, requirement_set__award=award)
        .select_related("participant")
        .order_by("participant__last_name", "participant__first_name")
    )
