"""Factories for cycles, needs, runs, plans, shares and purchase orders (add and flush only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import (
    Alliance,
    Cadence,
    Cycle,
    CycleStatus,
    DeliveryTerms,
    DemandLine,
    DemandSource,
    Item,
    MemberShare,
    OptimizationRun,
    Organization,
    OrgKind,
    PlanLine,
    PurchaseOrder,
    PurchaseOrderLine,
    RecurringNeed,
    RunStatus,
    Site,
    SiteDelivery,
)
from tests.factories import (
    make_category,
    make_item,
    make_organization,
    make_price_sheet,
    make_terms,
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


# ---------------------------------------------------------------- a small alliance with a cycle

@dataclass
class CycleWorld:
    """World A with a priced catalog and an open cycle (cutoff in a week, delivery in 10 days).

    Items: ``milk`` (gal) and ``apples`` (lb). Vendor V (``world.vendor_org``) serves ZIPs
    55372 and 55379: milk in packs of 4 gal at 15.96, from 20 packs 14.80; apples in 10 lb at
    12.00, from 5 packs 10.50; fee 25.00, free over 300.00. Vendor W serves every region: milk
    by the gallon at 4.50, from 100 gal 4.10; fee 10.00. Lines: site X milk 40, apples 30;
    site Y milk 24, apples 20. ``needs``: X's weekly milk need (the need the milk line came from)."""

    cycle: Cycle
    milk: Item
    apples: Item
    vendor_w: Organization
    lines: dict[tuple[str, str], DemandLine]
    now: datetime


def build_cycle_world(session: Session, world: Any, *, now: datetime | None = None) -> CycleWorld:
    now = now or datetime.now(UTC)
    alliance = world.hub.organization.alliance
    food = make_category(session, alliance, "food-c", "Food")
    milk = make_item(session, food, "milk-c", name="Whole milk", unit="gal")
    apples = make_item(session, food, "apples-c", name="SECRET-Apples", unit="lb")
    terms = session.scalar(select(DeliveryTerms).where(DeliveryTerms.organization_id == world.vendor_org.id))
    if terms is None:
        make_terms(session, world.vendor_org, ["55372", "55379"], free_delivery_over=Decimal("300.00"))
    else:  # the catalog world's terms: same regions, free delivery over 300
        terms.free_delivery_over = Decimal("300.00")
    make_price_sheet(session, world.vendor_org, [
        {"vendor_sku": "VM4", "item": milk.slug, "pack_size": 4, "unit": "gal", "tier1_min_packs": 1,
         "tier1_price": "15.96", "tier2_min_packs": 20, "tier2_price": "14.80"},
        {"vendor_sku": "VA10", "item": apples.slug, "pack_size": 10, "unit": "lb", "tier1_min_packs": 1,
         "tier1_price": "12.00", "tier2_min_packs": 5, "tier2_price": "10.50"}], activate=True)
    vendor_w = make_organization(session, alliance, OrgKind.VENDOR, "Vendor W")
    make_terms(session, vendor_w, None, delivery_fee=Decimal("10.00"))
    make_price_sheet(session, vendor_w, [
        {"vendor_sku": "WM1", "item": milk.slug, "pack_size": 1, "unit": "gal", "tier1_min_packs": 1,
         "tier1_price": "4.50", "tier2_min_packs": 100, "tier2_price": "4.10"}], activate=True)
    cycle = make_cycle(session, alliance, status=CycleStatus.OPEN, name="SECRET-Cycle",
                       opens_at=now - timedelta(hours=1), cutoff_at=now + timedelta(days=7),
                       delivery_on=(now + timedelta(days=10)).date())
    lines = {}
    for site, key in ((world.site_x, "x"), (world.site_y, "y")):
        for item, amount in ((milk, {"x": "40", "y": "24"}[key]), (apples, {"x": "30", "y": "20"}[key])):
            lines[(key, item.slug)] = make_line(session, cycle, site, item, amount)
    return CycleWorld(cycle, milk, apples, vendor_w, lines, now)


@dataclass
class CycleObjects:
    """Member X's side of an open cycle of alliance A, for the access matrix: a need with note
    ``SECRET-need-note``, a line with note ``SECRET-line-note``, and a run of the cycle with
    note ``SECRET-run-note`` whose instance names member X."""

    cycles: CycleWorld
    need: RecurringNeed
    line: DemandLine
    run: OptimizationRun


def build_cycle_objects(session: Session, world: Any) -> CycleObjects:
    cyc = build_cycle_world(session, world)
    need = make_need(session, world.site_x, cyc.milk, "10", note="SECRET-need-note")
    line = cyc.lines[("x", "apples-c")]
    line.note = "SECRET-line-note"
    instance = {"members": [{"id": f"m{world.member_x.id}", "name": world.member_x.name}], "vendors": []}
    run = make_run(session, cyc.cycle, note="SECRET-run-note", solver_log="SECRET-run-log\n",
                   instance_json=json.dumps(instance), options={"time_limit_s": 60})
    session.flush()
    return CycleObjects(cyc, need, line, run)
