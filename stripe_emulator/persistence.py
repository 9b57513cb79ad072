"""An emulator's state in a JSON file (``--state PATH``), so that a restarted emulator (the
demo's) still knows the PaymentIntents, charges, refunds, transfers and accounts it made, and
still replays a retried request from its idempotency key.

The file holds every object (webhook endpoints given at start-up apart: the command line makes
them again), the hidden attributes (a test card's behaviour, an endpoint's secret), idempotency
records, account links and the id generator's state (with ``--seed``, ids do not repeat after
a restart). It is written atomically (a temporary file in the same directory, then renamed)
whenever it changed: after each request that may change something, after a bank debit
settles, and when the emulator stops. Webhook deliveries under way are not kept.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from stripe_emulator.store import IdempotencyRecord, Store
from stripe_emulator.testcards import Behaviour, Decline

FORMAT = 1


class StateFileError(Exception):
    """The state file cannot be read as an emulator's state."""


def dump_state(store: Store) -> dict[str, Any]:
    """The store as JSON-ready data (start-up webhook endpoints left out)."""
    with store.lock:
        static = {object_id for object_id, hidden in store.hidden.items() if hidden.get("static")}
        return {
            "format": FORMAT,
            "seed": store.seed,
            "rng": store.rng_state(),
            "order": {kind: [i for i in ids if i not in static] for kind, ids in store.order.items()},
            "objects": [store.objects[i] for i in store.objects if i not in static],
            "hidden": {i: _hidden_out(h) for i, h in store.hidden.items() if i not in static and h},
            "idempotency": [{"api_key": api_key, "key": key, "fingerprint": list(r.fingerprint),
                             "status": r.status, "body": r.body.decode("utf-8"), "request_id": r.request_id,
                             "created": r.created} for (api_key, key), r in store.idempotency.items()],
            "links": store.links,
        }


def load_state(store: Store, data: dict[str, Any]) -> None:
    """Put a dumped state into an empty store (start-up endpoints may be added afterwards)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateFileError(f"not an emulator state of format {FORMAT}")
    with store.lock:
        for obj in data["objects"]:
            store.objects[obj["id"]] = obj
            store.hidden[obj["id"]] = _hidden_in(data["hidden"].get(obj["id"], {}))
        for kind, ids in data["order"].items():
            store.order.setdefault(kind, []).extend(i for i in ids if i in store.objects)
        for row in data["idempotency"]:
            method, path, pairs = row["fingerprint"]
            store.idempotency[(row["api_key"], row["key"])] = IdempotencyRecord(
                (method, path, tuple(tuple(pair) for pair in pairs)), row["status"], row["body"].encode("utf-8"),
                row["request_id"], row["created"])
        store.links.update(data["links"])
        if data.get("rng") is not None and data.get("seed") == store.seed:
            store.set_rng_state(data["rng"])


def _hidden_out(hidden: dict[str, Any]) -> dict[str, Any]:
    return {name: {"__behaviour__": asdict(value)} if isinstance(value, Behaviour) else value
            for name, value in hidden.items()}


def _hidden_in(hidden: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in hidden.items():
        if isinstance(value, dict) and "__behaviour__" in value:
            fields = dict(value["__behaviour__"])
            decline = fields.pop("decline", None)
            value = Behaviour(**fields, decline=Decline(**decline) if decline else None)
        out[name] = value
    return out


class StateFile:
    """Where one emulator's state is kept: loaded once, saved whenever it changed."""

    def __init__(self, store: Store, path: str | os.PathLike[str]) -> None:
        self.store = store
        self.path = Path(path)
        self._written: str | None = None
        self._lock = threading.Lock()

    def load(self) -> bool:
        """Load the file into the store when it exists; True if it did."""
        if not self.path.exists():
            return False
        text = self.path.read_text(encoding="utf-8")
        try:
            load_state(self.store, json.loads(text))
        except (ValueError, KeyError, TypeError) as error:
            raise StateFileError(f"{self.path}: {error}") from error
        self._written = text
        return True

    def save(self) -> bool:
        """Write the state when it changed since the last write (atomically); True if written."""
        with self._lock:
            text = json.dumps(dump_state(self.store), separators=(",", ":"))
            if text == self._written:
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            self._written = text
            return True
