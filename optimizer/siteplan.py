"""One site's choice of options at fixed estimated prices: the inner step of the greedy.

`options_for` lists the ways to cover one demand (one offer, or whole big packs
plus small ones). `SitePlan` chooses a site's vendors by a drop/add/swap search;
for a set of vendors it takes each item's cheapest option, moves items to a
vendor whose minimum order is not met (cheapest extra cost per dollar first, or
gives that vendor up), and to a vendor short of free delivery when that costs
less than the fee; the landed cost (goods plus fees still charged) decides.
Single items are then switched while that pays.

Prices here are float estimates for ranking choices only; no amount leaves the greedy.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from optimizer.instance import Offer

MIXERS = 2  # small-pack offers tried as fillers in mixed options
PENALTY = 1e7  # a broken vendor minimum or vendor limit in a site's plan


@dataclass(frozen=True, eq=False)
class Option:
    """One way to cover one demand: packs per offer (one offer, or a mix of two)."""

    item: str
    parts: tuple[tuple[str, int], ...]  # (offer id, packs)
    vendors: frozenset[str]
    floors: dict[str, float]  # vendor -> floor value (rule 5) of these packs


class SitePlan:
    """One site's choice of options at fixed estimated prices.

    Its cost is goods at those prices, fees not waived, and penalties for broken
    vendor minimums, vendor limits and uncovered items; item switches are priced
    incrementally from the floor values kept per vendor.
    """

    def __init__(self, terms: dict[str, tuple[float, float, float]], limit: int | None,
                 by_item: dict[str, list[Option]], prices: dict[str, float]):
        """`terms`: vendor -> (min order, free delivery over, fee); `limit`: most vendors
        per site (None: no limit); `by_item`: the options the site may still use."""
        self.terms = terms
        self.limit = limit
        self.options: dict[str, list[Option]] = {}
        self.costs: dict[Option, float] = {}
        for item, opts in by_item.items():
            if opts:
                for o in opts:
                    self.costs[o] = sum(prices[offer] * n for offer, n in o.parts)
                self.options[item] = sorted(opts, key=self.costs.__getitem__)
        # per vendor, each item's cheapest option from that vendor alone (for top-ups)
        self.by_vendor: dict[str, list[tuple[str, Option]]] = defaultdict(list)
        for item, opts in self.options.items():
            seen: set[str] = set()
            for o in opts:
                (vendor,) = o.vendors if len(o.vendors) == 1 else (None,)
                if vendor is not None and vendor not in seen:
                    seen.add(vendor)
                    self.by_vendor[vendor].append((item, o))
        self.vendors = frozenset(v for opts in self.options.values() for o in opts
                                 for v in o.vendors)

    def solve(self, previous: dict[str, Option] | None = None) -> dict[str, Option]:
        """Choose the vendor set (drop/add/swap search over `_assign`, from the vendors of
        the previous round's choice), then switch single items while that pays."""
        start = frozenset(v for o in (previous or {}).values() for v in o.vendors)
        _, chosen = self._vendor_search(start or self.vendors)
        floors: dict[str, float] = defaultdict(float)
        for option in chosen.values():
            for vendor, value in option.floors.items():
                floors[vendor] += value
        for _ in range(20):
            if not self._switch_pass(chosen, floors):
                break
        return chosen

    def _vendor_search(self, start: frozenset[str]) -> tuple[float, dict[str, Option]]:
        memo: dict[frozenset[str], tuple[float, dict[str, Option], frozenset[str]]] = {}

        def value(vendors: frozenset[str]):
            if vendors not in memo:
                memo[vendors] = self._assign(vendors)
            return memo[vendors]

        best = value(start)
        everyone = self.vendors
        for _ in range(50):
            used = best[2]
            moves = [used - {v} for v in used] + [used | {v} for v in everyone - used]
            candidate = min((value(m) for m in moves), key=lambda r: r[0], default=best)
            if candidate[0] >= best[0] - 1e-6:
                swaps = [(used - {a}) | {b} for a in used for b in everyone - used]
                candidate = min((value(m) for m in swaps), key=lambda r: r[0], default=best)
                if candidate[0] >= best[0] - 1e-6:
                    break
            best = candidate
        return best[0], best[1]

    def _assign(self, vendors: frozenset[str]):
        """Cheapest options within the vendor set, topped up to each vendor's minimum (or
        that vendor dropped) and to free delivery where that costs less than the fee.
        Items the set cannot cover stay uncovered, at a penalty. Returns (cost, choice,
        vendors used)."""
        allowed = set(vendors)
        chosen, floors = self._cheapest(allowed)
        while True:
            short = next((v for v, f in floors.items()
                          if 0 < f < self.terms[v][0] - 1e-9), None)
            if short is None:
                break
            changes = _top_up(self, chosen, floors, short, self.terms[short][0], allowed)
            if changes is None or not _keeps_minimums(self, floors, chosen, changes):
                allowed.discard(short)
                chosen, floors = self._cheapest(allowed)
            else:
                _merge(chosen, floors, changes)
        fees = PENALTY * (len(self.options) - len(chosen))
        for vendor in list(floors):
            _, free_over, fee = self.terms[vendor]
            if floors[vendor] >= free_over - 1e-9 or floors[vendor] <= 0:
                continue
            changes = _top_up(self, chosen, floors, vendor, free_over, allowed)
            extra = math.inf if changes is None else sum(
                self.costs[o] - self.costs[chosen[i]] for i, o in changes.items())
            if extra < fee and _keeps_minimums(self, floors, chosen, changes):
                _merge(chosen, floors, changes)
            else:
                fees += fee
        used = frozenset(v for v, f in floors.items() if f > 0)
        if self.limit is not None and len(used) > self.limit:
            fees += PENALTY * (len(used) - self.limit)
        return sum(self.costs[o] for o in chosen.values()) + fees, chosen, used

    def _cheapest(self, allowed: set[str]) -> tuple[dict[str, Option], dict[str, float]]:
        chosen = {}
        floors: dict[str, float] = defaultdict(float)
        for item, opts in self.options.items():
            option = next((o for o in opts if o.vendors <= allowed), None)
            if option is not None:
                chosen[item] = option
                for vendor, amount in option.floors.items():
                    floors[vendor] += amount
        return chosen, floors

    def _switch_pass(self, chosen: dict[str, Option], floors: dict[str, float]) -> bool:
        """Switch single items to options of vendors in use wherever that lowers the cost."""
        improved = False
        for item in list(chosen):
            used = {v for v, f in floors.items() if f > 1e-9}
            current = chosen[item]
            best, found = -1e-6, None
            for alt in self.options[item]:
                if alt is not current and alt.vendors <= used:
                    change = self.costs[alt] - self.costs[current]
                    for vendor in current.vendors | alt.vendors:
                        before = floors[vendor]
                        after = before - current.floors.get(vendor, 0.0) + alt.floors.get(vendor, 0.0)
                        change += self._charge(vendor, after) - self._charge(vendor, before)
                    if change < best:
                        best, found = change, alt
            if found is not None:
                _merge(chosen, floors, {item: found})
                improved = True
        return improved

    def _charge(self, vendor: str, floor: float) -> float:
        """Fee not waived, plus a penalty below the minimum order, for one delivery."""
        if floor <= 1e-9:
            return 0.0
        min_order, free_over, fee = self.terms[vendor]
        penalty = PENALTY if floor < min_order - 1e-9 else 0.0
        return penalty + (fee if floor < free_over - 1e-9 else 0.0)


def _top_up(plan: SitePlan, chosen: dict[str, Option], floors: dict[str, float],
            vendor: str, target: float, allowed: set[str]) -> dict[str, Option] | None:
    """Items to move to `vendor` (cheapest extra cost per floor value first) so that its
    floor value reaches `target`; None if it cannot."""
    floor = floors.get(vendor, 0.0)
    costs = plan.costs
    ranked = []
    for item, option in plan.by_vendor[vendor]:
        current = chosen.get(item)
        if current is None:
            continue
        gain = option.floors[vendor] - current.floors.get(vendor, 0.0)
        if gain > 0:
            ranked.append(((costs[option] - costs[current]) / gain, item, option, gain))
    ranked.sort(key=lambda r: r[0])
    changes: dict[str, Option] = {}
    for _, item, option, gain in ranked:
        if floor >= target - 1e-9:
            break
        if item not in changes:
            changes[item] = option
            floor += gain
    return changes if floor >= target - 1e-9 else None


def _merge(chosen: dict[str, Option], floors: dict[str, float],
           changes: dict[str, Option]) -> None:
    for item, new in changes.items():
        for vendor, amount in chosen[item].floors.items():
            floors[vendor] -= amount
        for vendor, amount in new.floors.items():
            floors[vendor] += amount
        chosen[item] = new


def _keeps_minimums(plan: SitePlan, floors: dict[str, float], chosen: dict[str, Option],
                    changes: dict[str, Option]) -> bool:
    """Whether the vendors that lose items to `changes` still meet their minimum orders."""
    after = defaultdict(float, floors)
    _merge(dict(chosen), after, changes)
    return all(f <= 1e-9 or f >= plan.terms[v][0] - 1e-9 for v, f in after.items())


def options_for(item: str, bounds, offers: list[Offer]) -> list[Option]:
    """Options that fit [q, U]: each single offer, and mixes of whole big packs with the
    rest in small ones."""
    q, upper = bounds
    seen: set[tuple[tuple[str, int], ...]] = set()
    out = []
    floor = {o.id: (o.vendor, float(o.floor_price)) for o in offers}

    def add(parts: tuple[tuple[str, int], ...]) -> None:
        if parts in seen:
            return
        seen.add(parts)
        floors: dict[str, float] = {}
        for offer_id, packs in parts:
            vendor, price = floor[offer_id]
            floors[vendor] = floors.get(vendor, 0.0) + price * packs
        out.append(Option(item, parts, frozenset(floors), floors))

    for offer in offers:
        fewest = math.ceil(q / offer.pack_size)
        if fewest * offer.pack_size <= upper:
            add(((offer.id, fewest),))
    # Fillers for a mix: the two smallest packs (cheapest per unit first among equals).
    fillers = sorted(offers, key=lambda o: (o.pack_size, o.floor_price / o.pack_size))[:MIXERS]
    for big in offers:
        for small in fillers:
            if small.id == big.id or small.pack_size > big.pack_size:
                continue
            whole = int(q // big.pack_size)
            for n_big in range(max(1, whole - 1), whole + 1):
                rest = q - n_big * big.pack_size
                n_small = math.ceil(rest / small.pack_size) if rest > 0 else 0
                if n_small > 0 and q <= n_big * big.pack_size + n_small * small.pack_size <= upper:
                    add(((big.id, n_big), (small.id, n_small)))
    return out
