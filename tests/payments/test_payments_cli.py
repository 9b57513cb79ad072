"""``sharedbuy payouts`` and ``sharedbuy reconcile`` on a SQLite file, and the demo's own
Stripe emulator process."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from marketplace import migrate
from marketplace.cli import _demo_payments, main
from marketplace.config import Config
from marketplace.db import make_engine
from marketplace.models import StripeAccount
from marketplace.payments.errors import StripeRefusedError
from marketplace.payments.gateway import make_gateway
from marketplace.services import payments
from tests.factories import build_world
from tests.payments.factories import build_pay_world, deliver, onboard


@pytest.fixture
def paid_file(tmp_path, monkeypatch, emu, gateway):
    """A SQLite file with X's share paid and V's order delivered, and the CLI's environment."""
    url = f"sqlite:///{tmp_path}/cli.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        pw = build_pay_world(session, world)
        onboard(session, gateway, emu, world.vendor_org.id)
        deliver(session, pw.po_v)
        session.commit()
        payments.pay_share(session, world.dx, gateway, pw.share_x.id, "pm_card_visa")
    engine.dispose()
    for name, value in {"DATABASE_URL": url, "SHAREDBUY_ENV": "development", "STRIPE_API_KEY": emu.api_key,
                        "STRIPE_API_BASE": emu.url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return pw


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_payouts_pays_once_however_often_it_runs(paid_file, emu):
    first = run("payouts")
    assert first.exit_code == 0 and "Payouts: 1 transfer;" in first.output
    again = run("payouts", "--cycle", str(paid_file.cycle.id))
    assert again.exit_code == 0 and "Payouts: nothing new;" in again.output
    assert [t["amount"] for t in emu.objects("transfer")] == [17300]


def test_reconcile_exits_1_and_lists_each_discrepancy(paid_file, gateway):
    clean = run("reconcile")
    assert clean.exit_code == 0 and "0 discrepancies" in clean.output and "charged $269.76" in clean.output
    gateway._client.v1.payment_intents.create(params={
        "amount": 999, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
        "payment_method_types": ["card"], "transfer_group": f"cycle-{paid_file.cycle.id}"})
    dirty = run("reconcile", "--cycle", str(paid_file.cycle.id))
    assert dirty.exit_code == 1 and "unknown_charge: Stripe has a charge of $9.99" in dirty.output


def test_without_a_stripe_key_the_commands_say_payments_are_off(paid_file, monkeypatch):
    monkeypatch.delenv("STRIPE_API_KEY")
    result = run("payouts")
    assert result.exit_code == 1 and "STRIPE_API_KEY is not set" in result.output


def test_the_demo_starts_its_own_stripe_emulator_and_stops_it(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path}/d.db"
    migrate.upgrade(url)
    config = Config(env="development", secret_key="x" * 40, database_url=url)
    with _demo_payments(config, "127.0.0.1", 5000, stripe_port=port) as demo:
        assert demo.stripe_api_base == f"http://127.0.0.1:{port}" and demo.stripe_webhook_secret.startswith("whsec_")
        gateway = make_gateway(demo.stripe_api_key, demo.stripe_api_base, demo.stripe_webhook_secret)
        account = gateway.create_account("demo-check", email=None, metadata={})["id"]
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # stopped with the demo
    assert (tmp_path / "d.db.stripe.json").exists()  # the emulator's state, beside the database
    engine = make_engine(url)
    with Session(engine) as session:  # the demo's database now knows that account
        world = build_world(session)
        session.add(StripeAccount(organization_id=world.vendor_org.id, idempotency_key="demo-check", stripe_id=account))
        session.commit()
    with _demo_payments(config, "127.0.0.1", 5000, stripe_port=port) as demo:  # restarted: "Stripe" knows it too
        gateway = make_gateway(demo.stripe_api_key, demo.stripe_api_base, demo.stripe_webhook_secret)
        assert gateway.retrieve_account(account)["id"] == account
    fresh = Config(env="development", secret_key="x" * 40, database_url=f"sqlite:///{tmp_path}/fresh.db")
    migrate.upgrade(fresh.database_url)
    (tmp_path / "fresh.db.stripe.json").write_text((tmp_path / "d.db.stripe.json").read_text())
    with _demo_payments(fresh, "127.0.0.1", 5000, stripe_port=port) as demo:  # a new database: a new "Stripe"
        gateway = make_gateway(demo.stripe_api_key, demo.stripe_api_base, demo.stripe_webhook_secret)
        with pytest.raises(StripeRefusedError, match="No such account"):
            gateway.retrieve_account(account)
    engine.dispose()
    configured = Config(env="development", secret_key="x" * 40, stripe_api_key="sk_test_mine")
    with _demo_payments(configured, "127.0.0.1", 5000) as same:
        assert same is configured
