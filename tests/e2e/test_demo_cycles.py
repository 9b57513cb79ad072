"""What a newcomer sees of the demo's cycles in the browser: one in every state, each page
telling its part (the orders and the shortage of the delivered one, the decisions on the one
waiting for approvals, the lines of the open one)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.journey_pages import money

pytestmark = pytest.mark.browser


def log_in(page, server, role: str, organization: str | None = None) -> None:
    login = server.login_for(role, organization)
    page.goto(server.url + "login")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def open_link(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name).first.click()


def cycles_by_status(page, server) -> dict[str, str]:
    page.goto(server.url + "cycles")
    rows = page.locator("table tbody tr")
    return {rows.nth(i).locator("td").nth(1).inner_text(): rows.nth(i).locator("td").first.inner_text()
            for i in range(rows.count())}


def test_the_hub_sees_a_cycle_in_every_state(page, demo_server):
    log_in(page, demo_server, "Hub manager")
    cycles = cycles_by_status(page, demo_server)
    assert set(cycles) == {"Delivered", "Plan published", "Open for needs"}
    screenshot(page, "demo-01-hub-cycles")

    open_link(page, cycles["Delivered"])
    open_link(page, "Purchase orders")
    statuses = page.locator("#orders tbody tr td:nth-child(4)").all_inner_texts()
    assert sorted(statuses) == ["Delivered", "Delivered", "Delivered short"]
    assert page.locator("#shortages tbody tr").count() == 1
    screenshot(page, "demo-02-hub-delivered-orders")
    page.goto(demo_server.url + "reports")
    open_link(page, cycles["Delivered"])
    saved = page.locator(".stat").filter(has_text="saved").locator(".stat__value").inner_text()
    assert money(saved) > Decimal(1000)
    screenshot(page, "demo-03-hub-delivered-report")

    page.goto(demo_server.url + "cycles")
    open_link(page, cycles["Plan published"])
    open_link(page, "Approvals")
    approved, waiting, rejected = (int(page.locator(".stat__value").nth(i).inner_text()) for i in range(3))
    assert rejected == 1 and approved >= 10 and waiting >= 10
    assert page.get_by_role("button", name="Re-run without the members who said no").is_visible()
    screenshot(page, "demo-04-hub-approvals-waiting")

    page.goto(demo_server.url + "cycles")
    open_link(page, cycles["Open for needs"])
    assert "Directors may add, change and remove" in page.locator(".card").first.inner_text()
    screenshot(page, "demo-05-hub-open-cycle")


def test_a_director_has_a_share_to_decide_and_one_delivered(page, demo_server):
    log_in(page, demo_server, "Center director", "Woodpark Montessori")
    with page.expect_navigation():
        page.locator("nav.mainnav").get_by_role("link", name="Approvals").click()
    statuses = page.locator("#shares tbody tr td:nth-child(4)").all_inner_texts()
    assert len(statuses) == 2 and "Approved" in statuses
    screenshot(page, "demo-06-director-approvals")
