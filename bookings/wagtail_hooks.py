"""Bookings in the Wagtail admin, all under one "Bookings" menu item.

Each viewset offers only the views that make sense for its model: bookings are made
through the booking flow and cancelled through the booking service; invoices and credit
notes, once issued, are never edited or deleted; payments are only recorded. For those,
the edit and delete views have no URL at all, rather than a URL the permissions refuse.
The views themselves live in admin_views.py.
"""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder, NullAdminURLFinder
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from . import admin_views as views
from .admin_waiting import WaitingListView
from .models import Booker, Booking, Cohort, Invoice, Organisation, Payment, Voucher


class BookingsViewSet(ModelViewSet):
    """A ModelViewSet that registers URLs only for the views in `enabled_views`, plus any
    of its own from `get_extra_urlpatterns()`; links to the others are never built."""

    enabled_views = ("index", "index_results", "add", "edit", "history", "history_results")
    # Nothing here is deleted: bookings and invoices refer to every one of these rows.
    copy_view_enabled = False
    # Only the usage view reads the reference index, and it is not offered.
    add_to_reference_index = False
    # Search with the database (icontains) rather than the search index: references and
    # postcodes are codes, not words.
    search_backend_name = None

    def get_urlpatterns(self):
        # Built here rather than filtered from super()'s list, so that a disabled view is
        # never even constructed (an add view would need a form for Booking or Invoice).
        pk = f"<{self.pk_path_converter}:pk>"
        routes = {
            "index": ("", "index_view"),
            "index_results": ("results/", "index_results_view"),
            "add": ("new/", "add_view"),
            "edit": (f"edit/{pk}/", "edit_view"),
            "inspect": (f"inspect/{pk}/", "inspect_view"),
            "history": (f"history/{pk}/", "history_view"),
            "history_results": (f"history-results/{pk}/", "history_results_view"),
        }
        patterns = [
            path(route, getattr(self, view), name=name)
            for name, (route, view) in routes.items()
            if name in self.enabled_views
        ]
        return patterns + self.get_extra_urlpatterns()

    def get_extra_urlpatterns(self):
        return []

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for view in ("add", "edit", "delete", "copy", "inspect", "history", "usage"):
            if view not in self.enabled_views:
                view_kwargs[f"{view}_url_name"] = None
        return view_kwargs

    @property
    def url_finder_class(self):
        # Where Wagtail links to an object (history, reports): its edit page, else its
        # inspect page, else nowhere.
        view = next((v for v in ("edit", "inspect") if v in self.enabled_views), None)
        if view is None:
            return NullAdminURLFinder
        return type(
            "_BookingsAdminURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name(view)},
        )


READ_ONLY = ("index", "index_results", "inspect")


class OrganisationViewSet(BookingsViewSet):
    model = Organisation
    name = views.ORGANISATIONS
    url_prefix = "bookings/organisations"
    icon = "site"
    index_view_class = views.OrganisationIndexView
    list_display = [
        "name",
        "kind",
        "trust",
        "postcode",
        BooleanColumn("is_partner", label="Partner school", sort_key="is_partner"),
    ]
    list_filter = ["kind", "is_partner"]
    search_fields = ["name", "postcode", "identifier"]
    list_export = [
        "name",
        "get_kind_display",
        "trust",
        "address",
        "postcode",
        "identifier",
        "finance_contact_name",
        "finance_email",
        "vat_number",
        "is_partner",
        "requires_po_number",
    ]
    export_headings = {
        "get_kind_display": "Kind",
        "trust": "Trust",
        "is_partner": "Partner school",
        "requires_po_number": "Requires a PO number",
    }
    export_filename = "organisations"
    # The edit form is the model's `panels`.


class BookerViewSet(BookingsViewSet):
    model = Booker
    name = views.BOOKERS
    url_prefix = "bookings/bookers"
    icon = "user"
    index_view_class = views.BookerIndexView
    list_display = [
        "user",
        Column("email", label="Email", accessor="user.email", sort_key="user__email"),
        "organisation",
        BooleanColumn(
            "email_confirmed",
            label="Email confirmed",
            accessor="email_confirmed",
            sort_key="email_confirmed_at",
        ),
    ]
    search_fields = ["user__first_name", "user__last_name", "user__email", "organisation__name"]
    list_export = ["user", "user.email", "organisation", "job_title", "phone", "email_confirmed_at"]
    export_headings = {"user": "Name", "user.email": "Email", "organisation": "Organisation"}
    export_filename = "bookers"


class CohortViewSet(BookingsViewSet):
    model = Cohort
    name = views.COHORTS
    url_prefix = "bookings/cohorts"
    icon = "calendar-alt"
    index_view_class = views.CohortIndexView
    filterset_class = views.CohortFilterSet
    list_display = [
        "course",
        Column(
            "first_date",
            label="First date",
            accessor=lambda cohort: views.london_date(cohort.starts_at),
            sort_key="starts_at",
        ),
        "title",
        Column(
            "places",
            label="Places booked",
            accessor=views.places_label,
            sort_key="places_booked",
        ),
        "status",
    ]
    search_fields = ["title", "course__title"]
    list_export = [
        "course.title",
        "title",
        "starts_at",
        "term",
        "capacity",
        "places_booked",
        "places_held",
        "places_left",
        "get_status_display",
        "reserved_for",
    ]
    export_headings = {
        "course.title": "Course",
        "title": "Label",
        "starts_at": "First session",
        "term": "Term",
        "places_booked": "Places booked",
        "places_held": "Places held",
        "places_left": "Places left",
        "get_status_display": "Status",
        "reserved_for": "Reserved for",
    }
    export_filename = "cohorts"

    def get_extra_urlpatterns(self):
        return [
            path("delegates/<int:pk>/", views.CohortDelegatesView.as_view(), name="delegates"),
            path("cancel/<int:pk>/", views.CancelCohortView.as_view(), name="cancel"),
            path("waiting/<int:pk>/", WaitingListView.as_view(), name="waiting"),
            path("confirm/<int:pk>/", views.ConfirmCohortView.as_view(), name="confirm"),
        ]


class BookingViewSet(BookingsViewSet):
    model = Booking
    name = views.BOOKINGS
    url_prefix = "bookings/bookings"
    icon = "clipboard-list"
    enabled_views = READ_ONLY
    inspect_view_enabled = True
    index_view_class = views.BookingIndexView
    inspect_view_class = views.BookingInspectView
    filterset_class = views.BookingFilterSet
    list_display = [
        "reference",
        "organisation",
        "cohort",
        Column("places", label="Places", accessor="places", sort_key="places"),
        "status",
        Column("total", label="Total incl. VAT", accessor=lambda b: views.pounds(b.gross_total)),
        Column(
            "created",
            label="Booked on",
            accessor=lambda booking: views.london_date(booking.created_at),
            sort_key="created_at",
        ),
    ]
    search_fields = ["reference", "po_number", "billing_name"]
    inspect_view_fields = [
        "reference",
        "status",
        "organisation",
        "cohort",
        "booker",
        "places",
        "payment_method",
        "po_number",
        "voucher",
        "early_bird",
        "billing_name",
        "billing_address",
        "billing_postcode",
        "finance_email",
        "created_at",
        "confirmed_at",
        "cancelled_at",
    ]
    list_export = [
        "reference",
        "organisation.name",
        "cohort.course.title",
        "cohort.starts_at",
        "get_status_display",
        "places",
        "get_payment_method_display",
        "po_number",
        "billing_name",
        "finance_email",
        "net_total",
        "vat_total",
        "gross_total",
        "created_at",
    ]
    export_headings = {
        "organisation.name": "School",
        "cohort.course.title": "Course",
        "cohort.starts_at": "First session",
        "get_status_display": "Status",
        "get_payment_method_display": "Payment method",
        "po_number": "PO number",
        "net_total": "Net",
        "vat_total": "VAT",
        "gross_total": "Total incl. VAT",
        "created_at": "Booked at",
    }
    export_filename = "bookings"

    def get_extra_urlpatterns(self):
        return [
            path("cancel/<int:pk>/", views.CancelBookingView.as_view(), name="cancel"),
            path("move/<int:pk>/", views.MoveBookingView.as_view(), name="move"),
        ]


class InvoiceViewSet(BookingsViewSet):
    """Invoices and credit notes: listing, inspect and exports only. An issued document
    is immutable, so there is no add, edit, copy or delete view, nor a URL for one."""

    model = Invoice
    name = views.INVOICES
    url_prefix = "bookings/invoices"
    icon = "doc-full"
    menu_label = "Invoices and credit notes"
    enabled_views = READ_ONLY
    inspect_view_enabled = True
    index_view_class = views.InvoiceIndexView
    inspect_view_class = views.InvoiceInspectView
    filterset_class = views.InvoiceFilterSet
    list_display = [
        "number",
        "kind",
        "buyer_name",
        Column(
            "issued",
            label="Issued",
            accessor=lambda invoice: views.london_date(invoice.issued_at),
            sort_key="issued_at",
        ),
        Column(
            "total",
            label="Total incl. VAT",
            accessor=lambda invoice: views.pounds(invoice.gross_total),
            sort_key="gross_total",
        ),
        Column("status", label="Status", accessor=lambda invoice: invoice.status_label()),
        Column(
            "balance",
            label="Balance due",
            accessor=lambda i: "" if i.is_credit_note else views.pounds(i.balance_due),
        ),
    ]
    search_fields = views.INVOICE_SEARCH_FIELDS
    inspect_view_fields = [
        "number",
        "kind",
        "credited_invoice",
        "reason",
        "organisation",
        "issued_at",
        "time_of_supply",
        "due_date",
        "buyer_name",
        "buyer_address",
        "buyer_postcode",
        "buyer_email",
        "buyer_vat_number",
        "po_number",
        "net_total",
        "vat_total",
        "gross_total",
    ]
    list_export = [
        "number",
        "get_kind_display",
        "buyer_name",
        "po_number",
        "issue_date",
        "due_date",
        "net_total",
        "vat_total",
        "gross_total",
        "status_label",
        "balance_due",
    ]
    export_headings = {
        "get_kind_display": "Document",
        "buyer_name": "Buyer",
        "po_number": "PO number",
        "issue_date": "Issued",
        "net_total": "Net",
        "vat_total": "VAT",
        "gross_total": "Total incl. VAT",
        "status_label": "Status",
        "balance_due": "Balance due",
    }
    export_filename = "invoices"

    def get_extra_urlpatterns(self):
        return [
            path(
                "accounting-export/",
                views.AccountingExportView.as_view(),
                name="accounting_export",
            ),
            path("refund/<int:pk>/", views.RefundCardView.as_view(), name="refund"),
        ]


class PaymentViewSet(BookingsViewSet):
    """Payments are recorded (through the invoicing service) and listed; a wrong one is
    put right by the office outside this screen, so there is no edit or delete."""

    model = Payment
    name = views.PAYMENTS
    url_prefix = "bookings/payments"
    icon = "circle-check"
    enabled_views = ("index", "index_results", "add")
    index_view_class = views.PaymentIndexView
    add_view_class = views.RecordPaymentView
    edit_handler = ObjectList(Payment.panels, base_form_class=views.PaymentForm)
    filterset_class = views.PaymentFilterSet
    list_display = [
        TitleColumn(
            "invoice",
            label="Invoice",
            accessor="invoice.number",
            get_url=lambda payment: reverse(f"{views.INVOICES}:inspect", args=[payment.invoice_id]),
            sort_key="invoice__number",
        ),
        Column("buyer", label="Buyer", accessor="invoice.buyer_name"),
        Column(
            "amount",
            label="Amount",
            accessor=lambda payment: views.pounds(payment.amount),
            sort_key="amount",
        ),
        Column(
            "received",
            label="Received on",
            accessor=lambda payment: payment.received_on.strftime("%d/%m/%Y"),
            sort_key="received_on",
        ),
        "method",
        "reference",
        "recorded_by",
    ]
    search_fields = ["invoice__number", "invoice__buyer_name", "reference"]
    list_export = [
        "invoice.number",
        "invoice.buyer_name",
        "amount",
        "received_on",
        "get_method_display",
        "reference",
        "recorded_by",
        "recorded_at",
    ]
    export_headings = {
        "invoice.number": "Invoice",
        "invoice.buyer_name": "Buyer",
        "get_method_display": "Method",
        "recorded_by": "Recorded by",
        "recorded_at": "Recorded at",
    }
    export_filename = "payments"


class VoucherViewSet(BookingsViewSet):
    model = Voucher
    name = views.VOUCHERS
    url_prefix = "bookings/vouchers"
    icon = "tag"
    list_display = [
        "code",
        "kind",
        "value",
        "valid_until",
        Column(
            "uses",
            label="Times used",
            accessor=lambda v: (
                f"{v.times_used} of {v.max_uses}"
                if v.max_uses is not None
                else f"{v.times_used} (no limit)"
            ),
            sort_key="times_used",
        ),
    ]
    list_filter = ["kind"]
    search_fields = ["code", "description"]


class BookingsMenu(ModelViewSetGroup):
    menu_label = "Bookings"
    menu_icon = "calendar-check"
    menu_order = 250
    items = (
        BookingViewSet,
        CohortViewSet,
        InvoiceViewSet,
        PaymentViewSet,
        OrganisationViewSet,
        BookerViewSet,
        VoucherViewSet,
    )


@hooks.register("register_admin_viewset")
def register_bookings_admin():
    return BookingsMenu()
