"""Fix-and-optimize: it never makes a plan dearer, keeps every rule, and does find savings."""

from __future__ import annotations

import random
import time

from optimizer_cases import brute_force, random_instance, search_space

from optimizer import SolveOptions, check_plan, load_instance, solve
from optimizer.check import check_packs
from optimizer.evaluate import evaluate
from optimizer.heuristics import construct_start
from optimizer.improve import fix_and_optimize
from optimizer.structure import analyse

EXACT = SolveOptions(standalone=False, explain=False, mip_gap=0.0)


def _dearest_valid_start(inst):
    """Every site on its own dearest allowed offer per item where that keeps the rules."""
    st = analyse(inst)
    packs = construct_start(inst)
    if not packs or check_packs(inst, packs):
        return st, None
    for (site, item), offers in st.offers_at.items():
        q = st.need[(site, item)][0]
        for offer_id in sorted(offers, key=lambda o: -inst.offer_by_id[o].tiers[0].price):
            trial = {k: n for k, n in packs.items()
                     if not (k[0] == site and inst.offer_by_id[k[1]].item == item)}
            size = inst.offer_by_id[offer_id].pack_size
            trial[(site, offer_id)] = -(-q // size)
            if not check_packs(inst, trial):
                packs = trial
                break
    return st, packs


def test_never_dearer_and_never_below_the_brute_force_optimum():
    compared = 0
    for seed in range(5000, 5120):
        rng = random.Random(seed)
        inst = load_instance(random_instance(rng, sites=3, items=2, vendors=rng.randint(2, 3)))
        if search_space(inst) > 4000:
            continue
        st, start = _dearest_valid_start(inst)
        if start is None:
            continue
        best = brute_force(inst)
        out = fix_and_optimize(st, start, time.monotonic() + 20, group=1)
        compared += 1
        assert check_packs(inst, out.packs) == [], f"seed {seed}"
        assert out.cost == evaluate(inst, out.packs).total, f"seed {seed}"
        assert best <= out.cost <= evaluate(inst, start).total, f"seed {seed}"
    assert compared >= 20


def test_dear_plans_come_down_to_the_optimum_most_of_the_time():
    compared = reached = 0
    for seed in range(30):
        inst = load_instance(random_instance(random.Random(seed), sites=5, items=4, vendors=3,
                                             max_quantity=40))
        st, start = _dearest_valid_start(inst)
        if start is None:
            continue
        best = solve(inst, EXACT).total_cost
        out = fix_and_optimize(st, start, time.monotonic() + 20, group=2)
        compared += 1
        assert check_packs(inst, out.packs) == [], f"seed {seed}"
        assert best <= out.cost < evaluate(inst, start).total, f"seed {seed}"
        reached += out.cost == best
    assert compared >= 10 and reached >= 0.6 * compared


def test_groups_as_large_as_the_alliance_leave_the_plan_to_the_mip():
    inst = load_instance(random_instance(random.Random(3), sites=5, items=4, vendors=3,
                                         max_quantity=40))
    st, start = _dearest_valid_start(inst)
    assert start is not None
    out = fix_and_optimize(st, start, time.monotonic() + 20, group=5)
    assert out.packs == start and out.rounds == 0


def test_mid_size_alliances_are_improved_before_the_mip():
    rng = random.Random(4)
    inst = load_instance(random_instance(rng, sites=12, items=6, vendors=4, max_quantity=60,
                                         options=False))
    plan = solve(inst, SolveOptions(time_limit_s=20, standalone=False, explain=False))
    assert plan.status in ("optimal", "feasible")
    assert any(line.startswith("fix-and-optimize:") for line in plan.log)
    assert check_plan(inst, plan.to_json()) == []
    assert plan.lower_bound <= plan.total_cost
