"""The hub edits and cancels cycles; everyone sees the next-tier hints of an open cycle (the hub
with the vendors); directors list their sites' deliveries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.models import CycleStatus, PurchaseOrder
from marketplace.services import approvals
from marketplace.services import purchase_orders as orders
from tests.api.client import data, iso
from tests.cycle_factories import build_cycle_world, make_cycle
from tests.plan_factories import build_plan_world, finalized, published


def test_hub_edits_a_draft_cycle_with_the_fields_sent(session, world, as_):
    now = approvals.utcnow()
    draft = make_cycle(session, world.hub.organization.alliance, status=CycleStatus.DRAFT, name="May",
                       opens_at=now + timedelta(days=1), cutoff_at=now + timedelta(days=5),
                       delivery_on=(now + timedelta(days=9)).date(), approval_deadline_at=now + timedelta(days=7))
    hub, url = as_(world.hub), f"/api/v1/cycles/{draft.id}"
    changed = data(hub.patch(url, {"name": "  May   (moved) ", "cutoff_at": iso(now + timedelta(days=6))}))
    assert changed["name"] == "May (moved)" and changed["cutoff_at"].startswith((now + timedelta(days=6)).date().isoformat())
    assert (changed["delivery_on"], changed["length_days"]) == ((now + timedelta(days=9)).date().isoformat(), 28)
    assert changed["approval_deadline_at"] is not None, "a field not sent keeps its value"
    assert data(hub.patch(url, {"opens_automatically": True}))["opens_automatically"] is True
    assert data(hub.patch(url, {"name": "May (moved)"}))["opens_automatically"] is True
    assert data(hub.patch(url, {"opens_automatically": "yes"}), 422)["details"][0]["field"] == "opens_automatically"
    assert data(hub.patch(url, {"approval_deadline_at": None}))["approval_deadline_at"] is None
    late = data(hub.patch(url, {"cutoff_at": iso(now)}), 422)
    assert late["details"] == [{"field": "cutoff_at", "message": "The cutoff must come after the opening."}]
    bad = data(hub.patch(url, {"length_days": "four weeks", "delivery_on": "soon"}), 422)
    assert {d["field"] for d in bad["details"]} == {"length_days", "delivery_on"}
    assert hub.open("PATCH", url, data="name=x", content_type="text/plain").status_code == 400
    assert data(as_(world.dx).patch(url, {"name": "Mine"}), 403)["error"] == "forbidden"
    assert as_(world.other_hub).patch(url, {"name": "Theirs"}).status_code == 404
    session.refresh(draft)
    assert (draft.name, draft.approval_deadline_at, draft.opens_automatically) == ("May (moved)", None, True)


def test_an_open_cycle_keeps_its_length_and_a_cancelled_one_stays_cancelled(session, world, as_):
    cw = build_cycle_world(session, world)
    hub, url = as_(world.hub), f"/api/v1/cycles/{cw.cycle.id}"
    refused = data(hub.patch(url, {"length_days": 14}), 422)
    assert refused["details"][0]["field"] == "length_days" and "28 days" in refused["details"][0]["message"]
    assert data(hub.patch(url, {"name": "June"}))["status"] == "open"
    assert data(as_(world.dx).post(f"{url}/cancel"), 403)["error"] == "forbidden"
    assert as_(world.other_hub).post(f"{url}/cancel").status_code == 404
    assert data(hub.post(f"{url}/cancel"))["status"] == "cancelled"
    again = data(hub.post(f"{url}/cancel"), 409)
    assert again["error"] == "conflict" and "cancelled" in again["message"]
    assert data(hub.patch(url, {"name": "July"}), 409)["message"].startswith("This cycle is cancelled")
    line = cw.lines[("x", "milk-c")]
    assert as_(world.dx).patch(f"/api/v1/lines/{line.id}", {"quantity": "1"}).status_code == 409


def test_next_tier_hints_name_vendors_to_the_hub_only(session, world, as_):
    cw = build_cycle_world(session, world)
    url = f"/api/v1/cycles/{cw.cycle.id}/tier-hints"
    hub = data(as_(world.hub).get(url))["data"]
    # Milk pooled: X 40 gal + Y 24 gal = 10 + 6 packs of 4 gal; 4 more reach 14.80 (save 20 x 1.16).
    # Vendor W sells by the gallon: 64 now, 36 more reach 4.10 (save 100 x 0.40). Apples: last tier reached.
    assert [(h["vendor_name"], h["item_name"], h["pooled_packs"], h["packs_more"], h["units_more"],
             h["price_now"], h["price_next"], h["saving"]) for h in hub] == [
        ("SECRET-Vendor-V", "Whole milk", 16, 4, "16", "15.96", "14.8", "23.20"),
        ("Vendor W", "Whole milk", 64, 36, "36", "4.5", "4.1", "40.00")]
    assert all(h["offer_id"] and h["vendor_id"] for h in hub)
    director = as_(world.dx).get(url)
    mine = data(director)["data"]
    assert [(h["packs_more"], h["saving"]) for h in mine] == [(4, "23.20"), (36, "40.00")]
    assert {(h["vendor_name"], h["vendor_id"], h["offer_id"]) for h in mine} == {(None, None, None)}
    assert "SECRET-Vendor-V" not in director.get_data(as_text=True)
    for outsider in (world.vendor, world.other_hub, world.dz):
        assert as_(outsider).get(url).status_code == 404


def test_directors_list_the_deliveries_to_their_sites(session, world, as_):
    pw = build_plan_world(session, world)
    finalized(session, pw)
    orders.send_purchase_orders(session, world.hub, pw.cycle.id, email_enabled=False)
    mine = data(as_(world.dx).get("/api/v1/deliveries"))["data"]
    assert {d["site_name"] for d in mine} == {"SECRET-Site-X"} and len(mine) == 1, "vendor U has nothing for X"
    assert (mine[0]["vendor_name"], mine[0]["cycle_name"], mine[0]["status"]) == \
        ("SECRET-Vendor-P", "SECRET-Plan-Cycle", "pending")
    theirs = data(as_(world.dy).get("/api/v1/deliveries"))["data"]
    assert {d["site_name"] for d in theirs} == {"Site Y"} and "SECRET-Site-X" not in str(theirs)
    detail = data(as_(world.dx).get(f"/api/v1/deliveries/{mine[0]['id']}"))
    assert detail["number"] == mine[0]["number"]
    assert data(as_(world.dz).get("/api/v1/deliveries"))["data"] == []
    for user in (world.hub, pw.vendor_p_user):
        assert as_(user).get("/api/v1/deliveries").status_code == 403


def test_hub_lists_the_shortages_to_refund(session, world, as_):
    pw = build_plan_world(session, world)
    run = finalized(session, pw)
    orders.send_purchase_orders(session, world.hub, pw.cycle.id, email_enabled=False)
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.run_id == run.id,
                                                    PurchaseOrder.vendor_id == pw.vendor_p.id))
    orders.confirm_purchase_order(session, pw.vendor_p_user, po.id)
    orders.ship_purchase_order(session, pw.vendor_p_user, po.id)
    url = f"/api/v1/cycles/{pw.cycle.id}/shortages"
    assert data(as_(world.hub).get(url))["data"] == []
    drop = next(d for d in po.deliveries if d.site_id == world.site_x.id)
    milk = next(x for x in po.lines if x.site_id == world.site_x.id and x.item_id == pw.milk.id)
    received = {str(x.id): x.packs - (x.id == milk.id) for x in po.lines if x.site_id == world.site_x.id}
    data(as_(world.dx).post(f"/api/v1/deliveries/{drop.id}/report", {"received": received}))
    (short,) = data(as_(world.hub).get(url))["data"]
    assert (short["kind"], short["member_name"], short["site_name"], short["line_id"], short["shortage_packs"]) == \
        ("goods", "SECRET-Member-X", "SECRET-Site-X", milk.id, 1)
    assert (short["what"], short["amount"]) == ("Milk P: 1 pack(s)", "15.96"), "one pack of 4 gal at 15.96"
    assert data(as_(world.dx).get(url), 403)["error"] == "forbidden"
    for outsider in (pw.vendor_p_user, world.other_hub):
        assert as_(outsider).get(url).status_code == 404


def test_directors_list_their_shares_of_every_cycle(session, world, as_):
    pw = build_plan_world(session, world)
    run = published(session, pw)
    (mine,) = data(as_(world.dx).get("/api/v1/shares"))["data"]
    assert (mine["run_id"], mine["member_name"], mine["status"]) == (run.id, "SECRET-Member-X", "pending")
    assert [s["member_name"] for s in data(as_(pw.dq).get("/api/v1/shares"))["data"]] == ["Member Q"]
    assert data(as_(world.dz).get("/api/v1/shares"))["data"] == []
    for user in (world.hub, pw.vendor_p_user):
        assert as_(user).get("/api/v1/shares").status_code == 403
