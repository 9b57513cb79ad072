"""Paying with a card typed into the page (Stripe.js): the server hands the share's own
director the client secret of the share's one PaymentIntent, at the amount it computes; the
browser confirms it at Stripe (here: the emulator, called as Stripe.js calls it); the server
records what Stripe says, once, whoever tells it first (the page or the webhook)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import requests
from sqlalchemy import select

from marketplace.config import Config, ConfigError
from marketplace.models import (
    AttemptStatus,
    EntryKind,
    LedgerEntry,
    Notification,
    PaymentAttempt,
    PaymentStatus,
    SharePayment,
)
from marketplace.services import payment_outcomes, payments, reconciliation
from marketplace.services.payment_events import handle_event
from marketplace.web.security import CONTENT_SECURITY_POLICY, stripe_js_policy

X_AMOUNT = 26300 + 526 + 150  # goods + 2% + $1.50, computed by the server
PK = "pk_test_payments"


@pytest.fixture
def card_app(app, gateway, emu):
    saved = app.extensions["sharedbuy.config"]
    app.extensions["sharedbuy.payments"] = gateway
    app.extensions["sharedbuy.config"] = dataclasses.replace(saved, stripe_publishable_key=PK,
                                                             stripe_js_url=f"{emu.url}/v3/")
    yield app
    app.extensions["sharedbuy.payments"] = None
    app.extensions["sharedbuy.config"] = saved


def start(client, share_id):
    return client.raw.post(f"/payments/shares/{share_id}/intent", headers={
        "X-CSRFToken": client.csrf_token(), "Accept": "application/json"})


def browser_pays(emu, client_secret, number):
    """What Stripe.js does with a typed card: a PaymentMethod, then the confirmation."""
    year = str(dt.date.today().year + 2)
    pm = requests.post(f"{emu.url}/v1/payment_methods", timeout=5, data={
        "key": PK, "type": "card", "card[number]": number, "card[exp_month]": "4", "card[exp_year]": year,
        "card[cvc]": "123"}).json()
    intent = client_secret.split("_secret_")[0]
    return requests.post(f"{emu.url}/v1/payment_intents/{intent}/confirm", timeout=5, data={
        "key": PK, "client_secret": client_secret, "payment_method": pm["id"]}).json()


def payment_of(session, share):
    session.expire_all()
    return session.scalars(select(SharePayment).where(SharePayment.share_id == share.id)).one()


def test_the_pay_page_loads_stripe_js_from_the_configured_origin_and_allows_only_it(card_app, pw, make_client,
                                                                                      emu):
    director = make_client(pw.world.dx)
    response = director.get(f"/payments/shares/{pw.share_x.id}")
    page = response.get_data(as_text=True)
    assert f'<script src="{emu.url}/v3/"></script>' in page and f'data-publishable-key="{PK}"' in page
    assert 'id="card-element"' in page and "Link a bank account and pay $269.76" in page
    policy = dict(part.split(" ", 1) for part in response.headers["Content-Security-Policy"].split("; "))
    for directive in ("script-src", "frame-src", "connect-src"):
        assert policy[directive] == f"'self' {emu.url}"
    assert policy["default-src"] == "'self'" and policy["style-src"] == "'self'"
    assert director.get("/payments").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_a_director_gets_the_client_secret_of_the_one_intent_at_the_servers_amount(card_app, session, pw,
                                                                                    make_client, emu):
    director = make_client(pw.world.dx)
    first, again = start(director, pw.share_x.id), start(director, pw.share_x.id)  # a double click
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    [intent] = emu.objects("payment_intent")
    assert first.get_json() == {"payment_intent": intent["id"], "client_secret": intent["client_secret"],
                                "amount_cents": X_AMOUNT, "currency": "usd"}
    assert intent["amount"] == X_AMOUNT and intent["metadata"]["share_id"] == str(pw.share_x.id)
    assert payment_of(session, pw.share_x).payment_intent_id == intent["id"]


def test_no_one_else_gets_a_shares_client_secret(card_app, session, pw, make_client, emu):
    foreign = start(make_client(pw.world.dx), pw.share_y.id)
    assert foreign.status_code == 404 and foreign.get_json()["error"] == "not_found"
    assert start(make_client(pw.world.hub), pw.share_x.id).status_code == 403
    assert start(make_client(pw.world.dz), pw.share_x.id).status_code == 404
    no_token = make_client(pw.world.dx).raw.post(f"/payments/shares/{pw.share_x.id}/intent",
                                                 headers={"Accept": "application/json"})
    assert no_token.status_code == 400
    assert emu.objects("payment_intent") == []


def test_a_typed_card_pays_and_is_recorded_once_by_the_page_and_the_webhook(card_app, session, pw, make_client,
                                                                             gateway, emu):
    director = make_client(pw.world.dx)
    secret = start(director, pw.share_x.id).get_json()["client_secret"]
    assert browser_pays(emu, secret, "4242424242424242")["status"] == "succeeded"
    intent = secret.split("_secret_")[0]
    response = director.post(f"/payments/shares/{pw.share_x.id}/confirmed", {"payment_intent": intent})
    assert response.status_code == 302
    page = director.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: $269.76 was paid." in page and 'id="card-payment"' not in page
    assert director.post(f"/payments/shares/{pw.share_x.id}/confirmed", {"payment_intent": intent}).status_code == 302
    assert handle_event(session, gateway, emu.events("payment_intent.succeeded")[0]) == "payment paid"
    payment = payment_of(session, pw.share_x)
    assert payment.status is PaymentStatus.PAID and payment.amount_cents == X_AMOUNT
    [attempt] = payment.attempts
    assert (attempt.status, attempt.method_type, attempt.charge_id) == (
        AttemptStatus.SUCCEEDED, "card", payment.charge_id)
    assert attempt.idempotency_key.endswith(f":browser-{payment.charge_id}")
    charges = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.CHARGE)).all()
    assert [c.amount_cents for c in charges] == [X_AMOUNT]
    assert start(director, pw.share_x.id).status_code == 409  # nothing left to pay


def test_a_declined_card_says_why_and_another_card_pays_the_same_intent(card_app, session, pw, make_client, gateway,
                                                                        emu):
    director = make_client(pw.world.dx)
    secret = start(director, pw.share_x.id).get_json()["client_secret"]
    declined = browser_pays(emu, secret, "4000000000000002")
    assert declined["error"]["decline_code"] == "generic_decline"
    intent = secret.split("_secret_")[0]
    handle_event(session, gateway, emu.events("payment_intent.payment_failed")[0])  # the webhook came first
    response = director.post(f"/payments/shares/{pw.share_x.id}/confirmed", {"payment_intent": intent},
                             follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The payment did not go through: Your card was declined." in page and 'id="card-payment"' in page
    assert payment_of(session, pw.share_x).status is PaymentStatus.FAILED
    assert start(director, pw.share_x.id).get_json()["client_secret"] == secret  # the same intent again
    assert browser_pays(emu, secret, "5555555555554444")["status"] == "succeeded"
    director.post(f"/payments/shares/{pw.share_x.id}/confirmed", {"payment_intent": intent})
    payment = payment_of(session, pw.share_x)
    assert payment.status is PaymentStatus.PAID
    assert [(a.number, a.status) for a in payment.attempts] == [(1, AttemptStatus.FAILED), (2, AttemptStatus.SUCCEEDED)]
    assert payment.attempts[0].failure_message == "Your card was declined."
    assert len(emu.objects("payment_intent")) == 1


def test_a_bank_account_linked_in_the_page_is_recorded_as_a_debit_in_progress(card_app, session, pw, make_client,
                                                                               gateway, emu):
    director = make_client(pw.world.dx)
    secret = start(director, pw.share_x.id).get_json()["client_secret"]
    intent = secret.split("_secret_")[0]
    pm = requests.post(f"{emu.url}/v1/payment_methods", timeout=5, data={
        "key": PK, "type": "us_bank_account", "us_bank_account[routing_number]": "110000000",
        "us_bank_account[account_number]": "000123456789", "billing_details[name]": "Dana"}).json()
    requests.post(f"{emu.url}/v1/payment_intents/{intent}", timeout=5,
                  data={"key": PK, "client_secret": secret, "payment_method": pm["id"]})
    requests.post(f"{emu.url}/v1/payment_intents/{intent}/confirm", timeout=5,
                  data={"key": PK, "client_secret": secret})
    page = director.post(f"/payments/shares/{pw.share_x.id}/confirmed", {"payment_intent": intent},
                         follow_redirects=True).get_data(as_text=True)
    assert "Your bank debit of $269.76 is on its way" in page
    assert payment_of(session, pw.share_x).status is PaymentStatus.PROCESSING
    assert start(director, pw.share_x.id).status_code == 409
    emu.settle()
    handle_event(session, gateway, emu.events("payment_intent.succeeded")[0])
    payment = payment_of(session, pw.share_x)
    assert payment.status is PaymentStatus.PAID and payment.attempts[0].method_type == "us_bank_account"


def test_the_page_can_only_report_its_own_shares_intent(card_app, session, pw, make_client, emu):
    x, y = make_client(pw.world.dx), make_client(pw.world.dy)
    y_intent = start(y, pw.share_y.id).get_json()["payment_intent"]
    start(x, pw.share_x.id)
    assert x.post(f"/payments/shares/{pw.share_x.id}/confirmed", {"payment_intent": y_intent}).status_code == 404
    assert x.post(f"/payments/shares/{pw.share_y.id}/confirmed", {"payment_intent": y_intent}).status_code == 404
    missing = x.post(f"/payments/shares/{pw.share_x.id}/confirmed", {}, follow_redirects=True)
    assert "The payment did not start" in missing.get_data(as_text=True)


def test_a_saved_method_payment_under_way_holds_off_the_card_form(card_app, session, pw, make_client, gateway, emu):
    emu.inject_fault("POST", "/v1/payment_intents/*/confirm", "timeout_after_commit", times=10)
    payment = payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    assert payment.status is PaymentStatus.PENDING
    refused = start(make_client(pw.world.dx), pw.share_x.id)
    assert refused.status_code == 409 and "on its way" in refused.get_json()["message"]
    assert session.scalar(select(PaymentAttempt.status)) is AttemptStatus.PENDING


@pytest.mark.parametrize(("settings", "problem"), [
    ({"stripe_js_url": "http://js.example.org/v3/"}, "STRIPE_JS_URL"),
    ({"stripe_publishable_key": "sk_test_oops"}, "publishable key"),
    ({"stripe_publishable_key": "pk_live_x", "stripe_api_key": "sk_test_x"}, "both be test keys"),
])
def test_stripe_js_settings_are_checked_at_start(settings, problem):
    with pytest.raises(ConfigError, match=problem):
        Config.from_env({}, default_env="development", **settings)
    assert Config.from_env({}, default_env="development").stripe_js_url == "https://js.stripe.com/v3/"


def test_a_late_decline_of_an_earlier_try_records_it_without_telling_the_paid_director(card_app, session, pw,
                                                                                        make_client, gateway, emu):
    director = make_client(pw.world.dx)
    secret = start(director, pw.share_x.id).get_json()["client_secret"]
    browser_pays(emu, secret, "4000000000009995")  # insufficient funds; the page never reported it
    browser_pays(emu, secret, "4242424242424242")
    director.post(f"/payments/shares/{pw.share_x.id}/confirmed", {"payment_intent": secret.split("_secret_")[0]})
    handle_event(session, gateway, emu.events("payment_intent.payment_failed")[0])  # the webhook, late
    payment = payment_of(session, pw.share_x)
    assert payment.status is PaymentStatus.PAID
    assert sorted(a.status.value for a in payment.attempts) == ["failed", "succeeded"]
    assert session.scalars(select(Notification).where(Notification.user_id == pw.world.dx.id)).all() == []


def test_a_failed_authentication_without_a_charge_is_one_failed_attempt(card_app, session, pw, make_client, emu):
    intent_id = start(make_client(pw.world.dx), pw.share_x.id).get_json()["payment_intent"]
    payment = payment_of(session, pw.share_x)
    failed = {"id": intent_id, "status": "requires_payment_method", "latest_charge": None, "last_payment_error": {
        "code": "payment_intent_authentication_failure", "type": "invalid_request_error",
        "message": "We are unable to authenticate your payment method.", "payment_method": {"id": "pm_3ds", "type": "card"}}}
    for _ in range(2):  # the page and the webhook
        payment_outcomes.apply_intent(session, payment.id, failed, attempt_id=None)
        session.commit()
    payment = payment_of(session, pw.share_x)
    [attempt] = payment.attempts
    assert (attempt.status, attempt.payment_method, attempt.failure_code) == (
        AttemptStatus.FAILED, "pm_3ds", "payment_intent_authentication_failure")
    assert payment.status is PaymentStatus.FAILED


def test_with_stripes_own_stripe_js_the_page_also_allows_its_api_and_authentication_frames():
    policy = dict(part.split(" ", 1) for part in stripe_js_policy("https://js.stripe.com/v3/").split("; "))
    assert policy["script-src"] == "'self' https://js.stripe.com"
    assert policy["connect-src"] == "'self' https://js.stripe.com https://api.stripe.com"
    assert policy["frame-src"] == "'self' https://js.stripe.com https://hooks.stripe.com"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"


def test_reconciliation_finds_a_browser_payment_nobody_reported(card_app, session, pw, make_client, gateway, emu):
    secret = start(make_client(pw.world.dx), pw.share_x.id).get_json()["client_secret"]
    browser_pays(emu, secret, "4242424242424242")  # the page closed, the webhook is not here yet
    assert payment_of(session, pw.share_x).status is PaymentStatus.UNPAID
    report = reconciliation.reconcile_cycle(session, gateway, pw.cycle.id)
    assert report.discrepancies == [] and report.totals["charges"] == X_AMOUNT
    assert payment_of(session, pw.share_x).status is PaymentStatus.PAID
