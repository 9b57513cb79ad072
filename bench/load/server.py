"""gunicorn serving the app on the loopback, in the production configuration."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

HOST = "127.0.0.1"


def default_workers() -> int:
    """One per core, plus one, each with :data:`DEFAULT_THREADS` threads: on the shared 2-core
    machine this served 50 users far better than gunicorn's usual 2 x cores + 1 sync workers
    (see RESULTS.md), since a request mostly waits for PostgreSQL, and the other threads of the
    worker use the CPU meanwhile."""
    return (os.cpu_count() or 1) + 1


#: Threads per worker; no more than the app's connection pool (5), so connections stay open.
DEFAULT_THREADS = 4


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "marketplace.app:create_app()", "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--timeout", "60", "--graceful-timeout", "10"]
    if threads > 1:
        # gthread keeps connections alive; longer than a user's think time, so the client does
        # not reuse a connection the server is closing (a browser would retry; this client counts it)
        command += ["--threads", str(threads), "--worker-class", "gthread", "--keep-alive", "10"]
    return command


@contextmanager
def serve(database_url: str, *, port: int, workers: int, threads: int,
          log_path: Path) -> Iterator[tuple[str, int]]:
    """Start gunicorn (SHAREDBUY_ENV=production, a fresh random SECRET_KEY), wait until it
    answers ``/healthz``, yield its base URL and pid, and stop it (SIGTERM, then SIGKILL)."""
    env = {**os.environ, "SHAREDBUY_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "DATABASE_URL": database_url}
    for name in ("REDIS_URL", "SMTP_HOST", "STRIPE_API_KEY"):  # nothing but the app and its database
        env.pop(name, None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(gunicorn_command(port, workers, threads), env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_ready(process, base_url, workers)
        yield base_url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen, base_url: str, workers: int, limit_s: float = 90) -> None:
    deadline = time.monotonic() + limit_s
    answered = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start (exit {process.returncode}): see its log")
        try:
            if requests.get(base_url + "/healthz", timeout=5).status_code == 200:
                answered += 1
                if answered >= workers:  # a few answers: most workers have imported the app
                    return
                continue
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {base_url}/healthz within {limit_s:.0f} s")
