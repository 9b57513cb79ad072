"""The constructive start: plans that keep the rules, on generated and hand-made instances."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from optimizer.heuristics import construct_start
from optimizer.instance import Instance, load_instance

# The benchmark generator lives in bench/, beside the packages (not installed with them).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import baseline  # noqa: E402
from bench.evaluate import evaluate  # noqa: E402
from bench.generate import Params, generate  # noqa: E402


def broken_rules(inst: Instance, packs: dict[tuple[str, str], int]) -> list[str]:
    """Every rule of the contract (1, 2, 3, 5) the packs break, in words."""
    problems = []
    got: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    pooled: dict[str, int] = defaultdict(int)
    floors: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (site, offer_id), n in packs.items():
        offer = inst.offer_by_id[offer_id]
        if n <= 0 or not inst.allowed(site, offer_id):
            problems.append(f"{site} may not receive {offer_id} ({n} packs)")
        got[(site, offer.item)] += offer.pack_size * n
        pooled[offer_id] += n
        floors[(site, offer.vendor)] += offer.floor_price * n
    for (site, item), quantity in got.items():
        bounds = inst.coverage_bounds(site, item)
        if bounds is None or not bounds[0] <= quantity <= bounds[1]:
            problems.append(f"{site} gets {quantity} of {item}, bounds {bounds}")
    for offer_id, n in pooled.items():
        offer = inst.offer_by_id[offer_id]
        if n < offer.moq or (offer.max_packs is not None and n > offer.max_packs):
            problems.append(f"{offer_id} pooled {n} packs")
    per_site: dict[str, int] = defaultdict(int)
    for (site, vendor_id), value in floors.items():
        per_site[site] += 1
        minimum = inst.vendor_by_id[vendor_id].min_order
        if minimum is not None and value < minimum:
            problems.append(f"{site} orders {value} from {vendor_id}, minimum {minimum}")
    limit = inst.options.max_vendors_per_site
    problems += [f"{s} uses {n} vendors" for s, n in per_site.items() if limit and n > limit]
    return problems


def uncovered(inst: Instance, packs: dict[tuple[str, str], int]) -> set[tuple[str, str]]:
    covered = {(s, inst.offer_by_id[o].item) for s, o in packs}
    return {(d.site, d.item) for d in inst.demands} - covered


@pytest.mark.parametrize(
    "params",
    [
        Params(sites=5, items=40, vendors=6, seed=5),
        Params(sites=12, items=50, vendors=8, reach=4, seed=11),
        Params(sites=20, items=30, vendors=10, reach=3, seed=3),
        Params(sites=10, items=40, vendors=8, seed=7, max_vendors_per_site=2),
    ],
    ids=["5-sites", "12-sites-reach-4", "20-sites-reach-3", "10-sites-max-2-vendors"],
)
def test_generated_instances_get_a_complete_plan_that_keeps_every_rule(params):
    inst = load_instance(generate(params))
    packs = construct_start(inst)
    assert broken_rules(inst, packs) == []
    assert uncovered(inst, packs) == set()


def _tiny(offers: list[dict], demands: list[dict], vendors: list[dict] | None = None,
          **options) -> Instance:
    return load_instance({
        "version": 1,
        "members": [{"id": "m1"}, {"id": "m2"}],
        "sites": [{"id": "s1", "member": "m1", "region": "a"},
                  {"id": "s2", "member": "m2", "region": "a"}],
        "items": [{"id": "milk"}, {"id": "soap"}],
        "vendors": vendors or [{"id": "A"}, {"id": "B"}],
        "offers": offers, "demands": demands, "options": options,
    })


def test_pooling_reaches_a_tier_no_site_reaches_alone():
    # Each site needs 6 packs; A is dearer than B below 10 packs and cheaper from 10.
    inst = _tiny(
        offers=[{"id": "a", "vendor": "A", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "5.00"}, {"min_packs": 10, "price": "3.00"}]},
                {"id": "b", "vendor": "B", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "4.00"}]}],
        demands=[{"site": "s1", "item": "milk", "quantity": 6},
                 {"site": "s2", "item": "milk", "quantity": 6}],
    )
    assert construct_start(inst) == {("s1", "a"): 6, ("s2", "a"): 6}


def test_an_unreachable_minimum_order_sends_the_site_elsewhere():
    # A is cheaper, but s1 alone cannot reach A's $100 minimum; s2 can.
    inst = _tiny(
        vendors=[{"id": "A", "min_order": "100.00"}, {"id": "B", "delivery_fee": "5.00"}],
        offers=[{"id": "a", "vendor": "A", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "4.00"}]},
                {"id": "b", "vendor": "B", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "4.50"}]}],
        demands=[{"site": "s1", "item": "milk", "quantity": 10},
                 {"site": "s2", "item": "milk", "quantity": 30}],
    )
    packs = construct_start(inst)
    assert packs == {("s1", "b"): 10, ("s2", "a"): 30}
    assert broken_rules(inst, packs) == []


def test_a_pooled_minimum_quantity_out_of_reach_drops_the_offer():
    inst = _tiny(
        offers=[{"id": "a", "vendor": "A", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 50, "price": "3.00"}]},
                {"id": "b", "vendor": "B", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "4.00"}]}],
        demands=[{"site": "s1", "item": "milk", "quantity": 6},
                 {"site": "s2", "item": "milk", "quantity": 6}],
    )
    assert construct_start(inst) == {("s1", "b"): 6, ("s2", "b"): 6}


def test_a_capacity_is_shared_and_the_rest_bought_elsewhere():
    inst = _tiny(
        offers=[{"id": "a", "vendor": "A", "item": "milk", "pack_size": 1, "max_packs": 8,
                 "tiers": [{"min_packs": 1, "price": "3.00"}]},
                {"id": "b", "vendor": "B", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "4.00"}]}],
        demands=[{"site": "s1", "item": "milk", "quantity": 6},
                 {"site": "s2", "item": "milk", "quantity": 6}],
    )
    packs = construct_start(inst)
    assert broken_rules(inst, packs) == []
    assert uncovered(inst, packs) == set()
    assert sum(n for (_, o), n in packs.items() if o == "a") <= 8


def test_mixed_packs_avoid_needless_overbuying():
    # 13 units: a case of 12 plus one single beats two cases (24 > 13 * 1.1 anyway).
    inst = _tiny(
        offers=[{"id": "case", "vendor": "A", "item": "soap", "pack_size": 12,
                 "tiers": [{"min_packs": 1, "price": "24.00"}]},
                {"id": "one", "vendor": "A", "item": "soap", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "2.50"}]}],
        demands=[{"site": "s1", "item": "soap", "quantity": 13}],
    )
    assert construct_start(inst) == {("s1", "case"): 1, ("s1", "one"): 1}


def test_a_demand_nobody_may_serve_is_left_uncovered_not_broken():
    inst = _tiny(
        vendors=[{"id": "A", "regions": ["elsewhere"]}, {"id": "B"}],
        offers=[{"id": "a", "vendor": "A", "item": "soap", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "1.00"}]},
                {"id": "b", "vendor": "B", "item": "milk", "pack_size": 1,
                 "tiers": [{"min_packs": 1, "price": "4.00"}]}],
        demands=[{"site": "s1", "item": "soap", "quantity": 3},
                 {"site": "s1", "item": "milk", "quantity": 2}],
    )
    packs = construct_start(inst)
    assert packs == {("s1", "b"): 2}
    assert uncovered(inst, packs) == {("s1", "soap")}


@pytest.mark.parametrize("seed", [2, 5, 6])
def test_the_start_is_within_two_percent_of_the_optimum_on_small_alliances(seed):
    data = json.loads(json.dumps(generate(Params(sites=4, items=20, vendors=5, seed=seed))),
                      parse_float=Decimal)
    optimum = baseline.solve(data, time_limit=60, gap=1e-6, threads=1)
    assert optimum.status == "optimal"
    start_cost, problems = evaluate(data, construct_start(load_instance(data)))
    assert problems == []
    assert optimum.cost <= start_cost <= optimum.cost * Decimal("1.02")


def test_generated_instances_are_deterministic_valid_and_feasible_by_construction():
    params = Params(sites=30, items=60, vendors=9, reach=4, seed=9)
    data = generate(params)
    assert json.dumps(data) == json.dumps(generate(params))
    assert json.dumps(data) != json.dumps(generate(Params(**{**params.__dict__, "seed": 10})))
    inst = load_instance(json.loads(json.dumps(data), parse_float=Decimal))
    assert len(inst.sites) == 30 and len(inst.items) == 60 and len(inst.vendors) == 9
    # Money is written as decimal strings; the club vendor serves everyone with no minimum.
    assert all(isinstance(t["price"], str) for o in data["offers"] for t in o["tiers"])
    club = next(v for v in inst.vendors if v.id.endswith("-club"))
    assert club.regions is None and club.min_order is None
    for demand in inst.demands:
        assert any(o.vendor == club.id for o in inst.allowed_offers(demand.site, demand.item))
