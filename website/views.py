from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from wagtail.models import Page

from courses.models import CoursePage

from .forms import SearchForm
from .models import JournalPage

SEARCH_PAGE_SIZE = 10


@require_GET
def search(request):
    """Search over course pages and journal posts."""
    form = SearchForm(request.GET or None)
    results = None
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        pages = Page.objects.live().public().type(CoursePage, JournalPage).specific()
        paginator = Paginator(pages.search(query), SEARCH_PAGE_SIZE)
        try:
            results = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            results = paginator.page(1)
    return render(
        request, "website/search.html", {"form": form, "results": results, "query": query}
    )


@require_GET
def robots_txt(request):
    sitemap_url = request.build_absolute_uri("/sitemap.xml")
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        f"Sitemap: {sitemap_url}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
def health(request):
    """For load balancers and uptime checks; also the benchmark's minimal view."""
    return HttpResponse("ok", content_type="text/plain")
