"""A delivery correction that lands while the payout job runs, between the run's plan and its
Stripe calls: every call acts on the corrected counts (a smaller refund, a larger one, the hub's
fee kept), never on the plan's. The correction is made by another session, as another request
would, so the job's session still holds the old counts; on PostgreSQL, in another connection
committed for real."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import migrate
from marketplace.db import make_engine, make_session_factory
from marketplace.models import EntryKind, EntryStatus, LedgerEntry, User
from marketplace.payments import ledger
from marketplace.services import delivery_corrections as corrections
from marketplace.services import payments, payouts
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    postgres_base_url,
    require_service,
)
from tests.factories import build_world
from tests.payments.factories import build_pay_world, deliver, onboard


def done(session, kind, cycle_id):
    session.expire_all()
    return sorted(e.amount_cents for e in session.scalars(select(LedgerEntry).where(
        LedgerEntry.cycle_id == cycle_id, LedgerEntry.kind == kind, LedgerEntry.status == EntryStatus.DONE)))


def assert_identity(session, cycle_id, *, held):
    totals = ledger.cycle_totals(session, cycle_id)
    assert totals.charges == totals.payouts + totals.fees + totals.refunds + totals.held
    assert totals.held == held


def correct_after_planning(monkeypatch, correct):
    """Run ``correct()`` once the payout job has made its plan, before its first Stripe call."""
    plan, pending = payouts.payout_plan, [correct]

    def planned_then_corrected(session, cycle_id):
        targets = plan(session, cycle_id)
        if pending:  # once: the correction itself plans too, to refuse undoing a refund
            pending.pop()()
        return targets

    monkeypatch.setattr(payouts, "payout_plan", planned_then_corrected)


def recount(session_factory, user_id, delivery_id, received, reason="recounted"):
    """A correction from another session (another request), committed there."""
    def correct():
        with session_factory() as other:
            corrections.correct_delivery(other, other.get_one(User, user_id), delivery_id, received, reason=reason)
    return correct


@pytest.fixture
def paid(session, pw, gateway, emu):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    payments.pay_share(session, pw.world.dy, gateway, pw.share_y.id, "pm_card_visa")
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    onboard(session, gateway, emu, pw.vendor_w.id)
    return pw


@pytest.fixture
def other_session(connection):
    """Sessions of another request, on the test's transaction (savepoints), sharing no rows."""
    def make():
        return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    return make


def x_delivery(pw, po):
    return next(d for d in po.deliveries if d.member_id == pw.world.member_x.id), pw.line(po, pw.world.member_x.id)


def test_a_correction_lowering_the_shortage_after_the_plan_refunds_the_corrected_amount(
        session, paid, gateway, emu, monkeypatch, other_session):
    pw = paid
    deliver(session, pw.po_v, {pw.world.member_x.id: 2})  # planned: 2 x 14.80 back to X
    drop, line = x_delivery(pw, pw.po_v)
    correct_after_planning(monkeypatch, recount(other_session, pw.world.vendor.id, drop.id, {line.id: 9}))
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.REFUND, pw.cycle.id) == [1480]  # one pack was found, not two
    assert [r["amount"] for r in emu.objects("refund")] == [1480]
    assert done(session, EntryKind.TRANSFER, pw.cycle.id) == sorted([17300 - 1480, 8420])
    assert_identity(session, pw.cycle.id, held=9000)  # W's order is not delivered
    assert payouts.run_payouts(session, gateway).total_done == 0


def test_a_correction_raising_the_shortage_after_the_plan_refunds_all_of_it(
        session, paid, gateway, emu, monkeypatch, other_session):
    pw = paid
    deliver(session, pw.po_v, {pw.world.member_x.id: 1})
    drop, line = x_delivery(pw, pw.po_v)
    correct_after_planning(monkeypatch, recount(other_session, pw.world.dx.id, drop.id, {line.id: 7}))
    summary = payouts.run_payouts(session, gateway)
    assert summary.done == {"refund": 1, "transfer": 2}
    assert [r["amount"] for r in emu.objects("refund")] == [3 * 1480]
    assert done(session, EntryKind.TRANSFER, pw.cycle.id) == sorted([17300 - 3 * 1480, 8420])
    assert_identity(session, pw.cycle.id, held=9000)


def test_the_fee_is_kept_when_a_correction_after_the_plan_says_something_came(
        session, paid, gateway, emu, monkeypatch, other_session):
    pw = paid
    x = pw.world.member_x.id
    deliver(session, pw.po_v, {x: 10})
    deliver(session, pw.po_w, {x: 20})  # planned: nothing came to X, its fee goes back too
    assert [f.payment_id for f in payouts.fee_refund_plan(session, pw.cycle.id)] == [
        payments.get_bill(session, pw.world.dx, pw.share_x.id).payment.id]
    drop, line = x_delivery(pw, pw.po_w)
    correct_after_planning(monkeypatch, recount(other_session, pw.vendor_w_user.id, drop.id, {line.id: 5},
                                                "five gallons were left at the back door"))
    payouts.run_payouts(session, gateway)
    assert done(session, EntryKind.FEE_REFUND, pw.cycle.id) == []  # X received something: the fee is kept
    assert done(session, EntryKind.REFUND, pw.cycle.id) == sorted([14800 + 2500, 15 * 450])
    assert sorted(r["amount"] for r in emu.objects("refund")) == sorted([14800 + 2500, 15 * 450])
    assert_identity(session, pw.cycle.id, held=0)


@pytest.mark.postgres
def test_on_postgresql_a_correction_committed_by_another_connection_after_the_plan_counts(emu, gateway,
                                                                                        monkeypatch):
    base = postgres_base_url()
    require_service(base is not None, "PostgreSQL",
                    "set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/sharedbuy_test")
    url = create_postgres_database(base, "payrace")
    engine = None
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as setup:
            pw = build_pay_world(setup, build_world(setup))
            setup.commit()
            payments.pay_share(setup, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
            payments.pay_share(setup, pw.world.dy, gateway, pw.share_y.id, "pm_card_visa")
            onboard(setup, gateway, emu, pw.world.vendor_org.id)
            deliver(setup, pw.po_v, {pw.world.member_x.id: 2})
            setup.commit()
            drop, line = x_delivery(pw, pw.po_v)
            cycle_id, hub_id, drop_id, line_id = pw.cycle.id, pw.world.hub.id, drop.id, line.id
        with factory() as job:
            correct_after_planning(monkeypatch, recount(factory, hub_id, drop_id, {line_id: 10}))
            payouts.run_payouts(job, gateway)
            assert done(job, EntryKind.REFUND, cycle_id) == [] and emu.objects("refund") == []
            assert done(job, EntryKind.TRANSFER, cycle_id) == sorted([17300, 8420])
            assert_identity(job, cycle_id, held=9000)
    finally:
        if engine is not None:
            engine.dispose()
        drop_postgres_database(url)
