""""Pay vendors now" and "Reconcile" run as background jobs: the page queues them and shows
queued, running, done and the result; a second click while one is under way joins it; a job
runs once however often it is handed out, and running the job again pays nothing twice. On
the app's worker thread here, and on an RQ worker process with PostgreSQL and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace import jobs, migrate
from marketplace.db import make_engine, make_session_factory
from marketplace.models import PaymentJob, PaymentJobKind, PaymentJobStatus, ReconciliationReport
from marketplace.services import payment_jobs, payments
from tests.conftest import drop_postgres_database, new_database_url, require_service
from tests.factories import build_world
from tests.payments.conftest import make_gateway
from tests.payments.factories import build_pay_world, deliver, onboard


@pytest.fixture
def paying_app(app, gateway):
    app.extensions["sharedbuy.payments"] = gateway
    yield app
    app.extensions["sharedbuy.payments"] = None


def ready_to_pay_out(session, pw, gateway, emu):
    """X paid; V onboarded and its order delivered with 2 of X's packs short."""
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    deliver(session, pw.po_v, {pw.world.member_x.id: 2})


def jobs_of(session):
    session.expire_all()
    return session.scalars(select(PaymentJob).order_by(PaymentJob.id)).all()


def test_payouts_run_on_the_apps_worker_thread_and_the_page_shows_the_result(paying_app, session, pw, gateway, emu,
                                                                           make_client, monkeypatch):
    ready_to_pay_out(session, pw, gateway, emu)
    queue, gate = jobs.ThreadQueue(), threading.Event()
    monkeypatch.setitem(paying_app.extensions, "sharedbuy.jobs", queue)
    queue.enqueue(gate.wait, 300)  # the worker waits until the request is over (set below, whatever happens)
    hub = make_client(pw.world.hub)
    try:
        page = hub.post(f"/payments/cycles/{pw.cycle.id}/payouts", follow_redirects=True).get_data(as_text=True)
        assert "Pay vendors: queued." in page and ">Queued<" in page and "data-job-url" in page
        [job] = jobs_of(session)
        assert job.status is PaymentJobStatus.QUEUED and job.job_id.startswith("thread-")
    finally:
        gate.set()  # and the job runs now, in this test, not on a later test's database
        pong = queue.enqueue(jobs.ping).future.result(timeout=120)
    assert pong == "pong"  # one worker: the job went first
    [job] = jobs_of(session)
    assert job.status is PaymentJobStatus.DONE and job.result["done"] == {"refund": 1, "transfer": 1}
    assert job.started_at and job.finished_at and job.created_by_id == pw.world.hub.id
    page = hub.get(f"/payments/cycles/{pw.cycle.id}").get_data(as_text=True)
    assert ">Done<" in page and "Payouts: 1 refund, 1 transfer." in page and "data-job-url" not in page
    assert [t["amount"] for t in emu.objects("transfer")] == [17300 - 2960]


def test_a_second_click_joins_the_job_under_way_and_a_later_one_pays_nothing_twice(paying_app, session, pw,
                                                                                  gateway, emu, make_client, queue):
    ready_to_pay_out(session, pw, gateway, emu)
    hub = make_client(pw.world.hub)
    hub.post(f"/payments/cycles/{pw.cycle.id}/payouts")
    again = hub.post(f"/payments/cycles/{pw.cycle.id}/payouts", follow_redirects=True).get_data(as_text=True)
    assert "Pay vendors: already queued." in again
    assert len(jobs_of(session)) == 1 and len(queue.jobs) == 1
    queue.run_all()
    hub.post(f"/payments/cycles/{pw.cycle.id}/payouts")  # done: a new one
    queue.run_all()
    first, second = jobs_of(session)
    assert second.status is PaymentJobStatus.DONE and second.result["done"] == {}
    assert "nothing new to pay" in payment_jobs.describe(second)
    assert len(emu.objects("transfer")) == len(emu.objects("refund")) == 1


def test_a_job_runs_once_however_often_it_is_handed_out(session, pw, gateway, emu):
    ready_to_pay_out(session, pw, gateway, emu)
    job, new = payment_jobs.start_payment_job(session, pw.world.hub, pw.cycle.id, PaymentJobKind.PAYOUTS,
                                              lambda job_id: "recorded")
    assert new and job.job_id == "recorded"
    assert payment_jobs.execute_payment_job(session, gateway, job.id).status is PaymentJobStatus.DONE
    finished_at = job.finished_at
    assert payment_jobs.execute_payment_job(session, gateway, job.id).finished_at == finished_at
    assert len(emu.objects("transfer")) == 1


def test_a_stale_job_left_by_a_dead_worker_does_not_block_a_new_one(session, pw, gateway, emu):
    old, _ = payment_jobs.start_payment_job(session, pw.world.hub, pw.cycle.id, PaymentJobKind.RECONCILE,
                                            lambda job_id: "lost")
    old.created_at -= payment_jobs.STALE_AFTER + timedelta(minutes=1)
    session.commit()
    new, created = payment_jobs.start_payment_job(session, pw.world.hub, pw.cycle.id, PaymentJobKind.RECONCILE,
                                                  lambda job_id: "again")
    assert created and new.id != old.id


def test_reconciliation_as_a_job_stores_its_report_for_the_hub(paying_app, session, pw, gateway, emu, make_client,
                                                              queue):
    ready_to_pay_out(session, pw, gateway, emu)
    hub = make_client(pw.world.hub)
    hub.post(f"/payments/cycles/{pw.cycle.id}/reconcile")
    queue.run_all()
    [job] = jobs_of(session)
    report = session.get(ReconciliationReport, job.report_id)
    assert job.status is PaymentJobStatus.DONE and report.created_by_id == pw.world.hub.id
    assert job.result == {"discrepancies": 0, "settled": False}
    state = hub.get(f"/payments/jobs/{job.id}").get_json()
    assert state["status"] == "done" and state["active"] is False and state["report_id"] == report.id
    assert state["summary"] == "Our ledger and Stripe agree."
    assert make_client(pw.world.dx).get(f"/payments/jobs/{job.id}").status_code == 404


def test_a_job_that_cannot_reach_stripe_is_shown_failed(app, session, pw, make_client, queue):
    app.extensions["sharedbuy.payments"] = None  # payments are off on this server
    make_client(pw.world.hub).post(f"/payments/cycles/{pw.cycle.id}/payouts")
    queue.run_all()
    [job] = jobs_of(session)
    assert job.status is PaymentJobStatus.FAILED and "not set up" in job.error
    page = make_client(pw.world.hub).get(f"/payments/cycles/{pw.cycle.id}").get_data(as_text=True)
    assert ">Failed<" in page and "Stopped: Payments are not set up" in page


@pytest.mark.redis
@pytest.mark.postgres
def test_payouts_and_reconciliation_run_on_an_rq_worker(tmp_path_factory, _emulator):
    redis_url = os.environ.get("REDIS_URL")
    require_service(bool(redis_url), "Redis", "set REDIS_URL=redis://127.0.0.1:6379/15")
    _emulator.reset()
    url = new_database_url("postgresql", tmp_path_factory, "payjobs")
    engine = make_engine(url)
    queue_name = f"test-pay-{uuid.uuid4().hex}"
    queue = jobs.RedisQueue(redis_url, queue_name)
    worker_env = {**os.environ, "SECRET_KEY": "w" + uuid.uuid4().hex + uuid.uuid4().hex, "REDIS_URL": redis_url,
                  "RQ_QUEUE": queue_name, "SHAREDBUY_ENV": "production", "STRIPE_API_KEY": _emulator.api_key,
                  "STRIPE_API_BASE": _emulator.url}
    try:
        migrate.upgrade(url)
        session = make_session_factory(engine)()
        gateway = make_gateway(_emulator)
        pw = build_pay_world(session, build_world(session))
        ready_to_pay_out(session, pw, gateway, _emulator)
        session.commit()  # the worker is another process: it sees committed rows only
        enqueue = lambda job_id: queue.enqueue(jobs.run_payment_job, url, job_id).id  # noqa: E731
        for kind in (PaymentJobKind.PAYOUTS, PaymentJobKind.RECONCILE):
            payment_jobs.start_payment_job(session, pw.world.hub, pw.cycle.id, kind, enqueue)
        done = subprocess.run([sys.executable, "-m", "marketplace.cli", "worker", "--burst"], env=worker_env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        payouts_job, reconcile_job = jobs_of(session)
        assert payouts_job.status is PaymentJobStatus.DONE, payouts_job.error
        assert payouts_job.result["done"] == {"refund": 1, "transfer": 1}
        assert reconcile_job.status is PaymentJobStatus.DONE and reconcile_job.result["discrepancies"] == 0
        assert [t["amount"] for t in _emulator.objects("transfer")] == [17300 - 2960]
        session.close()
    finally:
        queue.queue.delete(delete_jobs=True)
        engine.dispose()
        drop_postgres_database(url)
