"""Cohorts: dated runs of a course, with their sessions, capacity and price."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from courses.pricing import Charging

from ..policy import CancellationPolicy
from ..pricing import Offer
from .bookings import Booking, BookingStatus, Hold


class CohortStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open for booking"
    FULL = "full", "Full"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


# Statuses in which a cohort is shown to schools.
LISTED_STATUSES = (CohortStatus.OPEN, CohortStatus.FULL)


def academic_year_of(day):
    """The academic year a date falls in, by the year it starts: 2026 for September 2026
    to August 2027."""
    return day.year if day.month >= 9 else day.year - 1


def term_of(day):
    """The school term a date falls in, the way schools name them: 'Autumn 2026'."""
    if day.month >= 9:
        return f"Autumn {day.year}"
    if day.month <= 3:
        return f"Spring {day.year}"
    return f"Summer {day.year}"


def _sum_places(queryset):
    return Coalesce(
        Subquery(
            queryset.values("cohort").annotate(total=Sum("places")).values("total")[:1],
            output_field=models.IntegerField(),
        ),
        Value(0),
    )


class CohortQuerySet(models.QuerySet):
    def with_places(self, now=None):
        """Annotate places taken (confirmed bookings plus unexpired holds) and left, in
        the same query, so that a listing costs one query however many cohorts it shows."""
        now = now or timezone.now()
        booked = Booking.objects.filter(cohort=OuterRef("pk"), status=BookingStatus.CONFIRMED)
        held = Hold.objects.filter(
            cohort=OuterRef("pk"), released_at__isnull=True, expires_at__gt=now
        )
        return self.annotate(
            places_booked=_sum_places(booked), places_held=_sum_places(held)
        ).annotate(places_left=F("capacity") - F("places_booked") - F("places_held"))

    def published(self):
        """Cohorts of courses whose pages are live: a run of an unpublished course is
        nobody's business yet."""
        return self.filter(course__live=True)

    def listed(self, now=None):
        """Cohorts schools can see: open or full, first session still to come, not
        reserved for one organisation, of a published course."""
        now = now or timezone.now()
        return (
            self.published()
            .filter(status__in=LISTED_STATUSES, starts_at__gt=now, reserved_for__isnull=True)
            .order_by("starts_at", "pk")
        )


class Cohort(ClusterableModel):
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.PROTECT, related_name="cohorts"
    )
    title = models.CharField(
        max_length=120,
        blank=True,
        help_text="Optional, e.g. 'Leeds, autumn' or 'For Riverside Trust'. "
        "Dates and place are shown anyway.",
    )
    status = models.CharField(
        max_length=12, choices=CohortStatus.choices, default=CohortStatus.DRAFT
    )
    capacity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="Places on offer in all."
    )
    booking_opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave blank to take bookings straight away."
    )
    booking_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave blank to take bookings until the first session."
    )
    naming_deadline = models.DateField(
        null=True,
        blank=True,
        help_text="Places may be booked 'to be named' until this date.",
    )
    reserved_for = models.ForeignKey(
        "bookings.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reserved_cohorts",
        help_text="For in-school and bespoke runs: only this organisation (or, for a "
        "trust, its member schools) may book, and the run is not listed publicly.",
    )
    price_override = models.DecimalField(
        "price excluding VAT (£)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Leave blank to charge the course's standard price.",
    )
    early_bird_price = models.DecimalField(
        "early-bird price excluding VAT (£)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    early_bird_until = models.DateField(
        null=True, blank=True, help_text="The last day the early-bird price applies."
    )
    full_credit_days = models.PositiveSmallIntegerField(
        "full credit until (days before)",
        default=28,
        help_text="Places cancelled at least this many days before the first session are "
        "credited in full.",
    )
    part_credit_days = models.PositiveSmallIntegerField(
        "part credit until (days before)",
        default=14,
        help_text="Places cancelled later, but at least this many days before, are credited "
        "in part; after that, not at all.",
    )
    part_credit_percent = models.PositiveSmallIntegerField(
        "part credit (%)",
        default=50,
        validators=[MaxValueValidator(100)],
    )
    min_delegates = models.PositiveSmallIntegerField(
        "minimum delegates",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave blank if the date runs however many book. If set, the date is shown "
        "as 'to be confirmed' and joining details wait until you confirm it goes ahead.",
    )
    decide_by = models.DateField(
        "decide by",
        null=True,
        blank=True,
        help_text="The day by which you confirm or cancel the date; you are reminded a few "
        "days before.",
    )
    go_ahead_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cohorts_trained",
        help_text="Who runs this date: they take the attendance registers.",
    )
    # Copied from the sessions on save, so that listings can sort and filter by date.
    starts_at = models.DateTimeField(null=True, editable=False, db_index=True)
    ends_at = models.DateTimeField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    panels = [
        FieldPanel("course"),
        FieldRowPanel([FieldPanel("title"), FieldPanel("status")]),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("reserved_for")]),
        FieldPanel("trainers"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("booking_opens_at"), FieldPanel("booking_closes_at")]),
                FieldPanel("naming_deadline"),
            ],
            heading="Booking window",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("min_delegates"), FieldPanel("decide_by")])],
            heading="Runs only with enough delegates",
        ),
        MultiFieldPanel(
            [
                FieldPanel("full_credit_days"),
                FieldRowPanel([FieldPanel("part_credit_days"), FieldPanel("part_credit_percent")]),
            ],
            heading="Cancellation policy",
        ),
        MultiFieldPanel(
            [
                FieldPanel("price_override"),
                FieldRowPanel([FieldPanel("early_bird_price"), FieldPanel("early_bird_until")]),
            ],
            heading="Price",
        ),
        InlinePanel("sessions", heading="Sessions", label="Session", min_num=1),
    ]

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self):
        when = timezone.localtime(self.starts_at).strftime("%-d %b %Y") if self.starts_at else ""
        return " · ".join(filter(None, [self.course.title, when, self.title]))

    def clean(self):
        super().clean()
        errors = {}
        if self.early_bird_price is not None and not self.early_bird_until:
            errors["early_bird_until"] = "Give the last day of the early-bird price."
        if self.early_bird_until and self.early_bird_price is None:
            errors["early_bird_price"] = "Give the early-bird price, or clear its date."
        opens, closes = self.booking_opens_at, self.booking_closes_at
        if opens and closes and closes <= opens:
            errors["booking_closes_at"] = "Bookings must close after they open."
        if self.pk and self.min_delegates is None:
            before = Cohort.objects.filter(pk=self.pk).values(
                "min_delegates", "go_ahead_confirmed_at"
            )
            before = before.first()
            if before and before["min_delegates"] and not before["go_ahead_confirmed_at"]:
                errors["min_delegates"] = (
                    "To run this date after all, keep the minimum and use 'Confirm this "
                    "date goes ahead' in the list of dates: that sends the joining details."
                )
        if self.min_delegates and not self.decide_by:
            errors["decide_by"] = "Give the day by which you will confirm or cancel the date."
        if self.decide_by and not self.min_delegates:
            errors["min_delegates"] = "Give the minimum number, or clear the decision date."
        if self.min_delegates and self.min_delegates > self.capacity:
            errors["min_delegates"] = "The minimum cannot be more than the places on offer."
        first = self.first_day()
        if self.decide_by and first and self.decide_by >= first:
            errors["decide_by"] = "Decide before the first session, so schools can plan."
        if self.part_credit_days > self.full_credit_days:
            errors["part_credit_days"] = (
                "Part credit must end on or after full credit does: give fewer days."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.refresh_dates()
        super().save(*args, **kwargs)

    def refresh_dates(self):
        # The in-memory sessions: an admin form sets them before saving the cohort.
        sessions = [s for s in self.sessions.all() if s.starts_at and s.ends_at]
        self.starts_at = min((s.starts_at for s in sessions), default=None)
        self.ends_at = max((s.ends_at for s in sessions), default=None)

    # --- What schools see -------------------------------------------------------------

    @property
    def term(self):
        return term_of(timezone.localtime(self.starts_at).date()) if self.starts_at else ""

    @property
    def is_online(self):
        sessions = list(self.sessions.all())
        return bool(sessions) and all(s.is_online for s in sessions)

    @property
    def place_label(self):
        """Where it happens, in a few words: 'Online', or the first line of the venue."""
        sessions = list(self.sessions.all())
        if not sessions:
            return ""
        if all(s.is_online for s in sessions):
            return "Online"
        venue = next(s.venue for s in sessions if not s.is_online)
        return venue.strip().splitlines()[0].rstrip(",")

    def places_confirmed(self):
        return (
            self.bookings.filter(status=BookingStatus.CONFIRMED).aggregate(total=Sum("places"))[
                "total"
            ]
            or 0
        )

    @property
    def awaits_go_ahead(self):
        """A run with a minimum number of delegates that the office has not yet confirmed:
        shown as 'to be confirmed', and joining details wait."""
        return (
            self.min_delegates is not None
            and self.go_ahead_confirmed_at is None
            and self.status != CohortStatus.CANCELLED
        )

    @property
    def is_going_ahead(self):
        """Whether delegates should have joining details: the run is not cancelled, and
        if it needs enough delegates, the office has confirmed it goes ahead."""
        return self.status != CohortStatus.CANCELLED and not self.awaits_go_ahead

    def booking_window_problem(self, now=None):
        """Why this cohort cannot be booked right now, in a sentence; '' if it can.
        Capacity is not checked here: that needs the lock (see services)."""
        now = now or timezone.now()
        if self.status == CohortStatus.CANCELLED:
            return "This date has been cancelled."
        if self.status in (CohortStatus.DRAFT, CohortStatus.CLOSED):
            return "This date is not open for booking."
        if self.starts_at is None or self.starts_at <= now:
            return "This date has already started, so it can no longer be booked."
        if self.booking_opens_at and now < self.booking_opens_at:
            opens = timezone.localtime(self.booking_opens_at).strftime("%-d %B %Y")
            return f"Booking for this date opens on {opens}."
        if self.booking_closes_at and now >= self.booking_closes_at:
            return "Booking for this date has closed."
        return ""

    def may_be_booked_by(self, organisation):
        if self.reserved_for_id is None:
            return True
        if organisation is None:
            return False
        return organisation.pk == self.reserved_for_id or (
            organisation.trust_id is not None and organisation.trust_id == self.reserved_for_id
        )

    def offer(self):
        """What this run sells, resolved from the course's standard price and this
        cohort's override, as the pure pricing functions take it."""
        price = self.course.price
        charging = price.charging
        amount = price.amount
        if self.price_override is not None:
            amount = self.price_override
            if charging == Charging.ON_REQUEST:
                # A bespoke run with an agreed price is sold as one package.
                charging = Charging.PER_SCHOOL_TEAM
        return Offer(
            course_id=self.course_id,
            course_title=self.course.title,
            charging=charging,
            amount=amount,
            vat_rate=price.vat_rate,
            min_places=price.min_places,
            max_places=price.max_places,
            early_bird_amount=self.early_bird_price,
            early_bird_until=self.early_bird_until,
        )

    def early_bird_applies(self, today=None):
        today = today or timezone.localdate()
        return (
            self.early_bird_price is not None
            and self.early_bird_until is not None
            and today <= self.early_bird_until
        )

    @property
    def is_priced_on_request(self):
        return self.offer().charging == Charging.ON_REQUEST

    def naming_deadline_passed(self, today=None):
        today = today or timezone.localdate()
        return self.naming_deadline is not None and today > self.naming_deadline

    def cancellation_policy(self):
        return CancellationPolicy(
            self.full_credit_days, self.part_credit_days, self.part_credit_percent
        )

    def first_day(self):
        return timezone.localtime(self.starts_at).date() if self.starts_at else None

    def last_day_to_name(self):
        if self.naming_deadline:
            return self.naming_deadline
        if self.starts_at:
            return timezone.localtime(self.starts_at).date() - datetime.timedelta(days=1)
        return None


class CohortSession(Orderable):
    cohort = ParentalKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=120, help_text="e.g. 'Day 1: Fundamentals'.")
    starts_at = models.DateTimeField(help_text="UK time.")
    ends_at = models.DateTimeField(help_text="UK time.")
    venue = models.TextField(blank=True, help_text="The address, for a session in person.")
    online_url = models.URLField(
        "online joining link",
        blank=True,
        help_text="For a session online. Sent to delegates only, never shown publicly.",
    )
    # Raised whenever the time or place changes, so calendars replace the old event.
    sequence = models.PositiveIntegerField(default=0, editable=False)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("venue"),
        FieldPanel("online_url"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_it_starts"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_online(self):
        return not self.venue.strip()

    MOVING_FIELDS = ("starts_at", "ends_at", "venue", "online_url")

    def save(self, *args, **kwargs):
        if self.pk:
            before = CohortSession.objects.filter(pk=self.pk).values(*self.MOVING_FIELDS).first()
            if before and any(before[f] != getattr(self, f) for f in self.MOVING_FIELDS):
                self.sequence += 1
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "A session must end after it starts."
        if not self.venue.strip() and not self.online_url:
            errors["venue"] = "Give the venue's address, or an online joining link."
        if errors:
            raise ValidationError(errors)


class SessionReminder(models.Model):
    """A delegate has been reminded of a session; one each, so nobody is reminded twice."""

    delegate = models.ForeignKey(
        "bookings.Delegate", on_delete=models.CASCADE, related_name="session_reminders"
    )
    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "session"], name="one_reminder_per_delegate_and_session"
            )
        ]

    def __str__(self):
        return f"Reminder to {self.delegate} of {self.session}"


class AttendanceMark(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    ABSENT = "absent", "Absent"


# Marks that count as having attended the session, for completing the course.
ATTENDED = (AttendanceMark.PRESENT, AttendanceMark.LATE)


class SessionAttendance(models.Model):
    """A delegate's attendance at one session, as the trainer or the office marked it."""

    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="attendance")
    delegate = models.ForeignKey(
        "bookings.Delegate", on_delete=models.CASCADE, related_name="attendance"
    )
    mark = models.CharField(max_length=10, choices=AttendanceMark.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "delegate"], name="one_attendance_mark_per_session"
            )
        ]

    def __str__(self):
        return f"{self.delegate} {self.get_mark_display().lower()} at {self.session}"
