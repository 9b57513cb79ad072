"""A vendor's sales, per cycle and per year, from the purchase orders addressed to it.

Orders count once sent (drafts and cancelled orders do not). Shortages are the lines'
``shortage_cents``: what the members are refunded for packs that never arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, joinedload

from marketplace.errors import NotFoundError
from marketplace.models import (
    Category,
    Cycle,
    Item,
    Organization,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Role,
    SiteDelivery,
    User,
)
from marketplace.services.scope import require_role, scoped_select, visible

NOT_SOLD = (POStatus.DRAFT, POStatus.CANCELLED)


@dataclass
class SalesRow:
    """Goods, fees and shortages of one customer (member) or one category."""

    key: int
    name: str
    goods_cents: int = 0
    fees_cents: int = 0
    shortage_cents: int = 0
    packs: int = 0

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.fees_cents

    @property
    def delivered_cents(self) -> int:
        return self.total_cents - self.shortage_cents


@dataclass
class SalesReport:
    label: str
    vendor_name: str
    cycle: Cycle | None = None
    year: int | None = None
    orders: list[PurchaseOrder] = field(default_factory=list)
    shortages: dict[int, int] = field(default_factory=dict)
    customers: list[SalesRow] = field(default_factory=list)
    categories: list[SalesRow] = field(default_factory=list)

    @property
    def goods_cents(self) -> int:
        return sum(o.goods_cents for o in self.orders)

    @property
    def fees_cents(self) -> int:
        return sum(o.fees_cents for o in self.orders)

    @property
    def total_cents(self) -> int:
        return sum(o.total_cents for o in self.orders)

    @property
    def shortage_cents(self) -> int:
        return sum(self.shortages.values())

    @property
    def is_empty(self) -> bool:
        return not self.orders


def _orders_query(actor: User) -> object:
    return (scoped_select(actor, PurchaseOrder, PurchaseOrder.status.not_in(NOT_SOLD))
            .join(Cycle, Cycle.id == PurchaseOrder.cycle_id)
            .options(joinedload(PurchaseOrder.cycle))
            .order_by(Cycle.delivery_on, PurchaseOrder.number))


def sales_cycles(session: Session, actor: User) -> list[Cycle]:
    """The cycles in which the vendor received orders, newest delivery first."""
    require_role(actor, Role.VENDOR)
    orders = session.scalars(_orders_query(actor)).unique()
    cycles = {o.cycle_id: o.cycle for o in orders}
    return sorted(cycles.values(), key=lambda c: (c.delivery_on, c.id), reverse=True)


def cycle_sales(session: Session, actor: User, cycle_id: int) -> SalesReport:
    """The vendor's orders of one cycle; 404 when it had none in that cycle."""
    require_role(actor, Role.VENDOR)
    orders = list(session.scalars(_orders_query(actor).where(PurchaseOrder.cycle_id == cycle_id)).unique())
    if not orders:
        raise NotFoundError()
    cycle = orders[0].cycle
    report = SalesReport(label=cycle.name, vendor_name=actor.organization.name, cycle=cycle, orders=orders)
    return _fill(session, actor, report)


def year_sales(session: Session, actor: User, year: int) -> SalesReport:
    """The vendor's orders of the cycles delivering in ``year`` (possibly none)."""
    require_role(actor, Role.VENDOR)
    query = _orders_query(actor).where(Cycle.delivery_on >= date(year, 1, 1),
                                       Cycle.delivery_on <= date(year, 12, 31))
    report = SalesReport(label=f"Year {year}", vendor_name=actor.organization.name, year=year,
                         orders=list(session.scalars(query).unique()))
    return _fill(session, actor, report)


def _fill(session: Session, actor: User, report: SalesReport) -> SalesReport:
    order_ids = [o.id for o in report.orders]
    if not order_ids:
        return report
    member = aliased(Organization)
    shortage = func.sum(PurchaseOrderLine.shortage_cents)
    query = (select(PurchaseOrderLine.purchase_order_id, member.id, member.name, Category.id, Category.name,
                    func.sum(PurchaseOrderLine.amount_cents), func.sum(PurchaseOrderLine.packs), shortage)
             .join(member, member.id == PurchaseOrderLine.member_id)
             .join(Item, Item.id == PurchaseOrderLine.item_id)
             .join(Category, Category.id == Item.category_id)
             .where(visible(actor, PurchaseOrderLine), PurchaseOrderLine.purchase_order_id.in_(order_ids))
             .group_by(PurchaseOrderLine.purchase_order_id, member.id, member.name, Category.id, Category.name))
    customers: dict[int, SalesRow] = {}
    categories: dict[int, SalesRow] = {}
    for order_id, member_id, member_name, category_id, category_name, amount, packs, short in session.execute(query):
        short_cents = int(short or 0)
        report.shortages[order_id] = report.shortages.get(order_id, 0) + short_cents
        for rows, key, name in ((customers, member_id, member_name), (categories, category_id, category_name)):
            row = rows.setdefault(key, SalesRow(key, name))
            row.goods_cents += int(amount or 0)
            row.packs += int(packs or 0)
            row.shortage_cents += short_cents
    fees = (select(SiteDelivery.member_id, member.name, func.sum(SiteDelivery.fee_cents))
            .join(member, member.id == SiteDelivery.member_id)
            .where(visible(actor, SiteDelivery), SiteDelivery.purchase_order_id.in_(order_ids))
            .group_by(SiteDelivery.member_id, member.name))
    for member_id, member_name, fee in session.execute(fees):
        customers.setdefault(member_id, SalesRow(member_id, member_name)).fees_cents += int(fee or 0)
    report.customers = sorted(customers.values(), key=lambda r: r.name.lower())
    report.categories = sorted(categories.values(), key=lambda r: (-r.goods_cents, r.name))
    return report
