"""Plan review: the totals, savings and spend the hub reads are the plan's, to the cent; each
tier is explained; two runs compare member by member; only the hub sees any of it."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from marketplace.errors import ConflictError, NotFoundError
from marketplace.services import plans
from tests.plan_factories import FAST, build_plan_world, solved_run


@pytest.fixture
def pw(session, world):
    return build_plan_world(session, world)


def test_review_totals_are_the_plans_and_add_up(session, world, pw):
    run = solved_run(session, pw)
    review = plans.plan_review(session, world.hub, run.id)
    plan = json.loads(run.plan_json)
    assert review.status == "optimal" and review.publishable
    assert review.total_cents == run.total_cents == sum(m.cost_cents for m in review.members)
    assert review.standalone_cents == run.standalone_cents and review.savings_cents == run.savings_cents > 0
    assert review.savings_percent == (Decimal(run.savings_cents) * 100 / run.standalone_cents).quantize(Decimal("0.1"))
    for table in (review.vendors, review.sites):
        assert sum(r.total_cents for r in table) == run.total_cents
    assert sum(c.total_cents for c in review.categories) == run.total_cents - review.fees_cents
    po_totals = {po["vendor"]: plans.cents(po["total"]) for po in plan["purchase_orders"]}
    assert {v.name: v.total_cents for v in review.vendors} == {
        "SECRET-Vendor-P": po_totals[f"v{pw.vendor_p.id}"], "Vendor U": po_totals[f"v{pw.vendor_u.id}"]}
    assert po_totals[f"v{pw.vendor_u.id}"] == 9000  # 3 packs of wipes at 30.00, no fee
    assert [c.name for c in review.categories] == ["Plan supplies"]
    assert {(x.site, x.item, x.packs) for x in review.lines} >= {("SECRET-Site-X", "Milk P", 10),
                                                                  ("Site Y", "Apples P", 2), ("Site Q", "=Wipes P", 3)}


def test_each_offer_says_which_tier_the_pooled_packs_reach_and_why(session, world, pw):
    review = plans.plan_review(session, world.hub, solved_run(session, pw).id)
    offers = {o.item: o for o in review.offers}
    apples, milk = offers["Apples P"], offers["Milk P"]
    assert (apples.pooled_packs, apples.sites, apples.tier, apples.unit_price) == (5, 2, 2, Decimal("10.50"))
    assert [t.reached for t in apples.tiers] == [False, True]
    assert "5 packs from 2 sites reach tier 2 (from 5 packs: $10.50 a pack)" in apples.reason
    assert "largest member alone (3) would stay at tier 1" in apples.reason
    assert milk.tier == 1 and "8 more would reach $14.80 (from 20)" in milk.reason
    fees = {(d.site, d.vendor): (d.fee_cents, d.waived) for d in review.deliveries}
    assert fees[("SECRET-Site-X", "SECRET-Vendor-P")] == (2500, False)
    assert fees[("Site Q", "Vendor U")] == (0, False)  # U charges no fee: nothing was waived


def test_an_infeasible_plan_says_what_cannot_be_met(session, world, pw):
    run = solved_run(session, pw, options=replace(FAST, excluded_vendor_ids=(pw.vendor_u.id,)))
    review = plans.plan_review(session, world.hub, run.id)
    assert review.status == "infeasible" and not review.publishable
    assert review.unmet and any("wipes-p" in u for u in review.unmet)
    assert review.lines == [] and review.vendors == []


def test_two_runs_compare_member_by_member(session, world, pw):
    first = solved_run(session, pw)
    second = solved_run(session, pw, options=replace(FAST, excluded_member_ids=(world.member_x.id,)))
    comparison = plans.compare_runs(session, world.hub, first.id, second.id)
    members = {d.name: d for d in comparison.members}
    assert members["SECRET-Member-X"].b_cents is None and members["SECRET-Member-X"].change_cents is None
    assert members["Member Y"].change_cents == 300  # Y's apples lose the pooled tier: 2 x 1.50
    assert members["Member Q"].change_cents == 0
    totals = {d.name: d for d in comparison.totals}
    assert totals["Total cost"].a_cents == first.total_cents and totals["Total cost"].b_cents == second.total_cents
    vendors = {d.name: d for d in comparison.vendors}
    assert vendors["Vendor U"].change_cents == 0 and vendors["SECRET-Vendor-P"].change_cents < 0
    assert [r.id for r in plans.other_runs(session, world.hub, first)] == [second.id]


def test_plans_are_the_hubs_alone(session, world, pw):
    run = solved_run(session, pw)
    for outsider in (world.dx, world.vendor, world.other_hub, world.dz):
        with pytest.raises(NotFoundError):
            plans.plan_review(session, outsider, run.id)
    other_cycle_run = solved_run(session, pw)
    with pytest.raises(NotFoundError):
        plans.compare_runs(session, world.other_hub, run.id, other_cycle_run.id)


def test_a_run_without_a_plan_cannot_be_reviewed(session, world, pw):
    from marketplace.services import runs

    queued = runs.start_run(session, world.hub, pw.cycle.id, FAST, now=pw.now)
    with pytest.raises(ConflictError, match="has no plan yet"):
        plans.plan_review(session, world.hub, queued.id)
