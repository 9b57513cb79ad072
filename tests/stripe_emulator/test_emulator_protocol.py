"""Wire protocol: auth, form encoding, errors, expansion, ids, module-level config, the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
import stripe

from stripe_emulator import run_emulator


def test_requests_without_a_test_key_are_401(emu, client_for):
    with requests.get(f"{emu.url}/v1/customers", timeout=5) as anonymous:
        assert anonymous.status_code == 401
        assert set(anonymous.json()["error"]) >= {"type", "code", "message", "param"}
    with pytest.raises(stripe.AuthenticationError):
        client_for(emu, api_key="sk_live_not_here").v1.customers.list()


def test_curl_style_form_encoding_with_nested_params_and_expand(emu):
    auth = (emu.api_key, "")
    body = ("amount=2500&currency=usd&confirm=true&payment_method=pm_card_visa"
            "&payment_method_types[]=card&metadata[cycle]=c-1&metadata[member]=m-2"
            "&expand[]=latest_charge&expand[]=customer&customer=")
    with requests.post(f"{emu.url}/v1/payment_intents", data=body, auth=auth, timeout=5,
                       headers={"Content-Type": "application/x-www-form-urlencoded"}) as answer:
        pi = answer.json()
    assert answer.status_code == 200 and pi["object"] == "payment_intent"
    assert pi["metadata"] == {"cycle": "c-1", "member": "m-2"}
    assert pi["latest_charge"]["object"] == "charge" and pi["customer"] is None
    assert answer.headers["Request-Id"].startswith("req_")


def test_unknown_parameters_and_urls_are_rejected_like_stripe(client, emu):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create(params={"emial": "x@example.org"})  # type: ignore[typeddict-unknown-key]
    assert unknown.value.code == "parameter_unknown" and unknown.value.param == "emial"
    with requests.get(f"{emu.url}/v1/nothing_here", auth=(emu.api_key, ""), timeout=5) as missing:
        assert missing.status_code == 404
        assert "Unrecognized request URL" in missing.json()["error"]["message"]


def test_stripe_account_header_is_refused_where_the_emulator_cannot_honour_it(client):
    with pytest.raises(stripe.InvalidRequestError, match="Stripe-Account"):
        client.v1.customers.create(options={"stripe_account": "acct_1"})
    assert client.v1.customers.list().data == []


def test_list_expansion_of_data_fields(client):
    client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "payment_method_types": ["card"]})
    listed = client.v1.payment_intents.list(params={"expand": ["data.latest_charge"]})
    assert listed.data[0].latest_charge.object == "charge"


def test_a_seed_makes_ids_repeatable(client_for):
    ids = []
    for _ in range(2):
        with run_emulator(seed=1234) as emu:
            ids.append(client_for(emu).v1.customers.create().id)
    assert ids[0] == ids[1]
    with run_emulator(seed=99) as emu:
        assert client_for(emu).v1.customers.create().id != ids[0]


def test_module_level_configuration_works_too(emu, monkeypatch):
    monkeypatch.setattr(stripe, "api_key", emu.api_key)
    monkeypatch.setattr(stripe, "api_base", emu.url)
    customer = stripe.Customer.create(email="global@example.org")
    assert stripe.Customer.retrieve(customer.id).email == "global@example.org"


def test_command_line_server_starts_and_serves(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emulator", "--port", "0", "--seed", "5",
         "--webhook", "http://127.0.0.1:9/hook", "--webhook-secret", "whsec_cli"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        webhook_line = process.stdout.readline()
        assert "whsec_cli" in webhook_line
        url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        with requests.get(f"{url}/_emulator/state", timeout=5) as answer:
            assert answer.json()["counts"]["webhook_endpoint"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
