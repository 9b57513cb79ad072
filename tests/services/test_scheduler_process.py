"""The scheduler as it runs: ``sharedbuy scheduler --once``, ticks at the same moment from several
connections (SQLite and PostgreSQL), ticks queued on Redis for an RQ worker, and the demo's
scheduler process."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import cli, jobs, migrate
from marketplace.config import Config
from marketplace.db import make_engine, utcnow
from marketplace.models import AuditEvent, Cycle, CycleStatus, Notification, ShareStatus
from marketplace.scheduler import Scheduler
from marketplace.services.schedule import run_tick
from tests.conftest import drop_postgres_database, new_database_url, require_service
from tests.cycle_factories import make_cycle, make_run, make_share
from tests.factories import build_world

TICKS = 4


def seed(url: str, *, due: int = 1, soon: int = 0, deadlines: int = 0) -> dict[str, list[int]]:
    """Committed cycles of alliance A as of now: ``due`` past their cutoff, ``soon`` 20 hours from
    it, ``deadlines`` published with a passed approval deadline (X approved, Y silent)."""
    engine = make_engine(url)
    now = utcnow()
    ids: dict[str, list[int]] = {"due": [], "soon": [], "deadlines": []}
    with Session(engine) as session:
        world = build_world(session)
        alliance = world.hub.organization.alliance
        for n in range(due):
            ids["due"].append(make_cycle(session, alliance, status=CycleStatus.OPEN, name=f"Due {n}",
                                         opens_at=now - timedelta(days=7), cutoff_at=now - timedelta(minutes=1)).id)
        for n in range(soon):
            ids["soon"].append(make_cycle(session, alliance, status=CycleStatus.OPEN, name=f"Soon {n}",
                                          opens_at=now - timedelta(days=2), cutoff_at=now + timedelta(hours=20)).id)
        for n in range(deadlines):
            cycle = make_cycle(session, alliance, status=CycleStatus.PUBLISHED, name=f"Decide {n}",
                               opens_at=now - timedelta(days=9), cutoff_at=now - timedelta(days=5),
                               approval_deadline_at=now - timedelta(minutes=1))
            run = make_run(session, cycle)
            make_share(session, run, world.member_x.id, status=ShareStatus.APPROVED)
            make_share(session, run, world.member_y.id, status=ShareStatus.PENDING)
            cycle.published_run_id = run.id
            ids["deadlines"].append(cycle.id)
        session.commit()
    engine.dispose()
    return ids


def counts(url: str) -> tuple[Counter, Counter, dict[int, CycleStatus]]:
    engine = make_engine(url)
    with Session(engine) as session:
        closed = Counter(session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "cycle.closed")))
        sent = Counter(session.execute(select(Notification.kind, Notification.user_id, Notification.link,
                                              Notification.dedupe_key)).all())
        statuses = dict(session.execute(select(Cycle.id, Cycle.status)).all())
    engine.dispose()
    return closed, sent, statuses


def test_scheduler_once_runs_one_tick(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/scheduler.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("SHAREDBUY_ENV", raising=False)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    migrate.upgrade(url)
    ids = seed(url, due=1, soon=1)
    runner = CliRunner()
    first = runner.invoke(cli.main, ["scheduler", "--once"])
    assert first.exit_code == 0, first.output
    assert first.output == "Tick: 0 opened, 1 closed, 2 reminder(s), 0 deadline(s) passed.\n"
    second = runner.invoke(cli.main, ["scheduler", "--once"])
    assert second.output == "Tick: 0 opened, 0 closed, 0 reminder(s), 0 deadline(s) passed.\n"
    closed, sent, statuses = counts(url)
    assert statuses[ids["due"][0]] is CycleStatus.CLOSED and closed == Counter({ids["due"][0]: 1})
    assert sum(n for (kind, *_), n in sent.items() if kind == "cutoff_reminder") == 2


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path_factory):
    """A database of its own, committed for real (each tick has its own connection)."""
    url = new_database_url(request.param, tmp_path_factory, "sched")
    migrate.upgrade(url)
    yield url
    if request.param == "postgresql":
        drop_postgres_database(url)


def test_ticks_at_the_same_moment_act_once(fresh_url):
    ids = seed(fresh_url, due=5, soon=5, deadlines=2)
    engine = make_engine(fresh_url, pool_size=TICKS) if "postgresql" in fresh_url else make_engine(fresh_url)
    start, results, errors = threading.Barrier(TICKS), [], []
    now = utcnow()

    def tick() -> None:
        try:
            with Session(engine) as session:
                start.wait(10)
                results.append(run_tick(session, now=now))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=tick) for _ in range(TICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    assert errors == [] and all(not r.failed for r in results) and len(results) == TICKS
    closed_by_ticks = [cycle_id for r in results for cycle_id in r.closed]
    assert sorted(closed_by_ticks) == sorted(ids["due"]), "each due cycle closed by exactly one tick"
    closed, sent, statuses = counts(fresh_url)
    assert closed == Counter(dict.fromkeys(ids["due"], 1))
    assert all(statuses[i] is CycleStatus.CLOSED for i in ids["due"])
    assert sent and max(sent.values()) == 1, "no user got the same notification twice"
    kinds = Counter(kind for kind, *_ in sent)
    assert kinds == {"cutoff_reminder": 5 * 2, "cycle_closed": 5, "approval_deadline": 2 * 2}
    assert sum(r.reminders for r in results) == 10 and sorted(c for r in results for c in r.deadlines) == ids["deadlines"]


@pytest.mark.redis
def test_with_redis_ticks_are_jobs_for_the_workers(tmp_path, monkeypatch):
    redis_url = os.environ.get("REDIS_URL")
    require_service(bool(redis_url), "Redis", "set REDIS_URL=redis://127.0.0.1:6379/15")
    monkeypatch.setenv("SHAREDBUY_ENV", "testing")  # the job reads the worker's environment
    monkeypatch.delenv("SMTP_HOST", raising=False)
    url = f"sqlite:///{tmp_path}/rq-scheduler.db"
    migrate.upgrade(url)
    ids = seed(url, due=2)
    config = Config(env="testing", secret_key="x" * 40, database_url=url, redis_url=redis_url,
                    rq_queue=f"test-sched-{uuid.uuid4().hex}")
    lines: list[str] = []
    loop = Scheduler(config, interval_s=60, echo=lines.append)
    queue = jobs.make_queue(config)
    try:
        assert loop.uses_redis
        loop.step()
        loop.step()  # the first tick has not run yet: no second job piles up
        assert queue.queue.count == 1
        jobs.run_worker(config, burst=True)
        closed, _, statuses = counts(url)
        assert closed == Counter(dict.fromkeys(ids["due"], 1))
        loop.step()  # the first one finished: the next tick is queued
        assert queue.queue.count == 1
        queue.queue.empty()  # Redis forgot the queued job (flushed, or its TTL passed)
        loop.step()
        assert queue.queue.count == 1, "a job Redis no longer has does not stop the ticks"
    finally:
        queue.queue.delete(delete_jobs=True)


def test_the_demo_starts_a_scheduler_beside_the_app(tmp_path):
    url = f"sqlite:///{tmp_path}/demo-scheduler.db"
    migrate.upgrade(url)
    ids = seed(url, due=1)
    config = Config(env="development", secret_key="x" * 40, database_url=url)
    with cli._demo_scheduler(config, "http://127.0.0.1:5000/") as process:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and counts(url)[2][ids["due"][0]] is not CycleStatus.CLOSED:
            assert process.poll() is None, "the scheduler process is running"
            time.sleep(0.2)
        assert counts(url)[2][ids["due"][0]] is CycleStatus.CLOSED, "its first tick closed the due cycle"
    assert process.poll() is not None, "stopped with the demo"
