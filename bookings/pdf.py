"""Issued invoices and credit notes as A4 PDFs, drawn by WeasyPrint from an HTML template.

The document is drawn only from what was copied onto the invoice when it was issued, so
the same invoice always gives the same PDF; nothing here depends on today's date, on
payments received since, or on the network.
"""

import base64
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .models import Invoice

TEMPLATE = "bookings/invoice_pdf.html"
# Inline images a template may use: base64 PNGs of at most this size, nothing else.
PNG_DATA = "data:image/png;base64,"
MAX_INLINE_PNG = 64 * 1024
# Font files are refused: PDFs use installed fonts only (see font_config).
FONT_SUFFIXES = {".ttf", ".otf", ".woff", ".woff2"}
# Some file types the template may use; anything else is served as plain bytes.
CONTENT_TYPES = {".svg": "image/svg+xml", ".css": "text/css", ".png": "image/png"}


class DocumentRenderError(RuntimeError):
    """The PDF could not be drawn (a resource the template names was refused or missing)."""


_fonts = threading.local()


class InstalledFontsOnly(FontConfiguration):
    """A font configuration that refuses @font-face rules: it is kept for the life of the
    process (font_config), and each rule would add a font file to it for good."""

    def add_font_face(self, rule_descriptors, url_fetcher):
        raise DocumentRenderError("PDFs use installed fonts only, not @font-face.")


def font_config():
    """This thread's font configuration, made once and kept for the life of the process.

    Making one loads the machine's font list through fontconfig and starts a new Pango
    font map: about half of WeasyPrint's time for a short document, and a third of a
    certificate's (make bench-certificates). Pango's font maps must not be shared
    between threads, hence one a thread. Our templates use installed fonts only, and the
    configuration refuses @font-face rules (tests/bookings/test_invoice_pdf.py)."""
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = InstalledFontsOnly()
    return config


def static_dir():
    return Path(settings.BASE_DIR, "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Reads file:// URLs inside the project's static folder and refuses anything else,
    so that rendering never reaches the network or the rest of the disk."""

    def __init__(self, root):
        # A refused or missing resource means the template is wrong: stop rather than
        # quietly send a document with a hole in it.
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)
        self.root = root

    def fetch(self, url, headers=None):
        if url.startswith(PNG_DATA):
            return self._inline_png(url)
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refusing to fetch {url!r}: only static files may be used.")
        path = Path(unquote(parts.path)).resolve()
        if path.suffix.lower() in FONT_SUFFIXES:
            raise ValueError(f"Refusing {url!r}: PDFs use installed fonts only (font_config).")
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"Refusing to fetch {url!r}: not a file in {self.root}.")
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def _inline_png(self, url):
        """A small PNG the template drew itself (a certificate's QR code): no network
        and no disk, and only a real PNG of modest size."""
        try:
            body = base64.b64decode(url[len(PNG_DATA) :], validate=True)
        except ValueError as error:
            raise ValueError("Refusing an inline image that is not base64.") from error
        if len(body) > MAX_INLINE_PNG or not body.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("Refusing an inline image: only small PNGs may be used.")
        return URLFetcherResponse(
            "data:image/png", body=body, headers={"Content-Type": "image/png"}
        )


def _document(invoice):
    """The invoice again with all the template reads, in two queries: the invoice with
    its booking, cohort, course and credited invoice joined on, then its lines."""
    return (
        Invoice.objects.select_related("booking__cohort__course", "credited_invoice")
        .prefetch_related("lines")
        .get(pk=invoice.pk)
    )


def _credit_wording(note):
    """'cancels' when the note takes off the whole invoice, 'reduces' otherwise."""
    return "cancels" if note.gross_total >= note.credited_invoice.gross_total else "reduces"


def document_context(invoice):
    document = _document(invoice)
    return {
        "invoice": document,
        "lines": list(document.lines.all()),
        "credited": document.credited_invoice,
        "credit_wording": _credit_wording(document) if document.credited_invoice else "",
    }


def render_document_html(invoice):
    return render_to_string(TEMPLATE, document_context(invoice))


def render_pdf(html_string, name):
    """Our HTML as PDF bytes, with only our own static files reachable."""
    root = static_dir()
    html = HTML(
        string=html_string, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyFetcher(root)
    )
    try:
        return html.write_pdf(font_config=font_config())
    except FatalURLFetchingError as error:
        # WeasyPrint's error derives from BaseException, which would get past Django's
        # error handling and take the worker down; an ordinary exception gives a 500.
        raise DocumentRenderError(f"{name}: {error}") from error


def render_document_pdf(invoice):
    """The invoice or credit note as PDF bytes."""
    return render_pdf(render_document_html(invoice), invoice.number)


def private_pdf_response(pdf, filename, *, inline=False):
    """PDF bytes as a download that no shared cache may keep a copy of: invoices,
    registers, portfolios, certificates and reports are all someone's private papers."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


def document_pdf_response(invoice, *, inline=False):
    return private_pdf_response(render_document_pdf(invoice), invoice.filename, inline=inline)
