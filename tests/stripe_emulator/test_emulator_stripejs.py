"""What a browser's Stripe.js does against the emulator: the publishable key makes a card or
bank PaymentMethod from typed details and confirms a PaymentIntent it holds the client_secret
of, and nothing else; the test double of Stripe.js is served at /v3/. (The double's page flow
is exercised in Chromium by tests/e2e/test_card_payment.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
import requests

PK = "pk_test_emulator"
NEXT_YEAR = str(dt.date.today().year + 1)


def browser(emu, method, path, **params):
    """A request as Stripe.js sends it: form-encoded, the publishable key in ``key``."""
    data = {"key": PK, **params}
    if method == "GET":
        return requests.get(emu.url + path, params=data, timeout=5)
    return requests.post(emu.url + path, data=data, timeout=5)


def card(emu, number, exp_year=NEXT_YEAR, cvc="123"):
    return browser(emu, "POST", "/v1/payment_methods", **{
        "type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": exp_year,
        "card[cvc]": cvc, "billing_details[name]": "Dana Director"})


@pytest.fixture
def intent(client):
    return client.v1.payment_intents.create(params={
        "amount": 26976, "currency": "usd", "payment_method_types": ["card", "us_bank_account"],
        "metadata": {"share_id": "12"}, "transfer_group": "cycle-3"})


def test_a_typed_card_pays_an_intent_confirmed_with_its_client_secret(emu, client, intent):
    made = card(emu, "4242424242424242")
    assert made.status_code == 200 and made.headers["Access-Control-Allow-Origin"] == "*"
    assert made.json()["card"]["last4"] == "4242" and made.json()["card"]["exp_year"] == int(NEXT_YEAR)
    answer = browser(emu, "POST", f"/v1/payment_intents/{intent.id}/confirm", client_secret=intent.client_secret,
                     payment_method=made.json()["id"])
    assert answer.status_code == 200 and answer.json()["status"] == "succeeded"
    assert "metadata" not in answer.json() and "transfer_group" not in answer.json()  # the public view
    full = client.v1.payment_intents.retrieve(intent.id)
    assert full.status == "succeeded" and full.amount_received == 26976 and full.metadata["share_id"] == "12"


def test_a_declined_card_answers_402_with_the_public_intent_and_may_be_retried(emu, client, intent):
    declined = card(emu, "4000000000000002").json()["id"]
    answer = browser(emu, "POST", f"/v1/payment_intents/{intent.id}/confirm", client_secret=intent.client_secret,
                     payment_method=declined)
    error = answer.json()["error"]
    assert answer.status_code == 402 and (error["type"], error["decline_code"]) == ("card_error", "generic_decline")
    assert error["message"] == "Your card was declined." and "metadata" not in error["payment_intent"]
    assert error["payment_intent"]["status"] == "requires_payment_method"
    again = browser(emu, "POST", f"/v1/payment_intents/{intent.id}/confirm", client_secret=intent.client_secret,
                    payment_method=card(emu, "5555555555554444").json()["id"])
    assert again.json()["status"] == "succeeded"
    assert [c.status for c in client.v1.charges.list(params={"payment_intent": intent.id})] == ["succeeded", "failed"]


@pytest.mark.parametrize(("number", "exp_year", "cvc", "status", "code"), [
    ("4242424242424241", NEXT_YEAR, "123", 402, "incorrect_number"),
    ("4242424242424242", "2001", "123", 402, "invalid_expiry_year"),
    ("4242424242424242", NEXT_YEAR, "1", 402, "invalid_cvc"),
    ("4111111111111111", NEXT_YEAR, "123", 402, "card_declined"),  # a real card number in test mode
    ("4000002500003155", NEXT_YEAR, "123", 400, None),  # 3-D Secure: not emulated, said so
])
def test_typed_cards_are_checked_as_stripe_checks_them(emu, number, exp_year, cvc, status, code):
    answer = card(emu, number, exp_year, cvc)
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    if number == "4000002500003155":
        assert "3-D Secure" in answer.json()["error"]["message"]


def test_the_client_secret_is_the_browsers_only_credential(emu, intent):
    path = f"/v1/payment_intents/{intent.id}"
    assert browser(emu, "GET", path).status_code == 400  # no client_secret
    wrong = browser(emu, "GET", path, client_secret=intent.client_secret[:-1] + "x")
    assert wrong.status_code == 400 and "does not match" in wrong.json()["error"]["message"]
    assert browser(emu, "GET", path, client_secret=intent.client_secret).json()["amount"] == 26976
    update = browser(emu, "POST", path, client_secret=intent.client_secret, amount="100")
    assert update.status_code == 400 and update.json()["error"]["code"] == "parameter_unknown"


@pytest.mark.parametrize(("method", "path", "params"), [
    ("POST", "/v1/payment_intents", {"amount": "100", "currency": "usd"}),
    ("GET", "/v1/payment_intents", {}),
    ("POST", "/v1/refunds", {"charge": "ch_x"}),
    ("POST", "/v1/transfers", {"amount": "100", "currency": "usd", "destination": "acct_x"}),
    ("GET", "/v1/charges", {}),
])
def test_a_publishable_key_cannot_do_what_a_secret_key_does(emu, method, path, params):
    answer = browser(emu, method, path, **params)
    assert answer.status_code == 401 and "publishable API key" in answer.json()["error"]["message"]


def test_a_bank_account_linked_in_the_browser_is_debited(emu, client, intent):
    made = browser(emu, "POST", "/v1/payment_methods", **{
        "type": "us_bank_account", "us_bank_account[routing_number]": "110000000",
        "us_bank_account[account_number]": "000123456789", "billing_details[name]": "Dana Director"}).json()
    path = f"/v1/payment_intents/{intent.id}"
    linked = browser(emu, "POST", path, client_secret=intent.client_secret, payment_method=made["id"])
    assert linked.json()["status"] == "requires_confirmation"
    confirmed = browser(emu, "POST", path + "/confirm", **{
        "client_secret": intent.client_secret, "mandate_data[customer_acceptance][type]": "online",
        "mandate_data[customer_acceptance][online][infer_from_client]": "true"})
    assert confirmed.json()["status"] == "processing"
    emu.settle()
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_the_stripe_js_double_and_its_frames_are_served_and_the_api_answers_preflights(emu):
    script = requests.get(emu.url + "/v3/", timeout=5)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("application/javascript")
    assert "confirmCardPayment" in script.text and "window.Stripe" in script.text
    frame = requests.get(emu.url + "/v3/elements/card.html", timeout=5)
    assert frame.status_code == 200 and 'name="cardnumber"' in frame.text
    assert requests.get(emu.url + "/v3/elements/frame.js", timeout=5).status_code == 200
    assert requests.get(emu.url + "/v3/elements/app.py", timeout=5).status_code == 404  # only its own files
    preflight = requests.options(emu.url + "/v1/payment_methods", timeout=5)
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
