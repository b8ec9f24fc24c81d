from django.urls import path

from . import qa_views

app_name = "qa"

urlpatterns = [
    path("", qa_views.visits, name="visits"),
    path("<int:pk>/", qa_views.visit, name="visit"),
    path("<int:pk>/record/", qa_views.record, name="record"),
    path("<int:pk>/report.pdf", qa_views.report_pdf, name="report"),
    path("<int:pk>/calendar.ics", qa_views.calendar, name="calendar"),
]
