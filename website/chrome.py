"""The navigation and footer shown on every page, worked out once and kept until an editor
changes something.

Resolving the settings' page choosers costs several queries and most of a millisecond
per link; the result is the same for every visitor, so it is kept as plain data in the
page cache: that cache is shared by every worker process and cleared whole whenever
anything is published (website/signals.py), so no worker can keep a stale menu.
"""

from wagtail.models import Site

from .cache import page_cache
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
    chrome = page_cache().get(key)
    if chrome is None:
        chrome = build_chrome(request)
        page_cache().set(key, chrome)
    return {"chrome": chrome}
