"""Customers, PaymentIntents (card and ACH), Charges and Refunds through the real stripe package."""

from __future__ import annotations

import time

import pytest
import stripe

from stripe_emulator import run_emulator

CARD_ONLY = {"payment_method_types": ["card"]}


def pay(client: stripe.StripeClient, method: str = "pm_card_visa", amount: int = 12_34,
        **extra: object) -> stripe.PaymentIntent:
    params = {"amount": amount, "currency": "usd", "payment_method": method, "confirm": True,
              "payment_method_types": ["card", "us_bank_account"], **extra}
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def test_customer_create_retrieve_update_and_list(client):
    created = client.v1.customers.create(params={
        "email": "director@sunrise.example", "name": "Sunrise Center",
        "metadata": {"member_id": "m-17", "site": "north"}})
    assert created.id.startswith("cus_") and created.object == "customer"
    assert created.livemode is False and created.created > 0

    updated = client.v1.customers.update(created.id, params={
        "name": "Sunrise ECE", "metadata": {"site": "", "tier": "gold"}})
    assert updated.name == "Sunrise ECE"
    assert updated.metadata.to_dict() == {"member_id": "m-17", "tier": "gold"}
    assert client.v1.customers.retrieve(created.id).name == "Sunrise ECE"

    client.v1.customers.create(params={"email": "other@example.org"})
    found = client.v1.customers.list(params={"email": "director@sunrise.example"})
    assert [c.id for c in found.data] == [created.id]


def test_missing_customer_is_a_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.retrieve("cus_doesnotexist")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


def test_card_payment_succeeds_with_a_charge_in_the_transfer_group(client):
    customer = client.v1.customers.create(params={"email": "a@example.org"})
    pi = pay(client, customer=customer.id, transfer_group="cycle_42",
             metadata={"share_id": "s-9"}, expand=["latest_charge"])
    assert pi.id.startswith("pi_") and pi.status == "succeeded"
    assert pi.amount_received == 12_34 and pi.customer == customer.id
    charge = pi.latest_charge
    assert charge.id.startswith("ch_") and charge.status == "succeeded" and charge.paid
    assert charge.amount == 12_34 and charge.transfer_group == "cycle_42"
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.metadata.to_dict() == {"share_id": "s-9"}
    listed = client.v1.charges.list(params={"transfer_group": "cycle_42"})
    assert [c.id for c in listed.data] == [charge.id]
    assert client.v1.charges.list(params={"payment_intent": pi.id}).data[0].id == charge.id


@pytest.mark.parametrize(("method", "decline_code"), [
    ("pm_card_chargeDeclined", "generic_decline"),
    ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
])
def test_declined_card_raises_card_error_and_leaves_the_intent_retryable(client, method,
                                                                         decline_code):
    with pytest.raises(stripe.CardError) as caught:
        pay(client, method)
    error = caught.value
    assert error.http_status == 402 and error.code == "card_declined"
    assert error.error.decline_code == decline_code
    pi = client.v1.payment_intents.retrieve(error.error.payment_intent.id)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.decline_code == decline_code
    assert client.v1.charges.retrieve(pi.latest_charge).status == "failed"

    retried = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_mastercard"})
    assert retried.status == "succeeded" and retried.latest_charge != pi.latest_charge


def test_two_step_payment_and_confirming_twice_is_refused(client):
    pi = client.v1.payment_intents.create(params={"amount": 5000, "currency": "usd", **CARD_ONLY})
    assert pi.status == "requires_payment_method" and pi.client_secret.startswith(pi.id)
    pi = client.v1.payment_intents.update(pi.id, params={"payment_method": "pm_card_visa"})
    assert pi.status == "requires_confirmation"
    assert client.v1.payment_intents.confirm(pi.id).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(pi.id)
    assert caught.value.code == "payment_intent_unexpected_state"


def test_cancel_and_list_filtered_by_customer_with_pagination(client):
    customer = client.v1.customers.create()
    ids = [client.v1.payment_intents.create(params={
        "amount": 100 + i, "currency": "usd", "customer": customer.id, **CARD_ONLY}).id
        for i in range(3)]
    client.v1.payment_intents.create(params={"amount": 999, "currency": "usd", **CARD_ONLY})
    canceled = client.v1.payment_intents.cancel(ids[0], params={"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled" and canceled.canceled_at is not None

    first = client.v1.payment_intents.list(params={"customer": customer.id, "limit": 2})
    assert [p.id for p in first.data] == ids[::-1][:2] and first.has_more
    every = client.v1.payment_intents.list(params={"customer": customer.id, "limit": 1})
    assert [p.id for p in every.auto_paging_iter()] == ids[::-1]


def test_ach_debit_goes_processing_then_succeeds_when_settled(emu, client):
    pi = pay(client, "pm_usBankAccount")
    assert pi.status == "processing"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.status == "pending" and charge.payment_method_details.type == "us_bank_account"
    assert [e["type"] for e in emu.events()][-1] == "payment_intent.processing"

    assert emu.settle() == [pi.id]
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
    assert client.v1.charges.retrieve(pi.latest_charge).status == "succeeded"
    assert [e["type"] for e in emu.events()][-2:] == ["charge.succeeded",
                                                      "payment_intent.succeeded"]


def test_ach_debit_can_fail_after_processing(emu, client):
    pi = pay(client, "pm_usBankAccount_insufficientFunds")
    assert pi.status == "processing"
    emu.settle(pi.id)
    failed = client.v1.payment_intents.retrieve(pi.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "insufficient_funds"
    assert emu.events("payment_intent.payment_failed")[0]["data"]["object"]["id"] == pi.id


def test_ach_settles_by_itself_when_configured(client_for):
    with run_emulator(ach_settle_seconds=0.05) as emu:
        client = client_for(emu)
        pi = pay(client, "pm_usBankAccount")
        deadline = time.monotonic() + 5
        while client.v1.payment_intents.retrieve(pi.id).status == "processing":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_bank_account_created_from_stripes_test_account_number(client):
    pm = client.v1.payment_methods.create(params={
        "type": "us_bank_account", "billing_details": {"name": "Jenny Rosen"},
        "us_bank_account": {"routing_number": "110000000", "account_number": "000123456789",
                            "account_holder_type": "company"}})
    assert pm.us_bank_account.last4 == "6789" and pm.us_bank_account.account_holder_type == "company"
    assert pay(client, pm.id).status == "processing"


def test_payment_method_type_must_be_allowed_and_redirects_need_a_return_url(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={
            "amount": 1000, "currency": "usd", "payment_method": "pm_usBankAccount",
            "confirm": True, **CARD_ONLY})
    assert caught.value.code == "payment_intent_incompatible_payment_method"
    with pytest.raises(stripe.InvalidRequestError, match="return_url"):
        client.v1.payment_intents.create(params={
            "amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True})
    ok = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})
    assert ok.status == "succeeded"


def test_amount_validation(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.create(params={"currency": "usd"})  # type: ignore[typeddict-item]
    assert missing.value.code == "parameter_missing" and missing.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as small:
        client.v1.payment_intents.create(params={"amount": 49, "currency": "usd"})
    assert small.value.code == "amount_too_small"


def test_partial_then_full_refund_updates_the_charge(client):
    pi = pay(client, amount=10_00)
    first = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 2_50,
                                             "metadata": {"shortage": "milk"}})
    assert first.id.startswith("re_") and first.amount == 2_50 and first.status == "succeeded"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 2_50 and charge.refunded is False
    rest = client.v1.refunds.create(params={"charge": charge.id})
    assert rest.amount == 7_50
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 10_00 and charge.refunded is True
    listed = client.v1.refunds.list(params={"payment_intent": pi.id})
    assert [r.id for r in listed.data] == [rest.id, first.id]


def test_refunding_more_than_charged_is_a_400(client):
    pi = pay(client, amount=10_00)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 10_01})
    assert caught.value.http_status == 400 and caught.value.code == "amount_too_large"
    client.v1.refunds.create(params={"payment_intent": pi.id})
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 1})
    assert again.value.code == "charge_already_refunded"
    assert client.v1.charges.retrieve(pi.latest_charge).amount_refunded == 10_00


def test_saved_payment_methods_belong_to_one_customer(client):
    alice = client.v1.customers.create(params={"payment_method": "pm_card_mastercard"})
    bob = client.v1.customers.create()
    saved = client.v1.customers.payment_methods.list(alice.id).data
    assert [pm.card.brand for pm in saved] == ["mastercard"] and saved[0].customer == alice.id
    paid = pay(client, saved[0].id, customer=alice.id)
    assert paid.status == "succeeded" and paid.payment_method == saved[0].id
    with pytest.raises(stripe.InvalidRequestError, match="attached to a Customer"):
        pay(client, saved[0].id, customer=bob.id)
    detached = client.v1.payment_methods.detach(saved[0].id)
    assert detached.customer is None
    assert client.v1.customers.payment_methods.list(alice.id).data == []
