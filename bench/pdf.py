"""Time to draw an invoice PDF, as a ratio of WeasyPrint drawing a one-line document.

Builds a throwaway SQLite database under /tmp (migrations only, no demo content), issues
one invoice with six lines, then renders it and the one-line document in turns, so both
see the same machine load; the printed ratio is of the medians. The target is a ratio of
at most 3. WeasyPrint's cost grows with the number of elements (each costs about a tenth
of the whole one-line document), so the seven-column table of lines weighs most; see the
comment at the top of templates/bookings/invoice_pdf.html.

    make bench-pdf              # or: .venv/bin/python bench/pdf.py --explain --profile
"""

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 3.0
LINES = [
    ("Certificate in Coaching Competence: delegate place", 4, "1450.00", "20.00"),
    ("Early-bird discount", 4, "-75.00", "20.00"),
    ("Printed course workbook", 4, "12.50", "0.00"),
    ("Follow-up supervision call for the school's coaching lead", 1, "180.25", "20.00"),
    ("Coaching Ambassador: in-school twilight session", 1, "650.00", "20.00"),
    ("Travel to the school", 1, "48.60", "20.00"),
]
MINIMAL_HTML = "<!doctype html><title>One line</title><p>One line of text.</p>"


def setup_django(work):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "website.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["VAR_DIR"] = str(work)
    import django
    from django.core.management import call_command

    django.setup()
    print("Migrating a throwaway database...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)


def make_course():
    from wagtail.models import Page

    from courses.models import CoursePage

    course = CoursePage(
        title="Certificate in Coaching Competence",
        slug="ccc",
        summary="A course for the bench.",
        price_amount=Decimal("1450.00"),
    )
    Page.get_first_root_node().add_child(instance=course)
    return course


def make_cohort(course):
    from django.utils import timezone

    from bookings.models import Cohort, CohortSession, CohortStatus

    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=60)
    cohort = Cohort.objects.create(course=course, status=CohortStatus.OPEN, capacity=16)
    CohortSession.objects.create(
        cohort=cohort,
        title="Day 1",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=6),
        venue="Northlight Centre\n1 Park Row\nLeeds LS1 5HD",
    )
    cohort.save()  # takes its dates from the session
    return cohort


def make_booking(cohort):
    from django.contrib.auth import get_user_model

    from bookings.models import Booking, BookingLine, Organisation, OrganisationKind

    school = Organisation.objects.create(
        name="Brookside Primary School",
        kind=OrganisationKind.SCHOOL,
        address="12 Beck Road\nOtley",
        postcode="LS21 3QT",
    )
    user = get_user_model().objects.create_user(email="bench@school.example", password=None)
    booking = Booking.objects.create(
        cohort=cohort,
        organisation=school,
        booker=user,
        places=4,
        po_number="PO-BENCH-1",
        billing_name=school.name,
        billing_address="Finance Office\n12 Beck Road\nOtley",
        billing_postcode="LS21 3QT",
        finance_email="finance@school.example",
    )
    BookingLine.objects.bulk_create(
        BookingLine(
            booking=booking,
            position=position,
            description=description,
            quantity=quantity,
            unit_net=Decimal(unit_net),
            vat_rate=Decimal(vat_rate),
        )
        for position, (description, quantity, unit_net, vat_rate) in enumerate(LINES, start=1)
    )
    return booking


def make_invoice():
    from bookings.models import InvoicingSettings
    from bookings.services.invoicing import issue_invoice

    settings = InvoicingSettings.load()
    settings.seller_address = "Unit 4, Calder Mill\nMill Lane\nHebden Bridge\nHX7 8AB"
    settings.vat_number = "GB123456789"
    settings.bank_name = "Pennine Bank"
    settings.sort_code = "12-34-56"
    settings.account_number = "12345678"
    settings.save()
    return issue_invoice(make_booking(make_cohort(make_course())))


def timed(render):
    started = time.perf_counter()
    render()
    return time.perf_counter() - started


def measure(invoice, rounds, warmups):
    from weasyprint import HTML

    from bookings.pdf import render_document_pdf

    def invoice_pdf():
        render_document_pdf(invoice)

    def minimal_pdf():
        HTML(string=MINIMAL_HTML).write_pdf()

    for _ in range(warmups):  # fonts, templates and imports loaded once
        invoice_pdf()
        minimal_pdf()
    invoice_times, minimal_times = [], []
    for _ in range(rounds):
        minimal_times.append(timed(minimal_pdf))
        invoice_times.append(timed(invoice_pdf))
    return statistics.median(invoice_times), statistics.median(minimal_times)


def explain(invoice, rounds):
    """Where the time goes: the same invoice's HTML cut down, each as a ratio of the
    one-line document, so that a reader can see what a target would cost."""
    import re

    from weasyprint import HTML

    from bookings.pdf import StaticOnlyFetcher, render_document_html, static_dir

    html = render_document_html(invoice)
    head = html.split("<body>")[0]
    header = re.search(r"<header>.*?</header>", html, re.S).group(0)
    variants = {
        "one line with the invoice's CSS": head + "<body><p>One line.</p></body></html>",
        "the page header only": head + "<body>" + header + "</body></html>",
        "the invoice without its table of lines": re.sub(
            r"<table.*?</table>", "", html, flags=re.S
        ),
        "the whole invoice": html,
    }

    def draw(markup):
        fetcher = StaticOnlyFetcher(static_dir())
        return lambda: HTML(
            string=markup, base_url=static_dir().as_uri() + "/", url_fetcher=fetcher
        ).write_pdf()

    minimal = statistics.median(
        timed(lambda: HTML(string=MINIMAL_HTML).write_pdf()) for _ in range(rounds)
    )
    for label, markup in variants.items():
        median = statistics.median(timed(draw(markup)) for _ in range(rounds))
        print(f"  {label:42} {median * 1000:6.1f} ms  ratio {median / minimal:4.1f}")


def profile(invoice, limit=25):
    from bookings.pdf import render_document_pdf

    profiler = cProfile.Profile()
    profiler.runcall(render_document_pdf, invoice)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(limit)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile report")
    parser.add_argument(
        "--explain", action="store_true", help="also time cut-down versions of the invoice"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as work:
        setup_django(Path(work))
        invoice = make_invoice()
        invoice_median, minimal_median = measure(invoice, args.rounds, args.warmups)
        ratio = invoice_median / minimal_median
        verdict = "ok" if ratio <= TARGET else "ABOVE TARGET"
        print(
            f"invoice PDF: {invoice_median:.3f} s median; one-line document: "
            f"{minimal_median:.3f} s; ratio {ratio:.2f} (target <= {TARGET:g}) {verdict}"
        )
        if args.explain:
            explain(invoice, args.rounds)
        if args.profile:
            profile(invoice)
        elif ratio > TARGET and not args.explain:
            print("Run with --explain or --profile to see where the time goes.")
    # A benchmark reports; it does not fail the build (the machine is shared and noisy).
    return 0


if __name__ == "__main__":
    sys.exit(main())
