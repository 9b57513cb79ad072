"""Vendors are paid from each member's charge once the order is delivered; shortages go back
to the member; the job can run any number of times; the ledger identity holds to the cent."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.models import EntryKind, EntryStatus, LedgerEntry, POStatus
from marketplace.payments import ledger
from marketplace.services import payments, payouts, vendor_accounts
from tests.payments.factories import build_pay_world, deliver, onboard


def pay_both(session, pw, gateway):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    payments.pay_share(session, pw.world.dy, gateway, pw.share_y.id, "pm_card_visa")


def transfers_at_stripe(emu):
    return sorted((t["destination"], t["amount"] - t["amount_reversed"]) for t in emu.objects("transfer"))


def done(session, kind):
    session.expire_all()
    return sorted(e.amount_cents for e in session.scalars(select(LedgerEntry).where(
        LedgerEntry.kind == kind, LedgerEntry.status == EntryStatus.DONE)))


def assert_identity(session, cycle_id, *, held=0):
    totals = ledger.cycle_totals(session, cycle_id)
    assert totals.charges == totals.payouts + totals.fees + totals.refunds + totals.held
    assert totals.held == held


def test_nothing_moves_before_delivery(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    summary = payouts.run_payouts(session, gateway)
    assert summary.total_done == 0 and emu.objects("transfer") == []


def test_delivered_orders_pay_each_vendor_each_members_part_from_that_members_charge(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    v = onboard(session, gateway, emu, pw.world.vendor_org.id)
    w = onboard(session, gateway, emu, pw.vendor_w.id)
    deliver(session, pw.po_v)
    deliver(session, pw.po_w)
    summary = payouts.run_payouts(session, gateway)
    assert summary.done == {"transfer": 3}
    assert transfers_at_stripe(emu) == sorted([(v.stripe_id, 17300), (v.stripe_id, 8420), (w.stripe_id, 9000)])
    charges = {c["id"]: c for c in emu.objects("charge")}
    for transfer in emu.objects("transfer"):
        assert transfer["source_transaction"] in charges
        assert transfer["transfer_group"] == f"cycle-{pw.cycle.id}"
    assert_identity(session, pw.cycle.id)
    again = payouts.run_payouts(session, gateway)
    assert again.total_done == 0 and len(emu.objects("transfer")) == 3


def test_a_shortage_is_refunded_to_the_member_and_the_vendor_gets_the_rest(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    deliver(session, pw.po_v, {pw.world.member_x.id: 2})  # 2 of X's 10 packs at 14.80 missing
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.REFUND) == [2960]
    assert done(session, EntryKind.TRANSFER) == sorted([17300 - 2960, 8420])
    [refund] = emu.objects("refund")
    assert refund["amount"] == 2960 and refund["charge"] == payments.get_bill(
        session, pw.world.dx, pw.share_x.id).payment.charge_id
    assert_identity(session, pw.cycle.id, held=9000)  # W's order is not delivered yet


def test_a_shortage_found_after_the_payout_reverses_part_of_the_transfer(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    deliver(session, pw.po_v)
    payouts.run_payouts(session, gateway)
    deliver(session, pw.po_v, {pw.world.member_y.id: 1})  # corrected: one of Y's 4 packs never came
    summary = payouts.run_payouts(session, gateway)
    assert summary.done == {"reversal": 1, "refund": 1}
    assert done(session, EntryKind.REVERSAL) == [1480] and done(session, EntryKind.REFUND) == [1480]
    assert [r["amount"] for r in emu.objects("transfer_reversal")] == [1480]
    assert_identity(session, pw.cycle.id, held=9000)


def test_a_cancelled_order_is_refunded_whole_and_its_vendor_gets_nothing(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.vendor_w.id)
    pw.po_w.status = POStatus.CANCELLED
    session.flush()
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.REFUND) == [9000] and emu.objects("transfer") == []
    assert_identity(session, pw.cycle.id, held=17300 + 8420)  # V's order is not delivered yet


def test_a_vendor_without_an_account_waits_and_is_paid_once_onboarded(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    deliver(session, pw.po_w)
    summary = payouts.run_payouts(session, gateway)
    assert summary.waiting == ["Vendor Pay-W: no Stripe account able to receive transfers yet"]
    assert emu.objects("transfer") == []
    onboard(session, gateway, emu, pw.vendor_w.id)
    assert payouts.run_payouts(session, gateway).done == {"transfer": 1}


def test_a_refused_transfer_is_recorded_failed_and_retried_with_a_new_key(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    account = onboard(session, gateway, emu, pw.vendor_w.id)
    deliver(session, pw.po_w)
    account.stripe_id = "acct_does_not_exist"
    session.flush()
    summary = payouts.run_payouts(session, gateway)
    assert summary.failed and emu.objects("transfer") == []
    account.stripe_id = emu.objects("account")[0]["id"]
    session.flush()
    assert payouts.run_payouts(session, gateway).done == {"transfer": 1}
    keys = [e.idempotency_key for e in session.scalars(select(LedgerEntry).where(
        LedgerEntry.kind == EntryKind.TRANSFER).order_by(LedgerEntry.id))]
    assert [k.rsplit(":", 1)[1] for k in keys] == ["transfer-1", "transfer-2"]


def test_costs_moved_between_members_still_pay_vendors_their_orders_exactly(session, world, gateway, emu):
    # X's cost is capped at its standalone cost: 1,000.00 of it moves onto Y (a fair split).
    pw = build_pay_world(session, world, costs=(26300 - 1000, 8420 + 1000))
    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    onboard(session, gateway, emu, pw.vendor_w.id)
    deliver(session, pw.po_v)
    deliver(session, pw.po_w)
    payouts.run_payouts(session, gateway)
    by_vendor = {}
    for transfer in emu.objects("transfer"):
        by_vendor[transfer["destination"]] = by_vendor.get(transfer["destination"], 0) + transfer["amount"]
    assert sorted(by_vendor.values()) == sorted([pw.po_v.total_cents, pw.po_w.total_cents])
    assert_identity(session, pw.cycle.id)


def test_each_party_sees_only_its_own_money(session, pw, gateway, emu):
    from marketplace.models import ReconciliationReport, SharePayment, StripeAccount
    from marketplace.services import reconciliation
    from marketplace.services.scope import scoped_select

    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    onboard(session, gateway, emu, pw.vendor_w.id)
    deliver(session, pw.po_v)
    deliver(session, pw.po_w)
    payouts.run_payouts(session, gateway)
    reconciliation.reconcile_cycle(session, gateway, pw.cycle.id)
    world = pw.world

    def seen(actor, model):
        return session.scalars(scoped_select(actor, model)).all()

    assert sorted(e.amount_cents for e in vendor_accounts.vendor_entries(session, world.vendor)) == [8420, 17300]
    assert [e.amount_cents for e in vendor_accounts.vendor_entries(session, pw.vendor_w_user)] == [9000]
    assert {e.member_id for e in seen(world.dx, LedgerEntry)} == {world.member_x.id}
    assert [p.member_id for p in seen(world.dy, SharePayment)] == [world.member_y.id]
    assert len(seen(world.hub, LedgerEntry)) == 2 * 2 + 3 and len(seen(world.hub, ReconciliationReport)) == 1
    for outsider in (world.other_hub, world.dz):
        assert seen(outsider, LedgerEntry) == seen(outsider, SharePayment) == []
    assert seen(world.dx, ReconciliationReport) == seen(world.vendor, ReconciliationReport) == []
    assert [a.organization_id for a in seen(world.vendor, StripeAccount)] == [world.vendor_org.id]
