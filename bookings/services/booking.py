"""Placing, confirming and cancelling bookings.

Every operation that changes places on a cohort locks the cohort's row first and
checks capacity last, inside one transaction (see capacity.py).
"""

import datetime
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import (
    Booking,
    BookingEvent,
    BookingLine,
    BookingStatus,
    Cohort,
    Delegate,
    Hold,
    HoldReason,
    Organisation,
    PaymentMethod,
    Voucher,
)
from ..pricing import Buyer, PricingError, quote
from ..tasks import booking_cancelled, booking_changed, booking_placed
from . import capacity, waiting
from .invoicing import (
    creditable_lines,
    issue_credit_note,
    issue_invoice,
    seller_details_missing,
)

logger = logging.getLogger(__name__)

# How long places are kept for a new booker to confirm their email address.
# Short, so that a sign-up that is never confirmed cannot keep a date full for long.
EMAIL_CONFIRMATION_HOLD = datetime.timedelta(hours=2)
# How long places are kept for a booker paying by card: the half hour they are told of,
# plus the minute Stripe needs a Checkout Session to outlive its 30-minute minimum and a
# minute for its webhook to reach us after the session closes.
CARD_PAYMENT_HOLD = datetime.timedelta(minutes=32)


class BookingError(Exception):
    """Why a booking cannot be made, for the form field it concerns."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DelegateDetails:
    name: str = ""
    email: str = ""
    job_title: str = ""

    @property
    def is_named(self):
        # The email identifies a delegate; the form asks for the name with it.
        return bool(self.email.strip())


@dataclass
class BookingRequest:
    cohort_id: int
    organisation_id: int
    places: int
    delegates: list = field(default_factory=list)  # DelegateDetails, named ones only
    po_number: str = ""
    billing_name: str = ""
    billing_address: str = ""
    billing_postcode: str = ""
    finance_email: str = ""
    voucher_code: str = ""
    payment_method: str = PaymentMethod.INVOICE
    # The link of a waiting-list offer: its held places count as free for this booking.
    offer_token: str = ""
    idempotency_key: uuid.UUID = field(default_factory=uuid.uuid4)


# --- Checks shared by the form, the review page and placing the booking ---------------


def check_cohort(cohort, organisation, now=None):
    problem = cohort.booking_window_problem(now)
    if problem:
        raise BookingError("cohort", problem)
    if not cohort.may_be_booked_by(organisation):
        raise BookingError(
            "organisation",
            "This date is reserved for another school or trust. Choose one of the open dates.",
        )
    if cohort.is_priced_on_request:
        raise BookingError(
            "cohort", "This course is priced on request: please ask us for a quotation."
        )


def check_delegates(cohort, places, delegates, today, exclude_booking=None):
    named = [d for d in delegates if d.is_named]
    if len(named) > places:
        raise BookingError(
            "delegates",
            f"You have named {len(named)} delegates for {places} "
            f"{'place' if places == 1 else 'places'}. Add places or remove a delegate.",
        )
    emails = [d.email.strip().lower() for d in named]
    seen = set()
    for email in emails:
        if email in seen:
            raise BookingError(
                "delegates", f"{email} is named twice. Each delegate needs their own place."
            )
        seen.add(email)
    booked = Delegate.objects.filter(
        cohort=cohort, email__in=emails, cancelled_at__isnull=True
    ).exclude(booking__status__in=[BookingStatus.CANCELLED, BookingStatus.EXPIRED])
    if exclude_booking is not None:
        booked = booked.exclude(booking=exclude_booking)
    already = booked.values_list("email", flat=True).first()
    if already:
        raise BookingError("delegates", f"{already} already has a place on this date.")
    if len(named) < places and cohort.naming_deadline_passed(today):
        raise BookingError(
            "delegates",
            "The date for naming delegates has passed: please name everyone you are booking.",
        )


def check_invoicing_ready(request):
    if request.payment_method == PaymentMethod.INVOICE and seller_details_missing():
        logger.error("Booking refused: the invoicing settings are incomplete.")
        raise BookingError(
            "cohort",
            "We cannot take bookings by invoice at the moment. Please call or email the "
            "office and we will book your places.",
        )


def check_billing(request, organisation):
    if organisation.requires_po_number and not request.po_number.strip():
        raise BookingError(
            "po_number",
            f"{organisation.name} asks for a purchase-order number on every invoice. "
            "Enter the PO number your finance office gave you.",
        )


def find_voucher(code, *, lock=False):
    code = (code or "").strip().upper()
    if not code:
        return None
    vouchers = Voucher.objects.select_for_update() if lock else Voucher.objects.all()
    voucher = vouchers.filter(code=code).first()
    if voucher is None:
        raise BookingError("voucher_code", f"We do not recognise the voucher code {code}.")
    return voucher


def price(cohort, places, organisation, voucher, today):
    try:
        return quote(
            cohort.offer(),
            places,
            Buyer(organisation.pk, organisation.is_partner),
            voucher.terms() if voucher else None,
            today=today,
        )
    except PricingError as error:
        raise BookingError(error.field, error.message) from error


def full_message(left):
    if left == 0:
        return "Sorry, this date is now full: every place has been booked."
    return f"Sorry, only {left} {'place is' if left == 1 else 'places are'} left on this date."


def preview(request, organisation, now=None):
    """Check a request and price it without taking anything, for the review page.

    `organisation` is the school the places are for: an existing one the booker may book
    for, or, for a booker signing up now, the unsaved organisation they are creating.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    cohort = Cohort.objects.select_related("course").get(pk=request.cohort_id)
    check_cohort(cohort, organisation, now)
    check_invoicing_ready(request)
    check_billing(request, organisation)
    check_delegates(cohort, request.places, request.delegates, today)
    voucher = find_voucher(request.voucher_code)
    result = price(cohort, request.places, organisation, voucher, today)
    offer = waiting.open_offer(request.offer_token, cohort, organisation.pk, now)
    left = capacity.places_left(cohort, now, exclude_hold_ids=_offer_holds(offer))
    if request.places > left:
        raise BookingError("places", _full_message(left, request, offer))
    return result


def _offer_holds(offer):
    return [offer.offer_hold_id] if offer else []


def _full_message(left, request, offer):
    if request.offer_token and offer is None:
        return "The places offered to you from the waiting list are no longer held. " + (
            full_message(left)
        )
    return full_message(left)


def _organisation_for(request, booker_organisation):
    """The school the places are for: the booker's own, or a member school of their trust."""
    organisation = Organisation.objects.filter(pk=request.organisation_id).first()
    allowed = (
        booker_organisation is not None
        and organisation is not None
        and (
            organisation.pk == booker_organisation.pk
            or (booker_organisation.is_trust and organisation.trust_id == booker_organisation.pk)
        )
    )
    if not allowed:
        raise BookingError("organisation", "Choose your school, or a school in your trust.")
    return organisation


# --- Placing a booking --------------------------------------------------------------------


def place_booking(request, user, *, now=None, notify=True):
    """Make the booking, or return the one already made with this request's key.

    The places are confirmed and invoiced at once when the booker's email is confirmed;
    for a booker who has just signed up they are held until they confirm it. The booker
    is emailed once the transaction commits, unless `notify` is False (demo data).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            booking, created = _place(request, user, now)
    except IntegrityError as error:
        # Only reachable if a check above was bypassed by a race the lock did not cover.
        existing = Booking.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing:
            return existing
        raise BookingError(
            "delegates", "One of these delegates has just been booked on this date."
        ) from error
    # A booking paid by card is not news until the payment arrives (services/card.py).
    if created and notify and not booking.awaits_card_payment:
        transaction.on_commit(lambda: _after_placing(booking.pk))
    return booking


def _place(request, user, now):
    cohort = capacity.lock_cohort(request.cohort_id)
    # Checked under the lock, so a double submit waits for the first and finds it here.
    existing = Booking.objects.filter(idempotency_key=request.idempotency_key).first()
    if existing is not None:
        if existing.booker_id != user.pk:
            raise BookingError("cohort", "This booking belongs to someone else.")
        return existing, False
    booker = user.booker
    today = timezone.localdate(now)
    organisation = _organisation_for(request, booker.organisation)
    check_cohort(cohort, organisation, now)
    check_invoicing_ready(request)
    check_billing(request, organisation)
    check_delegates(cohort, request.places, request.delegates, today)
    voucher = find_voucher(request.voucher_code, lock=True)
    result = price(cohort, request.places, organisation, voucher, today)
    offer = waiting.open_offer(request.offer_token, cohort, organisation.pk, now, lock=True)
    try:
        capacity.take_places(cohort, request.places, now, exclude_hold_ids=_offer_holds(offer))
    except capacity.CohortFull as full:
        raise BookingError("places", _full_message(full.places_left, request, offer)) from full

    booking = Booking.objects.create(
        cohort=cohort,
        organisation=organisation,
        booker=user,
        places=request.places,
        payment_method=request.payment_method,
        po_number=request.po_number.strip(),
        billing_name=request.billing_name.strip() or organisation.name,
        billing_address=request.billing_address.strip() or organisation.address,
        billing_postcode=request.billing_postcode.strip().upper() or organisation.postcode,
        finance_email=request.finance_email.strip() or organisation.finance_email or user.email,
        # A voucher counts as used only where it took something off (not on free places).
        voucher=voucher if result.voucher_code else None,
        early_bird=result.early_bird,
        idempotency_key=request.idempotency_key,
    )
    BookingLine.objects.bulk_create(
        BookingLine(
            booking=booking,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_net=line.unit_net,
            vat_rate=line.vat_rate,
        )
        for position, line in enumerate(result.lines, start=1)
    )
    _add_delegates(booking, request.delegates)
    if booking.voucher_id is not None:
        voucher.times_used += 1
        voucher.save(update_fields=["times_used"])
    BookingEvent.objects.create(
        booking=booking,
        actor=user,
        action="booked",
        detail=f"{request.places} places, £{result.gross_total} including VAT"
        + (" (places offered from the waiting list)" if offer else ""),
        at=now,
    )
    if offer is not None:
        waiting.spend_offer(offer, booking, now)
    if booking.awaits_card_payment:
        # Confirmed when Stripe says the payment succeeded (services/card.py).
        Hold.objects.create(
            cohort=cohort,
            booking=booking,
            places=booking.places,
            reason=HoldReason.CARD_PAYMENT,
            expires_at=now + CARD_PAYMENT_HOLD,
        )
    elif booker.email_confirmed:
        _confirm(booking, cohort, actor=user, now=now)
    else:
        Hold.objects.create(
            cohort=cohort,
            booking=booking,
            places=booking.places,
            reason=HoldReason.EMAIL_CONFIRMATION,
            expires_at=now + EMAIL_CONFIRMATION_HOLD,
        )
    capacity.refresh_full_status(cohort, now)
    return booking, True


def _add_delegates(booking, delegates):
    named = [d for d in delegates if d.is_named]
    rows = [
        Delegate(
            booking=booking,
            cohort_id=booking.cohort_id,
            name=d.name.strip(),
            email=d.email.strip().lower(),
            job_title=d.job_title.strip(),
        )
        for d in named
    ]
    # The places not yet named, as rows to be filled in before the naming deadline.
    rows += [
        Delegate(booking=booking, cohort_id=booking.cohort_id)
        for _ in range(booking.places - len(named))
    ]
    Delegate.objects.bulk_create(rows)


def _confirm(booking, cohort, *, actor, now, paid_by_card=False):
    """Confirm the booking and issue its invoice; returns the invoice, if any."""
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.save(update_fields=["status", "confirmed_at"])
    booking.holds.filter(released_at__isnull=True).update(released_at=now)
    BookingEvent.objects.create(booking=booking, actor=actor, action="confirmed", at=now)
    # Free places (partner schools, a free voucher) need no invoice: there is nothing to pay.
    if booking.gross_total > 0:
        return issue_invoice(booking, now=now, actor=actor, paid_by_card=paid_by_card)
    return None


def _after_placing(booking_id):
    booking_placed.enqueue(booking_id)


def confirm_pending_booking(booking, *, actor=None, now=None):
    """Confirm a booking whose places were held (the booker has confirmed their email).

    If the hold has lapsed meanwhile, the places are taken again if they are still free.
    """
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(booking.cohort_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == BookingStatus.CONFIRMED:
            return booking, False
        if booking.status != BookingStatus.PENDING:
            raise BookingError(
                "booking", f"This booking is {booking.get_status_display().lower()}."
            )
        if booking.awaits_card_payment:
            raise BookingError("booking", "This booking is waiting for its card payment.")
        own_holds = list(booking.holds.active(now).values_list("pk", flat=True))
        problem = cohort.booking_window_problem(now)
        try:
            if problem:
                raise BookingError("cohort", problem)
            capacity.take_places(cohort, booking.places, now, exclude_hold_ids=own_holds)
        except (capacity.CohortFull, BookingError) as error:
            # The date closed, or the hold lapsed and the places went to someone else:
            # the booking expires (kept, not rolled back) and the booker is told why.
            _expire(booking, now)
            too_late = (
                error
                if isinstance(error, BookingError)
                else BookingError("places", full_message(error.places_left))
            )
        else:
            too_late = None
            _confirm(booking, cohort, actor=actor, now=now)
            capacity.refresh_full_status(cohort, now)
            transaction.on_commit(lambda: _after_placing(booking.pk))
    if too_late:
        raise too_late
    return booking, True


def cancel_booking(booking, *, reason, actor=None, now=None, notify=True, share=Decimal(1)):
    """Cancel a whole booking: its places go back on sale and every invoice is credited
    with a credit note that references it: in full, or at `share` of its price under the
    cancellation policy (none at all for a share of 0)."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(booking.cohort_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            raise BookingError("booking", "This booking is already cancelled.")
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        booking.delegates.filter(cancelled_at__isnull=True).update(cancelled_at=now)
        booking.holds.filter(released_at__isnull=True).update(released_at=now)
        notes = []
        for invoice in booking.invoices.filter(kind="invoice") if share > 0 else []:
            if creditable_lines(invoice):
                notes.append(
                    issue_credit_note(invoice, reason=reason, actor=actor, now=now, share=share)
                )
        BookingEvent.objects.create(
            booking=booking, actor=actor, action="cancelled", detail=reason, at=now
        )
        capacity.refresh_full_status(cohort, now)
        booking_id = booking.pk
        note_ids = [note.pk for note in notes]
        if notify:
            transaction.on_commit(lambda: _after_cancelling(booking_id, note_ids))
    return booking, notes


def _after_cancelling(booking_id, note_ids):
    booking_cancelled.enqueue(booking_id, note_ids)


def _expire(booking, now, detail=""):
    """A booking that was never confirmed: its places, delegates and voucher use go back."""
    booking.status = BookingStatus.EXPIRED
    booking.save(update_fields=["status"])
    booking.holds.filter(released_at__isnull=True).update(released_at=now)
    # Their delegates may be booked again, by this school or another.
    booking.delegates.filter(cancelled_at__isnull=True).update(cancelled_at=now)
    if booking.voucher_id:
        Voucher.objects.select_for_update().filter(pk=booking.voucher_id, times_used__gt=0).update(
            times_used=F("times_used") - 1
        )
    BookingEvent.objects.create(booking=booking, action="expired", detail=detail, at=now)
    # Places offered from the waiting list and never paid for: the offer stands again for
    # the rest of its time, if they are still free (the cohort is locked by the caller).
    waiting.reopen_offer(booking, now)


def expire_lapsed_holds(now=None):
    """Bookings still waiting on an email confirmation when their hold lapses expire,
    which frees nothing (lapsed holds already count for nothing) but tidies the list."""
    now = now or timezone.now()
    lapsed = (
        Booking.objects.filter(
            status=BookingStatus.PENDING,
            holds__expires_at__lte=now,
            holds__released_at__isnull=True,
        )
        # Card payments are closed at Stripe first (services/card.py), so that nobody
        # pays for places that have gone.
        .exclude(payment_method=PaymentMethod.CARD)
        .distinct()
    )
    expired = 0
    for booking in lapsed:
        with transaction.atomic():
            cohort = capacity.lock_cohort(booking.cohort_id)
            locked = Booking.objects.select_for_update().get(pk=booking.pk)
            if locked.status != BookingStatus.PENDING or locked.holds.active(now).exists():
                continue
            _expire(locked, now, detail="The email was not confirmed in time.")
            capacity.refresh_full_status(cohort, now)
            expired += 1
    return expired


def name_delegates(booking, names, *, actor=None, now=None):
    """Fill in places booked 'to be named'. `names` maps delegate ids (unnamed places
    of this booking) to DelegateDetails. Checked like a new booking, under the lock."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = capacity.lock_cohort(booking.cohort_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
            raise BookingError("delegates", "This booking is no longer active.")
        if cohort.naming_deadline_passed(timezone.localdate(now)):
            raise BookingError("delegates", "The date for naming delegates has passed.")
        open_places = {
            d.pk: d for d in booking.delegates.filter(cancelled_at__isnull=True, email="")
        }
        given = {pk: d for pk, d in names.items() if d.is_named}
        if any(pk not in open_places for pk in given):
            raise BookingError("delegates", "That place has already been named.")
        check_delegates(cohort, len(given), list(given.values()), timezone.localdate(now))
        for pk, details in given.items():
            place = open_places[pk]
            place.name = details.name.strip()
            place.email = details.email.strip().lower()
            place.job_title = details.job_title.strip()
            place.save(update_fields=["name", "email", "job_title"])
        if given:
            BookingEvent.objects.create(
                booking=booking,
                actor=actor,
                action="delegates named",
                detail=", ".join(d.name.strip() for d in given.values()),
                at=now,
            )
            if booking.status == BookingStatus.CONFIRMED:
                # Joining details for the delegates just named (until the booking is
                # confirmed, the confirmation sends every delegate theirs).
                named = list(given)
                transaction.on_commit(
                    lambda: booking_changed.enqueue(booking.pk, "named", {"new_delegates": named})
                )
    return booking
