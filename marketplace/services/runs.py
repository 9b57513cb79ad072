"""Optimization runs: the hub starts, watches, cancels and re-runs them (hub only).

:func:`start_run` builds the instance from the cycle's frozen lines right away (so a problem
shows at once, and the offer versions used are recorded), stores it with the run, and hands
the run's id to ``enqueue``; the job (:func:`services.run_execution.execute_run`) solves it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.errors import ConflictError, ValidationError
from marketplace.models import (
    Cycle,
    CycleOfferVersion,
    CycleStatus,
    OptimizationRun,
    Organization,
    OrgKind,
    Role,
    RunStatus,
    User,
)
from marketplace.services.audit import record_event
from marketplace.services.cycles import mark_closed
from marketplace.services.run_instance import InstanceOptions, build_instance
from marketplace.services.scope import get_scoped, require_role, scoped_select

MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 5, 3600
MAX_OVERBUY = Decimal("1")
#: A run whose progress has not moved for this long (plus 4 time limits) is taken as lost.
STALE_AFTER = timedelta(minutes=10)
RUNNABLE = (CycleStatus.CLOSED, CycleStatus.PUBLISHED)


@dataclass(frozen=True)
class RunOptions:
    """What the hub chooses for a run (see the optimizer spec's options)."""

    max_vendors_per_site: int | None = None
    max_overbuy_fraction: Decimal = Decimal("0.10")
    time_limit_s: int = 60
    mip_gap: Decimal = Decimal("0.0001")
    excluded_member_ids: tuple[int, ...] = ()
    excluded_vendor_ids: tuple[int, ...] = ()
    note: str = ""

    def instance_options(self) -> InstanceOptions:
        return InstanceOptions(self.max_overbuy_fraction, self.max_vendors_per_site, self.time_limit_s,
                               self.mip_gap, self.excluded_member_ids, self.excluded_vendor_ids)

    @classmethod
    def of_run(cls, run: OptimizationRun) -> RunOptions:
        """The options a run was made with (to re-run with changes)."""
        o = run.options or {}
        return cls(max_vendors_per_site=o.get("max_vendors_per_site"),
                   max_overbuy_fraction=Decimal(str(o.get("max_overbuy_fraction", "0.10"))),
                   time_limit_s=int(o.get("time_limit_s", 60)), mip_gap=Decimal(str(o.get("mip_gap", "0.0001"))),
                   excluded_member_ids=tuple(run.excluded_member_ids or ()),
                   excluded_vendor_ids=tuple(run.excluded_vendor_ids or ()))


def check_run_options(options: RunOptions) -> dict[str, str]:
    errors: dict[str, str] = {}
    if options.max_vendors_per_site is not None and not 1 <= options.max_vendors_per_site <= 100:
        errors["max_vendors_per_site"] = "Enter 1 to 100 vendors, or leave it empty for no limit."
    if not Decimal(0) <= options.max_overbuy_fraction <= MAX_OVERBUY:
        errors["max_overbuy_fraction"] = "Enter an allowance between 0% and 100%."
    if not MIN_TIME_LIMIT_S <= options.time_limit_s <= MAX_TIME_LIMIT_S:
        errors["time_limit_s"] = f"Enter {MIN_TIME_LIMIT_S} to {MAX_TIME_LIMIT_S} seconds."
    if not Decimal("0") <= options.mip_gap <= Decimal("0.2"):
        errors["mip_gap"] = "Enter a gap between 0% and 20%."
    if len(options.note) > 500:
        errors["note"] = "Use at most 500 characters."
    return errors


def list_runs(session: Session, actor: User, cycle_id: int) -> list[OptimizationRun]:
    """The cycle's runs, newest first (hub only; others see none)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    return list(session.scalars(scoped_select(actor, OptimizationRun, OptimizationRun.cycle_id == cycle.id)
                                .order_by(OptimizationRun.number.desc())))


def get_run(session: Session, actor: User, run_id: int) -> OptimizationRun:
    return get_scoped(session, actor, OptimizationRun, run_id)


def member_choices(session: Session, actor: User, cycle_id: int) -> list[Organization]:
    """The alliance's members (who a run may leave out)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    return list(session.scalars(select(Organization).where(
        Organization.alliance_id == cycle.alliance_id, Organization.kind == OrgKind.MEMBER)
        .order_by(Organization.name)))


def start_run(session: Session, actor: User, cycle_id: int, options: RunOptions, *,
              enqueue: Callable[[int], str] | None = None, now: datetime | None = None) -> OptimizationRun:
    """Create run number N+1 of a closed (or published) cycle and queue it.

    An open cycle whose cutoff has passed is closed first. Refused while another run of the
    cycle is queued or running. The run is committed before ``enqueue(run_id) -> job id`` is
    called (a worker must find it), and the job id is then saved in a second, small commit."""
    now = now or utcnow()
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    errors = check_run_options(options)
    if errors:
        raise ValidationError(field_errors=errors)
    _require_runnable(session, cycle, actor, now)
    built = build_instance(session, cycle, options.instance_options())
    number = (session.scalar(select(func.max(OptimizationRun.number))
                             .where(OptimizationRun.cycle_id == cycle.id)) or 0) + 1
    run = OptimizationRun(cycle_id=cycle.id, number=number, status=RunStatus.QUEUED,
                          options=options.instance_options().spec_options(),
                          excluded_member_ids=sorted(set(options.excluded_member_ids)),
                          excluded_vendor_ids=sorted(set(options.excluded_vendor_ids)),
                          instance_json=json.dumps(built.data, indent=1),
                          solver_log="".join(f"note: {n}\n" for n in built.notes),
                          progress={"phase": "queued", "elapsed_s": 0}, note=options.note.strip(),
                          created_by_id=actor.id, created_at=now)
    session.add(run)
    session.flush()
    session.add_all(CycleOfferVersion(cycle_id=cycle.id, run_id=run.id, offer_version_id=v)
                    for v in built.offer_versions)
    record_event(session, actor, "run.started", run, alliance_id=actor.alliance_id,
                 after={"cycle_id": cycle.id, "number": number, "options": run.options,
                        "excluded_member_ids": run.excluded_member_ids,
                        "excluded_vendor_ids": run.excluded_vendor_ids})
    session.commit()
    if enqueue is not None:
        run.job_id = enqueue(run.id)[:100]
        session.commit()
    return run


def _require_runnable(session: Session, cycle: Cycle, actor: User, now: datetime) -> None:
    if cycle.status is CycleStatus.OPEN and now >= cycle.cutoff_at:
        mark_closed(session, cycle, actor, now)
    if cycle.status not in RUNNABLE:
        if cycle.status in (CycleStatus.DRAFT, CycleStatus.OPEN):
            raise ConflictError("The cycle is still open for needs: close it (or wait for the cutoff) "
                                "before running the optimizer.")
        raise ConflictError(f"This cycle is {cycle.status.label.lower()}: it can no longer be optimized.")
    active = session.scalars(select(OptimizationRun).where(
        OptimizationRun.cycle_id == cycle.id,
        OptimizationRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))).all()
    if any(not is_stale(run, now) for run in active):
        raise ConflictError("Another run of this cycle is still going: wait for it, or cancel it.")


def cancel_run(session: Session, actor: User, run_id: int, *, now: datetime | None = None) -> OptimizationRun:
    """Stop a run: a queued one is cancelled at once; a running one is asked to stop and keeps
    its best plan so far for reference (the job marks it cancelled within a second or two)."""
    run = get_scoped(session, actor, OptimizationRun, run_id)
    require_role(actor, Role.HUB_MANAGER)
    if run.status.finished:
        raise ConflictError(f"This run has already {run.status.label.lower()}.")
    if run.status is RunStatus.QUEUED or is_stale(run, now or utcnow()):
        run.status, run.finished_at = RunStatus.CANCELLED, now or utcnow()
    run.cancel_requested = True
    record_event(session, actor, "run.cancel_requested", run, alliance_id=actor.alliance_id,
                 after={"status": run.status.value})
    session.commit()
    return run


def is_stale(run: OptimizationRun, now: datetime) -> bool:
    """A queued or running run nobody has reported on for :data:`STALE_AFTER`."""
    if run.status.finished:
        return False
    seen = (run.progress or {}).get("updated_at")
    last = datetime.fromisoformat(seen) if seen else (run.started_at or run.created_at)
    # The standalone baselines and explanations may run a while without a report: allow for them.
    limit = STALE_AFTER + timedelta(seconds=int((run.options or {}).get("time_limit_s", 60)) * 4)
    return now - last > limit


#: The share of the progress bar each phase starts at (the solve fills up to standalone).
PHASES = {"queued": 0, "validate": 2, "build": 5, "solve": 10, "standalone": 75, "explain": 90,
          "verify": 95, "done": 100}


def run_progress(run: OptimizationRun, now: datetime | None = None) -> dict[str, Any]:
    """What the run page's progress bar shows: status, phase, elapsed seconds, best cost and
    bound so far (decimal strings), a percent estimate, and whether it is over."""
    now = now or utcnow()
    progress = dict(run.progress or {})
    phase = "done" if run.status.finished else progress.get("phase", "queued")
    elapsed = progress.get("elapsed_s", 0)
    if run.status is RunStatus.RUNNING and run.started_at is not None:
        elapsed = max(float(elapsed), (now - run.started_at).total_seconds())
    limit = float((run.options or {}).get("time_limit_s", 60))
    percent = PHASES.get(phase, 10)
    if phase == "solve":
        percent = 10 + min(1.0, float(elapsed) / max(limit, 1.0)) * 65
    return {"run": run.id, "status": run.status.value, "status_label": run.status.label,
            "finished": run.status.finished, "phase": phase, "elapsed_s": round(float(elapsed), 1),
            "best_cost": progress.get("best_cost"), "bound": progress.get("bound"),
            "percent": round(percent), "time_limit_s": limit, "stale": is_stale(run, now),
            "plan_status": run.plan_status, "total_cents": run.total_cents,
            "savings_cents": run.savings_cents, "error": run.error}


def run_plan(run: OptimizationRun) -> dict[str, Any] | None:
    """The run's plan JSON (the optimizer spec's plan), or None before it has one."""
    return json.loads(run.plan_json) if run.plan_json else None


def run_instance(run: OptimizationRun) -> dict[str, Any] | None:
    return json.loads(run.instance_json) if run.instance_json else None


@dataclass(frozen=True)
class MemberResult:
    """One member's part of a plan, in cents: charged, and alone (None: cannot buy alone)."""

    member_id: int
    cost_cents: int
    standalone_cents: int | None


def member_results(run: OptimizationRun) -> list[MemberResult]:
    """Each member's cost and standalone cost from the run's plan (empty without a plan): what
    a member share is made of."""
    plan = run_plan(run)
    if not plan:
        return []
    out = []
    for m in plan.get("members", []):
        alone = m.get("standalone_cost")
        out.append(MemberResult(int(m["member"][1:]), _cents(m["cost"]), None if alone is None else _cents(alone)))
    return out


def _cents(amount: str) -> int:
    return int((Decimal(amount) * 100).to_integral_value())
