"""Purchase orders: made when a cycle is finalized, sent to vendors, confirmed, shipped, and
received (or short) at each site.

A PO moves ``draft -> sent -> confirmed -> shipped -> delivered | short``. The hub sends the
cycle's POs (by email to the vendor's users when SMTP is configured; always visible in the
app). The vendor confirms, then marks it shipped. The vendor, the site's director or the hub
reports each site's delivery: packs received per line; what is missing is recorded on the line
(``shortage_packs``, ``shortage_cents``) and listed by ``services.shortages.shortages_for_cycle``
(re-exported here) for the payments to refund. A delivery reported on a confirmed PO marks it shipped too (the goods came).
A report is corrected through ``services.delivery_corrections``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.db import utcnow
from marketplace.errors import ConflictError, NotFoundError, ValidationError
from marketplace.models import (
    Cycle,
    CycleStatus,
    DeliveryStatus,
    OptimizationRun,
    Organization,
    PlanDelivery,
    PlanLine,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Role,
    SiteDelivery,
    User,
)
from marketplace.services.audit import record_event
from marketplace.services.notifications import DELIVERY_SHORTAGE, PO_SENT, hub_organizations, notify
from marketplace.services.scope import get_scoped, require_role, scoped_select
from marketplace.services.shortages import (  # noqa: F401  (the refunds' API, also reached from here)
    Shortage,
    shortage_amount,
    shortage_totals,
    shortages_for_cycle,
)

FINISHED = (POStatus.DELIVERED, POStatus.SHORT, POStatus.CANCELLED)


def create_purchase_orders(session: Session, cycle: Cycle, run: OptimizationRun, now: datetime
                           ) -> list[PurchaseOrder]:
    """One draft PO per vendor of the run's plan rows, numbered ``PO-<year>-<nnnn>`` in the
    alliance's sequence (flushes; the caller holds the alliance's lock and commits)."""
    lines: dict[int, list[PlanLine]] = defaultdict(list)
    for line in session.scalars(select(PlanLine).where(PlanLine.run_id == run.id).order_by(PlanLine.id)):
        lines[line.vendor_id].append(line)
    fees: dict[int, list[PlanDelivery]] = defaultdict(list)
    for drop in session.scalars(select(PlanDelivery).where(PlanDelivery.run_id == run.id).order_by(PlanDelivery.id)):
        fees[drop.vendor_id].append(drop)
    names = dict(session.execute(select(Organization.id, Organization.name)
                                 .where(Organization.id.in_(list(lines)))).all()) if lines else {}
    number = next_number(session, cycle.alliance_id, now.year)
    orders = []
    for vendor_id in sorted(lines, key=lambda v: (names.get(v, "").lower(), v)):
        po = PurchaseOrder(alliance_id=cycle.alliance_id, cycle_id=cycle.id, run_id=run.id, vendor_id=vendor_id,
                           number=f"PO-{now.year}-{number:04d}", status=POStatus.DRAFT, created_at=now)
        number += 1
        for x in lines[vendor_id]:
            po.lines.append(PurchaseOrderLine(site_id=x.site_id, member_id=x.member_id, offer_id=x.offer_id,
                                              item_id=x.item_id, packs=x.packs, unit_price=x.unit_price,
                                              amount_cents=x.amount_cents))
        sites = {x.site_id: x.member_id for x in lines[vendor_id]}
        fee_of = {d.site_id: d.fee_cents for d in fees[vendor_id]}
        for site_id, member_id in sites.items():
            po.deliveries.append(SiteDelivery(site_id=site_id, member_id=member_id, fee_cents=fee_of.get(site_id, 0)))
        po.goods_cents = sum(x.amount_cents for x in po.lines)
        po.fees_cents = sum(d.fee_cents for d in po.deliveries)
        po.total_cents = po.goods_cents + po.fees_cents
        session.add(po)
        orders.append(po)
    session.flush()
    return orders


def next_number(session: Session, alliance_id: int, year: int) -> int:
    """The next free number of the alliance's ``PO-<year>-`` sequence (no gaps)."""
    prefix = f"PO-{year}-"
    used = session.scalars(select(PurchaseOrder.number).where(
        PurchaseOrder.alliance_id == alliance_id, PurchaseOrder.number.like(f"{prefix}%")))
    return max((int(n[len(prefix):]) for n in used if n[len(prefix):].isdigit()), default=0) + 1


# ---------------------------------------------------------------- reading

def list_purchase_orders(session: Session, actor: User, *, cycle_id: int | None = None) -> list[PurchaseOrder]:
    """The POs ``actor`` may see (the hub: the alliance's; a vendor: its own once sent), newest first."""
    require_role(actor, Role.HUB_MANAGER, Role.VENDOR)
    query = scoped_select(actor, PurchaseOrder).options(joinedload(PurchaseOrder.vendor),
                                                        joinedload(PurchaseOrder.cycle))
    if actor.role is Role.VENDOR:
        query = query.where(PurchaseOrder.status != POStatus.DRAFT)
    if cycle_id is not None:
        query = query.where(PurchaseOrder.cycle_id == get_scoped(session, actor, Cycle, cycle_id).id)
        return list(session.scalars(query.order_by(PurchaseOrder.number)))
    return list(session.scalars(query.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.number.desc())))


def get_purchase_order(session: Session, actor: User, po_id: int) -> PurchaseOrder:
    """One PO with its lines and deliveries (the hub; the PO's vendor once it is sent)."""
    po = visible_po(session, actor, po_id)
    session.scalars(select(PurchaseOrder).where(PurchaseOrder.id == po.id).options(
        selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.offer),
        selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.item),
        selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.site),
        selectinload(PurchaseOrder.deliveries).joinedload(SiteDelivery.site))).all()
    return po


def visible_po(session: Session, actor: User, po_id: int) -> PurchaseOrder:
    """The PO if ``actor`` may see it: a vendor does not see a draft (not sent yet)."""
    po = get_scoped(session, actor, PurchaseOrder, po_id)
    if actor.role is Role.VENDOR and po.status is POStatus.DRAFT:
        raise NotFoundError()
    return po


def list_site_deliveries(session: Session, actor: User) -> list[SiteDelivery]:
    """The deliveries ``actor`` may see (a director: to the member's sites), newest first."""
    return list(session.scalars(scoped_select(actor, SiteDelivery).options(
        joinedload(SiteDelivery.site), joinedload(SiteDelivery.purchase_order).joinedload(PurchaseOrder.vendor),
        joinedload(SiteDelivery.purchase_order).joinedload(PurchaseOrder.cycle))
        .order_by(SiteDelivery.id.desc())))


@dataclass
class DeliveryView:
    """One site's delivery of a PO, its lines, and whether ``actor`` may report it now."""

    delivery: SiteDelivery
    purchase_order: PurchaseOrder
    lines: list[PurchaseOrderLine]
    reportable: bool
    why_not: str = ""


def get_delivery(session: Session, actor: User, delivery_id: int) -> DeliveryView:
    delivery = get_scoped(session, actor, SiteDelivery, delivery_id)
    po = delivery.purchase_order
    why_not = ""
    try:
        _require_receivable(po, delivery)
    except ConflictError as error:
        why_not = error.message
    return DeliveryView(delivery, po, delivery_lines(session, delivery), not why_not, why_not)


def delivery_lines(session: Session, delivery: SiteDelivery) -> list[PurchaseOrderLine]:
    return list(session.scalars(select(PurchaseOrderLine).where(
        PurchaseOrderLine.purchase_order_id == delivery.purchase_order_id,
        PurchaseOrderLine.site_id == delivery.site_id)
        .options(joinedload(PurchaseOrderLine.item), joinedload(PurchaseOrderLine.offer))
        .order_by(PurchaseOrderLine.id)))


# ---------------------------------------------------------------- sending

@dataclass
class SendResult:
    sent: list[PurchaseOrder] = field(default_factory=list)
    emailed: dict[str, list[str]] = field(default_factory=dict)  # PO number -> addresses


def send_purchase_orders(session: Session, actor: User, cycle_id: int, *, email_enabled: bool,
                         now: datetime | None = None) -> SendResult:
    """Send the finalized cycle's draft POs: each is marked sent and its vendor's users are
    notified (in the app, and by email after the commit when ``email_enabled``; the addresses
    are recorded on the PO). Sending again sends nothing."""
    now = now or utcnow()
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    session.refresh(cycle, with_for_update=True)
    if cycle.status not in (CycleStatus.FINALIZED, CycleStatus.ORDERED, CycleStatus.DELIVERED):
        raise ConflictError(f"{cycle.name} is {cycle.status.label.lower()}: finalize it before sending orders.")
    drafts = list(session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.cycle_id == cycle.id, PurchaseOrder.status == POStatus.DRAFT).with_for_update()))
    result = SendResult()
    for po in drafts:
        po.status, po.sent_at = POStatus.SENT, now
        rows = notify(session, [po.vendor], PO_SENT, f"Purchase order {po.number} from {cycle.alliance.name}",
                      po_summary(po), f"/purchase-orders/{po.id}")
        addresses = sorted(session.get(User, row.user_id).email for row in rows) if email_enabled else []
        po.sent_to = ", ".join(addresses)[:500]
        result.sent.append(po)
        result.emailed[po.number] = addresses
        record_event(session, actor, "po.sent", po, alliance_id=cycle.alliance_id, before={"status": "draft"},
                     after={"status": "sent", "number": po.number, "emailed_to": addresses})
    if cycle.status is CycleStatus.FINALIZED and drafts:
        cycle.status = CycleStatus.ORDERED
    session.commit()
    return result


def po_summary(po: PurchaseOrder) -> str:
    """A PO in a few plain-text lines (the vendor's notification and email)."""
    sites = "\n".join(f"- {d.site.name}: {', '.join(x for x in (d.site.address, d.site.city) if x)} {d.site.zip_code}"
                      for d in sorted(po.deliveries, key=lambda d: d.site.name.lower()))
    return (f"Total ${Decimal(po.total_cents) / 100:,.2f}: {len(po.lines)} lines, delivery fees "
            f"${Decimal(po.fees_cents) / 100:,.2f}.\nDelivery on {po.cycle.delivery_on:%b %d, %Y} to:\n{sites}\n"
            "Open it to download it (PDF, CSV) and confirm it.")


# ---------------------------------------------------------------- the vendor's steps

def confirm_purchase_order(session: Session, actor: User, po_id: int, *, now: datetime | None = None) -> PurchaseOrder:
    """The vendor confirms a sent PO (confirming again does nothing)."""
    po = _vendor_po(session, actor, po_id)
    if po.status is not POStatus.SENT:
        if po.status in (POStatus.CONFIRMED, POStatus.SHIPPED, *FINISHED[:2]):
            return po
        raise ConflictError(f"{po.number} is {po.status.label.lower()}: only a sent order can be confirmed.")
    po.status, po.confirmed_at = POStatus.CONFIRMED, now or utcnow()
    record_event(session, actor, "po.confirmed", po, alliance_id=po.alliance_id, before={"status": "sent"},
                 after={"status": "confirmed"})
    session.commit()
    return po


def ship_purchase_order(session: Session, actor: User, po_id: int, *, now: datetime | None = None) -> PurchaseOrder:
    """The vendor marks a confirmed PO shipped (again: nothing changes)."""
    po = _vendor_po(session, actor, po_id)
    if po.status is POStatus.SHIPPED:
        return po
    if po.status in (POStatus.DRAFT, POStatus.SENT):
        raise ConflictError(f"Confirm {po.number} before marking it shipped.")
    if po.status is not POStatus.CONFIRMED:
        raise ConflictError(f"{po.number} is {po.status.label.lower()}: it can no longer be marked shipped.")
    po.status, po.shipped_at = POStatus.SHIPPED, now or utcnow()
    record_event(session, actor, "po.shipped", po, alliance_id=po.alliance_id, before={"status": "confirmed"},
                 after={"status": "shipped"})
    session.commit()
    return po


def _vendor_po(session: Session, actor: User, po_id: int) -> PurchaseOrder:
    po = visible_po(session, actor, po_id)
    require_role(actor, Role.VENDOR)
    session.refresh(po, with_for_update=True)
    return po


# ---------------------------------------------------------------- deliveries and shortages

def report_delivery(session: Session, actor: User, delivery_id: int, received: Mapping[int, int | None], *,
                    note: str = "", now: datetime | None = None) -> SiteDelivery:
    """Report what arrived at one site: packs received per PO line id (missing packs become the
    line's shortage). The vendor, the site's director or the hub may report; once."""
    now = now or utcnow()
    delivery, po, lines = lock_delivery(session, actor, delivery_id)
    counts = check_received(lines, received)
    if len(note) > 500:
        raise ValidationError(field_errors={"note": "Use at most 500 characters."})
    if delivery.status is not DeliveryStatus.PENDING:
        if all(line.received_packs == counts[line.id] for line in lines):
            return delivery  # the same report twice
        raise ConflictError(f"This delivery was already reported ({delivery.status.label.lower()}, "
                            f"{delivery.received_at:%b %d, %Y}): correct the report instead.")
    _require_receivable(po, delivery)
    if po.status is POStatus.CONFIRMED:
        po.status, po.shipped_at = POStatus.SHIPPED, now
    shortages = record_counts(delivery, lines, counts)
    delivery.received_at, delivery.received_by_id, delivery.note = now, actor.id, " ".join(note.split())
    session.flush()
    _close_if_complete(session, po, now)
    if shortages:
        _notify_shortage(session, po, delivery, lines)
    record_event(session, actor, f"delivery.{delivery.status.value}", delivery, alliance_id=po.alliance_id,
                 before={"status": "pending"}, after={"status": delivery.status.value, "po": po.number,
                                                      "shortages": shortages})
    session.commit()
    return delivery


def _notify_shortage(session: Session, po: PurchaseOrder, delivery: SiteDelivery,
                     lines: list[PurchaseOrderLine]) -> None:
    short = [x for x in lines if x.shortage_packs]
    cents = sum(x.shortage_cents for x in short)
    body = "\n".join(f"- {x.item.name}: {x.shortage_packs} of {x.packs} packs missing "
                     f"(${Decimal(x.shortage_cents) / 100:,.2f})" for x in short)
    member = session.get(Organization, delivery.member_id)
    notify(session, [*hub_organizations(session, po.alliance_id), *([member] if member else [])], DELIVERY_SHORTAGE,
           f"{po.number} arrived short at {delivery.site.name}: ${Decimal(cents) / 100:,.2f} to refund",
           body, f"/deliveries/{delivery.id}")


def lock_delivery(session: Session, actor: User, delivery_id: int
                  ) -> tuple[SiteDelivery, PurchaseOrder, list[PurchaseOrderLine]]:
    """The delivery ``actor`` may see, its order held under its row lock (one report at a time)."""
    delivery = get_scoped(session, actor, SiteDelivery, delivery_id)
    po = delivery.purchase_order
    session.refresh(po, with_for_update=True)
    session.refresh(delivery)
    return delivery, po, delivery_lines(session, delivery)


def record_counts(delivery: SiteDelivery, lines: list[PurchaseOrderLine], counts: Mapping[int, int]
                  ) -> dict[int, dict[str, int]]:
    """Packs received per line: what is missing becomes the line's shortage, the delivery short
    or received. Returns the shortages by line id (packs and cents)."""
    shortages = {}
    for line in lines:
        line.received_packs, line.shortage_packs = counts[line.id], line.packs - counts[line.id]
        line.shortage_cents = shortage_amount(line, line.shortage_packs)
        if line.shortage_packs:
            shortages[line.id] = {"packs": line.shortage_packs, "cents": line.shortage_cents}
    delivery.status = DeliveryStatus.SHORT if shortages else DeliveryStatus.RECEIVED
    return shortages


def check_received(lines: list[PurchaseOrderLine], received: Mapping[int, int | None]) -> dict[int, int]:
    errors, counts = {}, {}
    for line in lines:
        value = received.get(line.id)
        if value is None:
            errors[f"line_{line.id}"] = "Enter the packs received (0 if none came)."
        elif not 0 <= value <= line.packs:
            errors[f"line_{line.id}"] = f"Enter 0 to {line.packs}: {line.packs} packs were ordered."
        else:
            counts[line.id] = value
    if errors:
        raise ValidationError(field_errors=errors)
    return counts


def _require_receivable(po: PurchaseOrder, delivery: SiteDelivery) -> None:
    if po.status in (POStatus.DRAFT, POStatus.SENT):
        raise ConflictError(f"{po.number} has not been confirmed by the vendor yet: deliveries are reported "
                            "once it is confirmed.")
    if po.status is POStatus.CANCELLED:
        raise ConflictError(f"{po.number} was cancelled.")
    if delivery.status is not DeliveryStatus.PENDING:
        raise ConflictError(f"This delivery was already reported ({delivery.status.label.lower()}).")


def _close_if_complete(session: Session, po: PurchaseOrder, now: datetime) -> None:
    statuses = [d.status for d in po.deliveries]
    if DeliveryStatus.PENDING in statuses:
        return
    po.status = POStatus.SHORT if DeliveryStatus.SHORT in statuses else POStatus.DELIVERED
    po.delivered_at = now
    session.flush()
    others = session.scalars(select(PurchaseOrder.status).where(PurchaseOrder.cycle_id == po.cycle_id)).all()
    if all(status in FINISHED for status in others) and po.cycle.status is CycleStatus.ORDERED:
        po.cycle.status = CycleStatus.DELIVERED
