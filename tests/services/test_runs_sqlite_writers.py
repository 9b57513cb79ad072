"""The optimizer job on SQLite (the embedded default) while another connection is writing.

In the app, the web request saves the job's id right after queueing the run, while the worker
thread starts it: the job must wait for that write, not fail with "database is locked" and
leave the run queued for good.
"""

from __future__ import annotations

import threading

from sqlalchemy import update

from marketplace import migrate
from marketplace.db import make_engine, make_session_factory
from marketplace.models import OptimizationRun, RunStatus
from marketplace.services import runs
from marketplace.services.run_execution import execute_run
from tests.factories import build_world
from tests.plan_factories import FAST, build_plan_world


def test_the_job_waits_for_a_write_in_progress_and_runs(tmp_path):
    url = f"sqlite:///{tmp_path}/runs.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        world = build_world(session)
        pw = build_plan_world(session, world)
        session.commit()
        run_id = runs.start_run(session, world.hub, pw.cycle.id, FAST, now=pw.now).id
    writing, done = threading.Event(), threading.Event()

    def web_request_saves_the_job_id():
        with engine.connect() as connection, connection.begin():
            connection.execute(update(OptimizationRun).where(OptimizationRun.id == run_id)
                               .values(job_id="thread-1"))
            writing.set()
            done.wait(0.5)  # the job starts meanwhile

    other = threading.Thread(target=web_request_saves_the_job_id)
    other.start()
    assert writing.wait(10)
    with factory() as job:
        status = execute_run(job, run_id, workers=1)
    done.set()
    other.join()
    with factory() as session:
        run = session.get(OptimizationRun, run_id)
        assert (status, run.status, run.job_id) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, "thread-1")
        assert run.plan_status == "optimal" and run.total_cents > 0
    engine.dispose()
