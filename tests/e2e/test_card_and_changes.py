"""Card payments and changes in the browser, against the local fake of Stripe.

The test plays Stripe's part: the fake's hosted "Checkout" page is paid in the browser,
and the fake then sends the signed `checkout.session.completed` webhook to the live
server before sending the browser back to the site, as Stripe does. Also: a checkout
left unpaid gives its places back once the hold lapses (with a moved clock), a booker
substitutes a delegate and cancels a place, and the office cancels a whole date.
"""

import datetime
import re
import subprocess
import time

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from bookings.models import (
    Booking,
    BookingStatus,
    CohortStatus,
    Delegate,
    Invoice,
    InvoiceStatus,
    Refund,
    StripeEvent,
)
from bookings.services.booking import place_booking
from website.templatetags.site_tags import gbp

from ..bookings import factories
from .conftest import PASSWORD, serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page, axe_source):
    bad = serious_axe_violations(page, axe_source)
    assert bad == [], f"{page.url}: {bad}"


@pytest.fixture
def card_site(site, fake_stripe, settings):
    """The live server with card payment on: Stripe's return addresses point at it, and
    the fake sends its webhook to it when its pay page is used."""
    settings.WAGTAILADMIN_BASE_URL = site.url
    fake_stripe.webhook_url = site.url + reverse("payments:stripe-webhook")
    factories.invoicing_settings()
    return site


@pytest.fixture
def clock(monkeypatch, fake_stripe):
    """Move the clock on, for the site (django.utils.timezone.now, which the live server
    reads too: it runs in this process) and for the fake of Stripe alike."""
    from django.utils import timezone

    real_now = timezone.now
    offset = [datetime.timedelta(0)]
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset[0])
    fake_stripe.clock = lambda: time.time() + offset[0].total_seconds()

    def move(**delta):
        offset[0] += datetime.timedelta(**delta)

    return move


def sign_in(page, site, email, next_path):
    page.goto(f"{site.url}/accounts/sign-in/?next={next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def pdf_text(download, tmp_path):
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF"), download.suggested_filename
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(out.split())  # table cells wrap: compare with the breaks taken out


def tab_to(page, target, most=12):
    """Press Tab until `target` has the focus: it can be reached from the keyboard."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} cannot be reached with the Tab key")


def money(amount):
    return f"£{amount:,.2f}"


def booked_by_invoice(cohort, user, places=2):
    return place_booking(factories.booking_request(cohort, user, places), user)


def with_money(invoice):
    return Invoice.objects.prefetch_related("payments", "refunds", "credit_notes").get(
        pk=invoice.pk
    )


def subjects(pattern):
    return [m for m in mail.outbox if re.search(pattern, m.subject)]


# --- 1. Paying for a new booking by card -----------------------------------------------


def test_booker_pays_by_card_sees_confirmation_and_downloads_the_paid_invoice(
    card_site, page, axe_source, fake_stripe, tmp_path
):
    cohort = factories.cohort(capacity=12)
    factories.booker(email="bea@school.example", password=PASSWORD)
    sign_in(page, card_site, "bea@school.example", f"/bookings/book/{cohort.pk}/")

    page.get_by_label("Number of places").fill("2")
    page.locator("#id_delegates-0-name").fill("Jo Bloggs")
    page.locator("#id_delegates-0-email").fill("jo@school.example")
    page.locator("#id_delegates-1-name").fill("Sam Lee")
    page.locator("#id_delegates-1-email").fill("sam@school.example")
    page.get_by_label(re.compile("By card now")).check()
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Check the price and details").click()
    page.wait_for_url("**/review/**")
    total = page.get_by_test_id("total-payable").inner_text()
    pay = page.get_by_role("button", name=re.compile(r"^Confirm and pay £[\d,.]+ by card$"))
    pay_label = pay.inner_text()
    assert_accessible(page, axe_source)
    pay.click()

    # On Stripe's (the fake's) page: nothing is invoiced or emailed yet.
    page.wait_for_url(f"{fake_stripe.base_url}/pay/**")
    booking = Booking.objects.get(cohort=cohort)
    assert booking.status == BookingStatus.PENDING
    assert not Invoice.objects.filter(booking=booking).exists()
    assert subjects("confirmed") == []
    page.get_by_role("button", name=f"Pay {money(booking.gross_total)}").click()

    page.wait_for_url(f"**/bookings/{booking.reference}/")
    assert page.get_by_text("Thank you: your card payment has been received.").is_visible()
    assert page.get_by_text("This booking is confirmed.").is_visible()
    assert_accessible(page, axe_source)
    [(url, event, status, _)] = fake_stripe.webhooks_sent
    assert url.endswith("/payments/stripe/webhook/") and status == 200
    assert event["type"] == "checkout.session.completed"
    # The webhook confirmed the booking; the return page then found it done.
    assert StripeEvent.objects.get(event_id=event["id"]).outcome.endswith(": paid")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    [invoice] = Invoice.objects.filter(booking=booking)
    assert with_money(invoice).status() == InvoiceStatus.PAID
    assert total == gbp(invoice.gross_total)
    assert pay_label == f"Confirm and pay {money(invoice.gross_total)} by card"
    [confirmation] = subjects(f"Booking {booking.reference} confirmed")
    assert confirmation.to == ["bea@school.example"]
    row = page.get_by_role("row").filter(has_text=invoice.number)
    assert "Paid" in row.inner_text()
    assert "by card" not in row.inner_text()  # nothing left to pay

    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download {invoice.number}").click()
    text = pdf_text(download.value, tmp_path)
    for expected in (invoice.number, "Paid by card", money(invoice.gross_total)):
        assert expected in text, (expected, text)


# --- 2. An abandoned checkout ------------------------------------------------------------


def test_abandoned_checkout_gives_the_places_back_once_the_hold_lapses(
    card_site, new_page, axe_source, fake_stripe, clock
):
    from bookings.services.card import close_lapsed_checkouts

    cohort = factories.cohort(capacity=2)
    factories.booker(email="ann@first.example", password=PASSWORD)
    factories.booker(email="ben@second.example", password=PASSWORD)

    # The first booker takes the last two places by card, then turns back at Stripe.
    first = new_page()
    sign_in(first, card_site, "ann@first.example", f"/bookings/book/{cohort.pk}/")
    first.get_by_label("Number of places").fill("2")
    first.get_by_label(re.compile("By card now")).check()
    first.get_by_role("button", name="Check the price and details").click()
    first.wait_for_url("**/review/**")
    first.get_by_role("button", name=re.compile("Confirm and pay")).click()
    first.wait_for_url(f"{fake_stripe.base_url}/pay/**")
    first.get_by_role("link", name="Back").click()
    booking = Booking.objects.get(cohort=cohort)
    first.wait_for_url(f"**/bookings/{booking.reference}/?payment=cancelled")
    waiting = first.get_by_test_id("awaiting-card")
    assert "Your places are held until" in waiting.inner_text()
    assert waiting.get_by_role("button", name=re.compile("by card")).is_visible()
    assert_accessible(first, axe_source)

    # Another booker finds the date full meanwhile.
    second = new_page()
    sign_in(second, card_site, "ben@second.example", f"/bookings/book/{cohort.pk}/")
    assert "This date is full" in second.locator("#cohort-error").inner_text()
    assert second.get_by_role("button", name="Check the price and details").count() == 0

    # 33 minutes later the hold (32 minutes) has lapsed, with nothing run in between.
    clock(minutes=33)
    second.reload()
    assert second.get_by_text("2 places left").is_visible()
    assert_accessible(second, axe_source)
    second.get_by_label("Number of places").fill("2")
    second.get_by_role("button", name="Check the price and details").click()
    second.wait_for_url("**/review/**")
    second.get_by_role("button", name="Confirm booking").click()
    second.wait_for_url("**/bookings/B-*/")
    assert second.get_by_text("This booking is confirmed.").is_visible()
    theirs = Booking.objects.get(cohort=cohort, booker__email="ben@second.example")
    assert theirs.status == BookingStatus.CONFIRMED and theirs.places == 2

    # The first booker comes back too late: the places have gone, and they are told so.
    first.goto(f"{card_site.url}/bookings/{booking.reference}/")
    waiting = first.get_by_test_id("awaiting-card")
    assert "The hold on your places has lapsed" in waiting.inner_text()
    first.get_by_role("button", name=re.compile("by card")).click()
    first.wait_for_url(f"**/bookings/{booking.reference}/")
    assert first.get_by_role("alert").filter(has_text="this date is now full").is_visible()
    assert len(fake_stripe.sessions) == 1  # no second checkout was opened

    # Housekeeping closes the unpaid session at Stripe and expires the booking.
    close_lapsed_checkouts()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    [session] = fake_stripe.sessions.values()
    assert session["status"] == "expired"
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.FULL


# --- 3. Substitute, then cancel a place ---------------------------------------------------


def test_booker_substitutes_a_delegate_then_cancels_the_place_and_gets_a_credit_note(
    card_site, page, axe_source, tmp_path
):
    cohort = factories.cohort(capacity=10, days_ahead=21)  # 50% credit: 14 to 27 days before
    user = factories.booker(email="bea@school.example", password=PASSWORD)
    booking = booked_by_invoice(cohort, user, places=2)
    invoice = booking.invoices.get()
    old = booking.delegates.order_by("pk").first()
    mail.outbox.clear()

    sign_in(page, card_site, "bea@school.example", f"/bookings/{booking.reference}/")
    assert_accessible(page, axe_source)
    page.get_by_role("link", name=f"Send someone else instead of {old.name}").click()
    page.wait_for_url(f"**/bookings/{booking.reference}/delegates/{old.pk}/**")
    assert page.get_by_role("heading", name=f"Send someone instead of {old.name}").is_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Name").fill("Ali Khan")
    page.get_by_label("Email").fill("ali@school.example")
    page.get_by_role("button", name="Change the delegate").click()
    page.wait_for_url(f"**/bookings/{booking.reference}/")
    assert page.get_by_text(f"Ali Khan now has the place instead of {old.name}").is_visible()
    assert page.get_by_text("Ali Khan (ali@school.example)").is_visible()
    assert page.get_by_text(f"{old.name} ({old.email}) (cancelled)").is_visible()
    assert_accessible(page, axe_source)
    assert [m.to for m in subjects("Joining details")] == [["ali@school.example"]]
    assert [m.to for m in subjects("is cancelled")] == [[old.email]]

    page.get_by_role("link", name="Cancel places or the booking").click()
    page.wait_for_url(f"**/bookings/{booking.reference}/cancel/")
    policy = page.get_by_test_id("policy").inner_text()
    assert "full credit up to 28 days before the first session" in policy
    assert "credited at 50%" in policy
    assert_accessible(page, axe_source)
    # By keyboard alone: arrows in the radio group, Tab between fields, Space to tick.
    page.get_by_label("The whole booking").focus()
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Only the places ticked below").is_checked()
    tab_to(page, page.get_by_label("Ali Khan"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label(re.compile("I understand the credit due")))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Cancel", exact=True))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/bookings/{booking.reference}/")
    assert page.get_by_text("Those places are cancelled. We have emailed you.").is_visible()

    note = Invoice.objects.get(booking=booking, kind="credit_note")
    line = invoice.lines.get()
    assert note.net_total == line.unit_net / 2
    row = page.get_by_role("row").filter(has_text=note.number)
    assert "Credit note" in row.inner_text()
    assert f"against {invoice.number}" in row.inner_text()
    assert gbp(note.gross_total) in row.inner_text()
    # The invoice now owes the rest: its price less the credit note.
    invoice_row = page.get_by_role("row").filter(has_text=f"VAT invoice {invoice.number}")
    balance = with_money(invoice).balance_due
    assert balance == invoice.gross_total - note.gross_total
    assert f"Pay {money(balance)} by card" in invoice_row.inner_text()
    assert page.get_by_text("Ali Khan (ali@school.example) (cancelled)").is_visible()
    assert_accessible(page, axe_source)
    booking.refresh_from_db()
    assert booking.places == 1 and booking.status == BookingStatus.CONFIRMED
    changed = subjects(f"Booking {booking.reference}: places have been cancelled")
    assert len(changed) == 1 and note.number in changed[0].body
    assert [note.filename] == [name for name, _, kind in changed[0].attachments if "pdf" in kind]
    assert ["ali@school.example"] in [m.to for m in subjects("is cancelled")]

    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download {note.number}").click()
    text = pdf_text(download.value, tmp_path)
    for expected in ("Credit note", note.number, invoice.number, money(note.gross_total)):
        assert expected in text, (expected, text)


# --- 4. The office cancels a date ----------------------------------------------------------


def test_admin_cancels_a_cohort_and_every_booking_refund_and_email_follows(
    card_site, page, axe_source, fake_stripe, django_user_model
):
    from bookings.services.card import open_booking_checkout

    cohort = factories.cohort(capacity=10, days_ahead=20, title="Leeds, to be cancelled")
    by_invoice = factories.booker()
    invoiced = booked_by_invoice(cohort, by_invoice, places=2)
    by_card = factories.booker()
    paid = place_booking(
        factories.booking_request(cohort, by_card, 1, payment_method="card"), by_card
    )
    checkout = open_booking_checkout(paid, success_url="http://t/s", cancel_url="http://t/c")
    session = fake_stripe.complete(checkout.session_id)  # Stripe: the booker paid
    status, _ = fake_stripe.send_webhook(
        fake_stripe.webhook_url, fake_stripe.event("checkout.session.completed", session)
    )
    assert status == 200
    paid.refresh_from_db()
    assert paid.status == BookingStatus.CONFIRMED
    delegates = sorted(
        Delegate.objects.filter(cohort=cohort, cancelled_at__isnull=True).values_list(
            "email", flat=True
        )
    )
    assert len(delegates) == 3
    django_user_model.objects.create_superuser(email="office@coaching.example", password=PASSWORD)
    mail.outbox.clear()

    page.goto(card_site.url + "/admin/login/")
    page.get_by_label("Email address").fill("office@coaching.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(card_site.url + "/admin/")
    page.goto(card_site.url + "/admin/bookings/cohorts/")
    row = page.get_by_role("row").filter(has_text="Leeds, to be cancelled")
    row.get_by_role("button", name=re.compile("More options")).click()
    row.get_by_role("link", name="Cancel this date").click()
    page.wait_for_url(f"**/admin/bookings/cohorts/cancel/{cohort.pk}/")
    assert page.get_by_text("2 active bookings will be cancelled").is_visible()
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Cancel the date and every booking on it").click()
    # The reason is required: the form says so at the field and nothing happens.
    expect(page.get_by_text("Give the reason: the schools will read it.")).to_be_visible()
    assert Booking.objects.get(pk=paid.pk).status == BookingStatus.CONFIRMED
    page.get_by_label("Why is this date cancelled?").fill("The trainer is ill")
    page.get_by_role("button", name="Cancel the date and every booking on it").click()
    page.wait_for_url("**/admin/bookings/cohorts/")
    assert page.get_by_text("is cancelled, with 2 bookings").is_visible()

    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.CANCELLED
    for booking in (invoiced, paid):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        invoice = with_money(booking.invoices.get(kind="invoice"))
        [note] = invoice.credit_notes.all()
        assert note.gross_total == invoice.gross_total
        assert note.reason == "The trainer is ill"
    [refund] = Refund.objects.filter(invoice__booking__cohort=cohort)
    assert refund.invoice.booking_id == paid.pk
    assert refund.amount == paid.gross_total and refund.status == "succeeded"
    [stripe_refund] = fake_stripe.refunds.values()
    assert stripe_refund["id"] == refund.stripe_refund_id
    assert stripe_refund["amount"] == int(paid.gross_total * 100)
    assert stripe_refund["payment_intent"] == session["payment_intent"]

    bookers = subjects("^Cancelled:")
    assert sorted(m.to[0] for m in bookers) == sorted([by_invoice.email, by_card.email])
    assert all("The trainer is ill" in m.body for m in bookers)
    assert sorted(m.to[0] for m in subjects("^Your place on .* is cancelled")) == delegates


# --- 5. Paying an invoice's balance by card --------------------------------------------------


def test_booker_pays_an_invoice_balance_by_card_and_the_invoice_shows_paid(
    card_site, page, axe_source, fake_stripe
):
    cohort = factories.cohort(capacity=10)
    user = factories.booker(email="bea@school.example", password=PASSWORD)
    booking = booked_by_invoice(cohort, user, places=2)
    invoice = booking.invoices.get()
    due = money(invoice.gross_total)
    mail.outbox.clear()

    sign_in(page, card_site, "bea@school.example", f"/bookings/{booking.reference}/")
    row = page.get_by_role("row").filter(has_text=invoice.number)
    assert "Unpaid" in row.inner_text()
    pay = row.get_by_role("button", name=f"Pay {due} by card for {invoice.number}")
    assert_accessible(page, axe_source)
    pay.click()
    page.wait_for_url(f"{fake_stripe.base_url}/pay/**")
    assert page.get_by_text(f"Balance of invoice {invoice.number}").is_visible()
    page.get_by_role("button", name=f"Pay {due}").click()

    page.wait_for_url(f"**/bookings/{booking.reference}/")
    assert page.get_by_text("Thank you: your card payment has been received.").is_visible()
    row = page.get_by_role("row").filter(has_text=invoice.number)
    assert "Paid" in row.inner_text() and "Unpaid" not in row.inner_text()
    assert row.get_by_role("button").count() == 0
    assert_accessible(page, axe_source)
    [(_, _, status, _)] = fake_stripe.webhooks_sent
    assert status == 200
    invoice = with_money(invoice)
    assert invoice.status() == InvoiceStatus.PAID and invoice.balance_due == 0
    [payment] = invoice.payments.all()
    assert payment.method == "card" and payment.amount == invoice.gross_total
    [email] = subjects(f"Payment received for invoice {invoice.number}")
    assert "paid in full" in email.body

    page.goto(card_site.url + "/accounts/")
    account_row = page.get_by_role("row").filter(has_text=invoice.number)
    assert "Paid" in account_row.inner_text()
    assert "Pay £" not in page.content()
