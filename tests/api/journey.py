"""A whole purchasing cycle through the JSON API, as an alliance's own tools would drive it.

Directors X, Y and Q keep recurring needs; the hub opens a cycle (the needs become lines),
X adds and removes a one-off line and reads the next-tier hints, the hub renames the cycle,
closes it, runs the optimizer (a background job: ``run_jobs`` makes the queued jobs run) and
watches the run, publishes; X and Y approve, Q rejects; the hub re-runs without Q, publishes
again, reads the approvals board, compares the two runs, moves the deadline, finalizes and
sends the orders; vendor P confirms, ships, downloads its order and reports the deliveries, one
line short; the reports show the savings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from marketplace.db import utcnow
from tests.api.client import ApiClient, iso


@dataclass
class Cast:
    hub: ApiClient
    dx: ApiClient
    dy: ApiClient
    dq: ApiClient
    vendor_p: ApiClient
    site_x: int
    site_y: int
    site_q: int
    milk: int
    apples: int
    wipes: int


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def keep_needs(c: Cast) -> None:
    for client, site, item, quantity, cadence in (
            (c.dx, c.site_x, c.milk, "10", "weekly"), (c.dx, c.site_x, c.apples, "30", "every_cycle"),
            (c.dy, c.site_y, c.milk, "2", "weekly"), (c.dy, c.site_y, c.apples, "20", "every_cycle"),
            (c.dq, c.site_q, c.wipes, "3", "every_cycle")):
        ok(client.post(f"/api/v1/sites/{site}/needs", {"item_id": item, "quantity": quantity, "cadence": cadence}), 201)
    (milk,) = [n for n in ok(c.dx.get(f"/api/v1/sites/{c.site_x}/needs"))["data"] if n["item_id"] == c.milk]
    changed = ok(c.dx.patch(f"/api/v1/needs/{milk['id']}", {"note": "whole milk, gallons"}))
    assert changed["quantity"] == "10" and changed["note"] == "whole milk, gallons"


def open_and_close(c: Cast) -> int:
    now = utcnow()
    cycle = ok(c.hub.post("/api/v1/cycles", {
        "name": "API cycle", "opens_at": iso(now - timedelta(hours=1)), "cutoff_at": iso(now + timedelta(days=2)),
        "delivery_on": (now + timedelta(days=10)).date().isoformat(), "length_days": 28}), 201)
    opened = ok(c.hub.post(f"/api/v1/cycles/{cycle['id']}/open"))
    assert opened["lines_made"] == 5 and opened["cycle"]["status"] == "open"
    mine = ok(c.dx.get(f"/api/v1/cycles/{cycle['id']}/lines"))["data"]
    assert sorted((x["item_id"], x["quantity"]) for x in mine) == sorted([(c.milk, "40"), (c.apples, "30")])
    extra = ok(c.dx.post(f"/api/v1/cycles/{cycle['id']}/sites/{c.site_x}/lines",
                         {"item_id": c.wipes, "quantity": 2, "note": "one-off"}), 201)
    assert ok(c.dx.patch(f"/api/v1/lines/{extra['id']}", {"quantity": "1"}))["quantity"] == "1"
    assert c.dx.delete(f"/api/v1/lines/{extra['id']}").status_code == 204
    assert ok(c.hub.patch(f"/api/v1/cycles/{cycle['id']}", {"name": "API cycle (March)"}))["status"] == "open"
    for hint in ok(c.dx.get(f"/api/v1/cycles/{cycle['id']}/tier-hints"))["data"]:
        assert hint["pooled_packs"] + hint["packs_more"] == hint["next_min_packs"] and hint["vendor_name"] is None
    assert ok(c.hub.post(f"/api/v1/cycles/{cycle['id']}/close"))["status"] == "closed"
    late = c.dx.post(f"/api/v1/cycles/{cycle['id']}/sites/{c.site_x}/lines", {"item_id": c.wipes, "quantity": 1})
    assert late.status_code == 409
    return cycle["id"]


def solved(c: Cast, run: dict[str, Any], run_jobs: Callable[[], None]) -> dict[str, Any]:
    assert run["status"] == "queued" and run["progress"]["finished"] is False
    run_jobs()
    done = ok(c.hub.get(f"/api/v1/runs/{run['id']}"))
    assert done["status"] == "succeeded", done
    assert done["progress"]["finished"] and done["progress"]["percent"] == 100
    plan = ok(c.hub.get(f"/api/v1/runs/{run['id']}/plan"))["plan"]
    assert plan["status"] in ("optimal", "feasible") and Decimal(plan["total_cost"]) > 0
    return done


def decide(c: Cast, cycle_id: int, run_id: int) -> None:
    deadline = iso(utcnow() + timedelta(days=3))
    assert ok(c.hub.post(f"/api/v1/runs/{run_id}/publish", {"deadline": deadline}))["status"] == "published"
    (share_x,) = ok(c.dx.get(f"/api/v1/cycles/{cycle_id}/shares"))["data"]
    detail = ok(c.dx.get(f"/api/v1/shares/{share_x['id']}"))
    assert detail["decidable"] and detail["lines"] and Decimal(detail["savings"]) >= 0
    assert ok(c.dx.post(f"/api/v1/shares/{share_x['id']}/approve"))["status"] == "approved"
    (share_y,) = ok(c.dy.get(f"/api/v1/cycles/{cycle_id}/shares"))["data"]
    ok(c.dy.post(f"/api/v1/shares/{share_y['id']}/approve"))
    (share_q,) = ok(c.dq.get(f"/api/v1/cycles/{cycle_id}/shares"))["data"]
    rejected = ok(c.dq.post(f"/api/v1/shares/{share_q['id']}/reject", {"reason": "We buy wipes locally."}))
    assert rejected["status"] == "rejected"
    assert len(ok(c.hub.get(f"/api/v1/cycles/{cycle_id}/shares"))["data"]) == 3
    assert c.hub.post(f"/api/v1/cycles/{cycle_id}/finalize").status_code == 409


def rerun_and_finalize(c: Cast, cycle_id: int, run_jobs: Callable[[], None]) -> list[dict[str, Any]]:
    rerun = ok(c.hub.post(f"/api/v1/cycles/{cycle_id}/rerun", {}), 202)
    done = solved(c, rerun, run_jobs)
    assert done["excluded_member_ids"], "the re-run leaves Q out"
    ok(c.hub.post(f"/api/v1/runs/{done['id']}/publish", {"deadline": iso(utcnow() + timedelta(days=3))}))
    board = ok(c.hub.get(f"/api/v1/cycles/{cycle_id}/approvals"))
    assert board["run_id"] == done["id"] and board["left_out"] == ["Member Q"]
    compared = ok(c.hub.get(f"/api/v1/runs/{done['id']}/compare"))
    q = {d["name"]: d for d in compared["members"]}["Member Q"]
    assert q["a"] is None and q["b"] is not None, "the re-run (a) has no Q; run 1 (b) had"
    ok(c.hub.post(f"/api/v1/cycles/{cycle_id}/approvals/deadline", {"deadline": iso(utcnow() + timedelta(days=4))}))
    for director in (c.dx, c.dy):
        for share in ok(director.get(f"/api/v1/cycles/{cycle_id}/shares"))["data"]:
            if share["status"] == "pending":
                ok(director.post(f"/api/v1/shares/{share['id']}/approve"))
    assert ok(c.dq.get(f"/api/v1/cycles/{cycle_id}/shares"))["data"] == []
    finalized = ok(c.hub.post(f"/api/v1/cycles/{cycle_id}/finalize"))
    assert finalized["cycle"]["status"] == "finalized" and finalized["purchase_orders"]
    return ok(c.hub.post(f"/api/v1/cycles/{cycle_id}/purchase-orders/send"))["data"]


def deliver(c: Cast, cycle_id: int) -> int:
    (po,) = ok(c.vendor_p.get(f"/api/v1/purchase-orders?cycle_id={cycle_id}"))["data"]
    assert po["status"] == "sent"
    assert ok(c.vendor_p.post(f"/api/v1/purchase-orders/{po['id']}/confirm"))["status"] == "confirmed"
    shipped = ok(c.vendor_p.post(f"/api/v1/purchase-orders/{po['id']}/ship"))
    assert shipped["status"] == "shipped"
    short_done = False
    for drop in shipped["deliveries"]:
        lines = ok(c.vendor_p.get(f"/api/v1/deliveries/{drop['id']}"))["lines"]
        received = {str(x["id"]): x["packs"] for x in lines}
        if not short_done:
            received[str(lines[0]["id"])] = lines[0]["packs"] - 1
            short_done = True
        reported = ok(c.vendor_p.post(f"/api/v1/deliveries/{drop['id']}/report", {"received": received}))
        assert reported["status"] in ("received", "short")
    final = ok(c.vendor_p.get(f"/api/v1/purchase-orders/{po['id']}"))
    document = c.vendor_p.get(f"/api/v1/purchase-orders/{po['id']}/document.csv")
    assert document.status_code == 200 and po["number"] in document.get_data(as_text=True)
    assert {d["status"] for d in ok(c.dx.get("/api/v1/deliveries"))["data"]} <= {"received", "short"}
    assert final["status"] == "short"
    assert sum(x["shortage_packs"] for x in final["lines"]) == 1
    return po["id"]


def walk(c: Cast, run_jobs: Callable[[], None]) -> dict[str, Any]:
    """The whole journey; returns the hub's, X's and vendor P's reports of the cycle."""
    keep_needs(c)
    cycle_id = open_and_close(c)
    first = ok(c.hub.post(f"/api/v1/cycles/{cycle_id}/runs", {"time_limit_s": 20}), 202)
    run = solved(c, first, run_jobs)
    decide(c, cycle_id, run["id"])
    rerun_and_finalize(c, cycle_id, run_jobs)
    deliver(c, cycle_id)
    reports = {who: ok(client.get(f"/api/v1/reports/cycles/{cycle_id}"))
               for who, client in (("hub", c.hub), ("dx", c.dx), ("vendor_p", c.vendor_p))}
    hub = reports["hub"]
    assert {m["name"] for m in hub["members"]} == {"SECRET-Member-X", "Member Y"}, "Q left the order"
    assert Decimal(hub["totals"]["savings"]) > 0 and Decimal(hub["totals"]["savings_percent"]) > 0
    assert [m["id"] for m in reports["dx"]["members"]] == [m["id"] for m in hub["members"]
                                                            if m["name"] == reports["dx"]["scope"]]
    assert Decimal(reports["vendor_p"]["totals"]["shortage"]) > 0
    kinds = {n["kind"] for n in ok(c.hub.get("/api/v1/notifications"))["data"]}
    assert "delivery_shortage" in kinds
    return reports
