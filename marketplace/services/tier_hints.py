"""The "next tier" hint of an open cycle: how many more packs across the alliance would reach
an offer's next volume tier, and what that would save.

For each offer in force with tiers beyond its current one, the hint assumes the whole demand
for its item at the sites the vendor serves goes to that offer, each site buying whole packs
(``ceil(quantity / pack_size)``): the pooled packs ``P``. The next tier is the first whose
``min_packs`` is above ``P`` (the vendor's minimum order when ``P`` is below it). Its saving is
what ``min_packs`` packs cost at today's price minus what they cost with the next tier
(``(price_now - price_next) * min_packs`` for all-units discounts). The optimizer may still
split the item between vendors: the hint shows what pooling more could unlock, not the plan.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from marketplace.models import Cycle, DemandLine, Item, Organization, User
from marketplace.services.offers import offers_for_instance
from marketplace.services.scope import get_scoped
from optimizer.allocation import to_cents
from optimizer.instance import Offer as SpecOffer
from optimizer.instance import Tier


@dataclass(frozen=True)
class TierHint:
    """One offer's next tier: ``packs_more`` packs (``units_more`` in the item's unit) beyond
    today's ``pooled_packs`` unlock ``price_next`` per pack (now ``price_now``; ``None`` below
    the vendor's minimum), saving ``saving_cents`` on the pooled order."""

    offer_id: int
    vendor_id: int
    vendor_name: str
    item: Item
    pack_size: Decimal
    pooled_packs: int
    next_min_packs: int
    packs_more: int
    price_now: Decimal | None
    price_next: Decimal
    saving_cents: int

    @property
    def units_more(self) -> Decimal:
        return self.pack_size * self.packs_more

    @property
    def reaches_minimum(self) -> bool:
        return self.price_now is None


def next_tier_hints(session: Session, actor: User, cycle_id: int) -> list[TierHint]:
    """The hints for a cycle ``actor`` may see, the fewest packs to go first."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    lines = list(session.scalars(select(DemandLine).where(DemandLine.cycle_id == cycle.id)
                                 .options(joinedload(DemandLine.item), joinedload(DemandLine.site))))
    if not lines:
        return []
    by_item: dict[str, list[DemandLine]] = defaultdict(list)
    for line in lines:
        by_item[line.item.slug].append(line)
    found = offers_for_instance(session, cycle.alliance_id, cycle.delivery_on, items=sorted(by_item))
    regions = {v["id"]: v.get("regions") for v in found.vendors}
    names = dict(session.execute(select(Organization.id, Organization.name)
                                 .where(Organization.alliance_id == cycle.alliance_id)).all())
    hints = []
    for offer in found.offers:
        served = regions.get(offer["vendor"], [])
        item_lines = [x for x in by_item[offer["item"]] if served is None or x.site.region_code in served]
        hint = offer_hint(offer, item_lines, names)
        if hint is not None:
            hints.append(hint)
    return sorted(hints, key=lambda h: (h.packs_more, -h.saving_cents, h.item.name))


def offer_hint(offer: dict[str, Any], lines: list[DemandLine], names: dict[int, str]) -> TierHint | None:
    """The hint of one instance offer for the lines it could serve (None: nothing to unlock)."""
    if not lines:
        return None
    spec = SpecOffer(id=offer["id"], vendor=offer["vendor"], item=offer["item"],
                     pack_size=Decimal(offer["pack_size"]), discount=offer["discount"],
                     tiers=tuple(Tier(t["min_packs"], Decimal(t["price"])) for t in offer["tiers"]))
    pooled = sum(math.ceil(line.quantity / spec.pack_size) for line in lines)
    upcoming = [t for t in spec.tiers if t.min_packs > pooled]
    if not upcoming:
        return None
    target = upcoming[0]
    below_minimum = pooled < spec.moq
    price_now = None if below_minimum else spec.unit_price(pooled)
    saving = Decimal(0) if price_now is None else price_now * target.min_packs - spec.cost(target.min_packs)
    vendor_id = int(offer["vendor"][1:])
    return TierHint(offer_id=int(offer["id"][1:]), vendor_id=vendor_id, vendor_name=names.get(vendor_id, ""),
                    item=lines[0].item, pack_size=spec.pack_size, pooled_packs=pooled,
                    next_min_packs=target.min_packs, packs_more=target.min_packs - pooled,
                    price_now=price_now, price_next=target.price, saving_cents=to_cents(saving))

