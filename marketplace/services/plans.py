"""Reviewing a run's plan before publishing it (hub only), and comparing two runs.

Everything here is read from what the run stored: its instance (the prices it used) and its
plan (the optimizer's answer), both in the optimizer spec's JSON; names come from the
database. Money is integer cents; prices per pack are decimals.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from marketplace.errors import ConflictError, NotFoundError
from marketplace.models import (
    Category,
    Cycle,
    OptimizationRun,
    Organization,
    Role,
    RunStatus,
    Site,
    User,
)
from marketplace.services.runs import run_instance, run_plan
from marketplace.services.scope import get_scoped, require_role, scoped_select
from optimizer.allocation import to_cents
from optimizer.instance import ALL_UNITS, Instance, load_instance
from optimizer.instance import Offer as SpecOffer

PUBLISHABLE = ("optimal", "feasible")


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


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    cost_cents: int
    standalone_cents: int | None
    standalone_unmet: tuple[str, ...] = ()

    @property
    def savings_cents(self) -> int | None:
        return None if self.standalone_cents is None else self.standalone_cents - self.cost_cents

    @property
    def savings_percent(self) -> Decimal | None:
        return percent(self.savings_cents, self.standalone_cents)


@dataclass
class SpendRow:
    """What the plan spends with one vendor, at one site or on one category."""

    key: str
    name: str
    goods_cents: int = 0
    fees_cents: int = 0
    detail: str = ""
    lines: int = 0

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.fees_cents


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
class LineRow:
    site_id: int
    site: str
    member: str
    item: str
    unit: str
    vendor: str
    offer_id: int
    packs: int
    quantity: Decimal
    tier: int
    unit_price: Decimal
    amount_cents: int


@dataclass(frozen=True)
class DeliveryRow:
    site: str
    vendor: str
    fee_cents: int
    waived: bool
    floor_value: Decimal | None


@dataclass
class PlanReview:
    """Everything the plan review page shows about one run."""

    run: OptimizationRun
    cycle: Cycle
    status: str
    gap: float | None
    total_cents: int | None
    standalone_cents: int | None
    savings_cents: int | None
    members: list[MemberRow] = field(default_factory=list)
    vendors: list[SpendRow] = field(default_factory=list)
    sites: list[SpendRow] = field(default_factory=list)
    categories: list[SpendRow] = field(default_factory=list)
    offers: list[OfferRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)
    deliveries: list[DeliveryRow] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def savings_percent(self) -> Decimal | None:
        return percent(self.savings_cents, self.standalone_cents)

    @property
    def publishable(self) -> bool:
        return self.run.status is RunStatus.SUCCEEDED and self.status in PUBLISHABLE

    @property
    def fees_cents(self) -> int:
        return sum(d.fee_cents for d in self.deliveries)


def get_plan_run(session: Session, actor: User, run_id: int) -> OptimizationRun:
    """A run of the hub's alliance that has a plan (NotFound for others, Conflict without plan)."""
    run = get_scoped(session, actor, OptimizationRun, run_id)
    require_role(actor, Role.HUB_MANAGER)
    if not run.plan_json or not run.instance_json:
        raise ConflictError(f"Run #{run.number} has no plan yet ({run.status.label.lower()}).")
    return run


def plan_review(session: Session, actor: User, run_id: int) -> PlanReview:
    """The review of a run's plan: totals, savings, spend by vendor, site and category, each
    offer's tier and why, lines, deliveries and what could not be met."""
    run = get_plan_run(session, actor, run_id)
    plan, data = run_plan(run) or {}, run_instance(run) or {}
    names = _Names(session, actor, data)
    review = PlanReview(run=run, cycle=run.cycle, status=plan.get("status", ""), gap=plan.get("gap"),
                        total_cents=cents(plan.get("total_cost")),
                        standalone_cents=cents(plan.get("standalone_cost")),
                        savings_cents=cents(plan.get("savings")),
                        unmet=list(plan.get("unmet", [])), notes=list(plan.get("notes", [])))
    review.members = member_rows(plan, names.members)
    if review.status in PUBLISHABLE:
        instance = load_run_instance(run)
        review.lines = _line_rows(plan, instance, names)
        review.deliveries = _delivery_rows(plan, instance, names)
        review.offers = offer_rows(plan, instance, names.vendors)
        review.vendors, review.sites, review.categories = _spend(review, instance, names, plan)
    return review


def member_rows(plan: dict[str, Any], names: dict[str, str]) -> list[MemberRow]:
    rows = [MemberRow(spec_id(m["member"]), names.get(m["member"], m["member"]), cents(m["cost"]) or 0,
                      cents(m.get("standalone_cost")), tuple(m.get("standalone_unmet", ())))
            for m in plan.get("members", [])]
    return sorted(rows, key=lambda m: m.name.lower())


class _Names:
    """People's names for the ids of an instance (sites from the database)."""

    def __init__(self, session: Session, actor: User, data: dict[str, Any]):
        self.members = {m["id"]: m.get("name") or m["id"] for m in data.get("members", [])}
        self.vendors = {v["id"]: v.get("name") or v["id"] for v in data.get("vendors", [])}
        self.items = {i["id"]: i.get("name") or i["id"] for i in data.get("items", [])}
        site_ids = [spec_id(s["id"]) for s in data.get("sites", [])]
        self.sites = {f"s{s.id}": s.name for s in session.scalars(
            scoped_select(actor, Site, Site.id.in_(site_ids)))} if site_ids else {}
        org_ids = [spec_id(m) for m in self.members]
        self.members.update({f"m{o.id}": o.name for o in session.scalars(
            scoped_select(actor, Organization, Organization.id.in_(org_ids)))} if org_ids else {})
        slugs = {i.get("category") for i in data.get("items", []) if i.get("category")}
        self.categories = {c.slug: c.name for c in session.scalars(
            scoped_select(actor, Category, Category.slug.in_(slugs)))} if slugs else {}


def _line_rows(plan: dict[str, Any], instance: Instance, names: _Names) -> list[LineRow]:
    member_of = {s.id: s.member for s in instance.sites}
    rows = []
    for x in plan.get("lines", []):
        offer = instance.offer_by_id[x["offer"]]
        item = instance.item_by_id[offer.item]
        rows.append(LineRow(spec_id(x["site"]), names.sites.get(x["site"], x["site"]),
                            names.members.get(member_of[x["site"]], ""), names.items.get(offer.item, offer.item),
                            item.unit, names.vendors.get(offer.vendor, offer.vendor), spec_id(offer.id),
                            x["packs"], offer.pack_size * x["packs"], x.get("tier", 1),
                            Decimal(str(x.get("unit_price") or offer.unit_price(x["packs"]))),
                            cents(x["amount"]) or 0))
    return sorted(rows, key=lambda r: (r.site.lower(), r.item.lower(), r.vendor.lower()))


def _delivery_rows(plan: dict[str, Any], instance: Instance, names: _Names) -> list[DeliveryRow]:
    rows = []
    for d in plan.get("deliveries", []):
        vendor = instance.vendor_by_id[d["vendor"]]
        fee = cents(d["fee"]) or 0
        floor = d.get("floor_value")
        rows.append(DeliveryRow(names.sites.get(d["site"], d["site"]), names.vendors.get(d["vendor"], d["vendor"]),
                                fee, fee == 0 and bool(vendor.delivery_fee),
                                None if floor is None else Decimal(str(floor))))
    return sorted(rows, key=lambda r: (r.site.lower(), r.vendor.lower()))


def offer_rows(plan: dict[str, Any], instance: Instance, vendor_names: dict[str, str]) -> list[OfferRow]:
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
    return sorted(rows, key=lambda r: (r.item.lower(), r.vendor.lower()))


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


def _spend(review: PlanReview, instance: Instance, names: _Names, plan: dict[str, Any]
           ) -> tuple[list[SpendRow], list[SpendRow], list[SpendRow]]:
    vendors: dict[str, SpendRow] = {}
    sites: dict[int, SpendRow] = {}
    categories: dict[str, SpendRow] = {}
    for line in review.lines:
        offer = instance.offer_by_id[f"o{line.offer_id}"]
        category = instance.item_by_id[offer.item].category or ""
        for table, key, name in ((vendors, offer.vendor, line.vendor), (sites, line.site_id, line.site),
                                 (categories, category, names.categories.get(category, category or "Other"))):
            row = table.setdefault(key, SpendRow(str(key), name))
            row.goods_cents += line.amount_cents
            row.lines += 1
    for d in plan.get("deliveries", []):  # the plan already read (a 300-site one is over 1 MB of JSON)
        vendors.setdefault(d["vendor"], SpendRow(d["vendor"], names.vendors.get(d["vendor"], d["vendor"])))
        vendors[d["vendor"]].fees_cents += cents(d["fee"]) or 0
        site = sites.setdefault(spec_id(d["site"]), SpendRow(d["site"], names.sites.get(d["site"], d["site"])))
        site.fees_cents += cents(d["fee"]) or 0
    for s in instance.sites:
        if spec_id(s.id) in sites:
            sites[spec_id(s.id)].detail = names.members.get(s.member, "")
    order = lambda rows: sorted(rows, key=lambda r: (-r.total_cents, r.name.lower()))  # noqa: E731
    return order(vendors.values()), order(sites.values()), order(categories.values())


# ---------------------------------------------------------------- comparing two runs

@dataclass(frozen=True)
class Delta:
    """One row of a comparison: a member or a vendor in run A and run B (None: not in it)."""

    name: str
    a_cents: int | None
    b_cents: int | None
    more_is_better: bool = False  # savings: a rise is good news

    @property
    def change_cents(self) -> int | None:
        return None if self.a_cents is None or self.b_cents is None else self.b_cents - self.a_cents


@dataclass
class RunComparison:
    a: OptimizationRun
    b: OptimizationRun
    totals: list[Delta]
    members: list[Delta]
    vendors: list[Delta]


def compare_runs(session: Session, actor: User, run_id: int, other_run_id: int) -> RunComparison:
    """Two runs of one cycle side by side: totals, each member's cost, each vendor's order."""
    a = get_plan_run(session, actor, run_id)
    b = get_plan_run(session, actor, other_run_id)
    if a.cycle_id != b.cycle_id:
        raise NotFoundError()
    plans = [run_plan(a) or {}, run_plan(b) or {}]
    names = [_Names(session, actor, run_instance(r) or {}) for r in (a, b)]
    totals = [Delta(label, cents(plans[0].get(key)), cents(plans[1].get(key)), key == "savings")
              for label, key in (("Total cost", "total_cost"), ("Members alone", "standalone_cost"),
                                 ("Savings", "savings"))]
    members = _deltas([{m["member"]: cents(m["cost"]) for m in p.get("members", [])} for p in plans],
                      {**names[0].members, **names[1].members})
    vendors = _deltas([{po["vendor"]: cents(po["total"]) for po in p.get("purchase_orders", [])} for p in plans],
                      {**names[0].vendors, **names[1].vendors})
    return RunComparison(a, b, totals, members, vendors)


def _deltas(values: list[dict[str, int | None]], names: dict[str, str]) -> list[Delta]:
    keys = set(values[0]) | set(values[1])
    rows = [Delta(names.get(k, k), values[0].get(k), values[1].get(k)) for k in keys]
    return sorted(rows, key=lambda d: d.name.lower())


def other_runs(session: Session, actor: User, run: OptimizationRun) -> list[OptimizationRun]:
    """The cycle's other runs with a plan to compare with, newest first."""
    return list(session.scalars(scoped_select(
        actor, OptimizationRun, OptimizationRun.cycle_id == run.cycle_id, OptimizationRun.id != run.id,
        OptimizationRun.plan_json.is_not(None)).order_by(OptimizationRun.number.desc())))


def load_run_instance(run: OptimizationRun) -> Instance | None:
    """The run's instance as the optimizer's types (None without one)."""
    return _parsed_instance(run.instance_json) if run.instance_json else None


@lru_cache(maxsize=4)
def _parsed_instance(text: str) -> Instance | None:
    # Keyed by the text itself: a run's instance never changes once stored, and reading a
    # 300-site one takes a tenth of a second, on every plan review and every share page.
    data = json.loads(text)
    return load_instance(data) if data else None

