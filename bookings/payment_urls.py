from django.urls import path

from . import payment_views

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", payment_views.stripe_webhook, name="stripe-webhook"),
    path("card/return/", payment_views.card_return, name="card-return"),
    path("card/booking/<str:reference>/", payment_views.pay_booking, name="pay-booking"),
    path("card/invoice/<str:number>/", payment_views.pay_invoice, name="pay-invoice"),
]
