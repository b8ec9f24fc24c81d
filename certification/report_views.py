"""Report pages: cohort progress (the office and assessors; CSV for spreadsheets) and a
school's impact report (its coaching leads and the office; page and PDF). Anyone else
gets a 404 (certification.policy)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from bookings.models import Cohort, Organisation, academic_year_of
from bookings.pdf import private_pdf_response, render_pdf

from . import policy
from .models import Award, Enrolment, EnrolmentStatus
from .reports import (
    cohort_label,
    impact_report,
    partnership_figures,
    progress_csv,
    progress_table,
)


class ProgressFilter(forms.Form):
    award = forms.ModelChoiceField(queryset=Award.objects.all(), required=False)
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), required=False, label="Date")
    school = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", "Any"), *EnrolmentStatus.choices], required=False)

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = (
            Cohort.objects.filter(pk__in=enrolments.values("cohort"))
            .select_related("course")
            .order_by("-starts_at")
        )
        self.fields["cohort"].label_from_instance = cohort_label
        self.fields["school"].queryset = Organisation.objects.filter(
            pk__in=enrolments.values("organisation")
        ).order_by("name")
        self.fields["award"].queryset = Award.objects.filter(
            requirement_sets__enrolments__in=enrolments
        ).distinct()


def _reportable(user):
    if policy.is_provider_admin(user):
        return Enrolment.objects.all()
    if user.groups.filter(name="Assessors").exists() or user.assessing.exists():
        return Enrolment.objects.filter(assessor=user)
    return None


@login_required
@never_cache
def progress_report(request):
    enrolments = _reportable(request.user)
    if enrolments is None:
        raise Http404("No reports.")
    form = ProgressFilter(request.GET or None, enrolments=enrolments)
    chosen = enrolments
    if form.is_valid():
        data = form.cleaned_data
        for name, lookup in (
            ("award", "requirement_set__award"),
            ("cohort", "cohort"),
            ("school", "organisation"),
            ("status", "status"),
        ):
            if data.get(name):
                chosen = chosen.filter(**{lookup: data[name]})
    table = progress_table(chosen)
    if request.GET.get("format") == "csv":
        response = HttpResponse(progress_csv(table), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"cohort-progress-{stamp}.csv"
        )
        response["Cache-Control"] = "private, no-store"
        return response
    query = request.GET.copy()
    query["format"] = "csv"
    office = policy.is_provider_admin(request.user)
    return render(
        request,
        "certification/reports/progress.html",
        {
            "form": form,
            "table": table,
            "csv_query": query.urlencode(),
            "office": office,
            "schools": Organisation.objects.filter(pk__in=enrolments.values("organisation"))
            .order_by("name")
            .only("pk", "name")
            if office
            else [],
        },
    )


def _impact(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    if not policy.may_see_impact_report(request.user, organisation):
        raise Http404("No such report.")
    years = sorted(
        set(
            Enrolment.objects.filter(organisation=organisation).values_list(
                "academic_year", flat=True
            )
        ),
        reverse=True,
    )
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0] if years else academic_year_of(timezone.localdate())
    return impact_report(organisation, year), years


@login_required
@never_cache
def impact(request, pk):
    report, years = _impact(request, pk)
    return render(request, "certification/reports/impact.html", {"report": report, "years": years})


@login_required
@never_cache
def impact_pdf(request, pk):
    report, _ = _impact(request, pk)
    html = render_to_string("certification/reports/impact_pdf.html", {"report": report})
    return private_pdf_response(
        render_pdf(html, f"impact report {report.organisation.pk}"),
        f"Coaching impact {report.organisation.name} {report.year}-{report.year + 1}.pdf",
    )


@login_required
@never_cache
def partnerships(request):
    """The partnership courses' yearly figure, for the office."""
    if not policy.is_provider_admin(request.user):
        raise Http404("No such report.")
    this_year = academic_year_of(timezone.localdate())
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    figures = partnership_figures(year)
    cross = [f for f in figures if f.cross_school]
    meeting = [f for f in cross if f.meetings]
    return render(
        request,
        "certification/reports/partnerships.html",
        {
            "year": year,
            "figures": figures,
            "cross": len(cross),
            "meeting": len(meeting),
            "meetings": sum(f.meetings for f in cross),
            "average": round(sum(f.meetings for f in meeting) / len(meeting), 1) if meeting else 0,
            "years": range(this_year, this_year - 5, -1),
        },
    )
