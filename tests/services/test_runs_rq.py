"""An optimization run through Redis and an RQ worker, on PostgreSQL: the way production runs it."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace import jobs, migrate
from marketplace.config import Config
from marketplace.db import make_engine, make_session_factory
from marketplace.models import PlanLine, RunStatus
from marketplace.services import runs
from marketplace.services.runs import RunOptions
from tests.conftest import drop_postgres_database, new_database_url, require_service
from tests.cycle_factories import build_cycle_world
from tests.factories import build_world


@pytest.mark.redis
@pytest.mark.postgres
def test_run_goes_through_an_rq_worker(tmp_path_factory):
    redis_url = os.environ.get("REDIS_URL")
    require_service(bool(redis_url), "Redis", "set REDIS_URL=redis://127.0.0.1:6379/15")
    url = new_database_url("postgresql", tmp_path_factory, "rq")
    engine = make_engine(url)
    config = Config(env="testing", secret_key="x" * 40, database_url=url, redis_url=redis_url,
                    rq_queue=f"test-{uuid.uuid4().hex}")
    queue = jobs.make_queue(config)
    try:
        migrate.upgrade(url)
        session = make_session_factory(engine)()
        world = build_world(session)
        cyc = build_cycle_world(session, world)
        session.commit()  # the worker is another process: it sees committed rows only
        run = runs.start_run(session, world.hub, cyc.cycle.id, RunOptions(time_limit_s=20),
                             now=cyc.now + timedelta(days=8),
                             enqueue=lambda run_id: jobs.enqueue_optimization(queue, url, run_id, 20).id)
        assert run.job_id and run.status is RunStatus.QUEUED
        jobs.run_worker(config, burst=True)
        session.expire_all()
        assert run.status is RunStatus.SUCCEEDED and run.plan_status == "optimal"
        lines = session.scalar(select(func.count(PlanLine.id)).where(PlanLine.run_id == run.id))
        amounts = session.scalar(select(func.sum(PlanLine.amount_cents)).where(PlanLine.run_id == run.id))
        assert lines > 0 and amounts <= run.total_cents
        session.close()
    finally:
        queue.queue.delete(delete_jobs=True)
        engine.dispose()
        drop_postgres_database(url)
