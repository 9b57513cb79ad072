"""Correcting a delivery report once money moved: the vendor and director until the payout, the
hub after it; more missing is refunded (and reversed from the vendor), a refund made is never
taken back; the ledger identity holds throughout."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import ConflictError
from marketplace.models import DeliveryStatus, EntryKind, EntryStatus, LedgerEntry
from marketplace.payments import ledger
from marketplace.services import delivery_corrections as corrections
from marketplace.services import payments, payouts
from tests.payments.factories import deliver, onboard


def done(session, kind):
    session.expire_all()
    return sorted(e.amount_cents for e in session.scalars(select(LedgerEntry).where(
        LedgerEntry.kind == kind, LedgerEntry.status == EntryStatus.DONE)))


def x_drop(pw):
    drop = next(d for d in pw.po_v.deliveries if d.member_id == pw.world.member_x.id)
    line = pw.line(pw.po_v, pw.world.member_x.id)
    return drop, line


def received(line, missing):
    return {line.id: line.packs - missing}


@pytest.fixture
def paid(session, pw, gateway, emu):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    payments.pay_share(session, pw.world.dy, gateway, pw.share_y.id, "pm_card_visa")
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    return pw


def test_before_the_payout_the_vendor_corrects_and_the_refund_follows(session, paid, gateway):
    pw = paid
    deliver(session, pw.po_v, {pw.world.member_x.id: 2})  # 2 x 14.80 reported missing
    drop, line = x_drop(pw)
    corrections.correct_delivery(session, pw.world.vendor, drop.id, received(line, 1), reason="one crate was found")
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.REFUND) == [1480] and done(session, EntryKind.TRANSFER) == sorted([17300 - 1480, 8420])
    totals = ledger.cycle_totals(session, pw.cycle.id)
    assert totals.charges == totals.payouts + totals.fees + totals.refunds + totals.held


def test_after_the_payout_only_the_hub_corrects_and_never_takes_a_refund_back(session, paid, gateway, emu):
    pw = paid
    deliver(session, pw.po_v, {pw.world.member_x.id: 2})
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.REFUND) == [2960]
    drop, line = x_drop(pw)
    for clerk in (pw.world.vendor, pw.world.dx):
        window = corrections.correction_window(session, clerk, drop)
        assert not window.allowed and "ask the hub" in window.why_not
        with pytest.raises(ConflictError, match="ask the hub"):
            corrections.correct_delivery(session, clerk, drop.id, received(line, 3), reason="recount")
    # The hub: one more pack was missing. The vendor was paid already: reversed, then refunded.
    corrections.correct_delivery(session, pw.world.hub, drop.id, received(line, 3), reason="signed sheet says 7")
    summary = payouts.run_payouts(session, gateway)
    assert summary.done == {"reversal": 1, "refund": 1}
    assert done(session, EntryKind.REFUND) == [1480, 2960] and done(session, EntryKind.REVERSAL) == [1480]
    # Lowering the shortage below what the member got back is refused, and nothing is stored.
    with pytest.raises(ConflictError, match=r"already been refunded \$44\.40.*owed \$14\.80"):
        corrections.correct_delivery(session, pw.world.hub, drop.id, received(line, 1), reason="found two crates")
    session.expire_all()
    assert (line.shortage_packs, drop.status) == (3, DeliveryStatus.SHORT)
    assert payouts.run_payouts(session, gateway).total_done == 0
    assert len(emu.objects("refund")) == 2
    totals = ledger.cycle_totals(session, pw.cycle.id)
    assert totals.charges == totals.payouts + totals.fees + totals.refunds + totals.held


def test_an_unpaid_share_can_be_corrected_either_way(session, pw):
    deliver(session, pw.po_v, {pw.world.member_x.id: 2})
    drop, line = x_drop(pw)
    corrections.correct_delivery(session, pw.world.dx, drop.id, received(line, 0), reason="all there")
    assert drop.status is DeliveryStatus.RECEIVED and line.shortage_cents == 0
