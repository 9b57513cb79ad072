"""The hub's fee goes back to a member none of whose goods came (every order it bought from
cancelled); a partial shortage keeps it. Y buys from vendor V only, X from V and W; the fee is
2% + $1.50: X pays 263.00 + 6.76, Y 84.20 + 3.18."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.models import EntryKind, EntryStatus, LedgerEntry, POStatus
from marketplace.payments import ledger
from marketplace.services import payment_events, payments, payouts, reconciliation
from tests.payments.factories import deliver, onboard
from tests.payments.test_payouts import assert_identity, done, pay_both

X_FEE, Y_FEE = 676, 318


def cancel(session, po):
    po.status = POStatus.CANCELLED
    session.flush()


def charge_of(emu, amount):
    return next(c for c in emu.objects("charge") if c["amount"] == amount and c["status"] == "succeeded")


def test_a_member_whose_orders_are_all_cancelled_gets_everything_back_fee_included(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    cancel(session, pw.po_v)  # all of Y's goods, part of X's
    summary = payouts.run_payouts(session, gateway)
    assert summary.done == {"refund": 2, "fee_refund": 1}
    assert done(session, EntryKind.FEE_REFUND) == [Y_FEE]
    y_charge = charge_of(emu, 8420 + Y_FEE)
    assert y_charge["refunded"] is True and y_charge["amount_refunded"] == 8420 + Y_FEE
    assert charge_of(emu, 26300 + X_FEE)["amount_refunded"] == 17300  # X keeps W's goods: the fee stays
    totals = ledger.cycle_totals(session, pw.cycle.id)
    assert (totals.fees, totals.fee_refunds, totals.refunds) == (X_FEE, Y_FEE, 17300 + 8420 + Y_FEE)
    assert_identity(session, pw.cycle.id, held=9000)  # W's order for X is not delivered yet
    assert payouts.run_payouts(session, gateway).total_done == 0  # again: nothing more
    assert len(emu.objects("refund")) == 3


def test_cancelling_every_order_of_a_member_refunds_its_fee_once_the_last_one_is_cancelled(session, pw, gateway,
                                                                                             emu):
    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.vendor_w.id)
    cancel(session, pw.po_w)
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.FEE_REFUND) == []  # X's goods from V may still come
    cancel(session, pw.po_v)
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.FEE_REFUND) == sorted([X_FEE, Y_FEE])
    totals = ledger.cycle_totals(session, pw.cycle.id)
    assert totals.charges == totals.refunds and totals.fees == totals.payouts == totals.held == 0
    report = reconciliation.reconcile_cycle(session, gateway, pw.cycle.id)
    assert report.discrepancies == [] and report.totals["settled"] is True
    assert report.totals["fee_refunds"] == report.totals["fees"] + X_FEE + Y_FEE == X_FEE + Y_FEE


def test_a_partial_shortage_keeps_the_fee_even_when_a_whole_order_brought_nothing(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    onboard(session, gateway, emu, pw.vendor_w.id)
    deliver(session, pw.po_v, {pw.world.member_x.id: 10})  # none of X's 10 packs from V came
    deliver(session, pw.po_w)  # W's did
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.REFUND) == [17300]  # the goods, and the fee of a delivery that brought nothing
    assert done(session, EntryKind.FEE_REFUND) == []
    assert ledger.cycle_totals(session, pw.cycle.id).fees == X_FEE + Y_FEE
    assert_identity(session, pw.cycle.id)


def test_a_fee_refund_whose_answer_was_lost_is_made_once_and_settled_by_its_webhook(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    cancel(session, pw.po_v)
    emu.inject_fault("POST", "/v1/refunds", "timeout_after_commit", times=20)  # made at Stripe, never answered
    assert payouts.run_payouts(session, gateway).pending == 3
    fee_entry = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.FEE_REFUND)).one()
    assert fee_entry.status is EntryStatus.PENDING and fee_entry.idempotency_key.endswith(":fee_refund-1")
    event = next(e for e in emu.events("refund.created") if e["data"]["object"]["amount"] == Y_FEE)
    assert payment_events.handle_event(session, gateway, event) == "settled 1"
    session.expire_all()
    assert fee_entry.status is EntryStatus.DONE and fee_entry.stripe_id == event["data"]["object"]["id"]
    emu.clear_faults()
    assert payouts.run_payouts(session, gateway).done == {"refund": 2}  # resumed with their keys
    assert sorted(r["amount"] for r in emu.objects("refund")) == sorted([17300, 8420, Y_FEE])
    assert_identity(session, pw.cycle.id, held=9000)


def test_reconciliation_flags_a_fee_given_back_against_the_rule(session, pw, gateway, emu):
    pay_both(session, pw, gateway)
    payment = payments.get_bill(session, pw.world.dx, pw.share_x.id).payment
    refund = gateway.create_refund("test-fee-refund", charge=payment.charge_id, amount=X_FEE, metadata={})
    ledger.add_entry(session, payment, EntryKind.FEE_REFUND, X_FEE, status=EntryStatus.DONE, stripe_id=refund["id"])
    report = reconciliation.reconcile_cycle(session, gateway, pw.cycle.id)
    assert [d["kind"] for d in report.discrepancies] == ["fee_over_refunded"]
    assert report.discrepancies[0]["ours"] == X_FEE and report.discrepancies[0]["stripe"] == 0
