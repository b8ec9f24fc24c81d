"""The emails bookings send, in HTML and plain text, with their attachments."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .cohort_calendars import calendar_filename, cohort_calendar
from .models import Booking, BookingStatus, Invoice
from .pdf import render_document_pdf
from .tokens import email_confirmation_token

logger = logging.getLogger(__name__)


def absolute(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _send(template, context, *, to, cc=(), attachments=()):
    context = {**context, "site_name": settings.WAGTAIL_SITE_NAME}
    subject = render_to_string(f"bookings/emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"bookings/emails/{template}.txt", context)
    html = render_to_string(f"bookings/emails/{template}.html", context)
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
        .prefetch_related("lines", "delegates", "cohort__sessions", "invoices__lines")
        .get(pk=booking_id)
    )


def send_booking_placed(booking_id):
    booking = _booking(booking_id)
    if booking.status == BookingStatus.CONFIRMED:
        send_booking_confirmation(booking)
    elif booking.status == BookingStatus.PENDING:
        send_email_confirmation_request(booking)


def send_booking_confirmation(booking):
    invoices = [i for i in booking.invoices.all() if not i.is_credit_note]
    attachments = [(i.filename, render_document_pdf(i), "application/pdf") for i in invoices]
    attachments.append(
        (
            calendar_filename(booking.cohort),
            cohort_calendar(booking.cohort, for_delegates=True),
            "text/calendar",
        )
    )
    context = {
        "booking": booking,
        "invoices": invoices,
        "booking_url": absolute(reverse("bookings:booking-detail", args=[booking.reference])),
    }
    _send(
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
    _send(
        "confirm_email",
        {"booking": booking, "user": user, "link": link, "hold": hold},
        to=[user.email],
    )


def send_booking_cancelled(booking_id, credit_note_ids):
    booking = _booking(booking_id)
    notes = list(Invoice.objects.filter(pk__in=credit_note_ids).prefetch_related("lines"))
    attachments = [(n.filename, render_document_pdf(n), "application/pdf") for n in notes]
    _send(
        "booking_cancelled",
        {
            "booking": booking,
            "credit_notes": notes,
            "booking_url": absolute(reverse("bookings:booking-detail", args=[booking.reference])),
        },
        to=[booking.booker.email],
        cc=[booking.finance_email] if notes else [],
        attachments=attachments,
    )


def send_overdue_reminder(invoice_id):
    invoice = (
        Invoice.objects.select_related("booking__booker", "booking__cohort__course")
        .prefetch_related("lines", "payments", "credit_notes")
        .get(pk=invoice_id)
    )
    _send(
        "invoice_overdue",
        {"invoice": invoice, "booking": invoice.booking},
        to=[invoice.buyer_email],
        cc=[invoice.booking.booker.email],
        attachments=[(invoice.filename, render_document_pdf(invoice), "application/pdf")],
    )
