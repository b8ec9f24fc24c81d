"""A rush on one date: 200 bookers at once for 20 places, over HTTP, on PostgreSQL.

Builds a throwaway PostgreSQL database with the demo content, 200 schools each with a
signed-in booker and one open date (cohort) with 20 places, serves it with gunicorn (4
workers, production settings) on loopback, and releases 200 booking attempts together,
each one place with one named delegate, through the real views: the booking form, its
POST, the review page and the confirming POST. Meanwhile 20 readers load a course page.

Correctness is checked (the exit status says so): exactly 20 places confirmed, no
server error, invoice numbers without repeats or gaps. Speed is only reported: the p95
of a booking attempt as a ratio of the p95 of a course page GET under the same load,
because absolute times say more about the machine than about the code.

    make bench-booking          # or: .venv/bin/python bench/booking_rush.py
"""

import argparse
import collections
import concurrent.futures
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


def run(env, *args):
    subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def run_json(env, *args):
    """Run this file in a Django process (--setup, --verify) and read back its JSON."""
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


def start_server(env, log):
    port = free_port()
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
                return server, port
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


def verify_main(cohort_id):
    """What the database says after the rush: places, bookings, invoices, queued tasks."""
    django_setup()
    from django.db.models import Count, Sum
    from django_tasks_db.models import DBTaskResult

    from bookings.models import Booking, BookingStatus, DocumentKind, Invoice

    bookings = Booking.objects.filter(cohort_id=cohort_id)
    confirmed = bookings.filter(status=BookingStatus.CONFIRMED)
    ours = Invoice.objects.filter(booking__cohort_id=cohort_id, kind=DocumentKind.INVOICE)
    # order_by(): the model's default ordering would split the groups.
    by_status = bookings.order_by().values_list("status").annotate(n=Count("pk"))
    # No worker runs, so the booking emails are still queued: one per booking.
    booking_ids = set(bookings.values_list("pk", flat=True))
    tasks = DBTaskResult.objects.filter(task_path="bookings.tasks.booking_placed")
    emails = [t for t in tasks.values_list("args_kwargs", flat=True) if t["args"][0] in booking_ids]
    print(
        json.dumps(
            {
                "confirmed_places": confirmed.aggregate(n=Sum("places"))["n"] or 0,
                "by_status": dict(by_status),
                "invoices": sorted(ours.values_list("number", flat=True)),
                "all_numbers": list(Invoice.objects.values_list("number", flat=True)),
                "emails_queued": len(emails),
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


# --- One booking attempt ---------------------------------------------------------------


def outcome(page, step):
    """How an attempt that did not move on ended: the page it stopped at says why."""
    if page.status >= 500:
        return "server error", f"{step}: {page.status}"
    if page.status == 200 and FULL_MESSAGES.search(page.body):
        return "refused", step
    return "unexpected", f"{step}: {page.status} {page.location}"


def book_one_place(browser, cohort_id, n):
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
    if page.status == 302 and re.fullmatch(r"/bookings/B-\w+/", page.location):
        return "booked", page.location
    return outcome(page, "review POST")


def timed_attempt(browser, cohort_id, n):
    started = time.perf_counter()
    try:
        result = book_one_place(browser, cohort_id, n)
    except OSError as error:  # refused, reset or timed out: the server did not answer
        result = "server error", f"{type(error).__name__}: {error}"
    return (*result, time.perf_counter() - started)


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


def rush(port, cohort_id, sessions):
    """Every booker's attempt released at once, with READERS loading the course page
    until the last attempt has ended."""
    barrier = threading.Barrier(ATTEMPTS + READERS)
    stop = threading.Event()
    reads = []

    def attempt(n):
        browser = Browser(port, {"sessionid": sessions[n]})
        barrier.wait(timeout=60)
        return timed_attempt(browser, cohort_id, n)

    def reader():
        barrier.wait(timeout=60)
        read_until(port, stop, reads)

    pool = concurrent.futures.ThreadPoolExecutor(ATTEMPTS + READERS)
    try:
        readers = [pool.submit(reader) for _ in range(READERS)]
        attempts = [pool.submit(attempt, n) for n in range(ATTEMPTS)]
        results = [future.result() for future in attempts]
    finally:
        # Also when interrupted: readers stop, and nothing waits before the server stops.
        stop.set()
        barrier.abort()
        pool.shutdown(wait=False, cancel_futures=True)
    for future in readers:
        future.result()
    return results, reads


def calm_reads(port):
    for _ in range(10):  # warm: templates, renditions, connections in every worker
        timed_get(port, COURSE_PATH)
    return [timed_get(port, COURSE_PATH) for _ in range(CALM_GETS)]


# --- The report --------------------------------------------------------------------------


def p95(values):
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
    for kind, step, _ in results:
        if kind == "refused":
            steps[step] += 1
    return ", ".join(f"{count} at {step}" for step, count in steps.items() if count)


def report(results, reads, calm, checked):
    kinds = [kind for kind, _, _ in results]
    server_errors = kinds.count("server error")
    page_errors = sum(1 for status, _ in reads + calm if status != 200)
    invoices, invoice_problems = invoice_line(checked)
    print(
        f"\nbooking rush: {ATTEMPTS} attempts on a cohort with {PLACES} places, gunicorn "
        f"{WORKERS} workers, PostgreSQL; course page GETs uncached (PAGE_CACHE_ENABLED=false)"
    )
    print(
        f"confirmed places: {checked['confirmed_places']} (must be {PLACES})   "
        f"refused as full: {kinds.count('refused')} ({refusals(results) or 'none'})   "
        f"server errors: {server_errors} (must be 0)"
    )
    print(
        f"booked: {kinds.count('booked')}   unexpected pages: {kinds.count('unexpected')}   "
        f"bookings by status: {checked['by_status']}   "
        f"booking emails queued: {checked['emails_queued']}"
    )
    print(invoices)
    booking_p95 = p95([seconds for _, _, seconds in results])
    rush_p95 = p95([seconds for _, seconds in reads])
    print(
        f"p95 booking attempt: {booking_p95:.2f} s   p95 course page GET during the rush: "
        f"{rush_p95:.2f} s ({len(reads)} GETs)   ratio {booking_p95 / rush_p95:.1f}"
    )
    print(
        f"p95 course page GET before the rush, one at a time: "
        f"{p95([seconds for _, seconds in calm]):.3f} s   course page errors: {page_errors}"
    )
    failures = collections.Counter(
        (kind, detail) for kind, detail, _ in results if kind in ("server error", "unexpected")
    )
    for (kind, detail), count in failures.most_common():
        print(f"  {count} x {kind}: {detail}")
    failed = (
        checked["confirmed_places"] != PLACES
        or server_errors
        or page_errors
        or "unexpected" in kinds
        or invoice_problems
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


def measure(env, work, data):
    log_path = work / "gunicorn.log"
    with open(log_path, "w") as log:
        server, port = start_server(env, log)
        try:
            calm = calm_reads(port)
            print(f"Rush: {ATTEMPTS} booking attempts and {READERS} page readers...", flush=True)
            started = time.perf_counter()
            results, reads = rush(port, data["cohort"], data["sessions"])
            print(f"  rush took {time.perf_counter() - started:.1f} s", flush=True)
        finally:
            stop_server(server)
    checked = run_json(env, "--verify", str(data["cohort"]))
    code = report(results, reads, calm, checked)
    if code:
        show_server_log(log_path)
    return code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        return setup_main()
    if args.verify:
        return verify_main(args.verify)

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
