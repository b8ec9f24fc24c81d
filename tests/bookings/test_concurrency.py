"""Under real concurrency (PostgreSQL, one connection per thread): no place is sold
twice, no invoice number repeats or is skipped, a voucher is used no more than allowed."""

import threading

import pytest
from django.db import connections
from django.utils import timezone

from bookings.models import Booking, BookingStatus, DocumentCounter, Invoice
from bookings.services import capacity
from bookings.services.booking import BookingError, BookingRequest, DelegateDetails, place_booking
from bookings.services.invoicing import issue_invoice

from . import factories

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
THREADS = 20


def at_once(work, count=THREADS):
    """Run work(i) in `count` threads released together; return what each returned or
    raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported back to the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def one_place(cohort, user, n, **fields):
    return BookingRequest(
        cohort_id=cohort.pk,
        organisation_id=user.booker.organisation_id,
        places=1,
        delegates=[DelegateDetails(f"Delegate {n}", f"delegate{n}@race.example")],
        **fields,
    )


def test_twenty_bookers_race_for_the_last_five_places():
    factories.invoicing_settings()
    cohort = factories.cohort(capacity=25)
    early = factories.booker()
    place_booking(
        BookingRequest(
            cohort_id=cohort.pk, organisation_id=early.booker.organisation_id, places=20
        ),
        early,
    )
    users = [factories.booker() for _ in range(THREADS)]

    results = at_once(lambda i: place_booking(one_place(cohort, users[i], i), users[i]))

    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert len(booked) == 5, results
    assert len(refused) == 15, results
    assert {e.field for e in refused} == {"places"}
    assert all("full" in e.message or "left" in e.message for e in refused)
    assert capacity.places_left(cohort) == 0
    confirmed = Booking.objects.filter(cohort=cohort, status=BookingStatus.CONFIRMED)
    assert sum(confirmed.values_list("places", flat=True)) == 25
    cohort.refresh_from_db()
    assert cohort.status == "full"


def test_twenty_invoices_issued_at_once_are_numbered_without_gaps_or_repeats():
    factories.invoicing_settings()
    cohort = factories.cohort(capacity=40)
    bookings = []
    for n in range(THREADS):
        user = factories.booker(confirmed=False)  # held, not yet invoiced
        bookings.append(place_booking(one_place(cohort, user, n), user))
    year = timezone.localdate().year
    counter = DocumentCounter.objects.filter(prefix="INV", year=year).first()
    before = counter.last_number if counter else 0

    results = at_once(lambda i: issue_invoice(bookings[i]))

    assert all(isinstance(r, Invoice) for r in results), results
    numbers = sorted(Invoice.objects.filter(booking__in=bookings).values_list("number", flat=True))
    assert numbers == [f"INV-{year}-{n:05d}" for n in range(before + 1, before + THREADS + 1)]


def test_a_voucher_limited_to_three_uses_is_used_three_times():
    factories.invoicing_settings()
    cohort = factories.cohort(capacity=40)
    voucher = factories.voucher("THREE", max_uses=3)
    users = [factories.booker() for _ in range(THREADS)]

    results = at_once(
        lambda i: place_booking(one_place(cohort, users[i], i, voucher_code="THREE"), users[i])
    )

    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert len(booked) == 3, results
    assert len(refused) == 17
    assert {e.field for e in refused} == {"voucher_code"}
    voucher.refresh_from_db()
    assert voucher.times_used == 3
    assert Booking.objects.filter(voucher=voucher).count() == 3


def test_the_return_page_and_the_webhook_race_to_one_confirmation(fake_stripe):
    """The booker's return and Stripe's webhook arrive together: one confirmation, one
    invoice, one payment, one email."""
    import json
    import time

    from django.core import mail
    from django.test import Client
    from django.urls import reverse

    from bookings.models import Payment
    from bookings.services.card import open_booking_checkout
    from tests.stripe_fake import sign_payload

    factories.invoicing_settings()
    cohort = factories.cohort(capacity=10)
    user = factories.booker()
    booking = place_booking(one_place(cohort, user, 1, payment_method="card"), user)
    checkout = open_booking_checkout(booking, success_url="http://t/s", cancel_url="http://t/c")
    event = fake_stripe.event(
        "checkout.session.completed", fake_stripe.complete(checkout.session_id)
    )
    payload = json.dumps(event).encode()
    header = sign_payload(payload, "whsec_test_fake", int(time.time()))
    mail.outbox.clear()

    def arrive(i):
        client = Client()
        if i == 0:
            client.force_login(user)
            return client.get(
                reverse("payments:card-return"), {"session_id": checkout.session_id}
            ).status_code
        return client.post(
            reverse("payments:stripe-webhook"),
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        ).status_code

    for _ in range(3):  # and a replay of both afterwards
        assert at_once(arrive, count=2) == [302, 200]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert Invoice.objects.filter(booking=booking).count() == 1
    assert Payment.objects.filter(invoice__booking=booking).count() == 1
    assert len([m for m in mail.outbox if booking.reference in m.subject]) == 1


def test_an_offer_from_the_waiting_list_never_oversells_when_bookings_race_it():
    from bookings.models import WaitingListEntry, WaitingStatus
    from bookings.services.changes import cancel_whole_booking
    from bookings.services.waiting import join_waiting_list

    factories.invoicing_settings()
    cohort = factories.cohort(capacity=10)
    big, small = factories.booker(), factories.booker()
    place_booking(factories.booking_request(cohort, big, 8), big)
    leaving = place_booking(factories.booking_request(cohort, small, 2), small)
    waiting_user = factories.booker()
    entry = join_waiting_list(
        cohort.pk,
        waiting_user,
        waiting_user.booker.organisation,
        2,
        contact_name="Robin Waits",
        contact_email="robin@wait.example",
    )
    users = [factories.booker() for _ in range(THREADS)]

    # A cancellation frees two places while twenty bookers try for one each: the places
    # go to the waiting list in the cancellation's own transaction, so no booker gets
    # them, whichever order the lock is taken in.
    def first_race(i):
        if i == 0:
            return cancel_whole_booking(leaving, actor=small)
        return place_booking(one_place(cohort, users[i], i), users[i])

    results = at_once(first_race)
    booked = [r for r in results[1:] if isinstance(r, Booking)]
    assert booked == [], results
    assert all(isinstance(r, BookingError) for r in results[1:]), results
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED
    assert capacity.places_left(cohort) == 0

    # The school offered the places books them while the others try again.
    def second_race(i):
        if i == 0:
            request = factories.booking_request(cohort, waiting_user, 2, offer_token=entry.token)
            return place_booking(request, waiting_user)
        return place_booking(one_place(cohort, users[i], 100 + i), users[i])

    results = at_once(second_race)
    assert isinstance(results[0], Booking), results[0]
    assert all(isinstance(r, BookingError) for r in results[1:]), results
    confirmed = Booking.objects.filter(cohort=cohort, status=BookingStatus.CONFIRMED)
    assert sum(confirmed.values_list("places", flat=True)) == 10
    assert capacity.places_left(cohort) == 0
    assert WaitingListEntry.objects.get(pk=entry.pk).status == WaitingStatus.BOOKED
