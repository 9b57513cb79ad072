"""Events (listing, retrieval) and WebhookEndpoints."""

from __future__ import annotations

import copy
from typing import Any

from stripe_emulator import errors
from stripe_emulator.params import Params
from stripe_emulator.rendering import created_filter, page
from stripe_emulator.store import RequestContext, Store, subscribed


def list_events(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("type", "types", "created", "limit", "starting_after", "ending_before",
                "delivery_success")
    type_, types = params.text("type"), params.strings("types")
    if type_ is not None and types is not None:
        raise errors.invalid_request("You may only specify one of these parameters: type, types.")
    patterns = types or ([type_] if type_ else ["*"])
    in_range = created_filter(params)
    rows = [e for e in store.all("event") if in_range(e) and subscribed(patterns, e["type"])]
    return page(store, rows, params, "/v1/events")


def retrieve_event(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    return store.get("event", id)


def add_endpoint(store: Store, url: str, secret: str | None = None,
                 enabled_events: list[str] | None = None, static: bool = False,
                 description: str | None = None) -> dict[str, Any]:
    """Register a webhook endpoint; ``static`` ones survive a reset. Returns it with its secret."""
    if not url.startswith(("http://", "https://")):
        raise errors.invalid_value("url", f"Invalid URL: {url} must be an http(s) URL.", "url_invalid")
    with store.lock:
        endpoint = store.add({
            "id": store.new_id("we"), "object": "webhook_endpoint", "api_version": None,
            "application": None, "created": store.now(), "description": description,
            "enabled_events": list(enabled_events or ["*"]), "livemode": False, "metadata": {},
            "status": "enabled", "url": url,
        }, {"secret": secret or "whsec_" + store.token(32), "static": static})
        return {**copy.deepcopy(endpoint), "secret": store.hidden[endpoint["id"]]["secret"]}


def _enabled_events(params: Params, required: bool) -> list[str] | None:
    events = params.strings("enabled_events")
    if required and not events:
        raise errors.missing_param("enabled_events")
    return events


def create_webhook_endpoint(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("url", "enabled_events", "description", "metadata", "api_version", "connect")
    url = params.text("url", required=True) or ""
    events = _enabled_events(params, required=True)
    metadata = params.metadata()
    endpoint = add_endpoint(store, url, None, events, description=params.text("description"))
    store.get("webhook_endpoint", endpoint["id"])["metadata"] = metadata
    endpoint["metadata"] = metadata
    return endpoint


def retrieve_webhook_endpoint(store: Store, ctx: RequestContext, params: Params,
                              id: str) -> dict[str, Any]:
    params.only()
    return store.get("webhook_endpoint", id)


def update_webhook_endpoint(store: Store, ctx: RequestContext, params: Params,
                            id: str) -> dict[str, Any]:
    params.only("url", "enabled_events", "description", "metadata", "disabled")
    endpoint = store.get("webhook_endpoint", id)
    events = _enabled_events(params, required=False)
    metadata = params.metadata(endpoint["metadata"])
    disabled = params.boolean("disabled")
    if events:
        endpoint["enabled_events"] = events
    url = params.text("url")
    if url is not None and not url.startswith(("http://", "https://")):
        raise errors.invalid_value("url", f"Invalid URL: {url} must be an http(s) URL.", "url_invalid")
    for name in ("url", "description"):
        if params.has(name):
            endpoint[name] = params.text(name)
    if params.has("disabled"):
        endpoint["status"] = "disabled" if disabled else "enabled"
    endpoint["metadata"] = metadata
    return endpoint


def delete_webhook_endpoint(store: Store, ctx: RequestContext, params: Params,
                            id: str) -> dict[str, Any]:
    params.only()
    store.get("webhook_endpoint", id)
    store.delete(id)
    return {"id": id, "object": "webhook_endpoint", "deleted": True}


def list_webhook_endpoints(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("limit", "starting_after", "ending_before")
    return page(store, store.all("webhook_endpoint"), params, "/v1/webhook_endpoints")


ROUTES = [
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/{id}", retrieve_event),
    ("POST", "/v1/webhook_endpoints", create_webhook_endpoint),
    ("GET", "/v1/webhook_endpoints", list_webhook_endpoints),
    ("GET", "/v1/webhook_endpoints/{id}", retrieve_webhook_endpoint),
    ("POST", "/v1/webhook_endpoints/{id}", update_webhook_endpoint),
    ("DELETE", "/v1/webhook_endpoints/{id}", delete_webhook_endpoint),
]
