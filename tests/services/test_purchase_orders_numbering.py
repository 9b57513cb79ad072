"""Two cycles of one alliance finalized at the same moment, in two real transactions on
PostgreSQL: the purchase order numbers stay unique and without gaps (the alliance's row lock)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from marketplace import migrate
from marketplace.db import make_engine, make_session_factory
from marketplace.models import Cycle, CycleStatus, User
from marketplace.services import approvals, runs
from marketplace.services.run_execution import execute_run
from tests.conftest import drop_postgres_database, new_database_url
from tests.cycle_factories import make_cycle, make_line
from tests.factories import build_world
from tests.plan_factories import FAST, build_plan_world


def approve_all(session, hub, directors, cycle_id, now):
    run = runs.start_run(session, hub, cycle_id, FAST, now=now)
    execute_run(session, run.id, workers=1)
    approvals.publish_run(session, hub, run.id, deadline=now + timedelta(days=3), now=now)
    for share in approvals.current_shares(session, session.get(Cycle, cycle_id)):
        director = next(d for d in directors if d.organization_id == share.member_id)
        approvals.approve_share(session, director, share.id, now=now)


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_finalizes_number_without_gaps(tmp_path_factory):
    url = new_database_url("postgresql", tmp_path_factory, "ponumbers")
    engine = None
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as session:
            world = build_world(session)
            pw = build_plan_world(session, world)
            second = make_cycle(session, world.hub.organization.alliance, status=CycleStatus.OPEN, name="Second",
                                opens_at=pw.now - timedelta(days=2), cutoff_at=pw.now - timedelta(minutes=1),
                                delivery_on=(pw.now + timedelta(days=9)).date())
            make_line(session, second, world.site_x, pw.milk, "12")
            make_line(session, second, pw.site_q, pw.wipes, "2")
            session.commit()
            directors = [world.dx, world.dy, pw.dq]
            for cycle_id in (pw.cycle.id, second.id):
                approve_all(session, world.hub, directors, cycle_id, pw.now)
            hub_id, cycle_ids, year = world.hub.id, [pw.cycle.id, second.id], pw.now.year
        barrier = threading.Barrier(2)

        def finalize(cycle_id):
            with factory() as session:
                hub = session.get(User, hub_id)
                barrier.wait()
                result = approvals.finalize_cycle(session, hub, cycle_id)
                return [po.number for po in result.purchase_orders]

        with ThreadPoolExecutor(2) as pool:
            numbers = [n for found in pool.map(finalize, cycle_ids) for n in found]
        assert sorted(numbers) == [f"PO-{year}-{i:04d}" for i in range(1, 5)]
    finally:
        if engine is not None:
            engine.dispose()
        drop_postgres_database(url)
