"""The fake's server, state and test controls; see the package docstring for its scope."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import socket
import string
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"
DEFAULT_EMAIL = "booker@school.example"
DEFAULT_NAME = "Sam Booker"
WEBHOOK_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"

_RECORDED = Path(__file__).with_name("recorded")
_TEMPLATES = {
    path.stem: json.loads(path.read_text(encoding="utf-8")) for path in _RECORDED.glob("*.json")
}
_ALNUM = string.ascii_letters + string.digits

# Smallest amount Stripe will charge, in the currency's minor unit (a few common ones).
_MINIMUM_CHARGE = {"gbp": 30, "eur": 50, "usd": 50}
_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx"}
_SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}
# Payment methods that settle days later: the session completes "unpaid" and the
# PaymentIntent waits in "processing".
_DELAYED_METHODS = ("bacs_debit", "sepa_debit", "us_bank_account", "au_becs_debit", "acss_debit")
_REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")

# Parameters of the real endpoints (stripe-python 16.1.0's *Params, less request options).
# A name outside these is refused as Stripe refuses it; a name in _UNSIMULATED is real but
# changes what Stripe would do in ways this fake does not model, so it is refused too.
_SESSION_PARAMS = {
    "adaptive_pricing", "after_expiration", "allow_promotion_codes",
    "allowed_payment_method_types", "automatic_tax", "billing_address_collection",
    "branding_settings", "cancel_url", "client_reference_id", "consent_collection", "currency",
    "custom_fields", "custom_text", "customer", "customer_account", "customer_creation",
    "customer_email", "customer_update", "discounts", "excluded_payment_method_types",
    "expand", "expires_at", "integration_identifier", "invoice_creation", "line_items",
    "locale", "managed_payments", "metadata", "mode", "name_collection", "optional_items",
    "origin_context", "payment_intent_data", "payment_method_collection",
    "payment_method_configuration", "payment_method_data", "payment_method_options",
    "permissions", "phone_number_collection", "redirect_on_completion", "return_url",
    "saved_payment_method_options", "setup_intent_data", "shipping_address_collection",
    "shipping_options", "submit_type", "subscription_data", "success_url",
    "tax_id_collection", "ui_mode", "wallet_options",
}  # fmt: skip
_SESSION_UNSIMULATED = {
    "customer", "customer_account", "customer_update", "discounts", "optional_items",
    "shipping_options", "subscription_data", "setup_intent_data", "payment_method_data",
    "redirect_on_completion", "return_url", "managed_payments", "after_expiration",
}  # fmt: skip
_LINE_ITEM_PARAMS = {"adjustable_quantity", "metadata", "price", "price_data", "quantity"}
_LINE_ITEM_UNSIMULATED = {"tax_rates", "dynamic_tax_rates"}
_PRICE_DATA_PARAMS = {
    "currency", "product", "product_data", "recurring", "tax_behavior", "unit_amount",
    "unit_amount_decimal",
}  # fmt: skip
_PRODUCT_DATA_PARAMS = {
    "description", "images", "metadata", "name", "tax_code", "tax_details", "unit_label",
}  # fmt: skip
_PAYMENT_INTENT_DATA_PARAMS = {
    "application_fee_amount", "capture_method", "description", "metadata", "on_behalf_of",
    "receipt_email", "setup_future_usage", "shipping", "statement_descriptor",
    "statement_descriptor_suffix", "transfer_data", "transfer_group",
}  # fmt: skip
_PAYMENT_INTENT_DATA_UNSIMULATED = {"application_fee_amount", "on_behalf_of", "transfer_data"}
_REFUND_PARAMS = {
    "amount", "charge", "currency", "customer", "expand", "instructions_email", "metadata",
    "origin", "payment_intent", "reason", "refund_application_fee", "reverse_transfer",
}  # fmt: skip
_REFUND_UNSIMULATED = {
    "customer",
    "instructions_email",
    "origin",
    "refund_application_fee",
    "reverse_transfer",
}
_LIST_PARAMS = {"ending_before", "expand", "limit", "starting_after"}


class FakeStripeError(Exception):
    """An error the fake answers as Stripe would (status and `{"error": {...}}` body).

    The test controls (`complete`, `expire`, ...) raise it too, for unknown ids or a
    session in the wrong state."""

    def __init__(
        self,
        status,
        message,
        *,
        type="invalid_request_error",
        code=None,
        param=None,
        headers=None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self):
        error = {}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        error["message"] = self.message
        if self.param:
            error["param"] = self.param
        error["type"] = self.type
        return {"error": error}


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """Stripe's webhook signature: `t=<ts>,v1=<hex HMAC-SHA256 of "<ts>." + payload>`."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    signed = f"{int(timestamp)}.".encode() + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={int(timestamp)},v1={digest}"


# -- form bodies -------------------------------------------------------------------------

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def parse_form(pairs):
    """Stripe's form encoding into nested dicts and lists: `a[b][0][c]=1` is
    {"a": {"b": [{"c": "1"}]}}, `expand[]=x` appends. Values stay strings, as sent.
    `pairs` is a query string or a list of (key, value)."""
    if isinstance(pairs, bytes):
        pairs = pairs.decode("utf-8")
    if isinstance(pairs, str):
        pairs = parse_qsl(pairs, keep_blank_values=True)
    root = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise FakeStripeError(400, f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *_BRACKETS.findall(match.group(2))]
        node = root
        for position, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            if position == len(parts) - 1:
                if isinstance(node.get(part), dict):
                    raise FakeStripeError(400, f"Invalid hash: {key}", param=key)
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise FakeStripeError(400, f"Invalid hash: {key}", param=key)
                node = child
    return _listify(root, "")


def _listify(node, name):
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value, key) for key, value in node.items()}
    if node and name != "metadata" and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


# -- small helpers -----------------------------------------------------------------------


def _random(length):
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def _template(name):
    return copy.deepcopy(_TEMPLATES[name])


def _join(prefix, name):
    return f"{prefix}[{name}]" if prefix else name


def _missing(param):
    return FakeStripeError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def _check_known(params, allowed, prefix="", unsimulated=()):
    if not isinstance(params, dict):
        raise FakeStripeError(400, f"Invalid hash: {prefix}", param=prefix or None)
    for name in params:
        param = _join(prefix, name)
        if name not in allowed and name not in unsimulated:
            raise FakeStripeError(
                400,
                f"Received unknown parameter: {param}",
                code="parameter_unknown",
                param=param,
            )
        if name in unsimulated:
            raise FakeStripeError(
                400,
                f"FakeStripe does not simulate `{param}`; extend tests/stripe_fake if the "
                "portal needs it.",
                param=param,
            )


def _require(params, name, prefix=""):
    value = params.get(name)
    if value is None or value == "" or value == {} or value == []:
        raise _missing(_join(prefix, name))
    return value


def _integer(value, param, *, minimum=0):
    text = str(value)
    if not re.fullmatch(r"-?\d+", text):
        raise FakeStripeError(
            400, f"Invalid integer: {text}", code="parameter_invalid_integer", param=param
        )
    number = int(text)
    if number < minimum:
        word = "positive" if minimum > 0 else "non-negative"
        raise FakeStripeError(
            400, f"Invalid {word} integer", code="parameter_invalid_integer", param=param
        )
    return number


def _metadata(value, param):
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise FakeStripeError(400, f"Invalid hash: {param}", param=param)
    if len(value) > 50:
        raise FakeStripeError(
            400, "Invalid metadata: metadata cannot have more than 50 keys", param=param
        )
    for key, item in value.items():
        if len(key) > 40:
            raise FakeStripeError(
                400,
                "Invalid metadata: keys can be a maximum of 40 characters long",
                param=f"{param}[{key}]",
            )
        if len(str(item)) > 500:
            raise FakeStripeError(
                400,
                "Invalid metadata: values can be a maximum of 500 characters long",
                param=f"{param}[{key}]",
            )
    return {key: str(item) for key, item in value.items() if item != ""}


def _url(value, param):
    if not re.match(r"^https?://[^\s/]+", str(value)):
        raise FakeStripeError(400, "Not a valid URL", code="url_invalid", param=param)
    return value


def _string_list(value, param):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FakeStripeError(400, f"Invalid array: {param}", param=param)
    return value


def format_amount(amount, currency):
    """£240.00, €12.50, $5.00; otherwise `12.50 CHF`."""
    currency = currency.lower()
    major, minor = divmod(amount, 100)
    text = f"{amount:,}" if currency in _ZERO_DECIMAL else f"{major:,}.{minor:02d}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


# -- the fake ----------------------------------------------------------------------------


class FakeStripe:
    """A local Stripe. Start it (or use it as a context manager), then point a
    `stripe.StripeClient` at `base_url`. All state is in plain dicts by id; every method
    that reads or changes it holds `lock`."""

    def __init__(
        self,
        api_key="sk_test_fake",
        webhook_secret="whsec_test_fake",
        *,
        host="127.0.0.1",
        port=0,
        clock=time.time,
    ):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.host = host
        self.port = port
        # Used for `created`, `expires_at` rules and expiry; replace it to move time on.
        self.clock = clock
        self.webhook_url = None
        self.auto_webhook = True
        self.lock = threading.RLock()
        self.sessions = {}
        self.payment_intents = {}
        self.charges = {}
        self.refunds = {}
        self.products = {}
        self.line_items = {}  # session id -> list of line item objects
        self.requests = []  # (method, path, params) of every API request received
        self.webhooks_sent = []  # (url, event, status, body); status None if unreachable
        self._session_options = {}  # session id -> what create said about its payment
        self._idempotent = {}
        self._failures = []
        self._server = None
        self._thread = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _Handler)
        server.fake = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-stripe-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def base_url(self):
        if self._server is None:
            raise RuntimeError("FakeStripe is not running; call start() first.")
        return f"http://{self.host}:{self.port}"

    def _now(self):
        return int(self.clock())

    # -- test controls -------------------------------------------------------------------

    def complete(self, session_id, *, payment_status="paid", email=None, name=DEFAULT_NAME):
        """The customer pays: the session becomes "complete" with a PaymentIntent and a
        Charge. "paid" is a card payment (succeeded at once); "unpaid" is a delayed method
        such as Bacs Direct Debit (PaymentIntent "processing" until `settle`). The customer's
        email is `email` if given, else the session's `customer_email` (as on Stripe,
        where the customer cannot change it), else booker@school.example."""
        if payment_status not in ("paid", "unpaid"):
            raise ValueError('payment_status is "paid" or "unpaid"')
        with self.lock:
            session = self._session(session_id)
            self._refresh(session)
            if session["status"] != "open":
                raise FakeStripeError(
                    400,
                    f"This Checkout Session is not open (its status is {session['status']}).",
                )
            email = email or session["customer_email"] or DEFAULT_EMAIL
            methods = session["payment_method_types"]
            if payment_status == "paid":
                method = "card" if "card" in methods else methods[0]
            else:
                method = next((m for m in methods if m in _DELAYED_METHODS), "bacs_debit")
            intent = self._new_payment_intent(session, method, paid=payment_status == "paid")
            self._new_charge(intent, method, email=email, name=name)
            details = _template("checkout_session_customer_details")
            details.update(email=email, name=name)
            session.update(
                status="complete",
                payment_status=payment_status,
                payment_intent=intent["id"],
                customer_details=details,
                collected_information=_template("checkout_session_collected_information"),
                url=None,
            )
            return copy.deepcopy(session)

    def settle(self, session_id, *, succeeded=True):
        """A delayed payment (completed "unpaid") clears or fails."""
        with self.lock:
            session = self._session(session_id)
            intent = self.payment_intents.get(session["payment_intent"] or "")
            if intent is None or intent["status"] != "processing":
                raise FakeStripeError(
                    400, "Only a session completed with payment_status='unpaid' can settle."
                )
            charge = self.charges[intent["latest_charge"]]
            if succeeded:
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge.update(
                    status="succeeded",
                    paid=True,
                    balance_transaction="txn_" + _random(24),
                )
                charge["outcome"].update(
                    network_status="approved_by_network",
                    seller_message="Payment complete.",
                    type="authorized",
                )
                session["payment_status"] = "paid"
            else:
                failure = "The customer's account has insufficient funds to cover this payment."
                intent.update(
                    status="requires_payment_method",
                    payment_method=None,
                    last_payment_error={
                        "code": "insufficient_funds",
                        "doc_url": "https://stripe.com/docs/error-codes/insufficient-funds",
                        "message": failure,
                        "type": "card_error",
                    },
                )
                charge.update(
                    status="failed",
                    paid=False,
                    captured=False,
                    amount_captured=0,
                    failure_code="insufficient_funds",
                    failure_message=failure,
                )
                charge["outcome"].update(
                    network_status="declined_by_network",
                    reason="insufficient_funds",
                    seller_message="The bank returned the decline code `insufficient_funds`.",
                    type="issuer_declined",
                )
            return copy.deepcopy(session)

    def expire(self, session_id):
        """As POST /v1/checkout/sessions/{id}/expire."""
        with self.lock:
            return copy.deepcopy(self._expire(session_id))

    def event(self, type, data_object, *, event_id=None, created=None):
        """An Event as Stripe sends it to a webhook endpoint."""
        if hasattr(data_object, "to_dict"):
            data_object = data_object.to_dict()
        event = _template("event")
        event.update(
            id=event_id or "evt_" + _random(24),
            created=self._now() if created is None else int(created),
            data={"object": copy.deepcopy(data_object)},
            type=type,
        )
        return event

    def send_webhook(self, url, event, *, secret=None, timestamp=None, signature_header=None):
        """POST the event to `url` as Stripe does; answer (status, body text). Redirects are
        not followed (Stripe counts them as failures). Raises URLError if unreachable."""
        payload = json.dumps(event).encode("utf-8")
        if signature_header is None:
            signature_header = sign_payload(
                payload,
                self.webhook_secret if secret is None else secret,
                int(time.time()) if timestamp is None else int(timestamp),
            )
        request = urllib.request.Request(  # noqa: S310 - the caller's (local) receiver
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": signature_header,
                "User-Agent": WEBHOOK_USER_AGENT,
            },
        )
        try:
            with _OPENER.open(request, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        text = body.decode("utf-8", "replace")
        with self.lock:
            self.webhooks_sent.append((url, event, status, text))
        return status, text

    def fail_next(self, status=500, *, times=1, message=None, should_retry=None):
        """The next `times` API requests answer a Stripe `api_error` with this status.
        The stripe client retries 5xx answers when max_network_retries > 0, unless
        `should_retry=False` (sent as Stripe's `Stripe-Should-Retry: false`). Failed
        requests are not kept for idempotent replay, so a retry with the same key runs."""
        headers = {}
        if should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if should_retry else "false"
        error = FakeStripeError(
            status,
            message or "An unknown error occurred",
            type="api_error",
            headers=headers,
        )
        with self.lock:
            self._failures.extend([error] * times)

    # -- objects -------------------------------------------------------------------------

    def _session(self, session_id, param="id"):
        session = self.sessions.get(session_id)
        if session is None:
            raise FakeStripeError(
                404 if param == "id" else 400,
                f"No such checkout.session: '{session_id}'",
                code="resource_missing",
                param=param,
            )
        return session

    def _refresh(self, session):
        """An open session whose time is up has expired (Stripe does this by itself)."""
        if session["status"] == "open" and self._now() >= session["expires_at"]:
            session.update(status="expired", url=None)

    def _expire(self, session_id):
        session = self._session(session_id)
        self._refresh(session)
        if session["status"] != "open":
            raise FakeStripeError(
                400,
                'Only Checkout Sessions with a status in ["open"] can be expired. '
                f"This Checkout Session has a status of `{session['status']}`.",
            )
        session.update(status="expired", url=None)
        return session

    def _new_payment_intent(self, session, method, *, paid):
        options = self._session_options[session["id"]]
        intent = _template("payment_intent")
        intent_id = "pi_" + _random(24)
        intent.update(
            id=intent_id,
            amount=session["amount_total"],
            amount_received=session["amount_total"] if paid else 0,
            client_secret=f"{intent_id}_secret_{_random(25)}",
            created=self._now(),
            currency=session["currency"],
            description=options.get("description"),
            metadata=dict(options.get("metadata", {})),
            payment_method="pm_" + _random(24),
            payment_method_types=[method],
            payment_method_options=(
                intent["payment_method_options"] if method == "card" else {method: {}}
            ),
            processing=None,
            receipt_email=options.get("receipt_email"),
            setup_future_usage=options.get("setup_future_usage"),
            shipping=options.get("shipping"),
            statement_descriptor=options.get("statement_descriptor"),
            statement_descriptor_suffix=options.get("statement_descriptor_suffix"),
            status="succeeded" if paid else "processing",
            transfer_group=options.get("transfer_group"),
        )
        self.payment_intents[intent_id] = intent
        return intent

    def _new_charge(self, intent, method, *, email, name):
        charge = _template("charge")
        charge_id = "ch_" + _random(24)
        paid = intent["status"] == "succeeded"
        details = copy.deepcopy(
            _TEMPLATES["charge_payment_method_details"].get(method, {"type": method, method: {}})
        )
        if method == "card":
            details["card"]["amount_authorized"] = intent["amount"]
            details["card"]["overcapture"]["maximum_amount_capturable"] = intent["amount"]
        charge.update(
            id=charge_id,
            amount=intent["amount"],
            amount_captured=intent["amount"],
            balance_transaction="txn_" + _random(24) if paid else None,
            created=self._now(),
            currency=intent["currency"],
            description=intent["description"],
            metadata=dict(intent["metadata"]),
            paid=paid,
            payment_intent=intent["id"],
            payment_method=intent["payment_method"],
            payment_method_details=details,
            receipt_email=intent["receipt_email"],
            receipt_url=f"{self.base_url}/receipts/{charge_id}" if self._server else None,
            status="succeeded" if paid else "pending",
        )
        charge["billing_details"].update(email=email, name=name)
        if not paid:
            charge["outcome"].update(
                network_status="approved_by_network",
                seller_message="Payment is pending.",
                type="authorized",
            )
        intent["latest_charge"] = charge_id
        self.charges[charge_id] = charge
        return charge

    def _line_item_list(self, session_id, params=None):
        params = params or {}
        items = self.line_items[session_id]
        limit = _integer(params.get("limit", 10), "limit", minimum=1)
        if limit > 100:
            raise FakeStripeError(
                400,
                f"This value must be less than or equal to 100 (it currently is '{limit}').",
                param="limit",
            )
        ids = [item["id"] for item in items]
        start, end = 0, len(items)
        for cursor, param in (("starting_after", "starting_after"), ("ending_before", None)):
            value = params.get(cursor)
            if value is None:
                continue
            if value not in ids:
                raise FakeStripeError(
                    400, f"No such line item: '{value}'", code="resource_missing", param=cursor
                )
            if param:
                start = ids.index(value) + 1
            else:
                end = ids.index(value)
        if "ending_before" in params and "starting_after" not in params:
            start = max(0, end - limit)
        page = items[start:end][:limit]
        return {
            "object": "list",
            "data": copy.deepcopy(page),
            "has_more": start + len(page) < end,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }

    # -- expansion -----------------------------------------------------------------------

    _STORES = {
        "cs_": "sessions",
        "pi_": "payment_intents",
        "ch_": "charges",
        "re_": "refunds",
        "prod_": "products",
    }

    def _expand(self, obj, params):
        paths = params.get("expand") or []
        paths = _string_list(paths, "expand")
        for path in paths:
            parts = path.split(".")
            if len(parts) > 4:
                raise FakeStripeError(
                    400,
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    param="expand",
                )
            self._expand_path(obj, parts, path)
        return obj

    def _expand_path(self, obj, parts, path):
        if not isinstance(obj, dict):
            return
        field, rest = parts[0], parts[1:]
        if obj.get("object") == "list" and field == "data":
            for item in obj["data"]:
                if rest:
                    self._expand_path(item, rest, path)
            return
        if field == "line_items" and obj.get("object") == "checkout.session":
            obj["line_items"] = self._line_item_list(obj["id"])
        elif field in ("id", "object") or field not in obj:
            raise FakeStripeError(
                400, f"This property cannot be expanded ({path}).", param="expand"
            )
        value = obj[field]
        if isinstance(value, str):
            stores = [getattr(self, n) for p, n in self._STORES.items() if value.startswith(p)]
            store = stores[0] if stores else None
            if store is None or value not in store:
                raise FakeStripeError(
                    400,
                    f"FakeStripe cannot expand {path} ({value} is not an object it keeps).",
                    param="expand",
                )
            target = store[value]
            if target["object"] == "checkout.session":
                self._refresh(target)
            value = obj[field] = copy.deepcopy(target)
        if rest and value is not None:
            self._expand_path(value, rest, path)

    # -- API endpoints -------------------------------------------------------------------

    def _create_session(self, params):
        _check_known(params, _SESSION_PARAMS, unsimulated=_SESSION_UNSIMULATED)
        mode = _require(params, "mode")
        if mode not in ("payment", "setup", "subscription"):
            raise FakeStripeError(
                400,
                f"Invalid mode: must be one of payment, setup, or subscription (got {mode!r})",
                param="mode",
            )
        if mode != "payment":
            raise FakeStripeError(400, "FakeStripe only simulates mode=payment.", param="mode")
        if params.get("ui_mode") not in (None, "hosted"):
            raise FakeStripeError(400, "FakeStripe only simulates ui_mode=hosted.", param="ui_mode")
        automatic_tax = params.get("automatic_tax") or {}
        if isinstance(automatic_tax, dict) and automatic_tax.get("enabled") == "true":
            raise FakeStripeError(
                400,
                "FakeStripe does not simulate automatic tax.",
                param="automatic_tax[enabled]",
            )
        success_url = _url(_require(params, "success_url"), "success_url")
        cancel_url = params.get("cancel_url")
        if cancel_url is not None:
            _url(cancel_url, "cancel_url")
        lines = _require(params, "line_items")
        if not isinstance(lines, list):
            raise FakeStripeError(400, "Invalid array", param="line_items")
        now = self._now()
        parsed = [self._parse_line(line, index) for index, line in enumerate(lines)]
        currency = parsed[0]["currency"]
        for index, line in enumerate(parsed):
            if line["currency"] != currency:
                raise FakeStripeError(
                    400,
                    "Checkout does not support multiple currencies: line_items[0] is in "
                    f"{currency} and line_items[{index}] in {line['currency']}.",
                    param=f"line_items[{index}][price_data][currency]",
                )
        if "currency" in params and params["currency"].lower() != currency:
            raise FakeStripeError(
                400, "`currency` must match the line items' currency.", param="currency"
            )
        total = sum(line["unit_amount"] * line["quantity"] for line in parsed)
        minimum = _MINIMUM_CHARGE.get(currency)
        if minimum and total < minimum:
            raise FakeStripeError(
                400,
                "The Checkout Session's total amount due must add up to at least "
                f"{format_amount(minimum, currency)} {currency}",
            )
        if "expires_at" in params:
            expires_at = _integer(params["expires_at"], "expires_at")
            if expires_at < now + 30 * 60:
                raise FakeStripeError(
                    400,
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout "
                    "Session creation.",
                    param="expires_at",
                )
            if expires_at > now + 24 * 60 * 60:
                raise FakeStripeError(
                    400,
                    "The `expires_at` timestamp must be less than 24 hours from Checkout "
                    "Session creation.",
                    param="expires_at",
                )
        else:
            expires_at = now + 24 * 60 * 60
        email = params.get("customer_email")
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise FakeStripeError(
                400, f"Invalid email address: {email}", code="email_invalid", param="customer_email"
            )
        reference = params.get("client_reference_id")
        if reference is not None and len(reference) > 200:
            raise FakeStripeError(
                400,
                "client_reference_id must be at most 200 characters",
                param="client_reference_id",
            )
        intent_data = params.get("payment_intent_data") or {}
        _check_known(
            intent_data,
            _PAYMENT_INTENT_DATA_PARAMS,
            "payment_intent_data",
            _PAYMENT_INTENT_DATA_UNSIMULATED,
        )
        if intent_data.get("capture_method") not in (None, "automatic", "automatic_async"):
            raise FakeStripeError(
                400,
                "FakeStripe does not simulate manual capture.",
                param="payment_intent_data[capture_method]",
            )
        options = {
            key: value
            for key, value in intent_data.items()
            if key not in ("metadata", "capture_method")
        }
        options["metadata"] = _metadata(
            intent_data.get("metadata"), "payment_intent_data[metadata]"
        )
        allowed = params.get("allowed_payment_method_types")
        if allowed is not None:
            allowed = _string_list(allowed, "allowed_payment_method_types")
        excluded = params.get("excluded_payment_method_types")
        if excluded is not None:
            excluded = _string_list(excluded, "excluded_payment_method_types")
        methods = [m for m in (allowed or ["card"]) if m not in (excluded or [])]
        if not methods:
            raise FakeStripeError(
                400,
                "No valid payment method types for this Checkout Session.",
                param="allowed_payment_method_types",
            )

        session_id = "cs_test_" + _random(58)
        session = _template("checkout_session")
        session.update(
            id=session_id,
            allowed_payment_method_types=allowed,
            amount_subtotal=total,
            amount_total=total,
            cancel_url=cancel_url,
            client_reference_id=reference,
            created=now,
            currency=currency,
            customer_email=email,
            excluded_payment_method_types=excluded,
            expires_at=expires_at,
            metadata=_metadata(params.get("metadata"), "metadata"),
            payment_method_types=methods,
            success_url=success_url,
            url=f"{self.base_url}/pay/{session_id}",
        )
        for name in ("locale", "submit_type", "billing_address_collection", "customer_creation"):
            if params.get(name):
                session[name] = params[name]
        if params.get("allow_promotion_codes") is not None:
            session["allow_promotion_codes"] = params["allow_promotion_codes"] == "true"
        self.sessions[session_id] = session
        self._session_options[session_id] = options
        self.line_items[session_id] = [self._new_line_item(line, now) for line in parsed]
        return session

    def _parse_line(self, line, index):
        prefix = f"line_items[{index}]"
        _check_known(line, _LINE_ITEM_PARAMS, prefix, _LINE_ITEM_UNSIMULATED)
        if "price" in line and "price_data" not in line:
            raise FakeStripeError(
                400,
                f"No such price: '{line['price']}'",
                code="resource_missing",
                param=f"{prefix}[price]",
            )
        data = _require(line, "price_data", prefix)
        data_prefix = f"{prefix}[price_data]"
        _check_known(data, _PRICE_DATA_PARAMS, data_prefix)
        if "recurring" in data:
            raise FakeStripeError(
                400,
                "You must be in `subscription` mode to specify a recurring price.",
                param=f"{data_prefix}[recurring]",
            )
        if "product" in data and "product_data" not in data:
            raise FakeStripeError(
                400,
                f"No such product: '{data['product']}'",
                code="resource_missing",
                param=f"{data_prefix}[product]",
            )
        currency = str(_require(data, "currency", data_prefix)).lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise FakeStripeError(
                400, f"Invalid currency: {currency}", param=f"{data_prefix}[currency]"
            )
        if "unit_amount" not in data and "unit_amount_decimal" in data:
            raise FakeStripeError(
                400,
                "FakeStripe does not simulate unit_amount_decimal; send unit_amount.",
                param=f"{data_prefix}[unit_amount_decimal]",
            )
        amount = _integer(_require(data, "unit_amount", data_prefix), f"{data_prefix}[unit_amount]")
        product = _require(data, "product_data", data_prefix)
        product_prefix = f"{data_prefix}[product_data]"
        _check_known(product, _PRODUCT_DATA_PARAMS, product_prefix)
        name = _require(product, "name", product_prefix)
        quantity = _integer(_require(line, "quantity", prefix), f"{prefix}[quantity]", minimum=1)
        return {
            "currency": currency,
            "unit_amount": amount,
            "quantity": quantity,
            "name": name,
            "description": product.get("description") or None,
            "images": _string_list(product.get("images") or [], f"{product_prefix}[images]"),
            "product_metadata": _metadata(product.get("metadata"), f"{product_prefix}[metadata]"),
            "metadata": _metadata(line.get("metadata"), f"{prefix}[metadata]"),
            "tax_behavior": data.get("tax_behavior") or "unspecified",
            "unit_label": product.get("unit_label") or None,
            "tax_code": product.get("tax_code") or None,
        }

    def _new_line_item(self, line, now):
        product = _template("product")
        product.update(
            id="prod_" + _random(14),
            created=now,
            description=line["description"],
            images=line["images"],
            metadata=line["product_metadata"],
            name=line["name"],
            tax_code=line["tax_code"],
            unit_label=line["unit_label"],
            updated=now,
        )
        self.products[product["id"]] = product
        item = _template("line_item")
        subtotal = line["unit_amount"] * line["quantity"]
        item.update(
            id="li_" + _random(24),
            amount_subtotal=subtotal,
            amount_total=subtotal,
            currency=line["currency"],
            description=line["name"],
            metadata=line["metadata"],
            quantity=line["quantity"],
        )
        item["price"].update(
            id="price_" + _random(24),
            created=now,
            currency=line["currency"],
            product=product["id"],
            tax_behavior=line["tax_behavior"],
            unit_amount=line["unit_amount"],
            unit_amount_decimal=str(line["unit_amount"]),
        )
        return item

    def _create_refund(self, params):
        _check_known(params, _REFUND_PARAMS, unsimulated=_REFUND_UNSIMULATED)
        intent_id, charge_id = params.get("payment_intent"), params.get("charge")
        if not intent_id and not charge_id:
            raise FakeStripeError(
                400,
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                code="parameter_missing",
                param="payment_intent",
            )
        intent = charge = None
        if intent_id:
            intent = self.payment_intents.get(intent_id)
            if intent is None:
                raise FakeStripeError(
                    400,
                    f"No such payment_intent: '{intent_id}'",
                    code="resource_missing",
                    param="payment_intent",
                )
            charge = self.charges.get(intent["latest_charge"] or "")
        if charge_id:
            by_id = self.charges.get(charge_id)
            if by_id is None:
                raise FakeStripeError(
                    400, f"No such charge: '{charge_id}'", code="resource_missing", param="charge"
                )
            if charge is not None and charge["id"] != charge_id:
                raise FakeStripeError(
                    400, f"Charge {charge_id} does not belong to {intent_id}.", param="charge"
                )
            charge = by_id
        if charge is None or charge["status"] != "succeeded":
            raise FakeStripeError(
                400,
                "This PaymentIntent does not have a successful charge to refund.",
                code="charge_not_refundable",
                param="payment_intent" if intent_id else "charge",
            )
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        if remaining <= 0:
            raise FakeStripeError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        currency = charge["currency"]
        if "currency" in params and params["currency"].lower() != currency:
            raise FakeStripeError(400, f"Invalid currency: {params['currency']}", param="currency")
        if "amount" in params:
            amount = _integer(params["amount"], "amount", minimum=1)
        else:
            amount = remaining
        if amount > remaining:
            raise FakeStripeError(
                400,
                f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
                f"amount on charge ({format_amount(remaining, currency)})",
                code="amount_too_large",
                param="amount",
            )
        reason = params.get("reason") or None
        if reason is not None and reason not in _REFUND_REASONS:
            raise FakeStripeError(
                400,
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                param="reason",
            )
        refund = _template("refund")
        refund.update(
            id="re_" + _random(24),
            amount=amount,
            balance_transaction="txn_" + _random(24),
            charge=charge["id"],
            created=self._now(),
            currency=currency,
            metadata=_metadata(params.get("metadata"), "metadata"),
            payment_intent=charge["payment_intent"],
            reason=reason,
        )
        method = charge["payment_method_details"]["type"]
        if method != "card":
            refund["destination_details"] = None
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        self.refunds[refund["id"]] = refund
        return refund

    def _retrieve(self, store, kind, object_id):
        obj = getattr(self, store).get(object_id)
        if obj is None:
            raise FakeStripeError(
                404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id"
            )
        return obj

    # -- request handling ----------------------------------------------------------------

    _ROUTES = (
        ("POST", re.compile(r"^/v1/checkout/sessions$"), "create_session"),
        ("GET", re.compile(r"^/v1/checkout/sessions/([^/]+)$"), "get_session"),
        ("GET", re.compile(r"^/v1/checkout/sessions/([^/]+)/line_items$"), "list_line_items"),
        ("POST", re.compile(r"^/v1/checkout/sessions/([^/]+)/expire$"), "expire_session"),
        ("GET", re.compile(r"^/v1/payment_intents/([^/]+)$"), "get_payment_intent"),
        ("GET", re.compile(r"^/v1/charges/([^/]+)$"), "get_charge"),
        ("POST", re.compile(r"^/v1/refunds$"), "create_refund"),
        ("GET", re.compile(r"^/v1/refunds/([^/]+)$"), "get_refund"),
    )

    def _call(self, name, params, args):
        if name == "create_session":
            return self._expand(copy.deepcopy(self._create_session(params)), params)
        if name == "create_refund":
            return self._expand(copy.deepcopy(self._create_refund(params)), params)
        (object_id,) = args
        if name == "list_line_items":
            _check_known(params, _LIST_PARAMS)
            self._session(object_id)
            return self._expand(self._line_item_list(object_id, params), params)
        _check_known(params, {"expand"})
        if name == "get_session":
            session = self._session(object_id)
            self._refresh(session)
            obj = session
        elif name == "expire_session":
            obj = self._expire(object_id)
        elif name == "get_payment_intent":
            obj = self._retrieve("payment_intents", "payment_intent", object_id)
        elif name == "get_charge":
            obj = self._retrieve("charges", "charge", object_id)
        else:
            obj = self._retrieve("refunds", "refund", object_id)
        return self._expand(copy.deepcopy(obj), params)

    def _authenticate(self, headers):
        authorization = headers.get("Authorization") or ""
        scheme, _, key = authorization.partition(" ")
        if not key:
            raise FakeStripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for "
                "details, or we can help at https://support.stripe.com/.",
                headers={"WWW-Authenticate": 'Bearer realm="Stripe"'},
            )
        if scheme != "Bearer" or not hmac.compare_digest(key.encode(), self.api_key.encode()):
            shown = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else key
            raise FakeStripeError(
                401,
                f"Invalid API Key provided: {shown}",
                headers={"WWW-Authenticate": 'Bearer realm="Stripe"'},
            )

    def handle_api(self, method, target, body, headers):
        """One API request; answers (status, headers, body bytes). Used by the server."""
        split = urlsplit(target)
        path = split.path
        request_id = "req_" + _random(14)
        response_headers = {
            "Content-Type": "application/json",
            "Request-Id": request_id,
            "Stripe-Version": headers.get("Stripe-Version") or API_VERSION,
        }
        key = headers.get("Idempotency-Key") if method == "POST" else None
        if key:
            response_headers["Idempotency-Key"] = key
        with self.lock:
            try:
                params = parse_form(split.query if method != "POST" else body)
            except FakeStripeError as error:
                self.requests.append((method, path, {}))
                return self._error_response(error, request_id, response_headers)
            self.requests.append((method, path, params))
            try:
                return self._answer(method, path, params, headers, request_id, response_headers)
            except FakeStripeError as error:
                return self._error_response(error, request_id, response_headers)
            except Exception as error:  # a bug in the fake: say so rather than hang up
                crash = FakeStripeError(
                    500,
                    f"FakeStripe failed on this request: {error!r}",
                    type="api_error",
                    headers={"Stripe-Should-Retry": "false"},
                )
                return self._error_response(crash, request_id, response_headers)

    def _answer(self, method, path, params, headers, request_id, response_headers):
        self._authenticate(headers)
        key = response_headers.get("Idempotency-Key")
        if self._failures:
            raise self._failures.pop(0)
        routes = [
            (name, match)
            for route_method, pattern, name in self._ROUTES
            if route_method == method and (match := pattern.match(path))
        ]
        if not routes:
            raise FakeStripeError(
                404,
                f"Unrecognized request URL ({method}: {path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
        name, match = routes[0]
        if key:
            stored = self._idempotent.get((self.api_key, key))
            if stored is not None:
                if (stored["method"], stored["path"]) != (method, path):
                    raise FakeStripeError(
                        400,
                        "Keys for idempotent requests can only be used for the same endpoint "
                        f"they were first used for ('{method} {path}' vs '{stored['method']} "
                        f"{stored['path']}'). Try using a key other than '{key}' if you meant "
                        "to execute a different request.",
                        type="idempotency_error",
                    )
                if stored["params"] != params:
                    raise FakeStripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                response_headers.update(
                    {"Idempotent-Replayed": "true", "Original-Request": stored["id"]}
                )
                return stored["status"], response_headers, stored["body"]
        result = self._call(name, params, match.groups())
        payload = json.dumps(result, indent=2).encode("utf-8")
        if key:
            self._idempotent[(self.api_key, key)] = {
                "method": method,
                "path": path,
                "params": params,
                "status": 200,
                "body": payload,
                "id": request_id,
            }
        return 200, response_headers, payload

    @staticmethod
    def _error_response(error, request_id, response_headers):
        body = error.body()
        body["error"]["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        response_headers.update(error.headers)
        return error.status, response_headers, json.dumps(body, indent=2).encode("utf-8")

    # -- the browser pages ---------------------------------------------------------------

    def handle_page(self, method, target, body):
        path = urlsplit(target).path
        match = re.fullmatch(r"/pay/([^/]+)", path)
        if match:
            if method == "GET":
                return self._pay_page(match.group(1))
            if method == "POST":
                return self._pay(match.group(1))
        match = re.fullmatch(r"/receipts/([^/]+)", path)
        if match and method == "GET":
            return self._receipt_page(match.group(1))
        return _html(404, "Not found", "<p>There is no page at this address.</p>")

    def _pay_page(self, session_id):
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                return _html(404, "Not found", "<p>There is no Checkout Session here.</p>")
            self._refresh(session)
            session = copy.deepcopy(session)
            items = copy.deepcopy(self.line_items[session_id])
            products = {
                item["price"]["product"]: self.products[item["price"]["product"]] for item in items
            }
        currency = session["currency"]
        total = format_amount(session["amount_total"], currency)
        back = ""
        if session["cancel_url"]:
            back = f'<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>'
        if session["status"] != "open":
            state = "is complete" if session["status"] == "complete" else "has expired"
            return _html(200, "Checkout", f"<h1>Checkout</h1><p>This payment {state}.</p>{back}")
        rows = []
        for item in items:
            description = products[item["price"]["product"]]["description"]
            detail = f"<br><small>{html.escape(description)}</small>" if description else ""
            rows.append(
                f'<tr><th scope="row">{html.escape(item["description"])}{detail}</th>'
                f"<td>{item['quantity']}</td>"
                f"<td>{format_amount(item['price']['unit_amount'], currency)}</td>"
                f"<td>{format_amount(item['amount_total'], currency)}</td></tr>"
            )
        email = ""
        if session["customer_email"]:
            email = f"<p>Paying as {html.escape(session['customer_email'])}</p>"
        content = f"""<h1>Checkout</h1>
<p>Test mode: this is a local fake of Stripe Checkout and no money moves.</p>
{email}
<table>
<caption>Your order</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Quantity</th>
<th scope="col">Unit price</th><th scope="col">Amount</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
<tfoot><tr><th scope="row" colspan="3">Total due</th><td>{total}</td></tr></tfoot>
</table>
<form method="post" action="/pay/{html.escape(session_id)}">
<button type="submit">Pay {total}</button>
</form>
{back}"""
        return _html(200, f"Pay {total}", content)

    def _pay(self, session_id):
        try:
            session = self.complete(session_id)
        except FakeStripeError as error:
            status = 404 if error.status == 404 else 400
            return _html(status, "Checkout", f"<h1>Checkout</h1><p>{html.escape(str(error))}</p>")
        if self.webhook_url and self.auto_webhook:
            event = self.event("checkout.session.completed", session)
            try:
                self.send_webhook(self.webhook_url, event)
            except (urllib.error.URLError, OSError) as error:
                with self.lock:
                    self.webhooks_sent.append((self.webhook_url, event, None, str(error)))
        location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        return 303, {"Location": location, "Content-Type": "text/plain"}, b""

    def _receipt_page(self, charge_id):
        with self.lock:
            charge = copy.deepcopy(self.charges.get(charge_id))
        if charge is None:
            return _html(404, "Not found", "<p>There is no receipt here.</p>")
        amount = format_amount(charge["amount"], charge["currency"])
        refunded = ""
        if charge["amount_refunded"]:
            refunded = (
                f"<p>Refunded: {format_amount(charge['amount_refunded'], charge['currency'])}</p>"
            )
        return _html(200, "Receipt", f"<h1>Receipt</h1><p>Amount paid: {amount}</p>{refunded}")


def _html(status, title, content):
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – Fake Stripe Checkout</title>
<style>
body {{ font-family: system-ui, sans-serif; color: #1a1a1a; background: #fff; margin: 2rem; }}
main {{ max-width: 36rem; margin: 0 auto; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
caption {{ text-align: left; font-weight: bold; }}
th, td {{ text-align: left; padding: .4rem; border-bottom: 1px solid #767676; }}
button {{ font-size: 1.1rem; padding: .6rem 1.2rem; color: #fff; background: #3d35b5;
  border: 0; border-radius: 4px; }}
button:focus {{ outline: 3px solid #1a1a1a; outline-offset: 2px; }}
a {{ color: #3d35b5; }}
</style>
</head>
<body>
<main>
{content}
</main>
</body>
</html>
"""
    return status, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8")


# -- HTTP plumbing -----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# No proxies (the receivers are local) and no redirects (Stripe does not follow them).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


class _Server(ThreadingHTTPServer):
    """Keeps its open connections, so that stop() also ends the kept-alive ones."""

    daemon_threads = True
    allow_reuse_address = True
    fake: FakeStripe

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeStripe/1.0"
    timeout = 30  # an idle kept-alive connection's thread ends after this
    disable_nagle_algorithm = True  # else each kept-alive answer waits ~40 ms for an ACK

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.server.fake
        if urlsplit(self.path).path.startswith("/v1/"):
            status, headers, payload = fake.handle_api(method, self.path, body, self.headers)
        else:
            status, headers, payload = fake.handle_page(method, self.path, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
