"""Changes after booking: substituting a delegate, cancelling places or a whole booking
under the cohort's policy, and the office's moves and cancellations.

Money always follows the paperwork: what is credited is a credit note against the
invoice, and what was paid by card and is now credited goes back to the card.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses.pricing import money

from ..models import (
    Booking,
    BookingEvent,
    BookingStatus,
    CardCheckout,
    CheckoutStatus,
    Cohort,
    CohortStatus,
    Delegate,
    DocumentKind,
    Hold,
    Invoice,
    PaymentMethodReceived,
    RefundStatus,
)
from ..tasks import booking_changed, cohort_cancelled
from . import capacity
from .booking import BookingError, cancel_booking, check_delegates, full_message
from .card import close_checkout, refund_to_card
from .invoicing import CreditRequest, InvoicingError, creditable_lines, issue_credit_note
from .waiting import close_waiting_list


def _active(booking):
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise BookingError("booking", f"This booking is {booking.get_status_display().lower()}.")


def _not_started(cohort, now):
    if cohort.starts_at and cohort.starts_at <= now:
        raise BookingError("booking", "The course has started: please call the office.")


def credit_share(booking, now=None):
    """What cancelling now would credit, as a share of the price (0 to 1)."""
    now = now or timezone.now()
    first_day = booking.cohort.first_day()
    if first_day is None:
        return Decimal(1)
    return booking.cohort.cancellation_policy().share(first_day, timezone.localdate(now))


def card_refundable(invoice):
    """What has been paid by card on an invoice and not yet refunded."""
    paid = money(0)
    for payment in invoice.payments.filter(method=PaymentMethodReceived.CARD):
        refunded = sum(
            (r.amount for r in payment.refunds.exclude(status=RefundStatus.FAILED)), money(0)
        )
        paid += payment.amount - refunded
    return paid


def refund_credit(note, *, reason, actor=None, now=None):
    """Send a credit note's value back to the card it was paid with, as far as it was
    paid by card (anything paid by bank transfer the office returns by hand). Only what
    was paid beyond what is still owed goes back."""
    invoice = note.credited_invoice
    invoice_now = type(invoice).objects.prefetch_related("payments", "refunds", "credit_notes")
    invoice_now = invoice_now.get(pk=invoice.pk)
    amount = min(invoice_now.refund_due, card_refundable(invoice), note.gross_total)
    if amount <= 0:
        return []
    return refund_to_card(invoice, amount, reason=reason, credit_note=note, actor=actor, now=now)


def refundable_places(invoice):
    """The invoice line of the places and how many of them are not yet credited, or
    (None, 0). A refund by the office credits whole places, so that the credit notes
    never overlap and a later cancellation credits exactly what is left."""
    for line, left in creditable_lines(invoice):
        if line.unit_net > 0:
            return line, left
    return None, 0


def refund_card_payment(invoice, *, places, reason, actor, now=None):
    """The office gives back, to the card, the price of `places` places on an invoice
    (all of them: the whole invoice), the places staying booked (a goodwill refund, a
    price agreed afterwards): a credit note for them and the matching Stripe refund. To
    cancel places as well, cancel them (which refunds as it credits)."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = Invoice.objects.select_related("booking").get(pk=invoice.pk)
        if invoice.is_credit_note:
            raise BookingError("places", "A credit note cannot be refunded: refund its invoice.")
        if card_refundable(invoice) <= 0:
            raise BookingError(
                "places", f"Nothing paid by card on {invoice.number} is left to refund."
            )
        line, left = refundable_places(invoice)
        if line is None:
            raise BookingError("places", f"{invoice.number} has already been credited in full.")
        if places > left:
            raise BookingError(
                "places", f"Only {left} place{'s' if left != 1 else ''} can still be refunded."
            )
        whole = places == left and len(creditable_lines(invoice)) == 1
        credits = None if whole else [CreditRequest(line.position, places)]
        try:
            note = issue_credit_note(invoice, reason=reason, actor=actor, credits=credits, now=now)
        except InvoicingError as error:
            raise BookingError("places", error.message) from error
        refunds = refund_credit(note, reason=reason, actor=actor, now=now)
        booking_id, note_id = invoice.booking_id, note.pk
        transaction.on_commit(
            lambda: booking_changed.enqueue(booking_id, "refunded", {"notes": [note_id]})
        )
    return note, refunds


def _close_open_checkouts(booking):
    open_ids = list(
        booking.card_checkouts.filter(status=CheckoutStatus.OPEN).values_list("pk", flat=True)
    )

    def close():
        for checkout in CardCheckout.objects.filter(pk__in=open_ids):
            close_checkout(checkout)

    if open_ids:
        transaction.on_commit(close)


# --- The booker's own changes --------------------------------------------------------------


def cancel_whole_booking(
    booking, *, actor, reason="Cancelled by the school", now=None, by_office=False
):
    """Cancel everything: credited under the cohort's policy when the booker does it, in
    full when the office does; card payments refunded as far as they are credited; the
    booker and the delegates emailed."""
    now = now or timezone.now()
    with transaction.atomic():
        capacity.lock_cohort(booking.cohort_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("cohort")
            .get(pk=booking.pk)
        )
        _active(booking)
        if not by_office:
            _not_started(booking.cohort, now)
        share = Decimal(1) if by_office else credit_share(booking, now)
        delegates = [d.pk for d in booking.active_delegates() if d.is_named]
        booking, notes = cancel_booking(
            booking, reason=reason, actor=actor, now=now, share=share, notify=False
        )
        for note in notes:
            refund_credit(note, reason=reason, actor=actor, now=now)
        _close_open_checkouts(booking)
        note_ids = [n.pk for n in notes]
        transaction.on_commit(
            lambda: booking_changed.enqueue(
                booking.pk, "cancelled", {"notes": note_ids, "cancelled_delegates": delegates}
            )
        )
    return booking, notes


def per_place_line(invoice, places):
    """The invoice line that prices each place on its own, if the booking is priced that
    way (not as a package, and with no discount to share out)."""
    remaining = creditable_lines(invoice)
    if any(line.unit_net < 0 for line, _ in remaining):
        return None
    per_place = [(line, left) for line, left in remaining if left == places and line.unit_net > 0]
    return per_place[0] if len(per_place) == 1 and len(remaining) == 1 else None


def cancel_places(
    booking, delegate_ids, *, actor, reason="Places cancelled by the school", now=None
):
    """Cancel some places of a confirmed booking (the delegates given, or unnamed places),
    credited per place under the policy. A booking priced as a package, or with a discount,
    is cancelled whole instead: which share of a package a place is worth is not ours to
    guess."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(booking.cohort_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("cohort")
            .get(pk=booking.pk)
        )
        _active(booking)
        _not_started(cohort, now)
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingError("places", "Cancel the whole booking until it is confirmed.")
        chosen = list(booking.delegates.filter(pk__in=delegate_ids, cancelled_at__isnull=True))
        if not chosen or len(chosen) != len(set(delegate_ids)):
            raise BookingError("places", "Choose the places to cancel.")
        if len(chosen) >= booking.places:
            raise BookingError("places", "To cancel every place, cancel the whole booking.")
        offer = cohort.offer()
        if offer.min_places and booking.places - len(chosen) < offer.min_places:
            raise BookingError(
                "places",
                f"This course is booked for at least {offer.min_places} places: cancel the "
                "whole booking instead.",
            )
        invoice = booking.invoices.filter(kind=DocumentKind.INVOICE).first()
        share = credit_share(booking, now)
        note = None
        if invoice is not None:
            found = per_place_line(invoice, booking.places)
            if found is None:
                raise BookingError(
                    "places",
                    "This booking is priced as a package or has a discount, so places cannot "
                    "be cancelled one by one. Cancel the whole booking, or substitute a "
                    "delegate instead.",
                )
            line, _ = found
            if share > 0:
                note = issue_credit_note(
                    invoice,
                    reason=reason,
                    actor=actor,
                    now=now,
                    credits=[CreditRequest(line.position, len(chosen), share)],
                )
                refund_credit(note, reason=reason, actor=actor, now=now)
        Delegate.objects.filter(pk__in=[d.pk for d in chosen]).update(cancelled_at=now)
        booking.places -= len(chosen)
        booking.save(update_fields=["places"])
        names = ", ".join(d.name or "a place to be named" for d in chosen)
        BookingEvent.objects.create(
            booking=booking,
            actor=actor,
            action="places cancelled",
            detail=f"{len(chosen)}: {names}" + (f"; credit note {note.number}" if note else ""),
            at=now,
        )
        capacity.refresh_full_status(cohort, now)
        named = [d.pk for d in chosen if d.is_named]
        notes = [note.pk] if note else []
        transaction.on_commit(
            lambda: booking_changed.enqueue(
                booking.pk, "places cancelled", {"notes": notes, "cancelled_delegates": named}
            )
        )
    return booking, note


def substitute_delegate(booking, delegate_id, details, *, actor, now=None):
    """Put someone else in a delegate's place (or name a place 'to be named'), until the
    cohort's naming deadline. The new delegate gets the joining details, the old one a
    cancellation."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        cohort = capacity.lock_cohort(booking.cohort_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _active(booking)
        _not_started(cohort, now)
        last_day = cohort.last_day_to_name()
        if last_day and today > last_day:
            raise BookingError(
                "email",
                f"Delegates could be changed until {last_day:%-d %B %Y}. Please call the office.",
            )
        old = booking.delegates.filter(pk=delegate_id, cancelled_at__isnull=True).first()
        if old is None:
            raise BookingError("delegate", "That place is not on this booking.")
        if not details.is_named or not details.name.strip():
            raise BookingError("email", "Give the new delegate's name and email address.")
        if old.is_named and details.email.strip().lower() == old.email:
            raise BookingError("email", "That is the delegate already in this place.")
        check_delegates(cohort, 1, [details], today)
        new = Delegate.objects.create(
            booking=booking,
            cohort=cohort,
            name=details.name.strip(),
            email=details.email.strip().lower(),
            job_title=details.job_title.strip(),
            substitutes=old,
        )
        old.cancelled_at = now
        old.save(update_fields=["cancelled_at"])
        BookingEvent.objects.create(
            booking=booking,
            actor=actor,
            action="delegate substituted" if old.is_named else "delegate named",
            detail=f"{old.name} → {new.name}" if old.is_named else new.name,
            at=now,
        )
        cancelled = [old.pk] if old.is_named else []
        transaction.on_commit(
            lambda: booking_changed.enqueue(
                booking.pk,
                "substituted",
                {"new_delegates": [new.pk], "cancelled_delegates": cancelled},
            )
        )
    return new


# --- The office's changes ------------------------------------------------------------------


def move_booking(booking, to_cohort_id, *, actor, now=None):
    """Move a booking to another run of the same course, at the price already agreed
    (the invoice stays as it is; the supply it describes is the course)."""
    now = now or timezone.now()
    with transaction.atomic():
        source_id = booking.cohort_id
        # Lock both cohorts in a fixed order, so two moves the other way cannot deadlock.
        for cohort_id in sorted({source_id, int(to_cohort_id)}):
            capacity.lock_cohort(cohort_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("cohort")
            .get(pk=booking.pk)
        )
        _active(booking)
        target = Cohort.objects.select_related("course").get(pk=to_cohort_id)
        if target.pk == source_id:
            raise BookingError("cohort", "The booking is already on that date.")
        if target.course_id != booking.cohort.course_id:
            raise BookingError("cohort", "Move a booking only to a date of the same course.")
        if target.status in (CohortStatus.CANCELLED, CohortStatus.DRAFT):
            raise BookingError("cohort", "That date is not running.")
        if target.starts_at is None or target.starts_at <= now:
            raise BookingError("cohort", "That date has already started.")
        try:
            capacity.take_places(target, booking.places, now)
        except capacity.CohortFull as full:
            raise BookingError("cohort", full_message(full.places_left)) from full
        emails = [d.email for d in booking.active_delegates() if d.is_named]
        clash = (
            Delegate.objects.filter(cohort=target, email__in=emails, cancelled_at__isnull=True)
            .values_list("email", flat=True)
            .first()
        )
        if clash:
            raise BookingError("cohort", f"{clash} already has a place on that date.")
        source = booking.cohort
        booking.cohort = target
        booking.save(update_fields=["cohort"])
        booking.delegates.update(cohort=target)
        Hold.objects.filter(booking=booking, released_at__isnull=True).update(cohort=target)
        BookingEvent.objects.create(
            booking=booking,
            actor=actor,
            action="moved",
            detail=f"from {source} to {target}",
            at=now,
        )
        capacity.refresh_full_status(source, now)
        capacity.refresh_full_status(target, now)
        transaction.on_commit(
            lambda: booking_changed.enqueue(booking.pk, "moved", {"from_cohort": source_id})
        )
    return booking


def cancel_cohort(cohort, *, reason, actor, now=None):
    """The office cancels a whole run: every booking cancelled with full credit, card
    payments refunded, everyone emailed, calendar events cancelled. Safe to repeat."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(cohort.pk)
        if cohort.status != CohortStatus.CANCELLED:
            cohort.status = CohortStatus.CANCELLED
            cohort.save(update_fields=["status"])
        bookings = list(
            Booking.objects.filter(
                cohort=cohort, status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED]
            )
        )
        done = []
        for booking in bookings:
            delegates = [d.pk for d in booking.active_delegates() if d.is_named]
            was_confirmed = booking.status == BookingStatus.CONFIRMED
            booking, notes = cancel_booking(
                booking, reason=reason, actor=actor, now=now, notify=False
            )
            for note in notes:
                refund_credit(note, reason=reason, actor=actor, now=now)
            _close_open_checkouts(booking)
            done.append((booking.pk, [n.pk for n in notes], delegates if was_confirmed else []))
        close_waiting_list(cohort, now)
        cohort.holds.filter(released_at__isnull=True).update(released_at=now)
        transaction.on_commit(lambda: cohort_cancelled.enqueue(cohort.pk, done, reason))
    return len(done)
