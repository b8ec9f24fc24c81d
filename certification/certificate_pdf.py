"""Certificates as A4 landscape PDFs: the provider's name and mark, what the certificate
says, the signatory, the number, and a QR code that leads to its verification page.

Everything drawn comes from the certificate row (copied at issue) and settings, never
from today's date, so drawing it again gives the same document."""

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from bookings.emails import absolute
from bookings.pdf import render_pdf


def verification_url(certificate):
    return absolute(certificate.verification_path())


def qr_svg(url):
    """The URL as an inline SVG QR code (medium error correction, a quiet zone of 4)."""
    # Safe: segno writes the SVG itself; the URL is encoded as modules, not as text.
    return mark_safe(  # noqa: S308
        segno.make(url, error="m").svg_inline(scale=3, border=4, dark="#1d2a33", light="#ffffff")
    )


def certificate_html(certificate):
    url = verification_url(certificate)
    return render_to_string(
        "certification/certificate_pdf.html",
        {
            "certificate": certificate,
            "url": url,
            "qr": qr_svg(url),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "signatory_name": settings.CERTIFICATE_SIGNATORY_NAME,
            "signatory_role": settings.CERTIFICATE_SIGNATORY_ROLE,
        },
    )


def render_certificate_pdf(certificate):
    return render_pdf(certificate_html(certificate), certificate.number)
