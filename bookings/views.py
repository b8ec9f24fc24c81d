"""The booking flow (form, review, confirm), the booker's booking page, and downloads.

Views are thin: they check who may see what, bind forms and call the services.
"""

import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .calendar import calendar_response
from .cohort_calendars import calendar_filename, cohort_calendar
from .forms import (
    MAX_DELEGATE_ROWS,
    BookingDetailsForm,
    NewBookerForm,
    NewOrganisationForm,
    delegate_formset,
)
from .models import (
    Booker,
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    HoldReason,
    Invoice,
    Organisation,
    PaymentMethod,
)
from .payment_views import card_return_urls
from .payments import CARD_UNAVAILABLE_NOTE, payment_method_choices
from .pdf import document_pdf_response
from .services import capacity
from .services.accounts import confirm_email, make_booker, register_booker
from .services.booking import (
    BookingError,
    BookingRequest,
    DelegateDetails,
    confirm_pending_booking,
    name_delegates,
    place_booking,
    preview,
)
from .services.card import PaymentError, open_booking_checkout
from .services.waiting import open_offer
from .stripe_gateway import card_payments_enabled
from .tokens import read_email_confirmation_token

DRAFTS_SESSION_KEY = "booking-drafts"
DRAFTS_KEPT = 5


def _cohort_or_404(request, cohort_id):
    """A cohort this visitor may see: of a published course, not a draft, and, if it is
    reserved for one school or trust, only to that organisation's bookers."""
    cohorts = (
        Cohort.objects.published()
        .exclude(status=CohortStatus.DRAFT)
        .select_related("course", "reserved_for")
        .prefetch_related("sessions")
    )
    cohort = get_object_or_404(cohorts, pk=cohort_id)
    # A reserved run is not shown to others; but someone whose form was open when the
    # run became reserved gets their details back with the reason (the services refuse
    # the booking at the organisation), not a bare 404.
    if cohort.reserved_for_id is not None and request.method != "POST":
        booker = getattr(request.user, "booker", None) if request.user.is_authenticated else None
        organisations = booker.organisation.bookable_for() if booker else []
        if not any(cohort.may_be_booked_by(org) for org in organisations):
            raise Http404("No such date.")
    return cohort


class BookingFlow:
    """The forms of the booking page for this visitor, bound to what they sent."""

    def __init__(self, request, cohort, data=None, draft=None):
        self.request = request
        self.cohort = cohort
        self.draft = draft or {}
        user = request.user
        self.booker = getattr(user, "booker", None) if user.is_authenticated else None
        self.new_account = not user.is_authenticated
        self.new_organisation = self.booker is None
        self.errors = {}  # "cohort" and "delegates" messages shown above their sections
        # A waiting-list offer being spent: its link travels with the form and the draft.
        self.offer_token = ((data or {}).get("offer") or request.GET.get("offer", ""))[:40]
        self.offer = (
            open_offer(self.offer_token, cohort, None)
            if self.offer_token and self.booker is not None
            else None
        )
        organisations = None if self.new_organisation else self.booker.organisation.bookable_for()
        initial = self._initial()
        self.details = BookingDetailsForm(
            data,
            prefix="booking",
            initial=initial,
            organisations=organisations,
            payment_methods=payment_method_choices(),
        )
        self.delegates = delegate_formset(self.delegate_rows)(data, prefix="delegates")
        self.account = NewBookerForm(data, prefix="account") if self.new_account else None
        if self.account is not None and self.draft.get("password_hash"):
            field = self.account.fields["password"]
            field.required = False
            field.help_text = "Leave blank to keep the password you chose."
        self.organisation = (
            NewOrganisationForm(data, prefix="organisation") if self.new_organisation else None
        )

    @property
    def delegate_rows(self):
        limit = self.cohort.offer().max_places or MAX_DELEGATE_ROWS
        return max(1, min(limit, MAX_DELEGATE_ROWS, self.cohort.capacity))

    def _initial(self):
        initial = {"places": self.offer.places if self.offer else 1}
        if self.booker is not None:
            org = self.offer.organisation if self.offer else self.booker.organisation
            initial.update(
                organisation=org.pk,
                billing_name=org.name,
                billing_address=org.address,
                billing_postcode=org.postcode,
                finance_email=org.finance_email,
            )
        return initial

    def forms(self):
        return [f for f in (self.account, self.organisation, self.details) if f is not None]

    def is_valid(self):
        # Every form is validated (no short cut), so that every mistake is shown at once.
        results = [f.is_valid() for f in self.forms()] + [self.delegates.is_valid()]
        return False not in results

    @property
    def has_form_errors(self):
        forms_with_errors = [f for f in self.forms() if f.is_bound and f.errors]
        delegate_errors = self.delegates.is_bound and not self.delegates.is_valid()
        return bool(forms_with_errors or delegate_errors or self.errors.get("delegates"))

    @property
    def key(self):
        if "key" not in self.draft:
            self.draft["key"] = str(uuid.uuid4())
        return self.draft["key"]

    def keep_password(self):
        """After a mistake elsewhere on the form, keep the new booker's password (hashed,
        in the session) so that they need not type it again."""
        if self.account is None or not self.account.cleaned_data.get("password"):
            return
        self.save_draft()
        field = self.account.fields["password"]
        field.required = False
        field.help_text = "Leave blank to keep the password you chose."
        # The form has been validated, so its bound field already holds the old text.
        self.account["password"].help_text = field.help_text

    def chosen_organisation(self):
        if self.new_organisation:
            return Organisation(**self.organisation.cleaned_data)
        return self.details.cleaned_data["organisation"]

    def booking_request(self, organisation_id=None):
        data = self.details.cleaned_data
        delegates = [
            DelegateDetails(
                form.cleaned_data.get("name", "").strip(),
                form.cleaned_data.get("email", ""),
                form.cleaned_data.get("job_title", "").strip(),
            )
            for form in self.delegates
            if form.cleaned_data.get("email")
        ]
        if organisation_id is None and not self.new_organisation:
            organisation_id = data["organisation"].pk
        return BookingRequest(
            cohort_id=self.cohort.pk,
            organisation_id=organisation_id,
            places=data["places"],
            delegates=delegates,
            po_number=data["po_number"],
            billing_name=data["billing_name"],
            billing_address=data["billing_address"],
            billing_postcode=data["billing_postcode"],
            finance_email=data["finance_email"],
            voucher_code=data["voucher_code"],
            payment_method=data["payment_method"],
            offer_token=self.offer_token,
            idempotency_key=uuid.UUID(self.key),
        )

    def invoice_details(self):
        """Where the invoice will go, with the school's details standing in for blanks."""
        data, org = self.details.cleaned_data, self.chosen_organisation()
        return {
            "name": data["billing_name"] or org.name,
            "address": data["billing_address"] or org.address,
            "postcode": data["billing_postcode"] or org.postcode,
            "email": data["finance_email"] or org.finance_email,
        }

    def preview(self):
        return preview(self.booking_request(organisation_id=0), self.chosen_organisation())

    def add_error(self, error):
        field = self.details.fields.get(error.field)
        if field is not None and field.widget.is_hidden:
            # Nothing to correct on the page (a school with one organisation): say it
            # at the top, where the date's own problems are shown.
            self.errors["cohort"] = error.message
        elif field is not None:
            self.details.add_error(error.field, error.message)
        elif error.field == "organisation" and self.organisation is not None:
            self.organisation.add_error(None, error.message)
        elif error.field == "delegates":
            self.errors["delegates"] = error.message
        else:
            self.errors["cohort"] = error.message

    # --- The draft kept in the session between the form and the review page --------

    def save_draft(self):
        data = {k: v for k, v in self.request.POST.lists() if k != "csrfmiddlewaretoken"}
        draft = {"key": self.key, "cohort": self.cohort.pk, "data": data}
        if self.account is not None:
            password = self.account.cleaned_data.get("password")
            data.pop("account-password", None)
            draft["password_hash"] = (
                make_password(password) if password else self.draft.get("password_hash")
            )
        self.draft.update(draft)
        drafts = self.request.session.get(DRAFTS_SESSION_KEY, {})
        drafts[draft["key"]] = draft
        # Keep the newest few only; a session is not a filing cabinet.
        self.request.session[DRAFTS_SESSION_KEY] = dict(list(drafts.items())[-DRAFTS_KEPT:])
        return draft["key"]

    def account_data(self):
        data = dict(self.account.cleaned_data)
        data.pop("password", None)
        data["password_hash"] = self.draft["password_hash"]
        return data

    @property
    def pays_by_card(self):
        return self.details.cleaned_data.get("payment_method") == PaymentMethod.CARD

    @property
    def payment_label(self):
        chosen = self.details.cleaned_data.get("payment_method")
        return dict(self.details.fields["payment_method"].choices).get(chosen, "")

    def context(self, **extra):
        return {
            "card_payments": card_payments_enabled(),
            "card_unavailable_note": CARD_UNAVAILABLE_NOTE,
            "cohort": self.cohort,
            "flow": self,
            "places_left": capacity.places_left(
                self.cohort, exclude_hold_ids=[self.offer.offer_hold_id] if self.offer else ()
            ),
            "window_problem": self.cohort.booking_window_problem(),
            "sign_in_url": reverse("accounts:sign-in") + "?next=" + self.request.path,
            **extra,
        }


def _load_draft(request, cohort, key):
    draft = request.session.get(DRAFTS_SESSION_KEY, {}).get(str(key))
    if not draft or draft.get("cohort") != cohort.pk:
        return None
    return draft


def _draft_data(draft):
    data = QueryDict(mutable=True)
    for name, values in draft["data"].items():
        data.setlist(name, values)
    return data


@never_cache
def book(request, cohort_id):
    """Step 1: places, delegates, school and billing (and the booker's account, if new)."""
    cohort = _cohort_or_404(request, cohort_id)
    draft = _load_draft(request, cohort, request.GET.get("draft", ""))
    if request.method == "POST":
        draft = _load_draft(request, cohort, request.POST.get("draft", "")) or draft
        flow = BookingFlow(request, cohort, request.POST, draft=draft)
        if flow.is_valid():
            try:
                flow.preview()
            except BookingError as error:
                flow.add_error(error)
            else:
                key = flow.save_draft()
                return redirect("bookings:review", cohort_id=cohort.pk, key=key)
        flow.keep_password()
    elif draft:
        flow = BookingFlow(request, cohort, _draft_data(draft), draft=draft)
        flow.is_valid()  # shows the draft's values, and anything that no longer holds
    else:
        flow = BookingFlow(request, cohort)
    return render(request, "bookings/book.html", flow.context())


@never_cache
def review(request, cohort_id, key):
    """Step 2: the full price and everything entered; confirming makes the booking."""
    cohort = _cohort_or_404(request, cohort_id)
    done = Booking.objects.filter(idempotency_key=key).first()
    if done is not None:
        return _already_booked(request, done)
    draft = _load_draft(request, cohort, key)
    if draft is None:
        messages.info(request, "Those booking details have expired. Please enter them again.")
        return redirect("bookings:book", cohort_id=cohort.pk)
    flow = BookingFlow(request, cohort, _draft_data(draft), draft=draft)
    if not flow.is_valid():
        return render(request, "bookings/book.html", flow.context())
    try:
        quote = flow.preview()
    except BookingError as error:
        flow.add_error(error)
        return render(request, "bookings/book.html", flow.context())
    if request.method == "POST":
        try:
            booking = _make_booking(request, flow)
        except BookingError as error:
            flow.add_error(error)
            return render(request, "bookings/book.html", flow.context())
        except IntegrityError:
            # A double click by a new booker: the other request made the account and
            # the booking first.
            done = Booking.objects.filter(idempotency_key=key).first()
            if done is None:
                raise
            return _already_booked(request, done)
        if booking.awaits_card_payment:
            return _send_to_card_payment(request, booking)
        return redirect("bookings:booking-detail", reference=booking.reference)
    return render(request, "bookings/review.html", flow.context(quote=quote, key=key))


def _send_to_card_payment(request, booking):
    """Open the Checkout Session and send the booker to Stripe. If Stripe cannot be
    reached, the booking page says so and offers to try again (the places stay held)."""
    success, cancel = card_return_urls(booking.reference)
    try:
        checkout = open_booking_checkout(
            booking, success_url=success, cancel_url=cancel, actor=request.user
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return redirect("bookings:booking-detail", reference=booking.reference)
    response = redirect(checkout.url)
    response.status_code = 303
    return response


def _already_booked(request, booking):
    """A reload, a back button or a second click after the booking was made."""
    if request.user.is_authenticated and booking.booker_id == request.user.pk:
        return redirect("bookings:booking-detail", reference=booking.reference)
    if request.user.is_authenticated:
        raise Http404("No such booking.")
    # Signing in again after a second click (the first one signed the new booker in,
    # which renewed the session): say what happened without showing the booking.
    return render(request, "bookings/already_booked.html", status=200)


def _make_booking(request, flow):
    with transaction.atomic():
        if flow.new_account:
            booker = register_booker(
                account=flow.account_data(), organisation=flow.organisation.cleaned_data
            )
        elif flow.new_organisation:
            booker = make_booker(request.user, organisation=flow.organisation.cleaned_data)
        else:
            booker = flow.booker
        organisation_id = booker.organisation.pk if flow.new_organisation else None
        booking = place_booking(flow.booking_request(organisation_id), booker.user)
    if flow.new_account:
        login(request, booker.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.get(DRAFTS_SESSION_KEY, {}).pop(flow.key, None)
    request.session.modified = True
    return booking


def _bookings_for(user):
    return Booking.objects.for_user(user).select_related("cohort__course", "organisation")


@login_required
def booking_detail(request, reference):
    booking = get_object_or_404(
        _bookings_for(request.user).prefetch_related(
            "lines",
            "delegates",
            "cohort__sessions",
            "history",
            "invoices__payments",
            "invoices__refunds",
            "invoices__credit_notes",
            "invoices__credited_invoice",
        ),
        reference=reference,
    )
    invoices = sorted(booking.invoices.all(), key=lambda i: (i.issued_at, i.pk))
    card_hold = None
    if booking.awaits_card_payment:
        card_hold = booking.holds.active().filter(reason=HoldReason.CARD_PAYMENT).first()
    return render(
        request,
        "bookings/booking_detail.html",
        {
            "booking": booking,
            "invoices": invoices,
            "today": timezone.localdate(),
            "pay_by_card": card_payments_enabled(),
            "card_hold": card_hold,
            "started": booking.cohort.starts_at and booking.cohort.starts_at <= timezone.now(),
            "can_change": booking.is_active
            and not (
                booking.cohort.last_day_to_name()
                and timezone.localdate() > booking.cohort.last_day_to_name()
            ),
        },
    )


@login_required
@never_cache
def name_delegates_view(request, reference):
    """Name the places booked 'to be named', until the cohort's naming deadline."""
    booking = get_object_or_404(
        _bookings_for(request.user).prefetch_related("cohort__sessions"), reference=reference
    )
    places = list(booking.delegates.filter(cancelled_at__isnull=True, email=""))
    formset_class = delegate_formset(len(places))
    formset = formset_class(request.POST or None, prefix="delegates")
    error = ""
    if request.method == "POST" and formset.is_valid():
        names = {
            place.pk: DelegateDetails(
                form.cleaned_data.get("name", ""),
                form.cleaned_data.get("email", ""),
                form.cleaned_data.get("job_title", ""),
            )
            for place, form in zip(places, formset, strict=True)
        }
        try:
            name_delegates(booking, names, actor=request.user)
        except BookingError as problem:
            error = problem.message
        else:
            messages.success(request, "Thank you: the delegates are named.")
            return redirect("bookings:booking-detail", reference=booking.reference)
    return render(
        request,
        "bookings/name_delegates.html",
        {
            "booking": booking,
            "formset": formset,
            "error": error,
            "deadline_passed": booking.cohort.naming_deadline_passed(),
        },
    )


@login_required
@require_GET
def booking_calendar(request, reference):
    """The delegates' calendar file, with joining links for online sessions."""
    booking = get_object_or_404(
        _bookings_for(request.user).prefetch_related("cohort__sessions"), reference=reference
    )
    # Joining links only once the booking is confirmed (not while an unverified sign-up
    # waits, nor after a cancellation, nor before a date needing enough delegates is
    # confirmed); until then, the public copy.
    confirmed = booking.status == BookingStatus.CONFIRMED and booking.cohort.is_going_ahead
    ics = cohort_calendar(booking.cohort, for_delegates=confirmed)
    return calendar_response(ics, calendar_filename(booking.cohort))


@require_GET
def cohort_calendar_view(request, cohort_id):
    """The public "add to calendar" file of a listed cohort (no joining links)."""
    cohort = get_object_or_404(
        Cohort.objects.published()
        .select_related("course")
        .prefetch_related("sessions")
        .filter(status__in=[CohortStatus.OPEN, CohortStatus.FULL], reserved_for__isnull=True),
        pk=cohort_id,
    )
    return calendar_response(cohort_calendar(cohort), calendar_filename(cohort))


def may_download(user, invoice):
    if user.has_perm("bookings.view_invoice"):
        return True
    booker = getattr(user, "booker", None)
    if booker is None:
        return False
    return booker.organisation.bookable_for().filter(pk=invoice.organisation_id).exists()


@login_required
@require_GET
def invoice_pdf(request, number):
    invoice = Invoice.objects.filter(number=number).first()
    if invoice is None or not may_download(request.user, invoice):
        # The same answer whether it does not exist or is someone else's.
        raise Http404("No such invoice.")
    return document_pdf_response(invoice)


@never_cache
def confirm_email_view(request, token):
    """The link in a new booker's email. Opening it only shows a button: mail scanners
    open links by themselves, and a booking must not be confirmed and invoiced in
    someone's name by a scanner. Pressing the button (a POST) confirms."""
    found = read_email_confirmation_token(token)
    booker = None
    if found:
        user_id, email = found
        booker = (
            Booker.objects.select_related("user").filter(user_id=user_id, user__email=email).first()
        )
    if booker is None:
        return render(request, "bookings/confirm_email.html", {"invalid": True}, status=400)
    bookings = Booking.objects.filter(booker=booker.user).select_related("cohort__course")
    if request.method != "POST":
        waiting = [b for b in bookings if b.status == BookingStatus.PENDING]
        return render(
            request, "bookings/confirm_email.html", {"booker": booker, "waiting": waiting}
        )
    confirm_email(booker)
    confirmed, problems = [], []
    for booking in bookings:
        if booking.status == BookingStatus.EXPIRED:
            problems.append((booking, "It expired before the email was confirmed."))
            continue
        if booking.status != BookingStatus.PENDING:
            continue
        try:
            confirm_pending_booking(booking, actor=booker.user)
            confirmed.append(booking)
        except BookingError as error:
            problems.append((booking, error.message))
    return render(
        request,
        "bookings/confirm_email.html",
        {"booker": booker, "confirmed": confirmed, "problems": problems, "done": True},
    )
