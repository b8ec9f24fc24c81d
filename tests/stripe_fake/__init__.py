"""A local fake of the parts of Stripe's API the booking portal uses, for tests, the browser
tests and the benchmark. It runs the real `stripe` client against a ThreadingHTTPServer on
127.0.0.1; nothing here reaches api.stripe.com.

    with FakeStripe(api_key="sk_test_fake", webhook_secret="whsec_test_fake") as fake:
        client = stripe.StripeClient("sk_test_fake", base_addresses={"api": fake.base_url})

Covered (API version 2026-10-28.endive, shapes from stripe/openapi's fixtures, kept in
`recorded/` and filled in at run time):

- Checkout Sessions in `mode=payment` with inline `price_data` line items: create (with
  Stripe's validation: required params, unknown params, `expires_at` between 30 minutes
  and 24 hours, one currency, the currency's minimum charge), retrieve (with `expand`),
  list line items, expire; an open session expires by itself once `expires_at` passes.
- PaymentIntents and Charges (GET only), created when a session is completed, by card
  (paid at once) or by a delayed method such as Bacs Direct Debit (processing, then
  `settle()` makes it succeed or fail). A charge's `receipt_url` is a page of the fake.
- Refunds: create (whole, part, refused when too large), retrieve; they update the charge.
- Bearer authentication, Stripe's error bodies, `Idempotency-Key` replay and conflicts,
  injected failures (`fail_next`), a record of every API request (`fake.requests`).
- Webhooks: events shaped like Stripe's, signed with Stripe's scheme (`sign_payload`),
  POSTed to a URL; a hosted "Checkout" page at `/pay/{id}` for a browser to pay on.

Not covered: other modes (setup, subscription), saved `price`/`product` ids, customers,
discounts, tax, shipping, manual capture, Connect, disputes, list/search endpoints, pending
or failed refunds, webhook retries, automatic events other than the `checkout.session.
completed` that `/pay/{id}` sends. Those parameters are refused with a 400 that says so,
rather than silently ignored. `payment_method_types` is refused as on the real API since
2026-09-30.endive (use `allowed_payment_method_types`). Only results of successful
requests are kept for idempotent replay; requests that fail validation can be retried with
the same key, as on Stripe.
"""

from .fake import API_VERSION, FakeStripe, FakeStripeError, parse_form, sign_payload

__all__ = ["API_VERSION", "FakeStripe", "FakeStripeError", "parse_form", "sign_payload"]
