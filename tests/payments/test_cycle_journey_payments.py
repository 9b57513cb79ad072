"""The whole journey through the real services: an optimized plan is published, approved and
finalized; the purchase orders are sent, confirmed, shipped and delivered (one site short);
every member pays; vendors are paid out; reconciliation agrees and the cycle holds nothing."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.models import DeliveryStatus, PurchaseOrder
from marketplace.payments import ledger
from marketplace.services import payments, payouts, purchase_orders, reconciliation
from marketplace.services.approvals import current_shares
from tests.payments.factories import onboard
from tests.plan_factories import build_plan_world, finalized


def test_a_finalized_cycle_is_paid_delivered_paid_out_and_reconciled(session, world, gateway, emu):
    pw = build_plan_world(session, world)
    finalized(session, pw)
    purchase_orders.send_purchase_orders(session, world.hub, pw.cycle.id, email_enabled=False, now=pw.now)
    shares = {s.member_id: s for s in current_shares(session, pw.cycle)}
    for director in (world.dx, world.dy, pw.dq):
        payment = payments.pay_share(session, director, gateway, shares[director.organization_id].id, "pm_card_visa")
        assert payment.amount_cents == payment.goods_cents + payment.fee_cents
    orders = session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == pw.cycle.id)).all()
    vendors = {pw.vendor_p.id: pw.vendor_p_user, pw.vendor_u.id: pw.vendor_u_user}
    for po in orders:
        onboard(session, gateway, emu, po.vendor_id)
        purchase_orders.confirm_purchase_order(session, vendors[po.vendor_id], po.id, now=pw.now)
        purchase_orders.ship_purchase_order(session, vendors[po.vendor_id], po.id, now=pw.now)
        for delivery in po.deliveries:
            lines = purchase_orders.delivery_lines(session, delivery)
            short_here = delivery.site_id == world.site_x.id and po.vendor_id == pw.vendor_p.id
            received = {line.id: line.packs - (1 if short_here and line is lines[0] else 0) for line in lines}
            purchase_orders.report_delivery(session, vendors[po.vendor_id], delivery.id, received, now=pw.now)
    session.expire_all()
    assert any(d.status is DeliveryStatus.SHORT for po in orders for d in po.deliveries)
    shortage = sum(s.amount_cents for s in purchase_orders.shortages_for_cycle(session, pw.cycle.id))
    assert shortage > 0

    payouts.run_payouts(session, gateway)
    report = reconciliation.reconcile_cycle(session, gateway, pw.cycle.id, actor=world.hub)
    assert report.discrepancies == [] and report.totals["settled"] is True
    totals = ledger.cycle_totals(session, pw.cycle.id)
    assert totals.held == 0 and totals.charges == totals.payouts + totals.fees + totals.refunds
    assert totals.charges - totals.fees == sum(po.total_cents for po in orders)
    paid_to = {}
    for transfer in emu.objects("transfer"):
        paid_to[transfer["destination"]] = paid_to.get(transfer["destination"], 0) + transfer["amount"]
    assert sum(paid_to.values()) == sum(po.total_cents for po in orders) - totals.refunds
    own = {member: sum(line.amount_cents for po in orders for line in po.lines if line.member_id == member)
           + sum(d.fee_cents for po in orders for d in po.deliveries if d.member_id == member) for member in shares}
    if all(own[m] == shares[m].cost_cents for m in shares):  # each share is its member's own lines and fees
        assert totals.refunds == shortage
    else:  # the fair split moved cost between members: refunds follow what each member paid
        assert 0 < totals.refunds <= shortage + len(shares)
