from django.apps import AppConfig


class BookingsConfig(AppConfig):
    """Organisations, cohorts, bookings, invoices and payments."""

    name = "bookings"

    def ready(self):
        from . import signals  # noqa: F401
