"""The demo's cycles: one delivered (one line short), one waiting for approvals, one open for
needs; made through the services, dated around today, and seeded once."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.db import utcnow
from marketplace.models import (
    Cycle,
    CycleStatus,
    DemandLine,
    DemandSource,
    MemberShare,
    Notification,
    OptimizationRun,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Role,
    ShareStatus,
    User,
)
from marketplace.services import approvals, reports, shortages
from marketplace.services.demo import seed_demo
from marketplace.services.demo_cycles import REJECT_REASON, plan_cycles

MODELS = (Cycle, DemandLine, OptimizationRun, MemberShare, PurchaseOrder, Notification)


def counts(session):
    return {model.__name__: session.scalar(select(func.count(model.id))) for model in MODELS}


def test_the_planned_cycles_are_dated_around_today_with_distinct_names():
    today = date(2026, 3, 1)
    delivered, waiting, upcoming = plan_cycles(today)
    assert len({delivered.name, waiting.name, upcoming.name}) == 3
    assert delivered.name == "February 5 delivery"
    assert delivered.deadline < delivered.opens_at + timedelta(days=16) and delivered.delivery_on < today
    assert waiting.cutoff_at.date() < today < waiting.deadline.date() < waiting.delivery_on
    assert upcoming.opens_at.date() < today < upcoming.cutoff_at.date() <= today + timedelta(days=5)
    for cycle in (delivered, waiting, upcoming):
        assert cycle.opens_at < cycle.cutoff_at and cycle.cutoff_at.date() <= cycle.delivery_on


@pytest.mark.slow
def test_demo_shows_a_cycle_in_every_state_and_seeding_again_adds_nothing(session):
    seed_demo(session)
    first = counts(session)
    today = utcnow().date()
    by_status = {c.status: c for c in session.scalars(select(Cycle))}
    assert set(by_status) == {CycleStatus.DELIVERED, CycleStatus.PUBLISHED, CycleStatus.OPEN}
    delivered, waiting, upcoming = (by_status[s] for s in (CycleStatus.DELIVERED, CycleStatus.PUBLISHED,
                                                           CycleStatus.OPEN))
    assert delivered.delivery_on < today - timedelta(days=14)
    assert upcoming.cutoff_at > utcnow() and upcoming.cutoff_at.date() <= today + timedelta(days=5)
    for cycle in (delivered, waiting, upcoming):
        sources = Counter(session.scalars(select(DemandLine.source).where(DemandLine.cycle_id == cycle.id)))
        assert sources[DemandSource.ADDED] == 3 and sources[DemandSource.RECURRING] > 500

    check_delivered(session, delivered)
    check_waiting(session, waiting)

    seed_demo(session)
    assert counts(session) == first


def check_delivered(session, cycle):
    shares = approvals.current_shares(session, cycle)
    assert len(shares) > 20 and {s.status for s in shares} == {ShareStatus.APPROVED}
    orders = session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == cycle.id)).all()
    assert len(orders) == 3 and Counter(po.status for po in orders) == {POStatus.DELIVERED: 2, POStatus.SHORT: 1}
    short = session.scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.shortage_packs > 0)).all()
    assert len(short) == 1 and short[0].shortage_packs == 1 and short[0].shortage_cents > 0
    assert [s.amount_cents for s in shortages.shortages_for_cycle(session, cycle.id)] == [short[0].shortage_cents]
    hub = session.scalars(select(User).where(User.role == Role.HUB_MANAGER)).one()
    report = reports.cycle_report(session, hub, cycle.id)
    run = cycle.published_run
    assert report.charged_cents == run.total_cents and report.refund_cents > 0
    assert report.spend_cents == run.total_cents - report.refund_cents, "the short line is not spent"
    assert 0 < report.savings_cents <= run.savings_cents, "savings on what was received"


def check_waiting(session, cycle):
    shares = approvals.current_shares(session, cycle)
    statuses = Counter(s.status for s in shares)
    assert statuses[ShareStatus.REJECTED] == 1 and statuses[ShareStatus.APPROVED] >= 10
    assert statuses[ShareStatus.PENDING] >= 10
    (rejected,) = [s for s in shares if s.status is ShareStatus.REJECTED]
    assert rejected.note == REJECT_REASON
    assert approvals.finalize_problems(session, cycle)
    assert approvals.can_decide(next(s for s in shares if s.status is ShareStatus.PENDING))
