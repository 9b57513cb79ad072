"""Virtual users: a director or the hub manager logs in, then walks the main pages in turn.

Each user is a thread with its own HTTP connection (keep-alive) and cookie jar. The session
cookie is ``Secure`` in production; like a browser on ``http://127.0.0.1`` (a potentially
trustworthy origin), the user sends it back over the loopback's plain HTTP (``requests`` would
not: its jar keeps ``Secure`` cookies for HTTPS, so the flag is dropped on our side only).
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass

import requests

from bench.load.seed import Manifest
from bench.load.stats import Recorder

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TIMEOUT_S = 30


@dataclass(frozen=True)
class Page:
    name: str
    path: str


def director_pages(manifest: Manifest, director: dict, site_id: int) -> list[Page]:
    """A director's round: dashboard, the site's needs, the open cycle and the site's lines in
    it, notifications, approvals and the member's share of the published plan."""
    cycle = manifest.open_cycle_id
    pages = [Page("director: dashboard", "/"),
             Page("director: site needs", f"/sites/{site_id}/needs"),
             Page("director: cycle", f"/cycles/{cycle}"),
             Page("director: site lines", f"/cycles/{cycle}/sites/{site_id}"),
             Page("director: notifications", "/notifications"),
             Page("director: approvals", "/approvals")]
    if director.get("share_id"):
        pages.append(Page("director: share", f"/shares/{director['share_id']}"))
    return pages


def hub_pages(manifest: Manifest) -> list[Page]:
    """The hub's round: dashboard, cycles, the open cycle, the optimized run, its plan review,
    the approvals board of the published cycle, the catalog."""
    return [Page("hub: dashboard", "/"),
            Page("hub: cycles", "/cycles"),
            Page("hub: cycle", f"/cycles/{manifest.open_cycle_id}"),
            Page("hub: run", f"/runs/{manifest.run_id}"),
            Page("hub: plan review", f"/runs/{manifest.run_id}/review"),
            Page("hub: approvals board", f"/cycles/{manifest.closed_cycle_id}/approvals"),
            Page("hub: catalog", "/catalog")]


def page_order(manifest: Manifest) -> list[str]:
    """Every page name, directors' first (the order of the results table)."""
    director = next((d for d in manifest.directors if d.get("share_id")), manifest.directors[0])
    return [p.name for p in director_pages(manifest, director, 0) + hub_pages(manifest)]


class VirtualUser(threading.Thread):
    """Logs in, then requests its pages in a loop with a random think time between them, until
    ``stop_at`` (monotonic seconds) or ``max_requests``."""

    def __init__(self, base_url: str, email: str, password: str, rounds: list[list[Page]],
                 recorder: Recorder, logins: Recorder, *, think_s: tuple[float, float], stop_at: float,
                 max_requests: int, seed: int):
        super().__init__(daemon=True, name=f"user-{seed}")
        self.base_url, self.email, self.password = base_url, email, password
        self.rounds, self.recorder, self.logins = rounds, recorder, logins
        self.think_s, self.stop_at, self.max_requests = think_s, stop_at, max_requests
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.failure: str | None = None
        self.ready = threading.Event()  # set once logged in (or failed to)

    def run(self) -> None:
        try:
            try:
                self.log_in()
            finally:
                self.ready.set()
            self.walk()
        except Exception as error:  # reported by the driver; one user's failure ends only it
            self.failure = f"{self.email}: {type(error).__name__}: {error}"
        finally:
            self.http.close()

    def log_in(self) -> None:
        form = self.http.get(self.base_url + "/login", timeout=TIMEOUT_S)
        self._loopback_cookies()
        match = CSRF.search(form.text)
        if form.status_code != 200 or match is None:
            raise RuntimeError(f"login form: HTTP {form.status_code}")
        started = time.perf_counter()
        answer = self.http.post(self.base_url + "/login", timeout=TIMEOUT_S, allow_redirects=False,
                                data={"email": self.email, "password": self.password,
                                      "csrf_token": match.group(1)})
        self.logins.add("login", time.perf_counter() - started,
                        200 if answer.status_code == 302 else answer.status_code)
        if answer.status_code != 302:
            raise RuntimeError(f"login refused: HTTP {answer.status_code}")
        self._loopback_cookies()

    def _loopback_cookies(self) -> None:
        for cookie in self.http.cookies:
            cookie.secure = False

    def walk(self) -> None:
        done = 0
        while done < self.max_requests:
            for page in self.rng.choice(self.rounds):
                if time.monotonic() >= self.stop_at or done >= self.max_requests:
                    return
                self.visit(page)
                done += 1
                time.sleep(self.rng.uniform(*self.think_s))

    def visit(self, page: Page) -> None:
        started = time.perf_counter()
        try:
            response = self.http.get(self.base_url + page.path, timeout=TIMEOUT_S, allow_redirects=False)
            _ = response.content
            status = response.status_code
            if "Set-Cookie" in response.headers:
                self._loopback_cookies()
        except requests.RequestException:
            status = 0
        self.recorder.add(page.name, time.perf_counter() - started, status)
