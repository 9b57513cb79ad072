"""The control API under ``/_emulator``: state, reset, faults, webhooks, settlement, onboarding.

No authentication (the emulator listens on loopback only). Bodies and answers are JSON.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from stripe_emulator.app import Emulator, Response, dump
from stripe_emulator.faults import FaultSpecError
from stripe_emulator.resources.charges import settle_processing
from stripe_emulator.resources.connect import follow_account_link, onboard_account
from stripe_emulator.resources.events import add_endpoint
from stripe_emulator.router import Router
from stripe_emulator.store import NAMES

JSON = dict[str, Any]


class ControlError(Exception):
    """A bad control request (400)."""


def state(emulator: Emulator, body: JSON) -> Any:
    """Every object by kind (oldest first), plus counts of keys, faults and deliveries."""
    store = emulator.store
    with store.lock:
        objects = {kind: store.all(kind)[::-1] for kind in NAMES}
        return {
            "objects": objects,
            "counts": {kind: len(rows) for kind, rows in objects.items()},
            "idempotency_keys": len(store.idempotency),
            "faults": emulator.faults.armed(),
            "held_webhooks": emulator.dispatcher.held_count(),
            "deliveries": len(emulator.dispatcher.deliveries()),
        }


def reset(emulator: Emulator, body: JSON) -> Any:
    emulator.reset()
    return {"reset": True}


def add_fault(emulator: Emulator, body: JSON) -> Any:
    try:
        return emulator.faults.add(body).__dict__
    except FaultSpecError as exc:
        raise ControlError(str(exc)) from exc


def list_faults(emulator: Emulator, body: JSON) -> Any:
    return {"faults": emulator.faults.armed()}


def clear_faults(emulator: Emulator, body: JSON) -> Any:
    emulator.faults.clear()
    return {"faults": []}


def add_webhook(emulator: Emulator, body: JSON) -> Any:
    if not isinstance(body.get("url"), str):
        raise ControlError("url is required")
    return add_endpoint(emulator.store, body["url"], body.get("secret"),
                        body.get("enabled_events"))


def hold(emulator: Emulator, body: JSON) -> Any:
    emulator.dispatcher.hold()
    return {"holding": True}


def release(emulator: Emulator, body: JSON) -> Any:
    try:
        return {"released": emulator.dispatcher.release(body.get("order", "fifo"))}
    except ValueError as exc:
        raise ControlError(str(exc)) from exc


def discard(emulator: Emulator, body: JSON) -> Any:
    return {"discarded": emulator.dispatcher.discard_held()}


def resend(emulator: Emulator, body: JSON) -> Any:
    if not isinstance(body.get("event"), str):
        raise ControlError("event is required")
    return {"queued": emulator.dispatcher.deliver([body["event"]], body.get("endpoint"))}


def deliver(emulator: Emulator, body: JSON) -> Any:
    events = body.get("events")
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise ControlError("events must be a list of event ids")
    return {"queued": emulator.dispatcher.deliver(events, body.get("endpoint"))}


def deliveries(emulator: Emulator, body: JSON) -> Any:
    return {"deliveries": emulator.dispatcher.deliveries()}


def wait(emulator: Emulator, body: JSON) -> Any:
    return {"idle": emulator.dispatcher.wait_idle(float(body.get("timeout", 10.0)))}


def settle(emulator: Emulator, body: JSON) -> Any:
    return {"settled": settle_processing(emulator.store, body.get("payment_intent"))}


def onboard(emulator: Emulator, body: JSON, id: str) -> Any:
    return onboard_account(emulator.store, id)


ROUTES: list[tuple[str, str, Callable[..., Any]]] = [
    ("GET", "/_emulator/state", state),
    ("POST", "/_emulator/reset", reset),
    ("POST", "/_emulator/faults", add_fault),
    ("GET", "/_emulator/faults", list_faults),
    ("DELETE", "/_emulator/faults", clear_faults),
    ("POST", "/_emulator/webhooks/endpoints", add_webhook),
    ("POST", "/_emulator/webhooks/hold", hold),
    ("POST", "/_emulator/webhooks/release", release),
    ("POST", "/_emulator/webhooks/discard", discard),
    ("POST", "/_emulator/webhooks/resend", resend),
    ("POST", "/_emulator/webhooks/deliver", deliver),
    ("GET", "/_emulator/webhooks/deliveries", deliveries),
    ("POST", "/_emulator/webhooks/wait", wait),
    ("POST", "/_emulator/settle", settle),
    ("POST", "/_emulator/accounts/{id}/onboard", onboard),
]
_ROUTER = Router(ROUTES)


def _page(status: int, title: str, text: str) -> Response:
    body = (f"<!doctype html><title>{html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>\n").encode()
    return Response(status, body, {"Content-Type": "text/html; charset=utf-8"})


def _follow_link(emulator: Emulator, token: str) -> Response:
    onboarded, redirect = follow_account_link(emulator.store, token)
    if redirect:
        return Response(302, b"", {"Location": redirect})
    if onboarded:
        return _page(200, "Onboarding complete", "The connected account can now be paid out.")
    return _page(410, "Link expired", "This onboarding link was already used or has expired.")


def handle_control(emulator: Emulator, method: str, target: str, body: bytes) -> Response:
    """Serve one ``/_emulator`` request."""
    path = urlsplit(target).path
    if method == "GET" and path.startswith("/_emulator/onboarding/"):
        return _follow_link(emulator, path.rsplit("/", 1)[-1])
    route = _ROUTER.match(method, path)
    if route is None:
        return Response(404, dump({"error": f"no control endpoint {method} {path}"}),
                        {"Content-Type": "application/json"})
    handler, path_vars = route
    try:
        document = json.loads(body or b"{}")
        if not isinstance(document, dict):
            raise ControlError("the body must be a JSON object")
        result = handler(emulator, document, **path_vars)
    except (ControlError, json.JSONDecodeError) as exc:
        return Response(400, dump({"error": str(exc)}), {"Content-Type": "application/json"})
    except Exception as exc:  # report any failure as JSON, e.g. an unknown id
        message = getattr(exc, "message", None) or str(exc)
        return Response(400, dump({"error": message}), {"Content-Type": "application/json"})
    return Response(200, dump(result), {"Content-Type": "application/json"})
