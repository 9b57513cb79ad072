"""The emulator's request pipeline, independent of the HTTP server that feeds it.

One API request goes: injected fault (before) -> authentication -> parameters
-> route -> idempotency (replay, mismatch, or run and record) -> handler ->
JSON, and possibly an injected fault after the commit. ``Emulator.handle``
returns a :class:`Response` telling the server what to write, or to close or
reset the connection instead.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from stripe_emulator import errors, params
from stripe_emulator.errors import ApiError
from stripe_emulator.faults import Fault, FaultBook
from stripe_emulator.persistence import StateFile
from stripe_emulator.rendering import render
from stripe_emulator.resources import ROUTES
from stripe_emulator.resources.charges import settle_processing
from stripe_emulator.resources.payment_intents import public_view
from stripe_emulator.router import Router
from stripe_emulator.store import DEFAULT_API_VERSION, IdempotencyRecord, RequestContext, Store
from stripe_emulator.webhooks import Dispatcher

MAX_IDEMPOTENCY_KEY_LENGTH = 255
ACCOUNT_SCOPED = ("retrieve_balance",)  # handlers that honour the Stripe-Account header
#: What Stripe.js may do with a publishable key: make a PaymentMethod, and read, update (its
#: payment method) or confirm a PaymentIntent whose client_secret it holds.
PUBLISHABLE = ("create_payment_method", "retrieve_payment_intent", "update_payment_intent",
               "confirm_payment_intent")
#: Stripe's API answers browsers (Stripe.js) from any origin.
CORS = {"Access-Control-Allow-Origin": "*"}


@dataclass
class Response:
    """What the server must do: answer, or (``action``) close or reset after ``delay`` s."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: str | None = None
    delay: float = 0.0


def dump(document: Any) -> bytes:
    return json.dumps(document, indent=2).encode() + b"\n"


class Emulator:
    """State, faults, webhooks and the API pipeline of one emulated Stripe account."""

    def __init__(self, *, api_keys: tuple[str, ...] | None = None, seed: int | None = None,
                 retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0), webhook_timeout: float = 5.0,
                 ach_settle_seconds: float | None = None, log_errors: bool = True,
                 state_path: str | None = None) -> None:
        self.api_keys = api_keys
        self.store = Store(seed=seed)
        self.faults = FaultBook()
        self.dispatcher = Dispatcher(self.store, retry_delays, webhook_timeout)
        self.store.on_event = self.dispatcher.enqueue
        self.store.on_processing = self._schedule_settle
        self.ach_settle_seconds = ach_settle_seconds
        self.log_errors = log_errors
        self.router = Router(ROUTES)
        self._timers: list[threading.Timer] = []
        #: ``state_path``: the state is loaded from this JSON file and kept in it (persistence.py).
        self.state_file = StateFile(self.store, state_path) if state_path else None
        if self.state_file is not None:
            self.state_file.load()

    def start(self) -> None:
        self.dispatcher.start()
        if self.state_file is not None:  # bank debits left processing by the last run settle too
            for pi in self.store.all("payment_intent")[::-1]:
                if pi["status"] == "processing":
                    self._schedule_settle(pi["id"])

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self.dispatcher.stop()
        self.persist()

    def persist(self) -> None:
        """Write the state file, when there is one and the state changed since it was written."""
        if self.state_file is not None:
            self.state_file.save()

    def reset(self) -> None:
        """Forget all objects, events, idempotency keys, faults and deliveries.

        Webhook endpoints given at start-up (command line, ``run_emulator``) are kept.
        """
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.faults.clear()
        self.dispatcher.reset()
        self.store.reset(keep=lambda obj: bool(self.store.hidden[obj["id"]].get("static")))

    def _schedule_settle(self, payment_intent: str) -> None:
        if self.ach_settle_seconds is None:
            return
        timer = threading.Timer(self.ach_settle_seconds, self._settle, args=(payment_intent,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _settle(self, payment_intent: str) -> None:
        settle_processing(self.store, payment_intent)
        self.persist()

    def handle_api(self, method: str, target: str, headers: Mapping[str, str], body: bytes,
                   base_url: str) -> Response:
        """Serve one ``/v1`` request. ``headers`` has lower-case names."""
        request_id = "req_" + self.store.token(14)
        split = urlsplit(target)
        fault = self.faults.take(method, split.path)
        if fault is not None and not fault.after_commit:
            return self._fault_before(fault, request_id)
        try:
            query = split.query if method in ("GET", "DELETE") else body.decode("utf-8", "replace")
            pairs = parse_qsl(query, keep_blank_values=True)
            form_key = next((value for name, value in pairs if name == "key"), None)
            pairs = [(name, value) for name, value in pairs if name != "key"]
            api_key = self._authenticate(headers, form_key)
            decoded = params.decode(pairs)
            route = self.router.match(method, split.path)
            if route is None:
                raise errors.ApiError(404, "invalid_request_error",
                                      f"Unrecognized request URL ({method}: {split.path}). "
                                      "Please see https://stripe.com/docs or we can help at "
                                      "https://support.stripe.com/.")
            if api_key.startswith("pk_") and route[0].__name__ not in PUBLISHABLE:
                raise errors.authentication(
                    "This API call cannot be made with a publishable API key. Please use a "
                    "secret API key. You can find a list of your API keys at "
                    "https://dashboard.stripe.com/account/apikeys.")
            if headers.get("stripe-account") and route[0].__name__ not in ACCOUNT_SCOPED:
                raise errors.invalid_request(
                    "This emulator acts on connected accounts only through Transfers; the "
                    f"Stripe-Account header is supported on {', '.join(ACCOUNT_SCOPED)} only.")
        except ApiError as exc:
            return self._error_response(exc, request_id)
        ctx = RequestContext(request_id, headers.get("idempotency-key") if method == "POST" else None,
                             headers.get("stripe-version") or DEFAULT_API_VERSION, base_url,
                             headers.get("stripe-account"), api_key.startswith("pk_"))
        response = self._run_idempotently(api_key, ctx, method, split.path, pairs,
                                          lambda: self._execute(route, ctx, decoded))
        if fault is not None:
            response.action = "close" if fault.fault == "timeout_after_commit" else "reset"
            response.delay = fault.delay
        return response

    def _fault_before(self, fault: Fault, request_id: str) -> Response:
        if fault.fault == "reset":
            return Response(0, action="reset", delay=fault.delay)
        if fault.fault == "error_500":
            error = errors.server_error()
        elif fault.fault == "error_409":
            error = errors.in_progress()
        else:
            error = errors.rate_limited(fault.code)
        return self._error_response(error, request_id)

    def _authenticate(self, headers: Mapping[str, str], form_key: str | None = None) -> str:
        """The request's API key: a secret key (Authorization header) or, as Stripe.js sends
        it, a publishable key in the ``key`` parameter."""
        if form_key is not None and not headers.get("authorization"):
            if form_key.startswith("pk_test_"):
                return form_key
            raise errors.authentication(
                f"Invalid API Key provided: {form_key[:8]}{'*' * 12}{form_key[-4:]}")
        header = headers.get("authorization", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential + "==").decode("utf-8", "replace")
            except ValueError:
                decoded = ""
            credential = decoded.split(":", 1)[0]
        elif scheme.lower() != "bearer":
            credential = ""
        if not credential:
            raise errors.authentication(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').")
        allowed = credential in self.api_keys if self.api_keys else credential.startswith(
            ("sk_test_", "rk_test_", "pk_test_"))
        if not allowed:
            raise errors.authentication(
                f"Invalid API Key provided: {credential[:8]}{'*' * 12}{credential[-4:]}")
        return credential

    def _run_idempotently(self, api_key: str, ctx: RequestContext, method: str, path: str,
                          pairs: list[tuple[str, str]],
                          run: Callable[[], tuple[Response, bool]]) -> Response:
        key = ctx.idempotency_key
        if key is None:
            with self.store.lock:
                return run()[0]
        if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            return self._error_response(errors.invalid_request(
                "Idempotency-Key must be at most 255 characters long."), ctx.request_id)
        fingerprint = params.fingerprint(method, path, pairs)
        with self.store.lock:
            record = self.store.idempotency.get((api_key, key))
            if record is not None:
                if record.fingerprint != fingerprint:
                    endpoint = None if record.fingerprint[:2] == fingerprint[:2] else \
                        f"{record.fingerprint[0]} {record.fingerprint[1]}"
                    return self._error_response(errors.idempotency_mismatch(key, endpoint),
                                                ctx.request_id)
                return Response(record.status, record.body, {
                    **self._headers(ctx.request_id, ctx), "Idempotent-Replayed": "true",
                    "Original-Request": record.request_id})
            response, keep = run()
            if keep:
                self.store.idempotency[(api_key, key)] = IdempotencyRecord(
                    fingerprint, response.status, response.body, ctx.request_id, time.time())
            return response

    def _execute(self, route: Any, ctx: RequestContext,
                 decoded: dict[str, Any]) -> tuple[Response, bool]:
        """Run the handler: the response, and whether an idempotency key may keep it."""
        handler, path_vars = route
        request_params = params.Params(decoded)
        try:
            result = handler(self.store, ctx, request_params, **path_vars)
            if ctx.publishable and result.get("object") == "payment_intent":
                result = public_view(result)
            elif result.get("object") != "list":
                result = render(self.store, result, request_params.expand())
            return Response(200, dump(result), self._headers(ctx.request_id, ctx)), True
        except ApiError as exc:
            if ctx.publishable and isinstance(exc.extra.get("payment_intent"), dict):
                exc.extra["payment_intent"] = public_view(exc.extra["payment_intent"])
            return self._error_response(exc, ctx.request_id, ctx), exc.stored
        except Exception:  # an emulator bug must not look like a Stripe decision
            if self.log_errors:
                traceback.print_exc(file=sys.stderr)
            error = ApiError(500, "api_error", "Emulator internal error.")
            return self._error_response(error, ctx.request_id, ctx), False

    def _headers(self, request_id: str, ctx: RequestContext | None = None) -> dict[str, str]:
        headers = {**CORS, "Content-Type": "application/json", "Request-Id": request_id,
                   "Original-Request": request_id,
                   "Stripe-Version": ctx.api_version if ctx else DEFAULT_API_VERSION}
        if ctx is not None and ctx.idempotency_key is not None:
            headers["Idempotency-Key"] = ctx.idempotency_key
        return headers

    def _error_response(self, exc: ApiError, request_id: str,
                        ctx: RequestContext | None = None) -> Response:
        headers = {**self._headers(request_id, ctx), **exc.headers}
        return Response(exc.status, dump(exc.body()), headers)
