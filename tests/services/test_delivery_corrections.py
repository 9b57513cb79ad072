"""Correcting a delivery report before any money moved: who may, what changes, who is told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import ConflictError, NotFoundError, ValidationError
from marketplace.models import AuditEvent, DeliveryStatus, Notification, POStatus, PurchaseOrder
from marketplace.services import delivery_corrections as corrections
from marketplace.services import purchase_orders as orders
from marketplace.services.shortages import shortage_totals
from tests.plan_factories import build_plan_world, finalized


@pytest.fixture
def pw(session, world):
    pw = build_plan_world(session, world)
    finalized(session, pw)
    orders.send_purchase_orders(session, world.hub, pw.cycle.id, email_enabled=False, now=pw.now)
    return pw


def order_of(session, pw, vendor):
    return session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == pw.cycle.id,
                                                       PurchaseOrder.vendor_id == vendor.id)).one()


def reported_short(session, world, pw, milk_missing=3):
    """Vendor P's order confirmed; X's delivery reported with ``milk_missing`` packs short."""
    p = order_of(session, pw, pw.vendor_p)
    orders.confirm_purchase_order(session, pw.vendor_p_user, p.id)
    drop = next(d for d in p.deliveries if d.site_id == world.site_x.id)
    lines = {x.item_id: x for x in p.lines if x.site_id == world.site_x.id}
    counts = {x.id: x.packs - (milk_missing if item == pw.milk.id else 0) for item, x in lines.items()}
    orders.report_delivery(session, world.dx, drop.id, counts, now=pw.now)
    return p, drop, lines[pw.milk.id], lines[pw.apples.id]


def told(session, kind="delivery_corrected"):
    return sorted(n.user_id for n in session.scalars(select(Notification).where(Notification.kind == kind)))


def test_the_vendor_corrects_a_miscount_and_the_member_and_hub_are_told(session, world, pw):
    p, drop, milk, apples = reported_short(session, world, pw)
    assert shortage_totals(session, pw.cycle.id) == {world.member_x.id: 3 * 1596}
    done = corrections.correct_delivery(session, pw.vendor_p_user, drop.id, {milk.id: milk.packs - 1, apples.id: apples.packs},
                                        reason="Two crates were in the back of the truck", now=pw.now)
    assert done.status is DeliveryStatus.SHORT and (milk.shortage_packs, milk.shortage_cents) == (1, 1596)
    assert shortage_totals(session, pw.cycle.id) == {world.member_x.id: 1596}, "the refund follows the new count"
    assert (done.corrected_by_id, done.corrected_at, done.note) == (pw.vendor_p_user.id, pw.now,
                                                                     "Two crates were in the back of the truck")
    assert done.received_by_id == world.dx.id, "who first reported it stays"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "delivery.corrected")).one()
    assert event.before["received"][str(milk.id)] == milk.packs - 3 and event.after["received"][str(milk.id)] == milk.packs - 1
    assert (event.before["shortage_cents"], event.after["shortage_cents"]) == (3 * 1596, 1596)
    assert told(session) == sorted([world.hub.id, world.dx.id]), "the member's side and the hub, not the vendor"
    note = session.scalars(select(Notification).where(Notification.user_id == world.dx.id,
                                                      Notification.kind == "delivery_corrected")).one()
    assert "7 -> 9 of 10 packs received" in note.body and "$47.88 -> $15.96" in note.body
    assert note.link == f"/deliveries/{drop.id}"


def test_the_director_corrects_to_everything_received(session, world, pw):
    p, drop, milk, apples = reported_short(session, world, pw)
    y_drop = next(d for d in p.deliveries if d.site_id == world.site_y.id)
    orders.report_delivery(session, pw.vendor_p_user, y_drop.id,
                           {x.id: x.packs for x in p.lines if x.site_id == world.site_y.id}, now=pw.now)
    assert p.status is POStatus.SHORT
    corrections.correct_delivery(session, world.dx, drop.id, {milk.id: milk.packs, apples.id: apples.packs},
                                 reason="Recounted: all ten were there", now=pw.now)
    assert drop.status is DeliveryStatus.RECEIVED and p.status is POStatus.DELIVERED
    assert shortage_totals(session, pw.cycle.id) == {}
    assert told(session) == sorted([world.hub.id, pw.vendor_p_user.id])


def test_bad_corrections_say_why_and_store_nothing(session, world, pw):
    p, drop, milk, apples = reported_short(session, world, pw)
    with pytest.raises(ValidationError) as error:
        corrections.correct_delivery(session, world.dx, drop.id, {milk.id: 9, apples.id: apples.packs}, reason="  ")
    assert "reason" in error.value.field_errors
    with pytest.raises(ValidationError) as error:
        corrections.correct_delivery(session, world.dx, drop.id, {milk.id: 11, apples.id: apples.packs}, reason="x")
    assert f"line_{milk.id}" in error.value.field_errors
    for stranger in (world.dy, world.vendor, pw.vendor_u_user, world.other_hub):
        with pytest.raises(NotFoundError):
            corrections.correct_delivery(session, stranger, drop.id, {milk.id: 9, apples.id: apples.packs}, reason="x")
    pending = next(d for d in p.deliveries if d.site_id == world.site_y.id)
    with pytest.raises(ConflictError, match="not been reported yet"):
        corrections.correct_delivery(session, world.hub, pending.id, {x.id: 0 for x in p.lines
                                                                      if x.site_id == world.site_y.id}, reason="x")
    session.expire_all()
    assert milk.shortage_packs == 3 and told(session) == []
    same = corrections.correct_delivery(session, world.dx, drop.id, {milk.id: milk.packs - 3, apples.id: apples.packs},
                                        reason="no change")
    assert same.corrected_at is None, "the same counts again change nothing"


def test_reporting_again_points_to_the_correction(session, world, pw):
    _, drop, milk, apples = reported_short(session, world, pw)
    with pytest.raises(ConflictError, match="correct the report instead"):
        orders.report_delivery(session, world.dx, drop.id, {milk.id: milk.packs, apples.id: apples.packs})
