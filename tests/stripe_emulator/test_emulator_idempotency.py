"""Idempotency-Key semantics: replay, mismatch, scope, stored errors, concurrency."""

from __future__ import annotations

import threading

import pytest
import stripe

PARAMS = {"amount": 20_00, "currency": "usd", "payment_method": "pm_card_visa",
          "confirm": True, "payment_method_types": ["card"], "transfer_group": "cycle_3"}


def test_same_key_same_params_replays_the_first_response_byte_for_byte(emu, client):
    first = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "share-1"})
    second = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "share-1"})
    assert second.id == first.id
    assert second.last_response.body == first.last_response.body
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert second.last_response.headers["Original-Request"] == first.last_response.request_id
    assert [p.id for p in client.v1.payment_intents.list().data] == [first.id]
    assert len(client.v1.charges.list().data) == 1


def test_same_key_with_other_params_or_endpoint_is_an_idempotency_error(client):
    client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "share-2"})
    with pytest.raises(stripe.IdempotencyError) as params_changed:
        client.v1.payment_intents.create(params={**PARAMS, "amount": 20_01},
                                         options={"idempotency_key": "share-2"})
    assert params_changed.value.http_status == 400
    assert "same parameters" in params_changed.value.user_message
    with pytest.raises(stripe.IdempotencyError, match="same endpoint"):
        client.v1.customers.create(options={"idempotency_key": "share-2"})
    assert len(client.v1.payment_intents.list().data) == 1


def test_parameter_order_does_not_matter(client):
    reordered = dict(reversed(list(PARAMS.items())))
    first = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "k"})
    second = client.v1.payment_intents.create(params=reordered, options={"idempotency_key": "k"})
    assert second.id == first.id


def test_keys_are_scoped_per_api_key(emu, client_for):
    other = client_for(emu, api_key="sk_test_another_account")
    mine = client_for(emu).v1.payment_intents.create(params=PARAMS,
                                                     options={"idempotency_key": "same"})
    theirs = other.v1.payment_intents.create(params={**PARAMS, "amount": 7_00},
                                             options={"idempotency_key": "same"})
    assert theirs.id != mine.id and theirs.amount == 7_00


def test_a_decline_is_replayed_as_the_same_402(client):
    options = {"idempotency_key": "declined-share"}
    params = {**PARAMS, "payment_method": "pm_card_chargeDeclined"}
    with pytest.raises(stripe.CardError) as first:
        client.v1.payment_intents.create(params=params, options=options)
    with pytest.raises(stripe.CardError) as second:
        client.v1.payment_intents.create(params=params, options=options)
    assert second.value.http_body == first.value.http_body
    assert second.value.headers["Idempotent-Replayed"] == "true"
    assert len(client.v1.charges.list().data) == 1


def test_an_over_refund_error_is_replayed_even_after_it_would_succeed(client):
    pi = client.v1.payment_intents.create(params=PARAMS)
    options = {"idempotency_key": "refund-1"}
    with pytest.raises(stripe.InvalidRequestError) as first:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 20_01}, options=options)
    with pytest.raises(stripe.InvalidRequestError) as replay:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 20_01}, options=options)
    assert replay.value.http_body == first.value.http_body
    assert client.v1.refunds.list().data == []


def test_validation_errors_are_not_stored_so_a_corrected_retry_runs(client):
    options = {"idempotency_key": "fix-me"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.create(params={**PARAMS, "amount": 10}, options=options)
    fixed = client.v1.payment_intents.create(params=PARAMS, options=options)
    assert fixed.status == "succeeded"


def test_concurrent_requests_with_one_key_make_one_payment_intent(emu, client_for):
    results: list[str] = []
    errors: list[Exception] = []

    def pay() -> None:
        try:
            pi = client_for(emu).v1.payment_intents.create(
                params=PARAMS, options={"idempotency_key": "race"})
            results.append(pi.id)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=pay) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 20 and len(set(results)) == 1
    assert len(emu.objects("payment_intent")) == 1 and len(emu.objects("charge")) == 1
