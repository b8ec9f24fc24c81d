"""The bookings app's models, one module per aggregate, re-exported here by name."""

from .bookings import (
    Booking,
    BookingEvent,
    BookingLine,
    BookingStatus,
    Delegate,
    Hold,
    HoldReason,
    PaymentMethod,
    Voucher,
)
from .cohorts import Cohort, CohortSession, CohortStatus, SessionReminder, term_of
from .invoices import (
    DocumentCounter,
    DocumentKind,
    ImmutableDocumentError,
    Invoice,
    InvoiceLine,
    InvoiceReminder,
    InvoiceStatus,
    InvoicingSettings,
    Payment,
    PaymentMethodReceived,
)
from .organisations import Booker, Organisation, OrganisationKind
from .payments import (
    CardCheckout,
    CheckoutPurpose,
    CheckoutStatus,
    Refund,
    RefundStatus,
    StripeEvent,
)
from .waiting import WaitingListEntry, WaitingStatus

__all__ = [
    "SessionReminder",
    "WaitingListEntry",
    "WaitingStatus",
    "StripeEvent",
    "RefundStatus",
    "Refund",
    "CheckoutStatus",
    "CheckoutPurpose",
    "CardCheckout",
    "Booker",
    "Booking",
    "BookingEvent",
    "BookingLine",
    "BookingStatus",
    "Cohort",
    "CohortSession",
    "CohortStatus",
    "Delegate",
    "DocumentCounter",
    "DocumentKind",
    "Hold",
    "HoldReason",
    "ImmutableDocumentError",
    "Invoice",
    "InvoiceLine",
    "InvoiceReminder",
    "InvoiceStatus",
    "InvoicingSettings",
    "Organisation",
    "OrganisationKind",
    "Payment",
    "PaymentMethod",
    "PaymentMethodReceived",
    "Voucher",
    "term_of",
]
