"""QA visits on the public site: the assessor's list and the phone-sized form to record a
visit; the visit, its calendar file and its report PDF for the assessor, the school's
coaching leads and the office. Anyone else gets a 404 (certification.policy)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache

from bookings.calendar import calendar_response
from bookings.pdf import private_pdf_response, render_pdf

from . import policy
from .forms import VisitRecordForm
from .models import QAVisit, VisitStatus
from .qa_calendar import visit_calendar
from .services.qa import candidates, record_visit, too_early


def _visit(request, pk):
    visit = (
        QAVisit.objects.select_related("organisation", "award", "assessor", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if visit is None or not policy.may_see_visit(request.user, visit):
        raise Http404("No such visit.")
    return visit


def _people(enrolments):
    return list(
        enrolments.select_related("participant").order_by(
            "participant__last_name", "participant__first_name"
        )
    )


@login_required
@never_cache
def visits(request):
    visible = list(
        policy.visible_visits(request.user)
        .select_related("organisation", "award", "assessor")
        .order_by("starts_at")
    )
    if not visible and not policy.is_qa_office(request.user):
        raise Http404("No visits.")
    now = timezone.now()
    return render(
        request,
        "certification/qa/visits.html",
        {
            "upcoming": [v for v in visible if v.ends_at >= now],
            "past": [v for v in reversed(visible) if v.ends_at < now],
        },
    )


@login_required
@never_cache
def visit(request, pk):
    visit = _visit(request, pk)
    return render(
        request,
        "certification/qa/visit.html",
        {
            "visit": visit,
            "to_see": _people(visit.to_see),
            "sampled": _people(visit.sampled),
            "may_record": policy.may_record_visit(request.user, visit)
            and visit.status == VisitStatus.SCHEDULED,
            "waiting": too_early(visit),
        },
    )


@login_required
@never_cache
def record(request, pk):
    visit = _visit(request, pk)
    if not policy.may_record_visit(request.user, visit):
        raise Http404("No such visit.")
    if visit.status != VisitStatus.SCHEDULED:
        messages.info(request, "This visit has been recorded.")
        return redirect("qa:visit", pk=pk)
    waiting = too_early(visit)
    if waiting:
        return render(request, "certification/qa/record.html", {"visit": visit, "waiting": waiting})
    people = candidates(visit.organisation, visit.award)
    form = VisitRecordForm(
        request.POST or None,
        candidates=people,
        initial={"sampled": list(visit.to_see.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_visit(
                visit,
                request.user,
                attended=data["attended"],
                sampled=list(data["sampled"]),
                evidence_seen=data["evidence_seen"],
                findings=data["findings"],
                outcome=data["outcome"],
                actions=data["actions"],
                follow_up_by=data["follow_up_by"],
                follow_up_at=data["follow_up_at"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, problems in error.error_dict.items():
                    form.add_error(field, problems)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, "The visit is recorded.")
            return redirect("qa:visit", pk=pk)
    return render(request, "certification/qa/record.html", {"visit": visit, "form": form})


@login_required
@never_cache
def report_pdf(request, pk):
    visit = _visit(request, pk)
    if visit.status != VisitStatus.RECORDED:
        raise Http404("Not recorded yet.")
    html = render_to_string(
        "certification/qa/report_pdf.html",
        {
            "visit": visit,
            "to_see": _people(visit.to_see),
            "sampled": _people(visit.sampled),
        },
    )
    return private_pdf_response(
        render_pdf(html, f"QA visit {visit.pk}"),
        f"QA visit {visit.organisation.name} {visit.starts_at:%Y-%m-%d}.pdf",
    )


@login_required
@never_cache
def calendar(request, pk):
    visit = _visit(request, pk)
    return calendar_response(visit_calendar(visit), f"qa-visit-{visit.pk}.ics")
