"""Browser tests: the real `sharedbuy demo` server, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOGIN_LINE = re.compile(r"^\s+(Hub manager|Center director|Vendor)\s+(\S+@\S+)\s+(\S+)\s+(.+?)\s*$")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    organization: str


@dataclass
class DemoServer:
    url: str
    logins: list[DemoLogin]

    def login_for(self, role: str, organization: str | None = None) -> DemoLogin:
        return next(login for login in self.logins
                    if login.role == role and (organization is None or login.organization == organization))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, timeout_s: float = 180) -> None:
    # `sharedbuy demo` optimizes its cycles before it serves: allow for a loaded machine.
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the demo server stopped: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the demo server did not start in time")


def stop_process_group(process: subprocess.Popen) -> None:
    """Stop a server started with ``start_new_session=True`` and what it started (the demo's
    Stripe emulator, the optimizer's worker processes): a plain terminate leaves those behind."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`sharedbuy demo` on a fresh SQLite file and a free loopback port; its printed logins."""
    port = _free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    env = {k: v for k, v in os.environ.items() if k not in ("SHAREDBUY_ENV", "SECRET_KEY", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{log.parent}/demo.db"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "marketplace.cli", "demo", "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, process)
        logins = [DemoLogin(*m.groups()) for line in log.read_text().splitlines() if (m := LOGIN_LINE.match(line))]
        yield DemoServer(url, logins)
    finally:
        stop_process_group(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require_service(Path(CHROMIUM).exists(), "Chromium", "install it (apt-get install chromium) or set CHROMIUM_PATH")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
