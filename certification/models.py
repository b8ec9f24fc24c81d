"""Awards and their versioned requirements, enrolments, and what a participant records
towards them (the coaching diary, the reflective log, answers to portfolio tasks).

A requirement set is a version: once an enrolment uses it, it is never changed again;
editing the award's requirements makes the next version (services.revise_requirements),
and an enrolment keeps the version it started with.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
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

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("level")]),
        FieldPanel("description"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

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

    def __str__(self):
        return f"{self.participant} on {self.requirement_set.award}"

    @property
    def award(self):
        return self.requirement_set.award


class CoachingStyle(models.TextChoices):
    FACILITATIVE = "facilitative", "Facilitative"
    DIALOGICAL = "dialogical", "Dialogical"
    DIRECTIVE = "directive", "Directive"


class CoachingSession(models.Model):
    """An entry in the coaching diary. The coachee is named by initials or role: never
    required to be a full name."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="diary")
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


class ReflectiveEntry(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="reflective_log"
    )
    written_on = models.DateField(default=timezone.localdate)
    title = models.CharField(max_length=160)
    body = models.TextField()
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
    part = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.viewer} viewed {self.part} of {self.enrolment}"
