"""The webhook matrix: forged, altered, stale and unsigned requests are refused; duplicates
and out-of-order events never have a second effect; events settle what answers lost."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from marketplace.models import (
    AttemptStatus,
    EntryKind,
    EntryStatus,
    LedgerEntry,
    PaymentStatus,
    SharePayment,
    WebhookEvent,
)
from marketplace.services import payments, payouts
from tests.payments.conftest import WEBHOOK_SECRET, make_gateway
from tests.payments.factories import deliver, onboard

URL = "/payments/webhook"


@pytest.fixture
def hooks(app, gateway, client):
    app.extensions["sharedbuy.payments"] = gateway
    yield client
    app.extensions["sharedbuy.payments"] = None


def post(client, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.raw.post(URL, data=body, headers=headers)


def send(client, emu, event_id, *, secret=WEBHOOK_SECRET, timestamp=None):
    body, signature = emu.signed_payload(event_id, secret, timestamp)
    return post(client, body, signature)


def counts(session):
    session.expire_all()
    return (session.scalar(select(func.count(LedgerEntry.id))),
            session.scalar(select(func.count(WebhookEvent.id))))


def ach_payment(session, pw, gateway, emu):
    payment = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_usBankAccount")
    emu.settle()
    return payment, emu.events("payment_intent.succeeded")[0]


@pytest.mark.parametrize("tamper", ["forged", "altered", "stale", "unsigned", "garbage"])
def test_requests_that_do_not_verify_are_refused_without_effect(hooks, session, pw, gateway, emu, tamper):
    payment, event = ach_payment(session, pw, gateway, emu)
    body, signature = emu.signed_payload(event["id"], WEBHOOK_SECRET)
    if tamper == "forged":
        body, signature = emu.signed_payload(event["id"], "whsec_someone_else")
    elif tamper == "altered":
        body = body.replace(b'"amount": 26976', b'"amount": 1')
        assert b'"amount": 1,' in body
    elif tamper == "stale":
        body, signature = emu.signed_payload(event["id"], WEBHOOK_SECRET, int(time.time()) - 3600)
    elif tamper == "unsigned":
        signature = None
    else:
        body, signature = b"not json", "t=1,v1=00"
    response = post(hooks, body, signature)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_signature"
    assert counts(session) == (0, 0)
    assert session.get(SharePayment, payment.id).status is PaymentStatus.PROCESSING


def test_a_verified_event_has_its_effect_once_however_often_it_comes(hooks, session, pw, gateway, emu):
    payment, event = ach_payment(session, pw, gateway, emu)
    first = send(hooks, emu, event["id"])
    assert first.status_code == 200 and first.get_json()["outcome"] == "payment paid"
    assert counts(session) == (2, 1)  # the charge and the hub fee
    for _ in range(3):
        again = send(hooks, emu, event["id"])  # a fresh signature each time, as Stripe's retries
        assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert counts(session) == (2, 1)
    assert session.get(SharePayment, payment.id).status is PaymentStatus.PAID


def test_the_webhook_is_the_one_post_without_a_csrf_token(hooks, session, pw, gateway, emu):
    _payment, event = ach_payment(session, pw, gateway, emu)
    body, signature = emu.signed_payload(event["id"], WEBHOOK_SECRET)
    response = post(hooks, body, signature)  # no csrf_token anywhere: accepted on its signature
    assert response.status_code == 200


def test_out_of_order_events_never_undo_a_payment(hooks, session, pw, gateway, emu):
    # A bank debit bounces, then a card pays; Stripe delivers in the worst order.
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_usBankAccount_noAccount")
    emu.settle()
    payments.resume_payment(session, gateway, session.scalars(select(SharePayment.id)).one())
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    wanted = ("payment_intent.processing", "payment_intent.payment_failed", "payment_intent.succeeded")
    events = [e for e in emu.events() if e["type"] in wanted]
    assert [e["type"] for e in events] == list(wanted)
    for event in reversed(events):
        assert send(hooks, emu, event["id"]).status_code == 200
    payment = session.scalars(select(SharePayment)).one()
    session.refresh(payment)
    assert payment.status is PaymentStatus.PAID
    assert [a.status for a in payment.attempts] == [AttemptStatus.FAILED, AttemptStatus.SUCCEEDED]
    charges = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.CHARGE)).all()
    assert len(charges) == 1 and charges[0].stripe_id == emu.events("payment_intent.succeeded")[0]["data"][
        "object"]["latest_charge"]


def test_events_arriving_before_the_answer_settle_the_payment_and_the_answer_changes_nothing(
        hooks, session, pw, gateway, emu):
    # The confirmation's answer is lost (and our retries give up): the webhook tells first.
    emu.inject_fault("POST", "/v1/payment_intents/*/confirm", "timeout_after_commit")
    payment = payments.pay_share(session, pw.world.dx, make_gateway(emu, attempts=1), pw.share_x.id,
                                 "pm_card_visa")
    assert payment.status is PaymentStatus.PENDING
    [event] = emu.events("payment_intent.succeeded")
    assert send(hooks, emu, event["id"]).get_json()["outcome"] == "payment paid"
    resumed = payments.resume_payment(session, gateway, payment.id)  # the answer, at last
    assert resumed.status is PaymentStatus.PAID and counts(session)[0] == 2
    assert len(emu.objects("charge")) == 1


def test_refund_and_transfer_events_settle_calls_whose_answers_were_lost(hooks, session, pw, gateway, emu):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    deliver(session, pw.po_v, {pw.world.member_x.id: 1})
    emu.inject_fault("POST", "/v1/refunds", "timeout_after_commit")
    emu.inject_fault("POST", "/v1/transfers", "timeout_after_commit")
    lossy = make_gateway(emu, attempts=1)
    payouts.run_payouts(session, lossy)  # the refund's answer is lost
    payouts.run_payouts(session, lossy)  # resumed and answered; the transfer's answer is lost
    session.expire_all()
    states = dict(session.execute(select(LedgerEntry.kind, LedgerEntry.status).where(
        LedgerEntry.kind.in_([EntryKind.REFUND, EntryKind.TRANSFER]))).all())
    assert states == {EntryKind.REFUND: EntryStatus.DONE, EntryKind.TRANSFER: EntryStatus.PENDING}
    [created] = emu.events("transfer.created")
    assert send(hooks, emu, created["id"]).get_json()["outcome"] == "settled 1"
    transfer = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.TRANSFER)).one()
    session.refresh(transfer)
    assert transfer.status is EntryStatus.DONE and transfer.stripe_id == created["data"]["object"]["id"]
    [refunded] = emu.events("charge.refunded")
    assert send(hooks, emu, refunded["id"]).get_json()["outcome"] == "nothing pending"
    assert payouts.run_payouts(session, gateway).total_done == 0
    assert len(emu.objects("transfer")) == 1 and len(emu.objects("refund")) == 1


def test_a_pending_refund_is_settled_by_charge_refunded(hooks, session, pw, gateway, emu):
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    deliver(session, pw.po_w, {pw.world.member_x.id: 5})
    emu.inject_fault("POST", "/v1/refunds", "timeout_after_commit")
    payouts.run_payouts(session, make_gateway(emu, attempts=1))
    [refunded] = emu.events("charge.refunded")
    assert send(hooks, emu, refunded["id"]).get_json()["outcome"] == "settled 1"
    entry = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REFUND)).one()
    session.refresh(entry)
    assert (entry.status, entry.amount_cents) == (EntryStatus.DONE, 2250)
    [refund_created] = emu.events("refund.created")
    assert send(hooks, emu, refund_created["id"]).get_json()["outcome"] == "settled 0"


def test_an_event_for_something_we_never_made_is_acknowledged_and_ignored(hooks, session, pw, gateway, emu):
    client = gateway._client
    client.v1.payment_intents.create(params={"amount": 5000, "currency": "usd", "confirm": True,
                                             "payment_method": "pm_card_visa", "payment_method_types": ["card"]})
    [event] = emu.events("payment_intent.succeeded")
    response = send(hooks, emu, event["id"])
    assert response.status_code == 200 and response.get_json()["outcome"].startswith("ignored")
    assert counts(session) == (0, 1)
    assert json.loads(emu.signed_payload(event["id"], WEBHOOK_SECRET)[0])["id"] == event["id"]


def test_a_success_for_an_intent_whose_creation_answer_was_lost_is_matched_by_its_metadata(
        hooks, session, pw, gateway, emu):
    emu.inject_fault("POST", "/v1/payment_intents", "timeout_after_commit")
    payment = payments.pay_share(session, pw.world.dx, make_gateway(emu, attempts=1), pw.share_x.id,
                                 "pm_card_visa")
    assert payment.status is PaymentStatus.PENDING and payment.payment_intent_id is None
    [intent] = emu.objects("payment_intent")
    gateway._client.v1.payment_intents.confirm(intent["id"], params={"payment_method": "pm_card_visa"})
    [event] = emu.events("payment_intent.succeeded")
    assert send(hooks, emu, event["id"]).get_json()["outcome"] == "payment paid"
    resumed = payments.resume_payment(session, gateway, payment.id)
    assert resumed.status is PaymentStatus.PAID and resumed.payment_intent_id == intent["id"]
    assert len(emu.objects("payment_intent")) == 1 and len(emu.objects("charge")) == 1
    assert counts(session)[0] == 2
