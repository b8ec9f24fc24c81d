from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from certification.verify_views import did_document_view

from . import views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("accounts.urls")),
    path("bookings/", include("bookings.urls")),
    path("payments/", include("bookings.payment_urls")),
    path("portfolio/", include("certification.urls")),
    path("qa-visits/", include("certification.qa_urls")),
    path("verify/", include("certification.verify_urls")),
    path("reports/", include("certification.report_urls")),
    path(".well-known/did.json", did_document_view, name="did-document"),
    path("search/", views.search, name="search"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("healthz/", views.health, name="health"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
