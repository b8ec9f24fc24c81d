"""Certification in the Wagtail admin: awards and their requirement versions."""

from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup

from bookings.wagtail_hooks import BookingsViewSet

from . import admin_views as views
from .models import Award, RequirementSet


class AwardViewSet(BookingsViewSet):
    model = Award
    name = "certification_awards"
    icon = "pick"
    url_prefix = "certification/awards"
    list_display = ["name", "kind", "level"]
    search_fields = ["name"]

    def get_extra_urlpatterns(self):
        return [
            path("enrol/<int:cohort_pk>/", views.EnrolCohortView.as_view(), name="enrol"),
        ]


class RequirementSetViewSet(BookingsViewSet):
    model = RequirementSet
    name = views.REQUIREMENTS
    icon = "list-ul"
    url_prefix = "certification/requirements"
    menu_label = "Requirements"
    index_view_class = views.RequirementSetIndexView
    add_view_class = views.RequirementSetCreateView
    edit_view_class = views.RequirementSetEditView
    list_display = [
        "award",
        "version",
        Column("enrolled", label="Enrolments"),
        "created_at",
    ]

    def get_extra_urlpatterns(self):
        return [
            path(
                "new-version/<int:award_pk>/",
                views.NewVersionView.as_view(),
                name="new_version",
            )
        ]


class CertificationMenu(ModelViewSetGroup):
    menu_label = "Certification"
    menu_icon = "pick"
    menu_order = 310
    items = (AwardViewSet, RequirementSetViewSet)


@hooks.register("register_admin_viewset")
def register_certification_admin():
    return CertificationMenu()
