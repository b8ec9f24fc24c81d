from django.urls import path

from . import change_views, register_views, views, waiting_views

app_name = "bookings"

urlpatterns = [
    path("book/<int:cohort_id>/", views.book, name="book"),
    path("book/<int:cohort_id>/review/<uuid:key>/", views.review, name="review"),
    path("book/<int:cohort_id>/waiting-list/", waiting_views.join, name="waiting-join"),
    path("waiting-list/<str:token>/", waiting_views.offer, name="waiting-offer"),
    path("waiting-list/<str:token>/leave/", waiting_views.leave, name="waiting-leave"),
    path("registers/", register_views.registers, name="registers"),
    path("registers/<int:session_id>/", register_views.register, name="register"),
    path("registers/<int:session_id>.pdf", register_views.register_pdf, name="register-pdf"),
    path("confirm-email/<str:token>/", views.confirm_email_view, name="confirm-email"),
    path(
        "dates/<int:cohort_id>/calendar.ics",
        views.cohort_calendar_view,
        name="cohort-calendar",
    ),
    path("invoices/<str:number>.pdf", views.invoice_pdf, name="invoice-pdf"),
    path("feeds/delegate/<str:token>.ics", change_views.delegate_feed, name="delegate-feed"),
    path("<str:reference>/", views.booking_detail, name="booking-detail"),
    path("<str:reference>/delegates/", views.name_delegates_view, name="name-delegates"),
    path("<str:reference>/calendar.ics", views.booking_calendar, name="booking-calendar"),
    path("<str:reference>/cancel/", change_views.cancel, name="cancel"),
    path(
        "<str:reference>/delegates/<int:delegate_id>/change/",
        change_views.substitute,
        name="substitute",
    ),
    path(
        "<str:reference>/delegates/<int:delegate_id>/reset-feed/",
        change_views.reset_feed,
        name="reset-feed",
    ),
]
