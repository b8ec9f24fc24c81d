"""Awards and their versioned requirements, enrolments, and what a participant records
towards them (the coaching diary, the reflective log, answers to portfolio tasks).

A requirement set is a version: once an enrolment uses it, it is never changed again;
editing the award's requirements makes the next version (services.revise_requirements),
and an enrolment keeps the version it started with.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable


class AwardKind(models.TextChoices):
    CERTIFICATE = "certificate", "Certificate (assessed portfolio)"
    FRAMEWORK_PHASE = "framework", "Recognition Framework phase"
    ATTENDANCE = "attendance", "Certificate of attendance"


class Award(models.Model):
    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=12, choices=AwardKind.choices)
    level = models.CharField(
        max_length=80, blank=True, help_text="e.g. 'Level 5 (National Qualification Framework)'."
    )
    description = models.TextField(blank=True)
    number_prefix = models.CharField(
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9]+$", "Use letters and digits only, e.g. CCC.")],
        help_text=(
            "Starts each certificate number, e.g. 'CCC' for CCC-2026-0007. Needed before "
            "the award's first certificate, and best not changed after."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("level")]),
        FieldPanel("number_prefix"),
        FieldPanel("description"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Capitals always, so that "ccc" and "CCC" cannot be two awards' prefixes; none
        # stored as NULL, which any number of awards may share.
        self.number_prefix = (self.number_prefix or "").upper() or None
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.number_prefix:
            self.number_prefix = self.number_prefix.upper()
            others = Award.objects.exclude(pk=self.pk)
            if others.filter(number_prefix__iexact=self.number_prefix).exists():
                raise ValidationError(
                    {"number_prefix": "Another award's numbers start with this already."}
                )

    def current_requirements(self):
        return self.requirement_sets.order_by("-version").first()


class RequirementSet(ClusterableModel):
    """What an award asks for, as one numbered version."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="requirement_sets")
    version = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    training_sessions = models.PositiveSmallIntegerField(
        default=0, help_text="Training sessions to attend, from the attendance register."
    )
    coaching_sessions_total = models.PositiveSmallIntegerField(
        default=0, help_text="Coaching sessions to log in the diary in all."
    )
    coaching_sessions_per_term = models.PositiveSmallIntegerField(
        default=0, help_text="At least this many in each of the three terms (0: no rule)."
    )
    coaching_minimum_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="A logged session counts only if it lasted at least this long."
    )
    reflective_entries = models.PositiveSmallIntegerField(
        default=0, help_text="Reflective-log entries to write."
    )
    qa_visit_required = models.BooleanField(default=False)
    moderation_required = models.BooleanField(
        default=False,
        help_text="A moderator must agree each recommendation before a certificate is issued.",
    )

    panels = [
        FieldPanel("award"),
        MultiFieldPanel(
            [
                FieldPanel("training_sessions"),
                FieldRowPanel(
                    [
                        FieldPanel("coaching_sessions_total"),
                        FieldPanel("coaching_sessions_per_term"),
                    ]
                ),
                FieldPanel("coaching_minimum_minutes"),
                FieldPanel("reflective_entries"),
                FieldPanel("qa_visit_required"),
                FieldPanel("moderation_required"),
            ],
            heading="What is asked for",
        ),
        InlinePanel("tasks", heading="Portfolio tasks", label="Task"),
        InlinePanel("criteria", heading="Criteria needing evidence", label="Criterion"),
    ]

    class Meta:
        ordering = ["award", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["award", "version"], name="one_number_per_version")
        ]

    def __str__(self):
        return f"{self.award} (requirements v{self.version})"

    @property
    def in_use(self):
        return self.enrolments.exists()


class TaskKind(models.TextChoices):
    PRE_COURSE = "pre_course", "Before the course"
    REVIEW = "review", "Self and organisational review"
    AFTER_SESSION = "after_session", "After a training session"
    FINAL = "final", "Final reflection"


class PortfolioTask(Orderable):
    requirement_set = ParentalKey(RequirementSet, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=160)
    kind = models.CharField(max_length=14, choices=TaskKind.choices)
    prompt = models.TextField(blank=True)

    panels = [FieldRowPanel([FieldPanel("title"), FieldPanel("kind")]), FieldPanel("prompt")]

    def __str__(self):
        return self.title


class Criterion(Orderable):
    """A standard to show evidence for (the Recognition Framework's phases)."""

    requirement_set = ParentalKey(RequirementSet, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(max_length=12)
    text = models.TextField()
    evidence_required = models.BooleanField(default=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("evidence_required")]),
        FieldPanel("text"),
    ]

    def __str__(self):
        return f"{self.code} {self.text[:40]}"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "Working on the portfolio"
    SUBMITTED = "submitted", "Submitted for assessment"
    REFERRED = "referred", "Referred back"
    RECOMMENDED = "recommended", "Recommended for the award"
    AWARDED = "awarded", "Awarded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Enrolment(models.Model):
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    requirement_set = models.ForeignKey(
        RequirementSet, on_delete=models.PROTECT, related_name="enrolments"
    )
    cohort = models.ForeignKey(
        "bookings.Cohort", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey(
        "bookings.Delegate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The school the participant coaches in: its coaching lead and impact lead see this
    # portfolio as the confidentiality rules allow (policy.py).
    organisation = models.ForeignKey(
        "bookings.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessing",
    )
    # The academic year the three terms fall in, by the year it starts: 2026 is
    # autumn 2026, spring 2027 and summer 2027.
    academic_year = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]
        permissions = [
            ("view_portfolio", "Can read any participant's portfolio (each look is logged)")
        ]

    def __str__(self):
        return f"{self.participant} on {self.requirement_set.award}"

    @property
    def award(self):
        return self.requirement_set.award

    def portfolio_link(self):
        return format_html(
            '<a href="{}">Open</a>', reverse("certification:portfolio", args=[self.pk])
        )

    @property
    def is_open(self):
        """Open for the participant's work until the award is made or they withdraw."""
        return self.status not in (EnrolmentStatus.AWARDED, EnrolmentStatus.WITHDRAWN)


class CoachingStyle(models.TextChoices):
    FACILITATIVE = "facilitative", "Facilitative"
    DIALOGICAL = "dialogical", "Dialogical"
    DIRECTIVE = "directive", "Directive"


class CyclePhase(models.TextChoices):
    IDENTIFY = "identify", "Identify"
    LEARN = "learn", "Learn"
    IMPROVE = "improve", "Improve"


class CoachingCycle(models.Model):
    """A run of sessions with one coachee towards one goal, through the three phases
    (identify, learn, improve). The school's impact lead writes an impact statement when
    it ends."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveSmallIntegerField()
    coachee = models.CharField(max_length=80, help_text="Initials or role, e.g. 'ECT, year 4'.")
    goal = models.CharField(max_length=200, help_text="What the coachee wants to work on.")
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["enrolment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "number"], name="one_number_per_cycle")
        ]

    def __str__(self):
        return f"Cycle {self.number}: {self.goal}"

    def portfolio_link(self):
        return format_html(
            '<a href="{}">Open</a>', reverse("certification:portfolio", args=[self.pk])
        )

    @property
    def is_open(self):
        return self.ended_on is None


class CoachingTrio(models.Model):
    """Participants from different schools on a partnership course who keep coaching each
    other after it. Sessions in a member's diary marked as the trio's meetings give the
    partnership's yearly figure: how many cross-school trios meet, and how often."""

    name = models.CharField(max_length=80, help_text="e.g. 'Trio 3: Ashworth, Calder, Moor'.")
    academic_year = models.PositiveSmallIntegerField(
        help_text="The year the trio meets in, by the year it starts: 2026 is 2026 to 2027."
    )
    members = models.ManyToManyField("Enrolment", related_name="trios")

    class Meta:
        ordering = ["-academic_year", "name"]

    def __str__(self):
        return f"{self.name} ({self.academic_year} to {self.academic_year + 1})"


class CoachingSession(models.Model):
    """An entry in the coaching diary. The coachee is named by initials or role: never
    required to be a full name."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="diary")
    cycle = models.ForeignKey(
        CoachingCycle, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    phase = models.CharField(max_length=8, choices=CyclePhase.choices, blank=True)
    trio = models.ForeignKey(
        CoachingTrio,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        help_text="If this session was a meeting of your coaching trio.",
    )
    held_on = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    coachee = models.CharField(max_length=80, help_text="Initials or role, e.g. 'ECT, year 4'.")
    focus = models.CharField(max_length=200, blank=True)
    model_and_tools = models.CharField(max_length=200, blank=True)
    style = models.CharField(max_length=12, choices=CoachingStyle.choices, blank=True)
    what_happened = models.TextField(blank=True)
    reflection = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.held_on:%d/%m/%Y}, {self.minutes} min with {self.coachee}"


def hash_link_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class CoacheeLink(models.Model):
    """A private link that lets the coachee add their own notes to one session, with no
    account: it shows only that session, lasts 14 days and can be withdrawn."""

    LIFETIME_DAYS = 14

    session = models.ForeignKey(
        CoachingSession, on_delete=models.CASCADE, related_name="coachee_links"
    )
    # Only a hash of the token is kept: the link itself is shown (and emailed) once, when
    # it is made (services.portfolio.make_coachee_link).
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Coachee link for {self.session}"

    def is_live(self, now=None):
        now = now or timezone.now()
        return self.withdrawn_at is None and now < self.expires_at


class CoacheeNote(models.Model):
    """What the coachee wrote about the session through their link."""

    session = models.ForeignKey(
        CoachingSession, on_delete=models.CASCADE, related_name="coachee_notes"
    )
    link = models.ForeignKey(CoacheeLink, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField()
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self):
        return f"Coachee's note on {self.session}"


class ImpactStatement(models.Model):
    """The impact lead's short statement at the end of a coaching cycle, for the head and
    governors: how the coaching developed, never the teacher's performance."""

    cycle = models.OneToOneField(
        CoachingCycle, on_delete=models.CASCADE, related_name="impact_statement"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    written_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Impact statement for {self.cycle}"


class ReflectiveEntry(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="reflective_log"
    )
    written_on = models.DateField(default=timezone.localdate)
    title = models.CharField(max_length=160)
    body = models.TextField()
    criteria = models.ManyToManyField(
        "Criterion", blank=True, related_name="entries", help_text="Criteria this is evidence for."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-written_on", "-pk"]

    def __str__(self):
        return self.title


class TaskResponse(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="answers")
    task = models.ForeignKey(PortfolioTask, on_delete=models.PROTECT, related_name="answers")
    answer = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "task"], name="one_answer_per_task")
        ]

    def __str__(self):
        return f"{self.task} ({'done' if self.completed_at else 'draft'})"


def portfolio_storage():
    """Outside the public media folder: files are served only by the portfolio's views,
    which ask the policy first (settings STORAGES['portfolio'])."""
    return storages["portfolio"]


def evidence_path(instance, filename):
    # A random name: nothing about the participant or the file's own name is on disk.
    return f"evidence/{instance.enrolment_id}/{uuid.uuid4().hex}"


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    WORD = "word", "Word document"
    IMAGE = "image", "Image"


class EvidenceFile(models.Model):
    """An uploaded file in a portfolio. Never changed once uploaded: removing it from the
    portfolio only sets `removed_at`, so a submission that listed it still has it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=portfolio_storage, upload_to=evidence_path, max_length=200)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=FileKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    reflective_entry = models.ForeignKey(
        ReflectiveEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    task_response = models.ForeignKey(
        TaskResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    criteria = models.ManyToManyField(
        "Criterion", blank=True, related_name="files", help_text="Criteria this is evidence for."
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.name


class SubmissionOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for the assessor"
    REFERRED = "referred", "Referred back"
    RECOMMENDED = "recommended", "Recommended for the award"


class ModerationOutcome(models.TextChoices):
    AGREED = "agreed", "Agreed"
    RETURNED = "returned", "Returned to the assessor"


class ImmutableSubmissionError(Exception):
    """A submission's snapshot is what was submitted: it is never changed."""


class Submission(models.Model):
    """The portfolio as it stood when submitted, frozen: entries, answers and file
    references are copied into `snapshot`, so the assessor marks exactly that while the
    participant keeps working on the live portfolio."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField()
    outcome = models.CharField(
        max_length=12, choices=SubmissionOutcome.choices, default=SubmissionOutcome.PENDING
    )
    feedback = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    moderation = models.CharField(max_length=10, choices=ModerationOutcome.choices, blank=True)
    moderation_note = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrolment", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "number"], name="one_number_per_submission"
            )
        ]
        permissions = [("moderate_submission", "Can moderate assessors' recommendations")]

    def __str__(self):
        return f"Submission {self.number} of {self.enrolment}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Submission.objects.filter(pk=self.pk).values_list("snapshot", flat=True)
            if stored and stored[0] != self.snapshot:
                raise ImmutableSubmissionError("A submitted portfolio is never changed.")
        super().save(*args, **kwargs)

    def file_ids(self):
        return {f["id"] for f in self.snapshot.get("files", [])}


class RequirementMark(models.Model):
    """The assessor's judgement of one requirement in a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="marks")
    key = models.CharField(max_length=40)
    label = models.CharField(max_length=240)
    met = models.BooleanField()
    feedback = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "key"], name="one_mark_per_requirement")
        ]

    def __str__(self):
        return f"{self.label}: {'met' if self.met else 'not yet met'}"


class AuditAction(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    SUBMITTED = "submitted", "Submitted the portfolio"
    REFERRED = "referred", "Referred the portfolio back"
    RECOMMENDED = "recommended", "Recommended the award"
    MODERATION_AGREED = "agreed", "Moderation: agreed the recommendation"
    MODERATION_RETURNED = "returned", "Moderation: returned to the assessor"
    LINK_SENT = "link_sent", "Made a coachee link"
    LINK_WITHDRAWN = "link_withdrawn", "Withdrew a coachee link"
    IMPACT_STATEMENT = "impact", "Wrote an impact statement"
    AWARDED = "awarded", "Issued the certificate"
    REVOKED = "revoked", "Revoked the certificate"
    REISSUED = "reissued", "Reissued the certificate"


class AuditEvent(models.Model):
    """Who did what to a portfolio, and when. Rows are only ever added."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="audit")
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="audit"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor} at {self.at:%d/%m/%Y %H:%M}"


class CoachingTeam(models.Model):
    """A school's people with a view of its staff's coaching, set by the provider's admins:
    coaching leads see progress as numbers; the one named impact lead also reads the
    coaching diary and writes an impact statement at the end of each cycle."""

    organisation = models.OneToOneField(
        "bookings.Organisation", on_delete=models.CASCADE, related_name="coaching_team"
    )
    impact_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="impact_lead_for",
        help_text="Reads this school's coaching diaries (never logs, tasks or files); shown "
        "on each participant's portfolio.",
    )
    coaching_leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coaching_lead_for",
        help_text="See their staff's progress as numbers only.",
    )

    def __str__(self):
        return f"Coaching team of {self.organisation}"


class PortfolioView(models.Model):
    """A provider admin looked at someone's portfolio: every such view is logged."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="admin_views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    part = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.viewer} viewed {self.part} of {self.enrolment}"


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RECORDED = "recorded", "Recorded"
    CANCELLED = "cancelled", "Cancelled"


class VisitOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    ACTIONS_REQUIRED = "actions", "Actions required"


class QAVisit(models.Model):
    """A quality-assurance visit to a school for an award: scheduled by the office, then
    recorded by the assessor on the day. Where an award's requirements ask for one, no
    certificate is issued before a confirmed visit for that school and award."""

    organisation = models.ForeignKey(
        "bookings.Organisation", on_delete=models.PROTECT, related_name="qa_visits"
    )
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="qa_visits")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(
        max_length=200, blank=True, help_text="Where at the school; empty: the school itself."
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_visits"
    )
    to_see = models.ManyToManyField(
        Enrolment,
        blank=True,
        related_name="qa_visits_planned",
        verbose_name="participants to be seen",
    )
    status = models.CharField(
        max_length=10, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED
    )
    # Each change of time or assessor is sent again as a calendar update.
    sequence = models.PositiveIntegerField(default=0)
    # What the assessor records on the day.
    attended = models.TextField(blank=True, help_text="Who took part, with their roles.")
    sampled = models.ManyToManyField(
        Enrolment, blank=True, related_name="qa_samples", verbose_name="portfolios sampled"
    )
    evidence_seen = models.TextField(blank=True)
    findings = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=VisitOutcome.choices, blank=True)
    actions = models.TextField(blank=True)
    follow_up_by = models.DateField(null=True, blank=True)
    follow_up_visit = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_up_of"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = "QA visit"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="qa_visit_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"QA visit to {self.organisation} for {self.award}, {self.starts_at:%d/%m/%Y}"

    def page_link(self):
        return format_html('<a href="{}">Open</a>', reverse("qa:visit", args=[self.pk]))

    @property
    def is_confirmed(self):
        return self.status == VisitStatus.RECORDED and self.outcome == VisitOutcome.CONFIRMED


def _verification_code():
    # 192 random bits, as 32 URL-safe characters.
    return secrets.token_urlsafe(24)


# Places on the issuer's revocation list (a W3C Bitstring Status List): each certificate
# holds one, chosen at random, so the public list says how many are revoked, never which.
# 131,072 is the spec's smallest list, enough for this provider for centuries.
STATUS_LIST_LENGTH = 131_072


class CertificateStatus(models.TextChoices):
    VALID = "valid", "Valid"
    REVOKED = "revoked", "Revoked"


class Certificate(models.Model):
    """An issued award. What it says (holder, award, level or phase, date) is copied on at
    issue, so later edits elsewhere never change a certificate; a correction is a
    reissue, which keeps the number and the verification code and records what changed."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(max_length=24, unique=True)
    code = models.CharField(max_length=64, unique=True, default=_verification_code)
    holder_name = models.CharField(max_length=200)
    award_name = models.CharField(max_length=200)
    level = models.CharField(max_length=200, blank=True)
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Its bit on the revocation list (badges.status_list_credential), for wallets.
    status_index = models.PositiveIntegerField(unique=True)

    class Meta:
        ordering = ["-issued_on", "-number"]

    def __str__(self):
        return f"{self.number} ({self.holder_name}, {self.award_name})"

    @property
    def is_revoked(self):
        return self.status == CertificateStatus.REVOKED

    def verification_path(self):
        return reverse("verify:certificate", args=[self.code])


class CertificateChange(models.Model):
    """A reissue: what changed on the certificate, why, who and when."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="changes")
    changes = models.JSONField(help_text="{field: [before, after]}")
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"Reissue of {self.certificate.number} at {self.at:%d/%m/%Y}"


class CertificateCounter(models.Model):
    """The last number used per award prefix and year, taken under a row lock."""

    prefix = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="one_certificate_counter_per_prefix_year"
            )
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Issuing"
    DONE = "done", "Finished"


class CertificateBatch(models.Model):
    """Certificates for a whole cohort at once, issued in the background: the request
    that starts it returns at once, and this row is what its progress page shows."""

    cohort = models.ForeignKey("bookings.Cohort", on_delete=models.PROTECT, related_name="+")
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    # [{"enrolment": id, "name": str, "reasons": [str]}] for each one not issued.
    refused = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name_plural = "certificate batches"

    def __str__(self):
        return f"Certificates for {self.cohort} ({self.issued} of {self.total})"

    @property
    def handled(self):
        return self.issued + len(self.refused)
