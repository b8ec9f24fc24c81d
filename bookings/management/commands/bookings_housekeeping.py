"""Run every few minutes from cron (`make run` runs it every five): release places whose
hold lapsed (closing unfinished card payments at Stripe first), pass lapsed waiting-list
offers on, and queue the reminders
(sent by the task worker)."""

from django.core.management.base import BaseCommand

from bookings.services.card import release_lapsed_places
from bookings.services.waiting import waiting_list_housekeeping
from bookings.tasks import send_overdue_reminders


class Command(BaseCommand):
    help = "Release lapsed holds and queue reminders."

    def handle(self, *args, **options):
        release_lapsed_places.enqueue()
        waiting_list_housekeeping.enqueue()
        send_overdue_reminders.enqueue()
        self.stdout.write("Queued the release of lapsed holds and the reminders.")
