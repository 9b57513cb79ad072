"""In-memory state of one emulator: objects, hidden attributes, events, idempotency records.

All reads and writes happen under ``Store.lock`` (a re-entrant lock), which the
request pipeline holds for the whole of one API operation, so operations are
serialisable. Public objects are plain dicts shaped like Stripe's; attributes
Stripe does not show (a test card's decline behaviour, an account link's
token) live in ``Store.hidden``.
"""

from __future__ import annotations

import copy
import random
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stripe_emulator import errors

DEFAULT_API_VERSION = "2026-10-28.endive"

# Stripe's human names in "No such ...: 'id'" messages, by object type.
NAMES = {
    "customer": "customer",
    "payment_method": "PaymentMethod",
    "payment_intent": "payment_intent",
    "charge": "charge",
    "refund": "refund",
    "account": "account",
    "transfer": "transfer",
    "transfer_reversal": "transfer reversal",
    "event": "event",
    "webhook_endpoint": "webhook endpoint",
}
PREFIXES = {
    "cus": "customer",
    "pm": "payment_method",
    "pi": "payment_intent",
    "ch": "charge",
    "re": "refund",
    "acct": "account",
    "tr": "transfer",
    "trr": "transfer_reversal",
    "evt": "event",
    "we": "webhook_endpoint",
}
_ALPHABET = string.ascii_letters + string.digits


@dataclass
class RequestContext:
    """What a handler knows about the request it serves."""

    request_id: str | None
    idempotency_key: str | None = None
    api_version: str = DEFAULT_API_VERSION
    base_url: str = ""
    stripe_account: str | None = None
    publishable: bool = False  # a publishable key (Stripe.js): the client_secret is the credential

    def event_request(self) -> dict[str, str | None]:
        return {"id": self.request_id, "idempotency_key": self.idempotency_key}


@dataclass
class IdempotencyRecord:
    """The first response given for one (API key, Idempotency-Key) pair."""

    fingerprint: tuple[Any, ...]
    status: int
    body: bytes
    request_id: str
    created: float


@dataclass
class Store:
    """All state of one emulator instance."""

    seed: int | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    hidden: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: dict[str, list[str]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)  # account links by token
    on_event: Callable[[dict[str, Any], list[str]], None] | None = None
    on_processing: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed) if self.seed is not None else random.SystemRandom()

    def rng_state(self) -> Any:
        """The seeded id generator's state (None without a seed: ids are random anyway)."""
        with self.lock:
            return self._rng.getstate() if self.seed is not None else None

    def set_rng_state(self, state: Any) -> None:
        """Continue a seeded generator where a saved state left it (JSON turned tuples to lists)."""
        if self.seed is not None and state is not None:
            version, internal, gauss = state
            with self.lock:
                self._rng.setstate((version, tuple(internal), gauss))

    def new_id(self, prefix: str, length: int = 24) -> str:
        with self.lock:
            return prefix + "_" + "".join(self._rng.choice(_ALPHABET) for _ in range(length))

    def token(self, length: int = 24) -> str:
        with self.lock:
            return "".join(self._rng.choice(_ALPHABET) for _ in range(length))

    @staticmethod
    def now() -> int:
        return int(time.time())

    def add(self, obj: dict[str, Any], hidden: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store a new public object (its kind is its ``object`` field)."""
        with self.lock:
            self.objects[obj["id"]] = obj
            self.hidden[obj["id"]] = hidden or {}
            self.order.setdefault(obj["object"], []).append(obj["id"])
            return obj

    def get(self, kind: str, object_id: str | None, param: str = "id") -> dict[str, Any]:
        """The object of that kind, or Stripe's 404 resource_missing."""
        obj = self.objects.get(object_id or "")
        if obj is None or obj["object"] != kind:
            raise errors.resource_missing(NAMES.get(kind, kind), object_id or "", param)
        return obj

    def find(self, object_id: str) -> dict[str, Any] | None:
        return self.objects.get(object_id)

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Objects of one kind, newest first (Stripe's list order)."""
        with self.lock:
            return [self.objects[i] for i in reversed(self.order.get(kind, [])) if i in self.objects]

    def delete(self, object_id: str) -> None:
        with self.lock:
            obj = self.objects.pop(object_id)
            self.hidden.pop(object_id, None)
            self.order[obj["object"]].remove(object_id)

    def emit(
        self,
        type_: str,
        obj: dict[str, Any],
        ctx: RequestContext | None,
        previous: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record an Event with a snapshot of ``obj`` and hand it to the webhook dispatcher."""
        with self.lock:
            endpoints = [
                e["id"]
                for e in self.all("webhook_endpoint")
                if e["status"] == "enabled" and subscribed(e["enabled_events"], type_)
            ]
            data: dict[str, Any] = {"object": copy.deepcopy(obj)}
            if previous is not None:
                data["previous_attributes"] = previous
            event = {
                "id": self.new_id("evt"),
                "object": "event",
                "api_version": ctx.api_version if ctx else DEFAULT_API_VERSION,
                "created": self.now(),
                "data": data,
                "livemode": False,
                "pending_webhooks": len(endpoints),
                "request": ctx.event_request() if ctx else {"id": None, "idempotency_key": None},
                "type": type_,
            }
            self.add(event)
            if self.on_event is not None and endpoints:
                self.on_event(event, endpoints)
            return event

    def reset(self, keep: Callable[[dict[str, Any]], bool] = lambda obj: False) -> None:
        """Forget everything except the objects ``keep`` selects."""
        with self.lock:
            kept = [o for o in self.objects.values() if keep(o)]
            kept_hidden = {o["id"]: self.hidden.get(o["id"], {}) for o in kept}
            self.objects.clear()
            self.hidden.clear()
            self.order.clear()
            self.idempotency.clear()
            self.links.clear()
            for obj in kept:
                self.add(obj, kept_hidden[obj["id"]])


def subscribed(enabled_events: list[str], type_: str) -> bool:
    return any(
        pattern == "*" or pattern == type_
        or (pattern.endswith(".*") and type_.startswith(pattern[:-1]))
        for pattern in enabled_events
    )
