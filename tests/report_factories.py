"""A year of published plans with figures known to the cent, for reports and their exports;
and one notification and API token of director X, for the access matrix (add and flush only).

World A, 2026 (on top of :func:`tests.cycle_factories.build_cycle_world`):

- ``march`` (SECRET-Cycle, delivered 2026-03-12, finalized). Run 1 was superseded; run 2 is
  published. Run 2's lines (vendor V): X milk 10 packs at 14.80 (first tier 15.96) = 148.00,
  X apples 3 at 10.50 (12.00) = 31.50; Y milk 6 at 14.80 = 88.80, Y apples 2 at 10.50 = 21.00.
  Fees: X 0, Y 25.00. Shares: X charged 178.00 (its lines and fees are 179.50: the fair split
  moved 1.50 onto Y), alone 200.00; Y charged 136.30, alone 140.00. Member R (``SECRET-Member-R``)
  rejected its share: its line (wipes, 50.00) and share count nowhere.
- ``april`` (delivered 2026-04-12, delivered): X alone, milk from vendor W 20 packs at 4.50 =
  90.00 plus a 10.00 fee; X charged 100.00 and could not have bought alone.
- ``may`` (open), and a delivered cycle of alliance B: in no report of alliance A.
- Purchase orders: vendor V's PO-2026-0001 of march (sent; X 10 milk at 15.96 = 159.60, fee
  25.00, 2 packs short = 31.92); vendor W's PO-2026-0002 of april.

Alliance 2026: charged 414.30 = 314.30 (march) + 100.00 (april). The 2 packs short refund X
30.78 (31.92 in proportion to what X paid V: 178.00 of the 184.60 ordered), so spend is 383.52;
X's cost alone shrinks alike (200.00 -> 165.42). Alone 305.42 for the members and cycles that
could buy alone (spend 283.52 there): savings 21.90, 7.2 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import (
    ApiToken,
    Cycle,
    CycleStatus,
    Notification,
    Offer,
    Organization,
    PlanDelivery,
    POStatus,
    PurchaseOrder,
    ShareStatus,
)
from marketplace.services.api_tokens import hash_secret
from tests.cycle_factories import (
    CycleWorld,
    build_cycle_world,
    make_cycle,
    make_plan_line,
    make_purchase_order,
    make_run,
    make_share,
)
from tests.factories import (
    World,
    make_category,
    make_item,
    make_organization,
    make_price_sheet,
    make_site,
)

T_MARCH = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@dataclass
class ReportWorld:
    world: World
    cycles: CycleWorld
    march: Cycle
    april: Cycle
    may: Cycle
    member_r: Organization
    po_v: PurchaseOrder
    po_w: PurchaseOrder


def _offer(session: Session, sku: str) -> Offer:
    return session.scalars(select(Offer).where(Offer.vendor_sku == sku).order_by(Offer.id.desc())).first()


def make_delivery(session: Session, run: Any, site: Any, vendor: Organization, fee_cents: int) -> PlanDelivery:
    delivery = PlanDelivery(run_id=run.id, site_id=site.id, member_id=site.organization_id,
                            vendor_id=vendor.id, fee_cents=fee_cents)
    session.add(delivery)
    session.flush()
    return delivery


def build_report_world(session: Session, world: World) -> ReportWorld:
    cyc = build_cycle_world(session, world, now=T_MARCH)
    alliance = world.hub.organization.alliance
    march = cyc.cycle
    march.delivery_on = date(2026, 3, 12)
    vm4, va10, wm1 = _offer(session, "VM4"), _offer(session, "VA10"), _offer(session, "WM1")
    # Member R and its wipes, sold by vendor V.
    member_r = make_organization(session, alliance, name="SECRET-Member-R")
    site_r = make_site(session, member_r, name="Site R")
    wipes = make_item(session, make_category(session, alliance, "supplies-r", "Supplies"), "wipes-r",
                      name="Wipes", unit="pack")
    make_price_sheet(session, world.vendor_org, [
        {"vendor_sku": "VW1", "item": wipes.slug, "pack_size": 1, "unit": "pack", "tier1_min_packs": 1,
         "tier1_price": "25.00"}], activate=True)
    vw1 = _offer(session, "VW1")
    old = make_run(session, march, 1)
    make_plan_line(session, old, world.site_x, vm4, 99, "15.96")
    make_share(session, old, world.member_x.id, 99999, 99999, status=ShareStatus.SUPERSEDED)
    run = make_run(session, march, 2)
    make_plan_line(session, run, world.site_x, vm4, 10, "14.80", tier_position=2)
    make_plan_line(session, run, world.site_x, va10, 3, "10.50", tier_position=2)
    make_plan_line(session, run, world.site_y, vm4, 6, "14.80", tier_position=2)
    make_plan_line(session, run, world.site_y, va10, 2, "10.50", tier_position=2)
    make_plan_line(session, run, site_r, vw1, 2, "25.00")
    make_delivery(session, run, world.site_x, world.vendor_org, 0)
    make_delivery(session, run, world.site_y, world.vendor_org, 2500)
    make_share(session, run, world.member_x.id, 17800, 20000, status=ShareStatus.APPROVED)
    make_share(session, run, world.member_y.id, 13630, 14000, status=ShareStatus.APPROVED)
    make_share(session, run, member_r.id, 5000, 6000, status=ShareStatus.REJECTED)
    march.status, march.published_run_id = CycleStatus.FINALIZED, run.id

    april = make_cycle(session, alliance, status=CycleStatus.DELIVERED, name="April cycle",
                       delivery_on=date(2026, 4, 12))
    run_april = make_run(session, april, 1)
    make_plan_line(session, run_april, world.site_x, wm1, 20, "4.50")
    make_delivery(session, run_april, world.site_x, cyc.vendor_w, 1000)
    make_share(session, run_april, world.member_x.id, 10000, None, status=ShareStatus.APPROVED)
    april.published_run_id = run_april.id

    may = make_cycle(session, alliance, status=CycleStatus.OPEN, name="May cycle", delivery_on=date(2026, 5, 14))
    other = make_cycle(session, world.other_hub.organization.alliance, status=CycleStatus.DELIVERED,
                       name="SECRET-B-cycle", delivery_on=date(2026, 3, 20))
    run_b = make_run(session, other, 1)
    make_share(session, run_b, world.dz.organization_id, 55555, 66666, status=ShareStatus.APPROVED)
    other.published_run_id = run_b.id

    po_v = make_purchase_order(session, run, vm4, world.site_x, number="PO-2026-0001", packs=10,
                               fee_cents=2500, status=POStatus.SENT)
    po_v.lines[0].shortage_packs, po_v.lines[0].shortage_cents = 2, 3192
    po_w = make_purchase_order(session, run_april, wm1, world.site_x, number="PO-2026-0002", packs=20,
                               fee_cents=1000, status=POStatus.DELIVERED)
    session.flush()
    return ReportWorld(world, cyc, march, april, may, member_r, po_v, po_w)


# ---------------------------------------------------------------- objects for the access matrix

@dataclass
class PersonalObjects:
    """Director X's notification (title ``SECRET-notice...``) and API token (``SECRET-token...``);
    member X's share of ``run`` (note ``SECRET-share-note``); vendor V's offer of ``sheet`` and its
    purchase order ``SECRET-PO-9`` delivered at site X."""

    notification: Notification
    token: ApiToken
    secret: str
    share: Any
    offer: Offer
    po: PurchaseOrder


def build_personal_objects(session: Session, world: World, run: Any, sheet: Any) -> PersonalObjects:
    notification = Notification(user_id=world.dx.id, kind="cycle_opened", title="SECRET-notice for X",
                                body="SECRET-notice body", link="/sites")
    secret = "sbk_secret-token-of-director-x-0123456789"
    token = ApiToken(user_id=world.dx.id, token_hash=hash_secret(secret), prefix=secret[:12],
                     name="SECRET-token of X")
    session.add_all([notification, token])
    share = make_share(session, run, world.member_x.id, note="SECRET-share-note")
    offer = session.scalars(select(Offer).where(Offer.price_sheet_id == sheet.id)).first()
    po = make_purchase_order(session, run, offer, world.site_x, number="SECRET-PO-9", status=POStatus.SENT)
    session.flush()
    return PersonalObjects(notification, token, secret, share, offer, po)
