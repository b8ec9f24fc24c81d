"""What a school booker sees on their account page: their organisation's bookings,
delegates still to name, and invoices with what is owed. A fixed number of queries,
however many bookings there are."""

from django.db.models import Prefetch
from django.utils import timezone

from .models import Booking, BookingStatus, Delegate, Invoice, InvoiceStatus, WaitingListEntry
from .stripe_gateway import card_payments_enabled

OWING = (InvoiceStatus.UNPAID, InvoiceStatus.PART_PAID, InvoiceStatus.OVERDUE)


def booker_dashboard(user, now=None):
    booker = getattr(user, "booker", None)
    if booker is None:
        return None
    now = now or timezone.now()
    today = timezone.localdate(now)
    bookings = list(
        Booking.objects.for_user(user)
        .select_related("cohort__course", "organisation")
        .prefetch_related(
            "cohort__sessions",
            Prefetch("delegates", queryset=Delegate.objects.order_by("pk")),
        )
        .order_by("cohort__starts_at", "pk")
    )
    invoices = list(
        Invoice.objects.filter(booking__in=Booking.objects.for_user(user).values("pk"))
        .select_related("booking", "credited_invoice")
        .prefetch_related("payments", "refunds", "credit_notes")
        .order_by("-issued_at", "-pk")
    )
    active = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    upcoming = [
        b for b in bookings if b.status in active and b.cohort.ends_at and b.cohort.ends_at >= now
    ]
    upcoming_ids = {b.pk for b in upcoming}
    past = [b for b in bookings if b.pk not in upcoming_ids]
    to_name = [
        b for b in upcoming if b.places_to_name() and not b.cohort.naming_deadline_passed(today)
    ]
    owing = [i for i in invoices if i.status(today) in OWING]
    waiting = list(
        WaitingListEntry.objects.for_user(user)
        .active()
        .filter(cohort__starts_at__gt=now)
        .select_related("cohort__course", "organisation", "offer_hold")
        .order_by("cohort__starts_at", "pk")
    )
    return {
        "booker": booker,
        "organisation": booker.organisation,
        "upcoming_bookings": upcoming,
        "past_bookings": list(reversed(past)),
        "invoices": invoices,
        "to_name": to_name,
        "owing": owing,
        "overdue": [i for i in owing if i.status(today) == InvoiceStatus.OVERDUE],
        "today": today,
        "pay_by_card": card_payments_enabled(),
        "waiting": waiting,
        "offers": [e for e in waiting if e.offer_is_open(now)],
    }
