from django.urls import path

from . import views

app_name = "certification"

urlpatterns = [
    path("", views.portfolios, name="portfolios"),
    path("moderation/", views.moderation, name="moderation"),
    path("welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
    path("coachee/<str:token>/", views.coachee, name="coachee"),
    path("<int:pk>/", views.portfolio, name="portfolio"),
    path("<int:pk>/diary/", views.diary, name="diary"),
    path("<int:pk>/diary/new/", views.session_add, name="session-add"),
    path("<int:pk>/diary/<int:session_pk>/", views.session_detail, name="session"),
    path("<int:pk>/diary/<int:session_pk>/edit/", views.session_edit, name="session-edit"),
    path("<int:pk>/diary/<int:session_pk>/links/", views.link_add, name="link-add"),
    path(
        "<int:pk>/diary/<int:session_pk>/links/<int:link_pk>/withdraw/",
        views.link_withdraw,
        name="link-withdraw",
    ),
    path("<int:pk>/cycles/new/", views.cycle_form, name="cycle-add"),
    path("<int:pk>/cycles/<int:cycle_pk>/edit/", views.cycle_form, name="cycle-edit"),
    path("<int:pk>/cycles/<int:cycle_pk>/impact/", views.impact, name="impact"),
    path("<int:pk>/log/", views.log, name="log"),
    path("<int:pk>/log/new/", views.entry_form, name="entry-add"),
    path("<int:pk>/log/<int:entry_pk>/edit/", views.entry_form, name="entry-edit"),
    path("<int:pk>/tasks/", views.tasks, name="tasks"),
    path("<int:pk>/tasks/<int:task_pk>/", views.task, name="task"),
    path("<int:pk>/files/", views.files, name="files"),
    path("<int:pk>/files/<int:file_pk>/", views.file_download, name="file"),
    path("<int:pk>/files/<int:file_pk>/remove/", views.file_remove, name="file-remove"),
    path("<int:pk>/portfolio.pdf", views.portfolio_pdf, name="pdf"),
    path("<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate"),
    path("<int:pk>/credential.json", views.credential_download, name="credential"),
    path("<int:pk>/submit/", views.submit_view, name="submit"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/submissions/<int:number>/", views.submission_detail, name="submission"),
    path(
        "<int:pk>/submissions/<int:number>/files/<int:file_pk>/",
        views.submission_file,
        name="submission-file",
    ),
    path("<int:pk>/submissions/<int:number>/review/", views.review_view, name="review"),
    path("<int:pk>/submissions/<int:number>/moderate/", views.moderate_view, name="moderate"),
]
