"""Who may see which part of a portfolio: the one place every certification view,
download and file asks. Anyone not allowed gets a 404 from the views, the same answer
as for something that does not exist.

- The participant: all of their own portfolios.
- The enrolment's assessor: all of it, for the enrolments assigned to them only.
- Provider admins (the `certification.view_portfolio` permission): all of it, and each
  look is logged (PortfolioView).
- Moderators (provider admins and senior assessors, `certification.moderate_submission`):
  the submissions and their history of enrolments with a recommendation to sample, and
  nothing of the live portfolio; each look is logged too.
- The school's impact lead (one per organisation, CoachingTeam): progress and the
  coaching diary, which they write impact statements from; never the reflective log,
  task answers or files.
- The school's coaching leads: progress as numbers, nothing written.
- Everyone else, the headteacher and the booker included: nothing.
"""

from django.db.models import Q

from .models import CoachingTeam, Enrolment, PortfolioView, QAVisit, SubmissionOutcome

PROGRESS = "progress"
DIARY = "diary"
LOG = "log"
TASKS = "tasks"
FILES = "files"
REVIEW = "review"
EVERYTHING = frozenset({PROGRESS, DIARY, LOG, TASKS, FILES, REVIEW})
IMPACT_LEAD = frozenset({PROGRESS, DIARY})
COACHING_LEAD = frozenset({PROGRESS})


MODERATION = frozenset({REVIEW})


def is_provider_admin(user):
    """May open any portfolio; each look is logged."""
    return user.is_authenticated and user.has_perm("certification.view_portfolio")


def parts_visible(user, enrolment):
    """The parts of this enrolment's portfolio `user` may see (an empty set: none)."""
    if not user.is_authenticated:
        return frozenset()
    if enrolment.participant_id == user.pk or enrolment.assessor_id == user.pk:
        return EVERYTHING
    if is_provider_admin(user):
        return EVERYTHING
    if is_moderator(user) and _has_recommendation(enrolment):
        return MODERATION
    team = coaching_team(enrolment)
    if team is None:
        return frozenset()
    if team.impact_lead_id == user.pk:
        return IMPACT_LEAD
    if team.coaching_leads.filter(pk=user.pk).exists():
        return COACHING_LEAD
    return frozenset()


def may_see(user, enrolment, part, *, log_as=None):
    """Whether `user` may see `part`; a provider admin's or moderator's look at someone
    else's portfolio is logged, as `log_as` (what exactly was opened) or the part."""
    allowed = part in parts_visible(user, enrolment)
    if (
        allowed
        and user.pk not in (enrolment.participant_id, enrolment.assessor_id)
        and (is_provider_admin(user) or is_moderator(user))
    ):
        PortfolioView.objects.create(enrolment=enrolment, viewer=user, part=log_as or part)
    return allowed


def may_edit(user, enrolment):
    """Only the participant works in their portfolio, until the award is made or they
    withdraw."""
    return user.is_authenticated and enrolment.participant_id == user.pk and enrolment.is_open


def may_assess(user, enrolment):
    """The enrolment's assessor marks its submissions (a provider admin may stand in)."""
    if not user.is_authenticated or enrolment.participant_id == user.pk:
        return False
    return enrolment.assessor_id == user.pk or is_provider_admin(user)


def is_moderator(user):
    """Provider admins and senior assessors (the `moderate_submission` permission)."""
    return user.is_authenticated and user.has_perm("certification.moderate_submission")


def may_moderate(user, submission):
    """A moderator who is neither the participant nor the assessor who decided."""
    enrolment = submission.enrolment
    return is_moderator(user) and user.pk not in (
        enrolment.participant_id,
        submission.decided_by_id,
    )


def may_download_certificate(user, enrolment):
    """The holder, and the office."""
    return user.is_authenticated and (
        enrolment.participant_id == user.pk or is_provider_admin(user)
    )


def may_write_impact(user, enrolment):
    team = coaching_team(enrolment)
    return user.is_authenticated and team is not None and team.impact_lead_id == user.pk


def visible_enrolments(user):
    """The enrolments `user` may see anything of, as one queryset."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    if is_provider_admin(user):
        return Enrolment.objects.all()
    return Enrolment.objects.filter(
        Q(participant=user)
        | Q(assessor=user)
        | Q(organisation__coaching_team__impact_lead=user)
        | Q(organisation__coaching_team__coaching_leads=user)
    ).distinct()


def _has_recommendation(enrolment):
    return enrolment.submissions.filter(outcome=SubmissionOutcome.RECOMMENDED).exists()


def coaching_team(enrolment):
    """The school's coaching team (its leads and impact lead), or None. Looked up once
    per enrolment object: a page asks several of the questions above of the same one."""
    if enrolment.organisation_id is None:
        return None
    if not hasattr(enrolment, "_coaching_team"):
        enrolment._coaching_team = (
            CoachingTeam.objects.filter(organisation_id=enrolment.organisation_id)
            .select_related("impact_lead")
            .first()
        )
    return enrolment._coaching_team


# QA visits: the visit's assessor records it; the school's coaching leads and the office
# (the `certification.view_qavisit` permission) see it and its report. Nobody else does,
# the participants seen included: the report is about the school's programme.


def is_qa_office(user):
    return user.is_authenticated and user.has_perm("certification.view_qavisit")


def may_see_visit(user, visit):
    if not user.is_authenticated:
        return False
    if visit.assessor_id == user.pk or is_qa_office(user):
        return True
    team = CoachingTeam.objects.filter(organisation_id=visit.organisation_id).first()
    return team is not None and team.coaching_leads.filter(pk=user.pk).exists()


def may_record_visit(user, visit):
    return user.is_authenticated and visit.assessor_id == user.pk


def visible_visits(user):
    if not user.is_authenticated:
        return QAVisit.objects.none()
    if is_qa_office(user):
        return QAVisit.objects.all()
    return QAVisit.objects.filter(
        Q(assessor=user) | Q(organisation__coaching_team__coaching_leads=user)
    ).distinct()


def may_see_impact_report(user, organisation):
    """The school's coaching leads and impact lead, and the office."""
    if not user.is_authenticated:
        return False
    if is_provider_admin(user):
        return True
    team = CoachingTeam.objects.filter(organisation=organisation).first()
    return team is not None and (
        team.impact_lead_id == user.pk or team.coaching_leads.filter(pk=user.pk).exists()
    )


def impact_report_schools(user):
    """The schools whose impact report this person may read as a coaching or impact lead."""
    from bookings.models import Organisation

    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Q(coaching_team__impact_lead=user) | Q(coaching_team__coaching_leads=user)
    ).distinct()
