"""Waiting lists: schools queueing for a full date, and the places offered to them.

An offer is a Hold (reason "offer") linked from the entry: the places count against
capacity while it lasts, so nobody else can book them, and the entry's booker spends it
through the booking form (services/waiting.py).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_offer_token():
    return secrets.token_urlsafe(24)


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Places offered"
    BOOKED = "booked", "Booked"
    LAPSED = "lapsed", "Offer lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# An organisation has at most one entry in these statuses per date.
ACTIVE_WAITING = (WaitingStatus.WAITING, WaitingStatus.OFFERED)


class WaitingListQuerySet(models.QuerySet):
    def for_user(self, user):
        """Entries a signed-in booker may see: their organisation's, and for a trust's
        booker, its member schools' too (as with bookings)."""
        booker = getattr(user, "booker", None) if user.is_authenticated else None
        if booker is None:
            return self.none()
        organisation = booker.organisation
        if organisation.is_trust:
            return self.filter(Q(organisation=organisation) | Q(organisation__trust=organisation))
        return self.filter(organisation=organisation)

    def active(self):
        return self.filter(status__in=ACTIVE_WAITING)

    def in_line(self):
        return self.filter(status=WaitingStatus.WAITING).order_by("position", "pk")


class WaitingListEntry(models.Model):
    cohort = models.ForeignKey(
        "bookings.Cohort", on_delete=models.CASCADE, related_name="waiting_list"
    )
    organisation = models.ForeignKey(
        "bookings.Organisation", on_delete=models.PROTECT, related_name="waiting_list_entries"
    )
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waiting_list_entries"
    )
    places = models.PositiveSmallIntegerField()
    contact_name = models.CharField(max_length=160)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # Smaller is nearer the front; ties (there should be none) go by when they joined.
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=WaitingStatus.choices, default=WaitingStatus.WAITING
    )
    offer_hold = models.OneToOneField(
        "bookings.Hold",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waiting_list_entry",
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    offers_made = models.PositiveSmallIntegerField(default=0)
    token = models.CharField(max_length=40, unique=True, default=new_offer_token, editable=False)
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waiting_list_entry",
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = WaitingListQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "position", "pk"]
        verbose_name = "waiting list entry"
        verbose_name_plural = "waiting list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "organisation"],
                condition=Q(status__in=ACTIVE_WAITING),
                name="one_active_waiting_entry_per_organisation",
            )
        ]

    def __str__(self):
        return f"{self.organisation} waiting for {self.places} on {self.cohort}"

    @property
    def offer_expires_at(self):
        return self.offer_hold.expires_at if self.offer_hold_id else None

    def offer_is_open(self, now=None):
        return (
            self.status == WaitingStatus.OFFERED
            and self.offer_hold_id is not None
            and self.offer_hold.is_active(now)
        )
