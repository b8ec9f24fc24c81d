"""Run every few minutes from cron (`make run` runs it every five): release places whose
hold lapsed (closing unfinished card payments at Stripe first), pass lapsed waiting-list
offers on, and queue the reminders (invoices, sessions, the office's go-ahead decisions),
which the task worker sends."""

from django.core.management.base import BaseCommand

from bookings.services.card import release_lapsed_places
from bookings.services.go_ahead import remind_decisions
from bookings.services.waiting import waiting_list_housekeeping
from bookings.tasks import send_overdue_reminders, send_session_reminders


class Command(BaseCommand):
    help = "Release lapsed holds and queue reminders."

    def handle(self, *args, **options):
        release_lapsed_places.enqueue()
        waiting_list_housekeeping.enqueue()
        send_overdue_reminders.enqueue()
        send_session_reminders.enqueue()
        remind_decisions()
        self.stdout.write("Queued the release of lapsed holds, waiting lists and reminders.")
