"""The plan: status, priced lines, deliveries, purchase orders, members; and its JSON."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from optimizer.allocation import cents_to_decimal, round_parts, split_cents, to_cents
from optimizer.evaluate import Evaluation, Packs, evaluate
from optimizer.instance import INCREMENTAL, Instance

BOUND_STEP = Decimal("0.0001")


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"


@dataclass(frozen=True)
class Line:
    site: str
    offer: str
    packs: int
    amount: Decimal  # this site's share of the offer's cost, in cents
    tier: int  # 1-based tier reached by the pooled packs
    unit_price: Decimal  # the tier's price (incremental: average price per pack)


@dataclass(frozen=True)
class DeliveryLine:
    site: str
    vendor: str
    fee: Decimal
    floor_value: Decimal


@dataclass(frozen=True)
class OrderLine:
    offer: str
    packs: int
    unit_price: Decimal
    amount: Decimal
    tier: int


@dataclass(frozen=True)
class PurchaseOrder:
    vendor: str
    total: Decimal
    lines: tuple[OrderLine, ...]
    fees: Decimal


@dataclass(frozen=True)
class MemberCost:
    member: str
    cost: Decimal
    standalone_cost: Decimal | None
    savings: Decimal | None
    standalone_unmet: tuple[str, ...] = ()


@dataclass
class Plan:
    """A solved (or infeasible) instance; `to_json()` gives the contract's plan JSON."""

    status: Status
    total_cost: Decimal | None = None
    lower_bound: Decimal | None = None
    gap: float | None = None
    lines: list[Line] = field(default_factory=list)
    deliveries: list[DeliveryLine] = field(default_factory=list)
    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    members: list[MemberCost] = field(default_factory=list)
    standalone_cost: Decimal | None = None
    savings: Decimal | None = None
    unmet: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    lp_bound: Decimal | None = None
    method: dict[str, str] = field(default_factory=dict)
    solver: str = ""
    notes: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def packs(self) -> Packs:
        return {(line.site, line.offer): line.packs for line in self.lines}

    def to_json(self) -> dict[str, Any]:
        """The plan as the contract's JSON (money as decimal strings), plus explanations."""
        return {
            "version": 1,
            "status": str(self.status),
            "total_cost": _money(self.total_cost),
            "lower_bound": _money(self.lower_bound),
            "gap": self.gap,
            "lines": [{"site": x.site, "offer": x.offer, "packs": x.packs,
                       "amount": _money(x.amount), "tier": x.tier,
                       "unit_price": _money(x.unit_price)} for x in self.lines],
            "deliveries": [{"site": d.site, "vendor": d.vendor, "fee": _money(d.fee),
                            "floor_value": _money(d.floor_value)} for d in self.deliveries],
            "purchase_orders": [_order_json(po) for po in self.purchase_orders],
            "members": [_member_json(m) for m in self.members],
            "standalone_cost": _money(self.standalone_cost),
            "savings": _money(self.savings),
            "unmet": list(self.unmet),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "lp_bound": _money(self.lp_bound),
            "method": dict(self.method),
            "solver": self.solver,
            "notes": list(self.notes),
            "log": list(self.log),
        }


def _money(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01"))
               else value.normalize())


def _order_json(po: PurchaseOrder) -> dict[str, Any]:
    return {"vendor": po.vendor, "total": _money(po.total), "fees": _money(po.fees),
            "lines": [{"offer": x.offer, "packs": x.packs, "unit_price": _money(x.unit_price),
                       "amount": _money(x.amount), "tier": x.tier} for x in po.lines]}


def _member_json(m: MemberCost) -> dict[str, Any]:
    out = {"member": m.member, "cost": _money(m.cost),
           "standalone_cost": _money(m.standalone_cost), "savings": _money(m.savings)}
    if m.standalone_cost is None:
        out["standalone_unmet"] = list(m.standalone_unmet)
    return out


def floor_bound(bound: float | Decimal | None, total: Decimal) -> Decimal | None:
    """A solver bound as a decimal, rounded down to 4 places and never above the total."""
    if bound is None:
        return None
    value = Decimal(repr(bound)) if isinstance(bound, float) else Decimal(bound)
    if not value.is_finite():
        return None
    return min(value.quantize(BOUND_STEP, rounding=ROUND_FLOOR), total)


def relative_gap(total: Decimal, bound: Decimal | None) -> float | None:
    if bound is None:
        return None
    if total <= 0:
        return 0.0
    return float(max(Decimal(0), total - bound) / total)


def priced_plan(instance: Instance, packs: Packs, status: Status,
                bound: float | Decimal | None = None) -> Plan:
    """A plan for the given lines: priced by rules 4 to 6, rounded to cents, no members yet."""
    ev = evaluate(instance, packs)
    total_cents = to_cents(ev.total)
    offers, keys = sorted(ev.offer_cost), sorted(ev.deliveries)
    parts = round_parts([ev.offer_cost[o] for o in offers]
                        + [ev.deliveries[k].fee for k in keys], total_cents)
    offer_cents = dict(zip(offers, parts[: len(offers)], strict=True))
    fee_cents = dict(zip(keys, parts[len(offers):], strict=True))
    lines = _lines(instance, ev, offer_cents)
    deliveries = [DeliveryLine(s, v, cents_to_decimal(fee_cents[(s, v)]),
                               ev.deliveries[(s, v)].floor_value) for s, v in keys]
    total = cents_to_decimal(total_cents)
    lower = floor_bound(bound, total)
    return Plan(status=status, total_cost=total, lower_bound=lower,
                gap=relative_gap(total, lower), lines=lines, deliveries=deliveries,
                purchase_orders=_orders(instance, ev, lines, deliveries))


def _unit_price(instance: Instance, ev: Evaluation, offer_id: str) -> tuple[int, Decimal]:
    offer, n = instance.offer_by_id[offer_id], ev.pooled[offer_id]
    tier = offer.tier_index(n) + 1
    if offer.discount == INCREMENTAL:
        return tier, (ev.offer_cost[offer_id] / n).quantize(BOUND_STEP)
    return tier, offer.unit_price(n)


def _lines(instance: Instance, ev: Evaluation, offer_cents: dict[str, int]) -> list[Line]:
    by_offer: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (site, offer), n in sorted(ev.packs.items()):
        by_offer[offer].append((site, n))
    lines = []
    for offer, receivers in sorted(by_offer.items()):
        tier, price = _unit_price(instance, ev, offer)
        shares = split_cents(offer_cents[offer], [n for _, n in receivers])
        for (site, n), cents in zip(receivers, shares, strict=True):
            lines.append(Line(site, offer, n, cents_to_decimal(cents), tier, price))
    lines.sort(key=lambda x: (x.site, x.offer))
    return lines


def _orders(instance: Instance, ev: Evaluation, lines: list[Line],
            deliveries: list[DeliveryLine]) -> list[PurchaseOrder]:
    amount: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        amount[line.offer] += line.amount
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for d in deliveries:
        fees[d.vendor] += d.fee
    by_vendor: dict[str, list[OrderLine]] = defaultdict(list)
    for offer_id in sorted(ev.pooled):
        tier, price = _unit_price(instance, ev, offer_id)
        vendor = instance.offer_by_id[offer_id].vendor
        by_vendor[vendor].append(
            OrderLine(offer_id, ev.pooled[offer_id], price, amount[offer_id], tier))
    return [PurchaseOrder(v, sum((x.amount for x in po), Decimal(0)) + fees[v], tuple(po),
                          fees[v]) for v, po in sorted(by_vendor.items())]
