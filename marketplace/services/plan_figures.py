"""What the pages show of a run's stored instance and plan, computed once per process.

A 300-site run stores about 2 MB of JSON; reading it and working out the review's figures took
a tenth of a second of CPU on every view. Both texts never change once stored, and their
SHA-256 digests come with the run's row (``instance_sha256``, ``plan_sha256``), so what is
computed from them is kept here under those digests: the parsed instance, and the figures of
the plan that do not depend on names people can change (the sites' and members' names are
read from the database on each view). Content-addressed keys cannot serve another run's or
another database's data; the caches hold a few runs per process.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Generic, TypeVar

from marketplace.models import OptimizationRun
from optimizer.allocation import to_cents
from optimizer.instance import ALL_UNITS, Instance, load_instance
from optimizer.instance import Offer as SpecOffer

PUBLISHABLE = ("optimal", "feasible")
T = TypeVar("T")


class BoundedCache(Generic[T]):
    """A least-recently-used map of at most ``size`` entries, shared by a process's threads."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()  # outside the lock: two threads may both make it, once
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_instances: BoundedCache[Instance | None] = BoundedCache(4)
_figures: BoundedCache[PlanFigures] = BoundedCache(4)


def cents(amount: Any) -> int | None:
    """A plan's decimal string (or None) as integer cents."""
    return None if amount is None else to_cents(Decimal(str(amount)))


def percent(part: int | None, whole: int | None) -> Decimal | None:
    """``part / whole`` in percent with one decimal (None when it has no meaning)."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def usd(price: Decimal) -> str:
    """A price per pack for a sentence: $10.50, $0.0550."""
    places = max(2, min(4, -int(price.normalize().as_tuple().exponent)))
    return f"${price:,.{places}f}"


def spec_id(value: str) -> int:
    """The database id inside an instance id (``s12`` -> 12)."""
    return int(value[1:])


def load_run_instance(run: OptimizationRun) -> Instance | None:
    """The run's instance as the optimizer's types (None without one)."""
    if run.instance_sha256 is None:
        return _parse_instance(run.instance_json) if run.instance_json else None
    return _instances.get(run.instance_sha256, lambda: _parse_instance(run.instance_json))


def _parse_instance(text: str | None) -> Instance | None:
    data = json.loads(text) if text else None
    return load_instance(data) if data else None


# ---------------------------------------------------------------- the plan's figures

@dataclass(frozen=True)
class TierRow:
    min_packs: int
    price: Decimal
    reached: bool


@dataclass(frozen=True)
class OfferRow:
    """One offer in the plan: the packs pooled over the sites, the tier they reach, and why."""

    offer_id: int
    vendor: str
    item: str
    unit: str
    pack_size: Decimal
    pooled_packs: int
    sites: int
    tier: int
    unit_price: Decimal
    tiers: tuple[TierRow, ...]
    reason: str


@dataclass(frozen=True)
class LineFigure:
    """One line of the plan; ``site`` and ``member`` are instance ids, item and vendor names the
    instance's; ``order`` its place in the plan."""

    site: str
    member: str
    item: str
    unit: str
    vendor_id: str
    vendor: str
    category: str
    offer_id: int
    packs: int
    quantity: Decimal
    tier: int
    unit_price: Decimal
    amount_cents: int
    order: int


@dataclass(frozen=True)
class DeliveryFigure:
    site: str
    vendor_id: str
    vendor: str
    fee_cents: int
    waived: bool
    floor_value: Decimal | None
    order: int


@dataclass(frozen=True)
class Spend:
    goods_cents: int = 0
    fees_cents: int = 0
    lines: int = 0


@dataclass(frozen=True)
class MemberFigure:
    member: str
    cost_cents: int
    standalone_cents: int | None
    savings_cents: int | None
    standalone_unmet: tuple[str, ...]


@dataclass(frozen=True)
class PlanFigures:
    """A run's plan, worked out once: totals, members, each offer's tier, and the lines and
    deliveries grouped by site (each group in the review's order: item, then vendor)."""

    status: str
    gap: float | None
    total_cents: int | None
    standalone_cents: int | None
    savings_cents: int | None
    unmet: tuple[str, ...]
    notes: tuple[str, ...]
    members: tuple[MemberFigure, ...]
    member_names: dict[str, str]  # the instance's names (the database's are newer)
    vendor_names: dict[str, str]
    line_count: int
    purchase_orders: dict[str, int | None]  # each vendor's order total
    offers: tuple[OfferRow, ...] = ()
    lines_by_site: dict[str, tuple[LineFigure, ...]] | None = None
    deliveries_by_site: dict[str, tuple[DeliveryFigure, ...]] | None = None
    site_members: dict[str, str] | None = None  # instance site id -> instance member id
    vendor_spend: dict[str, Spend] | None = None  # by instance vendor id
    site_spend: dict[str, Spend] | None = None  # by instance site id
    category_spend: dict[str, Spend] | None = None  # by category slug ("" for none)


def plan_figures(run: OptimizationRun) -> PlanFigures | None:
    """The figures of the run's plan (None before it has one)."""
    if run.plan_sha256 is None:
        return _make_figures(run) if run.plan_json else None
    return _figures.get((run.instance_sha256, run.plan_sha256), lambda: _make_figures(run))


def _make_figures(run: OptimizationRun) -> PlanFigures:
    plan = json.loads(run.plan_json or "{}")
    data = json.loads(run.instance_json) if run.instance_json else {}
    members = tuple(MemberFigure(m["member"], cents(m["cost"]) or 0, cents(m.get("standalone_cost")),
                                 cents(m.get("savings")), tuple(m.get("standalone_unmet", ())))
                    for m in plan.get("members", []))
    figures = PlanFigures(
        status=plan.get("status", ""), gap=plan.get("gap"), total_cents=cents(plan.get("total_cost")),
        standalone_cents=cents(plan.get("standalone_cost")), savings_cents=cents(plan.get("savings")),
        unmet=tuple(plan.get("unmet", [])), notes=tuple(plan.get("notes", [])), members=members,
        member_names={m["id"]: m.get("name") or m["id"] for m in data.get("members", [])},
        vendor_names={v["id"]: v.get("name") or v["id"] for v in data.get("vendors", [])},
        line_count=len(plan.get("lines", [])),
        purchase_orders={po["vendor"]: cents(po["total"]) for po in plan.get("purchase_orders", [])})
    instance = load_run_instance(run) if figures.status in PUBLISHABLE else None
    if instance is None:
        return figures
    lines = _line_figures(plan, instance, figures.vendor_names)
    deliveries = _delivery_figures(plan, instance, figures.vendor_names)
    return replace(figures, offers=offer_rows(plan, instance, figures.vendor_names),
                   lines_by_site=_grouped(lines, lambda x: (x.item.lower(), x.vendor.lower(), x.order)),
                   deliveries_by_site=_grouped(deliveries, lambda d: (d.vendor.lower(), d.order)),
                   site_members={s.id: s.member for s in instance.sites}, **_spend(lines, deliveries))


def _spend(lines: list[LineFigure], deliveries: list[DeliveryFigure]) -> dict[str, dict[str, Spend]]:
    """Goods, fees and line counts by vendor, site and category."""
    tables: dict[str, dict[str, list[int]]] = {"vendor_spend": {}, "site_spend": {}, "category_spend": {}}
    for x in lines:
        for table, key in (("vendor_spend", x.vendor_id), ("site_spend", x.site), ("category_spend", x.category)):
            row = tables[table].setdefault(key, [0, 0, 0])
            row[0] += x.amount_cents
            row[2] += 1
    for d in deliveries:
        for table, key in (("vendor_spend", d.vendor_id), ("site_spend", d.site)):
            tables[table].setdefault(key, [0, 0, 0])[1] += d.fee_cents
    return {name: {key: Spend(*row) for key, row in table.items()} for name, table in tables.items()}


def _line_figures(plan: dict[str, Any], instance: Instance, vendor_names: dict[str, str]) -> list[LineFigure]:
    member_of = {s.id: s.member for s in instance.sites}
    rows = []
    for order, x in enumerate(plan.get("lines", [])):
        offer = instance.offer_by_id[x["offer"]]
        item = instance.item_by_id[offer.item]
        rows.append(LineFigure(x["site"], member_of[x["site"]], item.name or item.id, item.unit, offer.vendor,
                               vendor_names.get(offer.vendor, offer.vendor), item.category or "",
                               spec_id(offer.id), x["packs"], offer.pack_size * x["packs"], x.get("tier", 1),
                               Decimal(str(x.get("unit_price") or offer.unit_price(x["packs"]))),
                               cents(x["amount"]) or 0, order))
    return rows


def _delivery_figures(plan: dict[str, Any], instance: Instance, vendor_names: dict[str, str]
                      ) -> list[DeliveryFigure]:
    rows = []
    for order, d in enumerate(plan.get("deliveries", [])):
        vendor = instance.vendor_by_id[d["vendor"]]
        fee = cents(d["fee"]) or 0
        floor = d.get("floor_value")
        rows.append(DeliveryFigure(d["site"], d["vendor"], vendor_names.get(d["vendor"], d["vendor"]), fee,
                                   fee == 0 and bool(vendor.delivery_fee),
                                   None if floor is None else Decimal(str(floor)), order))
    return rows


def _grouped(rows: list[T], key: Callable[[T], Any]) -> dict[str, tuple[T, ...]]:
    groups: dict[str, list[T]] = defaultdict(list)
    for row in rows:
        groups[row.site].append(row)  # type: ignore[attr-defined]
    return {site: tuple(sorted(group, key=key)) for site, group in groups.items()}


def offer_rows(plan: dict[str, Any], instance: Instance, vendor_names: dict[str, str]) -> tuple[OfferRow, ...]:
    """Each offer the plan buys: pooled packs against the tier breakpoints, in words."""
    pooled: dict[str, int] = defaultdict(int)
    by_member: dict[tuple[str, str], int] = defaultdict(int)
    member_of = {s.id: s.member for s in instance.sites}
    sites: dict[str, set[str]] = defaultdict(set)
    for x in plan.get("lines", []):
        pooled[x["offer"]] += x["packs"]
        by_member[(x["offer"], member_of[x["site"]])] += x["packs"]
        sites[x["offer"]].add(x["site"])
    largest_of: dict[str, int] = defaultdict(int)  # the most packs one member buys of the offer
    for (offer_id, _), packs in by_member.items():
        largest_of[offer_id] = max(largest_of[offer_id], packs)
    rows = []
    for offer_id, packs in pooled.items():
        offer = instance.offer_by_id[offer_id]
        item = instance.item_by_id[offer.item]
        tier = offer.tier_index(packs) + 1
        largest = largest_of[offer_id]
        tiers = tuple(TierRow(t.min_packs, t.price, i + 1 == tier) for i, t in enumerate(offer.tiers))
        rows.append(OfferRow(spec_id(offer_id), vendor_names.get(offer.vendor, offer.vendor),
                             item.name or item.id, item.unit or "", offer.pack_size, packs, len(sites[offer_id]),
                             tier, average_price(offer, packs), tiers,
                             tier_reason(offer, packs, len(sites[offer_id]), largest)))
    return tuple(sorted(rows, key=lambda r: (r.item.lower(), r.vendor.lower())))


def average_price(offer: SpecOffer, packs: int) -> Decimal:
    """The price per pack ``packs`` pooled packs pay (incremental: the average)."""
    if offer.discount == ALL_UNITS:
        return offer.unit_price(packs)
    return (offer.cost(packs) / packs).quantize(Decimal("0.0001"))


def alone_price(offer: SpecOffer, packs: int) -> Decimal | None:
    """The price per pack of the same offer for ``packs`` bought alone (None: below its minimum)."""
    if packs < offer.moq:
        return None
    return average_price(offer, packs)


def tier_reason(offer: SpecOffer, packs: int, sites: int, largest_member_packs: int) -> str:
    """Why the offer is at its tier: the pooled packs against the breakpoints, in one sentence."""
    index = offer.tier_index(packs)
    pooled = f"{packs} pack{'s' if packs != 1 else ''} from {sites} site{'s' if sites != 1 else ''}"
    if len(offer.tiers) == 1:
        return f"{pooled}; one price whatever the quantity."
    reached = offer.tiers[index]
    text = (f"{pooled} reach tier {index + 1} (from {reached.min_packs} packs: {usd(reached.price)} a pack)"
            if index else f"{pooled} stay at the base price ({usd(reached.price)} a pack)")
    if index + 1 < len(offer.tiers):
        nxt = offer.tiers[index + 1]
        text += f"; {nxt.min_packs - packs} more would reach {usd(nxt.price)} (from {nxt.min_packs})"
    else:
        text += ", the best tier"
    alone = offer.tier_index(largest_member_packs)
    if alone < index:
        text += f". The largest member alone ({largest_member_packs}) would stay at tier {alone + 1}"
    return text + "."
