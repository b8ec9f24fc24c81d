"""A rush on one date: 200 bookers at once for 20 places, over HTTP, on PostgreSQL,
half of them paying by invoice and half by card, with card holds lapsing meanwhile.

Builds a throwaway PostgreSQL database with the demo content, 200 schools each with a
signed-in booker and one open date (cohort) with 20 places, serves it with gunicorn (4
workers, production settings) on loopback, with card payment on, against the local fake
of Stripe's API (tests/stripe_fake) running in this process. Each attempt is one place
with one named delegate, through the real views: the booking form, its POST, the review
page and the confirming POST. Even-numbered bookers pay by invoice (confirmed at once),
odd ones by card: the place is held for 32 minutes and they are sent to Stripe's page.

The attempts come in two waves: a rush of 150 released together, and 50 latecomers, let
in once every attempt of the rush has been answered and every place it gives back is
free again (its payers may still be paying). The card holds taken in the rush meet, in
the order they are taken, the fates of CARD_FATES: most are paid on the fake's page (the
bench, as Stripe, delivers the signed webhook, which races the booker's return, and
sometimes delivers it twice at once); some bookers give up (Stripe expires the session
and says so by webhook); some holds lapse, the webhook lost: the bench moves the hold and
its checkout into the past, as if the 32 minutes had gone by, and the housekeeping task
(run, as cron would, while the latecomers book) closes them at Stripe; some are paid in
the last second, the site hearing of it only after the hold lapsed, from the webhook or
from the housekeeping (confirmed if the place is still free, refunded if it was sold
meanwhile). The places so freed are sold again. Every hold a latecomer takes is paid.
Meanwhile 20 readers load a course page.

Correctness is checked (the exit status says so): exactly 20 places confirmed, never
more than 20 places confirmed or held at once (sampled throughout), no server error,
invoice numbers without repeats or gaps, every card booking confirmed once with one
invoice and one card payment, every payment that came too late refunded, every hold
ending as its fate allows, nothing left pending or held. Speed is only reported: the p95
of a booking attempt (by invoice, by card up to Stripe's page, and of the card payment
itself) as a ratio of the p95 of a course page GET under the same load, because absolute
times say more about the machine than about the code.

    make bench-booking          # or: .venv/bin/python bench/booking_rush.py
"""

import argparse
import collections
import concurrent.futures
import copy
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
ATTEMPTS = 200
RUSH = 150  # released together; the other ATTEMPTS - RUSH come once the rush is over
PLACES = 20
WORKERS = 4
READERS = 20
CALM_GETS = 100
COURSE_SLUG = "coaching-ambassador"
COURSE_PATH = f"/courses/{COURSE_SLUG}/"
PASSWORD = "bench-booker-password-7"  # noqa: S105 - throwaway accounts in a throwaway database
TIMEOUT = 120  # seconds; a request queued behind 200 others is slow, not lost
# One throwaway key for the whole run, shared by the build steps and the server.
SECRET_KEY = secrets.token_urlsafe(50)
FULL_MESSAGES = re.compile(
    r"Sorry, this date is now full|This date is full|Sorry, only \d+ places? (?:is|are) left"
)

# Card payments, against the fake Stripe in this process (throwaway keys, for this run).
STRIPE_KEY = "sk_test_bench_" + secrets.token_hex(12)
WEBHOOK_SECRET = "whsec_bench_" + secrets.token_hex(16)
WEBHOOK_PATH = "/payments/stripe/webhook/"
# What becomes of the card holds taken in the rush, in the order they are taken:
#   pay      paid on Stripe's page; Stripe's webhook and the booker's return race
#   abandon  the booker leaves; the session expires at Stripe, which says so by webhook
#   lapse    the 32 minutes pass and Stripe's webhook is lost: housekeeping closes it
#   late     paid in the last second: the webhook and the return reach the site after
#            the hold lapsed (confirmed if the place is still free, else refunded)
#   unheard  paid in the last second, and neither the webhook nor the booker gets
#            through: housekeeping finds the payment as it closes the lapsed checkout
#            (refunded if the place was sold meanwhile); Stripe's retry comes at the end
# Holds taken after these, and every hold a latecomer takes, are paid: once the
# latecomers have come, a place given back would stay unsold.
CARD_FATES = (
    *("lapse", "abandon", "unheard", "pay", "late", "abandon", "lapse"),
    *("pay", "unheard", "pay", "late", "abandon", "lapse"),
)
BOOKING_PAGE = re.compile(r"/bookings/B-\w+/")


def method_of(n):
    return "card" if n % 2 else "invoice"


# --- The database and the server ----------------------------------------------------


def server_url():
    """The PostgreSQL server to use, as tests/run_suite.py finds it."""
    url = os.environ.get("TEST_POSTGRES_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    return urllib.parse.urlsplit(url)


def database_url(name):
    return server_url()._replace(path=f"/{name}").geturl()


def admin_query(statement):
    # CREATE/DROP DATABASE cannot run in a transaction, hence autocommit.
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def create_database(name):
    admin_query(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name):
    admin_query(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def environment(work, db_name):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "website.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(db_name),
        "SECURE_SSL_REDIRECT": "false",
        "VAR_DIR": str(work),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PAGE_CACHE_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }


def card_environment(env, port, stripe_base):
    """The server's (and the housekeeping's) environment: card payment on, against the
    fake; the site's own address, which Stripe sends the booker back to."""
    return {
        **env,
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_base,
        "BASE_URL": f"https://127.0.0.1:{port}",
    }


def run(env, *args):
    subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def run_json(env, *args):
    """Run this file in a Django process (--setup, --verify...) and read back its JSON."""
    out = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env, log, port):
    gunicorn = [sys.executable, "-m", "gunicorn", "website.wsgi", "--workers", str(WORKERS)]
    server = subprocess.Popen(
        [*gunicorn, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(200):
        try:
            if Browser(port).get("/healthz/").status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError("gunicorn did not start")


def stop_server(server):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def stripe_fake():
    """tests/stripe_fake, the local Stripe the test suite uses."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import stripe_fake

    return stripe_fake


# --- Inside Django: the data set, and the checks afterwards --------------------------


def django_setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup_main():
    """200 schools with a confirmed, signed-in booker each, and one date with 20 places.

    Prints the cohort's pk and each booker's session key. The sessions are made the way
    the sign-in view makes them (auth.login), but without checking a password: 200
    sign-ins are 200 PBKDF2 hashes (about a minute on two cores), not what is measured.
    """
    django_setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model, login
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.http import HttpRequest
    from django.utils import timezone

    from accounts import roles
    from bookings.models import Booker
    from tests.bookings import factories

    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    group = Group.objects.get(name=roles.SCHOOL_BOOKERS)
    password = make_password(PASSWORD)  # hashed once: the same for every booker
    sessions = []
    with transaction.atomic():
        factories.invoicing_settings()
        cohort = factories.cohort(COURSE_SLUG, capacity=PLACES, days_ahead=30)
        for n in range(ATTEMPTS):
            user = get_user_model().objects.create(
                email=f"booker{n}@rush.example",
                password=password,
                first_name="Sam",
                last_name=f"Rush{n}",
            )
            user.groups.add(group)
            organisation = factories.organisation(f"Rush School {n}")
            Booker.objects.create(
                user=user, organisation=organisation, email_confirmed_at=timezone.now()
            )
            request = HttpRequest()
            request.session = session_store()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.save()
            sessions.append(request.session.session_key)
    print(json.dumps({"cohort": cohort.pk, "sessions": sessions}))


def housekeeping_main():
    """What `manage.py bookings_housekeeping` queues for the task worker, run at once:
    card payments whose hold lapsed are closed at Stripe and their bookings expired."""
    django_setup()
    from bookings.services.card import release_lapsed_places

    print(json.dumps({"closed": release_lapsed_places.call()}))


def verify_main(cohort_id):
    """What the database says after the rush: places, bookings, invoices, card payments,
    queued tasks."""
    django_setup()
    from django.db.models import Count, Sum
    from django_tasks_db.models import DBTaskResult

    from bookings.models import (
        Booking,
        BookingEvent,
        BookingStatus,
        CardCheckout,
        CheckoutStatus,
        DocumentKind,
        Hold,
        Invoice,
        Payment,
        PaymentMethod,
        PaymentMethodReceived,
        StripeEvent,
    )

    bookings = Booking.objects.filter(cohort_id=cohort_id)
    confirmed = bookings.filter(status=BookingStatus.CONFIRMED)
    ours = Invoice.objects.filter(booking__cohort_id=cohort_id, kind=DocumentKind.INVOICE)
    # order_by(): the model's default ordering would split the groups.
    by_status = bookings.order_by().values_list("status").annotate(n=Count("pk"))
    # No worker runs, so the emails are still queued: one per booking by invoice, one per
    # card payment applied (confirmed or refunded).
    booking_ids = set(bookings.values_list("pk", flat=True))
    tasks = DBTaskResult.objects.filter(task_path="bookings.tasks.booking_placed")
    emails = [t for t in tasks.values_list("args_kwargs", flat=True) if t["args"][0] in booking_ids]
    checkouts = CardCheckout.objects.filter(booking__cohort_id=cohort_id)
    checkout_ids = set(checkouts.values_list("pk", flat=True))
    card_tasks = DBTaskResult.objects.filter(task_path="bookings.tasks.card_payment_settled")
    card_emails = collections.Counter(
        t["args"][1]
        for t in card_tasks.values_list("args_kwargs", flat=True)
        if t["args"][0] in checkout_ids
    )

    problems = []
    twice = (
        BookingEvent.objects.filter(booking__cohort_id=cohort_id, action="confirmed")
        .order_by()
        .values_list("booking__reference")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    problems += [f"{reference} confirmed {n} times" for reference, n in twice]
    for booking in confirmed.filter(payment_method=PaymentMethod.CARD):
        invoices = list(booking.invoices.filter(kind=DocumentKind.INVOICE))
        payments = list(Payment.objects.filter(invoice__booking=booking))
        paid = booking.card_checkouts.filter(status=CheckoutStatus.PAID, refunds__isnull=True)
        if len(invoices) != 1:
            problems.append(f"{booking.reference}: {len(invoices)} invoices")
        elif len(payments) != 1 or payments[0].method != PaymentMethodReceived.CARD:
            problems.append(f"{booking.reference}: {len(payments)} payments")
        elif payments[0].amount != invoices[0].gross_total or invoices[0].balance_due:
            problems.append(f"{booking.reference}: paid £{payments[0].amount} of the invoice")
        if paid.count() != 1:
            problems.append(f"{booking.reference}: {paid.count()} card payments kept")
    for checkout in checkouts.filter(status=CheckoutStatus.PAID).exclude(
        booking__status=BookingStatus.CONFIRMED
    ):
        if not checkout.refunds.exists():
            problems.append(f"{checkout.booking.reference}: paid, not confirmed, not refunded")
    pending = bookings.filter(status=BookingStatus.PENDING).count()
    if pending:
        problems.append(f"{pending} bookings still pending")
    still_open = checkouts.filter(status__in=[CheckoutStatus.OPEN, CheckoutStatus.PROCESSING])
    if still_open.exists():
        problems.append(f"{still_open.count()} card payments still open")
    held = Hold.objects.active().filter(cohort_id=cohort_id).aggregate(n=Sum("places"))["n"]
    if held:
        problems.append(f"{held} places still held")
    events = StripeEvent.objects.order_by().values_list("type").annotate(n=Count("pk"))
    print(
        json.dumps(
            {
                "confirmed_places": confirmed.aggregate(n=Sum("places"))["n"] or 0,
                "by_status": dict(by_status),
                "invoices": sorted(ours.values_list("number", flat=True)),
                "all_numbers": list(Invoice.objects.values_list("number", flat=True)),
                "emails_queued": len(emails),
                "card_emails_queued": dict(card_emails),
                "card_confirmed": confirmed.filter(payment_method=PaymentMethod.CARD).count(),
                "checkouts": {
                    c.session_id: [c.status, c.booking.status, c.refunds.count()]
                    for c in checkouts.select_related("booking")
                },
                "stripe_events": dict(events),
                "card_problems": problems,
            }
        )
    )


# --- A small browser: cookies (Secure ones too, over loopback) and forms ---------------


@dataclass
class Response:
    status: int
    location: str
    body: str


@dataclass
class Browser:
    """One visitor. Cookies are kept by hand because production marks them Secure and
    an ordinary client would not send them back over plain http; the proxy header says
    the request came in over https, as behind the real TLS proxy."""

    port: int
    cookies: dict = field(default_factory=dict)

    def get(self, path):
        return self.send("GET", path)

    def post(self, path, form):
        return self.send("POST", path, urllib.parse.urlencode(form, doseq=True))

    def send(self, method, path, body=None):
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"X-Forwarded-Proto": "https", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            # What a browser sends with a form; CSRF checks both over https.
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": origin,
                    "Referer": origin + path,
                }
            )
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode()
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            return Response(response.status, response.getheader("Location", ""), text)
        finally:
            conn.close()

    def _keep_cookies(self, headers):
        for header in headers:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


class FormReader(HTMLParser):
    """The fields a browser would submit with each POST form on a page, by action."""

    def __init__(self):
        super().__init__()
        self.forms = {}
        self.fields = None
        self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.fields = self.forms.setdefault(attrs.get("action", ""), {})
        elif self.fields is None or "name" not in attrs and tag != "option":
            return
        elif tag == "input" and self._submitted(attrs):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields[self.textarea] = ""
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select:
            self._option(attrs)

    def _option(self, attrs):
        # The selected option, or else the first, as a browser does.
        if self.select not in self.fields or "selected" in attrs:
            self.fields[self.select] = attrs.get("value", "")

    @staticmethod
    def _submitted(attrs):
        kind = attrs.get("type", "text").lower()
        if kind in ("checkbox", "radio"):
            return "checked" in attrs
        return kind not in ("submit", "button", "image", "reset", "file")

    def handle_data(self, data):
        if self.fields is not None and self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        elif tag == "textarea" and self.fields is not None:
            # A browser drops the newline right after <textarea>, which Django writes.
            value = self.fields[self.textarea]
            self.fields[self.textarea] = value[1:] if value.startswith("\n") else value
            self.textarea = None
        elif tag == "select":
            self.select = None


def post_form(page, action):
    reader = FormReader()
    reader.feed(page.body)
    return reader.forms.get(action)


def post_event(port, event):
    """A webhook as Stripe delivers it: the event as JSON, signed with the endpoint's
    secret. Sent here rather than by the fake, whose 30-second timeout a request queued
    behind the rush can outlast."""
    payload = json.dumps(event).encode()
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": stripe_fake().sign_payload(payload, WEBHOOK_SECRET, int(time.time())),
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "X-Forwarded-Proto": "https",
        "Connection": "close",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request("POST", WEBHOOK_PATH, payload, headers)
        response = conn.getresponse()
        return Response(response.status, "", response.read().decode())
    except OSError as error:
        return Response(0, "", f"{type(error).__name__}: {error}")
    finally:
        conn.close()


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- One booking attempt ---------------------------------------------------------------


@dataclass
class Attempt:
    """One booker's attempt, and for a card hold what became of it."""

    n: int
    kind: str = ""  # booked (by invoice), held (by card), refused, server error, unexpected
    detail: str = ""
    seconds: float = 0.0  # from the form to the confirming POST's answer
    fate: str = ""  # for a hold: an entry of CARD_FATES
    session: str = ""  # the hold's Checkout Session
    pay_seconds: float | None = None  # from paying on Stripe's page to the last answer
    webhooks: list = field(default_factory=list)  # the server's answers to Stripe's events
    returned: bool = False  # came back from Stripe's page to the site
    lost_event: dict | None = None  # Stripe's webhook that failed, to be sent again
    errors: list = field(default_factory=list)  # (kind, detail) after the hold

    @property
    def method(self):
        return method_of(self.n)

    @property
    def latecomer(self):
        return self.n >= RUSH


def outcome(page, step):
    """How an attempt that did not move on ended: the page it stopped at says why."""
    if page.status >= 500:
        return "server error", f"{step}: {page.status}"
    if page.status == 200 and FULL_MESSAGES.search(page.body):
        return "refused", step
    return "unexpected", f"{step}: {page.status} {page.location}"


def book_one_place(browser, cohort_id, n, stripe_port):
    """The booker's clicks: open the form, send it, read the review, confirm."""
    form_path = f"/bookings/book/{cohort_id}/"
    page = browser.get(form_path)
    fields = post_form(page, form_path) if page.status == 200 else None
    if fields is None:
        return outcome(page, "form")
    if "account-email" in fields:
        return "unexpected", "form: the booker is not signed in"
    fields.update(
        {
            "booking-places": "1",
            "booking-payment_method": method_of(n),
            "delegates-0-name": f"Delegate {n}",
            "delegates-0-email": f"delegate{n}@rush.example",
        }
    )
    page = browser.post(form_path, fields)
    if page.status != 302:
        return outcome(page, "form POST")
    review_path = page.location
    page = browser.get(review_path)
    fields = post_form(page, review_path) if page.status == 200 else None
    if fields is None:
        return outcome(page, "review")
    page = browser.post(review_path, fields)
    if method_of(n) == "invoice" and page.status == 302 and BOOKING_PAGE.fullmatch(page.location):
        return "booked", page.location
    # By card: the places are held and the booker is sent to Stripe's page (303).
    to_stripe = urllib.parse.urlsplit(page.location)
    if page.status == 303 and to_stripe.netloc == f"127.0.0.1:{stripe_port}":
        return "held", page.location
    return outcome(page, "review POST")


class Latch:
    """Open once every one of `numbers` has said it is done (again and again is fine)."""

    def __init__(self, numbers):
        self.waiting = set(numbers)
        self.changed = threading.Condition()

    def done(self, n):
        with self.changed:
            self.waiting.discard(n)
            if not self.waiting:
                self.changed.notify_all()

    def wait(self):
        with self.changed:
            self.changed.wait_for(lambda: not self.waiting)


def timed_attempt(browser, cohort_id, n, stripe):
    attempt = Attempt(n)
    started = time.perf_counter()
    try:
        attempt.kind, attempt.detail = book_one_place(browser, cohort_id, n, stripe.fake.port)
    except OSError as error:  # refused, reset or timed out: the server did not answer
        attempt.kind, attempt.detail = "server error", f"{type(error).__name__}: {error}"
    attempt.seconds = time.perf_counter() - started
    if attempt.kind == "held":
        stripe.follow(attempt, browser)
    return attempt


# --- Stripe's side of a card hold ---------------------------------------------------------


class Stripe:
    """The card bookers on Stripe's page and Stripe itself: the fake's API (which the
    server calls) and pages (which the bookers use), and the webhooks, which the bench
    delivers. Also the clock, for the holds that lapse."""

    def __init__(self, fake, port, db):
        self.fake = fake
        self.port = port
        self.db = db
        self.lock = threading.Lock()
        self.fates = iter(CARD_FATES)
        self.payers = 0
        # The latecomers come once each attempt of the rush has been answered and every
        # place it gives back is free again (its payers may still be paying).
        self.rush_over = Latch(range(RUSH))

    def follow(self, attempt, browser):
        """What the booker sent to Stripe's page does next, and what Stripe does."""
        attempt.session = urllib.parse.urlsplit(attempt.detail).path.rsplit("/", 1)[-1]
        with self.lock:
            attempt.fate = next(self.fates, "pay") if not attempt.latecomer else "pay"
        if attempt.fate == "pay":
            self.rush_over.done(attempt.n)  # the place stays taken: held, then confirmed
        try:
            getattr(self, attempt.fate)(attempt, browser)
        except OSError as error:  # the server did not answer
            attempt.errors.append(("server error", f"{attempt.fate}: {error}"))
        except self.fake_error as error:  # Stripe refused: the session was not open
            attempt.errors.append(("unexpected", f"{attempt.fate}: {error}"))

    def pay(self, attempt, browser, *, lapse_first=False):
        """Pay on Stripe's page; then Stripe's webhook and the booker's return race, as
        they do for real. One payer in three closes the tab after paying (the webhook
        alone confirms); one in four has the webhook delivered twice at once."""
        with self.lock:
            payer = self.payers
            self.payers += 1
        on_stripe = Browser(self.fake.port)
        pay_path = path_of(attempt.detail)
        page = on_stripe.get(pay_path)
        if page.status != 200 or "Pay £" not in page.body:
            attempt.errors.append(("unexpected", f"Stripe's page: {page.status}"))
            return
        started = time.perf_counter()
        page = on_stripe.post(pay_path, {})
        if page.status != 303:
            attempt.errors.append(("unexpected", f"paying on Stripe's page: {page.status}"))
            return
        if lapse_first:
            self.lapse(attempt, browser)
        deliveries = 2 if payer % 4 == 1 else 1
        attempt.returned = payer % 3 != 2
        with concurrent.futures.ThreadPoolExecutor(deliveries) as pool:
            event = self.fake.event("checkout.session.completed", self.session(attempt.session))
            sent = [pool.submit(post_event, self.port, event) for _ in range(deliveries)]
            if attempt.returned:
                self.come_back(attempt, browser, page.location)
            for future in sent:
                self.heard(attempt, "completed", future.result())
        attempt.pay_seconds = time.perf_counter() - started

    def late(self, attempt, browser):
        """Paid in the last second: the hold lapses before the webhook and the return
        reach the site, and the place may have been sold meanwhile."""
        self.pay(attempt, browser, lapse_first=True)

    def unheard(self, attempt, browser):
        """Paid in the last second, and then nothing reaches the site: the booker's
        connection drops, Stripe's webhook fails (Stripe tries again later: at the end
        of the run, `retry_unheard`). The hold lapses."""
        on_stripe = Browser(self.fake.port)
        pay_path = path_of(attempt.detail)
        page = on_stripe.post(pay_path, {})
        if page.status != 303:
            attempt.errors.append(("unexpected", f"paying on Stripe's page: {page.status}"))
            return
        session = self.session(attempt.session)
        attempt.lost_event = self.fake.event("checkout.session.completed", session)
        self.lapse(attempt, browser)

    def retry_unheard(self, results):
        """Stripe's later attempts at the webhooks that failed: by now housekeeping has
        found those payments, and the site has only to say so."""
        for attempt in results:
            if attempt.lost_event is not None:
                self.heard(attempt, "completed", post_event(self.port, attempt.lost_event))

    def abandon(self, attempt, browser):
        """The booker leaves Stripe's page; the session expires and Stripe says so."""
        session = self.fake.expire(attempt.session)
        event = self.fake.event("checkout.session.expired", session)
        self.heard(attempt, "expired", post_event(self.port, event))
        self.rush_over.done(attempt.n)

    def lapse(self, attempt, browser):
        """The 32 minutes pass with no word from Stripe (its webhook lost): the hold and
        its checkout (a minute shorter) end in the past. The checkout row first, then the
        hold's: the order the server locks them in, so that this never deadlocks with it."""
        with psycopg.connect(self.db) as conn:
            hold = conn.execute(
                "UPDATE bookings_cardcheckout SET expires_at = now() - interval '61 seconds'"
                " WHERE session_id = %s RETURNING hold_id",
                (attempt.session,),
            ).fetchone()
            conn.execute(
                "UPDATE bookings_hold SET expires_at = now() - interval '1 second'"
                " WHERE id = %s AND released_at IS NULL",
                (hold[0],),
            )
        self.rush_over.done(attempt.n)

    def session(self, session_id):
        with self.fake.lock:
            return copy.deepcopy(self.fake.sessions[session_id])

    def come_back(self, attempt, browser, success_url):
        page = browser.get(path_of(success_url))
        if page.status >= 500:
            attempt.errors.append(("server error", f"return from Stripe: {page.status}"))
        elif page.status != 302 or not BOOKING_PAGE.fullmatch(page.location):
            attempt.errors.append(("unexpected", f"return from Stripe: {page.status}"))

    def heard(self, attempt, kind, response):
        attempt.webhooks.append((kind, response.status, response.body))
        if response.status >= 500 or response.status == 0:
            detail = response.status or response.body
            attempt.errors.append(("server error", f"{kind} webhook: {detail}"))
        elif response.status != 200:
            attempt.errors.append(("unexpected", f"{kind} webhook: {response.status}"))

    def settle_open(self, cohort_id):
        """After the run: every checkout still open is paid (Stripe's webhook only), so
        that nothing is left pending. Returns how many there were (none, normally) and
        the errors in the server's answers."""
        with psycopg.connect(self.db) as conn:
            rows = conn.execute(
                "SELECT c.session_id FROM bookings_cardcheckout c"
                " JOIN bookings_booking b ON b.id = c.booking_id"
                " WHERE b.cohort_id = %s AND c.status = 'open' AND c.session_id IS NOT NULL",
                (cohort_id,),
            ).fetchall()
        settled = Attempt(-1, fate="settled at the end")
        for (session_id,) in rows:
            try:
                session = self.fake.complete(session_id)
                kind = "checkout.session.completed"
            except self.fake_error:
                session = self.session(session_id)  # expired or paid at Stripe already
                kind = f"checkout.session.{session['status']}"
            self.heard(settled, kind, post_event(self.port, self.fake.event(kind, session)))
        return len(rows), settled.errors

    @property
    def fake_error(self):
        return stripe_fake().FakeStripeError


# --- Places taken, watched throughout ------------------------------------------------------


class PlacesWatch:
    """Samples the places confirmed or held on the date, counted as capacity counts them
    (unexpired, unreleased holds), as often as it can: never more than PLACES."""

    QUERY = (
        "SELECT (SELECT coalesce(sum(places), 0) FROM bookings_booking"
        "        WHERE cohort_id = %(cohort)s AND status = 'confirmed')"
        "     + (SELECT coalesce(sum(places), 0) FROM bookings_hold"
        "        WHERE cohort_id = %(cohort)s AND released_at IS NULL AND expires_at > now())"
    )

    def __init__(self, db, cohort_id):
        self.db = db
        self.cohort_id = cohort_id
        self.most = 0
        self.samples = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self):
        with psycopg.connect(self.db, autocommit=True) as conn:
            while not self.stop.is_set():
                (taken,) = conn.execute(self.QUERY, {"cohort": self.cohort_id}).fetchone()
                self.most = max(self.most, taken)
                self.samples += 1
                self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join()


# --- Course page readers ---------------------------------------------------------------


def timed_get(port, path):
    started = time.perf_counter()
    try:
        status = Browser(port).get(path).status
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def read_until(port, stop, results):
    while not stop.is_set():
        results.append(timed_get(port, COURSE_PATH))


# --- The rush ----------------------------------------------------------------------------


def rush(port, cohort_id, sessions, stripe, housekeeping):
    """RUSH bookers' attempts released at once, with READERS loading the course page.
    Once every one of them has been answered and every place they give back is free
    again (given up, lapsed: the server has heard of it), the latecomers come while the
    rush's payers are still paying, and the housekeeping runs, as cron would. The
    readers read until the last attempt has ended."""
    barrier = threading.Barrier(RUSH + READERS)
    latecomers = threading.Event()
    stop = threading.Event()
    reads = []
    timings = {}

    def attempt(n):
        browser = Browser(port, {"sessionid": sessions[n]})
        try:
            if n < RUSH:
                barrier.wait(timeout=60)
            else:
                latecomers.wait()
                if stop.is_set():
                    raise RuntimeError("stopped")
            return timed_attempt(browser, cohort_id, n, stripe)
        finally:
            stripe.rush_over.done(n)  # also when it failed: nothing to wait for

    def reader():
        barrier.wait(timeout=60)
        read_until(port, stop, reads)

    pool = concurrent.futures.ThreadPoolExecutor(ATTEMPTS + READERS)
    chores = concurrent.futures.ThreadPoolExecutor(1)
    try:
        readers = [pool.submit(reader) for _ in range(READERS)]
        attempts = [pool.submit(attempt, n) for n in range(ATTEMPTS)]
        started = time.perf_counter()
        stripe.rush_over.wait()
        timings["rush"] = time.perf_counter() - started
        housekept = chores.submit(timed, housekeeping)
        latecomers.set()
        results = [future.result() for future in attempts]
        timings["after"] = time.perf_counter() - started - timings["rush"]
        closed, timings["housekeeping"] = housekept.result()
    finally:
        # Also when interrupted: readers stop, and nothing waits before the server stops.
        stop.set()
        latecomers.set()
        barrier.abort()
        pool.shutdown(wait=False, cancel_futures=True)
        chores.shutdown(wait=False, cancel_futures=True)
    for future in readers:
        future.result()
    return results, reads, timings, closed


def timed(function):
    started = time.perf_counter()
    return function(), time.perf_counter() - started


def calm_reads(port):
    for _ in range(10):  # warm: templates, renditions, connections in every worker
        timed_get(port, COURSE_PATH)
    return [timed_get(port, COURSE_PATH) for _ in range(CALM_GETS)]


# --- The report --------------------------------------------------------------------------


def p95(values):
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def gaps_and_repeats(numbers):
    """Problems in each INV-<year> sequence: it must run 1, 2, 3... with no repeats."""
    sequences = {}
    for number in numbers:
        prefix, year, serial = number.rsplit("-", 2)
        sequences.setdefault((prefix, year), []).append(int(serial))
    problems = []
    for (prefix, year), serials in sorted(sequences.items()):
        if len(set(serials)) != len(serials):
            problems.append(f"{prefix}-{year} repeats a number")
        if sorted(set(serials)) != list(range(1, max(serials) + 1)):
            problems.append(f"{prefix}-{year} skips a number")
    return problems


def invoice_line(checked):
    ours = checked["invoices"]
    problems = gaps_and_repeats(checked["all_numbers"])
    serials = [int(n.rsplit("-", 1)[1]) for n in ours]
    if serials and serials != list(range(serials[0], serials[0] + len(serials))):
        problems.append("this date's invoices are not consecutive")
    confirmed = checked["by_status"].get("confirmed", 0)
    if len(ours) != confirmed:
        problems.append(f"{len(ours)} invoices for {confirmed} confirmed bookings")
    span = f"numbers {ours[0]}..{ours[-1].rsplit('-', 1)[1]}" if ours else "none"
    verdict = "; ".join(problems) if problems else "no gaps or repeats"
    return f"invoices: {len(ours)}, {span}, {verdict}", problems


def refusals(results):
    """Where the refused attempts were turned away: it shows how far the race ran."""
    steps = {"form": 0, "form POST": 0, "review": 0, "review POST": 0}
    for attempt in results:
        if attempt.kind == "refused":
            steps[attempt.detail] += 1
    return ", ".join(f"{count} at {step}" for step, count in steps.items() if count)


def card_fates(results, checked):
    """What became of the holds, by fate, with the state the database ended in; and the
    problems: a hold that went otherwise than its fate allows."""
    outcomes = collections.defaultdict(collections.Counter)
    problems = []
    # Paid after the hold lapsed: confirmed if the place was still free, else refunded.
    paid_late = {("paid", "confirmed", 0), ("paid", "expired", 1)}
    allowed = {
        "pay": {("paid", "confirmed", 0)},
        "abandon": {("expired", "expired", 0)},
        "lapse": {("expired", "expired", 0)},
        "late": paid_late,
        "unheard": paid_late,
    }
    for attempt in results:
        if attempt.kind != "held":
            continue
        state = tuple(checked["checkouts"].get(attempt.session, ("missing", "?", 0)))
        outcomes[attempt.fate][state] += 1
        if state not in allowed[attempt.fate]:
            problems.append(f"a hold meant to {attempt.fate} ended {state}")
    return outcomes, problems


def card_lines(results, checked, closed):
    """The closing note's figures for card payments."""
    held = [a for a in results if a.kind == "held"]
    fates, problems = card_fates(results, checked)
    count = collections.Counter(a.fate for a in held)
    late = fates["late"] + fates["unheard"]
    late_confirmed = late[("paid", "confirmed", 0)]
    late_refunded = late[("paid", "expired", 1)]
    webhooks = collections.Counter(
        (kind, "repeat" if body.startswith("Already handled") else "new")
        for a in held
        for kind, _, body in a.webhooks
    )
    returned = sum(1 for a in held if a.returned)
    retried = sum(1 for a in held if a.lost_event is not None)
    lines = [
        f"card holds: {len(held)} taken ({sum(a.latecomer for a in held)} by latecomers), "
        f"{count['pay']} paid, {count['abandon']} given up (session expired at Stripe), "
        f"{count['lapse']} lapsed unpaid, {count['late']} paid as the hold lapsed and "
        f"{count['unheard']} likewise with no word to the site ({late_confirmed} of these "
        f"confirmed, {late_refunded} refunded as the place had gone); housekeeping closed "
        f"{closed} lapsed checkouts   confirmed by card: {checked['card_confirmed']}",
        f"webhooks: {webhooks['completed', 'new']} completed ({retried} of them Stripe's "
        f"retries of lost ones), {webhooks['expired', 'new']} expired, "
        f"{webhooks['completed', 'repeat']} delivered twice and answered 'Already handled'; "
        f"{returned} payers came back to the site   Stripe events stored: "
        f"{checked['stripe_events']}   card emails queued: {checked['card_emails_queued']}",
    ]
    problems += checked["card_problems"]
    if not count["abandon"] or not count["lapse"]:
        problems.append("the rush took too few card holds for one to be given up and one to lapse")
    verdict = "; ".join(problems) or (
        "each card booking confirmed once, with one invoice and one card payment; payments "
        "that came too late refunded; nothing left pending or held"
    )
    lines.append(f"card checks: {verdict}")
    return lines, problems


def ratio_line(label, values, rush_p95):
    if not values:
        return f"{label}: none"
    value = p95(values)
    return f"{label}: {value:.2f} s (ratio {value / rush_p95:.1f}, {len(values)})"


def report(results, reads, calm, checked, watch, closed, left_open):
    left_open, settle_errors = left_open
    server_errors = sum(1 for a in results if a.kind == "server error")
    errors_after = [error for a in results for error in a.errors] + settle_errors
    server_errors += sum(1 for kind, _ in errors_after if kind == "server error")
    unexpected = sum(1 for a in results if a.kind == "unexpected")
    unexpected += sum(1 for kind, _ in errors_after if kind == "unexpected")
    page_errors = sum(1 for status, _ in reads + calm if status != 200)
    invoices, invoice_problems = invoice_line(checked)
    by = collections.Counter((a.method, a.kind) for a in results)
    placed = by["invoice", "booked"] + by["card", "held"]
    latecomers = collections.Counter(a.kind for a in results if a.latecomer)
    print(
        f"\nbooking rush: {ATTEMPTS} attempts on a cohort with {PLACES} places, gunicorn "
        f"{WORKERS} workers, PostgreSQL; course page GETs uncached (PAGE_CACHE_ENABLED=false)"
    )
    print(
        f"confirmed places: {checked['confirmed_places']} (must be {PLACES})   "
        f"refused as full: {by['invoice', 'refused'] + by['card', 'refused']} "
        f"({refusals(results) or 'none'})   server errors: {server_errors} (must be 0)"
    )
    print(
        f"by invoice: {by['invoice', 'booked']} booked, {by['invoice', 'refused']} refused   "
        f"by card: {by['card', 'held']} held, {by['card', 'refused']} refused   "
        f"(a rush of {RUSH}, then {ATTEMPTS - RUSH} latecomers: {latecomers['booked']} "
        f"booked, {latecomers['held']} held)"
    )
    print(
        f"places sold: {placed} for {PLACES} ({placed - PLACES} sold again after a hold ended "
        f"unpaid)   most places confirmed or held at once: {watch.most} (must be at most "
        f"{PLACES}; {watch.samples} samples)   card payments left open: {left_open}"
    )
    print(
        f"unexpected pages: {unexpected}   bookings by status: {checked['by_status']}   "
        f"booking emails queued: {checked['emails_queued']}"
    )
    print(invoices)
    lines, card_problems = card_lines(results, checked, closed)
    print("\n".join(lines))
    booking_p95 = p95([a.seconds for a in results])
    rush_p95 = p95([seconds for _, seconds in reads])
    print(
        f"p95 booking attempt: {booking_p95:.2f} s   p95 course page GET during the rush: "
        f"{rush_p95:.2f} s ({len(reads)} GETs)   ratio {booking_p95 / rush_p95:.1f}"
    )
    print(
        "  "
        + "   ".join(
            [
                ratio_line(
                    "by invoice", [a.seconds for a in results if a.method == "invoice"], rush_p95
                ),
                ratio_line(
                    "by card, to Stripe's page",
                    [a.seconds for a in results if a.method == "card"],
                    rush_p95,
                ),
                ratio_line(
                    "card payment, Stripe's page to the site's answers",
                    [a.pay_seconds for a in results if a.pay_seconds is not None],
                    rush_p95,
                ),
            ]
        )
    )
    print(
        f"p95 course page GET before the rush, one at a time: "
        f"{p95([seconds for _, seconds in calm]):.3f} s   course page errors: {page_errors}"
    )
    failures = collections.Counter(
        (a.kind, a.detail) for a in results if a.kind in ("server error", "unexpected")
    )
    failures.update(errors_after)
    for (kind, detail), count in failures.most_common():
        print(f"  {count} x {kind}: {detail}")
    failed = (
        checked["confirmed_places"] != PLACES
        or watch.most > PLACES
        or server_errors
        or page_errors
        or unexpected
        or invoice_problems
        or card_problems
        or closed is None
    )
    return 1 if failed else 0


def show_server_log(log_path):
    text = log_path.read_text(errors="replace").strip()
    if text:
        print("\ngunicorn log (last 40 lines):")
        print("\n".join(text.splitlines()[-40:]))


# --- Main -------------------------------------------------------------------------------


def build(env):
    started = time.perf_counter()
    print("Building the data set (migrate, demo content, 200 bookers, one date)...", flush=True)
    # collectstatic needs no database, so it runs beside the rest.
    static = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        run(env, "manage.py", "migrate", "--noinput")
        run(env, "manage.py", "seed_demo", "--no-users")
        data = run_json(env, "--setup")
    except BaseException:
        static.kill()
        static.wait()
        raise
    if static.wait():
        raise subprocess.CalledProcessError(static.returncode, "collectstatic")
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return data


def housekeeper(env):
    """The housekeeping run, as cron runs it; None if it failed (its error is printed)."""

    def housekeeping():
        try:
            return run_json(env, "--housekeeping")["closed"]
        except subprocess.CalledProcessError as error:
            print(f"housekeeping failed:\n{error.stderr}", flush=True)
            return None

    return housekeeping


def measure(env, work, data):
    log_path = work / "gunicorn.log"
    db = env["DATABASE_URL"]
    cohort = data["cohort"]
    port = free_port()
    with (
        stripe_fake().FakeStripe(api_key=STRIPE_KEY, webhook_secret=WEBHOOK_SECRET) as fake,
        open(log_path, "w") as log,
    ):
        fake.auto_webhook = False  # the bench delivers Stripe's webhooks (Stripe.pay)
        env = card_environment(env, port, fake.base_url)
        stripe = Stripe(fake, port, db)
        server = start_server(env, log, port)
        try:
            calm = calm_reads(port)
            print(
                f"Rush: {RUSH} booking attempts and {READERS} page readers, then "
                f"{ATTEMPTS - RUSH} latecomers; half pay by card...",
                flush=True,
            )
            with PlacesWatch(db, cohort) as watch:
                results, reads, timings, closed = rush(
                    port, cohort, data["sessions"], stripe, housekeeper(env)
                )
                stripe.retry_unheard(results)
                left_open = stripe.settle_open(cohort)
            print(
                f"  the rush took {timings['rush']:.1f} s, the latecomers and the rush's "
                f"payments {timings['after']:.1f} s more (housekeeping meanwhile: "
                f"{timings['housekeeping']:.1f} s)",
                flush=True,
            )
        finally:
            stop_server(server)
    checked = run_json(env, "--verify", str(cohort))
    code = report(results, reads, calm, checked, watch, closed, left_open)
    if code:
        show_server_log(log_path)
    return code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--housekeeping", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        return setup_main()
    if args.verify:
        return verify_main(args.verify)
    if args.housekeeping:
        return housekeeping_main()

    # Stopped from outside, still stop gunicorn and drop the database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    db_name = f"coaching_bench_{os.getpid()}"
    try:
        create_database(db_name)
    except psycopg.OperationalError as error:
        print(f"No PostgreSQL server to use (set TEST_POSTGRES_URL): {error}")
        return 2
    work = Path(tempfile.mkdtemp(prefix="coaching-bench-booking-"))
    try:
        env = environment(work, db_name)
        return measure(env, work, build(env))
    finally:
        drop_database(db_name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
