"""What a person does on the pages of the purchasing journey, in Playwright terms."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import ARTIFACTS, screenshot

MONEY = re.compile(r"-?\$[\d,]+\.\d{2}")


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str
    organization: str


@dataclass
class Browser:
    """The people of the journey, each in a browser context of their own (logged in once);
    ``page`` is the tab of whoever acts now. ``start_worker`` starts a background worker that
    runs the queued jobs and stops (returns the process)."""

    browser: object
    url: str
    logins: list[Login]
    start_worker: Callable[[], subprocess.Popen]
    shots: list[str] = field(default_factory=list)
    tabs: dict[str, object] = field(default_factory=dict)
    page: object = None

    def login_for(self, role: str, organization: str | None = None) -> Login:
        return next(x for x in self.logins if x.role == role and (organization is None or x.organization == organization))

    def act_as(self, role: str, organization: str | None = None) -> None:
        """Switch to ``role``'s (of ``organization``) tab, logging in the first time; the tab
        shows the dashboard."""
        login = self.login_for(role, organization)
        if login.email in self.tabs:
            self.page = self.tabs[login.email]
            self.page.goto(self.url)
            return
        context = self.browser.new_context(viewport={"width": 1280, "height": 860})
        self.page = self.tabs[login.email] = context.new_page()
        self.page.set_default_timeout(10_000)
        self.page.on("dialog", lambda dialog: dialog.accept())  # the confirm() of open, close, finalize...
        self.page.goto(self.url + "login")
        self.page.get_by_label("Email").fill(login.email)
        self.page.get_by_label("Password").fill(login.password)
        self.click("Log in", "button")
        assert self.page.url == self.url, self.page.url

    def close(self) -> None:
        for tab in self.tabs.values():
            tab.context.close()

    def follow(self, target) -> None:
        """Click a link or a form's button and wait for the next page to load."""
        with self.page.expect_navigation():
            target.click()

    def nav(self, name: str) -> None:
        self.follow(self.page.locator("nav.mainnav").get_by_role("link", name=name, exact=True))

    def click(self, name: str, role: str = "link") -> None:
        self.follow(self.page.get_by_role(role, name=name).first)

    def shot(self, name: str, *, top: int | None = None) -> None:
        """Save a screenshot of the page (only its first ``top`` pixels: long pages are slow)."""
        name = f"journey-{len(self.shots) + 1:02d}-{name}"
        if top is None:
            self.shots.append(screenshot(self.page, name).name)
            return
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": top})
        self.shots.append(path.name)

    def flash(self) -> str:
        return " ".join(self.page.locator(".alert").all_inner_texts())

    def h1(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def stat(self, label: str) -> Decimal:
        """The money value of the key figure whose label starts with ``label``."""
        box = self.page.locator(".stat").filter(has=self.page.locator(".stat__label", has_text=re.compile("^" + label)))
        return money(box.locator(".stat__value").inner_text())


def money(text: str) -> Decimal:
    """``$1,234.56`` (the first amount in ``text``) as a Decimal."""
    found = MONEY.search(text)
    assert found, f"no amount in {text!r}"
    return Decimal(found.group().replace("$", "").replace(",", ""))


def local(value: datetime) -> str:
    """A UTC datetime as a datetime-local field takes it."""
    return value.strftime("%Y-%m-%dT%H:%M")


def watch_run(b: Browser, timeout_s: float = 60) -> list[int]:
    """On the page of a run just queued: the progress bar waits in the queue, then (a worker
    started) fills while the optimizer works, and the page turns to the finished run by
    itself. Returns the percents seen."""
    page = b.page
    bar = page.locator("#progress-bar")
    assert bar.is_visible() and page.locator('[data-field="phase"]').inner_text() == "queued", page.url
    worker = b.start_worker()
    seen, deadline = [], time.monotonic() + timeout_s
    while page.locator("#progress").count() and time.monotonic() < deadline:
        try:
            seen.append(int(bar.get_attribute("value", timeout=1000) or 0))
        except PlaywrightError:  # the page reloaded between the two calls
            pass
        time.sleep(0.2)
    assert worker.wait(timeout=max(1.0, deadline - time.monotonic())) == 0, "the worker failed"
    assert page.locator("#progress").count() == 0, f"the run did not finish in {timeout_s} s"
    page.wait_for_load_state()
    assert seen and seen == sorted(seen) and seen[0] < 100, seen
    return seen
