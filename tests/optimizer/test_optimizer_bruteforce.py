"""Tiny random instances: the optimizer's plan must cost exactly the brute-force optimum."""

from __future__ import annotations

import random

import pytest
from optimizer_cases import brute_force, random_instance, search_space

from optimizer import SolveOptions, check_plan, load_instance, solve
from optimizer.evaluate import evaluate
from optimizer.instance import INCREMENTAL

SEEDS = range(400)
MAX_SPACE = 4000
FAST = SolveOptions(standalone=False, explain=False, mip_gap=0.0)


def _tiny(seed: int):
    rng = random.Random(seed)
    data = random_instance(rng, sites=rng.randint(1, 3), items=rng.randint(1, 2),
                           vendors=rng.randint(1, 3))
    inst = load_instance(data)
    if search_space(inst) > MAX_SPACE:
        return None
    return inst


@pytest.mark.parametrize("chunk", range(8))
def test_optimum_equals_brute_force(chunk):
    compared = feasible = 0
    for seed in SEEDS[chunk::8]:
        inst = _tiny(seed)
        if inst is None:
            continue
        best = brute_force(inst)
        plan = solve(inst, FAST)
        compared += 1
        if best is None:
            assert plan.status == "infeasible", f"seed {seed}: brute force finds no plan"
            assert plan.unmet, f"seed {seed}: infeasible without a reason"
            continue
        feasible += 1
        assert plan.status == "optimal", f"seed {seed}"
        assert evaluate(inst, plan.packs).total == best, f"seed {seed}"
        assert check_plan(inst, plan.to_json()) == [], f"seed {seed}"
    assert compared >= 35 and feasible >= 15


def test_random_cases_cover_every_feature():
    """The brute-force series exercises both discounts and every option."""
    seen = set()
    for seed in SEEDS:
        inst = _tiny(seed)
        if inst is None:
            continue
        seen |= {o.discount for o in inst.offers}
        seen |= {"moq" for o in inst.offers if o.moq > 1}
        seen |= {"capacity" for o in inst.offers if o.max_packs is not None}
        seen |= {"tiers" for o in inst.offers if len(o.tiers) > 1}
        seen |= {"free" for v in inst.vendors if v.free_delivery_over is not None}
        seen |= {"min_order" for v in inst.vendors if v.min_order is not None}
        seen |= {"regions" for v in inst.vendors if v.regions is not None}
        seen |= {"exclusion" for _ in inst.exclusions}
        if inst.options.max_vendors_per_site is not None:
            seen.add("max_vendors")
        if inst.options.max_overbuy_fraction == 0:
            seen.add("no_overbuy")
    assert seen >= {"all_units", INCREMENTAL, "moq", "capacity", "tiers", "free", "min_order",
                    "regions", "exclusion", "max_vendors", "no_overbuy"}
