"""Building the optimizer's instance (the optimizer spec's JSON) from a cycle's frozen lines.

Ids in the instance: members ``m<organization id>``, sites ``s<site id>``, vendors
``v<organization id>``, offers ``o<offer id>``; items are their catalog slug. The offers are
those in force on the cycle's delivery day (``services.offers.offers_for_instance``), and the
offer versions they come from are returned so the run records them.

What the spec cannot say per line, and how it is approximated:

- **Avoided vendors** are per line (a site and an item), but the spec's exclusions are per
  member. A vendor avoided on any line of a member is excluded for that whole member, unless
  that would leave one of the member's lines with no offer at all (no other vendor serving the
  site's region sells the item): then the vendor stays allowed and a note says so.
- **A maximum unit price** is per line too, and offers are shared by every site. An offer is
  left out of the instance when it cannot meet the limit even at its deepest tier (its lowest
  price per pack divided by its pack size is above the limit) *for every line of that item*,
  i.e. when every line of the item has a limit and the offer's best unit price is above the
  highest of them. Otherwise the offer stays; the plan review can flag lines priced above
  their limit.
- Vendors and members the hub excludes from a run are simply left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from catalog.values import decimal_text
from marketplace.errors import ConflictError
from marketplace.models import (
    Alliance,
    Cycle,
    DemandLine,
    Item,
    Offer,
    OfferVersion,
    Organization,
    Site,
)
from marketplace.services.offers import offers_for_instance


@dataclass(frozen=True)
class InstanceOptions:
    """The spec's options, plus whom the hub leaves out of this run."""

    max_overbuy_fraction: Decimal = Decimal("0.10")
    max_vendors_per_site: int | None = None
    time_limit_s: int = 60
    mip_gap: Decimal = Decimal("0.0001")
    excluded_member_ids: tuple[int, ...] = ()
    excluded_vendor_ids: tuple[int, ...] = ()

    def spec_options(self) -> dict[str, Any]:
        return {"max_overbuy_fraction": float(self.max_overbuy_fraction),
                "max_vendors_per_site": self.max_vendors_per_site,
                "time_limit_s": self.time_limit_s, "mip_gap": float(self.mip_gap)}


@dataclass
class BuiltInstance:
    """The instance JSON, the offer versions it priced with, and notes for the people."""

    data: dict[str, Any]
    offer_versions: list[int]
    notes: list[str] = field(default_factory=list)


def build_instance(session: Session, cycle: Cycle, options: InstanceOptions) -> BuiltInstance:
    """The instance of ``cycle``'s demand lines (a trusted read: callers check access).
    Raises :class:`ConflictError` when no line is left to optimize."""
    lines = _lines(session, cycle, set(options.excluded_member_ids))
    if not lines:
        raise ConflictError("There is no demand line to optimize in this cycle"
                            + (" once the excluded members are left out." if options.excluded_member_ids else "."))
    slugs = sorted({line.item.slug for line in lines})
    found = offers_for_instance(session, cycle.alliance_id, cycle.delivery_on, items=slugs)
    excluded_vendors = {f"v{v}" for v in options.excluded_vendor_ids}
    vendors = [v for v in found.vendors if v["id"] not in excluded_vendors]
    offers = [o for o in found.offers if o["vendor"] not in excluded_vendors]
    notes = [f"{name} has offers but no delivery terms: left out" for name in found.without_terms]
    offers, price_notes = _filter_by_price(offers, lines)
    exclusions, avoid_notes = _exclusions(lines, vendors, offers)
    data = {
        "version": 1,
        "name": f"{session.get(Alliance, cycle.alliance_id).name}, {cycle.name}",  # type: ignore[union-attr]
        "currency": "USD",
        "members": _members(lines),
        "sites": _sites(lines),
        "items": [_item_json(item) for item in sorted({line.item for line in lines}, key=lambda i: i.slug)],
        "vendors": vendors,
        "offers": offers,
        "demands": [{"site": f"s{line.site_id}", "item": line.item.slug, "quantity": decimal_text(line.quantity)}
                    for line in lines],
        "exclusions": exclusions,
        "options": options.spec_options(),
    }
    return BuiltInstance(data, _versions(session, offers), notes + price_notes + avoid_notes)


def _lines(session: Session, cycle: Cycle, excluded_members: set[int]) -> list[DemandLine]:
    query = (select(DemandLine).join(Site, Site.id == DemandLine.site_id)
             .join(Organization, Organization.id == DemandLine.organization_id)
             .where(DemandLine.cycle_id == cycle.id, Site.active.is_(True), Organization.active.is_(True))
             .options(joinedload(DemandLine.item).joinedload(Item.category),
                      joinedload(DemandLine.site).joinedload(Site.organization))
             .order_by(DemandLine.site_id, DemandLine.item_id))
    return [line for line in session.scalars(query) if line.organization_id not in excluded_members]


def _members(lines: list[DemandLine]) -> list[dict[str, str]]:
    members = {line.site.organization for line in lines}
    return [{"id": f"m{m.id}", "name": m.name} for m in sorted(members, key=lambda m: m.id)]


def _sites(lines: list[DemandLine]) -> list[dict[str, str]]:
    sites = {line.site for line in lines}
    return [{"id": f"s{s.id}", "member": f"m{s.organization_id}", "region": s.region_code}
            for s in sorted(sites, key=lambda s: s.id)]


def _item_json(item: Item) -> dict[str, str]:
    return {"id": item.slug, "name": item.name, "unit": item.unit, "category": item.category.slug}


def best_unit_price(offer: dict[str, Any]) -> Decimal:
    """The lowest price per unit of the item an offer can reach (deepest tier / pack size)."""
    return min(Decimal(t["price"]) for t in offer["tiers"]) / Decimal(offer["pack_size"])


def _filter_by_price(offers: list[dict[str, Any]], lines: list[DemandLine]
                     ) -> tuple[list[dict[str, Any]], list[str]]:
    limits: dict[str, list[Decimal | None]] = defaultdict(list)
    for line in lines:
        limits[line.item.slug].append(line.max_unit_price)
    kept, notes = [], []
    for offer in offers:
        item_limits = limits.get(offer["item"], [])
        if item_limits and None not in item_limits:
            ceiling = max(x for x in item_limits if x is not None)
            if best_unit_price(offer) > ceiling:
                notes.append(f"offer {offer['id']} ({offer['item']}) left out: even its best price, "
                             f"{best_unit_price(offer):.4f} per unit, is above every site's maximum")
                continue
        kept.append(offer)
    return kept, notes


def _exclusions(lines: list[DemandLine], vendors: list[dict[str, Any]], offers: list[dict[str, Any]]
                ) -> tuple[list[dict[str, str]], list[str]]:
    regions = {v["id"]: (None if v.get("regions") is None else set(v["regions"])) for v in vendors}
    sellers: dict[str, set[str]] = defaultdict(set)
    for offer in offers:
        sellers[offer["item"]].add(offer["vendor"])
    by_member: dict[int, list[DemandLine]] = defaultdict(list)
    for line in lines:
        by_member[line.organization_id].append(line)
    exclusions, notes = [], []
    for member_id, member_lines in sorted(by_member.items()):
        avoided = sorted({f"v{v}" for line in member_lines for v in line.avoided_vendor_ids} & set(regions))
        excluded: set[str] = set()
        for vendor in avoided:
            trial = excluded | {vendor}
            stranded = [line for line in member_lines if _served(line, sellers, regions) and not
                        _served(line, sellers, regions, trial)]
            if stranded:
                notes.append(f"member m{member_id} avoids {vendor}, but it is the only vendor for "
                             f"{stranded[0].item.slug} at site s{stranded[0].site_id}: kept")
                continue
            excluded = trial
            exclusions.append({"member": f"m{member_id}", "vendor": vendor})
    return exclusions, notes


def _served(line: DemandLine, sellers: dict[str, set[str]], regions: dict[str, set[str] | None],
            excluded: frozenset[str] | set[str] = frozenset()) -> bool:
    region = line.site.region_code
    return any(v not in excluded and (regions[v] is None or region in (regions[v] or ()))
               for v in sellers.get(line.item.slug, ()))


def _versions(session: Session, offers: list[dict[str, Any]]) -> list[int]:
    ids = [int(o["id"][1:]) for o in offers]
    if not ids:
        return []
    return sorted(set(session.scalars(
        select(OfferVersion.id).join(Offer, Offer.price_sheet_id == OfferVersion.price_sheet_id)
        .where(Offer.id.in_(ids)))))
