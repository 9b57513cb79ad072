"""The demo's purchasing cycles (a step of ``services.demo``), so a newcomer sees every state.

- a cycle **delivered** a few weeks ago: opened, closed, optimized, published, approved by
  every member, finalized, its purchase orders sent, confirmed, shipped and received, one
  line short (a shortage to refund);
- a cycle **optimized and published**, waiting for approvals: some members approved, one
  rejected (saying why), the others have not decided yet;
- a cycle **open for needs**, its cutoff a few days away.

In each, the sites' recurring needs became lines, every other site's director changed one of
them and three directors added a one-off line.

Everything goes through the services a hub, a director and a vendor use, with the times each
step would have happened (``now=``), relative to today. The optimizer runs with its shortest
time limit. Idempotent: each cycle is found by its name and taken from wherever it stands to its
final state, so seeding twice adds nothing (and an interrupted seeding is finished). Cycles the
demo made on another day are left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import (
    Cycle,
    CycleStatus,
    DeliveryStatus,
    DemandLine,
    DemandSource,
    Item,
    OptimizationRun,
    Organization,
    OrgKind,
    POStatus,
    PurchaseOrder,
    Role,
    RunStatus,
    ShareStatus,
    Site,
    User,
)
from marketplace.services import approvals, cycles, demand, purchase_orders, runs
from marketplace.services.run_execution import execute_run

#: The optimizer's shortest time limit: the demo alliance solves well within it.
DEMO_RUN = runs.RunOptions(time_limit_s=runs.MIN_TIME_LIMIT_S, note="Demo run")
REJECT_REASON = "We already ordered paper goods from our district contract this month."
#: One-off lines directors add while a cycle is open: (item, quantity, note).
ONE_OFFS = [("construction-paper-pack50", "6", "Art week"), ("tempera-paint-pint", "12", ""),
            ("play-dough-lb", "10", "New toddler room"), ("markers-washable-box8", "15", "")]


def at(day: date, hour: int) -> datetime:
    """``day`` at ``hour``:00 UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass(frozen=True)
class DemoCycle:
    """One demo cycle's dates, and the state the demo brings it to."""

    name: str
    opens_at: datetime
    cutoff_at: datetime
    delivery_on: date
    deadline: datetime | None
    target: CycleStatus
    index: int  # which sites add one-off lines

    @property
    def published_at(self) -> datetime:
        return self.cutoff_at + timedelta(hours=3)


def plan_cycles(today: date) -> list[DemoCycle]:
    """The three demo cycles for ``today``: delivered 24 days ago, delivery in 6 days
    (waiting for approvals), delivery in 11 days (open for needs until 4 days from now)."""
    delivered, waiting, upcoming = today - timedelta(days=24), today + timedelta(days=6), today + timedelta(days=11)
    return [
        DemoCycle(_name(delivered), at(delivered - timedelta(days=16), 13), at(delivered - timedelta(days=9), 22),
                  delivered, at(delivered - timedelta(days=6), 22), CycleStatus.DELIVERED, 0),
        DemoCycle(_name(waiting), at(today - timedelta(days=9), 13), at(today - timedelta(days=2), 22),
                  waiting, at(today + timedelta(days=2), 22), CycleStatus.PUBLISHED, 1),
        DemoCycle(_name(upcoming), at(today - timedelta(days=1), 13), at(today + timedelta(days=4), 22),
                  upcoming, None, CycleStatus.OPEN, 2),
    ]


def _name(delivery_on: date) -> str:
    return f"{delivery_on:%B} {delivery_on.day} delivery"


def seed_cycles(context: Any) -> None:
    """Bring each demo cycle of today to its state (commits as each service does)."""
    session: Session = context.session
    planned = plan_cycles(context.today)
    existing = {c.name: c for c in session.scalars(select(Cycle).where(Cycle.alliance_id == context.alliance.id))}
    if existing and not any(p.name in existing for p in planned):
        return  # seeded on another day: those cycles are the demo's
    for plan in planned:
        cycle = existing.get(plan.name) or _create(session, context.hub_manager, plan)
        _STEPS[plan.target](context, cycle, plan)


def _create(session: Session, hub: User, plan: DemoCycle) -> Cycle:
    data = cycles.CycleInput(plan.name, plan.opens_at, plan.cutoff_at, plan.delivery_on, 28)
    return cycles.create_cycle(session, hub, data)


def _open(context: Any, cycle: Cycle, plan: DemoCycle) -> None:
    """Open the cycle; directors then change their lines a little (once)."""
    session = context.session
    if cycle.status is CycleStatus.DRAFT:
        cycles.open_cycle(session, context.hub_manager, cycle.id, now=plan.opens_at)
    added = session.scalar(select(DemandLine.id).where(DemandLine.cycle_id == cycle.id,
                                                       DemandLine.source == DemandSource.ADDED).limit(1))
    if cycle.status is not CycleStatus.OPEN or added is not None:
        return
    sites = list(session.scalars(select(Site).join(Organization, Organization.id == Site.organization_id)
                                 .where(Organization.alliance_id == cycle.alliance_id,
                                        Organization.kind == OrgKind.MEMBER, Site.active.is_(True))
                                 .order_by(Site.id)))
    directors = _directors(session, sorted({site.organization_id for site in sites}))
    _adjust_lines(session, cycle, plan, [(s, directors[s.organization_id]) for s in sites
                                         if s.organization_id in directors])


def _adjust_lines(session: Session, cycle: Cycle, plan: DemoCycle, sites: list[tuple[Site, User]]) -> None:
    """Every other site's director changes one line by 10 to 25% (more children, a menu
    change...), and three directors add a one-off line: no two cycles ask for the same."""
    items = dict(session.execute(select(Item.slug, Item.id).where(Item.alliance_id == cycle.alliance_id)).all())
    when = plan.opens_at + timedelta(hours=3)
    for number, (site, director) in enumerate(sites):
        if (number + plan.index) % 2 == 0:
            rng = random.Random(f"{plan.index}|{site.id}")
            line = rng.choice(demand.list_site_lines(session, director, cycle.id, site.id))
            factor = Decimal(rng.choice(("0.8", "0.9", "1.15", "1.25")))
            quantity = max(Decimal("0.1"), (line.quantity * factor).quantize(Decimal("0.1"), ROUND_HALF_UP))
            demand.update_line(session, director, line.id, demand.LineInput(
                line.item_id, quantity, line.max_unit_price, tuple(line.avoided_vendor_ids), line.note), now=when)
    for number, (site, director) in enumerate(sites[plan.index * 3:plan.index * 3 + 3]):
        slug, quantity, note = ONE_OFFS[(plan.index + number) % len(ONE_OFFS)]
        if slug in items:
            demand.add_line(session, director, cycle.id, site.id,
                            demand.LineInput(items[slug], Decimal(quantity), note=note),
                            now=when + timedelta(hours=1 + number))


def _publish(context: Any, cycle: Cycle, plan: DemoCycle) -> None:
    """Open, close at the cutoff, optimize and publish (the steps not done yet)."""
    session, hub = context.session, context.hub_manager
    _open(context, cycle, plan)
    if cycle.status is CycleStatus.OPEN:
        cycles.close_cycle(session, hub, cycle.id, now=plan.cutoff_at)
    if cycle.status is not CycleStatus.CLOSED:
        return
    run = session.scalar(select(OptimizationRun).where(OptimizationRun.cycle_id == cycle.id)
                         .order_by(OptimizationRun.number.desc()))
    if run is None or run.status in (RunStatus.FAILED, RunStatus.CANCELLED):
        run = runs.start_run(session, hub, cycle.id, DEMO_RUN, now=plan.cutoff_at + timedelta(hours=1))
    if run.status is RunStatus.QUEUED:
        execute_run(session, run.id)
        session.refresh(run)
    if run.status is not RunStatus.SUCCEEDED:
        raise RuntimeError(f"the demo run of {cycle.name} did not succeed: {run.error or run.plan_status}")
    approvals.publish_run(session, hub, run.id, deadline=plan.deadline, now=plan.published_at)


def _directors(session: Session, member_ids: list[int]) -> dict[int, User]:
    users = session.scalars(select(User).where(User.organization_id.in_(member_ids), User.role == Role.DIRECTOR)
                            .order_by(User.id))
    found: dict[int, User] = {}
    for user in users:
        found.setdefault(user.organization_id, user)
    return found


def _decide(context: Any, cycle: Cycle, plan: DemoCycle, *, everyone: bool) -> None:
    """Directors decide on the published shares: every one approves (``everyone``), or every
    other member approves, the second rejects and the rest leave it for later."""
    session = context.session
    shares = approvals.current_shares(session, cycle)
    names = dict(session.execute(select(Organization.id, Organization.name)
                                 .where(Organization.id.in_([s.member_id for s in shares]))).all())
    shares.sort(key=lambda s: (names[s.member_id].lower(), s.member_id))
    directors = _directors(session, [s.member_id for s in shares])
    when = plan.published_at + timedelta(hours=20)
    for index, share in enumerate(shares):
        director = directors.get(share.member_id)
        if share.status is not ShareStatus.PENDING or director is None:
            continue
        if everyone or index % 2 == 0:
            approvals.approve_share(session, director, share.id, now=when + timedelta(minutes=7 * index))
        elif index == 1:
            approvals.reject_share(session, director, share.id, REJECT_REASON, now=when)


def _wait_for_approvals(context: Any, cycle: Cycle, plan: DemoCycle) -> None:
    _publish(context, cycle, plan)
    if cycle.status is CycleStatus.PUBLISHED:
        _decide(context, cycle, plan, everyone=False)


def _deliver(context: Any, cycle: Cycle, plan: DemoCycle) -> None:
    """The whole cycle, up to every site's delivery (one line short)."""
    session, hub = context.session, context.hub_manager
    _publish(context, cycle, plan)
    assert plan.deadline is not None
    if cycle.status is CycleStatus.PUBLISHED:
        _decide(context, cycle, plan, everyone=True)
        approvals.finalize_cycle(session, hub, cycle.id, now=plan.deadline + timedelta(minutes=30))
    if cycle.status is CycleStatus.FINALIZED:
        purchase_orders.send_purchase_orders(session, hub, cycle.id, email_enabled=False,
                                             now=plan.deadline + timedelta(hours=1))
    if cycle.status is CycleStatus.ORDERED:
        _receive(context, cycle, plan)


def _receive(context: Any, cycle: Cycle, plan: DemoCycle) -> None:
    """Each vendor confirms, ships and reports its deliveries; the first order's first delivery
    comes one pack short on its first line."""
    session = context.session
    orders = list(session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == cycle.id)
                                  .order_by(PurchaseOrder.number)))
    confirmed_at = plan.deadline + timedelta(hours=20) if plan.deadline else plan.cutoff_at
    for number, po in enumerate(orders):
        vendor = session.scalar(select(User).where(User.organization_id == po.vendor_id).order_by(User.id))
        if vendor is None:
            continue
        if po.status is POStatus.SENT:
            purchase_orders.confirm_purchase_order(session, vendor, po.id, now=confirmed_at)
        if po.status is POStatus.CONFIRMED:
            purchase_orders.ship_purchase_order(session, vendor, po.id, now=at(plan.delivery_on, 6))
        drops = sorted(po.deliveries, key=lambda d: (d.site.name.lower(), d.id))
        for index, drop in enumerate(drops):
            if drop.status is not DeliveryStatus.PENDING:
                continue
            lines = purchase_orders.delivery_lines(session, drop)
            received = {line.id: line.packs for line in lines}
            if number == 0 and index == 0 and lines:
                received[lines[0].id] = lines[0].packs - 1
            purchase_orders.report_delivery(session, vendor, drop.id, received,
                                            note="One pack missing." if number == index == 0 else "",
                                            now=at(plan.delivery_on, 15) + timedelta(minutes=5 * index))


_STEPS: dict[CycleStatus, Callable[[Any, Cycle, DemoCycle], None]] = {
    CycleStatus.DELIVERED: _deliver, CycleStatus.PUBLISHED: _wait_for_approvals, CycleStatus.OPEN: _open}
