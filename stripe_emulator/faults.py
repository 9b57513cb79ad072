"""Fault injection: make chosen API requests fail the way networks and servers do.

A fault matches a method and a path (``*`` globs allowed, e.g.
``/v1/payment_intents/*/confirm``) and fires on the next ``times`` matching
requests:

``error_500``            500 api_error before anything is done (stripe retries it)
``error_409``            409 idempotency_error "another in-progress request" before anything
                         is done (real Stripe's answer to concurrent same-key requests;
                         stripe retries it)
``error_429``            429 before anything is done; ``code`` ``rate_limit`` (default,
                         stripe-python does not retry it) or ``lock_timeout`` (sent with
                         ``Stripe-Should-Retry: true``, so stripe-python retries it)
``reset``                the connection is reset before anything is done
``timeout_after_commit`` the operation runs and its response is stored under the
                         idempotency key, then the server waits ``delay`` seconds and
                         closes the connection without answering
``reset_after_commit``   the same, but the connection is reset instead of closed
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

BEFORE = ("error_500", "error_409", "error_429", "reset")
AFTER = ("timeout_after_commit", "reset_after_commit")
KINDS = BEFORE + AFTER


class FaultSpecError(ValueError):
    """A fault description that cannot be used."""


@dataclass
class Fault:
    """One armed fault and how many more requests it will hit."""

    id: str
    method: str
    path: str
    fault: str
    times: int = 1
    delay: float = 0.0
    code: str = "rate_limit"

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    @property
    def after_commit(self) -> bool:
        return self.fault in AFTER


class FaultBook:
    """The armed faults of one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        """Arm a fault from ``{"method", "path", "fault", "times", "delay", "code"}``."""
        unknown = set(spec) - {"method", "path", "fault", "times", "delay", "code"}
        if unknown:
            raise FaultSpecError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        kind = spec.get("fault")
        if kind not in KINDS:
            raise FaultSpecError(f"fault must be one of {', '.join(KINDS)}")
        if not isinstance(spec.get("path"), str) or not spec["path"].startswith("/"):
            raise FaultSpecError("path must be a request path such as /v1/payment_intents")
        times, delay = spec.get("times", 1), spec.get("delay", 0.0)
        if not isinstance(times, int) or times < 1:
            raise FaultSpecError("times must be a positive integer")
        if not isinstance(delay, int | float) or delay < 0:
            raise FaultSpecError("delay must be a number of seconds >= 0")
        code = spec.get("code") or "rate_limit"
        if code not in ("rate_limit", "lock_timeout"):
            raise FaultSpecError("code must be rate_limit or lock_timeout")
        fault = Fault(id=f"flt_{next(self._ids)}", method=str(spec.get("method", "*")).upper(),
                      path=spec["path"], fault=kind, times=times, delay=float(delay), code=code)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, counting the hit."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]
