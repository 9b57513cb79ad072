"""Random tiny instances with a feasible plan that sits exactly on the rules' boundaries.

The plan is drawn first; the instance's terms are then set around it: tier breaks and
minimums at exactly its pooled packs, capacities equal to them, free delivery and minimum
orders at exactly a delivery's floor value, the vendor limit at exactly a site's count.
Prices have 4 decimal places (their floats do not add up exactly) and may be zero.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

from optimizer_cases import random_instance

from optimizer import load_instance
from optimizer.check import check_packs
from optimizer.evaluate import Packs, evaluate
from optimizer.instance import Instance

PLAIN = {"max_overbuy_fraction": 0.1, "max_vendors_per_site": None}


def boundary_case(rng: random.Random, *, sites: int, items: int,
                  vendors: int) -> tuple[Instance, Packs] | None:
    """An instance and a plan keeping every rule, on its boundaries (None: no plan drawn)."""
    data = random_instance(rng, sites=sites, items=items, vendors=vendors, options=False)
    data["options"] = dict(PLAIN, max_overbuy_fraction=rng.choice([0, 0.1, 0.25]))
    for vendor in data["vendors"]:
        vendor.pop("min_order", None)
    for offer in data["offers"]:
        offer.pop("max_packs", None)
        offer["tiers"][0]["min_packs"] = 1
    packs = _covering_packs(rng, load_instance(data))
    if packs is None:
        return None
    pooled = Counter()
    for (_, offer), n in packs.items():
        pooled[offer] += n
    for offer in data["offers"]:
        if pooled[offer["id"]]:
            _tiers_around(rng, offer, pooled[offer["id"]])
    _terms_around(rng, data, evaluate(load_instance(data), packs))
    inst = load_instance(data)
    problems = check_packs(inst, packs)
    assert problems == [], f"the drawn plan breaks a rule: {problems}"
    return inst, packs


def money(rng: random.Random, top: int = 9) -> Decimal:
    """A price with up to 4 decimal places; a tenth of them are round tenths like 0.7."""
    if rng.random() < 0.1:
        return Decimal(rng.randint(1, top * 10)) / 10
    return Decimal(rng.randint(0, top * 10**4)) / 10**4


def _covering_packs(rng: random.Random, inst: Instance) -> Packs | None:
    """Packs meeting rules 1 and 2 for every demand (random offers and counts)."""
    packs: Packs = {}
    for d in inst.demands:
        bounds = inst.coverage_bounds(d.site, d.item)
        offers = inst.allowed_offers(d.site, d.item)
        if bounds is None or not offers:
            return None
        low, high = bounds
        for _ in range(60):
            counts = {o: rng.randint(0, int(high / o.pack_size)) if rng.random() < 0.7 else 0
                      for o in offers}
            delivered = sum((o.pack_size * n for o, n in counts.items()), Decimal(0))
            if low <= delivered <= high:
                packs.update({(d.site, o.id): n for o, n in counts.items() if n})
                break
        else:
            return None
    return packs


def _tiers_around(rng: random.Random, offer: dict, pooled: int) -> None:
    """Tiers with a break (or the minimum) at exactly `pooled`, prices never rising."""
    first = rng.choice([1, pooled, rng.randint(1, pooled)])
    later = {rng.randint(first + 1, pooled + 3) for _ in range(rng.randint(0, 3))}
    if rng.random() < 0.5 and pooled > first:
        later.add(pooled)
    breaks = [first, *sorted(later)]
    prices = sorted((money(rng) for _ in breaks), reverse=True)
    if rng.random() < 0.1:
        prices[-1] = Decimal(0)
    offer["tiers"] = [{"min_packs": b, "price": str(p)}
                      for b, p in zip(breaks, prices, strict=True)]
    offer["discount"] = rng.choice(["all_units", "incremental"])
    offer["max_packs"] = rng.choice([None, pooled, pooled + rng.randint(1, 3)])


def _terms_around(rng: random.Random, data: dict, ev) -> None:
    """Fees, free delivery and minimum orders at exactly some delivery's floor value."""
    floors: dict[str, list[Decimal]] = {}
    for (_, vendor), delivery in ev.deliveries.items():
        floors.setdefault(vendor, []).append(delivery.floor_value)
    for vendor in data["vendors"]:
        values = floors.get(vendor["id"], [])
        vendor["delivery_fee"] = str(money(rng, 30))
        vendor.pop("free_delivery_over", None)
        over = rng.choice([None, money(rng, 60), *values, *values])
        if over is not None:
            vendor["free_delivery_over"] = str(over)
        if values and rng.random() < 0.5:
            below = rng.choice([0, 0, Decimal("0.0001")])
            vendor["min_order"] = str(max(Decimal(0), min(values) - below))
    per_site = Counter(site for site, _ in ev.deliveries)
    most = max(per_site.values(), default=0)
    data["options"]["max_vendors_per_site"] = rng.choice([None, most or None, most + 1])
