"""Reading instances: good ones load exactly, bad ones name every problem at once."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from optimizer import InvalidInstanceError, dump_instance, load_instance, read_instance


def good() -> dict:
    return {
        "version": 1, "name": "Lane County alliance", "currency": "USD",
        "members": [{"id": "m1", "name": "Sunrise"}, {"id": "m2"}],
        "sites": [{"id": "s1", "member": "m1", "region": "97401"},
                  {"id": "s2", "member": "m2", "region": "97402"}],
        "items": [{"id": "milk", "name": "Whole milk", "unit": "gal", "category": "food"}],
        "vendors": [{"id": "v1", "regions": ["97401", "97402"], "delivery_fee": "25.00",
                     "free_delivery_over": "300.00", "min_order": "75.00"},
                    {"id": "v2"}],
        "offers": [{"id": "o1", "vendor": "v1", "item": "milk", "pack_size": 4,
                    "discount": "all_units",
                    "tiers": [{"min_packs": 1, "price": "15.96"},
                              {"min_packs": 100, "price": "14.80"}], "max_packs": 5000},
                   {"id": "o2", "vendor": "v2", "item": "milk", "pack_size": 1,
                    "tiers": [{"min_packs": 1, "price": 4.1}]}],
        "demands": [{"site": "s1", "item": "milk", "quantity": 40},
                    {"site": "s2", "item": "milk", "quantity": "12.5"}],
        "exclusions": [{"member": "m2", "vendor": "v1"}],
        "options": {"max_overbuy_fraction": 0.10, "max_vendors_per_site": None,
                    "time_limit_s": 60, "mip_gap": 0.0001},
    }


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InvalidInstanceError) as caught:
        load_instance(data)
    return caught.value.problems


def test_good_instance_loads_with_exact_money_and_defaults():
    inst = load_instance(good())
    o1, o2 = inst.offers
    assert o1.tiers[1].price == Decimal("14.80")
    assert o2.tiers[0].price == Decimal("4.1")  # a JSON number, read exactly
    assert o2.discount == "all_units" and o2.max_packs is None
    assert inst.vendor_by_id["v2"].regions is None and inst.vendor_by_id["v2"].delivery_fee == 0
    assert inst.demands[1].quantity == Decimal("12.5")
    assert inst.options.max_overbuy_fraction == Decimal("0.1")
    assert inst.allowed_offers("s2", "milk") == (o2,)  # m2 excluded v1
    assert inst.coverage_bounds("s1", "milk") == (Decimal(40), Decimal("44.0"))


def test_missing_optional_parts_take_the_documented_defaults():
    data = good()
    for key in ("exclusions", "options", "name", "currency"):
        del data[key]
    inst = load_instance(data)
    assert inst.currency == "USD" and inst.exclusions == ()
    opts = inst.options
    assert (opts.max_overbuy_fraction, opts.max_vendors_per_site, opts.time_limit_s,
            opts.mip_gap) == (Decimal("0.10"), None, 60.0, 0.0001)


def test_dump_and_load_round_trip():
    inst = load_instance(good())
    assert load_instance(json.loads(json.dumps(dump_instance(inst)))) == inst


def test_read_instance_reads_floats_as_decimals(tmp_path):
    path = tmp_path / "i.json"
    path.write_text(json.dumps(good()))
    assert read_instance(path).offers[1].tiers[0].price == Decimal("4.1")
    path.write_text("{not json")
    with pytest.raises(InvalidInstanceError, match="not valid JSON"):
        read_instance(path)


BAD_CASES = {
    "version": (lambda d: d.update(version=2), "unsupported version 2"),
    "duplicate member": (lambda d: d["members"].append({"id": "m1"}), "member 'm1': duplicate id"),
    "site of unknown member": (lambda d: d["sites"][0].update(member="mX"),
                               "site 's1': unknown member 'mX'"),
    "site without region": (lambda d: d["sites"][0].pop("region"), "site 's1': 'region' is missing"),
    "offer of unknown vendor": (lambda d: d["offers"][0].update(vendor="vX"),
                                "offer 'o1': unknown vendor 'vX'"),
    "offer of unknown item": (lambda d: d["offers"][0].update(item="bread"),
                              "offer 'o1': unknown item 'bread'"),
    "demand of unknown item": (lambda d: d["demands"][0].update(item="bread"),
                               "demand #1 (site 's1', item 'bread'): unknown item 'bread'"),
    "demand of unknown site": (lambda d: d["demands"][0].update(site="s9"),
                               "unknown site 's9'"),
    "duplicate demand": (lambda d: d["demands"].append({"site": "s1", "item": "milk",
                                                        "quantity": 1}),
                         "duplicate demand for this site and item"),
    "zero quantity": (lambda d: d["demands"][0].update(quantity=0), "'quantity' must be > 0"),
    "negative pack": (lambda d: d["offers"][0].update(pack_size=-4), "'pack_size' must be > 0"),
    "bad discount": (lambda d: d["offers"][0].update(discount="bulk"),
                     "offer 'o1': 'discount' must be one of all_units, incremental"),
    "no tiers": (lambda d: d["offers"][0].update(tiers=[]), "offer 'o1': 'tiers' must be a non-empty"),
    "tiers not increasing": (lambda d: d["offers"][0]["tiers"][1].update(min_packs=1),
                             "offer 'o1': tiers must have strictly increasing min_packs (1 then 1)"),
    "price rises": (lambda d: d["offers"][0]["tiers"][1].update(price="16.00"),
                    "offer 'o1': tier prices must never rise"),
    "fractional min packs": (lambda d: d["offers"][0]["tiers"][0].update(min_packs=1.5),
                             "offer 'o1' tier #1: 'min_packs' must be a whole number"),
    "too many places": (lambda d: d["vendors"][0].update(delivery_fee="25.00001"),
                        "vendor 'v1': 'delivery_fee' has more than 4 decimal places"),
    "negative money": (lambda d: d["vendors"][0].update(min_order="-1"),
                       "vendor 'v1': 'min_order' must be >= 0"),
    "money not a number": (lambda d: d["offers"][0]["tiers"][0].update(price="cheap"),
                           "'price' must be a money amount, got 'cheap'"),
    "boolean is no number": (lambda d: d["demands"][0].update(quantity=True),
                             "'quantity' must be a number"),
    "regions not a list": (lambda d: d["vendors"][0].update(regions="97401"),
                           "vendor 'v1': 'regions' must be a list of strings or null"),
    "negative capacity": (lambda d: d["offers"][0].update(max_packs=-1),
                          "offer 'o1': 'max_packs' must be >= 0"),
    "exclusion of unknown vendor": (lambda d: d["exclusions"].append({"member": "m1",
                                                                      "vendor": "v9"}),
                                    "exclusion #2: unknown vendor 'v9'"),
    "overbuy negative": (lambda d: d["options"].update(max_overbuy_fraction=-0.1),
                         "options: 'max_overbuy_fraction' must be >= 0"),
    "zero vendors per site": (lambda d: d["options"].update(max_vendors_per_site=0),
                              "options: 'max_vendors_per_site' must be >= 1"),
    "zero time": (lambda d: d["options"].update(time_limit_s=0), "options: 'time_limit_s' must be > 0"),
    "negative gap": (lambda d: d["options"].update(mip_gap=-1), "options: 'mip_gap' must be >= 0"),
    "members not a list": (lambda d: d.update(members={"id": "m1"}), "'members' must be a list"),
    "missing id": (lambda d: d["items"][0].pop("id"), "item #1: 'id' is missing"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_each_bad_instance_is_named(case):
    change, expected = BAD_CASES[case]
    data = copy.deepcopy(good())
    change(data)
    problems = problems_of(data)
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_together():
    data = good()
    for case in ("offer of unknown vendor", "price rises", "zero quantity", "negative gap"):
        BAD_CASES[case][0](data)
    problems = problems_of(data)
    assert len(problems) == 4
    text = str(InvalidInstanceError(problems))
    assert text.startswith("4 problems in the instance") and "unknown vendor 'vX'" in text


def test_not_an_object():
    assert problems_of([1, 2]) == ["instance: must be a JSON object"]
