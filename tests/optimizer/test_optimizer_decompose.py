"""Per-site decomposition: its bound is a true lower bound and its plan keeps the rules."""

from __future__ import annotations

import random
import sys
import time

import pytest
from optimizer_cases import brute_force, random_instance, search_space

from optimizer import SolveOptions, check_plan, load_instance, solve
from optimizer.check import check_packs
from optimizer.decompose import decompose, envelope_prices
from optimizer.evaluate import evaluate
from optimizer.structure import analyse


@pytest.mark.parametrize("chunk", range(3))
def test_bound_below_and_plan_above_the_brute_force_optimum(chunk):
    compared = 0
    for seed in range(1000 + chunk * 60, 1000 + chunk * 60 + 60):
        rng = random.Random(seed)
        inst = load_instance(random_instance(rng, sites=rng.randint(2, 3), items=2,
                                             vendors=rng.randint(1, 3)))
        st = analyse(inst)
        if not st.feasible_so_far or search_space(inst) > 4000:
            continue
        best = brute_force(inst)
        dec = decompose(st, time.monotonic() + 20, workers=1)
        if best is None:
            continue
        compared += 1
        assert dec.bound <= float(best) + 1e-6, f"seed {seed}"
        if dec.cost is not None and not check_packs(inst, dec.packs):
            assert dec.cost >= best and evaluate(inst, dec.packs).total == dec.cost
    assert compared >= 12


def test_envelope_price_is_the_lowest_average_price_reachable():
    data = random_instance(random.Random(3), sites=2, items=1, vendors=1, options=False)
    data["offers"] = [{"id": "o", "vendor": "v0", "item": "i0", "pack_size": 1,
                       "discount": "incremental",
                       "tiers": [{"min_packs": 1, "price": "10.00"},
                                 {"min_packs": 11, "price": "5.00"}]}]
    data["demands"] = [{"site": "s0", "item": "i0", "quantity": 10},
                       {"site": "s1", "item": "i0", "quantity": 10}]
    st = analyse(load_instance(data))
    # cap 22 packs (10% overbuy each): 10 x 10.00 + 12 x 5.00 = 160.00 over 22 packs
    assert st.cap["o"] == 22
    assert envelope_prices(st)["o"] * 22 == 160


def test_statewide_alliances_are_solved_by_decomposition(monkeypatch):
    monkeypatch.setattr("optimizer.pooled.LARGE_PAIRS", 0)
    monkeypatch.setattr("optimizer.pooled.MIP_MAX_PAIRS", 0)  # statewide: no exact model
    monkeypatch.setattr(sys.modules["optimizer.solve"], "LARGE_PAIRS", 0)  # module, not function
    plans = {}
    for seed in (7, 12):  # 12 needs its pooled minimum repaired by fix-and-optimize
        inst = load_instance(random_instance(random.Random(seed), sites=10, items=4, vendors=3,
                                             max_quantity=40, options=False))
        plans[seed] = solve(inst, SolveOptions(time_limit_s=20, standalone=False))
    infeasible, plan = plans[7], plans[12]
    assert infeasible.status == "infeasible"
    assert infeasible.method == {"infeasible": "sites that cannot buy even alone"}
    assert infeasible.unmet == ["site s9 needs i1, but the offers it may use can supply at most "
                                "39 in all (capacity), against 147 needed by the sites that "
                                "depend on them"]
    assert plan.status in ("optimal", "feasible")
    assert plan.method["bound"] == "per-site decomposition at envelope prices"
    assert plan.method["plan"].startswith("per-site decomposition")
    assert check_plan(inst, plan.to_json()) == []
    assert plan.lower_bound <= plan.total_cost
