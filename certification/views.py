"""The portfolio on the public site: the participant's own workspace, what their assessor,
a moderator and their school's coaching team may see of it, and the coachee's private
link.

Every view finds the enrolment with `_enrolment`, which asks `policy` whether this person
may see the part of the portfolio the view shows; anyone else gets a 404, the same as for
something that does not exist, so changing an id in the address tells nothing.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bookings.emails import absolute
from bookings.pdf import private_pdf_response, render_pdf

from . import policy
from .certificate_pdf import render_certificate_pdf
from .emails import send_coachee_link
from .forms import (
    AnswerForm,
    CoacheeLinkForm,
    CoacheeNoteForm,
    CycleForm,
    EntryForm,
    FileForm,
    ImpactStatementForm,
    ModerationForm,
    QuickSessionForm,
    ReviewForm,
    SessionForm,
)
from .models import (
    Certificate,
    CoachingCycle,
    CoachingSession,
    Enrolment,
    EnrolmentStatus,
    EvidenceFile,
    ImpactStatement,
    PortfolioTask,
    Submission,
    SubmissionOutcome,
    TaskResponse,
)
from .services import portfolio as work
from .services.progress import progress, progress_many
from .services.submission import SUBMITTABLE, ReviewError, moderate, review, submit
from .uploads import download_name
from .verify_views import credential_response

TABS = [
    ("certification:portfolio", policy.PROGRESS, "Progress"),
    ("certification:diary", policy.DIARY, "Coaching diary"),
    ("certification:log", policy.LOG, "Reflective log"),
    ("certification:tasks", policy.TASKS, "Tasks"),
    ("certification:files", policy.FILES, "Files and evidence"),
    ("certification:history", policy.REVIEW, "Submissions and history"),
]

# The PDF holds the whole portfolio: only those who may see every part get it.
PDF_PARTS = frozenset({policy.DIARY, policy.LOG, policy.TASKS, policy.FILES})


def _enrolment(request, pk, part, *, log_as=None):
    enrolment = (
        Enrolment.objects.select_related(
            "participant",
            "assessor",
            "requirement_set__award",
            "organisation",
            "cohort__course",
        )
        .filter(pk=pk)
        .first()
    )
    if enrolment is None or not policy.may_see(request.user, enrolment, part, log_as=log_as):
        raise Http404("No such portfolio.")
    return enrolment


def _editable(request, pk, part):
    """The participant's own open portfolio; anyone else gets a 404."""
    enrolment = _enrolment(request, pk, part)
    if not policy.may_edit(request.user, enrolment):
        raise Http404("No such portfolio.")
    return enrolment


def _render(request, template, enrolment, tab, context, status=200):
    parts = policy.parts_visible(request.user, enrolment)
    return render(
        request,
        template,
        {
            "enrolment": enrolment,
            "award": enrolment.requirement_set.award,
            "tabs": [(name, label, name == tab) for name, part, label in TABS if part in parts],
            "is_participant": enrolment.participant_id == request.user.pk,
            "can_edit": policy.may_edit(request.user, enrolment),
            "can_pdf": parts >= PDF_PARTS,
            "impact_lead": work.impact_lead_of(enrolment),
            **context,
        },
        status=status,
    )


@login_required
@never_cache
def portfolios(request):
    """Every portfolio this person may see, by how they come to see it, with progress in
    numbers: a fixed number of queries however many there are."""
    user = request.user
    visible = policy.visible_enrolments(user)
    if policy.is_provider_admin(user):
        # Admins reach everyone's through the admin and the moderation list; here they
        # see only those they take part in.
        visible = visible.filter(Q(participant=user) | Q(assessor=user))
    enrolments = list(
        visible.select_related(
            "participant", "requirement_set__award", "organisation", "cohort__course"
        ).order_by("participant__last_name", "participant__first_name", "pk")
    )
    states = progress_many(enrolments)
    own, assessing, school = [], [], []
    for enrolment in enrolments:
        row = (enrolment, states[enrolment.pk])
        if enrolment.participant_id == user.pk:
            own.append(row)
        elif enrolment.assessor_id == user.pk:
            assessing.append(row)
        else:
            school.append(row)
    status = request.GET.get("status", "")
    if status in EnrolmentStatus.values:
        assessing = [row for row in assessing if row[0].status == status]
    if len(own) == 1 and not assessing and not school:
        return redirect("certification:portfolio", pk=own[0][0].pk)
    if not (own or assessing or school or policy.is_moderator(user)):
        raise Http404("No portfolios.")
    return render(
        request,
        "certification/portfolios.html",
        {
            "own": own,
            "assessing": assessing,
            "school": school,
            "statuses": EnrolmentStatus.choices,
            "status": status,
            "is_moderator": policy.is_moderator(user),
            "reports": bool(assessing) or policy.is_provider_admin(user),
            "impact_schools": policy.impact_report_schools(user),
        },
    )


@login_required
@never_cache
def portfolio(request, pk):
    enrolment = _enrolment(request, pk, policy.PROGRESS)
    state = progress(enrolment)
    parts = policy.parts_visible(request.user, enrolment)
    submissions = list(enrolment.submissions.order_by("-number")) if policy.REVIEW in parts else []
    return _render(
        request,
        "certification/portfolio.html",
        enrolment,
        "certification:portfolio",
        {
            "progress": state,
            "submissions": submissions,
            "can_submit": policy.may_edit(request.user, enrolment)
            and enrolment.status in SUBMITTABLE,
            "certificate": Certificate.objects.filter(enrolment=enrolment).first()
            if policy.may_download_certificate(request.user, enrolment)
            else None,
        },
    )


# The coaching diary


@login_required
@never_cache
def diary(request, pk):
    enrolment = _enrolment(request, pk, policy.DIARY)
    sessions = list(enrolment.diary.select_related("cycle").prefetch_related("coachee_notes"))
    cycles = list(
        CoachingCycle.objects.filter(enrolment=enrolment)
        .select_related("impact_statement__author")
        .order_by("-number")
    )
    by_cycle = {cycle.pk: [] for cycle in cycles}
    loose = []
    for session in sessions:
        (by_cycle.get(session.cycle_id, loose)).append(session)
    return _render(
        request,
        "certification/diary.html",
        enrolment,
        "certification:diary",
        {
            "cycles": [(cycle, by_cycle[cycle.pk]) for cycle in cycles],
            "loose": loose,
            "session_count": len(sessions),
            "may_write_impact": policy.may_write_impact(request.user, enrolment),
        },
    )


@login_required
@never_cache
def session_add(request, pk):
    enrolment = _editable(request, pk, policy.DIARY)
    full = request.GET.get("full") == "1" or request.POST.get("full") == "1"
    form_class = SessionForm if full else QuickSessionForm
    form = form_class(request.POST or None, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        session = form.save(commit=False)
        session.enrolment = enrolment
        session.save()
        messages.success(request, f"Session on {session.held_on:%d/%m/%Y} logged.")
        if "add_details" in request.POST:
            return redirect("certification:session-edit", pk=pk, session_pk=session.pk)
        return redirect("certification:diary", pk=pk)
    return _render(
        request,
        "certification/session_form.html",
        enrolment,
        "certification:diary",
        {"form": form, "full": full, "session": None},
    )


def _session(enrolment, session_pk):
    return get_object_or_404(
        CoachingSession.objects.select_related("cycle"), pk=session_pk, enrolment=enrolment
    )


@login_required
@never_cache
def session_detail(request, pk, session_pk):
    enrolment = _enrolment(request, pk, policy.DIARY)
    session = _session(enrolment, session_pk)
    links = list(session.coachee_links.all()) if policy.may_edit(request.user, enrolment) else []
    return _render(
        request,
        "certification/session.html",
        enrolment,
        "certification:diary",
        {
            "session": session,
            "notes": list(session.coachee_notes.all()),
            "links": links,
            "link_form": CoacheeLinkForm(),
            "now": timezone.now(),
            "new_link": request.session.pop("new_coachee_link", None),
        },
    )


@login_required
@never_cache
def session_edit(request, pk, session_pk):
    enrolment = _editable(request, pk, policy.DIARY)
    session = _session(enrolment, session_pk)
    form = SessionForm(request.POST or None, instance=session, enrolment=enrolment)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Session saved.")
        return redirect("certification:session", pk=pk, session_pk=session.pk)
    return _render(
        request,
        "certification/session_form.html",
        enrolment,
        "certification:diary",
        {"form": form, "full": True, "session": session},
    )


@login_required
@require_POST
def link_add(request, pk, session_pk):
    enrolment = _editable(request, pk, policy.DIARY)
    session = _session(enrolment, session_pk)
    form = CoacheeLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That email address doesn't look right; the link was not made.")
        return redirect("certification:session", pk=pk, session_pk=session.pk)
    try:
        link = work.make_coachee_link(session, request.user)
    except work.TooManyLinks as error:
        messages.error(request, str(error))
        return redirect("certification:session", pk=pk, session_pk=session.pk)
    url = absolute(reverse("certification:coachee", args=[link.token]))
    if form.cleaned_data["email"]:
        send_coachee_link(link, url, form.cleaned_data["email"])
        messages.success(request, "The link is made and sent to your coachee.")
    else:
        messages.success(request, "The link is made: copy it for your coachee.")
    # Shown once, on the next page: it is not stored anywhere the participant can reread.
    request.session["new_coachee_link"] = url
    return redirect("certification:session", pk=pk, session_pk=session.pk)


@login_required
@require_POST
def link_withdraw(request, pk, session_pk, link_pk):
    enrolment = _editable(request, pk, policy.DIARY)
    session = _session(enrolment, session_pk)
    link = get_object_or_404(session.coachee_links, pk=link_pk)
    work.withdraw_coachee_link(link, request.user)
    messages.success(request, "The link is withdrawn: it no longer opens.")
    return redirect("certification:session", pk=pk, session_pk=session.pk)


def _coachee_gone(request):
    response = render(request, "certification/coachee_gone.html", status=404)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def coachee(request, token):
    """The coachee's page: one session, no account. An unknown, expired or withdrawn link
    gets the same 404 page."""
    link = work.live_link(token)
    if link is None:
        return _coachee_gone(request)
    session = link.session
    form = CoacheeNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            work.add_coachee_note(link, form.cleaned_data["text"])
        except work.LinkNotLive:
            return _coachee_gone(request)
        messages.success(request, "Thank you: your notes are added to the session's record.")
        return redirect("certification:coachee", token=token)
    response = render(
        request,
        "certification/coachee.html",
        {
            "session": session,
            "coach": session.enrolment.participant,
            "notes": list(link.notes.all()),
            "form": form,
            "link": link,
            "impact_lead": work.impact_lead_of(session.enrolment),
        },
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@never_cache
def cycle_form(request, pk, cycle_pk=None):
    enrolment = _editable(request, pk, policy.DIARY)
    cycle = get_object_or_404(enrolment.cycles, pk=cycle_pk) if cycle_pk else None
    form = CycleForm(request.POST or None, instance=cycle)
    if request.method == "POST" and form.is_valid():
        if cycle is None:
            cycle = work.start_cycle(
                enrolment,
                coachee=form.cleaned_data["coachee"],
                goal=form.cleaned_data["goal"],
                started_on=form.cleaned_data["started_on"],
            )
            if form.cleaned_data["ended_on"]:
                cycle.ended_on = form.cleaned_data["ended_on"]
                cycle.save(update_fields=["ended_on"])
            messages.success(request, f"Cycle {cycle.number} started.")
        else:
            form.save()
            messages.success(request, f"Cycle {cycle.number} saved.")
        return redirect("certification:diary", pk=pk)
    return _render(
        request,
        "certification/cycle_form.html",
        enrolment,
        "certification:diary",
        {"form": form, "cycle": cycle},
    )


@login_required
@never_cache
def impact(request, pk, cycle_pk):
    enrolment = _enrolment(request, pk, policy.DIARY)
    if not policy.may_write_impact(request.user, enrolment):
        raise Http404("No such cycle.")
    cycle = get_object_or_404(enrolment.cycles, pk=cycle_pk)
    if cycle.ended_on is None:
        messages.info(
            request,
            f"Cycle {cycle.number} is still running: its impact statement is written when "
            "the participant records its end.",
        )
        return redirect("certification:diary", pk=pk)
    statement = ImpactStatement.objects.filter(cycle=cycle).first()
    form = ImpactStatementForm(
        request.POST or None, initial={"text": statement.text if statement else ""}
    )
    if request.method == "POST" and form.is_valid():
        work.write_impact_statement(cycle, request.user, form.cleaned_data["text"])
        messages.success(request, f"Impact statement for cycle {cycle.number} saved.")
        return redirect("certification:diary", pk=pk)
    return _render(
        request,
        "certification/impact_form.html",
        enrolment,
        "certification:diary",
        {"form": form, "cycle": cycle, "sessions": list(cycle.sessions.order_by("held_on"))},
    )


# The reflective log, tasks and files


@login_required
@never_cache
def log(request, pk):
    enrolment = _enrolment(request, pk, policy.LOG)
    entries = enrolment.reflective_log.prefetch_related(
        "criteria", Prefetch("files", EvidenceFile.objects.filter(removed_at__isnull=True))
    )
    return _render(
        request,
        "certification/log.html",
        enrolment,
        "certification:log",
        {"entries": list(entries)},
    )


def _attach(form, enrolment, **target):
    upload = form.cleaned_data.get("attachment")
    if upload:
        work.add_file(enrolment, upload, upload.sniffed, **target)


@login_required
@never_cache
def entry_form(request, pk, entry_pk=None):
    enrolment = _editable(request, pk, policy.LOG)
    entry = get_object_or_404(enrolment.reflective_log, pk=entry_pk) if entry_pk else None
    form = EntryForm(
        request.POST or None, request.FILES or None, instance=entry, enrolment=enrolment
    )
    if request.method == "POST" and form.is_valid():
        entry = form.save(commit=False)
        entry.enrolment = enrolment
        entry.save()
        form.save_m2m()
        _attach(form, enrolment, entry=entry, criteria=form.cleaned_data.get("criteria") or ())
        messages.success(request, f"“{entry.title}” saved.")
        return redirect("certification:log", pk=pk)
    return _render(
        request,
        "certification/entry_form.html",
        enrolment,
        "certification:log",
        {"form": form, "entry": entry},
    )


@login_required
@never_cache
def tasks(request, pk):
    enrolment = _enrolment(request, pk, policy.TASKS)
    answers = {a.task_id: a for a in enrolment.answers.all()}
    rows = [(task, answers.get(task.pk)) for task in enrolment.requirement_set.tasks.all()]
    return _render(
        request, "certification/tasks.html", enrolment, "certification:tasks", {"rows": rows}
    )


@login_required
@never_cache
def task(request, pk, task_pk):
    enrolment = _enrolment(request, pk, policy.TASKS)
    task = get_object_or_404(PortfolioTask, pk=task_pk, requirement_set=enrolment.requirement_set)
    answer = TaskResponse.objects.filter(enrolment=enrolment, task=task).first()
    editable = policy.may_edit(request.user, enrolment)
    form = None
    if editable:
        instance = answer or TaskResponse(enrolment=enrolment, task=task)
        form = AnswerForm(request.POST or None, request.FILES or None, instance=instance)
        if request.method == "POST" and form.is_valid():
            answer = form.save(commit=False)
            if form.cleaned_data["complete"]:
                answer.completed_at = answer.completed_at or timezone.now()
            else:
                answer.completed_at = None
            answer.save()
            _attach(form, enrolment, answer=answer)
            messages.success(
                request,
                f"“{task.title}” saved {'as complete' if answer.completed_at else 'as a draft'}.",
            )
            return redirect("certification:tasks", pk=pk)
    elif request.method == "POST":
        raise Http404("No such task.")
    files = list(answer.files.filter(removed_at__isnull=True)) if answer and answer.pk else []
    return _render(
        request,
        "certification/task.html",
        enrolment,
        "certification:tasks",
        {"task": task, "answer": answer, "form": form, "files": files},
    )


@login_required
@never_cache
def files(request, pk):
    enrolment = _enrolment(request, pk, policy.FILES)
    editable = policy.may_edit(request.user, enrolment)
    form = FileForm(request.POST or None, request.FILES or None, enrolment=enrolment)
    if request.method == "POST":
        if not editable:
            raise Http404("No such portfolio.")
        if form.is_valid():
            upload = form.cleaned_data["upload"]
            work.add_file(
                enrolment,
                upload,
                upload.sniffed,
                description=form.cleaned_data["description"],
                criteria=form.cleaned_data.get("criteria") or (),
            )
            messages.success(request, f"“{upload.name}” uploaded.")
            return redirect("certification:files", pk=pk)
    live = list(enrolment.files.filter(removed_at__isnull=True).prefetch_related("criteria"))
    criteria = list(enrolment.requirement_set.criteria.all())
    entries = list(enrolment.reflective_log.prefetch_related("criteria"))
    evidence = [
        (
            criterion,
            [f for f in live if criterion in f.criteria.all()],
            [e for e in entries if criterion in e.criteria.all()],
        )
        for criterion in criteria
    ]
    return _render(
        request,
        "certification/files.html",
        enrolment,
        "certification:files",
        {"files": live, "form": form if editable else None, "evidence": evidence},
        status=400 if request.method == "POST" else 200,
    )


def _file_response(evidence):
    response = FileResponse(
        evidence.file.open("rb"), content_type=evidence.content_type, as_attachment=True
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=download_name(evidence.name, evidence.content_type)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@never_cache
def file_download(request, pk, file_pk):
    enrolment = _enrolment(request, pk, policy.FILES, log_as=f"file {file_pk}")
    evidence = get_object_or_404(
        EvidenceFile, pk=file_pk, enrolment=enrolment, removed_at__isnull=True
    )
    return _file_response(evidence)


@login_required
@require_POST
def file_remove(request, pk, file_pk):
    enrolment = _editable(request, pk, policy.FILES)
    evidence = get_object_or_404(
        EvidenceFile, pk=file_pk, enrolment=enrolment, removed_at__isnull=True
    )
    work.remove_file(evidence)
    messages.success(request, f"“{evidence.name}” removed from your portfolio.")
    return redirect("certification:files", pk=pk)


@login_required
@never_cache
def portfolio_pdf(request, pk):
    enrolment = _enrolment(request, pk, policy.LOG, log_as="whole portfolio (PDF)")
    if not policy.parts_visible(request.user, enrolment) >= PDF_PARTS:
        raise Http404("No such portfolio.")
    pdf = render_pdf(portfolio_html(enrolment), f"portfolio {enrolment.pk}")
    name = enrolment.participant.get_full_name() or "portfolio"
    return private_pdf_response(pdf, f"Portfolio - {name} - {enrolment.award.name}.pdf")


def portfolio_html(enrolment):
    """The whole live portfolio as one HTML document for WeasyPrint."""
    answers = {a.task_id: a for a in enrolment.answers.all()}
    return render_to_string(
        "certification/portfolio_pdf.html",
        {
            "enrolment": enrolment,
            "award": enrolment.requirement_set.award,
            "progress": progress(enrolment),
            "cycles": list(enrolment.cycles.select_related("impact_statement__author")),
            "sessions": list(
                enrolment.diary.select_related("cycle")
                .prefetch_related("coachee_notes")
                .order_by("held_on", "pk")
            ),
            "entries": list(
                enrolment.reflective_log.prefetch_related("criteria").order_by("written_on", "pk")
            ),
            "tasks": [
                (task, answers.get(task.pk)) for task in enrolment.requirement_set.tasks.all()
            ],
            "files": list(
                enrolment.files.filter(removed_at__isnull=True).prefetch_related("criteria")
            ),
            "generated": timezone.localtime(),
        },
    )


# Submission, review and moderation


@login_required
@never_cache
def submit_view(request, pk):
    enrolment = _editable(request, pk, policy.REVIEW)
    if enrolment.status not in SUBMITTABLE:
        messages.info(request, "This portfolio is with your assessor.")
        return redirect("certification:portfolio", pk=pk)
    state = progress(enrolment)
    if request.method == "POST":
        try:
            submission = submit(enrolment, request.user)
        except ReviewError as error:
            messages.error(request, str(error))
            return redirect("certification:portfolio", pk=pk)
        messages.success(
            request,
            f"Submitted. Your assessor marks this copy (submission {submission.number}); "
            "you can go on working meanwhile.",
        )
        return redirect("certification:portfolio", pk=pk)
    return _render(
        request,
        "certification/submit.html",
        enrolment,
        "certification:history",
        {"progress": state},
    )


def _submission(enrolment, number):
    return get_object_or_404(
        Submission.objects.select_related("decided_by", "moderated_by"),
        enrolment=enrolment,
        number=number,
    )


@login_required
@never_cache
def submission_detail(request, pk, number):
    enrolment = _enrolment(request, pk, policy.REVIEW, log_as=f"submission {number}")
    submission = _submission(enrolment, number)
    snap = submission.snapshot
    files = {f["id"]: f for f in snap.get("files", [])}
    marks = {m.key: m for m in submission.marks.all()}
    decided = submission.outcome != SubmissionOutcome.PENDING
    return _render(
        request,
        "certification/submission.html",
        enrolment,
        "certification:history",
        {
            "submission": submission,
            "snap": snap,
            "files_by_id": files,
            "items": [
                (
                    item,
                    marks.get(item["key"])
                    if decided or policy.may_assess(request.user, enrolment)
                    else None,
                )
                for item in snap["items"]
            ],
            "may_review": policy.may_assess(request.user, enrolment)
            and submission.outcome == SubmissionOutcome.PENDING,
            "may_moderate": submission.outcome == SubmissionOutcome.RECOMMENDED
            and not submission.moderation
            and policy.may_moderate(request.user, submission),
        },
    )


@login_required
@never_cache
def submission_file(request, pk, number, file_pk):
    # A submitted file is part of the submission: whoever may read it may open it.
    enrolment = _enrolment(
        request, pk, policy.REVIEW, log_as=f"submission {number}, file {file_pk}"
    )
    submission = _submission(enrolment, number)
    if file_pk not in submission.file_ids():
        raise Http404("No such file.")
    evidence = get_object_or_404(EvidenceFile, pk=file_pk, enrolment=enrolment)
    return _file_response(evidence)


@login_required
@never_cache
def review_view(request, pk, number):
    enrolment = _enrolment(request, pk, policy.REVIEW)
    if not policy.may_assess(request.user, enrolment):
        raise Http404("No such submission.")
    submission = _submission(enrolment, number)
    if submission.outcome != SubmissionOutcome.PENDING:
        messages.info(request, "This submission has been decided.")
        return redirect("certification:submission", pk=pk, number=number)
    form = ReviewForm(
        request.POST or None,
        items=submission.snapshot["items"],
        marks={m.key: m for m in submission.marks.all()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            review(
                submission,
                request.user,
                marks=form.marks(),
                feedback=form.cleaned_data["feedback"],
                outcome=form.cleaned_data["outcome"],
            )
        except ReviewError as error:
            form.add_error(error.field or "outcome", str(error))
        else:
            messages.success(request, "Your decision is recorded and the participant told.")
            return redirect("certification:submission", pk=pk, number=number)
    return _render(
        request,
        "certification/review.html",
        enrolment,
        "certification:history",
        {"submission": submission, "form": form},
    )


@login_required
@never_cache
def moderate_view(request, pk, number):
    enrolment = _enrolment(request, pk, policy.REVIEW)
    submission = _submission(enrolment, number)
    if not policy.may_moderate(request.user, submission):
        raise Http404("No such submission.")
    if submission.outcome != SubmissionOutcome.RECOMMENDED or submission.moderation:
        messages.info(request, "There is no recommendation to moderate here.")
        return redirect("certification:submission", pk=pk, number=number)
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderate(
                submission,
                request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ReviewError as error:
            form.add_error(error.field or "outcome", str(error))
        else:
            messages.success(request, "Moderation recorded.")
            return redirect("certification:submission", pk=pk, number=number)
    return _render(
        request,
        "certification/moderate.html",
        enrolment,
        "certification:history",
        {"submission": submission, "form": form, "marks": list(submission.marks.all())},
    )


@login_required
@never_cache
def moderation(request):
    """Recommendations waiting for a moderator to sample."""
    if not policy.is_moderator(request.user):
        raise Http404("No such page.")
    waiting = (
        Submission.objects.filter(outcome=SubmissionOutcome.RECOMMENDED, moderation="")
        .exclude(decided_by=request.user)
        .select_related("enrolment__participant", "enrolment__requirement_set__award", "decided_by")
        .order_by("decided_at")
    )
    return render(request, "certification/moderation.html", {"waiting": list(waiting)})


@login_required
@never_cache
def history(request, pk):
    enrolment = _enrolment(request, pk, policy.REVIEW)
    return _render(
        request,
        "certification/history.html",
        enrolment,
        "certification:history",
        {
            "submissions": list(
                enrolment.submissions.select_related("decided_by", "moderated_by").order_by(
                    "-number"
                )
            ),
            "events": list(enrolment.audit.select_related("actor", "submission")),
            "can_submit": policy.may_edit(request.user, enrolment)
            and enrolment.status in SUBMITTABLE,
        },
    )


@login_required
@never_cache
def certificate_pdf(request, pk):
    enrolment = _enrolment(request, pk, policy.PROGRESS, log_as="certificate")
    certificate = Certificate.objects.filter(enrolment=enrolment).first()
    if (
        certificate is None
        or certificate.is_revoked
        or not policy.may_download_certificate(request.user, enrolment)
    ):
        raise Http404("No certificate.")
    return private_pdf_response(render_certificate_pdf(certificate), f"{certificate.number}.pdf")


@login_required
@never_cache
def credential_download(request, pk):
    """The holder's Open Badges credential, to import into a wallet or a profile."""
    enrolment = _enrolment(request, pk, policy.PROGRESS, log_as="credential")
    certificate = Certificate.objects.filter(enrolment=enrolment).select_related("award").first()
    if (
        certificate is None
        or certificate.is_revoked
        or not policy.may_download_certificate(request.user, enrolment)
    ):
        raise Http404("No certificate.")
    response = credential_response(certificate, download=True)
    response["Cache-Control"] = "private, no-store"
    return response


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation's link: choose a password, be signed in, land on the portfolio."""

    template_name = "accounts/password_reset_confirm.html"
    post_reset_login = True

    def get_success_url(self):
        enrolment = self.user.enrolments.order_by("-created_at").first()
        if enrolment is None:
            return reverse("accounts:account")
        return reverse("certification:portfolio", args=[enrolment.pk])
