"""A whole purchasing cycle in the browser, on a small alliance served by the real app.

A director changes a recurring need; the hub creates a cycle, opens it (the need is in it,
scaled to four weeks), closes it, runs the optimizer and watches the progress bar, publishes;
two directors approve and one rejects, saying why; the hub re-runs without the member who
said no and publishes again; the approvals asked again are given; the hub finalizes and sends
the purchase orders; a vendor confirms, ships and reports a site's delivery, one line short; the
hub's report of the cycle shows the plan's savings on what was received. Screenshots of the main pages are saved
in test-artifacts/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from redis import Redis
from rq import Queue

from marketplace import migrate
from marketplace.db import make_engine, make_session_factory
from tests.conftest import require_service
from tests.e2e.conftest import ARTIFACTS, _free_port, _wait_until_up, stop_process_group
from tests.e2e.journey_pages import Browser, Login, local, money, watch_run
from tests.e2e.journey_seed import seed_journey_alliance

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.slow]

HUB, DIRECTOR, VENDOR = "hub_manager", "director", "vendor"
WOODPARK, HORIZON, FAITHFUL = "Woodpark Montessori", "New Horizon Academy", "Faithful Beginnings Preschools"
DAIRY = "North Star Dairy & Foods"
CYCLE = "December pantry order"
REASON = "Our kitchen is closed for renovation that month."


@dataclass
class JourneyServer:
    url: str
    logins: list[Login]
    env: dict[str, str]

    def start_worker(self) -> subprocess.Popen:
        """``sharedbuy worker --burst``: runs the queued jobs, then stops."""
        return subprocess.Popen([sys.executable, "-m", "marketplace.cli", "worker", "--burst"],
                                env={**self.env, "SHAREDBUY_ENV": "development"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def journey_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JourneyServer]:
    """The app (``sharedbuy run``, jobs queued on Redis for workers the test starts) over a
    fresh small alliance: a run waits in the queue until the test starts a worker, so the
    progress bar is seen from its start however fast the optimizer is."""
    redis_url = os.environ.get("REDIS_URL")
    require_service(bool(redis_url), "Redis", "set REDIS_URL=redis://127.0.0.1:6379/15")
    for old in ARTIFACTS.glob("journey-*.png"):  # the screenshots left are this run's
        old.unlink()
    folder = tmp_path_factory.mktemp("journey")
    url = f"sqlite:///{folder}/journey.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        logins = [Login(x.role.value, x.email, x.password, x.organization) for x in seed_journey_alliance(session)]
    engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SHAREDBUY_ENV", "SECRET_KEY")}
    env.update(DATABASE_URL=url, REDIS_URL=str(redis_url), RQ_QUEUE=f"test-journey-{uuid.uuid4().hex}")
    with (folder / "server.log").open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "marketplace.cli", "run", "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, text=True, start_new_session=True)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/", process)
        yield JourneyServer(f"http://127.0.0.1:{port}/", logins, env)
    finally:
        stop_process_group(process)
        Queue(env["RQ_QUEUE"], connection=Redis.from_url(str(redis_url))).delete(delete_jobs=True)


@pytest.fixture
def b(browser, journey_server) -> Iterator[Browser]:
    people = Browser(browser, journey_server.url, journey_server.logins, journey_server.start_worker)
    yield people
    people.close()


def test_a_whole_cycle_from_needs_to_delivery_and_savings(b):
    milk = edit_a_need(b)
    cycle_url = open_and_close_a_cycle(b, milk)
    first_savings = run_and_publish(b)
    assert first_savings > 0
    decide(b, HORIZON, approve=True)
    decide(b, WOODPARK, approve=True, screenshot_name="director-share")
    decide(b, FAITHFUL, approve=False)
    savings = rerun_and_publish(b, cycle_url)
    approve_again(b, cycle_url)
    finalize_and_send(b, cycle_url)
    deliver_with_a_shortage(b)
    check_the_report(b, cycle_url, savings)
    assert len(b.shots) == 13 and all((ARTIFACTS / name).stat().st_size > 10_000 for name in b.shots)


def edit_a_need(b: Browser) -> str:
    """Woodpark's director raises the weekly milk; returns the item's name."""
    b.act_as(DIRECTOR, WOODPARK)
    b.nav("Recurring needs")
    b.click("Edit needs")
    row = b.page.locator("#needs tbody tr").filter(has_text="Milk, 1% low fat")
    b.follow(row.get_by_role("link", name="Edit"))
    assert b.h1().startswith("Edit the need for Milk, 1% low fat")
    b.page.get_by_label("Quantity").fill("48")
    b.page.get_by_label("Note").fill("Whole classrooms switched to 1%.")
    b.click("Save", "button")
    row = b.page.locator("#needs tbody tr").filter(has_text="Milk, 1% low fat")
    assert row.locator("input[id^=quantity-]").input_value() == "48"
    assert "Whole classrooms switched to 1%." in row.inner_text()
    b.shot("director-needs")
    return "Milk, 1% low fat, unflavored"


def open_and_close_a_cycle(b: Browser, milk: str) -> str:
    b.act_as(HUB)
    b.shot("hub-dashboard")
    b.nav("Cycles")
    b.click("New cycle")
    now = datetime.now(UTC)
    b.page.get_by_label("Name").fill(CYCLE)
    b.page.get_by_label("Opens (UTC)").fill(local(now - timedelta(hours=1)))
    b.page.get_by_label("Cutoff (UTC)").fill(local(now + timedelta(days=3)))
    b.page.get_by_label("Delivery day").fill((now + timedelta(days=8)).date().isoformat())
    b.click("Create the cycle", "button")
    assert b.h1().startswith(CYCLE) and "Draft" in b.h1()
    cycle_url = b.page.url
    b.click("Open for needs", "button")
    assert "Open" in b.h1()
    lines = int(b.page.locator(".facts div", has_text="Lines").locator("dd").inner_text())
    assert lines >= 60, "every site's recurring needs became lines"
    b.shot("hub-cycle-open")
    b.follow(b.page.get_by_role("link", name=WOODPARK))
    row = b.page.locator("table tbody tr").filter(has_text=milk)
    assert "192" in row.inner_text(), "48 gallons a week for a four-week cycle"
    b.page.goto(cycle_url)
    b.click("Close now", "button")
    assert "Closed" in b.h1()
    return cycle_url


def start_run(b: Browser) -> None:
    b.page.get_by_label("Time limit (seconds)").fill("5")
    b.click("Start the run", "button")
    watch_run(b)
    assert "Finished" in b.h1()


def publish(b: Browser, screenshot_name: str | None = None, tolerance: str = "2") -> Decimal:
    """On a finished run page: review the plan and publish it; returns the plan's savings."""
    b.click("Review the plan")
    assert b.h1() == "Plan review"
    savings = b.stat("saved by pooling")
    if screenshot_name:
        b.shot(screenshot_name, top=2400)  # totals, charts and the tables by vendor, category and site
    b.page.get_by_label("Approvals due (UTC)").fill(local(datetime.now(UTC) + timedelta(days=3)))
    b.page.get_by_label("Ask again when a member's cost rises by more than (%)").fill(tolerance)
    b.click("Publish for approval", "button")
    assert b.h1() == "Approvals" and "is published" in b.flash()
    return savings


def run_and_publish(b: Browser) -> Decimal:
    b.click("Run the optimizer")
    b.shot("hub-run-options")
    start_run(b)
    b.shot("hub-run-finished")
    return publish(b, "hub-plan-review")


def decide(b: Browser, member: str, *, approve: bool, screenshot_name: str | None = None) -> None:
    b.act_as(DIRECTOR, member)
    b.nav("Approvals")
    waiting = b.page.locator("#shares tbody tr").filter(has_text="Waiting for approval")
    b.follow(waiting.get_by_role("link", name=CYCLE))
    assert b.h1().startswith(f"{member}: your share")
    if screenshot_name:
        b.shot(screenshot_name)
    if approve:
        b.click("Approve", "button")
        assert "Approved" in b.h1()
    else:
        b.page.get_by_label("Why do you reject it?").fill(REASON)
        b.click("Reject", "button")
        assert "Rejected" in b.h1()


def rerun_and_publish(b: Browser, cycle_url: str) -> Decimal:
    b.act_as(HUB)
    b.page.goto(cycle_url)
    b.click("Approvals")
    board = b.page.locator("#shares")
    assert REASON in board.inner_text()
    assert [b.page.locator(".stat__value").nth(i).inner_text() for i in range(3)] == ["2", "0", "1"]
    b.shot("hub-approvals-rejected")
    b.click("Re-run without the members who said no", "button")
    watch_run(b)
    assert "Finished" in b.h1()
    assert FAITHFUL in b.page.locator(".facts").inner_text(), "the re-run leaves the member who said no out"
    return publish(b, tolerance="0")  # any member whose cost rose is asked again


def approve_again(b: Browser, cycle_url: str) -> None:
    """Members whose cost rose beyond the tolerance were asked again: they approve."""
    b.page.goto(cycle_url.rstrip("/") + "/approvals")
    rows = b.page.locator("#shares tbody tr")
    members = rows.locator("td:first-child").all_inner_texts()
    assert sorted(members) == sorted([WOODPARK, HORIZON])
    waiting = [m for m in members if "Waiting" in rows.filter(has_text=m).inner_text()]
    assert waiting, "without the member who said no, the others pay a little more: they are asked again"
    for member in waiting:
        decide(b, member, approve=True)
    b.act_as(HUB)
    b.page.goto(cycle_url.rstrip("/") + "/approvals")
    assert b.page.locator(".stat__value").first.inner_text() == "2"


def finalize_and_send(b: Browser, cycle_url: str) -> None:
    b.shot("hub-approvals-all-approved")
    b.click("Finalize and make the purchase orders", "button")
    b.page.goto(cycle_url)
    assert "Finalized" in b.h1()
    b.click("Purchase orders")
    b.click("Send the purchase orders", "button")
    statuses = b.page.locator("#orders tbody tr td:nth-child(4)").all_inner_texts()
    assert statuses and all(s.startswith("Sent") for s in statuses), statuses
    b.shot("hub-purchase-orders")


def deliver_with_a_shortage(b: Browser) -> None:
    b.act_as(VENDOR, DAIRY)
    b.nav("Orders")
    b.follow(b.page.locator("#orders").get_by_role("link", name="PO-").first)
    b.click("Confirm the order", "button")
    assert "Confirmed" in b.h1()
    b.click("Mark shipped", "button")
    assert "Shipped" in b.h1()
    b.shot("vendor-purchase-order", top=1800)
    po_url = b.page.url
    assert b.page.get_by_role("link", name="Report this delivery").count() >= 2, "the dairy delivers to several sites"
    b.click("Report this delivery")
    site = b.h1().removeprefix("Delivery to ").removesuffix(" Expected")
    rows = b.page.locator("#lines tbody tr")
    for index in range(rows.count()):  # every pack came, but one of the first line
        ordered = int(rows.nth(index).locator("td").nth(2).inner_text())
        rows.nth(index).locator("input").fill(str(ordered - 1 if index == 0 else ordered))
    b.page.get_by_label("Note (what was wrong, who signed)").fill("One pack short; signed by the cook.")
    b.shot("vendor-delivery-form")
    b.click("Record the delivery", "button")
    assert b.h1() == f"Delivery to {site} Received short"
    b.page.goto(po_url)
    assert b.page.get_by_role("heading", name=f"{site} Received short").is_visible()


def check_the_report(b: Browser, cycle_url: str, savings: Decimal) -> None:
    b.act_as(HUB)
    b.page.goto(cycle_url)
    b.click("Purchase orders")
    shortage = b.page.locator("#shortages")
    assert shortage.locator("tbody tr").count() == 1, "one line came short"
    assert money(shortage.locator("tfoot").inner_text()) > 0
    b.nav("Reports")
    b.follow(b.page.get_by_role("link", name=CYCLE).first)
    assert 0 < b.stat("saved") <= savings, "the plan's savings, on what was received"
    assert "refunded for short deliveries" in b.page.locator(".stat").first.inner_text()
    b.shot("hub-cycle-report")
