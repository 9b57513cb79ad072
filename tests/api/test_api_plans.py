"""A run's plan reviewed and two runs compared, as the hub's pages show them (plan world: 384.02
in all against 391.52 alone; without X, Y's apples fall back to 12.00: 77.92 becomes 80.92)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from marketplace.models import CycleStatus
from marketplace.services import runs
from marketplace.services.run_execution import execute_run
from tests.api.client import data
from tests.cycle_factories import build_cycle_objects, make_cycle, make_line
from tests.plan_factories import FAST, solved_run


def test_plan_review_in_json(session, world, pw, as_):
    run = solved_run(session, pw)
    hub, url = as_(world.hub), f"/api/v1/runs/{run.id}/review"
    review = data(hub.get(url))
    assert (review["total"], review["standalone"], review["savings"], review["savings_percent"]) == \
        ("384.02", "391.52", "7.50", "1.9")
    assert review["publishable"] and review["status"] in ("optimal", "feasible") and review["unmet"] == []
    assert {m["name"]: m["savings"] for m in review["members"]}["SECRET-Member-X"] == "4.50"
    assert review["vendors"][0]["name"] == "SECRET-Vendor-P" and review["vendors"][0]["total"] == "294.02"
    assert [c["name"] for c in review["categories"]] == ["Plan supplies"]
    apples = next(o for o in review["offers"] if o["item"] == "Apples P")
    assert (apples["pooled_packs"], apples["tier"], apples["unit_price"]) == (5, 2, "10.5")
    assert apples["reason"].startswith("5 packs from 2 sites reach tier 2")
    assert [t["reached"] for t in apples["tiers"]] == [False, True]
    lines, deliveries = review["lines"], review["deliveries"]
    goods = sum(Decimal(x["amount"]) for x in lines["data"])
    assert goods + Decimal(review["fees"]) == Decimal(review["total"]) and lines["total"] == len(lines["data"])
    assert sum(Decimal(d["fee"]) for d in deliveries["data"]) == Decimal(review["fees"])
    first = data(hub.get(f"{url}?per_page=2&page=2"))["lines"]
    assert (first["page"], first["per_page"], first["data"]) == (2, 2, lines["data"][2:4])
    for outsider in (world.dx, world.vendor, world.other_hub):
        assert as_(outsider).get(url).status_code == 404
    instance = data(hub.get(f"/api/v1/runs/{run.id}/instance"))["instance"]
    assert {m["name"] for m in instance["members"]} == {"SECRET-Member-X", "Member Y", "Member Q"}
    log = hub.get(f"/api/v1/runs/{run.id}/log")
    assert log.mimetype == "text/plain" and log.get_data(as_text=True).strip()
    assert as_(world.dx).get(f"/api/v1/runs/{run.id}/log").status_code == 404
    unsolved = build_cycle_objects(session, world).run
    assert "has no plan yet" in data(hub.get(f"/api/v1/runs/{unsolved.id}/review"), 409)["message"]


def test_two_runs_side_by_side(session, world, pw, as_):
    first = solved_run(session, pw)
    hub, url = as_(world.hub), f"/api/v1/runs/{first.id}/compare"
    assert "no other run" in data(hub.get(url), 409)["message"]
    second = solved_run(session, pw, options=replace(FAST, excluded_member_ids=(world.member_x.id,)))
    c = data(hub.get(f"{url}?with={second.id}"))
    assert (c["a"]["number"], c["b"]["number"], c["other_run_ids"]) == (1, 2, [second.id])
    members = {d["name"]: d for d in c["members"]}
    assert (members["Member Y"]["a"], members["Member Y"]["b"], members["Member Y"]["change"]) == \
        ("77.92", "80.92", "3.00")
    assert (members["SECRET-Member-X"]["b"], members["SECRET-Member-X"]["change"]) == (None, None)
    savings = next(d for d in c["totals"] if d["name"] == "Savings")
    assert savings["more_is_better"] and savings["change"] == "-7.50"
    total = next(d for d in c["totals"] if d["name"] == "Total cost")
    assert int(total["b"].replace(".", "")) == second.total_cents and not total["more_is_better"]
    assert {d["name"] for d in c["vendors"]} == {"SECRET-Vendor-P", "Vendor U"}
    assert data(hub.get(url))["b"]["id"] == second.id, "without ?with=, the newest other run"
    assert data(hub.get(f"{url}?with=two"), 422)["details"][0]["field"] == "with"
    assert hub.get(f"{url}?with=99999999999").status_code == 404
    other = make_cycle(session, world.hub.organization.alliance, status=CycleStatus.OPEN, name="Other cycle", opens_at=pw.now - timedelta(days=3),
                       cutoff_at=pw.now - timedelta(minutes=1), delivery_on=(pw.now + timedelta(days=5)).date())
    make_line(session, other, world.site_y, pw.milk, "8")
    foreign = runs.start_run(session, world.hub, other.id, FAST, now=pw.now)
    execute_run(session, foreign.id, workers=1)
    assert hub.get(f"{url}?with={foreign.id}").status_code == 404, "another cycle's run"
    assert as_(world.dx).get(f"{url}?with={second.id}").status_code == 404
    assert as_(world.other_hub).get(f"{url}?with={second.id}").status_code == 404
