"""Run every few minutes from cron: expire bookings whose hold lapsed and queue the
overdue-invoice reminders (sent by the task worker)."""

from django.core.management.base import BaseCommand

from bookings.services.booking import expire_lapsed_holds
from bookings.tasks import send_overdue_reminders


class Command(BaseCommand):
    help = "Expire lapsed holds and queue reminders for overdue invoices."

    def handle(self, *args, **options):
        expired = expire_lapsed_holds()
        send_overdue_reminders.enqueue()
        self.stdout.write(f"Expired {expired} booking(s); queued the overdue reminders.")
