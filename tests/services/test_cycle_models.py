"""The purchasing-cycle tables: their constraints hold in the database, and every row is
reached only by the people who may see it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.errors import NotFoundError
from marketplace.models import (
    ApiToken,
    Cycle,
    CycleOfferVersion,
    DemandLine,
    MemberShare,
    Notification,
    Offer,
    OfferVersion,
    OptimizationRun,
    OrgKind,
    PlanDelivery,
    PlanLine,
    PurchaseOrder,
    PurchaseOrderLine,
    RecurringNeed,
    SiteDelivery,
)
from marketplace.services.scope import get_scoped, scoped_select
from tests.cycle_factories import (
    T0,
    make_cycle,
    make_line,
    make_need,
    make_plan_line,
    make_purchase_order,
    make_run,
    make_share,
)
from tests.factories import build_catalog_world, make_organization, make_price_sheet, make_user


@pytest.fixture
def cw(session, world):
    return build_catalog_world(session, world)


@pytest.fixture
def offer(session, cw):
    return session.scalars(select(Offer).where(Offer.price_sheet_id == cw.sheet.id)).one()


def alliance_a(world):
    return world.hub.organization.alliance


def fails(session, make):
    """``make()`` breaks a constraint: the savepoint is rolled back, the test goes on."""
    with pytest.raises(IntegrityError), session.begin_nested():
        make()


def ids(session, actor, model):
    return {row.id for row in session.scalars(scoped_select(actor, model))}


# ---------------------------------------------------------------- constraints

def test_one_need_per_site_and_item_with_a_positive_quantity(session, world, cw):
    make_need(session, world.site_x, cw.item, "12")
    fails(session, lambda: make_need(session, world.site_x, cw.item, "3"))
    make_need(session, world.site_y, cw.item, "3")  # another site may need the same item
    fails(session, lambda: make_need(session, world.site_y, cw.item, "0"))


def test_need_cannot_end_before_it_starts(session, world, cw):
    fails(session, lambda: make_need(session, world.site_x, cw.item, starts_on=date(2026, 5, 1),
                                     ends_on=date(2026, 4, 30)))
    need = make_need(session, world.site_x, cw.item, starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 1))
    assert need.applies_on(date(2026, 5, 1)) and not need.applies_on(date(2026, 5, 2))


def test_cycle_cutoff_must_follow_opening(session, world):
    fails(session, lambda: make_cycle(session, alliance_a(world), cutoff_at=T0 - timedelta(hours=1)))
    fails(session, lambda: make_cycle(session, alliance_a(world), length_days=0))


def test_one_demand_line_per_cycle_site_and_item(session, world, cw):
    cycle = make_cycle(session, alliance_a(world))
    make_line(session, cycle, world.site_x, cw.item, "40", max_unit_price=Decimal("4.25"))
    fails(session, lambda: make_line(session, cycle, world.site_x, cw.item, "5"))
    fails(session, lambda: make_line(session, cycle, world.site_y, cw.item, "-1"))
    other = make_cycle(session, alliance_a(world), name="April cycle")
    assert make_line(session, other, world.site_x, cw.item, "40").quantity == Decimal("40")


def test_cycle_and_its_published_run_point_at_each_other(session, world):
    cycle = make_cycle(session, alliance_a(world))
    first, second = make_run(session, cycle, 1), make_run(session, cycle, 2)
    fails(session, lambda: make_run(session, cycle, 2))
    cycle.published_run = second
    session.flush()
    session.expire_all()
    reread = session.get(Cycle, cycle.id)
    assert reread.published_run_id == second.id and reread.published_run.number == 2
    assert first.cycle_id == cycle.id


def test_run_records_the_offer_versions_it_priced_once(session, world, cw):
    make_price_sheet(session, world.vendor_org, [
        {"vendor_sku": "S2", "item": cw.item.slug, "pack_size": 1, "unit": "gal",
         "tier1_min_packs": 1, "tier1_price": "4.50"}], activate=True)
    version = session.scalars(select(OfferVersion).where(OfferVersion.organization_id == world.vendor_org.id)).one()
    cycle = make_cycle(session, alliance_a(world))
    run = make_run(session, cycle)
    session.add(CycleOfferVersion(cycle_id=cycle.id, run_id=run.id, offer_version_id=version.id))
    session.flush()
    fails(session, lambda: (session.add(CycleOfferVersion(cycle_id=cycle.id, run_id=run.id,
                                                          offer_version_id=version.id)), session.flush()))


def test_purchase_order_numbers_are_unique_per_alliance_and_totals_add_up(session, world, offer):
    cycle = make_cycle(session, alliance_a(world))
    run = make_run(session, cycle)
    po = make_purchase_order(session, run, offer, world.site_x, number="PO-2026-0001")
    assert po.total_cents == po.goods_cents + po.fees_cents == 15960 + 2500
    run2 = make_run(session, cycle, 2)
    fails(session, lambda: make_purchase_order(session, run2, offer, world.site_x, number="PO-2026-0001"))
    # The other alliance numbers its own orders from 1 too.
    b = world.other_hub.organization.alliance
    vendor_b = make_organization(session, b, OrgKind.VENDOR, "Vendor B")
    run_b = make_run(session, make_cycle(session, b))
    session.add(PurchaseOrder(alliance_id=b.id, cycle_id=run_b.cycle_id, run_id=run_b.id, vendor_id=vendor_b.id,
                              number="PO-2026-0001"))
    session.flush()
    wrong = PurchaseOrder(alliance_id=cycle.alliance_id, cycle_id=cycle.id, run_id=run2.id,
                          vendor_id=world.vendor_org.id, number="PO-2026-0002", goods_cents=100,
                          fees_cents=0, total_cents=99)
    fails(session, lambda: (session.add(wrong), session.flush()))


def test_shortage_cannot_exceed_the_packs_ordered(session, world, offer):
    run = make_run(session, make_cycle(session, alliance_a(world)))
    po = make_purchase_order(session, run, offer, world.site_x, packs=10)
    line = po.lines[0]

    def short_by(packs):
        line.shortage_packs = packs
        session.flush()

    fails(session, lambda: short_by(11))
    short_by(3)
    assert session.scalar(select(PurchaseOrderLine.shortage_packs).where(PurchaseOrderLine.id == line.id)) == 3


def test_one_share_per_member_and_run(session, world):
    run = make_run(session, make_cycle(session, alliance_a(world)))
    share = make_share(session, run, world.member_x.id, 9000, 10000)
    assert share.savings_cents == 1000
    fails(session, lambda: make_share(session, run, world.member_x.id))
    assert make_share(session, run, world.member_y.id, 500, None).savings_cents is None


def test_notification_needs_a_recipient(session, world):
    fails(session, lambda: (session.add(Notification(kind="cycle.opened", title="Open")), session.flush()))


# ---------------------------------------------------------------- scoping

@pytest.fixture
def plan(session, world, cw, offer):
    """Alliance A: a cycle with needs and lines at X and Y, a run with plan rows and shares,
    a PO of vendor V with lines at X and Y. Alliance B: a cycle of its own."""
    a = alliance_a(world)
    cycle = make_cycle(session, a)
    needs = {site: make_need(session, site, cw.item) for site in (world.site_x, world.site_y)}
    lines = {site: make_line(session, cycle, site, cw.item) for site in (world.site_x, world.site_y)}
    run = make_run(session, cycle)
    plan_lines = {site: make_plan_line(session, run, site, offer) for site in (world.site_x, world.site_y)}
    deliveries = {site: PlanDelivery(run_id=run.id, site_id=site.id, member_id=site.organization_id,
                                     vendor_id=world.vendor_org.id, fee_cents=0)
                  for site in (world.site_x, world.site_y)}
    session.add_all(deliveries.values())
    shares = {m: make_share(session, run, m.id) for m in (world.member_x, world.member_y)}
    po = make_purchase_order(session, run, offer, world.site_x)
    po.lines.append(PurchaseOrderLine(site_id=world.site_y.id, member_id=world.member_y.id, offer_id=offer.id,
                                      item_id=offer.item_id, packs=1, unit_price=Decimal("15.96"),
                                      amount_cents=1596))
    po.deliveries.append(SiteDelivery(site_id=world.site_y.id, member_id=world.member_y.id))
    session.flush()
    cycle_b = make_cycle(session, world.other_hub.organization.alliance, name="B cycle")
    return {"cycle": cycle, "needs": needs, "lines": lines, "run": run, "plan_lines": plan_lines,
            "deliveries": deliveries, "shares": shares, "po": po, "cycle_b": cycle_b}


def test_director_sees_their_member_rows_only(session, world, plan):
    x = world.site_x
    assert ids(session, world.dx, RecurringNeed) == {plan["needs"][x].id}
    assert ids(session, world.dx, DemandLine) == {plan["lines"][x].id}
    assert ids(session, world.dx, PlanLine) == {plan["plan_lines"][x].id}
    assert ids(session, world.dx, PlanDelivery) == {plan["deliveries"][x].id}
    assert ids(session, world.dx, MemberShare) == {plan["shares"][world.member_x].id}
    assert ids(session, world.dx, Cycle) == {plan["cycle"].id}
    assert ids(session, world.dx, OptimizationRun) == set()
    assert ids(session, world.dx, PurchaseOrder) == set()
    # What is coming to their site, and nothing of the other member's.
    assert {line.site_id for line in session.scalars(scoped_select(world.dx, PurchaseOrderLine))} == {x.id}
    assert {d.site_id for d in session.scalars(scoped_select(world.dx, SiteDelivery))} == {x.id}


def test_hub_sees_its_alliance_and_not_the_other(session, world, plan):
    assert ids(session, world.hub, Cycle) == {plan["cycle"].id}
    assert ids(session, world.hub, OptimizationRun) == {plan["run"].id}
    assert len(ids(session, world.hub, RecurringNeed)) == 2
    assert len(ids(session, world.hub, PurchaseOrderLine)) == 2
    assert ids(session, world.other_hub, Cycle) == {plan["cycle_b"].id}
    for model in (RecurringNeed, DemandLine, OptimizationRun, PlanLine, MemberShare, PurchaseOrder,
                  PurchaseOrderLine, SiteDelivery):
        assert ids(session, world.other_hub, model) == set(), model.__name__
    with pytest.raises(NotFoundError):
        get_scoped(session, world.dz, Cycle, plan["cycle"].id)


def test_vendor_sees_its_orders_and_nothing_of_the_members_plans(session, world, plan):
    assert ids(session, world.vendor, PurchaseOrder) == {plan["po"].id}
    assert len(ids(session, world.vendor, PurchaseOrderLine)) == 2
    assert len(ids(session, world.vendor, SiteDelivery)) == 2
    for model in (RecurringNeed, DemandLine, Cycle, OptimizationRun, PlanLine, MemberShare, CycleOfferVersion):
        assert ids(session, world.vendor, model) == set(), model.__name__
    other_vendor = make_user(session, make_organization(session, alliance_a(world), OrgKind.VENDOR))
    assert ids(session, other_vendor, PurchaseOrder) == set()
    assert ids(session, other_vendor, PurchaseOrderLine) == set()


def test_notifications_reach_their_user_or_organization(session, world):
    to_dx = Notification(user_id=world.dx.id, kind="share.approval_needed", title="Approve")
    to_x = Notification(organization_id=world.member_x.id, kind="cycle.opened", title="Open")
    to_y = Notification(organization_id=world.member_y.id, kind="cycle.opened", title="Open")
    session.add_all([to_dx, to_x, to_y])
    session.flush()
    assert ids(session, world.dx, Notification) == {to_dx.id, to_x.id}
    assert ids(session, world.dy, Notification) == {to_y.id}
    assert ids(session, world.hub, Notification) == set()


def test_api_tokens_belong_to_their_user(session, world):
    token = ApiToken(user_id=world.dx.id, token_hash="a" * 64, name="laptop")
    session.add(token)
    session.flush()
    assert ids(session, world.dx, ApiToken) == {token.id}
    assert ids(session, world.hub, ApiToken) == set()
    fails(session, lambda: (session.add(ApiToken(user_id=world.dy.id, token_hash="a" * 64, name="x")),
                            session.flush()))
