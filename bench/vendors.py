"""Synthetic vendors on real base prices: archetypes, regions, offers, tiers, delivery terms.

Nothing in this module is public data. Base prices come from the staples catalog
(BLS/ERS prices brought to 2026 with CPI-U, or labelled estimates); everything a
vendor adds on top -- which items it carries, pack sizes chosen from the staple's
typical packs, its markup, **tier breakpoints and discounts**, delivery fees,
free-delivery thresholds, minimum orders and capacities -- is drawn at random
from the ranges below: "synthetic tiers on real base prices".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from catalog.reference import Staple

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Archetype:
    """The ranges one kind of vendor is drawn from (money in US dollars)."""

    kind: str
    label: str
    carries: str  # which staples: see `carries()`
    coverage: float  # share of the staples it could carry that it does carry
    markup: tuple[float, float]  # pack price / (base price x units): institutional < 1
    pack: str  # "largest", "smallest" or "any"
    fee: tuple[int, int]
    free_over: tuple[int, int] | None
    min_order: tuple[int, int] | None
    tiers: tuple[int, int]  # number of discount tiers beyond the first, min..max
    incremental_share: float  # share of offers with incremental (not all-units) tiers
    moq_share: float  # share of offers with a minimum order quantity above 1 pack
    cap_share: float  # share of offers with a capacity (max_packs)


ARCHETYPES = {
    "broadliner": Archetype("broadliner", "Foodservice", "food paper cleaning", 0.85,
                            (0.78, 0.90), "largest", (45, 75), (500, 900), (200, 350),
                            (2, 3), 0.25, 0.0, 0.0),
    "dairy": Archetype("dairy", "Dairy", "dairy", 1.0, (0.82, 0.95), "any", (15, 25),
                       (150, 250), (60, 100), (1, 2), 0.0, 0.1, 0.2),
    "produce": Archetype("produce", "Produce", "produce", 0.95, (0.80, 0.95), "any",
                         (20, 35), (200, 350), (75, 125), (1, 2), 0.0, 0.15, 0.25),
    "janitorial": Archetype("janitorial", "Janitorial Supply", "cleaning paper", 0.9,
                            (0.72, 0.88), "largest", (25, 40), (250, 400), (100, 150),
                            (1, 3), 0.2, 0.1, 0.0),
    "school": Archetype("school", "School Supply", "classroom paper", 0.9, (0.70, 0.88),
                        "any", (10, 15), (99, 150), None, (1, 2), 0.0, 0.0, 0.0),
    "infant": Archetype("infant", "Infant Care Supply", "infant", 1.0, (0.80, 0.92), "any",
                        (10, 20), (100, 150), (50, 75), (1, 2), 0.0, 0.1, 0.15),
    "grocery": Archetype("grocery", "Grocery Wholesale", "dry", 0.9, (0.80, 0.93), "any",
                         (30, 50), (300, 600), (150, 250), (1, 3), 0.3, 0.1, 0.0),
    # Cash-and-carry club delivery: everything, everywhere, no minimums, no tiers,
    # never free delivery. It keeps every generated instance feasible.
    "club": Archetype("club", "Warehouse Club Delivery", "all", 1.0, (0.93, 1.0), "smallest",
                      (40, 60), None, None, (0, 0), 0.0, 0.0, 0.0),
}
# The order in which vendors are added; the club always comes first.
VENDOR_MIX = ("club", "broadliner", "dairy", "produce", "janitorial", "school", "infant",
              "grocery", "broadliner", "produce", "dairy", "janitorial", "broadliner",
              "grocery", "school", "infant")
NAMES = ("North Star", "Prairie", "Lakeland", "Gopher State", "Iron Range", "Red River",
         "Mississippi Valley", "Arrowhead", "Twin Cities", "Bluff Country", "Pine Lakes",
         "Headwaters", "Minnesota River", "St. Croix", "Boundary Waters", "Big Woods")
DAIRY_PREFIXES = ("milk-", "eggs-", "cheese-", "yogurt-")


def carries(archetype: Archetype, staple: Staple) -> bool:
    """Whether a vendor of this archetype could carry the staple at all."""
    scope = archetype.carries
    if scope == "all":
        return True
    if scope == "dairy":
        return staple.id.startswith(DAIRY_PREFIXES)
    if scope == "produce":
        fresh = staple.order_weeks == 1 and staple.unit == "lb"
        return fresh and staple.component in ("fruits", "vegetables")
    if scope == "dry":
        return staple.category == "food" and staple.order_weeks > 1
    return staple.category in scope.split()


def money(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _between(rng: random.Random, bounds: tuple[int, int]) -> Decimal:
    return money(rng.randint(bounds[0], bounds[1]))


def delivery_terms(rng: random.Random, archetype: Archetype) -> dict[str, str | None]:
    """Delivery fee, free-delivery threshold and minimum order (synthetic)."""
    return {
        "delivery_fee": str(_between(rng, archetype.fee)),
        "free_delivery_over": None if archetype.free_over is None
        else str(_between(rng, archetype.free_over)),
        "min_order": None if archetype.min_order is None
        else str(_between(rng, archetype.min_order)),
    }


def pick_pack(rng: random.Random, archetype: Archetype, staple: Staple) -> int:
    packs = staple.pack_sizes
    if archetype.pack == "largest":
        return packs[-1]
    if archetype.pack == "smallest":
        return packs[0]
    return rng.choice(packs)


def pack_price(rng: random.Random, markup: float, staple: Staple, pack: int) -> Decimal:
    """First-tier price of one pack: base price x units x vendor markup x case effect x noise."""
    rank = staple.pack_sizes.index(pack) if pack in staple.pack_sizes else 0
    case_effect = 1.0 - 0.03 * rank  # bigger packs of the same item cost a little less per unit
    noise = rng.uniform(0.94, 1.06)
    value = staple.base_price_2026 * pack * Decimal(str(round(markup * case_effect * noise, 4)))
    return max(money(value), CENT)


def tier_table(rng: random.Random, archetype: Archetype, first_price: Decimal,
               site_packs: float, pooled_packs: int) -> tuple[list[dict], int | None]:
    """Synthetic tiers in absolute packs, and an optional capacity (max_packs).

    A vendor sets its breakpoints without knowing the alliance: they are drawn as
    the volume of about 1.5-4, 6-15 and 20-60 typical sites (`site_packs` is the
    mean packs one site of this alliance needs), each step taking 2-5% more off.
    Small alliances reach the first steps, large ones all of them. A capacity is
    30-80% of what the whole alliance (`pooled_packs`) would buy of this offer.
    """
    unit = max(site_packs, 0.2)
    moq = 1
    if rng.random() < archetype.moq_share:
        moq = max(2, round(unit * rng.uniform(0.5, 2.0)))
    tiers = [{"min_packs": moq, "price": first_price}]
    discount = 0.0
    steps = rng.randint(*archetype.tiers)
    for low, high in ((1.5, 4.0), (6.0, 15.0), (20.0, 60.0))[:steps]:
        breakpoint = max(tiers[-1]["min_packs"] + 1, round(unit * rng.uniform(low, high)))
        discount += rng.uniform(0.02, 0.05)
        price = money(first_price * Decimal(str(round(1 - discount, 4))))
        if price >= tiers[-1]["price"]:
            break
        tiers.append({"min_packs": breakpoint, "price": price})
    capacity = None
    if rng.random() < archetype.cap_share:
        capacity = max(moq, round(max(pooled_packs, 1) * rng.uniform(0.3, 0.8)))
    return [{"min_packs": t["min_packs"], "price": str(t["price"])} for t in tiers], capacity
