"""Waiting lists for bookers: joining a full date, the offer page a link leads to, and
leaving the list. Offers are spent through the booking form (views.book with ?offer=)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .models import WaitingListEntry, WaitingStatus
from .services import capacity
from .services.waiting import WaitingListError, join_waiting_list, withdraw
from .views import _cohort_or_404


class WaitingListForm(forms.Form):
    places = forms.IntegerField(
        label="Places wanted",
        min_value=1,
        max_value=200,
        error_messages={"min_value": "Ask for at least one place."},
        help_text="We offer places only when this many are free together.",
    )
    organisation = forms.ModelChoiceField(queryset=None, label="Places are for", empty_label=None)
    contact_name = forms.CharField(label="Contact name", max_length=160)
    contact_email = forms.EmailField(
        label="Contact email", help_text="Where we send the offer when places come free."
    )
    contact_phone = forms.CharField(label="Phone (optional)", max_length=40, required=False)
    note = forms.CharField(
        label="Anything we should know (optional)",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()


@login_required
@never_cache
def join(request, cohort_id):
    cohort = _cohort_or_404(request, cohort_id)
    booker = getattr(request.user, "booker", None)
    if booker is None:
        messages.info(
            request, "Waiting lists are for school bookers: sign in with your school account."
        )
        return redirect(cohort.course.url)
    organisations = booker.organisation.bookable_for()
    user = request.user
    form = WaitingListForm(
        request.POST or None,
        organisations=organisations,
        initial={
            "places": 1,
            "organisation": booker.organisation.pk,
            "contact_name": user.get_full_name(),
            "contact_email": user.email,
            "contact_phone": booker.phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            join_waiting_list(
                cohort.pk,
                user,
                data["organisation"],
                data["places"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                note=data["note"],
            )
        except WaitingListError as error:
            field = error.field if error.field in form.fields else None
            if field and form.fields[field].widget.is_hidden:
                field = None
            form.add_error(field, error.message)
        else:
            messages.success(
                request,
                f"{data['organisation']} is on the waiting list for {data['places']} "
                f"place{'s' if data['places'] != 1 else ''}. We will email "
                f"{data['contact_email']} if places come free.",
            )
            return redirect("accounts:account")
    return render(
        request,
        "bookings/waiting_join.html",
        {
            "cohort": cohort,
            "form": form,
            "places_left": capacity.places_left(cohort),
            "window_problem": cohort.booking_window_problem(),
        },
    )


def _entry(request, **lookup):
    return get_object_or_404(
        WaitingListEntry.objects.for_user(request.user).select_related(
            "cohort__course", "organisation", "offer_hold", "booking"
        ),
        **lookup,
    )


@login_required
@never_cache
def offer(request, token):
    entry = _entry(request, token=token)
    now = timezone.now()
    return render(
        request,
        "bookings/waiting_offer.html",
        {
            "entry": entry,
            "cohort": entry.cohort,
            "offer_open": entry.offer_is_open(now),
            "book_url": reverse("bookings:book", args=[entry.cohort_id]) + f"?offer={entry.token}",
            "statuses": WaitingStatus,
        },
    )


@login_required
@require_POST
def leave(request, token):
    entry = _entry(request, token=token)
    entry = withdraw(entry)
    if entry.status == WaitingStatus.WITHDRAWN:
        messages.success(
            request, f"{entry.organisation} has left the waiting list for {entry.cohort}."
        )
    return redirect("accounts:account")
