"""A whole-page cache for anonymous visitors, which also holds the site chrome.

Pages are kept in their own cache (settings.PAGE_CACHE_ALIAS) so that publishing,
unpublishing, moving or deleting any page, or changing the navigation or footer, can
clear it whole (see website/signals.py): listings on the home page, the catalogue and
the journal depend on many pages, and clearing everything is both simple and correct.
"""

from django.conf import settings
from django.core.cache import caches

SKIP_COOKIES = (settings.SESSION_COOKIE_NAME, "csrftoken", "messages")
NEVER_CACHED = ("/admin/", "/accounts/", "/static/", "/media/", "/healthz/")
CACHEABLE_TYPES = ("text/html", "application/rss+xml", "application/atom+xml", "application/xml")


def page_cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def purge_page_cache():
    """Clear every cached page and the cached navigation and footer (website/chrome.py)."""
    page_cache().clear()


def _cache_key(request):
    scheme = "https" if request.is_secure() else "http"
    return f"page:{scheme}:{request.get_host()}:{request.get_full_path()}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._may_use_cache(request):
            return self.get_response(request)
        key = _cache_key(request)
        cached = page_cache().get(key)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if self._may_store(request, response):
            response["X-Page-Cache"] = "miss"
            page_cache().set(key, response)
        return response

    @staticmethod
    def _may_use_cache(request):
        if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
            return False
        if request.path.startswith(NEVER_CACHED):
            return False
        return not any(name in request.COOKIES for name in SKIP_COOKIES)

    @staticmethod
    def _may_store(request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if "private" in response.get("Cache-Control", "") or "no-cache" in response.get(
            "Cache-Control", ""
        ):
            return False
        # A page that was rendered for a signed-in user (e.g. a preview) is never kept.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        return content_type in CACHEABLE_TYPES
