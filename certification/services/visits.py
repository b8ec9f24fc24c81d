"""What QA visits say about a school and an award, for certificates and the record form
to ask (no side effects here)."""

from ..models import Enrolment, QAVisit, VisitOutcome, VisitStatus


def confirmed_visit(organisation, award):
    """The latest confirmed visit for this school and award, or None."""
    return (
        QAVisit.objects.filter(
            organisation=organisation,
            award=award,
            status=VisitStatus.RECORDED,
            outcome=VisitOutcome.CONFIRMED,
        )
        .order_by("-starts_at")
        .first()
    )


def candidates(organisation, award):
    """The enrolments a visit to this school for this award may see or sample."""
    return (
        Enrolment.objects.filter(organisation=organisation, requirement_set__award=award)
        .select_related("participant")
        .order_by("participant__last_name", "participant__first_name")
    )
