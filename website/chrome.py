"""The navigation and footer shown on every page, worked out once and kept until an editor
changes something (website/signals.py clears it along with the page cache).

Resolving the settings' page choosers costs several queries and most of a millisecond
per link; the result is the same for every visitor, so it is kept as plain data.
"""

from django.core.cache import cache
from wagtail.models import Site

from .models import FooterSettings, NavigationSettings

CACHE_KEY = "site-chrome:{site_id}"


def _links(stream, request):
    links = []
    for block in stream:
        page = block.value.get("page")
        if page is not None and page.live:
            links.append(
                {"url": page.get_url(request), "label": block.value["label"] or page.title}
            )
    return links


def build_chrome(request):
    footer = FooterSettings.load(request_or_site=request)
    navigation = NavigationSettings.load(request_or_site=request)
    return {
        "primary_links": _links(navigation.primary_links, request),
        "footer_links": _links(footer.links, request),
        "footer": {
            field: getattr(footer, field)
            for field in (
                "organisation_name",
                "address",
                "email",
                "phone",
                "vat_number",
                "company_number",
            )
        },
    }


def site_chrome(request):
    """Context processor: `chrome` holds the navigation and footer."""
    site = Site.find_for_request(request)
    key = CACHE_KEY.format(site_id=site.pk if site else 0)
    chrome = cache.get(key)
    if chrome is None:
        chrome = build_chrome(request)
        cache.set(key, chrome, 60 * 60)
    return {"chrome": chrome}


def clear_chrome():
    for site_id in [0, *Site.objects.values_list("pk", flat=True)]:
        cache.delete(CACHE_KEY.format(site_id=site_id))
