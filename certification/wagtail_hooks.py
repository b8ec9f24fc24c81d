"""Certification in the Wagtail admin: awards and their requirement versions."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup

from bookings.wagtail_hooks import BookingsViewSet

from . import admin_views as views
from .models import (
    Award,
    Certificate,
    CoachingTeam,
    CoachingTrio,
    Enrolment,
    QAVisit,
    RequirementSet,
)


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


class EnrolmentViewSet(BookingsViewSet):
    """Who is enrolled, their assessor and school. Enrolments are made from a cohort
    ("Enrol on an award"); here the office changes the assessor or the school."""

    model = Enrolment
    name = "certification_enrolments"
    icon = "user"
    url_prefix = "certification/enrolments"
    menu_label = "Enrolments"
    enabled_views = ("index", "index_results", "edit", "history", "history_results")
    list_display = [
        "participant",
        "requirement_set",
        "organisation",
        "assessor",
        "status",
        Column("portfolio", label="Portfolio", accessor="portfolio_link"),
    ]
    list_filter = ["status", "requirement_set__award", "academic_year"]
    search_fields = ["participant__email", "participant__last_name"]

    def get_form_class(self, for_update=False):
        return views.EnrolmentForm


class CoachingTeamViewSet(BookingsViewSet):
    """Each school's coaching leads (progress as numbers) and its one impact lead (reads
    the coaching diary, writes impact statements)."""

    model = CoachingTeam
    name = "certification_teams"
    icon = "group"
    url_prefix = "certification/coaching-teams"
    menu_label = "Coaching teams"
    list_display = ["organisation", "impact_lead"]
    search_fields = ["organisation__name"]
    form_fields = ["organisation", "impact_lead", "coaching_leads"]


class QAVisitViewSet(BookingsViewSet):
    """QA visits: scheduled here, recorded by the assessor on the public site."""

    model = QAVisit
    name = "certification_qa_visits"
    icon = "date"
    url_prefix = "certification/qa-visits"
    menu_label = "QA visits"
    list_display = [
        "organisation",
        "award",
        "starts_at",
        "assessor",
        "status",
        "outcome",
        Column("page", label="Visit", accessor="page_link"),
    ]
    list_filter = ["status", "outcome", "award"]
    search_fields = ["organisation__name"]
    index_view_class = views.QAVisitIndexView
    add_view_class = views.QAVisitCreateView
    edit_view_class = views.QAVisitEditView

    def get_form_class(self, for_update=False):
        return views.QAVisitForm


class CertificateViewSet(BookingsViewSet):
    """Issued certificates: never edited here; revoked or reissued with a reason.
    Issuing starts from a date ("Issue certificates" on the dates list)."""

    model = Certificate
    name = views.CERTIFICATES
    icon = "doc-full"
    url_prefix = "certification/certificates"
    menu_label = "Certificates"
    enabled_views = ("index", "index_results")
    index_view_class = views.CertificateIndexView
    list_display = ["number", "holder_name", "award_name", "issued_on", "status"]
    list_filter = ["status", "award"]
    search_fields = ["number", "holder_name"]

    def get_extra_urlpatterns(self):
        return [
            path("issue/<int:cohort_pk>/", views.IssueCohortView.as_view(), name="issue"),
            path("batch/<int:pk>/", views.BatchView.as_view(), name="batch"),
            path("revoke/<int:pk>/", views.RevokeView.as_view(), name="revoke"),
            path("reissue/<int:pk>/", views.ReissueView.as_view(), name="reissue"),
        ]


class CoachingTrioViewSet(BookingsViewSet):
    """Cross-school coaching trios from partnership courses, for the yearly figure."""

    model = CoachingTrio
    name = "certification_trios"
    icon = "group"
    url_prefix = "certification/trios"
    menu_label = "Coaching trios"
    list_display = ["name", "academic_year"]
    list_filter = ["academic_year"]
    search_fields = ["name"]
    form_fields = ["name", "academic_year", "members"]


class CertificationMenu(ModelViewSetGroup):
    menu_label = "Certification"
    menu_icon = "pick"
    menu_order = 310
    items = (
        AwardViewSet,
        RequirementSetViewSet,
        EnrolmentViewSet,
        CoachingTeamViewSet,
        QAVisitViewSet,
        CertificateViewSet,
        CoachingTrioViewSet,
    )


@hooks.register("register_admin_viewset")
def register_certification_admin():
    return CertificationMenu()


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("certification.view_portfolio")


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    """The certification reports live on the site; the office reaches them from here."""
    return ReportsMenuItem(
        "Certification reports", reverse("reports:progress"), icon_name="table", order=320
    )
