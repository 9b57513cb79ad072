"""Injected faults against stripe's own retries: never more than one object per key."""

from __future__ import annotations

import pytest
import requests
import stripe

PI_PARAMS = {"amount": 15_00, "currency": "usd", "payment_method": "pm_card_visa",
             "confirm": True, "payment_method_types": ["card"], "transfer_group": "cycle_9"}
ALL_FAULTS = ["error_500", "error_409", "reset", "timeout_after_commit", "reset_after_commit"]


def onboarded_vendor(emu, client: stripe.StripeClient) -> str:
    account = client.v1.accounts.create(params={"type": "express"})
    emu.onboard(account.id)
    return account.id


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_fault_on_payment_intent_create_yields_exactly_one_payment(emu, client_for, fault):
    emu.inject_fault("POST", "/v1/payment_intents", fault)
    pi = client_for(emu, retries=2).v1.payment_intents.create(params=PI_PARAMS)
    assert pi.status == "succeeded"
    assert emu.state()["faults"] == []  # the fault fired
    committed_first = fault.endswith("after_commit")
    assert (pi.last_response.headers.get("Idempotent-Replayed") == "true") == committed_first
    assert len(emu.objects("payment_intent")) == 1 and len(emu.objects("charge")) == 1


@pytest.mark.parametrize("fault", ["error_500", "timeout_after_commit", "reset_after_commit"])
def test_fault_on_confirm_yields_exactly_one_charge(emu, client_for, fault):
    client = client_for(emu, retries=2)
    pi = client.v1.payment_intents.create(params={**PI_PARAMS, "confirm": False})
    emu.inject_fault("POST", "/v1/payment_intents/*/confirm", fault)
    assert client.v1.payment_intents.confirm(pi.id).status == "succeeded"
    assert emu.state()["faults"] == []
    assert len(emu.objects("charge")) == 1


@pytest.mark.parametrize("fault", ["error_500", "reset", "timeout_after_commit"])
def test_fault_on_transfer_create_yields_exactly_one_transfer(emu, client_for, fault):
    client = client_for(emu, retries=2)
    charge = client.v1.payment_intents.create(params=PI_PARAMS).latest_charge
    vendor = onboarded_vendor(emu, client)
    emu.inject_fault("POST", "/v1/transfers", fault)
    transfer = client.v1.transfers.create(params={
        "amount": 10_00, "currency": "usd", "destination": vendor, "source_transaction": charge})
    assert transfer.amount == 10_00 and emu.state()["faults"] == []
    assert len(emu.objects("transfer")) == 1


def test_timeout_after_commit_without_retries_leaves_the_object_for_a_same_key_retry(emu,
                                                                                      client_for):
    client = client_for(emu, retries=0)
    emu.inject_fault("POST", "/v1/payment_intents", "timeout_after_commit")
    options = {"idempotency_key": "share-77-attempt-1"}
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.create(params=PI_PARAMS, options=options)
    assert len(emu.objects("payment_intent")) == 1  # the charge happened all the same
    recovered = client.v1.payment_intents.create(params=PI_PARAMS, options=options)
    assert recovered.id == emu.objects("payment_intent")[0]["id"]
    assert len(emu.objects("payment_intent")) == 1


def test_stall_past_the_client_timeout_then_retry_gets_the_stored_result(emu, client_for):
    client = client_for(emu, retries=1, timeout=0.3)
    emu.inject_fault("POST", "/v1/payment_intents", "timeout_after_commit", delay=0.8)
    pi = client.v1.payment_intents.create(params=PI_PARAMS)
    assert pi.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(emu.objects("payment_intent")) == 1


def test_rate_limit_429_is_not_retried_by_stripe_python_but_a_same_key_retry_works(emu,
                                                                                   client_for):
    client = client_for(emu, retries=3)
    emu.inject_fault("POST", "/v1/payment_intents", "error_429")
    options = {"idempotency_key": "share-5"}
    with pytest.raises(stripe.RateLimitError) as caught:
        client.v1.payment_intents.create(params=PI_PARAMS, options=options)
    assert caught.value.http_status == 429 and caught.value.error.code == "rate_limit"
    assert emu.objects("payment_intent") == []
    assert client.v1.payment_intents.create(params=PI_PARAMS, options=options).status == "succeeded"
    assert len(emu.objects("payment_intent")) == 1


def test_lock_timeout_429_asks_stripe_python_to_retry(emu, client_for):
    emu.inject_fault("POST", "/v1/payment_intents", "error_429", code="lock_timeout")
    pi = client_for(emu, retries=1).v1.payment_intents.create(params=PI_PARAMS)
    assert pi.status == "succeeded" and len(emu.objects("payment_intent")) == 1


def test_fault_fires_only_the_given_number_of_times(emu, client_for):
    emu.inject_fault("POST", "/v1/customers", "error_500", times=2)
    client = client_for(emu, retries=0)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.customers.create()
    assert client.v1.customers.create().id.startswith("cus_")
    assert len(emu.objects("customer")) == 1


def test_control_api_over_http(emu, client):
    with requests.post(f"{emu.url}/_emulator/faults", timeout=5, json={
            "method": "POST", "path": "/v1/customers", "fault": "error_500"}) as armed:
        assert armed.status_code == 200 and armed.json()["id"].startswith("flt_")
    with pytest.raises(stripe.APIError):
        client.v1.customers.create()
    client.v1.customers.create()
    with requests.get(f"{emu.url}/_emulator/state", timeout=5) as state:
        assert state.json()["counts"]["customer"] == 1
    with requests.post(f"{emu.url}/_emulator/faults", timeout=5, json={"fault": "boom"}) as bad:
        assert bad.status_code == 400
    with requests.post(f"{emu.url}/_emulator/reset", timeout=5) as reset:
        assert reset.json() == {"reset": True}
    assert client.v1.customers.list().data == []
