"""Anyone may check a certificate: by its verification code (the QR code's link), or by
its number and the holder's surname. The page shows what the certificate itself shows
(holder, award, level or phase, date, number) and whether it stands; a revoked one says
so, with the date and reason. Lookups are rate-limited per client against guessing
(website.ratelimit)."""

import datetime
import json

from django.conf import settings
from django.db.models import Max
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from website.ratelimit import over_limit

from .badges import (
    SigningKeyMissing,
    did_document,
    signed_credential,
    status_list_credential,
)
from .forms import VerifyForm
from .models import Certificate, CertificateStatus

WINDOW_SECONDS = 600


def _over_limit(request):
    """Counts this lookup; true once the client has made too many in the window."""
    return over_limit(
        request, "verify", limit=settings.VERIFY_LOOKUPS_PER_WINDOW, seconds=WINDOW_SECONDS
    )


def _too_many(request):
    response = render(request, "certification/verify/too_many.html", status=429)
    response["Retry-After"] = str(WINDOW_SECONDS)
    return response


def _shown(certificate):
    """Only what the certificate shows, and its standing."""
    return {
        "number": certificate.number,
        "holder_name": certificate.holder_name,
        "award_name": certificate.award_name,
        "level": certificate.level,
        "issued_on": certificate.issued_on,
        "revoked": certificate.is_revoked,
        "revoked_on": timezone.localtime(certificate.revoked_at).date()
        if certificate.revoked_at
        else None,
        "revoked_reason": certificate.revoked_reason,
        "code": certificate.code,
    }


@never_cache
def by_code(request, code):
    if _over_limit(request):
        return _too_many(request)
    certificate = Certificate.objects.filter(code=code).first()
    if certificate is None:
        return render(request, "certification/verify/not_found.html", status=404)
    return render(
        request,
        "certification/verify/certificate.html",
        {"c": _shown(certificate), "site_name": settings.WAGTAIL_SITE_NAME},
    )


def surname_matches(holder_name, surname):
    holder = " " + " ".join(holder_name.split()).casefold()
    surname = " ".join(surname.split()).casefold()
    return bool(surname) and holder.endswith(" " + surname)


@never_cache
def lookup(request):
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        if _over_limit(request):
            return _too_many(request)
        number = form.cleaned_data["number"]
        certificate = Certificate.objects.filter(number__iexact=number).first()
        if certificate and surname_matches(certificate.holder_name, form.cleaned_data["surname"]):
            return redirect("verify:certificate", code=certificate.code)
        return render(request, "certification/verify/not_found.html", {"form": form}, status=404)
    return render(request, "certification/verify/lookup.html", {"form": form})


@never_cache
def credential(request, code):
    """The certificate's signed Open Badges credential, for wallets and anyone checking."""
    if _over_limit(request):
        return _too_many(request)
    certificate = (
        Certificate.objects.select_related("award", "enrolment__participant")
        .filter(code=code)
        .first()
    )
    if certificate is None:
        return JsonResponse({"error": "not found"}, status=404)
    if certificate.is_revoked:
        return JsonResponse(
            {
                "status": "revoked",
                "revoked_on": str(timezone.localtime(certificate.revoked_at).date()),
                "reason": certificate.revoked_reason,
            },
            status=410,
        )
    return credential_response(certificate)


def credential_response(certificate, *, download=False):
    try:
        body = signed_credential(certificate)
    except SigningKeyMissing:
        return JsonResponse({"error": "credentials are not signed on this site yet"}, status=503)
    response = HttpResponse(
        json.dumps(body, indent=2, ensure_ascii=False), content_type="application/ld+json"
    )
    if download:
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{certificate.number}.json"
        )
    return response


def status_list(request):
    """The signed revocation list that every credential's `credentialStatus` points to. It
    shows how many certificates are revoked, never which: each holds a random place."""
    revoked = Certificate.objects.filter(status=CertificateStatus.REVOKED)
    latest = revoked.aggregate(latest=Max("revoked_at"))["latest"]
    try:
        body = status_list_credential(
            revoked.values_list("status_index", flat=True),
            valid_from=latest or datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
    except SigningKeyMissing:
        return JsonResponse({"error": "credentials are not signed on this site yet"}, status=503)
    response = HttpResponse(json.dumps(body, indent=2), content_type="application/vc+ld+json")
    # Public, the same for everyone: verifiers may keep it a few minutes.
    response["Cache-Control"] = "public, max-age=300"
    return response


def did_document_view(request):
    """The issuer's DID document (did:web): the public key that checks every credential."""
    try:
        document = did_document()
    except SigningKeyMissing:
        return JsonResponse({"error": "no signing key configured"}, status=503)
    response = JsonResponse(document)
    response["Content-Type"] = "application/did+json"
    response["Access-Control-Allow-Origin"] = "*"
    return response
