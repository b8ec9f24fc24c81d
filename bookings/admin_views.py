"""The provider admins' side of bookings in the Wagtail admin: listing views, filters,
inspect pages, and the few operations that go through the services (cancelling a
booking, recording a payment), plus the CSV files the office hands on (the trainer's
delegate list, and invoices for the accounting package).

The viewsets that wire these up are in wagtail_hooks.py.
"""

import csv
import datetime
import zoneinfo
from decimal import Decimal

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.views.generic import FormView, View
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView, IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, HeaderButton

from courses.models import CoursePage
from website.spreadsheets import csv_safe

from .models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Delegate,
    DocumentKind,
    Invoice,
    Organisation,
    Payment,
    PaymentMethodReceived,
    term_of,
)
from .services.booking import BookingError
from .services.changes import (
    cancel_cohort,
    cancel_whole_booking,
    card_refundable,
    move_booking,
    refund_card_payment,
    refundable_places,
)
from .services.go_ahead import confirm_go_ahead
from .services.invoicing import InvoicingError, record_payment

LONDON = zoneinfo.ZoneInfo("Europe/London")

# URL namespaces of the viewsets (wagtail_hooks.py), for links from one to another.
ORGANISATIONS = "bookings_organisations"
BOOKERS = "bookings_bookers"
COHORTS = "bookings_cohorts"
BOOKINGS = "bookings_bookings"
INVOICES = "bookings_invoices"
PAYMENTS = "bookings_payments"
VOUCHERS = "bookings_vouchers"


# --- Small formatting helpers -------------------------------------------------------------


def london_date(moment):
    """A stored (UTC) time as the day it was in the UK, the British way: 14/09/2026."""
    if moment is None:
        return ""
    return moment.astimezone(LONDON).strftime("%d/%m/%Y")


def london_datetime(moment):
    return moment.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def pounds(amount):
    return f"£{amount:,.2f}"


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    # Personal data and invoices: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def query_without_paging(request):
    """The listing's search and filters as a query string, without page, order or
    export, for a link that acts on the same selection."""
    params = request.GET.copy()
    for name in ("p", "ordering", "export", "_w_filter_fragment"):
        params.pop(name, None)
    return params.urlencode()


# --- Spreadsheet exports of the listings --------------------------------------------------


def _xlsx_datetime(value):
    return value.astimezone(LONDON).replace(tzinfo=None)


class ExportFormattingMixin:
    """Listing exports with UK times and dates, and yes/no for flags."""

    custom_value_preprocess = {
        # datetime before date: a datetime is also a date.
        datetime.datetime: {
            "csv": lambda value: value.astimezone(LONDON).strftime("%d/%m/%Y %H:%M"),
            "xlsx": _xlsx_datetime,
        },
        datetime.date: {"csv": lambda value: value.strftime("%d/%m/%Y"), "xlsx": None},
        bool: {"csv": lambda value: "Yes" if value else "No", "xlsx": None},
        str: {"csv": csv_safe},
    }


# --- Filters --------------------------------------------------------------------------


def courses(request=None):
    return CoursePage.objects.order_by("title")


def cohorts(request=None):
    return Cohort.objects.select_related("course")


def organisations(request=None):
    return Organisation.objects.all()


def term_value(label):
    """'Autumn 2026' -> 'autumn-2026', the term filter's value in the query string."""
    return label.lower().replace(" ", "-")


def term_range(value):
    """The first moment of a term and the first moment after it, UK time.
    Autumn is September to December, spring January to March, summer April to August."""
    season, _, year = value.partition("-")
    year = int(year)
    starts, ends = {
        "autumn": ((year, 9), (year + 1, 1)),
        "spring": ((year, 1), (year, 4)),
        "summer": ((year, 4), (year, 9)),
    }[season]
    return (
        datetime.datetime(*starts, 1, tzinfo=LONDON),
        datetime.datetime(*ends, 1, tzinfo=LONDON),
    )


def term_choices():
    """The terms that have at least one cohort, in date order."""
    months = Cohort.objects.filter(starts_at__isnull=False).datetimes(
        "starts_at", "month", tzinfo=LONDON
    )
    choices = {}
    for month in months:
        label = term_of(month.date())
        choices.setdefault(term_value(label), label)
    return list(choices.items())


class CohortFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(
        queryset=courses, label="Course", empty_label="Any course"
    )
    term = django_filters.ChoiceFilter(
        label="Term", method="filter_term", choices=[], empty_label="Any term"
    )
    status = django_filters.ChoiceFilter(
        choices=CohortStatus.choices, widget=forms.RadioSelect, empty_label="All"
    )

    class Meta:
        model = Cohort
        fields = ["course", "term", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["term"].extra["choices"] = term_choices()

    def filter_term(self, queryset, name, value):
        try:
            starts, ends = term_range(value)
        except (KeyError, ValueError):
            return queryset.none()
        return queryset.filter(starts_at__gte=starts, starts_at__lt=ends)


class BookingFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(
        field_name="cohort__course", queryset=courses, label="Course", empty_label="Any course"
    )
    cohort = django_filters.ModelChoiceFilter(
        queryset=cohorts, label="Cohort", empty_label="Any cohort"
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=organisations, label="School", empty_label="Any school"
    )
    status = django_filters.ChoiceFilter(
        choices=BookingStatus.choices, widget=forms.RadioSelect, empty_label="All"
    )
    created_at = django_filters.DateFromToRangeFilter(
        label="Booked between", widget=DateRangePickerWidget
    )

    class Meta:
        model = Booking
        fields = ["course", "cohort", "organisation", "status", "created_at"]


class InvoiceFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=DocumentKind.choices, widget=forms.RadioSelect, empty_label="Both"
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=organisations, label="School", empty_label="Any school"
    )
    issued_at = django_filters.DateFromToRangeFilter(
        label="Issued between", widget=DateRangePickerWidget
    )
    course = django_filters.ModelChoiceFilter(
        field_name="booking__cohort__course",
        queryset=courses,
        label="Course",
        empty_label="Any course",
    )

    class Meta:
        model = Invoice
        fields = ["kind", "organisation", "issued_at", "course"]


class PaymentFilterSet(WagtailFilterSet):
    method = django_filters.ChoiceFilter(
        choices=PaymentMethodReceived.choices, widget=forms.RadioSelect, empty_label="All"
    )
    received_on = django_filters.DateFromToRangeFilter(
        label="Received between", widget=DateRangePickerWidget
    )

    class Meta:
        model = Payment
        fields = ["method", "received_on"]


# --- Listings -------------------------------------------------------------------------
# Each listing fetches what its columns show in a fixed number of queries, however many
# rows there are.


class OrganisationIndexView(ExportFormattingMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("trust")


class BookerIndexView(ExportFormattingMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "organisation")


class CohortIndexView(ExportFormattingMixin, IndexView):
    def get_base_queryset(self):
        return Cohort.objects.with_places().select_related("course")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            Button(
                "Bookings for this date",
                url=reverse(f"{BOOKINGS}:index") + f"?cohort={instance.pk}",
                icon_name="clipboard-list",
                priority=40,
            )
        )
        buttons.append(
            Button(
                "Waiting list",
                url=reverse(f"{COHORTS}:waiting", args=[quote(instance.pk)]),
                icon_name="list-ol",
                priority=45,
            )
        )
        if self.request.user.has_perm("certification.add_enrolment"):
            buttons.append(
                Button(
                    "Enrol on an award",
                    url=reverse("certification_awards:enrol", args=[quote(instance.pk)]),
                    icon_name="pick",
                    priority=70,
                )
            )
        if self.request.user.has_perm("certification.add_certificate"):
            buttons.append(
                Button(
                    "Issue certificates",
                    url=reverse("certification_certificates:issue", args=[quote(instance.pk)]),
                    icon_name="doc-full",
                    priority=75,
                )
            )
        if instance.awaits_go_ahead and self.permission_policy.user_has_permission(
            self.request.user, "change"
        ):
            buttons.append(
                Button(
                    "Confirm this date goes ahead",
                    url=reverse(f"{COHORTS}:confirm", args=[quote(instance.pk)]),
                    icon_name="check",
                    priority=55,
                )
            )
        if instance.status != CohortStatus.CANCELLED and self.permission_policy.user_has_permission(
            self.request.user, "change"
        ):
            buttons.append(
                Button(
                    "Cancel this date",
                    url=reverse(f"{COHORTS}:cancel", args=[quote(instance.pk)]),
                    icon_name="cross",
                    priority=60,
                )
            )
        if may_see_delegates(self.request.user):
            buttons.append(
                Button(
                    "Delegate list for the trainer (CSV)",
                    url=reverse(f"{COHORTS}:delegates", args=[quote(instance.pk)]),
                    icon_name="download",
                    priority=50,
                )
            )
        return buttons


def places_label(cohort):
    """'12 of 20', with places held for unconfirmed bookings added if there are any."""
    text = f"{cohort.places_booked} of {cohort.capacity}"
    if cohort.places_held:
        text += f", {cohort.places_held} held"
    return text


def booking_queryset():
    return Booking.objects.select_related("organisation", "cohort__course").prefetch_related(
        "lines"
    )


class BookingIndexView(ExportFormattingMixin, IndexView):
    def get_base_queryset(self):
        return booking_queryset()

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status != BookingStatus.CANCELLED and self.user_has_permission("change"):
            buttons.append(
                Button(
                    "Cancel booking",
                    url=reverse(f"{BOOKINGS}:cancel", args=[quote(instance.pk)]),
                    icon_name="cross",
                    priority=50,
                )
            )
        return buttons


def invoice_queryset():
    return Invoice.objects.select_related("credited_invoice").prefetch_related(
        "payments", "refunds", "credit_notes"
    )


INVOICE_SEARCH_FIELDS = ["number", "buyer_name", "po_number"]


class InvoiceIndexView(ExportFormattingMixin, IndexView):
    page_title = "Invoices and credit notes"

    def get_base_queryset(self):
        return invoice_queryset()

    @cached_property
    def header_buttons(self):
        url = reverse(f"{INVOICES}:accounting_export")
        query = query_without_paging(self.request)
        return [
            *super().header_buttons,
            HeaderButton(
                "Export for accounts (CSV)",
                url=f"{url}?{query}" if query else url,
                icon_name="download",
                attrs={"title": "The invoices and credit notes listed, in Xero's import layout"},
            ),
        ]


class PaymentIndexView(ExportFormattingMixin, IndexView):
    add_item_label = "Record a payment"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("invoice", "recorded_by")


# --- Inspect pages --------------------------------------------------------------------


class ReadableInspectMixin:
    """Inspect fields in the office's words: UK dates and times, pounds, yes and no, and
    optional fields left out when they are empty."""

    field_labels = {}
    money_fields = ()
    optional_fields = ()

    def get_field_label(self, field_name, field):
        return self.field_labels.get(field_name) or super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        custom = getattr(self, f"get_{field_name}_display_value", None)
        if custom is not None:
            return custom()
        value = getattr(self.object, field_name)
        if field_name in self.money_fields:
            return pounds(value)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, datetime.datetime):
            return london_datetime(value)
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        return super().get_field_display_value(field_name, field)

    def get_fields_context(self):
        return [
            self.get_context_for_field(name)
            for name in self.fields
            if name not in self.optional_fields or getattr(self.object, name)
        ]


class BookingInspectView(ReadableInspectMixin, InspectView):
    template_name = "bookings/admin/booking_inspect.html"
    field_labels = {
        "organisation": "School",
        "po_number": "PO number",
        "early_bird": "Early-bird price",
        "created_at": "Booked at",
    }
    optional_fields = ("voucher", "po_number", "confirmed_at", "cancelled_at")

    def get_object(self, queryset=None):
        bookings = Booking.objects.select_related(
            "organisation", "cohort__course", "booker", "voucher"
        ).prefetch_related(
            "delegates",
            "lines",
            "history__actor",
            "invoices__payments__recorded_by",
            "invoices__refunds",
            "invoices__credit_notes",
            "invoices__credited_invoice",
        )
        return get_object_or_404(bookings, pk=self.pk)

    def get_booker_display_value(self):
        user = self.object.booker
        return f"{user} ({user.email})"

    @cached_property
    def header_buttons(self):
        if self.object.status == BookingStatus.CANCELLED or not self.user_has_permission("change"):
            return []
        return [
            HeaderButton(
                "Cancel booking",
                url=reverse(f"{BOOKINGS}:cancel", args=[quote(self.object.pk)]),
                icon_name="cross",
            ),
            HeaderButton(
                "Move to another date",
                url=reverse(f"{BOOKINGS}:move", args=[quote(self.object.pk)]),
                icon_name="arrow-right",
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        booking = self.object
        invoices = sorted(booking.invoices.all(), key=lambda i: (i.issued_at, i.pk))
        context.update(
            booking=booking,
            delegates=list(booking.delegates.all()),
            lines=list(booking.lines.all()),
            invoices=invoices,
            payments=[p for invoice in invoices for p in invoice.payments.all()],
            history=list(booking.history.all()),
        )
        return context


class InvoiceInspectView(ReadableInspectMixin, InspectView):
    template_name = "bookings/admin/invoice_inspect.html"
    field_labels = {
        "kind": "Document",
        "credited_invoice": "Credits invoice",
        "reason": "Reason for the credit",
        "organisation": "School",
        "time_of_supply": "Tax point",
        "buyer_vat_number": "Buyer's VAT number",
        "po_number": "PO number",
        "net_total": "Net",
        "vat_total": "VAT",
        "gross_total": "Total incl. VAT",
    }
    money_fields = ("net_total", "vat_total", "gross_total")
    optional_fields = ("credited_invoice", "reason", "due_date", "buyer_vat_number", "po_number")

    def get_object(self, queryset=None):
        invoices = Invoice.objects.select_related(
            "booking__cohort__course", "organisation", "credited_invoice"
        ).prefetch_related("lines", "payments__recorded_by", "credit_notes")
        return get_object_or_404(invoices, pk=self.pk)

    @cached_property
    def header_buttons(self):
        invoice = self.object
        buttons = [
            HeaderButton(
                "Download PDF",
                url=reverse("bookings:invoice-pdf", args=[invoice.number]),
                icon_name="download",
            )
        ]
        if (
            not invoice.is_credit_note
            and invoice.balance_due > 0
            and self.request.user.has_perm("bookings.add_payment")
        ):
            buttons.append(
                HeaderButton(
                    "Record a payment",
                    url=reverse(f"{PAYMENTS}:add") + f"?invoice={invoice.pk}",
                    icon_name="plus",
                )
            )
        if (
            not invoice.is_credit_note
            and self.request.user.has_perm("bookings.add_refund")
            and card_refundable(invoice) > 0
            and refundable_places(invoice)[1] > 0
        ):
            buttons.append(
                HeaderButton(
                    "Refund to card",
                    url=reverse(f"{INVOICES}:refund", args=[quote(invoice.pk)]),
                    icon_name="undo",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.object
        context.update(
            invoice=invoice,
            lines=list(invoice.lines.all()),
            payments=list(invoice.payments.all()),
            credit_notes=list(invoice.credit_notes.all()),
            booking_url=reverse(f"{BOOKINGS}:inspect", args=[quote(invoice.booking_id)]),
        )
        return context


# --- Cancelling a booking -------------------------------------------------------------


class CancelBookingForm(forms.Form):
    reason = forms.CharField(
        label="Why is the booking being cancelled?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed on the credit note and kept in the booking's history.",
        error_messages={"required": "Give the reason: it goes on the credit note."},
    )


class CancelBookingView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Cancel a whole booking through the booking service: its places go back on sale
    and every invoice is credited in full. Nothing changes until the form is posted."""

    model = Booking
    permission_required = "change"
    form_class = CancelBookingForm
    template_name = "bookings/admin/cancel_booking.html"
    page_title = "Cancel booking"
    header_icon = "cross"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.booking = get_object_or_404(
            Booking.objects.select_related("organisation", "cohort__course").prefetch_related(
                "invoices__credit_notes"
            ),
            pk=kwargs["pk"],
        )
        self.inspect_url = reverse(f"{BOOKINGS}:inspect", args=[quote(self.booking.pk)])

    def get_page_subtitle(self):
        return self.booking.reference

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{BOOKINGS}:index"), "label": "Bookings"},
            {"url": self.inspect_url, "label": self.booking.reference},
            {"url": "", "label": "Cancel booking"},
        ]

    def _already_cancelled(self):
        messages.warning(self.request, f"Booking {self.booking.reference} is already cancelled.")
        return redirect(self.inspect_url)

    def get(self, request, *args, **kwargs):
        if self.booking.status == BookingStatus.CANCELLED:
            return self._already_cancelled()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.booking.status == BookingStatus.CANCELLED:
            return self._already_cancelled()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            booking, notes = cancel_whole_booking(
                self.booking,
                reason=form.cleaned_data["reason"],
                actor=self.request.user,
                by_office=True,
            )
        except BookingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.form_invalid(form)
        if notes:
            numbers = ", ".join(note.number for note in notes)
            noun = "Credit note" if len(notes) == 1 else "Credit notes"
            credited = f"{noun} {numbers} issued."
        else:
            credited = "No invoice had been issued, so no credit note was needed."
        messages.success(
            self.request,
            f"Booking {booking.reference} cancelled and its places released. {credited}",
        )
        return redirect(self.inspect_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoices = [
            invoice
            for invoice in self.booking.invoices.all()
            if not invoice.is_credit_note
            and invoice.gross_total > sum(n.gross_total for n in invoice.credit_notes.all())
        ]
        context.update(
            booking=self.booking, invoices_to_credit=invoices, inspect_url=self.inspect_url
        )
        return context


class OfficeActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """A form in the admin that calls one service and goes back to where it came from."""

    permission_required = "change"
    template_name = "bookings/admin/office_action.html"
    header_icon = "cross"
    submit_label = ""
    explanation = ""

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.back_url, "label": str(self.object)},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            back_url=self.back_url,
            submit_label=self.submit_label,
            explanation=self.get_explanation(),
        )
        return context

    def get_explanation(self):
        return self.explanation

    def form_valid(self, form):
        try:
            message = self.act(form.cleaned_data)
        except BookingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.back_url)


class MoveBookingForm(forms.Form):
    cohort = forms.ModelChoiceField(
        label="Move to",
        queryset=Cohort.objects.none(),
        help_text="Another date of the same course. The invoice stays as it is.",
    )


class MoveBookingView(OfficeActionView):
    model = Booking
    form_class = MoveBookingForm
    page_title = "Move booking"
    header_icon = "arrow-right"
    submit_label = "Move the booking"
    explanation = (
        "The places move to the date you choose, the delegates keep them, and the booker "
        "and delegates are emailed the new dates."
    )

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(
            Booking.objects.select_related("cohort__course"), pk=kwargs["pk"]
        )
        self.back_url = reverse(f"{BOOKINGS}:inspect", args=[quote(self.object.pk)])

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["cohort"].queryset = (
            Cohort.objects.filter(
                course=self.object.cohort.course_id,
                starts_at__gt=timezone.now(),
                status__in=[CohortStatus.OPEN, CohortStatus.FULL, CohortStatus.CLOSED],
            )
            .exclude(pk=self.object.cohort_id)
            .select_related("course")
        )
        return form

    def act(self, data):
        move_booking(self.object, data["cohort"].pk, actor=self.request.user)
        return f"Booking {self.object.reference} moved to {data['cohort']}."


class CancelCohortForm(forms.Form):
    reason = forms.CharField(
        label="Why is this date cancelled?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Told to every booker and printed on the credit notes.",
        error_messages={"required": "Give the reason: the schools will read it."},
    )


class CancelCohortView(OfficeActionView):
    model = Cohort
    form_class = CancelCohortForm
    page_title = "Cancel this date"
    submit_label = "Cancel the date and every booking on it"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Cohort.objects.select_related("course"), pk=kwargs["pk"])
        self.back_url = reverse(f"{COHORTS}:index")

    def get_explanation(self):
        active = self.object.bookings.filter(
            status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED]
        ).count()
        return (
            f"{active} active booking{'s' if active != 1 else ''} will be cancelled and "
            "credited in full, card payments refunded, and every booker and delegate "
            "emailed with a calendar update that removes the sessions. This cannot be undone."
        )

    def act(self, data):
        count = cancel_cohort(self.object, reason=data["reason"], actor=self.request.user)
        return f"{self.object} is cancelled, with {count} booking{'s' if count != 1 else ''}."


class ConfirmCohortView(OfficeActionView):
    """Confirm that a date which needed enough delegates goes ahead."""

    model = Cohort
    form_class = forms.Form
    page_title = "Confirm this date goes ahead"
    header_icon = "check"
    submit_label = "Confirm: the date goes ahead"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Cohort.objects.select_related("course"), pk=kwargs["pk"])
        self.back_url = reverse(f"{COHORTS}:index")

    def get_explanation(self):
        cohort = self.object
        if cohort.go_ahead_confirmed_at:
            when = timezone.localtime(cohort.go_ahead_confirmed_at).strftime("%-d %B %Y %H:%M")
            return f"This date was confirmed on {when}; confirming again sends nothing."
        booked = cohort.places_confirmed()
        minimum = cohort.min_delegates or 0
        short = (
            f"{minimum - booked} short of the minimum of {minimum}"
            if booked < minimum
            else f"the minimum of {minimum} is reached"
        )
        return (
            f"{booked} place{'s' if booked != 1 else ''} booked ({short}). Every named delegate "
            "is emailed the joining details, once, and each booker is told the date is "
            "confirmed. To call it off instead, cancel the date."
        )

    def act(self, data):
        try:
            done = confirm_go_ahead(self.object, actor=self.request.user)
        except ValueError as error:
            raise BookingError(None, str(error)) from error
        if not done:
            return f"{self.object} was already confirmed: nothing sent again."
        return f"{self.object} is confirmed: joining details are on their way."


class RefundCardForm(forms.Form):
    places = forms.IntegerField(
        label="Places to refund",
        min_value=1,
        help_text="Each is refunded at its full price and credited on a credit note; the "
        "delegates keep their places. All of them refunds the whole invoice.",
        error_messages={"min_value": "Refund at least one place."},
    )
    reason = forms.CharField(
        label="Why is this refunded?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed on the credit note and told to the booker.",
        error_messages={"required": "Give the reason: it goes on the credit note."},
    )


class RefundCardView(OfficeActionView):
    """Refund a card payment, whole or in part, through Stripe: the places stay booked."""

    model = Invoice
    form_class = RefundCardForm
    permission_required = "view"
    page_title = "Refund to card"
    header_icon = "undo"
    submit_label = "Issue the credit note and refund"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(
            Invoice.objects.select_related("booking").prefetch_related(
                "payments", "refunds", "credit_notes"
            ),
            pk=kwargs["pk"],
        )
        self.back_url = reverse(f"{INVOICES}:inspect", args=[quote(self.object.pk)])

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("bookings.add_refund"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        _, left = refundable_places(self.object)
        form.fields["places"].initial = left or None
        if left:
            form.fields["places"].max_value = left
            form.fields["places"].widget.attrs["max"] = left
        return form

    def get_explanation(self):
        invoice = self.object
        _, left = refundable_places(invoice)
        return (
            f"Paid by card on {invoice.number} and not yet refunded: "
            f"£{card_refundable(invoice)}; {left} place{'s' if left != 1 else ''} not yet "
            "credited. The booking keeps its places; to cancel places too, cancel them from "
            "the booking instead, which refunds as it credits."
        )

    def act(self, data):
        note, refunds = refund_card_payment(
            self.object, places=data["places"], reason=data["reason"], actor=self.request.user
        )
        refunded = sum((r.amount for r in refunds), Decimal(0))
        return f"Credit note {note.number} issued; £{refunded} is being refunded to the card."


# --- The trainer's delegate list --------------------------------------------------------


def may_see_delegates(user):
    return user.has_perm("bookings.view_cohort") and user.has_perm("bookings.view_booking")


DELEGATE_COLUMNS = ["Name", "Email", "Job title", "School", "Booking reference"]
TO_BE_NAMED = "To be named"


def delegate_rows(cohort):
    """Everyone expected on the day: active delegates of confirmed bookings, by school."""
    delegates = (
        Delegate.objects.filter(
            booking__cohort=cohort,
            booking__status=BookingStatus.CONFIRMED,
            cancelled_at__isnull=True,
        )
        .select_related("booking__organisation")
        .order_by("booking__organisation__name", "booking__reference", "pk")
    )
    for delegate in delegates:
        named = delegate.is_named
        yield [
            csv_safe(delegate.name if named else TO_BE_NAMED),
            csv_safe(delegate.email if named else ""),
            csv_safe(delegate.job_title if named else ""),
            csv_safe(delegate.booking.organisation.name),
            delegate.booking.reference,
        ]


class CohortDelegatesView(PermissionCheckedMixin, View):
    model = Cohort
    any_permission_required = ["view", "change"]

    def get(self, request, pk):
        # Delegates are people on bookings: seeing them needs the bookings too.
        if not request.user.has_perm("bookings.view_booking"):
            raise PermissionDenied
        cohort = get_object_or_404(Cohort.objects.select_related("course"), pk=pk)
        day = london_date(cohort.starts_at).replace("/", "-") or "undated"
        filename = f"delegates-{cohort.course.slug}-{day}.csv"
        return csv_response(filename, DELEGATE_COLUMNS, delegate_rows(cohort))


# --- Invoices for the accounting package ----------------------------------------------
#
# One row per invoice line in the column layout of Xero's sales invoice import (other UK
# packages import the same columns or map them on import). Amounts are exclusive of VAT:
# choose "Tax exclusive" when importing. Credit notes go in the same file as invoices,
# their lines with negative quantities (the unit price stays positive), so each credit
# note's total is negative and it is imported as a credit, not as a second invoice; the
# Reference column names the invoice it credits. A credit note has no due date, so its
# issue date fills DueDate, which the import requires.

XERO_COLUMNS = [
    "ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POCity",
    "POPostalCode",
    "InvoiceNumber",
    "Reference",
    "InvoiceDate",
    "DueDate",
    "Description",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
    "Currency",
]
SALES_ACCOUNT_CODE = "200"  # Xero's default chart of accounts: Sales
CURRENCY = "GBP"


def tax_type(vat_rate):
    """The tax rate's name as Xero's UK organisations have it. Any other rate is named
    the same way, so that an import stops at it rather than booking it as no VAT."""
    if vat_rate == 0:
        return "Zero Rated Income"
    return f"{vat_rate.normalize():f}% (VAT on Income)"


def postal_address(address, postcode):
    """Up to three address lines and a town from the free-text address: the last line
    is taken as the town (a line that is only the postcode is dropped)."""
    lines = [line.strip().rstrip(",") for line in address.splitlines()]
    lines = [line for line in lines if line and line.upper() != postcode.strip().upper()]
    town = lines.pop() if len(lines) > 1 else ""
    if len(lines) > 3:
        lines = [*lines[:2], ", ".join(lines[2:])]
    return [*lines, "", "", ""][:3], town


def accounting_reference(invoice):
    if invoice.is_credit_note:
        text = f"Credit against {invoice.credited_invoice.number}"
        return f"{text}, PO {invoice.po_number}" if invoice.po_number else text
    return invoice.po_number or invoice.booking.reference


def accounting_rows(invoices):
    for invoice in invoices:
        address_lines, town = postal_address(invoice.buyer_address, invoice.buyer_postcode)
        issued = invoice.issued_at.astimezone(LONDON).date()
        due = invoice.due_date or issued
        sign = -1 if invoice.is_credit_note else 1
        for line in invoice.lines.all():
            yield [
                csv_safe(invoice.buyer_name),
                csv_safe(invoice.buyer_email),
                *(csv_safe(text) for text in address_lines),
                csv_safe(town),
                csv_safe(invoice.buyer_postcode),
                invoice.number,
                csv_safe(accounting_reference(invoice)),
                issued.strftime("%d/%m/%Y"),
                due.strftime("%d/%m/%Y"),
                csv_safe(line.description),
                str(sign * line.quantity),
                f"{line.unit_net:.2f}",
                SALES_ACCOUNT_CODE,
                tax_type(line.vat_rate),
                CURRENCY,
            ]


def search_invoices(queryset, query):
    condition = Q()
    for field in INVOICE_SEARCH_FIELDS:
        condition |= Q(**{f"{field}__icontains": query})
    return queryset.filter(condition)


class AccountingExportView(PermissionCheckedMixin, View):
    """The invoices and credit notes the listing shows (same filters and search), oldest
    first, as a CSV file for the accounting package."""

    model = Invoice
    permission_required = "view"

    def get(self, request):
        invoices = Invoice.objects.select_related("booking", "credited_invoice").prefetch_related(
            "lines"
        )
        filters = InvoiceFilterSet(data=request.GET or None, queryset=invoices, request=request)
        if filters.is_bound and filters.is_valid():
            invoices = filters.qs
        query = request.GET.get("q", "").strip()
        if query:
            invoices = search_invoices(invoices, query)
        invoices = invoices.order_by("issued_at", "pk")
        stamp = datetime.datetime.now(LONDON).strftime("%Y-%m-%d")
        return csv_response(
            f"invoices-for-accounts-{stamp}.csv", XERO_COLUMNS, accounting_rows(invoices)
        )


# --- Recording a payment --------------------------------------------------------------


def _sum_of(queryset, link, field):
    return Subquery(
        queryset.filter(**{link: OuterRef("pk")})
        .values(link)
        .annotate(total=Sum(field))
        .values("total")[:1]
    )


def invoices_with_balance_due():
    """Invoices with money still owed on them, newest first, each annotated with how
    much (`outstanding`), worked out in the one query."""
    money_field = DecimalField(max_digits=10, decimal_places=2)
    zero = Value(Decimal("0.00"), output_field=money_field)
    paid = Coalesce(_sum_of(Payment.objects.all(), "invoice", "amount"), zero)
    credited = Coalesce(_sum_of(Invoice.objects.all(), "credited_invoice", "gross_total"), zero)
    return (
        Invoice.objects.filter(kind=DocumentKind.INVOICE)
        .annotate(
            outstanding=ExpressionWrapper(
                F("gross_total") - paid - credited, output_field=money_field
            )
        )
        .filter(outstanding__gt=0)
        .order_by("-issued_at", "-pk")
    )


class PaymentForm(WagtailAdminModelForm):
    class Meta:
        model = Payment
        fields = ["invoice", "amount", "received_on", "method", "reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invoice = self.fields["invoice"]
        invoice.queryset = invoices_with_balance_due()
        invoice.label_from_instance = lambda i: (
            f"{i.number}: {i.buyer_name}, {pounds(i.outstanding)} due"
        )
        invoice.help_text = "Only invoices with money still owed on them are listed."
        invoice.error_messages["invalid_choice"] = (
            "Choose an invoice from the list: that one has nothing left to pay, or is a "
            "credit note."
        )
        self.fields["amount"].label = "Amount received (£)"
        self.fields["received_on"].initial = lambda: datetime.datetime.now(LONDON).date()


class RecordPaymentView(CreateView):
    """Record money received against an invoice through the invoicing service, which
    refuses more than the balance due; its message is shown at the field it concerns."""

    page_title = "Record a payment"
    submit_button_label = "Record payment"
    submit_button_active_label = "Recording…"

    def get_page_subtitle(self):
        return "Payment received"

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        return [*items[:-1], {"url": "", "label": "Record a payment"}]

    def get_initial(self):
        initial = super().get_initial()
        invoice = self.request.GET.get("invoice", "")
        if invoice.isdigit():
            initial["invoice"] = int(invoice)
        return initial

    def form_valid(self, form):
        self.form = form
        data = form.cleaned_data
        try:
            payment = record_payment(
                data["invoice"],
                amount=data["amount"],
                received_on=data["received_on"],
                method=data["method"],
                reference=data["reference"],
                actor=self.request.user,
            )
        except InvoicingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            self.produced_error_message = "The payment was not recorded: see the message below."
            return self.form_invalid(form)
        self.object = payment
        invoice = invoice_queryset().get(pk=payment.invoice_id)
        messages.success(
            self.request,
            f"{pounds(payment.amount)} recorded against {invoice.number}, which is now "
            f"{invoice.status_label().lower()}.",
            buttons=[
                messages.button(
                    reverse(f"{INVOICES}:inspect", args=[quote(invoice.pk)]), "View invoice"
                )
            ],
        )
        return redirect(self.get_success_url())
