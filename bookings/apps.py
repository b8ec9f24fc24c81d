from django.apps import AppConfig


class BookingsConfig(AppConfig):
    """Organisations, cohorts, bookings, invoices and payments (the bookings issue)."""

    name = "bookings"
