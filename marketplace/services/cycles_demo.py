"""The demo's recurring needs (a step of ``services.demo``): every demo site gets weekly needs
estimated from its licensed capacity.

Food: the three staples of each CACFP meal-pattern component with the largest menu share,
at the quantities of ``services.need_suggestions``. Supplies: a few staples used per child
(``per_child_week`` in ``catalog/reference/staples.csv``, stated estimates). Idempotent: a
site that already has needs is left alone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.reference import load_staples
from marketplace.models import Cadence, Item, Organization, OrgKind, RecurringNeed, Site
from marketplace.services.need_suggestions import ENROLMENT, STEP, _food_staples, estimate_weekly
from marketplace.services.needs import today

FOOD_PER_COMPONENT = 3
SUPPLIES = ("paper-towels-roll", "toilet-paper-roll", "disinfecting-wipes-canister", "gloves-nitrile-box100",
            "hand-soap-foam-refill-gal", "napkins-each", "crayons-box24", "copy-paper-ream")
DEMO_NOTE = "demo: estimated from licensed capacity"


def seed_needs(context: Any) -> None:
    """Weekly needs for every active demo site without needs (flushes; the demo commits)."""
    session: Session = context.session
    items = list(session.scalars(select(Item).where(Item.alliance_id == context.alliance.id,
                                                    Item.active.is_(True)).order_by(Item.slug)))
    food = _top_food(items)
    supplies = {s.id: s for s in load_staples() if s.id in SUPPLIES and s.per_child_week}
    supply_items = [i for i in items if i.slug in supplies]
    has_needs = set(session.scalars(select(RecurringNeed.site_id).distinct()))
    sites = session.scalars(select(Site).join(Organization, Organization.id == Site.organization_id)
                            .where(Organization.alliance_id == context.alliance.id,
                                   Organization.kind == OrgKind.MEMBER, Site.active.is_(True))
                            .order_by(Site.id))
    since = getattr(context, "history_from", None) or today()  # the demo's past cycles need them too
    for site in sites:
        if site.id in has_needs:
            continue
        for item, quantity, _basis in estimate_weekly(food, site.licensed_capacity):
            _add(session, site, item, quantity, since)
        children = Decimal(site.licensed_capacity) * ENROLMENT
        for item in supply_items:
            weekly = children * (supplies[item.slug].per_child_week or Decimal(0))
            _add(session, site, item, max(STEP, weekly.quantize(STEP, rounding=ROUND_UP)), since)
    session.flush()


def _top_food(items: list[Item]) -> list[Item]:
    staples = _food_staples()
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.slug in staples:
            groups[staples[item.slug].component or ""].append(item)
    chosen = []
    for group in groups.values():
        group.sort(key=lambda i: (-staples[i.slug].menu_share, i.slug))
        chosen += group[:FOOD_PER_COMPONENT]
    return chosen


def _add(session: Session, site: Site, item: Item, quantity: Decimal, since: date) -> None:
    session.add(RecurringNeed(organization_id=site.organization_id, site_id=site.id, item_id=item.id,
                              quantity=quantity, cadence=Cadence.WEEKLY, starts_on=since,
                              avoided_vendor_ids=[], note=DEMO_NOTE))
