"""Factories for cycles, needs, runs, plans, shares and purchase orders (add and flush only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from marketplace.models import (
    Alliance,
    Cadence,
    Cycle,
    CycleStatus,
    DemandLine,
    DemandSource,
    Item,
    MemberShare,
    OptimizationRun,
    PlanLine,
    PurchaseOrder,
    PurchaseOrderLine,
    RecurringNeed,
    RunStatus,
    Site,
    SiteDelivery,
)

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def make_cycle(session: Session, alliance: Alliance, *, status: CycleStatus = CycleStatus.DRAFT,
               **values: Any) -> Cycle:
    defaults: dict[str, Any] = {"name": "March cycle", "opens_at": T0, "cutoff_at": T0 + timedelta(days=7),
                                "delivery_on": date(2026, 3, 16), "length_days": 28}
    cycle = Cycle(alliance_id=alliance.id, status=status, **(defaults | values))
    session.add(cycle)
    session.flush()
    return cycle


def make_need(session: Session, site: Site, item: Item, quantity: str = "10", *,
              cadence: Cadence = Cadence.WEEKLY, **values: Any) -> RecurringNeed:
    need = RecurringNeed(organization_id=site.organization_id, site_id=site.id, item_id=item.id,
                         quantity=Decimal(quantity), cadence=cadence,
                         **({"starts_on": date(2026, 1, 1)} | values))
    session.add(need)
    session.flush()
    return need


def make_line(session: Session, cycle: Cycle, site: Site, item: Item, quantity: str = "40",
              **values: Any) -> DemandLine:
    line = DemandLine(cycle_id=cycle.id, organization_id=site.organization_id, site_id=site.id,
                      item_id=item.id, quantity=Decimal(quantity),
                      **({"source": DemandSource.ADDED} | values))
    session.add(line)
    session.flush()
    return line


def make_run(session: Session, cycle: Cycle, number: int = 1, **values: Any) -> OptimizationRun:
    run = OptimizationRun(cycle_id=cycle.id, number=number,
                          **({"status": RunStatus.SUCCEEDED} | values))
    session.add(run)
    session.flush()
    return run


def make_plan_line(session: Session, run: OptimizationRun, site: Site, offer: Any, packs: int = 10,
                   unit_price: str = "14.80", **values: Any) -> PlanLine:
    price = Decimal(unit_price)
    line = PlanLine(run_id=run.id, site_id=site.id, member_id=site.organization_id, offer_id=offer.id,
                    vendor_id=offer.organization_id, item_id=offer.item_id, packs=packs,
                    quantity=offer.pack_size * packs, unit_price=price,
                    amount_cents=int(price * packs * 100), **values)
    session.add(line)
    session.flush()
    return line


def make_share(session: Session, run: OptimizationRun, member_id: int, cost_cents: int = 10000,
               standalone_cents: int | None = 11000, **values: Any) -> MemberShare:
    share = MemberShare(cycle_id=run.cycle_id, run_id=run.id, member_id=member_id, cost_cents=cost_cents,
                        standalone_cents=standalone_cents, **values)
    session.add(share)
    session.flush()
    return share


def make_purchase_order(session: Session, run: OptimizationRun, offer: Any, site: Site, *,
                        number: str = "PO-2026-0001", packs: int = 10, fee_cents: int = 2500,
                        **values: Any) -> PurchaseOrder:
    """A PO of the offer's vendor with one line and one delivery at ``site``."""
    amount = int(offer.tiers[0].price * packs * 100)
    po = PurchaseOrder(alliance_id=run.cycle.alliance_id, cycle_id=run.cycle_id, run_id=run.id,
                       vendor_id=offer.organization_id, number=number, goods_cents=amount,
                       fees_cents=fee_cents, total_cents=amount + fee_cents, **values)
    po.lines.append(PurchaseOrderLine(site_id=site.id, member_id=site.organization_id, offer_id=offer.id,
                                      item_id=offer.item_id, packs=packs, unit_price=offer.tiers[0].price,
                                      amount_cents=amount))
    po.deliveries.append(SiteDelivery(site_id=site.id, member_id=site.organization_id, fee_cents=fee_cents))
    session.add(po)
    session.flush()
    return po
