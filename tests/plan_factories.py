"""A cycle with a real optimized plan, for plan review, approvals and purchase orders.

Built on World A with its own catalog (slugs ``*-p``, category ``plan-supplies``) and vendors,
so it coexists with the catalog world of the access matrix:

- vendor P (``SECRET-Vendor-P``, user ``vendor_p``) delivers to 55372 and 55379: milk in packs
  of 4 gal at 15.96 (from 20 packs 14.80), apples in 10 lb at 12.00 (from 5 packs 10.50);
  fee 25.00, free over 300.00; takes cXML.
- vendor U (``Vendor U``) delivers everywhere: wipes by the pack at 30.00, no fee.
- a third member Q (director ``dq``, site Q in 55379) next to X and Y.

Lines: X milk 40 gal, apples 30 lb; Y milk 8 gal, apples 20 lb; Q wipes 3 packs. Pooled,
X and Y reach P's apple tier (5 packs at 10.50); without X, Y's apples cost 12.00 again
(Y's cost rises by about 3.9%) while Q's cost does not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from marketplace.models import (
    Cycle,
    CycleStatus,
    Item,
    OptimizationRun,
    Organization,
    OrgKind,
    Site,
    User,
)
from marketplace.services import approvals, runs
from marketplace.services.run_execution import execute_run
from marketplace.services.runs import RunOptions
from tests.cycle_factories import make_cycle, make_line
from tests.factories import (
    World,
    make_category,
    make_item,
    make_organization,
    make_price_sheet,
    make_site,
    make_terms,
    make_user,
)

FAST = RunOptions(time_limit_s=20)


@dataclass
class PlanWorld:
    world: World
    cycle: Cycle
    milk: Item
    apples: Item
    wipes: Item
    vendor_p: Organization
    vendor_p_user: User
    vendor_u: Organization
    vendor_u_user: User
    member_q: Organization
    dq: User
    site_q: Site
    now: datetime  # after the cutoff: the cycle is run and published at this time

    @property
    def deadline(self) -> datetime:
        return self.now + timedelta(days=3)


def build_plan_world(session: Session, world: World, *, now: datetime | None = None) -> PlanWorld:
    """World A with the catalog above and a cycle whose cutoff has just passed (lines frozen)."""
    from marketplace.db import utcnow

    now = now or utcnow()
    alliance = world.hub.organization.alliance
    category = make_category(session, alliance, "plan-supplies", "Plan supplies")
    milk = make_item(session, category, "milk-p", name="Milk P", unit="gal")
    apples = make_item(session, category, "apples-p", name="Apples P", unit="lb")
    wipes = make_item(session, category, "wipes-p", name="=Wipes P", unit="pack")
    vendor_p = make_organization(session, alliance, OrgKind.VENDOR, "SECRET-Vendor-P")
    vendor_p_user = make_user(session, vendor_p, email="vendor-p@example.org", name="Vendor P user")
    make_terms(session, vendor_p, ["55372", "55379"], free_delivery_over=Decimal("300.00"), accepts_cxml=True)
    make_price_sheet(session, vendor_p, [
        {"vendor_sku": "PM4", "item": milk.slug, "pack_size": 4, "unit": "gal", "tier1_min_packs": 1,
         "tier1_price": "15.96", "tier2_min_packs": 20, "tier2_price": "14.80"},
        {"vendor_sku": "PA10", "item": apples.slug, "pack_size": 10, "unit": "lb", "tier1_min_packs": 1,
         "tier1_price": "12.00", "tier2_min_packs": 5, "tier2_price": "10.50"}], activate=True)
    vendor_u = make_organization(session, alliance, OrgKind.VENDOR, "Vendor U")
    vendor_u_user = make_user(session, vendor_u, email="vendor-u@example.org", name="Vendor U user")
    make_terms(session, vendor_u, None, delivery_fee=Decimal("0"))
    make_price_sheet(session, vendor_u, [
        {"vendor_sku": "UW1", "item": wipes.slug, "pack_size": 1, "unit": "pack", "tier1_min_packs": 1,
         "tier1_price": "30.00"}], activate=True)
    member_q = make_organization(session, alliance, name="Member Q")
    dq = make_user(session, member_q, email="dq@example.org", name="Director Q")
    site_q = make_site(session, member_q, name="Site Q", address="1 Main St")
    cycle = make_cycle(session, alliance, status=CycleStatus.OPEN, name="SECRET-Plan-Cycle",
                       opens_at=now - timedelta(days=8), cutoff_at=now - timedelta(minutes=1),
                       delivery_on=(now + timedelta(days=10)).date())
    for site, item, quantity in ((world.site_x, milk, "40"), (world.site_x, apples, "30"),
                                 (world.site_y, milk, "8"), (world.site_y, apples, "20"),
                                 (site_q, wipes, "3")):
        make_line(session, cycle, site, item, quantity)
    return PlanWorld(world, cycle, milk, apples, wipes, vendor_p, vendor_p_user, vendor_u, vendor_u_user,
                     member_q, dq, site_q, now)


def solved_run(session: Session, pw: PlanWorld, *, options: RunOptions = FAST, **values: Any) -> OptimizationRun:
    """A run of the cycle through the runs service, solved at once (no worker)."""
    run = runs.start_run(session, pw.world.hub, pw.cycle.id, options, now=pw.now, **values)
    execute_run(session, run.id, workers=1)
    session.refresh(run)
    return run


def published(session: Session, pw: PlanWorld) -> OptimizationRun:
    """The cycle run once and its plan published (deadline in three days)."""
    run = solved_run(session, pw)
    approvals.publish_run(session, pw.world.hub, run.id, deadline=pw.deadline, now=pw.now)
    return run


def finalized(session: Session, pw: PlanWorld) -> OptimizationRun:
    """Published, approved by the three directors, and finalized (draft POs exist)."""
    run = published(session, pw)
    for director in (pw.world.dx, pw.world.dy, pw.dq):
        share = next(s for s in approvals.current_shares(session, pw.cycle)
                     if s.member_id == director.organization_id)
        approvals.approve_share(session, director, share.id, now=pw.now)
    approvals.finalize_cycle(session, pw.world.hub, pw.cycle.id, now=pw.now)
    return run


def share_of(session: Session, pw: PlanWorld, member: Organization):
    """The member's share of the published plan (the cycle re-read: pages change it too)."""
    session.refresh(pw.cycle)
    return next(s for s in approvals.current_shares(session, pw.cycle) if s.member_id == member.id)


@dataclass
class PlanObjects:
    """The access matrix's objects: a finalized cycle, its run, member X's share, vendor P's
    purchase order and its delivery to site X (the vendor of the world is not P)."""

    cycle: Cycle
    run: OptimizationRun
    vendor: Organization
    share: Any
    purchase_order: Any
    delivery: Any


def build_plan_objects(session: Session, world: World) -> PlanObjects:
    from sqlalchemy import select

    from marketplace.models import MemberShare, PurchaseOrder

    pw = build_plan_world(session, world)
    run = finalized(session, pw)
    share = session.scalar(select(MemberShare).where(MemberShare.run_id == run.id,
                                                     MemberShare.member_id == world.member_x.id))
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.run_id == run.id,
                                                    PurchaseOrder.vendor_id == pw.vendor_p.id))
    drop = next(d for d in po.deliveries if d.site_id == world.site_x.id)
    return PlanObjects(pw.cycle, run, pw.vendor_p, share, po, drop)
