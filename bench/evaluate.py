"""An independent re-evaluation of a plan on the decoded instance JSON (rules 1-6).

Used by the benchmarks to check what the baseline and the optimizer return,
without trusting either side's totals and without importing the optimizer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal


def offer_cost(offer: dict, packs: int) -> Decimal:
    """Rule 4: the cost of `packs` pooled packs of an offer (decoded JSON)."""
    if packs <= 0:
        return Decimal(0)
    tiers = [(int(t["min_packs"]), Decimal(str(t["price"]))) for t in offer["tiers"]]
    if offer.get("discount", "all_units") == "all_units":
        price = tiers[0][1]
        for min_packs, tier_price in tiers:
            if min_packs <= packs:
                price = tier_price
        return price * packs
    total = Decimal(0)
    for t, (min_packs, price) in enumerate(tiers):
        start = 1 if t == 0 else min_packs
        end = tiers[t + 1][0] - 1 if t + 1 < len(tiers) else packs
        total += price * max(0, min(end, packs) - start + 1)
    return total


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def evaluate(instance: dict, packs: dict[tuple[str, str], int]) -> tuple[Decimal, list[str]]:
    """(total cost by rules 4-6, every broken rule in words) for x[site, offer] = packs."""
    offers = {o["id"]: o for o in instance["offers"]}
    vendors = {v["id"]: v for v in instance["vendors"]}
    sites = {s["id"]: s for s in instance["sites"]}
    excluded = {(e["member"], e["vendor"]) for e in instance.get("exclusions") or []}
    frac = Decimal(str((instance.get("options") or {}).get("max_overbuy_fraction", "0.10")))
    problems: list[str] = []
    pooled: dict[str, int] = defaultdict(int)
    delivered: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    got: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (site_id, offer_id), count in packs.items():
        if count <= 0:
            continue
        offer, site = offers[offer_id], sites[site_id]
        vendor = vendors[offer["vendor"]]
        if vendor.get("regions") is not None and site["region"] not in vendor["regions"]:
            problems.append(f"rule 1: {vendor['id']} does not serve {site_id}")
        if (site["member"], vendor["id"]) in excluded:
            problems.append(f"rule 1: {site['member']} excluded {vendor['id']} ({site_id})")
        pooled[offer_id] += count
        floor = Decimal(str(offer["tiers"][-1]["price"]))
        delivered[(site_id, vendor["id"])] += floor * count
        got[(site_id, offer["item"])] += Decimal(str(offer["pack_size"])) * count
    problems += _coverage(instance, got, frac, excluded)
    total = Decimal(0)
    for offer_id, count in pooled.items():
        offer = offers[offer_id]
        if count < int(offer["tiers"][0]["min_packs"]):
            problems.append(f"rule 3: {offer_id} pooled {count} below its minimum")
        if offer.get("max_packs") is not None and count > int(offer["max_packs"]):
            problems.append(f"rule 3: {offer_id} pooled {count} above capacity")
        total += offer_cost(offer, count)
    total += _deliveries(instance, vendors, delivered, problems)
    return total, problems


def _coverage(instance, got, frac, excluded) -> list[str]:
    sites = {s["id"]: s for s in instance["sites"]}
    vendors = {v["id"]: v for v in instance["vendors"]}
    by_item: dict[str, list[dict]] = defaultdict(list)
    for offer in instance["offers"]:
        by_item[offer["item"]].append(offer)
    problems = []
    wanted = set()
    for demand in instance["demands"]:
        site, item = sites[demand["site"]], demand["item"]
        wanted.add((site["id"], item))
        allowed = [o for o in by_item[item]
                   if (vendors[o["vendor"]].get("regions") is None
                       or site["region"] in vendors[o["vendor"]]["regions"])
                   and (site["member"], o["vendor"]) not in excluded]
        q = Decimal(str(demand["quantity"]))
        k = max((Decimal(str(o["pack_size"])) for o in allowed), default=Decimal(1))
        upper = max(q * (1 + frac), Decimal(math.ceil(q / k)) * k)
        have = got.get((site["id"], item), Decimal(0))
        if not q <= have <= upper:
            problems.append(f"rule 2: {site['id']} gets {have} of {item}, needs {q}..{upper}")
    problems += [f"rule 2: {s} gets {i} it did not ask for" for s, i in got if (s, i) not in wanted]
    return problems


def _deliveries(instance, vendors, delivered, problems) -> Decimal:
    options = instance.get("options") or {}
    limit = options.get("max_vendors_per_site")
    fees = Decimal(0)
    per_site: dict[str, int] = defaultdict(int)
    for (site_id, vendor_id), floor in delivered.items():
        vendor = vendors[vendor_id]
        per_site[site_id] += 1
        minimum, free = _money(vendor.get("min_order")), _money(vendor.get("free_delivery_over"))
        if minimum is not None and floor < minimum:
            problems.append(f"rule 5: {site_id} order from {vendor_id} below its minimum")
        if free is None or floor < free:
            fees += _money(vendor.get("delivery_fee")) or Decimal(0)
    if limit is not None:
        problems += [f"rule 5: {s} has {n} vendors" for s, n in per_site.items() if n > limit]
    return fees
