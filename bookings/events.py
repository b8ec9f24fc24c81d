"""Signals the bookings services send, for the parts of the app that react to them."""

from django.dispatch import Signal

# Sent with `cohort`, `places_left` and `now` whenever a change to a cohort's places
# leaves some free (the cohort's row lock is held): the waiting list may offer them.
places_freed = Signal()
