"""The API's resources with the pages' access rules (each answer is checked against the
OpenAPI document by the test client)."""

from __future__ import annotations

from datetime import timedelta

from marketplace.db import utcnow
from marketplace.models import CycleStatus, OrgKind
from marketplace.services import notifications
from tests.api.client import data
from tests.cycle_factories import build_cycle_objects, build_cycle_world, make_cycle
from tests.factories import build_catalog_world
from tests.plan_factories import build_plan_world, published
from tests.report_factories import build_report_world


def test_organizations_and_sites_follow_the_scope(world, as_):
    hub, dx = as_(world.hub), as_(world.dx)
    names = {o["name"] for o in data(hub.get("/api/v1/organizations"))["data"]}
    assert {"Hub A", "SECRET-Member-X", "Member Y", "SECRET-Vendor-V"} <= names and "SECRET-Member-Z" not in names
    vendors = data(hub.get("/api/v1/organizations?kind=vendor"))["data"]
    assert {o["kind"] for o in vendors} == {OrgKind.VENDOR.value}
    assert [o["name"] for o in data(dx.get("/api/v1/organizations"))["data"]] == ["SECRET-Member-X"]
    assert dx.get(f"/api/v1/organizations/{world.member_y.id}").status_code == 404
    assert [s["name"] for s in data(dx.get("/api/v1/sites"))["data"]] == ["SECRET-Site-X"]
    assert {s["name"] for s in data(hub.get("/api/v1/sites"))["data"]} == {"SECRET-Site-X", "Site Y"}
    assert data(hub.get(f"/api/v1/sites/{world.site_y.id}"))["city"] == "Shakopee"


def test_items_and_offers(session, world, as_):
    cw = build_cycle_world(session, world)
    items = data(as_(world.dx).get("/api/v1/items?per_page=1"))
    assert items["total"] == 2 and items["per_page"] == 1 and len(items["data"]) == 1
    assert data(as_(world.dx).get(f"/api/v1/items/{cw.milk.id}"))["unit"] == "gal"
    assert as_(world.dz).get(f"/api/v1/items/{cw.milk.id}").status_code == 404
    assert data(as_(world.dx).get("/api/v1/offers"))["total"] == 0, "directors see no vendor's prices"
    offers = data(as_(world.vendor).get("/api/v1/offers"))["data"]
    assert sorted(o["vendor_sku"] for o in offers) == ["VA10", "VM4"], "a vendor sees its own offers"
    assert data(as_(world.hub).get(f"/api/v1/offers?item_id={cw.milk.id}"))["total"] == 2
    vm4 = next(o for o in offers if o["vendor_sku"] == "VM4")
    offer = data(as_(world.hub).get(f"/api/v1/offers/{vm4['id']}"))
    assert offer["tiers"] == [{"min_packs": 1, "price": "15.96"}, {"min_packs": 20, "price": "14.8"}]
    assert offer["pack_size"] == "4" and offer["vendor_name"] == "SECRET-Vendor-V"
    assert as_(world.dx).get(f"/api/v1/offers/{vm4['id']}").status_code == 404


def test_recurring_needs_are_the_directors(session, world, as_):
    catalog = build_catalog_world(session, world)
    dx, hub = as_(world.dx), as_(world.hub)
    url = f"/api/v1/sites/{world.site_x.id}/needs"
    need = data(dx.post(url, {"item_id": catalog.item.id, "quantity": 2.5, "cadence": "weekly",
                              "ends_on": "2026-12-31", "max_unit_price": "4.10"}), 201)
    assert (need["quantity"], need["ends_on"], need["max_unit_price"]) == ("2.5", "2026-12-31", "4.1")
    assert data(dx.post(url, {"item_id": catalog.item.id, "quantity": 1}), 422)["details"][0]["field"] == "item_id"
    assert hub.post(url, {"item_id": catalog.item.id, "quantity": 1}).status_code == 403
    assert as_(world.vendor).get(url).status_code == 404
    assert [n["id"] for n in data(hub.get(url))["data"]] == [need["id"]]
    changed = data(dx.patch(f"/api/v1/needs/{need['id']}", {"ends_on": None, "max_unit_price": None, "cadence": "monthly"}))
    assert (changed["ends_on"], changed["max_unit_price"], changed["cadence"], changed["quantity"]) == \
        (None, None, "monthly", "2.5")
    assert data(dx.patch(f"/api/v1/needs/{need['id']}", {"cadence": "hourly"}), 422)["error"] == "invalid"
    assert as_(world.dy).patch(f"/api/v1/needs/{need['id']}", {"quantity": 1}).status_code == 404
    assert dx.delete(f"/api/v1/needs/{need['id']}").status_code == 204
    assert dx.get(f"/api/v1/needs/{need['id']}").status_code == 404


def test_cycles_and_lines(session, world, as_):
    objects = build_cycle_objects(session, world)
    cycle = objects.cycles.cycle
    hub, dx, dy = as_(world.hub), as_(world.dx), as_(world.dy)
    assert dx.post("/api/v1/cycles", {"name": "x", "opens_at": "2026-01-01T00:00:00Z", "cutoff_at": "2026-01-02T00:00:00Z",
                                      "delivery_on": "2026-01-05"}).status_code == 403
    naive = hub.post("/api/v1/cycles", {"name": "x", "opens_at": "2026-01-01T00:00:00", "cutoff_at": "2026-01-02T00:00:00Z",
                                        "delivery_on": "2026-01-05"})
    assert data(naive, 422)["details"] == [{"field": "opens_at", "message": "Give the time zone, e.g. a final Z for UTC."}]
    assert [c["name"] for c in data(dx.get("/api/v1/cycles"))["data"]] == ["SECRET-Cycle"]
    assert data(hub.post(f"/api/v1/cycles/{cycle.id}/open"), 409)["error"] == "conflict"
    mine = data(dx.get(f"/api/v1/cycles/{cycle.id}/lines"))["data"]
    assert {x["site_id"] for x in mine} == {world.site_x.id} and len(mine) == 2
    assert len(data(hub.get(f"/api/v1/cycles/{cycle.id}/lines"))["data"]) == 4
    assert len(data(hub.get(f"/api/v1/cycles/{cycle.id}/lines?site_id={world.site_y.id}"))["data"]) == 2
    line = objects.line
    assert data(dx.patch(f"/api/v1/lines/{line.id}", {"quantity": "35", "note": "more"}))["quantity"] == "35"
    assert dy.patch(f"/api/v1/lines/{line.id}", {"quantity": "1"}).status_code == 404
    assert data(hub.post(f"/api/v1/cycles/{cycle.id}/close"))["lines_editable"] is False
    assert dx.patch(f"/api/v1/lines/{line.id}", {"quantity": "36"}).status_code == 409
    assert dx.delete(f"/api/v1/lines/{line.id}").status_code == 409


def test_runs_are_the_hubs(session, world, as_, app, monkeypatch):
    objects = build_cycle_objects(session, world)
    cycle, run = objects.cycles.cycle, objects.run
    hub = as_(world.hub)
    assert data(hub.post(f"/api/v1/cycles/{cycle.id}/runs", {"time_limit_s": 20}), 409)["error"] == "conflict"
    assert data(hub.post(f"/api/v1/cycles/{cycle.id}/runs", {"time_limit_s": "soon"}), 422)["details"][0]["field"] == \
        "time_limit_s"
    assert [r["id"] for r in data(hub.get(f"/api/v1/cycles/{cycle.id}/runs"))["data"]] == [run.id]
    assert data(as_(world.dx).get(f"/api/v1/cycles/{cycle.id}/runs"))["data"] == []
    assert as_(world.dx).get(f"/api/v1/runs/{run.id}").status_code == 404
    run.status = run.status.QUEUED
    session.flush()
    cancelled = data(hub.post(f"/api/v1/runs/{run.id}/cancel"))
    assert cancelled["status"] == "cancelled" and cancelled["progress"]["finished"]
    assert data(hub.get(f"/api/v1/runs/{run.id}/plan"))["plan"] is None


def test_shares_of_a_published_plan(session, world, as_):
    pw = build_plan_world(session, world)
    run = published(session, pw)
    dx, hub = as_(world.dx), as_(world.hub)
    (share,) = data(dx.get(f"/api/v1/cycles/{pw.cycle.id}/shares"))["data"]
    detail = data(dx.get(f"/api/v1/shares/{share['id']}"))
    assert detail["run_id"] == run.id and detail["decidable"] and detail["status"] == "pending"
    assert {x["item"] for x in detail["lines"]} == {"Milk P", "Apples P"}
    assert all(x["pooled_price"] for x in detail["lines"])
    assert len(data(hub.get(f"/api/v1/cycles/{pw.cycle.id}/shares"))["data"]) == 3
    assert hub.post(f"/api/v1/shares/{share['id']}/approve").status_code == 403
    assert data(dx.post(f"/api/v1/shares/{share['id']}/reject", {"reason": " "}), 422)["details"][0]["field"] == "reason"
    assert data(dx.post(f"/api/v1/shares/{share['id']}/reject", {}), 422)["details"][0]["field"] == "reason"
    assert data(dx.post(f"/api/v1/shares/{share['id']}/approve"))["status"] == "approved"
    assert as_(world.dy).get(f"/api/v1/shares/{share['id']}").status_code == 404
    assert as_(pw.vendor_p_user).get("/api/v1/purchase-orders").get_json()["data"] == []


def test_reports_in_json(session, world, as_):
    rw = build_report_world(session, world)
    year = data(as_(world.hub).get("/api/v1/reports/years/2026"))
    assert year["kind"] == "spend" and year["year"] == 2026
    # March's 2 packs short: X is refunded 30.78 and its cost alone shrinks alike (tests/reports).
    assert (year["totals"]["charged"], year["totals"]["refunded"], year["totals"]["spend"], year["totals"]["standalone"],
            year["totals"]["savings"], year["totals"]["savings_percent"]) == (
        "414.30", "30.78", "383.52", "305.42", "21.90", "7.2")
    assert [c["name"] for c in year["cycles"]] == ["SECRET-Cycle", "April cycle"]
    mine = data(as_(world.dx).get(f"/api/v1/reports/cycles/{rw.march.id}"))
    assert [m["name"] for m in mine["members"]] == ["SECRET-Member-X"] and mine["totals"]["adjustment"] == "-0.36"
    sales = data(as_(world.vendor).get(f"/api/v1/reports/cycles/{rw.march.id}"))
    assert sales["kind"] == "sales" and sales["totals"]["shortage"] == "31.92"
    assert as_(world.vendor).get(f"/api/v1/reports/cycles/{rw.april.id}").status_code == 404
    assert as_(world.other_hub).get(f"/api/v1/reports/cycles/{rw.march.id}").status_code == 404
    assert as_(world.hub).get("/api/v1/reports/years/1999").status_code == 404


def test_notifications_in_json(session, world, as_):
    for title in ("One", "Two", "Three"):
        notifications.notify(session, [world.dx], notifications.PO_SENT, title, link="/sites")
    dx = as_(world.dx)
    page = data(dx.get("/api/v1/notifications?per_page=2"))
    assert page["total"] == 3 and [n["title"] for n in page["data"]] == ["Three", "Two"]
    read = data(dx.post(f"/api/v1/notifications/{page['data'][0]['id']}/read"))
    assert read["read"] is True and read["read_at"]
    assert data(dx.get("/api/v1/notifications?unread=1"))["total"] == 2
    assert data(dx.post("/api/v1/notifications/read-all")) == {"marked": 2}
    assert data(as_(world.dy).get("/api/v1/notifications"))["total"] == 0


def test_a_cycle_opened_through_the_api_makes_lines_of_the_needs(session, world, as_):
    catalog = build_catalog_world(session, world)
    dx, hub = as_(world.dx), as_(world.hub)
    data(dx.post(f"/api/v1/sites/{world.site_x.id}/needs", {"item_id": catalog.item.id, "quantity": "10",
                                                             "cadence": "weekly", "starts_on": "2020-01-01"}), 201)
    now = utcnow()
    cycle = make_cycle(session, world.hub.organization.alliance, status=CycleStatus.DRAFT, name="API open",
                       opens_at=now - timedelta(hours=1), cutoff_at=now + timedelta(days=3),
                       delivery_on=(now + timedelta(days=9)).date())
    opened = data(hub.post(f"/api/v1/cycles/{cycle.id}/open"))
    assert opened["lines_made"] == 1 and opened["cycle"]["status"] == "open"
    (line,) = data(dx.get(f"/api/v1/cycles/{cycle.id}/lines"))["data"]
    assert line["quantity"] == "40" and line["source"] == "recurring"
    kinds = [n["kind"] for n in data(dx.get("/api/v1/notifications"))["data"]]
    assert kinds == ["cycle_opened"]
