from django.urls import path

from . import verify_views

app_name = "verify"

urlpatterns = [
    path("", verify_views.lookup, name="lookup"),
    path("revocations.json", verify_views.status_list, name="status-list"),
    path("<str:code>/", verify_views.by_code, name="certificate"),
    path("<str:code>/credential.json", verify_views.credential, name="credential"),
]
