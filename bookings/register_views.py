"""Attendance registers for the office and each date's trainers: a list of their dates,
a register per session that works on a phone (and without JavaScript), and a printable
PDF copy for the room. Anyone else gets a 404, so a register's existence is not told."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .models import AttendanceMark, CohortSession
from .pdf import private_pdf_response, render_pdf
from .services.attendance import (
    cohorts_for_registers,
    completed_delegates,
    expected_delegates,
    mark_register,
    marks_for,
    may_take_register,
)


@login_required
@never_cache
def registers(request):
    cohorts = list(cohorts_for_registers(request.user).order_by("-starts_at")[:50])
    if not cohorts and not request.user.has_perm("bookings.change_cohort"):
        raise Http404("No registers.")
    return render(request, "bookings/registers.html", {"cohorts": cohorts})


def _session(request, session_id):
    session = get_object_or_404(
        CohortSession.objects.select_related("cohort__course").prefetch_related("attendance"),
        pk=session_id,
    )
    if not may_take_register(request.user, session.cohort):
        raise Http404("No such register.")
    return session


def _rows(session):
    marks = marks_for(session)
    expected = expected_delegates(session.cohort)
    completed = completed_delegates(session.cohort, expected)
    return [
        {
            "delegate": delegate,
            "mark": marks[delegate.pk].mark if delegate.pk in marks else "",
            "completed": delegate.pk in completed,
        }
        for delegate in expected
    ]


@login_required
@never_cache
def register(request, session_id):
    session = _session(request, session_id)
    if request.method == "POST":
        marks = {}
        for key, value in request.POST.items():
            if key.startswith("mark-") and key[5:].isdigit():
                marks[int(key[5:])] = value
        changed = mark_register(session, marks, actor=request.user)
        messages.success(
            request, f"Register saved ({changed} mark{'s' if changed != 1 else ''} changed)."
        )
        return redirect("bookings:register", session_id=session.pk)
    rows = _rows(session)
    return render(
        request,
        "bookings/register.html",
        {
            "session": session,
            "cohort": session.cohort,
            "rows": rows,
            "marks": AttendanceMark.choices,
            "unmarked": sum(1 for row in rows if not row["mark"]),
        },
    )


@login_required
def register_pdf(request, session_id):
    session = _session(request, session_id)
    html = render_to_string(
        "bookings/register_pdf.html",
        {
            "session": session,
            "cohort": session.cohort,
            "rows": _rows(session),
            "printed_at": timezone.now(),
        },
    )
    day = timezone.localtime(session.starts_at).strftime("%Y-%m-%d")
    filename = f"register-{session.cohort.course.slug}-{day}.pdf"
    return private_pdf_response(render_pdf(html, filename), filename)
