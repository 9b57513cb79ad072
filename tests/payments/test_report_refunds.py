"""The spend report and the money: after the payout job has refunded a shortage, each member's
spend in the report is what it was charged less exactly what Stripe refunded it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from marketplace.models import EntryKind, EntryStatus, LedgerEntry
from marketplace.services import payments, payouts, reports
from tests.payments.factories import build_pay_world, deliver, onboard


def refunded_by_member(session, cycle_id):
    out = defaultdict(int)
    for entry in session.scalars(select(LedgerEntry).where(
            LedgerEntry.cycle_id == cycle_id, LedgerEntry.kind == EntryKind.REFUND,
            LedgerEntry.status == EntryStatus.DONE)):
        out[entry.member_id] += entry.amount_cents
    return dict(out)


def test_the_report_subtracts_exactly_what_was_refunded(session, world, gateway, emu):
    # A fair split moved 10.00 of X's cost onto Y: refunds follow what each paid, not list prices.
    pw = build_pay_world(session, world, costs=(26300 - 1000, 8420 + 1000))
    before = {m.member_id: m for m in reports.cycle_report(session, world.hub, pw.cycle.id).members}
    payments.pay_share(session, world.dx, gateway, pw.share_x.id, "pm_card_visa")
    payments.pay_share(session, world.dy, gateway, pw.share_y.id, "pm_card_visa")
    onboard(session, gateway, emu, world.vendor_org.id)
    onboard(session, gateway, emu, pw.vendor_w.id)
    deliver(session, pw.po_v, {world.member_x.id: 2, world.member_y.id: 1})  # 29.60 and 14.80 missing
    deliver(session, pw.po_w)
    payouts.run_payouts(session, gateway)
    refunded = refunded_by_member(session, pw.cycle.id)
    assert set(refunded) == {world.member_x.id, world.member_y.id}
    assert refunded[world.member_x.id] != 2960, "X paid V less than its list prices: so is its refund"
    after = reports.cycle_report(session, world.hub, pw.cycle.id)
    for member in after.members:
        assert member.refund_cents == refunded[member.member_id]
        assert member.spend_cents == before[member.member_id].spend_cents - refunded[member.member_id]
    assert after.refund_cents == sum(refunded.values())
    assert sum(r["amount"] for r in emu.objects("refund")) == after.refund_cents, "what Stripe refunded"
