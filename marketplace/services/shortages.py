"""Shortages: what the deliveries of a cycle's purchase orders lacked, in money to refund.

:func:`shortages_for_cycle` is the payments' entry point: one :class:`Shortage` per purchase
order line delivered short (its ``shortage_cents``, recorded when the delivery was reported) and
one per delivery that brought nothing at all (its delivery fee). A cancelled order delivers
nothing: each of its lines and fees counts whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, select, union
from sqlalchemy.orm import Session, selectinload

from marketplace.models import (
    Cycle,
    DeliveryStatus,
    Item,
    OfferTier,
    Organization,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Role,
    SiteDelivery,
    User,
)
from marketplace.services.scope import get_scoped, require_role


def shortage_amount(line: PurchaseOrderLine, shortage_packs: int) -> int:
    """The cents of ``line`` not delivered: its amount in proportion to the missing packs."""
    if shortage_packs >= line.packs:
        return line.amount_cents
    exact = Decimal(line.amount_cents) * shortage_packs / line.packs
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Shortage:
    """Money to refund for one PO line short (``kind`` "goods") or one delivery that brought
    nothing at all (``kind`` "delivery_fee": its fee). ``amount_cents`` is the refund."""

    kind: str
    purchase_order_id: int
    po_number: str
    vendor_id: int
    member_id: int
    site_id: int
    delivery_id: int
    line_id: int | None
    item_id: int | None
    shortage_packs: int
    amount_cents: int


def shortages_for_cycle(session: Session, cycle_id: int) -> list[Shortage]:
    """Every shortage of a cycle's POs, for the payments to refund to the members (a trusted
    read: callers check access). Goods: ``shortage_cents`` of each line short. Fees: a delivery
    reported with nothing received refunds its delivery fee too."""
    pos = session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == cycle_id)
                          .options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.deliveries))
                          .order_by(PurchaseOrder.number)).all()
    return [shortage for po in pos for shortage in order_shortages(po)]


def order_shortages(po: PurchaseOrder) -> list[Shortage]:
    """The shortages of one purchase order (its lines and deliveries loaded)."""
    out = []
    delivery_of = {d.site_id: d for d in po.deliveries}
    cancelled = po.status is POStatus.CANCELLED
    for line in po.lines:
        packs, cents = (line.packs, line.amount_cents) if cancelled else (line.shortage_packs, line.shortage_cents)
        if packs:
            out.append(Shortage("goods", po.id, po.number, po.vendor_id, line.member_id, line.site_id,
                                delivery_of[line.site_id].id, line.id, line.item_id, packs, cents))
    for d in po.deliveries:
        site_lines = [x for x in po.lines if x.site_id == d.site_id]
        nothing = cancelled or (d.status is DeliveryStatus.SHORT and all(x.received_packs == 0 for x in site_lines))
        if d.fee_cents and nothing:
            out.append(Shortage("delivery_fee", po.id, po.number, po.vendor_id, d.member_id, d.site_id, d.id,
                                None, None, 0, d.fee_cents))
    return out


@dataclass(frozen=True)
class Shortfall:
    """One shortage for the reports: the vendor's goods of a category that did not arrive
    (``category_id`` None: a delivery fee), at the order's prices (``amount_cents``) and at the
    offer's first-tier price (``base_cents``)."""

    vendor_id: int
    category_id: int | None
    packs: int
    amount_cents: int
    base_cents: int


def cycles_with_shortages(session: Session, cycle_ids: list[int]) -> set[int]:
    """Which of these cycles have anything not delivered (one query: most have nothing)."""
    if not cycle_ids:
        return set()
    lines = (select(PurchaseOrder.cycle_id).join(PurchaseOrderLine, PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
             .where(PurchaseOrder.cycle_id.in_(cycle_ids), PurchaseOrderLine.shortage_packs > 0))
    cancelled = select(PurchaseOrder.cycle_id).where(PurchaseOrder.cycle_id.in_(cycle_ids),
                                                     PurchaseOrder.status == POStatus.CANCELLED)
    return set(session.scalars(union(lines, cancelled)))


def shortfalls(session: Session, cycle_ids: list[int], member_ids: set[int]) -> list[Shortfall]:
    """The shortages of these cycles' orders for these members (a trusted read)."""
    short = cycles_with_shortages(session, cycle_ids)
    found = [s for cycle_id in cycle_ids if cycle_id in short
             for s in shortages_for_cycle(session, cycle_id) if s.member_id in member_ids]
    line_ids = [s.line_id for s in found if s.line_id is not None]
    lines = {line_id: (category_id, price) for line_id, category_id, price in session.execute(
        select(PurchaseOrderLine.id, Item.category_id, OfferTier.price)
        .join(Item, Item.id == PurchaseOrderLine.item_id)
        .join(OfferTier, and_(OfferTier.offer_id == PurchaseOrderLine.offer_id, OfferTier.position == 1))
        .where(PurchaseOrderLine.id.in_(line_ids)))} if line_ids else {}
    out = []
    for s in found:
        category_id, price = lines[s.line_id] if s.line_id is not None else (None, Decimal(0))
        base = int((price * s.shortage_packs * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        out.append(Shortfall(s.vendor_id, category_id, s.shortage_packs, s.amount_cents, base))
    return out


def shortage_totals(session: Session, cycle_id: int) -> dict[int, int]:
    """Cents to refund per member id for the cycle's shortages."""
    totals: dict[int, int] = defaultdict(int)
    for shortage in shortages_for_cycle(session, cycle_id):
        totals[shortage.member_id] += shortage.amount_cents
    return dict(totals)


@dataclass(frozen=True)
class ShortageRow:
    shortage: Shortage
    member: str
    site: str
    what: str


def list_shortages(session: Session, actor: User, cycle_id: int) -> list[ShortageRow]:
    """The hub's list of a cycle's shortages, with names (for the refunds to make)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    found = shortages_for_cycle(session, cycle.id)
    orgs = dict(session.execute(select(Organization.id, Organization.name)
                                .where(Organization.id.in_({s.member_id for s in found}))).all()) if found else {}
    sites = {d.site_id: d.site.name for d in session.scalars(select(SiteDelivery).where(
        SiteDelivery.id.in_({s.delivery_id for s in found})))} if found else {}
    lines = {x.id: x for x in session.scalars(select(PurchaseOrderLine).where(
        PurchaseOrderLine.id.in_({s.line_id for s in found if s.line_id})))} if found else {}
    return [ShortageRow(s, orgs.get(s.member_id, ""), sites.get(s.site_id, ""),
                        f"{lines[s.line_id].item.name}: {s.shortage_packs} pack(s)" if s.line_id else "Delivery fee")
            for s in found]
