"""The purchasing journey through the JSON API: in the test's transaction (SQLite and
PostgreSQL, the job run in-process), and on PostgreSQL with a real RQ worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from marketplace import migrate
from marketplace.app import create_app
from marketplace.db import get_database
from tests.api.client import ApiClient, make_token
from tests.api.journey import Cast, walk
from tests.conftest import (
    drop_postgres_database,
    make_test_config,
    new_database_url,
    require_service,
)
from tests.factories import build_world
from tests.plan_factories import build_plan_world


def cast(app, session, world, pw) -> Cast:
    def client(user):
        return ApiClient(app, make_token(session, user))

    return Cast(client(world.hub), client(world.dx), client(world.dy), client(pw.dq), client(pw.vendor_p_user),
                world.site_x.id, world.site_y.id, pw.site_q.id, pw.milk.id, pw.apples.id, pw.wipes.id)


@pytest.mark.slow
def test_the_journey_through_the_api(app, session, world, queue):
    pw = build_plan_world(session, world)
    reports = walk(cast(app, session, world, pw), queue.run_all)
    assert reports["dx"]["scope"] == "SECRET-Member-X"


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
def test_the_journey_through_the_api_with_an_rq_worker(tmp_path_factory):
    redis_url = os.environ.get("REDIS_URL")
    require_service(bool(redis_url), "Redis", "set REDIS_URL=redis://127.0.0.1:6379/15")
    url = new_database_url("postgresql", tmp_path_factory, "apijourney")
    queue_name = f"test-api-{uuid.uuid4().hex}"
    config = make_test_config(url, redis_url=redis_url, rq_queue=queue_name)
    app = create_app(config)
    worker_env = {**os.environ, "SECRET_KEY": "w" + uuid.uuid4().hex + uuid.uuid4().hex, "REDIS_URL": redis_url,
                  "RQ_QUEUE": queue_name, "SHAREDBUY_ENV": "production"}

    def run_worker():
        done = subprocess.run([sys.executable, "-m", "marketplace.cli", "worker", "--burst"], env=worker_env,
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    try:
        migrate.upgrade(url)
        session = get_database(app).session_factory()
        world = build_world(session)
        pw = build_plan_world(session, world)
        c = cast(app, session, world, pw)
        session.commit()  # the worker is another process: it sees committed rows only
        reports = walk(c, run_worker)
        assert reports["vendor_p"]["kind"] == "sales"
        session.close()
    finally:
        app.extensions["sharedbuy.jobs"].queue.delete(delete_jobs=True)
        get_database(app).engine.dispose()
        drop_postgres_database(url)
