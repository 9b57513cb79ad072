"""Random instances and a brute-force reference optimum for the optimizer tests."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

from optimizer.check import check_packs
from optimizer.evaluate import evaluate
from optimizer.instance import Instance


def random_instance(rng: random.Random, *, sites: int = 3, items: int = 2, vendors: int = 2,
                    members: int | None = None, regions: int = 2, max_quantity: int = 12,
                    options: bool = True) -> dict:
    """A random valid instance (both discount kinds, fees, thresholds, minimums, options)."""
    members = members or rng.randint(1, sites)
    region_names = [f"r{n}" for n in range(regions)]
    data = {
        "version": 1, "name": "random",
        "members": [{"id": f"m{n}"} for n in range(members)],
        "sites": [{"id": f"s{n}", "member": f"m{n % members}", "region": rng.choice(region_names)}
                  for n in range(sites)],
        "items": [{"id": f"i{n}"} for n in range(items)],
        "vendors": [_vendor(rng, n, region_names) for n in range(vendors)],
        "offers": [], "demands": [], "exclusions": [],
    }
    for i in range(items):
        for v in rng.sample(range(vendors), rng.randint(1, vendors)):
            data["offers"].append(_offer(rng, f"o{i}_{v}", f"v{v}", f"i{i}"))
    for s in range(sites):
        for i in rng.sample(range(items), rng.randint(1, items)):
            data["demands"].append({"site": f"s{s}", "item": f"i{i}",
                                    "quantity": rng.randint(1, max_quantity)})
    if options and rng.random() < 0.3:
        data["exclusions"].append({"member": f"m{rng.randrange(members)}",
                                   "vendor": f"v{rng.randrange(vendors)}"})
    if options:
        data["options"] = {"max_overbuy_fraction": rng.choice([0, 0.1, 0.25, 0.5]),
                           "max_vendors_per_site": rng.choice([None, None, 1, 2])}
    return data


def _vendor(rng: random.Random, n: int, regions: list[str]) -> dict:
    vendor = {"id": f"v{n}", "regions": None if rng.random() < 0.65 else
              rng.sample(regions, rng.randint(1, len(regions)))}
    if rng.random() < 0.6:
        vendor["delivery_fee"] = str(rng.choice([5, 10, 25]))
        if rng.random() < 0.6:
            vendor["free_delivery_over"] = str(rng.choice([20, 40, 80]))
    if rng.random() < 0.3:
        vendor["min_order"] = str(rng.choice([5, 10, 20]))
    return vendor


def _offer(rng: random.Random, ident: str, vendor: str, item: str) -> dict:
    price = Decimal(rng.randint(200, 900)) / 100
    first = rng.choice([1, 1, 1, 1, 2, 3])
    tiers = [{"min_packs": first, "price": str(price)}]
    breakpoint = first
    for _ in range(rng.randint(0, 2)):
        breakpoint += rng.randint(1, 6)
        price = (price * Decimal(rng.choice(["0.97", "0.9", "0.8"]))).quantize(Decimal("0.01"))
        tiers.append({"min_packs": breakpoint, "price": str(price)})
    offer = {"id": ident, "vendor": vendor, "item": item, "pack_size": rng.choice([1, 2, 3, 4]),
             "discount": rng.choice(["all_units", "incremental"]), "tiers": tiers}
    if rng.random() < 0.2:
        offer["max_packs"] = rng.randint(first, first + 8)
    return offer


def brute_force(instance: Instance) -> Decimal | None:
    """The exact optimum by enumerating every combination of packs (tiny instances only)."""
    keys, ranges = [], []
    for d in instance.demands:
        bounds = instance.coverage_bounds(d.site, d.item)
        if bounds is None:
            return None
        for offer in instance.allowed_offers(d.site, d.item):
            top = int(bounds[1] / offer.pack_size)
            keys.append((d.site, offer.id))
            ranges.append(range(top + 1))
    best = None
    for combo in itertools.product(*ranges):
        packs = {k: n for k, n in zip(keys, combo, strict=True) if n}
        if check_packs(instance, packs):
            continue
        total = evaluate(instance, packs).total
        if best is None or total < best:
            best = total
    return best


def search_space(instance: Instance) -> int:
    size = 1
    for d in instance.demands:
        bounds = instance.coverage_bounds(d.site, d.item)
        for offer in instance.allowed_offers(d.site, d.item) if bounds else ():
            size *= int(bounds[1] / offer.pack_size) + 1
    return size
