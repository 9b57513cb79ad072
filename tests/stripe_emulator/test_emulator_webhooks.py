"""Events and signed webhook deliveries: verification, retries, duplicates, ordering."""

from __future__ import annotations

import json

import pytest
import requests
import stripe

from stripe_emulator import run_emulator

WEBHOOK_SECRET = "whsec_test_emulator_secret"  # the secret the ``hooked`` fixture uses
CARD = {"amount": 9_00, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "payment_method_types": ["card"]}


def received_types(receiver) -> list[str]:
    return [json.loads(body)["type"] for body in receiver.bodies()]


def test_every_delivery_verifies_with_construct_event(hooked, receiver, client_for):
    pi = client_for(hooked).v1.payment_intents.create(params=CARD)
    assert hooked.wait_for_webhooks()
    assert received_types(receiver) == ["payment_intent.created", "charge.succeeded",
                                        "payment_intent.succeeded"]
    for delivery in receiver.received:
        event = stripe.Webhook.construct_event(delivery.body, delivery.signature, WEBHOOK_SECRET)
        assert event.id.startswith("evt_") and event.livemode is False
    succeeded = stripe.Webhook.construct_event(receiver.received[-1].body,
                                               receiver.received[-1].signature, WEBHOOK_SECRET)
    assert succeeded.data.object.id == pi.id and succeeded.data.object.status == "succeeded"
    assert succeeded.request.idempotency_key == pi.last_response.idempotency_key


def test_a_wrong_secret_or_altered_body_fails_verification(hooked, receiver, client_for):
    client_for(hooked).v1.customers.create()
    assert hooked.wait_for_webhooks()
    delivery = receiver.received[0]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body, delivery.signature, "whsec_wrong")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body.replace(b"customer", b"kustomer"),
                                       delivery.signature, WEBHOOK_SECRET)


def test_failed_deliveries_are_retried_until_accepted(hooked, receiver, client_for):
    receiver.statuses = [500, 503]
    client_for(hooked).v1.customers.create()
    assert hooked.wait_for_webhooks()
    attempts = [(d["attempt"], d["status"]) for d in hooked.deliveries()]
    assert attempts == [(1, 500), (2, 503), (3, 200)]
    assert len({json.loads(body)["id"] for body in receiver.bodies()}) == 1
    event = hooked.events("customer.created")[0]
    assert client_for(hooked).v1.events.retrieve(event["id"]).pending_webhooks == 0


def test_resend_delivers_a_duplicate_with_a_fresh_valid_signature(hooked, receiver, client_for):
    client_for(hooked).v1.customers.create()
    assert hooked.wait_for_webhooks()
    event_id = hooked.events("customer.created")[0]["id"]
    assert hooked.resend_event(event_id) == 1
    assert hooked.wait_for_webhooks()
    bodies = receiver.bodies()
    assert [json.loads(b)["id"] for b in bodies] == [event_id, event_id]
    for delivery in receiver.received:
        stripe.Webhook.construct_event(delivery.body, delivery.signature, WEBHOOK_SECRET)


def test_held_events_can_be_released_in_reverse_order(hooked, receiver, client_for):
    hooked.hold_webhooks()
    client_for(hooked).v1.payment_intents.create(params=CARD)
    assert hooked.wait_for_webhooks() and receiver.bodies() == []
    assert hooked.release_webhooks("reverse") == 3
    assert hooked.wait_for_webhooks()
    assert received_types(receiver) == ["payment_intent.succeeded", "charge.succeeded",
                                        "payment_intent.created"]


def test_chosen_events_are_delivered_in_the_chosen_order(hooked, receiver, client_for):
    hooked.hold_webhooks()
    client_for(hooked).v1.payment_intents.create(params=CARD)
    hooked.discard_held_webhooks()
    created, charged, succeeded = (e["id"] for e in hooked.events())
    hooked.deliver_events([succeeded, created, succeeded])
    assert hooked.wait_for_webhooks()
    assert [json.loads(b)["id"] for b in receiver.bodies()] == [succeeded, created, succeeded]


def test_endpoint_registered_through_the_api_gets_only_its_events(receiver, client_for):
    with run_emulator() as emu:
        client = client_for(emu)
        endpoint = client.v1.webhook_endpoints.create(params={
            "url": receiver.url, "enabled_events": ["payment_intent.succeeded", "charge.*"]})
        assert endpoint.secret.startswith("whsec_")
        assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id)
        client.v1.payment_intents.create(params=CARD)
        assert emu.wait_for_webhooks()
        assert received_types(receiver) == ["charge.succeeded", "payment_intent.succeeded"]
        for delivery in receiver.received:
            stripe.Webhook.construct_event(delivery.body, delivery.signature, endpoint.secret)


def test_events_are_listed_newest_first_and_filtered_by_type(emu, client):
    client.v1.payment_intents.create(params=CARD)
    every = client.v1.events.list()
    assert [e.type for e in every.data] == ["payment_intent.succeeded", "charge.succeeded",
                                            "payment_intent.created"]
    only = client.v1.events.list(params={"type": "charge.*"})
    assert [e.type for e in only.data] == ["charge.succeeded"]


def test_control_api_resends_and_reorders_over_http(hooked, receiver, client_for):
    client_for(hooked).v1.customers.create()
    assert hooked.wait_for_webhooks()
    event_id = hooked.events()[0]["id"]
    with requests.post(f"{hooked.url}/_emulator/webhooks/resend", json={"event": event_id},
                       timeout=5) as resent:
        assert resent.json() == {"queued": 1}
    with requests.post(f"{hooked.url}/_emulator/webhooks/wait", json={}, timeout=15) as waited:
        assert waited.json() == {"idle": True}
    assert [json.loads(b)["id"] for b in receiver.bodies()] == [event_id, event_id]


def test_signed_payload_lets_a_test_post_an_event_by_hand(emu, client):
    client.v1.customers.create()
    event_id = emu.events()[0]["id"]
    body, header = emu.signed_payload(event_id, "whsec_by_hand")
    assert stripe.Webhook.construct_event(body, header, "whsec_by_hand").id == event_id
    stale_body, stale_header = emu.signed_payload(event_id, "whsec_by_hand", timestamp=1_000)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(stale_body, stale_header, "whsec_by_hand")
