"""The pooled-order instance: frozen dataclasses read from the JSON contract.

`load_instance(data)` turns the decoded JSON of the contract (version 1) into an
`Instance`, collecting every problem it finds and raising them together as one
`InvalidInstanceError`. Money, quantities and pack sizes are exact `Decimal`s.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from optimizer.errors import InvalidInstanceError

ALL_UNITS = "all_units"
INCREMENTAL = "incremental"
DISCOUNTS = (ALL_UNITS, INCREMENTAL)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Member:
    id: str
    name: str = ""


@dataclass(frozen=True)
class Site:
    id: str
    member: str
    region: str


@dataclass(frozen=True)
class Item:
    id: str
    name: str = ""
    unit: str = ""
    category: str = ""


@dataclass(frozen=True)
class Vendor:
    id: str
    name: str = ""
    regions: frozenset[str] | None = None  # None: serves every region
    delivery_fee: Decimal = Decimal(0)
    free_delivery_over: Decimal | None = None
    min_order: Decimal | None = None

    def serves(self, region: str) -> bool:
        return self.regions is None or region in self.regions


@dataclass(frozen=True)
class Tier:
    min_packs: int
    price: Decimal  # per pack


@dataclass(frozen=True)
class Offer:
    id: str
    vendor: str
    item: str
    pack_size: Decimal
    tiers: tuple[Tier, ...]
    discount: str = ALL_UNITS
    max_packs: int | None = None

    @property
    def moq(self) -> int:
        """Minimum pooled packs (rule 3): tiers[0].min_packs."""
        return self.tiers[0].min_packs

    @property
    def floor_price(self) -> Decimal:
        """Lowest (deepest) tier price: the floor-value price of rule 5."""
        return self.tiers[-1].price

    def cost(self, packs: int) -> Decimal:
        """Exact cost of `packs` pooled packs under rule 4 (0 packs cost 0)."""
        if packs <= 0:
            return Decimal(0)
        if self.discount == ALL_UNITS:
            price = self.tiers[0].price
            for tier in self.tiers:
                if tier.min_packs <= packs:
                    price = tier.price
            return price * packs
        total = Decimal(0)
        for t, tier in enumerate(self.tiers):
            start = 1 if t == 0 else tier.min_packs
            end = self.tiers[t + 1].min_packs - 1 if t + 1 < len(self.tiers) else packs
            count = min(end, packs) - start + 1
            if count > 0:
                total += tier.price * count
        return total

    def unit_price(self, packs: int) -> Decimal:
        """Price of the tier reached by `packs` pooled packs (all_units: the price paid)."""
        price = self.tiers[0].price
        for tier in self.tiers:
            if tier.min_packs <= packs:
                price = tier.price
        return price

    def tier_index(self, packs: int) -> int:
        """Index of the highest tier whose min_packs <= packs (0 below the minimum)."""
        index = 0
        for t, tier in enumerate(self.tiers):
            if tier.min_packs <= packs:
                index = t
        return index


@dataclass(frozen=True)
class Demand:
    site: str
    item: str
    quantity: Decimal


@dataclass(frozen=True)
class Exclusion:
    member: str
    vendor: str


@dataclass(frozen=True)
class Options:
    max_overbuy_fraction: Decimal = Decimal("0.10")
    max_vendors_per_site: int | None = None
    time_limit_s: float = 60.0
    mip_gap: float = 1e-4
    threads: int | None = None  # extension: HiGHS threads (None: HiGHS default)


@dataclass(frozen=True)
class Instance:
    """A validated instance. Lookups are computed once, on first use."""

    members: tuple[Member, ...]
    sites: tuple[Site, ...]
    items: tuple[Item, ...]
    vendors: tuple[Vendor, ...]
    offers: tuple[Offer, ...]
    demands: tuple[Demand, ...]
    exclusions: tuple[Exclusion, ...] = ()
    options: Options = field(default_factory=Options)
    name: str = ""
    currency: str = "USD"
    version: int = 1

    # ---- lookups by id -------------------------------------------------
    @cached_property
    def member_by_id(self) -> dict[str, Member]:
        return {m.id: m for m in self.members}

    @cached_property
    def site_by_id(self) -> dict[str, Site]:
        return {s.id: s for s in self.sites}

    @cached_property
    def item_by_id(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    @cached_property
    def vendor_by_id(self) -> dict[str, Vendor]:
        return {v.id: v for v in self.vendors}

    @cached_property
    def offer_by_id(self) -> dict[str, Offer]:
        return {o.id: o for o in self.offers}

    # ---- grouped views -------------------------------------------------
    @cached_property
    def offers_by_item(self) -> dict[str, tuple[Offer, ...]]:
        return _group(self.offers, lambda o: o.item)

    @cached_property
    def offers_by_vendor(self) -> dict[str, tuple[Offer, ...]]:
        return _group(self.offers, lambda o: o.vendor)

    @cached_property
    def demands_by_site(self) -> dict[str, tuple[Demand, ...]]:
        return _group(self.demands, lambda d: d.site)

    @cached_property
    def sites_by_member(self) -> dict[str, tuple[Site, ...]]:
        return _group(self.sites, lambda s: s.member)

    @cached_property
    def demand_by_key(self) -> dict[tuple[str, str], Demand]:
        return {(d.site, d.item): d for d in self.demands}

    @cached_property
    def excluded_vendors(self) -> dict[str, frozenset[str]]:
        """Member id -> vendors that member has excluded."""
        out: dict[str, set[str]] = {}
        for e in self.exclusions:
            out.setdefault(e.member, set()).add(e.vendor)
        return {m: frozenset(v) for m, v in out.items()}

    # ---- rules 1 and 2 -------------------------------------------------
    def vendor_allowed(self, site_id: str, vendor_id: str) -> bool:
        """Rule 1: the vendor serves the site's region and its member has not excluded it."""
        site = self.site_by_id[site_id]
        if vendor_id in self.excluded_vendors.get(site.member, ()):
            return False
        return self.vendor_by_id[vendor_id].serves(site.region)

    def allowed(self, site_id: str, offer_id: str) -> bool:
        return self.vendor_allowed(site_id, self.offer_by_id[offer_id].vendor)

    def allowed_offers(self, site_id: str, item_id: str) -> tuple[Offer, ...]:
        """Offers of the item the site may receive (rule 1)."""
        return self._allowed_offers.get((site_id, item_id), ())

    @cached_property
    def _allowed_offers(self) -> dict[tuple[str, str], tuple[Offer, ...]]:
        out = {}
        for d in self.demands:
            offers = tuple(
                o for o in self.offers_by_item.get(d.item, ()) if self.vendor_allowed(d.site, o.vendor)
            )
            out[(d.site, d.item)] = offers
        return out

    def coverage_bounds(self, site_id: str, item_id: str) -> tuple[Decimal, Decimal] | None:
        """Rule 2: (q, U) for the demand, or None when no offer is allowed (or no demand)."""
        demand = self.demand_by_key.get((site_id, item_id))
        offers = self.allowed_offers(site_id, item_id)
        if demand is None or not offers:
            return None
        q = demand.quantity
        k = max(o.pack_size for o in offers)
        frac = self.options.max_overbuy_fraction
        return q, max(q * (1 + frac), Decimal(math.ceil(q / k)) * k)

    # ---- derived instances ---------------------------------------------
    def restricted_to(self, member_ids: set[str] | frozenset[str]) -> Instance:
        """The same instance restricted to some members' sites and demands."""
        sites = tuple(s for m in sorted(member_ids) for s in self.sites_by_member.get(m, ()))
        return self.restricted_to_sites([s.id for s in sites])

    def restricted_to_sites(self, site_ids: list[str]) -> Instance:
        """The same instance restricted to some sites (and their members and demands)."""
        sites = tuple(self.site_by_id[s] for s in site_ids)
        member_ids = {s.member for s in sites}
        return replace(
            self,
            members=tuple(m for m in self.members if m.id in member_ids),
            sites=sites,
            demands=tuple(d for s in site_ids for d in self.demands_by_site.get(s, ())),
            exclusions=tuple(e for e in self.exclusions if e.member in member_ids),
        )

    def with_options(self, **changes: Any) -> Instance:
        return replace(self, options=replace(self.options, **changes))


def _group(things, key) -> dict:
    out: dict = {}
    for thing in things:
        out.setdefault(key(thing), []).append(thing)
    return {k: tuple(v) for k, v in out.items()}


def read_instance(path: str | Path) -> Instance:
    """Read and validate an instance file (JSON); numbers are read as exact decimals."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InvalidInstanceError([f"{path}: not valid JSON ({exc})"]) from exc
    return load_instance(data)


def load_instance(data: dict) -> Instance:
    """Validate decoded instance JSON and return an `Instance`.

    Raises `InvalidInstanceError` listing every problem found (bad or duplicate
    ids, unknown references, bad money, quantities, tier tables or options).
    """
    from optimizer.reading import parse_instance

    return parse_instance(data)


def dump_instance(instance: Instance) -> dict:
    """The instance as contract JSON (money as decimal strings); `load_instance` reads it back."""

    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    def number(value: Decimal) -> int | str:
        return int(value) if value == value.to_integral_value() else str(value)

    opts = instance.options
    options: dict[str, Any] = {
        "max_overbuy_fraction": str(opts.max_overbuy_fraction),
        "max_vendors_per_site": opts.max_vendors_per_site,
        "time_limit_s": opts.time_limit_s, "mip_gap": opts.mip_gap,
    }
    if opts.threads is not None:
        options["threads"] = opts.threads
    return {
        "version": 1, "name": instance.name, "currency": instance.currency,
        "members": [{"id": m.id, "name": m.name} for m in instance.members],
        "sites": [{"id": s.id, "member": s.member, "region": s.region} for s in instance.sites],
        "items": [{"id": i.id, "name": i.name, "unit": i.unit, "category": i.category}
                  for i in instance.items],
        "vendors": [{"id": v.id, "name": v.name,
                     "regions": None if v.regions is None else sorted(v.regions),
                     "delivery_fee": money(v.delivery_fee),
                     "free_delivery_over": money(v.free_delivery_over),
                     "min_order": money(v.min_order)} for v in instance.vendors],
        "offers": [{"id": o.id, "vendor": o.vendor, "item": o.item,
                    "pack_size": number(o.pack_size), "discount": o.discount,
                    "tiers": [{"min_packs": t.min_packs, "price": str(t.price)} for t in o.tiers],
                    "max_packs": o.max_packs} for o in instance.offers],
        "demands": [{"site": d.site, "item": d.item, "quantity": number(d.quantity)}
                    for d in instance.demands],
        "exclusions": [{"member": e.member, "vendor": e.vendor} for e in instance.exclusions],
        "options": options,
    }
