"""Reconciliation lists every difference between our ledger and Stripe, and agrees when there
is none."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import NotFoundError, PermissionDeniedError
from marketplace.models import EntryKind, EntryStatus, LedgerEntry, ReconciliationReport
from marketplace.payments import ledger
from marketplace.services import payments, payouts, reconciliation
from tests.payments.conftest import make_gateway
from tests.payments.factories import deliver, onboard


@pytest.fixture
def settled(session, pw, gateway, emu):
    """Both shares paid, V's order delivered with one of Y's packs short, paid out."""
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    payments.pay_share(session, pw.world.dy, gateway, pw.share_y.id, "pm_card_visa")
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    deliver(session, pw.po_v, {pw.world.member_y.id: 1})
    payouts.run_payouts(session, gateway)
    return pw


def kinds(report):
    return sorted(d["kind"] for d in report.discrepancies)


def entry(session, kind, **where):
    query = select(LedgerEntry).where(LedgerEntry.kind == kind)
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return session.scalars(query.order_by(LedgerEntry.id)).first()


def test_a_clean_cycle_agrees_and_shows_what_is_still_owed(session, settled, gateway):
    report = reconciliation.reconcile_cycle(session, gateway, settled.cycle.id, actor=settled.world.hub)
    assert report.discrepancies == []
    totals = report.totals
    assert totals["charges"] == totals["stripe_charges"] == 26976 + 8420 + 168 + 150
    assert totals["refunds"] == totals["stripe_refunds"] == 1480
    assert totals["payouts"] == totals["stripe_payouts"] == 17300 + 8420 - 1480
    assert totals["held"] == 9000 and totals["settled"] is False  # W's order is not delivered
    assert reconciliation.latest_report(session, settled.world.hub, settled.cycle.id).id == report.id


def test_only_the_hub_of_the_alliance_reconciles(session, settled, gateway):
    with pytest.raises(PermissionDeniedError):
        reconciliation.reconcile_cycle(session, gateway, settled.cycle.id, actor=settled.world.dx)
    with pytest.raises(NotFoundError):
        reconciliation.reconcile_cycle(session, gateway, settled.cycle.id, actor=settled.world.other_hub)


def test_a_charge_we_do_not_know_is_listed(session, settled, gateway):
    gateway._client.v1.payment_intents.create(params={
        "amount": 777, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
        "payment_method_types": ["card"], "transfer_group": f"cycle-{settled.cycle.id}"})
    report = reconciliation.reconcile_cycle(session, gateway, settled.cycle.id)
    assert kinds(report) == ["unknown_charge"] and report.discrepancies[0]["stripe"] == 777
    assert "$7.77" in report.discrepancies[0]["message"]


def test_a_paid_row_without_a_charge_and_an_amount_mismatch_are_listed(session, settled, gateway):
    charge = entry(session, EntryKind.CHARGE, member_id=settled.world.member_x.id)
    charge.stripe_id = "ch_we_made_this_up"
    other = entry(session, EntryKind.CHARGE, member_id=settled.world.member_y.id)
    other.amount_cents += 1
    session.flush()
    report = reconciliation.reconcile_cycle(session, gateway, settled.cycle.id)
    assert kinds(report) == ["amount_mismatch", "charge_missing_at_stripe", "unknown_charge"]


def test_refunds_transfers_and_reversals_missing_on_either_side_are_listed(session, settled, gateway, emu):
    client = gateway._client
    charge_y = entry(session, EntryKind.CHARGE, member_id=settled.world.member_y.id).stripe_id
    client.v1.refunds.create(params={"charge": charge_y, "amount": 100})  # made outside the app
    transfer = entry(session, EntryKind.TRANSFER, member_id=settled.world.member_x.id)
    client.v1.transfers.reversals.create(transfer.stripe_id, params={"amount": 50})
    client.v1.transfers.create(params={"amount": 200, "currency": "usd", "destination": emu.objects("account")[0]["id"],
                                       "source_transaction": charge_y, "transfer_group": f"cycle-{settled.cycle.id}"})
    refund = entry(session, EntryKind.REFUND)
    ledger.add_entry(session, refund.payment, EntryKind.REFUND, 300, vendor_id=refund.vendor_id, number=9,
                     status=EntryStatus.DONE, stripe_id="re_only_in_our_ledger")
    report = reconciliation.reconcile_cycle(session, gateway, settled.cycle.id)
    # Our extra refund is also more than the pair's part allows: over-refunded and overpaid.
    assert kinds(report) == ["over_refunded", "overpaid", "refund_missing_at_stripe", "unknown_refund",
                             "unknown_reversal", "unknown_transfer"]


def test_a_payment_stripe_never_answers_stays_listed_as_undecided(session, pw, gateway, emu):
    emu.inject_fault("POST", "/v1/payment_intents/*/confirm", "error_500", times=50)
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    report = reconciliation.reconcile_cycle(session, gateway, pw.cycle.id)
    assert kinds(report) == ["undecided_payment"]
    emu.clear_faults()
    assert reconciliation.reconcile_cycle(session, gateway, pw.cycle.id).discrepancies == []
    assert len(emu.objects("charge")) == 1


def test_stripe_down_is_said_plainly(session, settled, emu):
    emu.inject_fault("GET", "/v1/charges", "error_500", times=50)
    report = reconciliation.reconcile_cycle(session, make_gateway(emu, attempts=1), settled.cycle.id)
    assert kinds(report) == ["stripe_unavailable"]


def test_reconcile_all_covers_every_cycle_with_payments(session, settled, gateway):
    reports = reconciliation.reconcile_all(session, gateway)
    assert [r.cycle_id for r in reports] == [settled.cycle.id]
    assert session.scalars(select(ReconciliationReport)).all() == reports
