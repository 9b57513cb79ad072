"""The optimizer job's work: solve one queued run and store what came out.

:func:`execute_run` is called by the background job with its own session and no acting user.
Unlike the other services it commits several times, each a small transaction of its own: the
run's start, its progress (every couple of seconds, so the run page can show it), and its end
(plan JSON, totals, plan lines and deliveries, all together). A hub's cancel request is read
from the database about once a second while the solver runs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.models import Item, OptimizationRun, PlanDelivery, PlanLine, RunStatus
from optimizer import CancelledError, OptimizerError, Plan, SolveOptions, Status, solve
from optimizer.allocation import to_cents

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 2.0
CANCEL_POLL_S = 1.0
PRICE_STEP = Decimal("0.0001")


class RunMonitor:
    """The job's link with the run row: writes progress, reads cancel requests (throttled)."""

    def __init__(self, session: Session, run_id: int, clock: Callable[[], float] = time.monotonic):
        self.session, self.run_id, self.clock = session, run_id, clock
        self.latest: dict[str, Any] = {}
        self.cancelled = False
        self._written = self._polled = float("-inf")
        self._lock = threading.Lock()

    def progress(self, report: dict[str, Any]) -> None:
        """Keep the newest report; write it when its phase changes or every couple of seconds."""
        with self._lock:
            new_phase = report.get("phase") != self.latest.get("phase")
            self.latest.update({k: v for k, v in report.items() if v is not None})
            if new_phase or self.clock() - self._written >= PROGRESS_EVERY_S:
                self._write()

    def _write(self) -> None:
        data = {k: (_money(v) if k in ("best_cost", "bound") else v) for k, v in self.latest.items()}
        data["updated_at"] = utcnow().isoformat()
        try:
            self.session.execute(update(OptimizationRun).where(OptimizationRun.id == self.run_id)
                                 .values(progress=data))
            self.session.commit()
        except Exception:  # a lost progress report must never stop the solve
            log.exception("could not record the progress of run %s", self.run_id)
            self.session.rollback()
        self._written = self.clock()

    def should_stop(self) -> bool:
        """Whether the hub asked to cancel (read from the database at most once a second)."""
        with self._lock:
            if not self.cancelled and self.clock() - self._polled >= CANCEL_POLL_S:
                self._polled = self.clock()
                self.cancelled = bool(self.session.scalar(
                    select(OptimizationRun.cancel_requested).where(OptimizationRun.id == self.run_id)))
                self.session.commit()  # end the read transaction, so the next poll sees new commits
            return self.cancelled


def _money(value: Any) -> Any:
    if isinstance(value, float):
        return str(Decimal(repr(value)).quantize(Decimal("0.01")))
    return value


def execute_run(session: Session, run_id: int, *, workers: int | None = None,
                clock: Callable[[], float] = time.monotonic,
                observer: Callable[[dict[str, Any]], None] | None = None) -> RunStatus:
    """Solve run ``run_id`` if it is still queued; returns its final status.

    Errors of the optimizer (a bad instance, a solver failure) end the run as failed with the
    message saved; a cancel request ends it as cancelled (keeping the best plan found, if any,
    for reference but writing no plan lines). ``observer`` also receives every progress report
    (logging, tests); ``workers`` limits the processes of the standalone solves."""
    claimed, run = _claim(session, run_id)
    if not claimed:
        if run is not None and run.status is RunStatus.QUEUED and run.cancel_requested:
            return _finish(session, run, RunStatus.CANCELLED)
        session.rollback()
        return run.status if run is not None else RunStatus.FAILED
    assert run is not None
    monitor = RunMonitor(session, run.id, clock)

    def report(data: dict[str, Any]) -> None:
        monitor.progress(data)
        if observer is not None:
            observer(data)

    try:
        plan = solve(json.loads(run.instance_json or "{}"), SolveOptions(threads=1, workers=workers),
                     progress=report, should_stop=monitor.should_stop)
    except CancelledError:
        return _finish(session, run, RunStatus.CANCELLED, log_lines=["cancelled before any plan was found"])
    except OptimizerError as error:
        return _finish(session, run, RunStatus.FAILED, error=str(error))
    except Exception as error:  # the run must end, whatever went wrong
        log.exception("run %s failed", run.id)
        session.rollback()
        return _finish(session, run, RunStatus.FAILED, error=f"unexpected error ({type(error).__name__}): "
                       "the details are in the server's log")
    if monitor.should_stop() or monitor.cancelled:
        return _finish(session, run, RunStatus.CANCELLED, plan=plan,
                       log_lines=["cancelled: the best plan found so far is kept for reference"])
    return _finish(session, run, RunStatus.SUCCEEDED, plan=plan)


def _claim(session: Session, run_id: int) -> tuple[bool, OptimizationRun | None]:
    """Mark the run running if it is queued and no cancel was asked; whether it was, and the
    run re-read (commits).

    The UPDATE comes first in its transaction on purpose, and the read after it is ended by a
    commit: on SQLite a transaction that reads and then writes fails at once ("database is
    locked") when another connection is writing at that moment (the web request saving the
    job's id right after queueing it, or any page), while a transaction that starts with its
    write waits its turn. The job's progress writes come next."""
    now = utcnow()
    claimed = session.execute(
        update(OptimizationRun)
        .where(OptimizationRun.id == run_id, OptimizationRun.status == RunStatus.QUEUED,
               OptimizationRun.cancel_requested.is_(False))
        .values(status=RunStatus.RUNNING, started_at=now,
                progress={"phase": "validate", "elapsed_s": 0, "updated_at": now.isoformat()})
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    run = session.get(OptimizationRun, run_id, populate_existing=True)
    session.commit()
    return claimed == 1, run


def _finish(session: Session, run: OptimizationRun, status: RunStatus, *, plan: Plan | None = None,
            error: str | None = None, log_lines: list[str] | None = None) -> RunStatus:
    session.refresh(run)
    session.commit()  # end the read: the writes below then wait their turn on SQLite (see _claim)
    run.status, run.finished_at, run.error = status, utcnow(), error
    lines = list(log_lines or [])
    if plan is not None:
        run.plan_json = json.dumps(plan.to_json(), indent=1)
        run.plan_status = plan.status.value
        run.total_cents = None if plan.total_cost is None else to_cents(plan.total_cost)
        run.standalone_cents = None if plan.standalone_cost is None else to_cents(plan.standalone_cost)
        run.savings_cents = None if plan.savings is None else to_cents(plan.savings)
        lines += [f"solver: {plan.solver}", *plan.log, *(f"note: {n}" for n in plan.notes),
                  *(f"unmet: {u}" for u in plan.unmet),
                  "timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in plan.timings.items())]
        if status is RunStatus.SUCCEEDED and plan.status is not Status.INFEASIBLE:
            write_plan_rows(session, run, plan)
    if error:
        lines.append(f"error: {error}")
    run.solver_log = (run.solver_log or "") + "".join(f"{line}\n" for line in lines)
    run.progress = {**(run.progress or {}), "phase": "done", "updated_at": utcnow().isoformat()}
    session.commit()
    return status


def write_plan_rows(session: Session, run: OptimizationRun, plan: Plan) -> None:
    """The plan's lines and deliveries as rows (flushes; the caller commits)."""
    instance = json.loads(run.instance_json or "{}")
    member_of = {s["id"]: int(s["member"][1:]) for s in instance["sites"]}
    offers = {o["id"]: o for o in instance["offers"]}
    cycle_alliance = run.cycle.alliance_id
    item_ids = dict(session.execute(select(Item.slug, Item.id).where(Item.alliance_id == cycle_alliance)).all())
    for line in plan.lines:
        offer = offers[line.offer]
        pack_size = Decimal(str(offer["pack_size"]))
        session.add(PlanLine(run_id=run.id, site_id=int(line.site[1:]), member_id=member_of[line.site],
                             offer_id=int(line.offer[1:]), vendor_id=int(offer["vendor"][1:]),
                             item_id=item_ids[offer["item"]], packs=line.packs, quantity=pack_size * line.packs,
                             unit_price=line.unit_price.quantize(PRICE_STEP), amount_cents=to_cents(line.amount),
                             tier_position=line.tier))
    for delivery in plan.deliveries:
        session.add(PlanDelivery(run_id=run.id, site_id=int(delivery.site[1:]), member_id=member_of[delivery.site],
                                 vendor_id=int(delivery.vendor[1:]), fee_cents=to_cents(delivery.fee)))
    session.flush()
