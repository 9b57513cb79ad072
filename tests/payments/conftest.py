"""Payments fixtures: one Stripe emulator per test run (reset before each test), a real
gateway talking HTTP to it, and the finalized cycle of ``tests/payments/factories.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace.payments.gateway import GatewaySettings, StripeGateway
from stripe_emulator import RunningEmulator, run_emulator
from tests.payments.factories import PayWorld, build_pay_world

WEBHOOK_SECRET = "whsec_payments_tests_secret"


@pytest.fixture(scope="session")
def _emulator() -> Iterator[RunningEmulator]:
    with run_emulator(seed=6) as running:
        yield running


@pytest.fixture
def emu(_emulator: RunningEmulator) -> RunningEmulator:
    _emulator.reset()
    _emulator.clear_faults()
    return _emulator


def make_gateway(emu: RunningEmulator, *, attempts: int = 3, timeout_s: float = 5.0) -> StripeGateway:
    """A gateway on the emulator with short pauses between its retries (same key each time)."""
    return StripeGateway(GatewaySettings(api_key=emu.api_key, api_base=emu.url, webhook_secret=WEBHOOK_SECRET,
                                         timeout_s=timeout_s, attempts=attempts, backoff_s=0.01))


@pytest.fixture
def gateway(emu: RunningEmulator) -> StripeGateway:
    return make_gateway(emu)


@pytest.fixture
def pw(session, world) -> PayWorld:
    return build_pay_world(session, world)
