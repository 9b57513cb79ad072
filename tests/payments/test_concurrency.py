"""Twenty simultaneous "pay" requests for one share on PostgreSQL make one PaymentIntent and
one charge: from threads sharing nothing but the database, and from gunicorn worker processes
serving the real app over HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import migrate
from marketplace.db import make_engine, make_session_factory
from marketplace.errors import ConflictError
from marketplace.models import LedgerEntry, PaymentAttempt, PaymentStatus, SharePayment, User
from marketplace.services import card_payments, payments
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    postgres_base_url,
    require_service,
)
from tests.factories import PASSWORD, TEST_SECRET, build_world
from tests.payments.conftest import WEBHOOK_SECRET, make_gateway
from tests.payments.factories import build_pay_world

pytestmark = pytest.mark.postgres
REQUESTS = 20


@dataclass(frozen=True)
class Live:
    url: str
    director_id: int
    director_email: str
    share_id: int


@pytest.fixture
def live():
    """A PostgreSQL database of its own, committed for real (threads and processes see it)."""
    base = postgres_base_url()
    require_service(base is not None, "PostgreSQL",
                    "set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/sharedbuy_test")
    url = create_postgres_database(base, "paylive")
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            world = build_world(session)
            pw = build_pay_world(session, world)
            session.commit()
            yield Live(url, world.dx.id, world.dx.email, pw.share_x.id)
        engine.dispose()
    finally:
        drop_postgres_database(url)


def assert_paid_once(url: str, emu, share_id: int) -> None:
    assert len(emu.objects("payment_intent")) == 1
    assert [c["status"] for c in emu.objects("charge")] == ["succeeded"]
    engine = make_engine(url)
    with Session(engine) as session:
        payment = session.scalars(select(SharePayment).where(SharePayment.share_id == share_id)).one()
        assert payment.status is PaymentStatus.PAID
        assert session.scalar(select(func.count(PaymentAttempt.id))) == 1
        assert session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "charge")) == 1
    engine.dispose()


def test_twenty_threads_paying_one_share_make_one_payment_intent(live, emu):
    engine = make_engine(live.url, pool_size=REQUESTS + 2)
    factory = make_session_factory(engine)
    gateway = make_gateway(emu)
    # Real Stripe answers 409 to a request whose key is in use by another one: retried, same key.
    emu.inject_fault("POST", "/v1/payment_intents/*/confirm", "error_409", times=3)
    barrier = threading.Barrier(REQUESTS)
    outcomes: list[str] = []

    def pay() -> None:
        with factory() as session:
            director = session.get_one(User, live.director_id)
            barrier.wait()
            try:
                outcomes.append(payments.pay_share(session, director, gateway, live.share_id,
                                                   "pm_card_visa").status.value)
            except ConflictError:
                outcomes.append("already paid")

    threads = [threading.Thread(target=pay) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    assert len(outcomes) == REQUESTS and set(outcomes) <= {"paid", "pending", "already paid"}
    assert "paid" in outcomes
    assert_paid_once(live.url, emu, live.share_id)


def test_twenty_threads_asking_for_the_client_secret_get_the_one_payment_intent(live, emu):
    engine = make_engine(live.url, pool_size=REQUESTS + 2)
    factory = make_session_factory(engine)
    gateway = make_gateway(emu)
    barrier = threading.Barrier(REQUESTS)
    secrets: list[str] = []

    def start() -> None:
        with factory() as session:
            director = session.get_one(User, live.director_id)
            barrier.wait()
            secrets.append(card_payments.start_browser_payment(session, director, gateway, live.share_id).client_secret)

    threads = [threading.Thread(target=start) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    [intent] = emu.objects("payment_intent")
    assert secrets == [intent["client_secret"]] * REQUESTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(live: Live, emu, port: int, log) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=live.url, SECRET_KEY=TEST_SECRET, SHAREDBUY_ENV="development",
               STRIPE_API_KEY=emu.api_key, STRIPE_API_BASE=emu.url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen([str(gunicorn), "--preload", "--workers", "4", "--worker-class", "gthread", "--threads", "5",
                             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--graceful-timeout", "1",
                             "marketplace.app:create_app()"], env=env, cwd=Path(__file__).parents[2],
                            stdout=subprocess.DEVNULL, stderr=log)


def _wait_until_up(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped: {log_path.read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within 60 s: {log_path.read_text()[-2000:]}")


_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _logged_in(base: str, email: str, tabs: int) -> list[tuple[requests.Session, str]]:
    """One login, open in ``tabs`` browser tabs (each its own connection, the same session)."""
    browser = requests.Session()
    token = _CSRF.search(browser.get(f"{base}/login", timeout=30).text).group(1)
    answer = browser.post(f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    token = _CSRF.search(browser.get(f"{base}/payments", timeout=30).text).group(1)
    copies = []
    for _ in range(tabs):
        tab = requests.Session()
        tab.cookies.update(browser.cookies)
        copies.append((tab, token))
    return copies


def test_twenty_requests_to_gunicorn_workers_make_one_payment_intent(live, emu, tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = _gunicorn(live, emu, port, log)
    try:
        _wait_until_up(base, process, log_path)
        browsers = _logged_in(base, live.director_email, REQUESTS)
        barrier = threading.Barrier(REQUESTS)
        statuses: list[int] = []

        def pay(browser: requests.Session, token: str) -> None:
            barrier.wait()
            answer = browser.post(f"{base}/payments/shares/{live.share_id}/pay", allow_redirects=False, timeout=60,
                                  data={"payment_method": "pm_card_visa", "csrf_token": token})
            statuses.append(answer.status_code)

        started = time.monotonic()
        threads = [threading.Thread(target=pay, args=pair) for pair in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        elapsed = time.monotonic() - started
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        process.wait(timeout=30)
    counts = Counter(statuses)
    assert sum(counts.values()) == REQUESTS and set(counts) <= {302, 409}, counts
    assert elapsed < 60
    assert_paid_once(live.url, emu, live.share_id)
