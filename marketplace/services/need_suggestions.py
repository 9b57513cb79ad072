"""Suggested weekly needs for a site's food, from its licensed capacity and the CACFP meal pattern.

The estimate, stated so a director can judge it:

- the site is 85% full (``ENROLMENT``) and its children are 3 to 5 years old (the site record
  does not say which ages it serves, and preschoolers are the largest group in centers);
- five days a week of breakfast, lunch and an afternoon snack; a CACFP snack serves two of its
  five components, so each component counts 2/5 of a serving;
- each component's minimum serving is the pattern's reference food (fluid milk, lean meat,
  vegetables, fruits, a bread slice for grains); the snack milk for ages 3-5 is 1/2 cup
  (4 fl oz, 7 CFR 226.20(c)(3));
- a component's servings are split over the alliance's catalog items that supply it, in
  proportion to each staple's ``menu_share`` (``catalog/reference/staples.csv``).

Only catalog items that are staples of a meal-pattern component get a suggestion.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.reference import Staple, load_meal_pattern, load_staples, weekly_servings
from marketplace.errors import ValidationError
from marketplace.models import Cadence, Item, RecurringNeed, Site, User
from marketplace.services import needs as needs_service
from marketplace.services.audit import record_event
from marketplace.services.scope import get_scoped, scoped_select

ENROLMENT = Decimal("0.85")
AGE = "preschool"
STEP = Decimal("0.1")


@dataclass(frozen=True)
class Suggestion:
    """A weekly quantity of ``item`` (in its unit) for the site, and how it was reached."""

    item: Item
    weekly_quantity: Decimal
    basis: str
    current: RecurringNeed | None


@lru_cache(maxsize=1)
def weekly_servings_per_child() -> dict[str, Decimal]:
    """Component -> component units (fl_oz, oz_eq, cup) one preschooler eats per week."""
    return weekly_servings(load_meal_pattern())[AGE]


@lru_cache(maxsize=1)
def _food_staples() -> dict[str, Staple]:
    return {s.id: s for s in load_staples() if s.component and s.per_unit and AGE in s.ages}


def estimate_weekly(items: list[Item], capacity: int) -> list[tuple[Item, Decimal, str]]:
    """(item, weekly quantity in its unit, how it was reached) for the food staples among
    ``items`` at a site of ``capacity`` licensed places (see the module's assumptions)."""
    staples = _food_staples()
    foods = [i for i in items if i.slug in staples]
    shares: dict[str, Decimal] = defaultdict(Decimal)
    for item in foods:
        shares[staples[item.slug].component or ""] += staples[item.slug].menu_share
    children = Decimal(capacity) * ENROLMENT
    servings = weekly_servings_per_child()
    out = []
    for item in foods:
        staple = staples[item.slug]
        component = staple.component or ""
        if not shares[component] or staple.per_unit is None:
            continue
        share = staple.menu_share / shares[component]
        weekly = children * servings[component] * share / staple.per_unit
        quantity = max(STEP, weekly.quantize(STEP, rounding=ROUND_UP))
        basis = (f"{children.normalize():f} children x {servings[component].normalize():f} "
                 f"{staple.pattern_unit} of {component.replace('_', ' ')} a week x {share:.0%} of it "
                 f"from this item, {staple.per_unit.normalize():f} {staple.pattern_unit} per {item.unit}")
        out.append((item, quantity, basis))
    return out


def suggest_needs(session: Session, actor: User, site_id: int) -> list[Suggestion]:
    """Weekly quantities of the alliance's food staples for the site (see the module's
    assumptions), each with the site's current need for the item when there is one."""
    site = get_scoped(session, actor, Site, site_id)
    items = list(session.scalars(scoped_select(actor, Item, Item.active.is_(True)).order_by(Item.name)))
    current = {n.item_id: n for n in session.scalars(select(RecurringNeed).where(RecurringNeed.site_id == site.id))}
    return [Suggestion(item, quantity, basis, current.get(item.id))
            for item, quantity, basis in estimate_weekly(items, site.licensed_capacity)]


def add_suggested_needs(session: Session, actor: User, site_id: int, item_ids: list[int]) -> int:
    """Add weekly needs at the suggested quantities for the chosen items the site has no need
    for yet (items that already have one are left as they are). Returns how many were added."""
    site = needs_service._own_site(session, actor, site_id)
    by_item = {s.item.id: s for s in suggest_needs(session, actor, site.id)}
    unknown = set(item_ids) - set(by_item)
    if unknown:
        raise ValidationError("Choose items from the suggestions.", {"item_ids": "Choose items from the list."})
    added = 0
    for item_id in dict.fromkeys(item_ids):
        suggestion = by_item[item_id]
        if suggestion.current is not None:
            continue
        session.add(RecurringNeed(organization_id=site.organization_id, site_id=site.id, item_id=item_id,
                                  quantity=suggestion.weekly_quantity, cadence=Cadence.WEEKLY,
                                  starts_on=needs_service.today(), avoided_vendor_ids=[],
                                  note="suggested from licensed capacity (CACFP meal pattern)"))
        added += 1
    session.flush()
    if added:
        record_event(session, actor, "needs.suggested_added", site, alliance_id=actor.alliance_id,
                     after={"added": added})
    session.commit()
    return added
