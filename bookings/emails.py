"""The emails bookings send, in HTML and plain text, with their attachments."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .cohort_calendars import calendar_filename, cohort_calendar
from .models import (
    Booking,
    BookingStatus,
    CardCheckout,
    Cohort,
    Delegate,
    Invoice,
    WaitingListEntry,
    WaitingStatus,
)
from .pdf import render_document_pdf
from .stripe_gateway import card_payments_enabled
from .tokens import email_confirmation_token

logger = logging.getLogger(__name__)


def absolute(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_email(template, context, *, to, cc=(), attachments=(), folder="bookings/emails"):
    """Render `{folder}/{template}_subject.txt`, `.txt` and `.html` and send them, with
    replies going to the office. Certification's emails use it too."""
    context = {**context, "site_name": settings.WAGTAIL_SITE_NAME}
    subject = render_to_string(f"{folder}/{template}_subject.txt", context).strip()
    text = render_to_string(f"{folder}/{template}.txt", context)
    html = render_to_string(f"{folder}/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=list(dict.fromkeys(to)),
        cc=[address for address in dict.fromkeys(cc) if address not in to],
        reply_to=[settings.OFFICE_EMAIL],
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
    logger.info("Sent %s email to %s", template, ", ".join(message.to))


def _booking(booking_id):
    return (
        Booking.objects.select_related("cohort__course", "organisation", "booker")
        .prefetch_related(
            "lines",
            "delegates",
            "cohort__sessions",
            "invoices__lines",
            "invoices__payments",
            "invoices__refunds",
            "invoices__credit_notes",
        )
        .get(pk=booking_id)
    )


def send_booking_placed(booking_id):
    booking = _booking(booking_id)
    if booking.status == BookingStatus.CONFIRMED:
        send_booking_confirmation(booking)
        send_joining_details(booking)
    elif booking.status == BookingStatus.PENDING:
        send_email_confirmation_request(booking)


def send_booking_confirmation(booking):
    invoices = [i for i in booking.invoices.all() if not i.is_credit_note]
    attachments = [(i.filename, render_document_pdf(i), "application/pdf") for i in invoices]
    # The delegates' copy carries joining links: not until the date is going ahead.
    attachments.append(
        (
            calendar_filename(booking.cohort),
            cohort_calendar(booking.cohort, for_delegates=booking.cohort.is_going_ahead),
            "text/calendar",
        )
    )
    context = {
        "booking": booking,
        "invoices": invoices,
        "booking_url": absolute(reverse("bookings:booking-detail", args=[booking.reference])),
    }
    send_email(
        "booking_confirmed",
        context,
        to=[booking.booker.email],
        cc=[booking.finance_email],
        attachments=attachments,
    )


def send_email_confirmation_request(booking):
    user = booking.booker
    link = absolute(reverse("bookings:confirm-email", args=[email_confirmation_token(user)]))
    hold = booking.holds.order_by("-expires_at").first()
    send_email(
        "confirm_email",
        {"booking": booking, "user": user, "link": link, "hold": hold},
        to=[user.email],
    )


def _credit_notes(ids):
    notes = list(
        Invoice.objects.filter(pk__in=ids)
        .select_related("credited_invoice")
        .prefetch_related("lines", "refunds_for_note")
    )
    return notes, [(n.filename, render_document_pdf(n), "application/pdf") for n in notes]


def send_booking_cancelled(booking_id, credit_note_ids):
    booking = _booking(booking_id)
    notes, attachments = _credit_notes(credit_note_ids)
    invoices = [i for i in booking.invoices.all() if not i.is_credit_note]
    if booking.confirmed_at:
        # The confirmation put the dates in the booker's calendar: take them out again.
        attachments.append(
            (
                calendar_filename(booking.cohort),
                cohort_calendar(booking.cohort, cancelled=True),
                "text/calendar",
            )
        )
    send_email(
        "booking_cancelled",
        {
            "booking": booking,
            "credit_notes": notes,
            "no_credit": bool(invoices) and not notes,
            # Credited in part under the policy: say what is still to pay on each invoice.
            "still_payable": [i for i in invoices if notes and i.balance_due > 0],
            "policy": booking.cohort.cancellation_policy().describe(),
            "booking_url": absolute(reverse("bookings:booking-detail", args=[booking.reference])),
        },
        to=[booking.booker.email],
        cc=[booking.finance_email] if notes else [],
        attachments=attachments,
    )


def send_invoice_reminder(invoice_id, kind):
    """A polite note on the day an invoice falls due ("due"), or a reminder once it is
    overdue ("overdue")."""
    invoice = (
        Invoice.objects.select_related("booking__booker", "booking__cohort__course")
        .prefetch_related("lines", "payments", "refunds", "credit_notes")
        .get(pk=invoice_id)
    )
    send_email(
        "invoice_overdue" if kind == "overdue" else "invoice_due",
        {
            "invoice": invoice,
            "booking": invoice.booking,
            "booking_url": _booking_url(invoice.booking),
            "pay_by_card": card_payments_enabled(),
        },
        to=[invoice.buyer_email],
        cc=[invoice.booking.booker.email],
        attachments=[(invoice.filename, render_document_pdf(invoice), "application/pdf")],
    )


def send_session_reminder(delegate_id, session_id):
    delegate = Delegate.objects.select_related("booking__cohort__course").get(pk=delegate_id)
    cohort = delegate.booking.cohort
    session = cohort.sessions.get(pk=session_id)
    send_email(
        "session_reminder",
        {
            "delegate": delegate,
            "cohort": cohort,
            "session": session,
            "feed_url": absolute(reverse("bookings:delegate-feed", args=[delegate.calendar_token])),
        },
        to=[delegate.email],
    )


def _booking_url(booking):
    return absolute(reverse("bookings:booking-detail", args=[booking.reference]))


def send_card_payment_settled(checkout_id, outcome):
    checkout = CardCheckout.objects.select_related("invoice").get(pk=checkout_id)
    booking = _booking(checkout.booking_id)
    if outcome == "confirmed":
        send_booking_confirmation(booking)
        send_joining_details(booking)
    elif outcome == "invoice paid":
        invoice = next(i for i in booking.invoices.all() if i.pk == checkout.invoice_id)
        send_email(
            "payment_received",
            {
                "booking": booking,
                "invoice": invoice,
                "amount": checkout.amount,
                "booking_url": _booking_url(booking),
            },
            to=[booking.booker.email],
            cc=[invoice.buyer_email],
        )
    elif outcome == "refunded":
        refunds = list(checkout.refunds.all())
        send_email(
            "card_refunded",
            {
                "booking": booking,
                "checkout": checkout,
                "reason": refunds[-1].reason if refunds else "",
                "refunded": sum(r.amount for r in refunds),
                "booking_url": _booking_url(booking),
            },
            to=[booking.booker.email],
        )


# --- Delegates ------------------------------------------------------------------------------


def joining_details_due(booking):
    """Joining details go out once the booking is confirmed and the run is going ahead."""
    return booking.status == BookingStatus.CONFIRMED and booking.cohort.is_going_ahead


def send_joining_details(booking, delegate_ids=None):
    """Each named delegate's joining details, once: the claim on `joining_sent_at` lets
    only the first of any number of calls send, and is undone if sending fails."""
    if not joining_details_due(booking):
        return 0
    delegates = [d for d in booking.active_delegates() if d.is_named]
    if delegate_ids is not None:
        delegates = [d for d in delegates if d.pk in set(delegate_ids)]
    sent = 0
    for delegate in delegates:
        claimed = Delegate.objects.filter(pk=delegate.pk, joining_sent_at__isnull=True).update(
            joining_sent_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            send_email(
                "delegate_joining",
                {
                    "delegate": delegate,
                    "booking": booking,
                    "cohort": booking.cohort,
                    "feed_url": absolute(
                        reverse("bookings:delegate-feed", args=[delegate.calendar_token])
                    ),
                },
                to=[delegate.email],
                attachments=[
                    (
                        calendar_filename(booking.cohort),
                        cohort_calendar(booking.cohort, for_delegates=True),
                        "text/calendar",
                    )
                ],
            )
        except Exception:
            Delegate.objects.filter(pk=delegate.pk).update(joining_sent_at=None)
            raise
        sent += 1
    return sent


def send_delegate_cancelled(booking, delegate, reason="", cohort=None):
    """`cohort` is the date the place was on, when that is not the booking's (a move)."""
    cohort = cohort or booking.cohort
    substitute = getattr(delegate, "substituted_by", None) if hasattr(delegate, "pk") else None
    send_email(
        "delegate_cancelled",
        {
            "delegate": delegate,
            "booking": booking,
            "cohort": cohort,
            "reason": reason,
            "substitute": substitute,
        },
        to=[delegate.email],
        attachments=[
            (
                calendar_filename(cohort),
                cohort_calendar(cohort, cancelled=True),
                "text/calendar",
            )
        ],
    )


HEADLINES = {
    "substituted": "a delegate has been changed",
    "named": "delegates have been named",
    "places cancelled": "places have been cancelled",
    "moved": "your booking has moved to another date",
    "refunded": "we have made a refund to your card",
}


def send_booking_changed(booking_id, change, detail):
    booking = _booking(booking_id)
    if change == "cancelled":
        send_booking_cancelled(booking_id, detail.get("notes", []))
    cancelled = list(
        Delegate.objects.filter(pk__in=detail.get("cancelled_delegates", [])).select_related(
            "substituted_by"
        )
    )
    for delegate in cancelled:
        reason = "" if change == "substituted" else "the booking was changed"
        send_delegate_cancelled(booking, delegate, reason)
    if change == "moved":
        # The old date's events are in the delegates' calendars: cancel them there before
        # the joining details for the new date go out.
        source = Cohort.objects.select_related("course").get(pk=detail["from_cohort"])
        for delegate in booking.active_delegates():
            if delegate.is_named and delegate.joining_sent_at:
                send_delegate_cancelled(
                    booking, delegate, "the booking has moved to another date", cohort=source
                )
        booking.delegates.update(joining_sent_at=None)
    new_ids = detail.get("new_delegates")
    send_joining_details(booking, new_ids)
    if change == "cancelled":
        return
    notes, attachments = _credit_notes(detail.get("notes", []))
    moved_from = ""
    if change == "moved":
        source = Cohort.objects.select_related("course").get(pk=detail["from_cohort"])
        moved_from = timezone.localtime(source.starts_at).strftime("%-d %B %Y")
        attachments.append(
            (
                calendar_filename(booking.cohort),
                cohort_calendar(booking.cohort, for_delegates=True),
                "text/calendar",
            )
        )
    new = Delegate.objects.filter(pk__in=new_ids or []).select_related("substitutes")
    send_email(
        "booking_changed",
        {
            "booking": booking,
            "headline": HEADLINES.get(change, change),
            "new_delegates": list(new),
            "cancelled_delegates": cancelled,
            "credit_notes": notes,
            "moved_from": moved_from,
            "booking_url": _booking_url(booking),
        },
        to=[booking.booker.email],
        cc=[booking.finance_email] if notes else [],
        attachments=attachments,
    )


def send_cohort_cancelled(cohort_id, cancelled, reason):
    for booking_id, note_ids, delegate_ids in cancelled:
        booking = _booking(booking_id)
        notes, attachments = _credit_notes(note_ids)
        attachments.append(
            (
                calendar_filename(booking.cohort),
                cohort_calendar(booking.cohort),
                "text/calendar",
            )
        )
        send_email(
            "cohort_cancelled",
            {
                "booking": booking,
                "cohort": booking.cohort,
                "reason": reason,
                "credit_notes": notes,
                "booking_url": _booking_url(booking),
            },
            to=[booking.booker.email],
            cc=[booking.finance_email] if notes else [],
            attachments=attachments,
        )
        for delegate in Delegate.objects.filter(pk__in=delegate_ids):
            send_delegate_cancelled(booking, delegate, "the course date has been cancelled")


# --- Waiting lists ----------------------------------------------------------------------------


def _entry(entry_id):
    return WaitingListEntry.objects.select_related(
        "cohort__course", "organisation", "booker", "offer_hold"
    ).get(pk=entry_id)


def _entry_recipients(entry):
    return [entry.contact_email, entry.booker.email]


def send_waiting_list_joined(entry_id):
    entry = _entry(entry_id)
    send_email(
        "waiting_list_joined",
        {
            "entry": entry,
            "cohort": entry.cohort,
            "account_url": absolute(reverse("accounts:account")),
        },
        to=_entry_recipients(entry),
    )


def send_waiting_list_offer(entry_id):
    entry = _entry(entry_id)
    if entry.status != WaitingStatus.OFFERED:
        return  # booked or withdrawn before the worker got here
    send_email(
        "waiting_list_offer",
        {
            "entry": entry,
            "cohort": entry.cohort,
            "expires_at": entry.offer_hold.expires_at,
            "offer_url": absolute(reverse("bookings:waiting-offer", args=[entry.token])),
        },
        to=_entry_recipients(entry),
    )


# --- Dates that need enough delegates ---------------------------------------------------------


def send_cohort_going_ahead(cohort_id):
    cohort = Cohort.objects.select_related("course").get(pk=cohort_id)
    bookings = Booking.objects.filter(cohort=cohort, status=BookingStatus.CONFIRMED)
    for booking_id in bookings.values_list("pk", flat=True):
        booking = _booking(booking_id)
        sent = send_joining_details(booking)
        send_email(
            "cohort_going_ahead",
            {
                "booking": booking,
                "cohort": booking.cohort,
                "delegates_sent": sent,
                "to_name": booking.places_to_name(),
                "booking_url": _booking_url(booking),
            },
            to=[booking.booker.email],
        )


def send_go_ahead_decision_due(cohort_id):
    cohort = Cohort.objects.select_related("course").get(pk=cohort_id)
    booked = cohort.places_confirmed()
    admin = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    send_email(
        "go_ahead_decision_due",
        {
            "cohort": cohort,
            "booked": booked,
            "short_by": max(cohort.min_delegates - booked, 0),
            "confirm_url": admin + reverse("bookings_cohorts:confirm", args=[cohort.pk]),
            "cancel_url": admin + reverse("bookings_cohorts:cancel", args=[cohort.pk]),
        },
        to=[settings.OFFICE_EMAIL],
    )


def send_waiting_list_closed(entry_id, why):
    entry = _entry(entry_id)
    send_email(
        "waiting_list_closed",
        {
            "entry": entry,
            "cohort": entry.cohort,
            "lapsed": why == "lapsed",
            "course_url": absolute(entry.cohort.course.url),
        },
        to=_entry_recipients(entry),
    )
