"""Directors pay their share: one PaymentIntent per share, the ledger to the cent, failures
told to the director, another method after a decline, bank debits, and no double charge."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import (
    CycleStatus,
    EntryKind,
    LedgerEntry,
    Notification,
    PaymentStatus,
    SharePayment,
)
from marketplace.payments import ledger
from marketplace.services import payment_outcomes, payments
from marketplace.services.payment_events import handle_event

X_AMOUNT = 26300 + 526 + 150  # goods + 2% + $1.50


def entries(session, payment_id):
    session.expire_all()
    return sorted((e.kind.value, e.amount_cents, e.status.value) for e in session.scalars(
        select(LedgerEntry).where(LedgerEntry.payment_id == payment_id)))


def test_paying_by_card_charges_goods_and_fee_once_in_the_cycle_group(session, pw, gateway, emu):
    payment = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    assert payment.status is PaymentStatus.PAID
    assert (payment.goods_cents, payment.fee_cents, payment.amount_cents) == (26300, 676, X_AMOUNT)
    [intent] = emu.objects("payment_intent")
    assert intent["amount"] == X_AMOUNT and intent["transfer_group"] == f"cycle-{pw.cycle.id}"
    assert intent["payment_method_types"] == ["card", "us_bank_account"]
    assert intent["metadata"]["share_payment_id"] == str(payment.id)
    [charge] = emu.objects("charge")
    assert payment.charge_id == charge["id"] and charge["status"] == "succeeded"
    assert entries(session, payment.id) == [("charge", X_AMOUNT, "done"), ("hub_fee", 676, "done")]
    totals = ledger.cycle_totals(session, pw.cycle.id)
    assert (totals.charges, totals.fees, totals.held) == (X_AMOUNT, 676, 26300)


def test_paying_again_is_refused_and_charges_nothing(session, pw, gateway, emu):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    with pytest.raises(ConflictError, match="paid already"):
        payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_mastercard")
    assert len(emu.objects("charge")) == 1


def test_a_declined_card_fails_the_share_tells_the_director_and_another_method_pays(session, pw, gateway, emu):
    failed = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_chargeDeclined")
    assert failed.status is PaymentStatus.FAILED and "declined" in failed.failure_message
    notes = session.scalars(select(Notification).where(Notification.user_id == pw.world.dx.id)).all()
    assert [n.kind for n in notes] == ["payment_failed"]
    assert notes[0].link == f"/payments/shares/{pw.share_x.id}" and "another card" in notes[0].body
    assert entries(session, failed.id) == []
    paid = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_mastercard")
    assert paid.status is PaymentStatus.PAID
    assert len(emu.objects("payment_intent")) == 1  # the same intent, confirmed again
    assert sorted(c["status"] for c in emu.objects("charge")) == ["failed", "succeeded"]
    assert [a.status.value for a in paid.attempts] == ["failed", "succeeded"]
    assert entries(session, paid.id) == [("charge", X_AMOUNT, "done"), ("hub_fee", 676, "done")]


def test_a_bank_debit_is_processing_until_the_bank_answers(session, pw, gateway, emu):
    payment = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_usBankAccount")
    assert payment.status is PaymentStatus.PROCESSING and entries(session, payment.id) == []
    with pytest.raises(ConflictError, match="in progress"):
        payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    emu.settle()
    [event] = emu.events("payment_intent.succeeded")
    assert handle_event(session, gateway, event) == "payment paid"
    assert entries(session, payment.id) == [("charge", X_AMOUNT, "done"), ("hub_fee", 676, "done")]


def test_a_bank_debit_that_bounces_fails_and_can_be_paid_by_card(session, pw, gateway, emu):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_usBankAccount_insufficientFunds")
    emu.settle()
    [event] = emu.events("payment_intent.payment_failed")
    handle_event(session, gateway, event)
    payment = session.scalars(select(SharePayment)).one()
    assert payment.status is PaymentStatus.FAILED
    assert payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa").status is PaymentStatus.PAID


def test_only_the_members_director_pays_and_only_a_finalized_approved_share(session, pw, gateway, emu):
    with pytest.raises(NotFoundError):
        payments.pay_share(session, pw.world.dy, gateway, pw.share_x.id, "pm_card_visa")
    with pytest.raises(NotFoundError):
        payments.pay_share(session, pw.world.dz, gateway, pw.share_x.id, "pm_card_visa")
    with pytest.raises(PermissionDeniedError):
        payments.pay_share(session, pw.world.hub, gateway, pw.share_x.id, "pm_card_visa")
    with pytest.raises(ValidationError):
        payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "tok_visa")
    pw.cycle.status = CycleStatus.PUBLISHED
    session.flush()
    with pytest.raises(ConflictError, match="finalized"):
        payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    assert emu.objects("payment_intent") == []


def test_a_database_failure_after_the_charge_never_charges_again(session, pw, gateway, emu, monkeypatch):
    real = payment_outcomes.apply_intent
    calls = []

    def crash_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(payments, "apply_intent", crash_once)
    with pytest.raises(RuntimeError):
        payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    session.rollback()
    payment = session.scalars(select(SharePayment)).one()
    assert payment.status is PaymentStatus.PENDING  # the key was stored before the call
    again = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    assert again.status is PaymentStatus.PAID
    assert len(emu.objects("payment_intent")) == 1 and len(emu.objects("charge")) == 1
    assert entries(session, again.id) == [("charge", X_AMOUNT, "done"), ("hub_fee", 676, "done")]


def test_a_fee_change_applies_to_new_payments_only(session, pw, gateway, emu):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    payments.set_fee(session, pw.world.hub, "0", "0")
    bill_x = payments.get_bill(session, pw.world.dx, pw.share_x.id)
    bill_y = payments.get_bill(session, pw.world.dy, pw.share_y.id)
    assert bill_x.quote.amount_cents == X_AMOUNT and bill_y.quote.amount_cents == 8420


def test_fee_input_is_checked_and_only_the_hub_sets_it(session, pw):
    with pytest.raises(ValidationError) as caught:
        payments.set_fee(session, pw.world.hub, "101", "-1")
    assert set(caught.value.field_errors) == {"percent", "fixed"}
    with pytest.raises(PermissionDeniedError):
        payments.set_fee(session, pw.world.dx, "1", "1")
    setting = payments.set_fee(session, pw.world.hub, "1.25%", "$2.00")
    assert (str(setting.percent), setting.fixed_cents) == ("1.25", 200)


def test_the_bill_list_shows_each_director_their_own_shares(session, pw):
    assert [b.share.id for b in payments.list_bills(session, pw.world.dx)] == [pw.share_x.id]
    assert {b.share.id for b in payments.list_bills(session, pw.world.hub)} == {pw.share_x.id, pw.share_y.id}
    assert payments.list_bills(session, pw.world.dz) == []
    assert all(b.can_pay for b in payments.list_bills(session, pw.world.hub))


def test_ledger_rows_have_unique_keys_made_from_our_ids(session, pw, gateway):
    payment = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    keys = [e.idempotency_key for e in session.scalars(select(LedgerEntry).where(LedgerEntry.payment_id == payment.id))]
    assert all(k.startswith(f"sharedbuy:share-{pw.share_x.id}:") for k in keys)
    assert payment.attempts[0].idempotency_key.endswith(":attempt-1")
    assert EntryKind.CHARGE.value in keys[0]


def test_the_demo_hub_keeps_a_fee_once(session, world):
    from types import SimpleNamespace

    from marketplace.models import HubFeeSetting

    context = SimpleNamespace(session=session, alliance=world.hub.organization.alliance)
    payments.seed_hub_fee(context)
    payments.seed_hub_fee(context)
    [setting] = session.scalars(select(HubFeeSetting)).all()
    assert (str(setting.percent), setting.fixed_cents) == ("1.50", 200)
