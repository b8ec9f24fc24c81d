from django.urls import path

from . import report_views

app_name = "reports"

urlpatterns = [
    path("progress/", report_views.progress_report, name="progress"),
    path("impact/<int:pk>/", report_views.impact, name="impact"),
    path("partnerships/", report_views.partnerships, name="partnerships"),
    path("impact/<int:pk>/report.pdf", report_views.impact_pdf, name="impact-pdf"),
]
