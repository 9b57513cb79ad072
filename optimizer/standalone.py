"""Standalone baselines: what each member would pay buying alone, solved in parallel."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from decimal import Decimal

from optimizer.allocation import to_cents
from optimizer.core import optimize
from optimizer.evaluate import Packs
from optimizer.explain import presolve_reasons
from optimizer.instance import Instance
from optimizer.solver import MipSettings
from optimizer.structure import analyse

SMALL_WORK = 3000  # (site, offer) pairs below which the pool costs more than it saves


@dataclass(frozen=True)
class StandaloneResult:
    """A member's standalone optimum (cost in cents), or why it cannot buy alone."""

    member: str
    cents: int | None
    status: str  # optimal | feasible | infeasible | no_solution
    packs: Packs | None = None
    unmet: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def cost(self) -> Decimal | None:
        return None if self.cents is None else Decimal(self.cents) / 100


def standalone_cost(instance: Instance, member_id: str, time_limit_s: float | None = None,
                    mip_gap: float | None = None, threads: int | None = None) -> StandaloneResult:
    """Solve the instance restricted to one member's sites and demands.

    Returns the member's standalone cost in cents (`None` with the reasons in
    `unmet` when it cannot buy alone). Usable as a background job on its own.
    """
    began = time.monotonic()
    sub = instance.restricted_to({member_id})
    opts = sub.options
    st = analyse(sub)
    if not st.feasible_so_far:
        reasons = tuple(dict.fromkeys(presolve_reasons(st)))
        return StandaloneResult(member_id, None, "infeasible", unmet=reasons,
                                seconds=time.monotonic() - began)
    settings = MipSettings(time_limit=time_limit_s or opts.time_limit_s,
                           gap=opts.mip_gap if mip_gap is None else mip_gap, threads=threads,
                           phase="standalone")
    out = optimize(st, settings)
    if out.status == "infeasible":
        return StandaloneResult(member_id, None, "infeasible",
                                unmet=(f"member {member_id} cannot meet its demands alone: "
                                       f"vendor minimums or capacities cannot all be met",),
                                seconds=time.monotonic() - began)
    if out.packs is None:
        return StandaloneResult(member_id, None, out.status,
                                unmet=("no standalone plan found within the time limit",),
                                seconds=time.monotonic() - began)
    return StandaloneResult(member_id, to_cents(out.cost), out.status, out.packs,
                            seconds=time.monotonic() - began)


class _Ticker:
    def __init__(self, progress, total: int):
        self.progress, self.total, self.last = progress, total, time.monotonic()

    def tick(self, done: int) -> None:
        if self.progress is not None and time.monotonic() - self.last >= 2.0:
            self.last = time.monotonic()
            self.progress({"phase": "standalone", "members_done": done, "members": self.total})


class StandaloneRuns:
    """Standalone solves of every member, started at once and collected later."""

    def __init__(self, instance: Instance, *, time_limit_s: float, mip_gap: float,
                 threads: int | None, workers: int | None = None):
        self.instance = instance
        self.args = (time_limit_s, mip_gap)
        self.results: dict[str, StandaloneResult] = {}
        self.futures: dict[str, Future] = {}
        self.pool: ProcessPoolExecutor | None = None
        members = [m.id for m in instance.members]
        work = len(instance.demands) * max(1, len(instance.offers) // max(1, len(instance.items)))
        count = workers or os.cpu_count() or 1
        if len(members) > 1 and work > SMALL_WORK and count > 1:
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=min(count, len(members)),
                                            mp_context=context)
            for m in members:
                sub = instance.restricted_to({m})
                self.futures[m] = self.pool.submit(standalone_cost, sub, m, *self.args, 1)
        else:
            self.pending = members
            self.threads = threads

    def collect(self, should_stop: Callable[[], bool] | None = None,
                progress: Callable[[dict], None] | None = None) -> dict[str, StandaloneResult]:
        """Every member's result (members still unsolved when a stop is asked are left out)."""
        ticker = _Ticker(progress, len(self.instance.members))
        if self.pool is None:
            for m in self.pending:
                if should_stop is not None and should_stop():
                    break
                self.results[m] = standalone_cost(self.instance, m, *self.args, self.threads)
                ticker.tick(len(self.results))
            return self.results
        member_of = {future: m for m, future in self.futures.items()}
        try:
            pending = set(member_of)
            while pending:
                done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    self.results[member_of[future]] = future.result()
                ticker.tick(len(self.results))
                if should_stop is not None and should_stop():
                    break
        finally:
            self.pool.shutdown(cancel_futures=True)
        return self.results

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
