"""Certificates as A4 landscape PDFs: the provider's name and mark, what the certificate
says, the signatory, the number, and a QR code that leads to its verification page.

Everything drawn comes from the certificate row (copied at issue) and settings, never
from today's date, so drawing it again gives the same document."""

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import format_html

from bookings.emails import absolute
from bookings.pdf import render_pdf


def verification_url(certificate):
    return absolute(certificate.verification_path())


def qr_image(url):
    """The URL as a QR code (medium error correction, a quiet zone of 4 modules) in an
    <img> of a small inline PNG, one pixel a module: WeasyPrint draws that faster than
    the same code as an SVG path, and the PDF scales it up without blurring."""
    uri = segno.make(url, error="m").png_data_uri(scale=1, border=4, dark="#1d2a33")
    # Safe: segno writes the PNG; the URL is encoded as modules, not as text.
    return format_html('<img class="qr" src="{}" alt="QR code for {}">', uri, url)


def certificate_html(certificate):
    url = verification_url(certificate)
    return render_to_string(
        "certification/certificate_pdf.html",
        {
            "certificate": certificate,
            "url": url,
            "qr": qr_image(url),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "signatory_name": settings.CERTIFICATE_SIGNATORY_NAME,
            "signatory_role": settings.CERTIFICATE_SIGNATORY_ROLE,
        },
    )


def render_certificate_pdf(certificate):
    return render_pdf(certificate_html(certificate), certificate.number)
