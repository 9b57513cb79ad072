"""Fixtures: a running emulator, real stripe clients pointed at it, a webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from stripe_emulator import RunningEmulator, run_emulator

WEBHOOK_SECRET = "whsec_test_emulator_secret"


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    with run_emulator(seed=7) as running:
        yield running


def make_client(emu: RunningEmulator, api_key: str | None = None, retries: int = 0,
                timeout: float = 10.0) -> stripe.StripeClient:
    """A real StripeClient talking HTTP to the emulator."""
    return stripe.StripeClient(
        api_key or emu.api_key,
        base_addresses={"api": emu.url},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


@pytest.fixture
def client(emu: RunningEmulator) -> stripe.StripeClient:
    return make_client(emu)


@pytest.fixture
def client_for():
    """``client_for(emu, api_key=None, retries=0, timeout=10.0)`` -> a new StripeClient."""
    return make_client


@dataclass
class Received:
    """One webhook POST as the receiver saw it."""

    body: bytes
    signature: str | None


@dataclass
class Receiver:
    """A webhook endpoint on loopback: records POSTs, answers with scripted statuses."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)  # consumed first, then 200
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [r.body for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.next_status()
            with state.lock:
                state.received.append(Received(body, self.headers.get("Stripe-Signature")))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/stripe"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def hooked(receiver: Receiver) -> Iterator[RunningEmulator]:
    """An emulator that delivers every event to ``receiver`` signed with WEBHOOK_SECRET."""
    with run_emulator(seed=11, webhooks=[(receiver.url, WEBHOOK_SECRET)]) as running:
        yield running
