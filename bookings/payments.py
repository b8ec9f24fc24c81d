"""How a booking can be paid for. Pay by invoice is always offered; card payment
(Stripe Checkout, the next issue) is added to these choices when its keys are set."""

from .models import InvoicingSettings, PaymentMethod


def payment_method_choices():
    days = InvoicingSettings.load().payment_terms_days
    return [
        (
            PaymentMethod.INVOICE,
            f"By invoice: we email a VAT invoice, payable by bank transfer within {days} days",
        )
    ]
