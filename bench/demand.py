"""Capacity-driven demand: children per age group, CACFP servings, item quantities per cycle.

Assumptions (stated, not measured):
- a center is 85% full (`ENROLMENT`), its children split over the age groups it is
  licensed for in the proportions of `AGE_WEIGHTS`;
- five days a week; infants, toddlers and preschoolers get breakfast, lunch and an
  afternoon snack, school-age children breakfast and snack only (they are at school
  for lunch);
- a CACFP snack serves two of its five components: each component counts 2/5 of
  the time;
- the snack milk for ages 3-5 is 4 fl oz, as in USDA's snack chart (the transcribed
  table reads 6; the lower figure is the one the regulation's chart shows);
- one purchasing cycle buys `order_weeks` of each staple (1 week of perishables,
  2-4 weeks of shelf-stable food and supplies).
"""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal

from catalog.reference import Center, Staple

ENROLMENT = Decimal("0.85")
AGE_WEIGHTS = {
    "infant": Decimal("0.12"),
    "toddler": Decimal("0.20"),
    "preschool": Decimal("0.45"),
    "school_age": Decimal("0.23"),
}


def children_by_age(center: Center) -> dict[str, Decimal]:
    """Expected children present per age group (enrolment x the group's share)."""
    groups = [g for g in AGE_WEIGHTS if g in center.ages_served] or ["preschool"]
    total = sum(AGE_WEIGHTS[g] for g in groups)
    enrolled = Decimal(center.capacity) * ENROLMENT
    return {g: enrolled * AGE_WEIGHTS[g] / total for g in groups}


class DemandModel:
    """Weekly use per child for the staples chosen for one instance."""

    def __init__(self, staples: list[Staple], servings: dict[str, dict[str, Decimal]]):
        self.servings = servings
        self.totals: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
        for s in staples:
            if s.component:
                for age in s.ages:
                    self.totals[(s.component, age)] += s.menu_share

    def share(self, staple: Staple, age: str) -> Decimal:
        """Fraction of the component's servings this staple supplies for one age group."""
        total = self.totals.get((staple.component, age), Decimal(0))
        return staple.menu_share / total if total else Decimal(0)

    def weekly_use(self, staple: Staple, children: dict[str, Decimal]) -> Decimal:
        """Units of the staple a site with these children uses per week."""
        total = Decimal(0)
        for age, count in children.items():
            if age not in staple.ages:
                continue
            if staple.component and staple.per_unit:
                servings = self.servings.get(age, {}).get(staple.component, Decimal(0))
                total += count * servings * self.share(staple, age) / staple.per_unit
            elif staple.per_child_week is not None:
                total += count * staple.per_child_week
        return total


def cycle_quantity(weekly: Decimal, staple: Staple, noise: float) -> int:
    """Whole units bought in one cycle (`order_weeks` of use, times a menu noise factor)."""
    value = weekly * staple.order_weeks * Decimal(str(round(noise, 3)))
    return int(math.floor(value + Decimal("0.5")))
