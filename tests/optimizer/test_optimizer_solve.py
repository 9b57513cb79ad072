"""The public solve(): options, progress, cancellation, plan JSON, split and the union guard."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from optimizer_cases import random_instance

from optimizer import (
    CancelledError,
    InvalidInstanceError,
    SolveOptions,
    check_plan,
    load_instance,
    solve,
)
from optimizer.core import Outcome
from optimizer.evaluate import evaluate
from optimizer.plan import Status, priced_plan
from optimizer.solve import _with_members
from optimizer.standalone import StandaloneResult, standalone_cost

SPEC_KEYS = {"version", "status", "total_cost", "lower_bound", "gap", "lines", "deliveries",
             "purchase_orders", "members", "standalone_cost", "savings", "unmet", "timings"}


def two_members() -> dict:
    """Two centers, milk from a dairy with a volume tier, and a grocer with a fee."""
    return {
        "version": 1,
        "members": [{"id": "m1"}, {"id": "m2"}],
        "sites": [{"id": "s1", "member": "m1", "region": "97401"},
                  {"id": "s2", "member": "m2", "region": "97401"}],
        "items": [{"id": "milk"}, {"id": "bread"}],
        "vendors": [{"id": "dairy", "delivery_fee": "10.00", "free_delivery_over": "100.00"},
                    {"id": "grocer", "delivery_fee": "5.00"}],
        "offers": [
            {"id": "milk-dairy", "vendor": "dairy", "item": "milk", "pack_size": 4,
             "tiers": [{"min_packs": 1, "price": "16.00"}, {"min_packs": 12, "price": "14.00"}]},
            {"id": "milk-grocer", "vendor": "grocer", "item": "milk", "pack_size": 1,
             "tiers": [{"min_packs": 1, "price": "4.30"}]},
            {"id": "bread-grocer", "vendor": "grocer", "item": "bread", "pack_size": 1,
             "discount": "incremental",
             "tiers": [{"min_packs": 1, "price": "3.00"}, {"min_packs": 10, "price": "2.50"}]},
        ],
        "demands": [{"site": "s1", "item": "milk", "quantity": 24},
                    {"site": "s2", "item": "milk", "quantity": 24},
                    {"site": "s1", "item": "bread", "quantity": 6},
                    {"site": "s2", "item": "bread", "quantity": 6}],
    }


def test_plan_json_has_the_spec_fields_and_checks_clean():
    inst = load_instance(two_members())
    plan = solve(inst)
    data = plan.to_json()
    assert SPEC_KEYS <= data.keys()
    assert data["status"] == "optimal" and data["unmet"] == []
    # pooled: 12 packs of milk reach the 14.00 tier: 168 + bread 12 packs incremental
    # (9 at 3.00 + 3 at 2.50 = 34.50) + grocer fees 2 x 5.00 + dairy fees 2 x 10.00
    # (each site's 6 packs are worth 84.00 at the floor price, below the free 100.00)
    assert data["total_cost"] == "232.50"
    assert check_plan(inst, data) == []
    orders = {po["vendor"]: po for po in data["purchase_orders"]}
    assert orders["dairy"]["lines"] == [{"offer": "milk-dairy", "packs": 12,
                                         "unit_price": "14.00", "amount": "168.00", "tier": 2}]
    assert orders["grocer"]["fees"] == "10.00" and orders["grocer"]["total"] == "44.50"
    assert orders["dairy"]["total"] == "188.00"
    members = {m["member"]: m for m in data["members"]}
    # alone: milk from the grocer (24 x 4.30 = 103.20, beating 6 x 16.00 + 10.00 fee),
    # bread 6 x 3.00, one grocer fee: 126.20
    assert members["m1"]["standalone_cost"] == members["m2"]["standalone_cost"] == "126.20"
    assert Decimal(members["m1"]["cost"]) + Decimal(members["m2"]["cost"]) == Decimal("232.50")
    assert data["standalone_cost"] == "252.40" and data["savings"] == "19.90"
    assert data["timings"]["solve_s"] >= 0 and data["lower_bound"] is not None


def test_options_override_the_instance():
    inst = load_instance(two_members())
    one_vendor = solve(inst, SolveOptions(max_vendors_per_site=1))
    assert all(sum(1 for d in one_vendor.deliveries if d.site == s) == 1 for s in ("s1", "s2"))
    assert one_vendor.total_cost > solve(inst).total_cost
    assert any("limit of 1 vendor(s) per site raises cost by $" in n for n in one_vendor.notes)
    no_overbuy = solve(inst, SolveOptions(max_overbuy_fraction=Decimal(0), standalone=False))
    assert no_overbuy.status == "optimal"


def test_progress_reports_every_phase():
    events = []
    solve(load_instance(two_members()), progress=events.append)
    phases = [e["phase"] for e in events]
    for phase in ("validate", "build", "solve", "standalone", "verify"):
        assert phase in phases
    assert all(isinstance(e["elapsed_s"], float) for e in events)


def test_instance_json_is_validated_first():
    data = two_members()
    data["offers"][0]["tiers"][1]["price"] = "17.00"
    with pytest.raises(InvalidInstanceError, match="tier prices must never rise"):
        solve(data)


def _hard(seed: int):
    rng = random.Random(seed)
    return load_instance(random_instance(rng, sites=12, items=8, vendors=4, max_quantity=60,
                                         options=False))


def test_stop_request_returns_the_plan_in_hand():
    plan = solve(_hard(1), SolveOptions(time_limit_s=30), should_stop=lambda: True)
    assert plan.status == "feasible" and plan.lines
    assert plan.lower_bound is not None and plan.gap > 0
    assert check_plan(_hard(1), plan.to_json()) == []


def test_stop_request_without_any_plan_raises(monkeypatch):
    monkeypatch.setattr("optimizer.pooled.construct_start", lambda instance: {})
    monkeypatch.setattr("optimizer.pooled.IMPROVE_MIN_SITES", 1000)
    with pytest.raises(CancelledError):
        solve(_hard(2), SolveOptions(time_limit_s=30), should_stop=lambda: True)


def test_a_pooled_plan_dearer_than_buying_alone_is_replaced_by_the_union():
    inst = load_instance(two_members())
    results = {m: standalone_cost(inst, m) for m in ("m1", "m2")}
    dear = {("s1", "milk-grocer"): 24, ("s2", "milk-dairy"): 6,
            ("s1", "bread-grocer"): 6, ("s2", "bread-grocer"): 6}
    plan = priced_plan(inst, dear, Status.FEASIBLE, Decimal("200"))
    outcome = Outcome(status="feasible", packs=dear, cost=evaluate(inst, dear).total)
    guarded = _with_members(inst, plan, outcome, results)
    # the standalone plans together: 48 x 4.30 + 12 bread pooled (34.50) + 2 grocer fees
    assert guarded.total_cost == Decimal("250.90") < plan.total_cost == Decimal("253.70")
    assert guarded.method["plan"] == "union of standalone plans"
    assert check_plan(inst, guarded.to_json()) == []


def test_one_member_is_its_own_standalone_baseline():
    data = two_members()
    data["members"] = [{"id": "m1"}]
    data["sites"][1]["member"] = "m1"
    plan = solve(load_instance(data)).to_json()
    assert plan["members"] == [{"member": "m1", "cost": "232.50", "standalone_cost": "232.50",
                                "savings": "0.00"}]


def test_standalone_result_of_a_member_alone():
    result = standalone_cost(load_instance(two_members()), "m2")
    assert isinstance(result, StandaloneResult)
    assert result.cents == 12620 and result.status == "optimal"
    assert set(result.packs) <= {("s2", "milk-dairy"), ("s2", "milk-grocer"), ("s2", "bread-grocer")}


def test_cbc_takes_over_when_highs_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated HiGHS failure")

    monkeypatch.setattr("optimizer.solver._run_highs", broken)
    plan = solve(load_instance(two_members()), SolveOptions(standalone=False, explain=False))
    assert plan.solver == "CBC" and plan.total_cost == Decimal("232.50")
    assert any("falling back to CBC" in line for line in plan.log)


def test_standalone_solves_run_in_worker_processes(monkeypatch):
    monkeypatch.setattr("optimizer.standalone.SMALL_WORK", 0)
    inst = load_instance(two_members())
    plan = solve(inst, SolveOptions(workers=2, explain=False))
    assert [m.standalone_cost for m in plan.members] == [Decimal("126.20"), Decimal("126.20")]
    assert check_plan(inst, plan.to_json()) == []


def test_free_delivery_reached_by_building_up_orders_is_noted():
    data = two_members()
    data["vendors"][0]["free_delivery_over"] = "84.00"  # exactly 6 packs at the floor price
    plan = solve(load_instance(data), SolveOptions(standalone=False))
    assert all(d.fee == 0 for d in plan.deliveries if d.vendor == "dairy")
    assert "2 deliveries reach free delivery within 2% of the threshold (their orders were " \
           "built up to it)" in plan.notes


def test_without_standalone_solves_members_pay_their_own_lines():
    plan = solve(load_instance(two_members()), SolveOptions(standalone=False)).to_json()
    assert [m["standalone_cost"] for m in plan["members"]] == [None, None]
    assert plan["members"][0]["standalone_unmet"] == ["standalone cost not computed"]
    assert sum(Decimal(m["cost"]) for m in plan["members"]) == Decimal(plan["total_cost"])
