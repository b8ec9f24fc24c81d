"""Rate limits for public pages that could be used for guessing (certificate checks).

The client is the address the nearest trusted proxy saw (TRUSTED_PROXY_COUNT hops in
X-Forwarded-For; REMOTE_ADDR when there are none), with IPv6 addresses taken by their
/64 network, as one household or phone gets a whole /64. Counts are kept in the
database (RateCount), so every worker and machine shares them and a count cannot be
lost between two requests at once: each is one atomic UPDATE."""

import ipaddress

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateCount


def client_address(request):
    """The client's address, or its IPv6 /64 network, as a string."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            # Each trusted proxy appends the address it saw: the one `hops` from the
            # right is what our outermost proxy saw. Anything left of it is the client's
            # own say-so, and ignored.
            address = forwarded[-min(hops, len(forwarded))]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def over_limit(request, scope, *, limit, seconds):
    """Counts this request; true once the client has made more than `limit` in the
    current window of `seconds`."""
    client = client_address(request)
    window = int(timezone.now().timestamp()) // seconds
    counts = RateCount.objects.filter(scope=scope, client=client, window=window)
    with transaction.atomic():
        if not counts.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCount.objects.create(scope=scope, client=client, window=window, count=1)
            except IntegrityError:  # another request made it first
                counts.update(count=F("count") + 1)
            else:  # a new window: forget the ones before the last
                RateCount.objects.filter(scope=scope, window__lt=window - 1).delete()
        count = counts.values_list("count", flat=True).get()
    return count > limit
