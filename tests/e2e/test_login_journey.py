"""Each demo role logs in through the browser and sees its own organization, nothing more."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser


def log_in(page, server, login):
    page.goto(server.url + "login")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url)


def nav_items(page) -> list[str]:
    return [text.strip() for text in page.locator("nav.mainnav a").all_inner_texts()]


def test_demo_prints_a_login_for_every_role(demo_server):
    roles = {login.role for login in demo_server.logins}
    assert roles == {"Hub manager", "Center director", "Vendor"}
    assert len(demo_server.logins) >= 30


def test_hub_manager_sees_the_whole_alliance(page, demo_server):
    page.goto(demo_server.url)
    assert "/login" in page.url
    screenshot(page, "01-login")
    log_in(page, demo_server, demo_server.login_for("Hub manager"))
    assert page.get_by_role("heading", level=1).inner_text() == "Alliance overview"
    assert nav_items(page)[:5] == ["Dashboard", "Organizations", "Sites", "Invitations", "Activity"]
    screenshot(page, "02-hub-dashboard")
    page.locator("nav.mainnav").get_by_role("link", name="Sites").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 41
    assert page.get_by_text("Woodpark Montessori").count() >= 1
    screenshot(page, "03-hub-sites")


def test_director_sees_only_their_member(page, demo_server):
    director = demo_server.login_for("Center director", "New Horizon Academy")
    log_in(page, demo_server, director)
    assert page.get_by_role("heading", level=1).inner_text() == "New Horizon Academy"
    assert nav_items(page)[:3] == ["Dashboard", "Our sites", "Our organization"]
    assert "Invitations" not in nav_items(page)
    screenshot(page, "04-director-dashboard")
    page.locator("nav.mainnav").get_by_role("link", name="Our sites").click()
    names = page.locator("table tbody tr td:first-child").all_inner_texts()
    assert len(names) == 3 and all(name.startswith("New Horizon Academy") for name in names)
    assert page.get_by_text("Woodpark Montessori").count() == 0
    screenshot(page, "05-director-sites")

    page.get_by_role("link", name=re.compile("New Horizon Academy \\(Savage\\)")).click()
    own_site = page.url
    foreign_id = int(own_site.rstrip("/").split("/")[-1]) + 20
    response = page.goto(f"{demo_server.url}sites/{foreign_id}")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()


def test_director_sees_a_clear_message_for_bad_input(page, demo_server):
    log_in(page, demo_server, demo_server.login_for("Center director", "Woodpark Montessori"))
    page.goto(demo_server.url + "sites/new")
    page.get_by_label("Site name").fill("Woodpark East")
    page.get_by_label("City", exact=True).fill("Savage")
    page.get_by_label("ZIP code").fill("553")
    page.get_by_label("Licensed capacity").fill("0")
    page.get_by_role("button", name="Add the site").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.locator("#zip_code-error").inner_text().endswith("Enter a 5-digit ZIP code, like 55379 (or ZIP+4, like 55379-1234).")
    assert "between 1 and 2000" in page.locator("#licensed_capacity-error").inner_text()
    screenshot(page, "06-director-form-errors")


def test_vendor_sees_its_company_only_and_logs_out(page, demo_server):
    vendor = demo_server.login_for("Vendor", "Prairie Clean Supply")
    log_in(page, demo_server, vendor)
    assert page.get_by_role("heading", level=1).inner_text() == "Prairie Clean Supply"
    assert nav_items(page)[:2] == ["Dashboard", "Our company"]
    assert "Sites" not in nav_items(page) and "Invitations" not in nav_items(page)
    screenshot(page, "07-vendor-dashboard")
    page.goto(demo_server.url + "sites")
    assert page.locator("table tbody tr td").first.inner_text() == "No site matches."
    page.goto(demo_server.url + "organizations")
    assert page.locator("table tbody tr").count() == 1
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert page.get_by_text("You are logged out.").is_visible()
