"""The booker's changes to a booking: substituting a delegate, cancelling places or the
whole booking, and the delegates' private calendar feeds."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .calendar import calendar_response
from .cohort_calendars import calendar_filename, cohort_calendar
from .forms import DelegateForm
from .models import Booking, BookingStatus, Delegate
from .services.booking import BookingError, DelegateDetails
from .services.changes import cancel_places, cancel_whole_booking, credit_share, substitute_delegate


def _booking(request, reference):
    return get_object_or_404(
        Booking.objects.for_user(request.user)
        .select_related("cohort__course", "organisation")
        .prefetch_related("cohort__sessions", "delegates", "lines"),
        reference=reference,
    )


class SubstituteForm(DelegateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["email"].required = True


@login_required
@never_cache
def substitute(request, reference, delegate_id):
    booking = _booking(request, reference)
    delegate = get_object_or_404(booking.delegates, pk=delegate_id, cancelled_at__isnull=True)
    form = SubstituteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        details = DelegateDetails(
            form.cleaned_data["name"], form.cleaned_data["email"], form.cleaned_data["job_title"]
        )
        try:
            new = substitute_delegate(booking, delegate.pk, details, actor=request.user)
        except BookingError as error:
            form.add_error(
                "email" if error.field in ("email", "delegates") else None, error.message
            )
        else:
            messages.success(
                request,
                f"{new.name} now has the place"
                + (f" instead of {delegate.name}" if delegate.is_named else "")
                + ". We have emailed the joining details.",
            )
            return redirect("bookings:booking-detail", reference=booking.reference)
    return render(
        request,
        "bookings/substitute.html",
        {"booking": booking, "delegate": delegate, "form": form},
    )


class CancelForm(forms.Form):
    WHOLE = "whole"
    what = forms.ChoiceField(
        label="What to cancel",
        widget=forms.RadioSelect,
        choices=[(WHOLE, "The whole booking"), ("places", "Only the places ticked below")],
        initial=WHOLE,
    )
    delegates = forms.MultipleChoiceField(
        label="Places to cancel", widget=forms.CheckboxSelectMultiple, required=False
    )
    confirm = forms.BooleanField(
        label="I understand the credit due under the cancellation policy shown above."
    )

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegates"].choices = [
            (str(d.pk), d.name if d.is_named else f"Place {i} (to be named)")
            for i, d in enumerate(places, start=1)
        ]

    def clean(self):
        data = super().clean()
        if data.get("what") == "places" and not data.get("delegates"):
            self.add_error("delegates", "Tick the places to cancel.")
        return data


@login_required
@never_cache
def cancel(request, reference):
    booking = _booking(request, reference)
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise Http404("Nothing to cancel.")
    places = booking.active_delegates()
    form = CancelForm(request.POST or None, places=places)
    share = credit_share(booking)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["what"] == CancelForm.WHOLE:
                cancel_whole_booking(booking, actor=request.user)
                messages.success(request, "The booking is cancelled. We have emailed you.")
            else:
                ids = [int(pk) for pk in form.cleaned_data["delegates"]]
                cancel_places(booking, ids, actor=request.user)
                messages.success(request, "Those places are cancelled. We have emailed you.")
        except BookingError as error:
            field = "delegates" if error.field == "places" else None
            form.add_error(field, error.message)
        else:
            return redirect("bookings:booking-detail", reference=booking.reference)
    return render(
        request,
        "bookings/cancel.html",
        {
            "booking": booking,
            "form": form,
            "share_percent": int(share * 100),
            "policy": booking.cohort.cancellation_policy().describe(),
            "today": timezone.localdate(),
        },
    )


@require_GET
def delegate_feed(request, token):
    """A delegate's own calendar feed: the sessions with joining links while their place
    stands, cancelled events once it does not. The token is the only key; a wrong one is
    a 404 like any other missing page."""
    delegate = (
        Delegate.objects.select_related("booking__cohort__course")
        .prefetch_related("booking__cohort__sessions")
        .filter(calendar_token=token)
        .first()
    )
    if delegate is None or not token:
        raise Http404("No such calendar.")
    booking = delegate.booking
    confirmed = (
        booking.status == BookingStatus.CONFIRMED
        and delegate.cancelled_at is None
        and booking.cohort.is_going_ahead
    )
    gone = delegate.cancelled_at is not None or booking.status in (
        BookingStatus.CANCELLED,
        BookingStatus.EXPIRED,
    )
    ics = cohort_calendar(booking.cohort, for_delegates=confirmed, cancelled=gone)
    response = calendar_response(ics, calendar_filename(booking.cohort))
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_POST
def reset_feed(request, reference, delegate_id):
    booking = _booking(request, reference)
    delegate = get_object_or_404(booking.delegates, pk=delegate_id)
    delegate.reset_calendar_token()
    messages.success(
        request, f"{delegate.name or 'The delegate'}'s old calendar link no longer works."
    )
    return redirect("bookings:booking-detail", reference=booking.reference)
