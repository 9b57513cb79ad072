"""``--state PATH``: a restarted emulator still knows what it made (the demo's reconciliation
finds its earlier charges) and still replays a request retried with its idempotency key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import stripe

from stripe_emulator import run_emulator
from tests.stripe_emulator.conftest import make_client

PARAMS = {"amount": 26976, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
          "payment_method_types": ["card"], "transfer_group": "cycle-3"}
DECLINED = {**PARAMS, "payment_method": "pm_card_chargeDeclined"}


def test_a_restarted_emulator_retrieves_its_payment_intents_and_replays_their_keys(tmp_path):
    state = tmp_path / "stripe.json"
    with run_emulator(seed=5, state_path=str(state)) as emu:
        client = make_client(emu)
        paid = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "share-1:attempt-1"})
        refund = client.v1.refunds.create(params={"charge": paid.latest_charge, "amount": 1480},
                                          options={"idempotency_key": "share-1:vendor-4:refund-1"})
        with pytest.raises(stripe.CardError) as declined:
            client.v1.payment_intents.create(params=DECLINED, options={"idempotency_key": "share-2:attempt-1"})
        declined_id = declined.value.json_body["error"]["payment_intent"]["id"]
    assert paid.status == "succeeded" and state.exists()
    with run_emulator(seed=5, state_path=str(state)) as emu:
        client = make_client(emu)
        again = client.v1.payment_intents.retrieve(paid.id)
        assert (again.status, again.amount_received, again.latest_charge) == ("succeeded", 26976, paid.latest_charge)
        charge = client.v1.charges.retrieve(paid.latest_charge)
        assert (charge.amount_refunded, charge.transfer_group) == (1480, "cycle-3")
        assert [r.id for r in client.v1.refunds.list(params={"charge": charge.id}).data] == [refund.id]
        assert [c.id for c in client.v1.charges.list(params={"transfer_group": "cycle-3"}).data][-1] == charge.id
        # A retry after the restart gets the first answer (no second charge); other parameters are refused.
        replay = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "share-1:attempt-1"})
        assert replay.id == paid.id and replay.last_response.headers["Idempotent-Replayed"] == "true"
        assert replay.last_response.body == paid.last_response.body
        with pytest.raises(stripe.IdempotencyError):
            client.v1.refunds.create(params={"charge": charge.id, "amount": 999},
                                     options={"idempotency_key": "share-1:vendor-4:refund-1"})
        assert client.v1.payment_intents.retrieve(declined_id).status == "requires_payment_method"
        with pytest.raises(stripe.CardError) as replayed:  # a decline is an answer: replayed as such
            client.v1.payment_intents.create(params=DECLINED, options={"idempotency_key": "share-2:attempt-1"})
        assert replayed.value.json_body == declined.value.json_body
        # The seeded ids go on where they stopped: nothing new takes an old id.
        fresh = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "share-3:attempt-1"})
        assert fresh.id not in {paid.id, declined_id}
        assert len(client.v1.payment_intents.list().data) == 3
        assert len(client.v1.charges.list().data) == 3  # paid, declined, fresh: the replay made none
    assert json.loads(state.read_text())["format"] == 1


def test_a_reset_is_kept_too_and_without_a_state_file_nothing_is_written(tmp_path):
    state = tmp_path / "stripe.json"
    with run_emulator(state_path=str(state)) as emu:
        made = make_client(emu).v1.payment_intents.create(params=PARAMS)
        emu.reset()
        emu.emulator.persist()
    with run_emulator(state_path=str(state)) as emu:
        with pytest.raises(stripe.InvalidRequestError, match="No such payment_intent"):
            make_client(emu).v1.payment_intents.retrieve(made.id)
    with run_emulator() as emu:
        make_client(emu).v1.payment_intents.create(params=PARAMS)
    assert os.listdir(tmp_path) == ["stripe.json"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serving(port: int, state) -> Iterator[None]:
    """``python -m stripe_emulator --state``, stopped by SIGTERM (as the demo stops it)."""
    process = subprocess.Popen([sys.executable, "-m", "stripe_emulator", "--port", str(port), "--state", str(state)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = b""
    try:
        for line in process.stdout:  # the server prints its address once it listens
            output += line
            if b"listening on" in line:
                break
        assert process.poll() is None, output
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        output += process.communicate(timeout=10)[0]
    assert process.returncode == 0, output


class _Url:
    def __init__(self, port: int) -> None:
        self.url, self.api_key = f"http://127.0.0.1:{port}", "sk_test_demo"


def test_the_command_line_emulator_keeps_its_state_across_a_kill(tmp_path):
    state, port = tmp_path / "instance" / "stripe.json", _free_port()
    with _serving(port, state):
        made = make_client(_Url(port)).v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "k-1"})
    with _serving(port, state):
        client = make_client(_Url(port))
        assert client.v1.payment_intents.retrieve(made.id).status == "succeeded"
        assert client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "k-1"}).id == made.id
    state.write_text("{not json")
    refused = subprocess.run([sys.executable, "-m", "stripe_emulator", "--port", str(port), "--state", str(state)],
                             capture_output=True, timeout=30, check=False)
    assert refused.returncode == 2 and b"cannot use the state file" in refused.stderr
