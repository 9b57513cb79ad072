"""Infeasible instances are explained in plain words; binding limits are priced."""

from __future__ import annotations

from optimizer import SolveOptions, load_instance, solve

QUICK = SolveOptions(time_limit_s=20)


def instance(offers, demands, *, vendors=None, sites=None, members=None, exclusions=(),
             options=None) -> dict:
    return {
        "version": 1,
        "members": members or [{"id": "m1"}, {"id": "m2"}],
        "sites": sites or [{"id": "s1", "member": "m1", "region": "north"},
                           {"id": "s2", "member": "m2", "region": "north"}],
        "items": [{"id": "milk"}, {"id": "eggs"}],
        "vendors": vendors or [{"id": "v1"}, {"id": "v2"}],
        "offers": offers, "demands": demands, "exclusions": list(exclusions),
        "options": options or {},
    }


def offer(ident, vendor, item, price="2.00", pack=1, moq=1, **extra) -> dict:
    return {"id": ident, "vendor": vendor, "item": item, "pack_size": pack,
            "tiers": [{"min_packs": moq, "price": price}], **extra}


def need(site, item, quantity) -> dict:
    return {"site": site, "item": item, "quantity": quantity}


def unmet_of(data: dict) -> list[str]:
    plan = solve(load_instance(data), QUICK)
    assert plan.status == "infeasible" and plan.lines == []
    assert plan.to_json()["unmet"] == plan.unmet
    return plan.unmet


def test_nobody_offers_the_item():
    data = instance([offer("o1", "v1", "milk")], [need("s1", "milk", 4), need("s1", "eggs", 12)])
    assert unmet_of(data) == ["site s1 needs eggs, but no vendor offers it"]


def test_no_vendor_serves_the_region():
    data = instance([offer("o1", "v1", "milk")], [need("s1", "milk", 4)],
                    vendors=[{"id": "v1", "regions": ["south"]}, {"id": "v2"}])
    assert unmet_of(data) == ["site s1 needs milk, but no vendor offering it (v1) serves "
                              "region north"]


def test_every_vendor_is_excluded_by_the_member():
    data = instance([offer("o1", "v1", "milk"), offer("o2", "v2", "milk")],
                    [need("s1", "milk", 4)],
                    exclusions=[{"member": "m1", "vendor": "v1"},
                                {"member": "m1", "vendor": "v2"}])
    assert unmet_of(data) == ["site s1 needs milk, but member m1 has excluded every vendor "
                              "offering it in region north (v1, v2)"]


def test_minimum_above_capacity():
    data = instance([offer("o1", "v1", "milk", moq=10, max_packs=5)], [need("s1", "milk", 4)])
    reasons = unmet_of(data)
    assert "offer o1 (milk from v1) cannot be bought: its minimum of 10 packs exceeds its " \
           "capacity of 5" in reasons
    assert any(r.startswith("site s1 needs milk, but every allowed offer") for r in reasons)


def test_minimum_quantity_out_of_reach_of_all_sites_together():
    data = instance([offer("o1", "v1", "milk", moq=20)],
                    [need("s1", "milk", 4), need("s2", "milk", 5)],
                    options={"max_overbuy_fraction": 0})
    reasons = unmet_of(data)
    assert ("offer o1 (milk from v1) cannot be bought: its minimum is 20 packs, but the sites "
            "that may buy it need at most 9") in reasons


def test_vendor_minimum_order_cannot_be_reached():
    data = instance([offer("o1", "v1", "milk")], [need("s1", "milk", 4)],
                    vendors=[{"id": "v1", "min_order": "50.00"}, {"id": "v2"}])
    reasons = unmet_of(data)
    assert any("vendor v1's minimum order of $50.00 cannot be reached by site s1" in r
               for r in reasons)


def test_more_sole_vendors_than_the_limit_per_site():
    data = instance([offer("o1", "v1", "milk"), offer("o2", "v2", "eggs")],
                    [need("s1", "milk", 4), need("s1", "eggs", 12)],
                    options={"max_vendors_per_site": 1})
    assert unmet_of(data) == ["site s1 may get deliveries from at most 1 vendor(s), but needs 2: "
                              "v1, v2 are each the only vendor for some of its items"]


def test_packs_overshoot_the_overbuy_bound():
    data = instance([offer("o6", "v1", "milk", pack=6, max_packs=0),
                     offer("o4", "v2", "milk", pack=4)], [need("s1", "milk", 6)])
    assert unmet_of(data) == ["site s1 needs 6 of milk; the only usable offer (o4) comes in "
                              "packs of 4, which overshoot the overbuy bound of 6.6"]


def test_pooled_capacity_too_small_is_found_by_the_elastic_model():
    data = instance([offer("o1", "v1", "milk", max_packs=6)],
                    [need("s1", "milk", 4), need("s2", "milk", 4)])
    reasons = unmet_of(data)
    assert len(reasons) == 1
    assert ("can supply at most 6 in all (capacity), against 8 needed by the sites that depend "
            "on them") in reasons[0]


def test_limit_on_vendors_per_site_is_priced():
    data = instance([offer("a1", "v1", "milk", "1.00"), offer("a2", "v2", "milk", "3.00"),
                     offer("b1", "v1", "eggs", "5.00"), offer("b2", "v2", "eggs", "2.00")],
                    [need("s1", "milk", 10), need("s1", "eggs", 10)],
                    sites=[{"id": "s1", "member": "m1", "region": "north"}],
                    members=[{"id": "m1"}], options={"max_vendors_per_site": 1})
    plan = solve(load_instance(data), QUICK)
    assert plan.status == "optimal" and plan.total_cost == 50  # all from v2: 30 + 20 < 10 + 50
    assert "the limit of 1 vendor(s) per site raises cost by $20.00" in plan.notes  # 10 + 20


def test_exclusion_and_capacity_are_named_when_they_bind():
    data = instance([offer("a1", "v1", "milk", "1.00", max_packs=10),
                     offer("a2", "v2", "milk", "3.00")],
                    [need("s1", "milk", 10), need("s2", "milk", 10)],
                    exclusions=[{"member": "m2", "vendor": "v1"}])
    plan = solve(load_instance(data), QUICK)
    assert plan.total_cost == 40
    assert "offer a1 is at its capacity of 10 packs" in plan.notes
    assert "member m2's exclusion of v1 costs nothing in this plan" in plan.notes


def test_member_who_cannot_buy_alone_has_no_standalone_cost():
    data = instance([offer("o1", "v1", "milk", "1.00", moq=10), offer("o2", "v2", "milk", "2.00")],
                    [need("s1", "milk", 8), need("s2", "milk", 4)],
                    vendors=[{"id": "v1"}, {"id": "v2", "regions": ["south"]}])
    plan = solve(load_instance(data), QUICK).to_json()
    assert plan["status"] == "optimal" and plan["total_cost"] == "12.00"
    by_member = {m["member"]: m for m in plan["members"]}
    assert by_member["m1"]["standalone_cost"] is None and by_member["m2"]["standalone_cost"] is None
    assert "minimum is 10 packs" in " ".join(by_member["m2"]["standalone_unmet"])
    assert plan["standalone_cost"] is None and plan["savings"] is None
    assert by_member["m1"]["cost"] == "8.00" and by_member["m2"]["cost"] == "4.00"
