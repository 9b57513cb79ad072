"""Spend and savings reports, per cycle and per year, each person seeing their own slice.

The hub sees the alliance, a director their member, a vendor its sales (``services.sales``).
Figures come from the published run of every cycle whose plan was published (published,
finalized, ordered or delivered): members' charges and standalone costs from the shares
still in play (waiting or approved), goods from the plan's lines, fees from its deliveries.

Savings are measured per member, against that member buying alone (the optimizer's
standalone cost). By category and vendor the report shows the *volume discount* instead:
what the same packs cost at each offer's first-tier price, minus what the pooled plan pays.

Short deliveries: spend is what was charged less the refunds for what did not arrive
(``services.refunds``, the payout job's own computation), and savings are measured on what was
received: a member's cost alone is reduced in the proportion its spend was (the standalone cost
of the shortfall removed pro rata). By category and vendor, the goods, packs, first-tier cost
and fees that did not arrive are taken out (``services.shortages``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from marketplace.errors import PermissionDeniedError
from marketplace.models import (
    Category,
    Cycle,
    CycleStatus,
    Item,
    MemberShare,
    OfferTier,
    Organization,
    PlanDelivery,
    PlanLine,
    Role,
    ShareStatus,
    User,
)
from marketplace.payments import money
from marketplace.services import refunds
from marketplace.services.scope import get_scoped, scoped_select, visible
from marketplace.services.shortages import shortfalls

REPORTED = (CycleStatus.PUBLISHED, CycleStatus.FINALIZED, CycleStatus.ORDERED, CycleStatus.DELIVERED)
ORDERED = (CycleStatus.FINALIZED, CycleStatus.ORDERED, CycleStatus.DELIVERED)  # with purchase orders
COUNTED_SHARES = (ShareStatus.PENDING, ShareStatus.APPROVED)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def cents(amount: Decimal | int | None) -> int:
    """Dollars to whole cents, half up."""
    return int((Decimal(amount or 0) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def percent(part: int | None, whole: int | None) -> Decimal | None:
    """``part`` as a percentage of ``whole`` (one decimal), None when it means nothing."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Period:
    """The cycles a report covers: one cycle, or those delivering in one calendar year."""

    label: str
    cycles: list[Cycle]
    year: int | None = None
    cycle: Cycle | None = None

    @property
    def run_ids(self) -> list[int]:
        return [c.published_run_id for c in self.cycles
                if c.status in REPORTED and c.published_run_id is not None]

    @property
    def reported_cycles(self) -> list[Cycle]:
        return [c for c in self.cycles if c.status in REPORTED and c.published_run_id is not None]


@dataclass(kw_only=True)
class Figures:
    """Spend and savings of shares: ``charged_cents`` their cost, ``refund_cents`` what came back
    for goods not delivered, ``spend_cents`` the rest. ``standalone_cents`` sums the cost alone
    of what was received in the shares where the member could have bought alone,
    ``comparable_cents`` the spend of those same shares."""

    charged_cents: int = 0
    refund_cents: int = 0
    comparable_cents: int = 0
    standalone_cents: int | None = None

    def add_share(self, cost_cents: int, standalone_cents: int | None, refund_cents: int) -> None:
        """Count one share; its cost alone shrinks in the proportion its spend did (half up)."""
        self.charged_cents += cost_cents
        self.refund_cents += refund_cents
        if standalone_cents is not None:
            spent = cost_cents - refund_cents
            self.comparable_cents += spent
            alone = money.scale(standalone_cents, spent, cost_cents) if refund_cents else standalone_cents
            self.standalone_cents = (self.standalone_cents or 0) + alone

    @property
    def spend_cents(self) -> int:
        return self.charged_cents - self.refund_cents

    @property
    def savings_cents(self) -> int | None:
        return None if self.standalone_cents is None else self.standalone_cents - self.comparable_cents

    @property
    def savings_percent(self) -> Decimal | None:
        return percent(self.savings_cents, self.standalone_cents)


@dataclass
class MemberRow(Figures):
    """One member over the period (``cycles``: how many of its shares count)."""

    member_id: int
    name: str
    cycles: int = 0


@dataclass
class BreakdownRow:
    """Goods of one category or vendor that were delivered (or are still to be): pooled cost,
    cost at first-tier prices, fees; ``short_cents`` what did not arrive (goods and fees, at
    the order's prices), already taken out of the others."""

    key: int
    name: str
    goods_cents: int = 0
    base_cents: int = 0
    fees_cents: int = 0
    packs: int = 0
    short_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.fees_cents

    @property
    def discount_cents(self) -> int:
        return self.base_cents - self.goods_cents

    @property
    def discount_percent(self) -> Decimal | None:
        return percent(self.discount_cents, self.base_cents)


@dataclass
class CycleRow(Figures):
    cycle: Cycle


@dataclass
class SpendReport:
    """Spend and savings of one period as ``actor`` may see them (``scope_label`` says whose)."""

    period: Period
    scope_label: str
    alliance_name: str
    is_alliance: bool
    members: list[MemberRow] = field(default_factory=list)
    categories: list[BreakdownRow] = field(default_factory=list)
    vendors: list[BreakdownRow] = field(default_factory=list)
    cycles: list[CycleRow] = field(default_factory=list)
    sites: int = 0

    @property
    def spend_cents(self) -> int:
        """Charged less refunded: what the members pay for what they received."""
        return sum(m.spend_cents for m in self.members)

    @property
    def charged_cents(self) -> int:
        return sum(m.charged_cents for m in self.members)

    @property
    def refund_cents(self) -> int:
        return sum(m.refund_cents for m in self.members)

    @property
    def short_cents(self) -> int:
        """Goods and fees that did not arrive, at the orders' prices."""
        return sum(v.short_cents for v in self.vendors)

    @property
    def comparable_cents(self) -> int:
        return sum(m.comparable_cents for m in self.members if m.standalone_cents is not None)

    @property
    def standalone_cents(self) -> int | None:
        known = [m.standalone_cents for m in self.members if m.standalone_cents is not None]
        return sum(known) if known else None

    @property
    def savings_cents(self) -> int | None:
        alone = self.standalone_cents
        return None if alone is None else alone - self.comparable_cents

    @property
    def savings_percent(self) -> Decimal | None:
        return percent(self.savings_cents, self.standalone_cents)

    @property
    def goods_cents(self) -> int:
        return sum(v.goods_cents for v in self.vendors)

    @property
    def fees_cents(self) -> int:
        return sum(v.fees_cents for v in self.vendors)

    @property
    def base_cents(self) -> int:
        return sum(v.base_cents for v in self.vendors)

    @property
    def discount_cents(self) -> int:
        return self.base_cents - self.goods_cents

    @property
    def adjustment_cents(self) -> int:
        """Spend minus goods and fees: cost moved between members by the fair split (so that
        nobody pays more than alone); zero over the whole alliance, except that a refund follows
        what the member paid for the goods rather than their list price."""
        return self.spend_cents - self.goods_cents - self.fees_cents

    @property
    def members_alone_impossible(self) -> list[MemberRow]:
        return [m for m in self.members if m.standalone_cents is None]

    @property
    def is_empty(self) -> bool:
        return not self.members


# ---------------------------------------------------------------- periods

def _require_buyer_side(actor: User) -> None:
    if actor.role not in (Role.HUB_MANAGER, Role.DIRECTOR):
        raise PermissionDeniedError("Spend reports are for the hub and members; vendors see their sales.")


def cycle_period(session: Session, actor: User, cycle_id: int) -> Period:
    """One cycle ``actor`` may see (404 otherwise), reported or not yet."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    return Period(label=cycle.name, cycles=[cycle], cycle=cycle)


def year_period(session: Session, actor: User, year: int) -> Period:
    """The cycles delivering in ``year`` that ``actor`` may see."""
    query = (scoped_select(actor, Cycle, Cycle.delivery_on >= date(year, 1, 1),
                           Cycle.delivery_on <= date(year, 12, 31))
             .order_by(Cycle.delivery_on, Cycle.id))
    return Period(label=f"Year {year}", cycles=list(session.scalars(query)), year=year)


def reported_cycles(session: Session, actor: User) -> list[Cycle]:
    """The cycles with a published plan, newest delivery first."""
    _require_buyer_side(actor)
    query = (scoped_select(actor, Cycle, Cycle.status.in_(REPORTED), Cycle.published_run_id.is_not(None))
             .order_by(Cycle.delivery_on.desc(), Cycle.id.desc()))
    return list(session.scalars(query))


def report_years(cycles: Iterable[Cycle]) -> list[int]:
    return sorted({c.delivery_on.year for c in cycles}, reverse=True)


# ---------------------------------------------------------------- the report

def cycle_report(session: Session, actor: User, cycle_id: int) -> SpendReport:
    """Spend and savings of one cycle (empty until its plan is published)."""
    period = cycle_period(session, actor, cycle_id)  # first: a cycle nobody showed you is a 404
    _require_buyer_side(actor)
    return build_report(session, actor, period)


def year_report(session: Session, actor: User, year: int) -> SpendReport:
    """Spend and savings of the cycles delivering in ``year``."""
    _require_buyer_side(actor)
    return build_report(session, actor, year_period(session, actor, year))


def build_report(session: Session, actor: User, period: Period) -> SpendReport:
    alliance = actor.organization.alliance
    is_alliance = actor.role is Role.HUB_MANAGER
    report = SpendReport(period=period, alliance_name=alliance.name, is_alliance=is_alliance,
                         scope_label=alliance.name if is_alliance else actor.organization.name)
    run_ids = period.run_ids
    if not run_ids:
        return report
    _add_shares(session, actor, report, run_ids)
    _add_lines(session, actor, report, run_ids)
    _add_fees(session, actor, report, run_ids)
    _take_out_undelivered(session, report)
    return report


def _counted(model: type[PlanLine] | type[PlanDelivery]) -> object:
    """Rows of members whose share is still in play (not rejected, not superseded)."""
    return exists().where(MemberShare.run_id == model.run_id, MemberShare.member_id == model.member_id,
                          MemberShare.status.in_(COUNTED_SHARES))


def _add_shares(session: Session, actor: User, report: SpendReport, run_ids: list[int]) -> None:
    query = (scoped_select(actor, MemberShare, MemberShare.run_id.in_(run_ids),
                           MemberShare.status.in_(COUNTED_SHARES))
             .options(joinedload(MemberShare.member)))
    members: dict[int, MemberRow] = {}
    by_cycle = {c.id: CycleRow(cycle=c) for c in report.period.reported_cycles}
    refunded = refunds.member_refunds(session, [(c.id, c.published_run_id) for c in report.period.reported_cycles
                                                if c.status in ORDERED and c.published_run_id is not None])
    for share in session.scalars(query):
        row = members.setdefault(share.member_id, MemberRow(member_id=share.member_id, name=share.member.name))
        refund = refunded.get((share.cycle_id, share.member_id), 0)
        for target in (row, by_cycle[share.cycle_id]):
            target.add_share(share.cost_cents, share.standalone_cents, refund)
        row.cycles += 1
    report.members = sorted(members.values(), key=lambda m: m.name.lower())
    report.cycles = list(by_cycle.values())


def _add_lines(session: Session, actor: User, report: SpendReport, run_ids: list[int]) -> None:
    vendor = aliased(Organization)
    query = (select(Category.id, Category.name, vendor.id, vendor.name,
                    func.sum(PlanLine.amount_cents), func.sum(PlanLine.packs * OfferTier.price),
                    func.sum(PlanLine.packs))
             .select_from(PlanLine)
             .join(Item, Item.id == PlanLine.item_id)
             .join(Category, Category.id == Item.category_id)
             .join(vendor, vendor.id == PlanLine.vendor_id)
             .join(OfferTier, and_(OfferTier.offer_id == PlanLine.offer_id, OfferTier.position == 1))
             .where(visible(actor, PlanLine), PlanLine.run_id.in_(run_ids), _counted(PlanLine))
             .group_by(Category.id, Category.name, vendor.id, vendor.name))
    categories: dict[int, BreakdownRow] = {}
    vendors: dict[int, BreakdownRow] = {}
    for category_id, category_name, vendor_id, vendor_name, amount, base, packs in session.execute(query):
        for rows, key, name in ((categories, category_id, category_name), (vendors, vendor_id, vendor_name)):
            row = rows.setdefault(key, BreakdownRow(key, name))
            row.goods_cents += int(amount or 0)
            row.base_cents += cents(base)
            row.packs += int(packs or 0)
    report.categories = sorted(categories.values(), key=lambda r: (-r.goods_cents, r.name))
    report.vendors = sorted(vendors.values(), key=lambda r: (-r.goods_cents, r.name))
    report.sites = session.scalar(
        select(func.count(func.distinct(PlanLine.site_id)))
        .where(visible(actor, PlanLine), PlanLine.run_id.in_(run_ids), _counted(PlanLine))) or 0


def _add_fees(session: Session, actor: User, report: SpendReport, run_ids: list[int]) -> None:
    query = (select(PlanDelivery.vendor_id, Organization.name, func.sum(PlanDelivery.fee_cents))
             .join(Organization, Organization.id == PlanDelivery.vendor_id)
             .where(visible(actor, PlanDelivery), PlanDelivery.run_id.in_(run_ids), _counted(PlanDelivery))
             .group_by(PlanDelivery.vendor_id, Organization.name))
    vendors = {row.key: row for row in report.vendors}
    for vendor_id, name, fees in session.execute(query):
        row = vendors.get(vendor_id)
        if row is None:
            row = vendors[vendor_id] = BreakdownRow(vendor_id, name)
            report.vendors.append(row)
        row.fees_cents += int(fees or 0)



def _take_out_undelivered(session: Session, report: SpendReport) -> None:
    """Take what did not arrive out of the categories and vendors (the report's members only)."""
    cycle_ids = [c.id for c in report.period.reported_cycles if c.status in ORDERED]
    categories = {row.key: row for row in report.categories}
    vendors = {row.key: row for row in report.vendors}
    for short in shortfalls(session, cycle_ids, {m.member_id for m in report.members}):
        vendor = vendors.get(short.vendor_id)
        if vendor is None:
            continue  # an order of no vendor of the plan (not one this product made)
        vendor.short_cents += short.amount_cents
        if short.category_id is None:
            vendor.fees_cents -= short.amount_cents
            continue
        for row in (vendor, categories.get(short.category_id)):
            if row is not None:
                row.goods_cents -= short.amount_cents
                row.base_cents -= short.base_cents
                row.packs -= short.packs
