"""Webhook delivery: signed POSTs of Events to endpoints, with retries and test controls.

Each delivery is ``POST <url>`` with the Event's JSON as body and
``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``,
the scheme ``stripe.Webhook.construct_event`` verifies. A 2xx answer is a
success; anything else (or no answer within ``timeout``) is retried after each
of ``retry_delays`` in turn. One worker thread delivers jobs in order, so
events arrive in the order they happened unless a test asks otherwise: hold
deliveries and release them reversed or shuffled, deliver chosen events in a
chosen order, or re-send an event that was already delivered.
"""

from __future__ import annotations

import heapq
import hmac
import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from hashlib import sha256
from typing import Any

from stripe_emulator.store import Store, subscribed

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value for ``payload``."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    event_id: str = field(compare=False)
    endpoint_id: str = field(compare=False)
    attempt: int = field(compare=False, default=1)
    kind: str = field(compare=False, default="original")


@dataclass
class Delivery:
    """One delivery attempt, as tests see it."""

    event_id: str
    event_type: str
    endpoint_id: str
    url: str
    attempt: int
    kind: str
    status: int | None
    error: str | None
    at: float


class Dispatcher:
    """Delivers a Store's Events to its webhook endpoints from one background thread."""

    def __init__(self, store: Store, retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0),
                 timeout: float = 5.0) -> None:
        self.store = store
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self._cond = threading.Condition()
        self._queue: list[_Job] = []
        self._held: list[_Job] = []
        self._holding = False
        self._busy = 0
        self._seq = itertools.count()
        self._log: list[Delivery] = []
        self._stopped = False
        self._rng = random.Random(store.seed)
        self._thread = threading.Thread(target=self._run, name="stripe-emulator-webhooks",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=self.timeout + 1)

    def enqueue(self, event: dict[str, Any], endpoint_ids: list[str]) -> None:
        """Schedule a new Event for its subscribed endpoints (held while holding)."""
        with self._cond:
            for endpoint_id in endpoint_ids:
                job = _Job(time.monotonic(), next(self._seq), event["id"], endpoint_id)
                (self._held if self._holding else self._queue).append(job)
            heapq.heapify(self._queue)
            self._cond.notify_all()

    def hold(self) -> None:
        """Keep new deliveries back until :meth:`release` or :meth:`discard_held`."""
        with self._cond:
            self._holding = True

    def release(self, order: str | list[str] = "fifo") -> int:
        """Send held deliveries: ``fifo``, ``reverse``, ``shuffle`` or by a list of event ids."""
        with self._cond:
            jobs, self._held, self._holding = self._held, [], False
            if order == "reverse":
                jobs.reverse()
            elif order == "shuffle":
                self._rng.shuffle(jobs)
            elif isinstance(order, list):
                rank = {event_id: i for i, event_id in enumerate(order)}
                jobs.sort(key=lambda j: rank.get(j.event_id, len(rank)))
            elif order != "fifo":
                raise ValueError("order must be fifo, reverse, shuffle or a list of event ids")
            self._push_now(jobs, kind="released")
            return len(jobs)

    def discard_held(self) -> int:
        with self._cond:
            count, self._held, self._holding = len(self._held), [], False
            return count

    def deliver(self, event_ids: list[str], endpoint_id: str | None = None,
                kind: str = "resend") -> int:
        """Send these events now, in this order, to ``endpoint_id`` or every subscribed one."""
        with self.store.lock:
            jobs = []
            for event_id in event_ids:
                event = self.store.get("event", event_id)
                for endpoint in self.store.all("webhook_endpoint")[::-1]:
                    if endpoint_id in (None, endpoint["id"]) and (
                        endpoint_id is not None
                        or subscribed(endpoint["enabled_events"], event["type"])
                    ):
                        jobs.append(_Job(0.0, 0, event_id, endpoint["id"]))
        with self._cond:
            self._push_now(jobs, kind=kind)
        return len(jobs)

    def _push_now(self, jobs: list[_Job], kind: str) -> None:
        now = time.monotonic()
        for job in jobs:
            job.due, job.seq, job.kind = now, next(self._seq), kind
            heapq.heappush(self._queue, job)
        self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or being sent (held jobs do not count)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def deliveries(self) -> list[dict[str, Any]]:
        with self._cond:
            return [asdict(d) for d in self._log]

    def held_count(self) -> int:
        with self._cond:
            return len(self._held)

    def reset(self) -> None:
        with self._cond:
            self._queue.clear()
            self._held.clear()
            self._holding = False
            self._log.clear()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._queue
                                             or self._queue[0].due > time.monotonic()):
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._cond.wait(wait)
                if self._stopped:
                    return
                job = heapq.heappop(self._queue)
                self._busy += 1
            try:
                self._attempt(job)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _attempt(self, job: _Job) -> None:
        with self.store.lock:
            endpoint = self.store.find(job.endpoint_id)
            event = self.store.find(job.event_id)
            if endpoint is None or event is None or endpoint["status"] != "enabled":
                return
            url, secret = endpoint["url"], self.store.hidden[endpoint["id"]]["secret"]
            payload = json.dumps(event, indent=2).encode()
        status, error = self._post(url, payload, secret)
        ok = status is not None and 200 <= status < 300
        with self._cond:
            self._log.append(Delivery(job.event_id, event["type"], job.endpoint_id, url,
                                      job.attempt, job.kind, status, error, time.time()))
            if not ok and job.attempt <= len(self.retry_delays):
                retry = _Job(time.monotonic() + self.retry_delays[job.attempt - 1],
                             next(self._seq), job.event_id, job.endpoint_id,
                             job.attempt + 1, "retry")
                heapq.heappush(self._queue, retry)
        if ok and job.kind in ("original", "retry", "released"):
            with self.store.lock:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)

    def _post(self, url: str, payload: bytes, secret: str) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   "Stripe-Signature": sign(payload, secret, int(time.time()))}
        request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310 - endpoint URLs are checked to be http(s)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
                return response.status, None
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, None
        except (urllib.error.URLError, OSError) as exc:
            return None, f"{type(exc).__name__}: {exc}"
