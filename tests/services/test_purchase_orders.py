"""Purchase orders: one per vendor adding up to the plan, numbered without gaps, sent (by email
when configured), confirmed, shipped, received or short, with the shortages to refund."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import (
    CycleStatus,
    DeliveryStatus,
    Notification,
    PlanLine,
    POStatus,
    PurchaseOrder,
)
from marketplace.services import purchase_orders as orders
from marketplace.services.notifications import DELIVERY_SHORTAGE, PO_SENT
from tests.cycle_factories import make_cycle
from tests.plan_factories import build_plan_world, finalized, published, solved_run


@pytest.fixture
def pw(session, world):
    return build_plan_world(session, world)


def cycle_orders(session, pw):
    return {po.vendor_id: po for po in session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == pw.cycle.id))}


def sent(session, world, pw, email_enabled=False):
    return orders.send_purchase_orders(session, world.hub, pw.cycle.id, email_enabled=email_enabled, now=pw.now)


def notes(session, user, kind):
    return session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)).all()


def test_one_order_per_vendor_adds_up_to_the_plan(session, world, pw):
    run = finalized(session, pw)
    pos = cycle_orders(session, pw)
    assert set(pos) == {pw.vendor_p.id, pw.vendor_u.id}
    assert sum(po.total_cents for po in pos.values()) == run.total_cents
    year = pw.now.year
    assert sorted(po.number for po in pos.values()) == [f"PO-{year}-0001", f"PO-{year}-0002"]
    p = pos[pw.vendor_p.id]
    assert p.number == f"PO-{year}-0001"  # by vendor name: SECRET-Vendor-P before Vendor U
    assert (p.goods_cents, p.fees_cents, p.total_cents) == (24402, 5000, 29402)
    assert {(x.site_id, x.packs, str(x.unit_price)) for x in p.lines} == {
        (world.site_x.id, 10, "15.9600"), (world.site_x.id, 3, "10.5000"),
        (world.site_y.id, 2, "15.9600"), (world.site_y.id, 2, "10.5000")}
    plan_lines = session.scalars(select(PlanLine).where(PlanLine.run_id == run.id)).all()
    assert sorted(x.amount_cents for x in plan_lines) == sorted(x.amount_cents for po in pos.values() for x in po.lines)
    assert {(d.site_id, d.fee_cents, d.status) for d in p.deliveries} == {
        (world.site_x.id, 2500, DeliveryStatus.PENDING), (world.site_y.id, 2500, DeliveryStatus.PENDING)}


def test_numbers_continue_the_alliances_sequence_without_gaps(session, world, pw):
    alliance = world.hub.organization.alliance
    earlier = make_cycle(session, alliance, name="Earlier")
    session.add(PurchaseOrder(alliance_id=alliance.id, cycle_id=earlier.id, run_id=solved_run(session, pw).id,
                              vendor_id=pw.vendor_u.id, number=f"PO-{pw.now.year}-0007"))
    session.flush()
    assert orders.next_number(session, alliance.id, pw.now.year) == 8
    assert orders.next_number(session, alliance.id, pw.now.year + 1) == 1
    other = world.other_hub.organization.alliance
    assert orders.next_number(session, other.id, pw.now.year) == 1


def test_sending_notifies_each_vendor_once(session, world, pw):
    finalized(session, pw)
    result = sent(session, world, pw, email_enabled=True)
    pos = cycle_orders(session, pw)
    assert {po.status for po in pos.values()} == {POStatus.SENT} and pw.cycle.status is CycleStatus.ORDERED
    assert pos[pw.vendor_p.id].sent_to == "vendor-p@example.org" and pos[pw.vendor_u.id].sent_to == "vendor-u@example.org"
    assert result.emailed[pos[pw.vendor_p.id].number] == ["vendor-p@example.org"]
    (note,) = notes(session, pw.vendor_p_user, PO_SENT)
    assert note.link == f"/purchase-orders/{pos[pw.vendor_p.id].id}" and pos[pw.vendor_p.id].number in note.title
    assert "Total $294.02" in note.body and "SECRET-Site-X" in note.body and "Site Y" in note.body
    assert notes(session, world.vendor, PO_SENT) == []  # another vendor of the alliance hears nothing
    again = sent(session, world, pw, email_enabled=True)
    assert again.sent == [] and len(notes(session, pw.vendor_p_user, PO_SENT)) == 1  # a second click sends nothing


def test_without_smtp_orders_are_sent_in_the_app(session, world, pw):
    finalized(session, pw)
    result = sent(session, world, pw)
    assert len(result.sent) == 2 and all(not addresses for addresses in result.emailed.values())
    assert all(po.sent_at == pw.now and po.sent_to == "" for po in cycle_orders(session, pw).values())
    assert len(notes(session, pw.vendor_u_user, PO_SENT)) == 1


def test_sending_needs_a_finalized_cycle_and_the_hub(session, world, pw):
    published(session, pw)
    with pytest.raises(ConflictError, match="finalize it before sending"):
        sent(session, world, pw)
    with pytest.raises(PermissionDeniedError):
        orders.send_purchase_orders(session, world.dx, pw.cycle.id, email_enabled=False)
    with pytest.raises(NotFoundError):
        orders.send_purchase_orders(session, world.other_hub, pw.cycle.id, email_enabled=False)


def test_vendor_steps_follow_the_order_and_double_clicks_are_harmless(session, world, pw):
    finalized(session, pw)
    p = cycle_orders(session, pw)[pw.vendor_p.id]
    with pytest.raises(NotFoundError):  # a draft is the hub's: the vendor does not see it yet
        orders.confirm_purchase_order(session, pw.vendor_p_user, p.id)
    assert orders.list_purchase_orders(session, pw.vendor_p_user) == []
    sent(session, world, pw)
    with pytest.raises(ConflictError, match="Confirm .* before marking it shipped"):
        orders.ship_purchase_order(session, pw.vendor_p_user, p.id)
    for outsider in (pw.vendor_u_user, world.vendor, world.dx, world.other_hub):
        with pytest.raises(NotFoundError):
            orders.confirm_purchase_order(session, outsider, p.id)
    with pytest.raises(PermissionDeniedError):
        orders.confirm_purchase_order(session, world.hub, p.id)
    assert orders.confirm_purchase_order(session, pw.vendor_p_user, p.id).status is POStatus.CONFIRMED
    assert orders.confirm_purchase_order(session, pw.vendor_p_user, p.id).status is POStatus.CONFIRMED
    assert orders.ship_purchase_order(session, pw.vendor_p_user, p.id).status is POStatus.SHIPPED
    assert orders.ship_purchase_order(session, pw.vendor_p_user, p.id).status is POStatus.SHIPPED
    assert [po.id for po in orders.list_purchase_orders(session, pw.vendor_p_user)] == [p.id]


def delivery_of(po, site):
    return next(d for d in po.deliveries if d.site_id == site.id)


def test_deliveries_record_shortages_for_the_refunds(session, world, pw):
    finalized(session, pw)
    sent(session, world, pw)
    pos = cycle_orders(session, pw)
    p, u = pos[pw.vendor_p.id], pos[pw.vendor_u.id]
    x_drop, y_drop = delivery_of(p, world.site_x), delivery_of(p, world.site_y)
    with pytest.raises(ConflictError, match="not been confirmed"):
        orders.report_delivery(session, world.dx, x_drop.id, {x.id: x.packs for x in p.lines})
    orders.confirm_purchase_order(session, pw.vendor_p_user, p.id)
    x_lines = {x.item_id: x for x in p.lines if x.site_id == world.site_x.id}
    milk, apples = x_lines[pw.milk.id], x_lines[pw.apples.id]
    with pytest.raises(ValidationError) as error:
        orders.report_delivery(session, world.dx, x_drop.id, {milk.id: 11, apples.id: 3})
    assert f"line_{milk.id}" in error.value.field_errors
    report = {milk.id: 7, apples.id: 3}
    done = orders.report_delivery(session, world.dx, x_drop.id, report, note="3 crates missing", now=pw.now)
    assert done.status is DeliveryStatus.SHORT and done.received_by_id == world.dx.id
    assert (milk.shortage_packs, milk.shortage_cents, apples.shortage_packs) == (3, 4788, 0)  # 3 x 15.96
    assert p.status is POStatus.SHIPPED  # the goods came: a confirmed order counts as shipped
    for user in (world.hub, world.dx):
        (note,) = notes(session, user, DELIVERY_SHORTAGE)
        assert "$47.88 to refund" in note.title and "Milk P: 3 of 10 packs missing" in note.body
    assert notes(session, world.dy, DELIVERY_SHORTAGE) == []
    assert orders.report_delivery(session, world.dx, x_drop.id, report).status is DeliveryStatus.SHORT
    with pytest.raises(ConflictError, match="already reported"):
        orders.report_delivery(session, world.dx, x_drop.id, {milk.id: 10, apples.id: 3})
    with pytest.raises(NotFoundError):
        orders.report_delivery(session, world.dy, x_drop.id, report)  # another member's site
    orders.report_delivery(session, pw.vendor_p_user, y_drop.id,
                           {x.id: 0 for x in p.lines if x.site_id == world.site_y.id}, now=pw.now)
    assert p.status is POStatus.SHORT and pw.cycle.status is CycleStatus.ORDERED  # U's order is still out
    orders.confirm_purchase_order(session, pw.vendor_u_user, u.id)
    orders.report_delivery(session, pw.dq, u.deliveries[0].id, {u.lines[0].id: 3}, now=pw.now)
    assert u.status is POStatus.DELIVERED and pw.cycle.status is CycleStatus.DELIVERED
    found = orders.shortages_for_cycle(session, pw.cycle.id)
    goods = {(s.member_id, s.item_id): s.amount_cents for s in found if s.kind == "goods"}
    assert goods == {(world.member_x.id, pw.milk.id): 4788, (world.member_y.id, pw.milk.id): 3192,
                     (world.member_y.id, pw.apples.id): 2100}
    fees = [(s.member_id, s.amount_cents) for s in found if s.kind == "delivery_fee"]
    assert fees == [(world.member_y.id, 2500)]  # nothing reached Y: its delivery fee is refunded too
    assert orders.shortage_totals(session, pw.cycle.id) == {world.member_x.id: 4788,
                                                           world.member_y.id: 3192 + 2100 + 2500}


def test_a_partial_shortage_refunds_its_share_of_the_line(session, world, pw):
    finalized(session, pw)
    line = cycle_orders(session, pw)[pw.vendor_p.id].lines[0]
    line.amount_cents, line.packs = 1000, 3
    assert [orders.shortage_amount(line, n) for n in (0, 1, 2, 3)] == [0, 333, 667, 1000]


def test_the_director_sees_deliveries_of_their_sites_only(session, world, pw):
    finalized(session, pw)
    sent(session, world, pw)
    assert {d.site_id for d in orders.list_site_deliveries(session, world.dx)} == {world.site_x.id}
    assert {d.site_id for d in orders.list_site_deliveries(session, pw.dq)} == {pw.site_q.id}
    with pytest.raises(PermissionDeniedError):
        orders.list_purchase_orders(session, world.dx)
    view = orders.get_delivery(session, world.dx, delivery_of(cycle_orders(session, pw)[pw.vendor_p.id],
                                                               world.site_x).id)
    assert not view.reportable and "not been confirmed" in view.why_not
    assert {x.site_id for x in view.lines} == {world.site_x.id}
