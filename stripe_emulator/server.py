"""The HTTP server, and ``run_emulator``: an emulator on a background thread for tests."""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stripe_emulator.app import CORS, Emulator, Response
from stripe_emulator.control import handle_control, state
from stripe_emulator.resources.charges import settle_processing
from stripe_emulator.resources.connect import onboard_account
from stripe_emulator.resources.events import add_endpoint
from stripe_emulator.stripejs import stripe_js
from stripe_emulator.webhooks import sign

DEFAULT_API_KEY = "sk_test_emulator"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve()

    def do_OPTIONS(self) -> None:  # noqa: N802 - a browser's CORS preflight (Stripe.js)
        self._answer(Response(204, headers={
            **CORS, "Access-Control-Allow-Methods": "GET, POST, DELETE",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, "
                                            "Stripe-Version, Stripe-Account",
            "Access-Control-Max-Age": "600"}))

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        emulator = self.server.emulator
        if self.command == "GET" and (self.path == "/v3" or self.path.startswith("/v3/")):
            response = stripe_js(self.path)
        elif self.path.startswith("/_emulator/"):
            response = handle_control(emulator, self.command, self.path, body)
        else:
            headers = {name.lower(): value for name, value in self.headers.items()}
            address = self.server.server_address
            host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
            response = emulator.handle_api(self.command, self.path, headers, body,
                                           f"http://{host}")
        if self.command != "GET" or self.path.startswith("/_emulator/onboarding/"):
            emulator.persist()  # before answering: what the client was told is on disk
        self._answer(response)

    def _answer(self, response: Response) -> None:
        if response.delay:
            time.sleep(response.delay)
        self.close_connection = True
        if response.action == "close":
            return  # the server closes the socket: the client sees no answer at all
        if response.action == "reset":
            # SO_LINGER 0 makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if self.server.verbose:
            sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many concurrent clients (threads, worker processes) at once

    def __init__(self, address: tuple[str, int], emulator: Emulator, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.verbose = verbose


class EmulatorServer:
    """An :class:`Emulator` behind an HTTP server; ``start`` serves from a thread."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0,
                 verbose: bool = False) -> None:
        self.emulator = emulator
        self._httpd = _Server((host, port), emulator, verbose)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        self.emulator.start()
        try:
            self._httpd.serve_forever(poll_interval=0.1)
        finally:
            self.emulator.stop()

    def start(self) -> None:
        self.emulator.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="stripe-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self.emulator.stop()


class RunningEmulator:
    """Handle on an emulator started by :func:`run_emulator`."""

    def __init__(self, server: EmulatorServer, api_key: str) -> None:
        self.server = server
        self.emulator = server.emulator
        self.url = server.url
        self.host, self.port = server.host, server.port
        self.api_key = api_key

    def inject_fault(self, method: str, path: str, fault: str, times: int = 1,
                     delay: float = 0.0, code: str | None = None) -> dict[str, Any]:
        """Arm a fault (see :mod:`stripe_emulator.faults`); returns it with its id."""
        spec = {"method": method, "path": path, "fault": fault, "times": times, "delay": delay}
        if code is not None:
            spec["code"] = code
        return self.emulator.faults.add(spec).__dict__

    def clear_faults(self) -> None:
        self.emulator.faults.clear()

    def events(self, type: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
        """Recorded events, oldest first, optionally of one type."""
        with self.emulator.store.lock:
            rows = self.emulator.store.all("event")[::-1]
            return [e for e in rows if type in (None, e["type"])]

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Stored objects of one kind (``payment_intent``, ``transfer``...), oldest first."""
        with self.emulator.store.lock:
            return self.emulator.store.all(kind)[::-1]

    def state(self) -> dict[str, Any]:
        return state(self.emulator, {})

    def reset(self) -> None:
        self.emulator.reset()

    def add_webhook_endpoint(self, url: str, secret: str | None = None,
                             enabled_events: list[str] | None = None) -> dict[str, Any]:
        """Register an endpoint; the result carries its signing ``secret``."""
        return add_endpoint(self.emulator.store, url, secret, enabled_events)

    def hold_webhooks(self) -> None:
        self.emulator.dispatcher.hold()

    def release_webhooks(self, order: str | list[str] = "fifo") -> int:
        return self.emulator.dispatcher.release(order)

    def discard_held_webhooks(self) -> int:
        return self.emulator.dispatcher.discard_held()

    def resend_event(self, event_id: str, endpoint_id: str | None = None) -> int:
        return self.emulator.dispatcher.deliver([event_id], endpoint_id)

    def deliver_events(self, event_ids: list[str], endpoint_id: str | None = None) -> int:
        return self.emulator.dispatcher.deliver(event_ids, endpoint_id)

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        return self.emulator.dispatcher.wait_idle(timeout)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.emulator.dispatcher.deliveries()

    def signed_payload(self, event_id: str, secret: str,
                       timestamp: int | None = None) -> tuple[bytes, str]:
        """An event's webhook body and ``Stripe-Signature`` header, to post by hand."""
        with self.emulator.store.lock:
            payload = json.dumps(self.emulator.store.get("event", event_id), indent=2).encode()
        return payload, sign(payload, secret, int(time.time()) if timestamp is None else timestamp)

    def settle(self, payment_intent: str | None = None) -> list[str]:
        """Finish bank debits in ``processing`` now (succeed or fail per test account)."""
        return settle_processing(self.emulator.store, payment_intent)

    def onboard(self, account_id: str) -> dict[str, Any]:
        return onboard_account(self.emulator.store, account_id)


@contextmanager
def run_emulator(port: int = 0, *, host: str = "127.0.0.1", api_key: str = DEFAULT_API_KEY,
                 seed: int | None = None, webhooks: Iterable[tuple[str, str | None]] = (),
                 webhook_retry_delays: tuple[float, ...] = (0.1, 0.2, 0.4),
                 webhook_timeout: float = 2.0, ach_settle_seconds: float | None = None,
                 verbose: bool = False, state_path: str | None = None) -> Iterator[RunningEmulator]:
    """Run an emulator on a background thread for the duration of the block.

    Any ``sk_test_`` key is accepted; ``api_key`` is the one the handle offers.
    ``webhooks`` are ``(url, secret)`` pairs (``None`` secret: generated) kept across
    resets. Bank debits stay ``processing`` until :meth:`RunningEmulator.settle`
    unless ``ach_settle_seconds`` is given. ``state_path``: a JSON file the state is loaded
    from (when it exists) and kept in (``stripe_emulator.persistence``).
    """
    emulator = Emulator(seed=seed, retry_delays=webhook_retry_delays, webhook_timeout=webhook_timeout,
                        ach_settle_seconds=ach_settle_seconds, state_path=state_path)
    for url, secret in webhooks:
        add_endpoint(emulator.store, url, secret, static=True)
    server = EmulatorServer(emulator, host, port, verbose)
    server.start()
    try:
        yield RunningEmulator(server, api_key)
    finally:
        server.stop()
