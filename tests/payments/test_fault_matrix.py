"""The fault matrix: every fault the emulator injects, on PaymentIntent create, on confirm and
on Transfer create, once (our retries absorb it) and five times in a row (our retries give up,
the answer is lost): never more than one PaymentIntent or successful charge per share, never
more than one transfer per share and vendor, and after reconciliation no share is undecided,
both sides agree and the cycle's ledger identity holds to the cent."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from marketplace.models import EntryStatus, LedgerEntry, PaymentStatus, SharePayment
from marketplace.payments import ledger
from marketplace.services import payments, payouts, reconciliation
from tests.payments.factories import deliver, onboard

FAULTS = ["error_500", "error_409", "error_429", "reset", "timeout_after_commit", "reset_after_commit"]
ENDPOINTS = {"intent_create": "/v1/payment_intents", "intent_confirm": "/v1/payment_intents/*/confirm",
             "transfer_create": "/v1/transfers"}


def stripe_counts(emu):
    intents = Counter(pi["metadata"].get("share_payment_id") for pi in emu.objects("payment_intent"))
    charges = Counter(c["payment_intent"] for c in emu.objects("charge") if c["status"] == "succeeded")
    transfers = Counter((t["source_transaction"], t["destination"]) for t in emu.objects("transfer"))
    return intents, charges, transfers


@pytest.mark.parametrize("times", [1, 5], ids=["absorbed", "answer-lost"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("fault", FAULTS)
def test_faults_never_pay_twice_and_reconciliation_decides_everything(session, pw, gateway, emu, fault, endpoint,
                                                                      times):
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    onboard(session, gateway, emu, pw.vendor_w.id)
    deliver(session, pw.po_v, {pw.world.member_y.id: 1})
    deliver(session, pw.po_w)
    emu.inject_fault("POST", ENDPOINTS[endpoint], fault, times=times)
    for director, share in ((pw.world.dx, pw.share_x), (pw.world.dy, pw.share_y)):
        payments.pay_share(session, director, gateway, share.id, "pm_card_visa")
    payouts.run_payouts(session, gateway)
    emu.clear_faults()

    report = reconciliation.reconcile_cycle(session, gateway, pw.cycle.id)
    session.expire_all()
    statuses = {p.share_id: p.status for p in session.scalars(select(SharePayment))}
    assert statuses == {pw.share_x.id: PaymentStatus.PAID, pw.share_y.id: PaymentStatus.PAID}
    assert session.scalars(select(LedgerEntry).where(LedgerEntry.status == EntryStatus.PENDING)).all() == []
    assert [d["kind"] for d in report.discrepancies] == []

    payouts.run_payouts(session, gateway)  # whatever a lost answer held back, then check again
    final = reconciliation.reconcile_cycle(session, gateway, pw.cycle.id)
    assert final.discrepancies == [] and final.totals["settled"] is True
    intents, charges, transfers = stripe_counts(emu)
    assert sorted(intents.values()) == [1, 1] and sorted(charges.values()) == [1, 1]
    assert len(transfers) == 3 and set(transfers.values()) == {1}
    totals = ledger.cycle_totals(session, pw.cycle.id)
    assert totals.held == 0 and totals.refunds == 1480
    assert totals.charges == totals.payouts + totals.fees + totals.refunds
