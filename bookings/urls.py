from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("book/<int:cohort_id>/", views.book, name="book"),
    path("book/<int:cohort_id>/review/<uuid:key>/", views.review, name="review"),
    path("confirm-email/<str:token>/", views.confirm_email_view, name="confirm-email"),
    path(
        "dates/<int:cohort_id>/calendar.ics",
        views.cohort_calendar_view,
        name="cohort-calendar",
    ),
    path("invoices/<str:number>.pdf", views.invoice_pdf, name="invoice-pdf"),
    path("<str:reference>/", views.booking_detail, name="booking-detail"),
    path("<str:reference>/delegates/", views.name_delegates_view, name="name-delegates"),
    path("<str:reference>/calendar.ics", views.booking_calendar, name="booking-calendar"),
]
