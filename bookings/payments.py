"""How a booking can be paid for: by invoice always; by card (Stripe Checkout) when the
Stripe keys are set."""

from .models import InvoicingSettings, PaymentMethod
from .stripe_gateway import card_payments_enabled

CARD_UNAVAILABLE_NOTE = "Card payment is not available at the moment: please choose an invoice."


def payment_method_choices():
    days = InvoicingSettings.load().payment_terms_days
    choices = [
        (
            PaymentMethod.INVOICE,
            f"By invoice: we email a VAT invoice, payable by bank transfer within {days} days",
        )
    ]
    if card_payments_enabled():
        choices.append(
            (
                PaymentMethod.CARD,
                "By card now: you pay securely on Stripe's page and we hold your places "
                "for 30 minutes while you do",
            )
        )
    return choices
