from __future__ import annotations

import re


def nav(page: str) -> list[str]:
    block = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    return re.findall(r">([^<>]+)</a>", block)


HUB_ONLY = {"Organizations", "Invitations", "Activity"}


def test_each_role_has_its_navigation_and_dashboard(world, make_client):
    # Later modules add entries; these must be there, and no role gets another role's pages.
    hub = make_client(world.hub).get("/").get_data(as_text=True)
    assert nav(hub)[:5] == ["Dashboard", "Organizations", "Sites", "Invitations", "Activity"]
    assert "Alliance overview" in hub and "Invite a member" in hub
    director = make_client(world.dx).get("/").get_data(as_text=True)
    assert nav(director)[:3] == ["Dashboard", "Our sites", "Our organization"]
    assert not HUB_ONLY & set(nav(director))
    assert "SECRET-Member-X" in director and "SECRET-Site-X" in director and "Add a site" in director
    vendor = make_client(world.vendor).get("/").get_data(as_text=True)
    assert nav(vendor)[:2] == ["Dashboard", "Our company"]
    assert not (HUB_ONLY | {"Sites", "Our sites"}) & set(nav(vendor))
    assert "SECRET-Vendor-V" in vendor and "Member Y" not in vendor


def test_hub_dashboard_counts_its_alliance_only(world, make_client):
    page = make_client(world.hub).get("/").get_data(as_text=True)
    pairs = re.findall(r'stat__value">([^<]+)</span><span class="stat__label">([^<]+)<', page)
    by_label = {label: value for value, label in pairs}
    assert by_label["member organizations"] == "2"
    assert by_label["sites"] == "2"
    assert by_label["licensed child places"] == "160"
    assert by_label["vendors"] == "1"
    assert by_label["pending invitations"] == "1"
