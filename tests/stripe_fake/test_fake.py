"""The fake Stripe, driven by the real `stripe` client (no database, no network)."""

import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.stripe_fake import FakeStripe, parse_form, sign_payload

API_KEY = "sk_test_fake"
SECRET = "whsec_test_fake"
SUCCESS_URL = "https://portal.example/bookings/B-ABC/paid?session={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://portal.example/bookings/B-ABC"


@pytest.fixture
def fake():
    with FakeStripe(api_key=API_KEY, webhook_secret=SECRET) as running:
        yield running


@pytest.fixture
def client(fake):
    return stripe.StripeClient(
        API_KEY, base_addresses={"api": fake.base_url}, max_network_retries=0
    )


def session_params(**overrides):
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 12000,
                    "product_data": {
                        "name": "Certificate in Coaching Competence",
                        "description": "Two days, Leeds",
                    },
                },
                "quantity": 2,
            }
        ],
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
        "expires_at": int(time.time()) + 60 * 60,
        "customer_email": "head@school.example",
        "client_reference_id": "B-ABC",
        "metadata": {"booking": "B-ABC"},
        "payment_intent_data": {"metadata": {"booking": "B-ABC"}, "description": "B-ABC"},
    }
    params.update(overrides)
    return params


def paid_session(client, fake, **overrides):
    session = client.v1.checkout.sessions.create(params=session_params(**overrides))
    fake.complete(session.id)
    return client.v1.checkout.sessions.retrieve(session.id)


class Receiver:
    """A tiny webhook endpoint: keeps what it is sent and answers `status`."""

    def __init__(self, status=200):
        self.status = status
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers), body))
                reply = b'{"received": true}'
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stripe/webhook/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser_request(url, data=None):
    """(status, headers, text) of a plain GET, or a form POST when `data` is given."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    try:
        with opener.open(url, data=data, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


# -- Checkout Sessions -------------------------------------------------------------------


def test_create_session_has_stripes_shape(client, fake):
    session = client.v1.checkout.sessions.create(params=session_params())

    assert re.fullmatch(r"cs_test_[A-Za-z0-9]{58}", session.id)
    assert session.object == "checkout.session"
    assert (session.amount_subtotal, session.amount_total) == (24000, 24000)
    assert session.currency == "gbp"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.payment_intent is None
    assert session.customer_details is None
    assert session.url == f"{fake.base_url}/pay/{session.id}"
    assert session.success_url == SUCCESS_URL
    assert session.cancel_url == CANCEL_URL
    assert session.customer_email == "head@school.example"
    assert session.client_reference_id == "B-ABC"
    assert session.metadata.to_dict() == {"booking": "B-ABC"}
    assert session.livemode is False
    assert isinstance(session.created, int)
    assert session.expires_at > session.created
    assert session.total_details.to_dict() == {
        "amount_discount": 0,
        "amount_shipping": 0,
        "amount_tax": 0,
    }
    assert session.payment_method_types == ["card"]
    # What was sent, as the client encoded it (form values are strings).
    method, path, params = fake.requests[-1]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert params["line_items"][0]["price_data"]["unit_amount"] == "12000"
    assert params["line_items"][0]["quantity"] == "2"
    assert params["metadata"] == {"booking": "B-ABC"}
    assert fake.sessions[session.id]["amount_total"] == 24000


def test_retrieve_and_expand_payment_intent(client, fake):
    session = client.v1.checkout.sessions.create(params=session_params())
    assert client.v1.checkout.sessions.retrieve(session.id).to_dict() == session.to_dict()

    completed = fake.complete(session.id)
    assert completed["status"] == "complete"
    assert completed["payment_status"] == "paid"
    assert completed["url"] is None
    # Checkout keeps the email the session was opened with.
    assert completed["customer_details"]["email"] == "head@school.example"

    plain = client.v1.checkout.sessions.retrieve(session.id)
    assert re.fullmatch(r"pi_[A-Za-z0-9]{24}", plain.payment_intent)

    expanded = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent", "payment_intent.latest_charge"]}
    )
    intent = expanded.payment_intent
    assert intent.id == plain.payment_intent
    assert intent.object == "payment_intent"
    assert (intent.amount, intent.amount_received, intent.currency) == (24000, 24000, "gbp")
    assert intent.status == "succeeded"
    assert intent.metadata.to_dict() == {"booking": "B-ABC"}
    assert intent.description == "B-ABC"
    assert intent.livemode is False
    charge = intent.latest_charge
    assert charge.object == "charge" and charge.id.startswith("ch_")
    assert (charge.amount, charge.amount_refunded, charge.paid) == (24000, 0, True)
    assert charge.payment_method_details.card.last4 == "4242"

    again = client.v1.payment_intents.retrieve(intent.id)
    assert again.latest_charge == charge.id
    assert fake.requests[-1] == ("GET", f"/v1/payment_intents/{intent.id}", {})


def test_line_items_list(client, fake):
    lines = [
        {
            "price_data": {
                "currency": "gbp",
                "unit_amount": amount,
                "product_data": {"name": f"Place {number}"},
            },
            "quantity": 1,
        }
        for number, amount in enumerate([12000, 9000, 3000], start=1)
    ]
    session = client.v1.checkout.sessions.create(params=session_params(line_items=lines))
    assert session.amount_total == 24000

    listed = client.v1.checkout.sessions.line_items.list(session.id)
    assert listed.object == "list"
    assert listed.has_more is False
    assert listed.url == f"/v1/checkout/sessions/{session.id}/line_items"
    assert [item.description for item in listed.data] == ["Place 1", "Place 2", "Place 3"]
    first = listed.data[0]
    assert first.object == "item" and first.id.startswith("li_")
    assert (first.amount_total, first.quantity, first.price.unit_amount) == (12000, 1, 12000)
    assert first.price.object == "price" and first.price.product.startswith("prod_")

    page = client.v1.checkout.sessions.line_items.list(
        session.id, params={"limit": 2, "expand": ["data.price.product"]}
    )
    assert len(page.data) == 2 and page.has_more is True
    assert page.data[1].price.product.name == "Place 2"
    rest = client.v1.checkout.sessions.line_items.list(
        session.id, params={"starting_after": page.data[1].id}
    )
    assert [item.description for item in rest.data] == ["Place 3"]


def test_expire(client, fake):
    session = client.v1.checkout.sessions.create(params=session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert fake.sessions[session.id]["status"] == "expired"

    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.expire(session.id)
    assert error.value.http_status == 400
    assert error.value.user_message == (
        'Only Checkout Sessions with a status in ["open"] can be expired. '
        "This Checkout Session has a status of `expired`."
    )

    paid = paid_session(client, fake)
    with pytest.raises(stripe.InvalidRequestError, match="status of `complete`"):
        client.v1.checkout.sessions.expire(paid.id)

    other = client.v1.checkout.sessions.create(params=session_params())
    assert fake.expire(other.id)["status"] == "expired"


def test_session_expires_by_itself_when_its_time_is_up(client, fake):
    session = client.v1.checkout.sessions.create(params=session_params())
    fake.clock = lambda: session.expires_at
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"success_url": None}, "success_url"),
        ({"mode": None}, "mode"),
        ({"line_items": None}, "line_items"),
        ({"expires_at": int(time.time()) + 10 * 60}, "expires_at"),
        ({"expires_at": int(time.time()) + 25 * 60 * 60}, "expires_at"),
        ({"success_url": "not a url"}, "success_url"),
        ({"customer_email": "nobody"}, "customer_email"),
        ({"payment_method_types": ["card"]}, "payment_method_types"),
        ({"colour": "blue"}, "colour"),
        ({"discounts": [{"coupon": "HALF"}]}, "discounts"),
    ],
)
def test_create_session_refuses_what_stripe_refuses(client, fake, overrides, param):
    params = {k: v for k, v in session_params(**overrides).items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.create(params=params)
    assert error.value.http_status == 400
    assert error.value.param == param
    assert fake.sessions == {}


def test_create_session_checks_each_line(client):
    line = session_params()["line_items"][0]
    no_quantity = {"price_data": line["price_data"]}
    euros = {**line, "price_data": {**line["price_data"], "currency": "eur"}}
    too_cheap = {**line, "price_data": {**line["price_data"], "unit_amount": 10}, "quantity": 1}
    cases = [
        ([line, no_quantity], "line_items[1][quantity]"),
        ([line, euros], "line_items[1][price_data][currency]"),
        ([{**line, "price_data": {**line["price_data"], "unit_amount": -1}}], None),
    ]
    for lines, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as error:
            client.v1.checkout.sessions.create(params=session_params(line_items=lines))
        assert error.value.param == (param or "line_items[0][price_data][unit_amount]")
    with pytest.raises(stripe.InvalidRequestError, match="at least £0.30 gbp"):
        client.v1.checkout.sessions.create(params=session_params(line_items=[too_cheap]))


def test_allowed_payment_method_types_and_a_delayed_payment(client, fake):
    session = client.v1.checkout.sessions.create(
        params=session_params(allowed_payment_method_types=["card", "bacs_debit"])
    )
    assert session.payment_method_types == ["card", "bacs_debit"]

    completed = fake.complete(session.id, payment_status="unpaid", email="bursar@school.example")
    assert (completed["status"], completed["payment_status"]) == ("complete", "unpaid")
    assert completed["customer_details"]["email"] == "bursar@school.example"
    intent = client.v1.payment_intents.retrieve(completed["payment_intent"])
    assert (intent.status, intent.amount_received) == ("processing", 0)
    assert intent.payment_method_types == ["bacs_debit"]
    assert fake.charges[intent.latest_charge]["status"] == "pending"

    settled = fake.settle(session.id)
    assert settled["payment_status"] == "paid"
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_a_delayed_payment_that_fails(client, fake):
    session = client.v1.checkout.sessions.create(params=session_params())
    fake.complete(session.id, payment_status="unpaid")
    failed = fake.settle(session.id, succeeded=False)
    assert (failed["status"], failed["payment_status"]) == ("complete", "unpaid")
    intent = fake.payment_intents[failed["payment_intent"]]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["code"] == "insufficient_funds"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"payment_intent": intent["id"]})
    assert error.value.code == "charge_not_refundable"


# -- Refunds -----------------------------------------------------------------------------


def test_refunds_whole_and_part(client, fake):
    session = paid_session(client, fake)

    part = client.v1.refunds.create(
        params={
            "payment_intent": session.payment_intent,
            "amount": 9000,
            "reason": "requested_by_customer",
            "metadata": {"booking": "B-ABC"},
        }
    )
    assert re.fullmatch(r"re_[A-Za-z0-9]{24}", part.id)
    assert (part.object, part.status, part.amount, part.currency) == (
        "refund",
        "succeeded",
        9000,
        "gbp",
    )
    assert part.payment_intent == session.payment_intent
    assert part.reason == "requested_by_customer"
    assert part.metadata.to_dict() == {"booking": "B-ABC"}
    charge = fake.charges[part.charge]
    assert (charge["amount_refunded"], charge["refunded"]) == (9000, False)

    rest = client.v1.refunds.create(params={"payment_intent": session.payment_intent})
    assert rest.amount == 15000
    assert (charge["amount_refunded"], charge["refunded"]) == (24000, True)
    assert client.v1.refunds.retrieve(part.id).to_dict() == part.to_dict()
    assert set(fake.refunds) == {part.id, rest.id}

    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"payment_intent": session.payment_intent, "amount": 1})
    assert error.value.code == "charge_already_refunded"


def test_refund_larger_than_what_is_left_is_refused(client, fake):
    session = paid_session(client, fake)
    client.v1.refunds.create(params={"payment_intent": session.payment_intent, "amount": 20000})

    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"payment_intent": session.payment_intent, "amount": 5000})
    assert error.value.http_status == 400
    assert error.value.param == "amount"
    assert error.value.code == "amount_too_large"
    assert error.value.user_message == (
        "Refund amount (£50.00) is greater than unrefunded amount on charge (£40.00)"
    )
    assert len(fake.refunds) == 1


def test_refund_needs_a_payment(client, fake):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"amount": 100})
    assert error.value.param == "payment_intent"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"payment_intent": "pi_missing"})
    assert (error.value.http_status, error.value.code) == (400, "resource_missing")


# -- Protocol: keys, idempotency, errors --------------------------------------------------


def test_idempotency_key_replays_and_refuses_other_parameters(client, fake):
    options = {"idempotency_key": "booking-B-ABC-checkout-1"}
    # Built once: its expires_at comes from the clock, and a retry resends the same body.
    params = session_params()
    first = client.v1.checkout.sessions.create(params=params, options=options)
    again = client.v1.checkout.sessions.create(params=params, options=options)
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(fake.sessions) == 1

    with pytest.raises(stripe.IdempotencyError) as error:
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="B-XYZ"), options=options
        )
    assert error.value.http_status == 400
    assert "can only be used with the same parameters" in error.value.user_message
    assert len(fake.sessions) == 1

    session = paid_session(client, fake)
    refund_options = {"idempotency_key": "refund-1"}
    params = {"payment_intent": session.payment_intent, "amount": 1000}
    one = client.v1.refunds.create(params=params, options=refund_options)
    two = client.v1.refunds.create(params=params, options=refund_options)
    assert one.id == two.id
    assert fake.charges[one.charge]["amount_refunded"] == 1000


def test_a_wrong_key_is_refused(fake):
    wrong = stripe.StripeClient(
        "sk_test_other", base_addresses={"api": fake.base_url}, max_network_retries=0
    )
    with pytest.raises(stripe.AuthenticationError) as error:
        wrong.v1.checkout.sessions.create(params=session_params())
    assert error.value.http_status == 401
    assert error.value.json_body["error"]["type"] == "invalid_request_error"
    assert fake.sessions == {}


def test_unknown_ids_are_404(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.retrieve("cs_x")
    assert error.value.http_status == 404
    assert error.value.json_body["error"] == {
        "code": "resource_missing",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
        "message": "No such checkout.session: 'cs_x'",
        "param": "id",
        "type": "invalid_request_error",
        "request_log_url": error.value.json_body["error"]["request_log_url"],
    }
    with pytest.raises(stripe.InvalidRequestError, match="No such payment_intent: 'pi_x'"):
        client.v1.payment_intents.retrieve("pi_x")
    with pytest.raises(stripe.InvalidRequestError, match="No such refund: 're_x'"):
        client.v1.refunds.retrieve("re_x")


def test_fail_next(client, fake):
    fake.fail_next(503)
    with pytest.raises(stripe.APIError) as error:
        client.v1.checkout.sessions.create(params=session_params())
    assert error.value.http_status == 503
    assert error.value.json_body["error"]["type"] == "api_error"
    assert fake.sessions == {}
    assert client.v1.checkout.sessions.create(params=session_params()).status == "open"

    # A client that retries gets through one failure (with the same idempotency key, as the
    # failure was not kept); Stripe-Should-Retry: false stops it.
    retrying = stripe.StripeClient(
        API_KEY, base_addresses={"api": fake.base_url}, max_network_retries=2
    )
    fake.fail_next(503)
    retrying.v1.checkout.sessions.create(params=session_params())
    first_try, retry = fake.requests[-2:]
    assert first_try == retry
    assert len(fake.sessions) == 2
    fake.fail_next(500, should_retry=False)
    requests_before = len(fake.requests)
    with pytest.raises(stripe.APIError):
        retrying.v1.checkout.sessions.create(params=session_params())
    assert len(fake.requests) == requests_before + 1
    assert len(fake.sessions) == 2


def test_parse_form():
    assert parse_form(
        "line_items[0][price_data][unit_amount]=12000&line_items[0][quantity]=1"
        "&metadata[booking]=B-ABC&metadata[0]=zero&expand[0]=payment_intent&expand[]=line_items"
        "&customer_email="
    ) == {
        "line_items": [{"price_data": {"unit_amount": "12000"}, "quantity": "1"}],
        "metadata": {"booking": "B-ABC", "0": "zero"},
        "expand": ["payment_intent", "line_items"],
        "customer_email": "",
    }


# -- Webhooks ----------------------------------------------------------------------------


def test_signed_events_verify_with_the_stripe_client(client, fake):
    session = paid_session(client, fake)
    event = fake.event("checkout.session.completed", session)
    assert re.fullmatch(r"evt_[A-Za-z0-9]{24}", event["id"])
    assert event["object"] == "event"
    assert event["api_version"] == "2026-10-28.endive"
    assert event["data"]["object"]["id"] == session.id
    assert (event["livemode"], event["pending_webhooks"]) == (False, 1)
    assert event["request"] == {"id": None, "idempotency_key": None}

    payload = json.dumps(event).encode()
    now = int(time.time())
    verified = client.construct_event(payload, sign_payload(payload, SECRET, now), SECRET)
    assert verified.type == "checkout.session.completed"
    assert verified.data.object.payment_intent == session.payment_intent

    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(payload, sign_payload(payload, "whsec_wrong", now), SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(payload, sign_payload(payload, SECRET, now - 600), SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(payload + b" ", sign_payload(payload, SECRET, now), SECRET)


def test_send_webhook(client, fake, receiver):
    event = fake.event("checkout.session.expired", {"id": "cs_test_x"}, event_id="evt_1")
    status, body = fake.send_webhook(receiver.url, event)
    assert (status, json.loads(body)) == (200, {"received": True})
    path, headers, payload = receiver.received[-1]
    assert path == "/stripe/webhook/"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(payload) == event
    assert client.construct_event(payload, headers["Stripe-Signature"], SECRET).id == "evt_1"

    fake.send_webhook(receiver.url, event, signature_header="t=1,v1=nonsense")
    assert receiver.received[-1][1]["Stripe-Signature"] == "t=1,v1=nonsense"
    fake.send_webhook(receiver.url, event, secret="whsec_other", timestamp=1_700_000_000)
    header = receiver.received[-1][1]["Stripe-Signature"]
    assert header == sign_payload(receiver.received[-1][2], "whsec_other", 1_700_000_000)

    receiver.status = 400
    assert fake.send_webhook(receiver.url, event)[0] == 400


# -- The hosted page ---------------------------------------------------------------------


def test_pay_page_pays_redirects_and_sends_the_webhook(client, fake, receiver):
    fake.webhook_url = receiver.url
    session = client.v1.checkout.sessions.create(params=session_params())

    status, headers, page = browser_request(session.url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert '<html lang="en">' in page
    assert "<main>" in page and "<h1>" in page
    assert "£240.00" in page
    assert "Certificate in Coaching Competence" in page
    assert f'<form method="post" action="/pay/{session.id}">' in page
    assert '<button type="submit">Pay £240.00</button>' in page
    assert f'<a href="{CANCEL_URL}">Back</a>' in page

    status, headers, _ = browser_request(session.url, data=b"")
    assert status == 303
    assert headers["Location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)
    assert fake.sessions[session.id]["status"] == "complete"

    (_, webhook_headers, payload), *_ = receiver.received
    event = client.construct_event(payload, webhook_headers["Stripe-Signature"], SECRET)
    assert event.type == "checkout.session.completed"
    assert event.data.object.id == session.id
    assert event.data.object.payment_status == "paid"
    assert event.data.object.payment_intent == fake.sessions[session.id]["payment_intent"]

    # Paid: the page says so, and paying again is refused.
    assert "This payment is complete." in browser_request(session.url)[2]
    assert browser_request(session.url, data=b"")[0] == 400
    assert len(receiver.received) == 1


def test_pay_page_without_webhooks(client, fake, receiver):
    fake.webhook_url = receiver.url
    fake.auto_webhook = False
    session = client.v1.checkout.sessions.create(params=session_params())
    assert browser_request(session.url, data=b"")[0] == 303
    assert receiver.received == []
    assert browser_request(f"{fake.base_url}/pay/cs_test_missing")[0] == 404
