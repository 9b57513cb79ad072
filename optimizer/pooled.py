"""Choosing how to solve the pooled problem: one exact MIP, or per-site decomposition.

Up to `LARGE_PAIRS` (site, offer) pairs: starts from the constructive greedy and
(for alliances of several sites) from the decomposition's re-priced plan, then
the exact MIP with the rest of the time; the bound is the better of the MIP's
and the decomposition's. Above it: the decomposition alone (bound from
envelope prices, plan re-priced and repaired), which scales with the number of
sites and runs on every core.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from optimizer.check import check_packs
from optimizer.core import Outcome, optimize
from optimizer.decompose import Decomposition, decompose
from optimizer.errors import VerificationError
from optimizer.heuristics import construct_start
from optimizer.solver import MipSettings
from optimizer.structure import Structure

LARGE_PAIRS = 60_000
DECOMPOSE_MIN_SITES = 8  # below this the MIP alone is quicker
DECOMPOSE_SHARE = 0.3  # of the time limit, at most, before the MIP


@dataclass
class Budget:
    time_limit: float
    gap: float
    threads: int | None = None
    started_at: float = 0.0
    progress: Callable[[dict], None] | None = None
    should_stop: Callable[[], bool] | None = None
    workers: int | None = None

    @property
    def deadline(self) -> float:
        return self.started_at + self.time_limit

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def solve_pooled(st: Structure, budget: Budget) -> Outcome:
    """The best pooled plan within the budget, with its proven bound and method."""
    if len(st.ub) > LARGE_PAIRS:
        return _by_decomposition(st, budget)
    return _by_mip(st, budget)


def _decomposition(st: Structure, budget: Budget, share: float) -> Decomposition:
    return decompose(st, time.monotonic() + share * budget.remaining(), workers=budget.workers,
                     progress=budget.progress, should_stop=budget.should_stop)


def _by_mip(st: Structure, budget: Budget) -> Outcome:
    began = time.monotonic()
    starts = [construct_start(st.instance)]
    dec = None
    if len(st.instance.sites) >= DECOMPOSE_MIN_SITES:
        dec = _decomposition(st, budget, DECOMPOSE_SHARE)
        starts.append(dec.packs)
    heuristics_s = time.monotonic() - began
    settings = MipSettings(time_limit=max(1.0, budget.remaining()), gap=budget.gap,
                           threads=budget.threads, progress=budget.progress,
                           should_stop=budget.should_stop, lp_relaxation=True,
                           started_at=budget.started_at)
    out = optimize(st, settings, starts=starts)
    out.build_s += heuristics_s
    if dec is not None:
        out.log = dec.log + out.log
        if dec.bound is None:
            return out
        if out.cost is not None and dec.bound > float(out.cost) + 1e-6 * float(out.cost) + 0.01:
            raise VerificationError(f"decomposition bound {dec.bound:.2f} above a plan costing "
                                    f"{out.cost}")
        if out.cost is not None and (out.bound is None or dec.bound > out.bound):
            out.bound = dec.bound
            out.method["bound"] = "per-site decomposition at envelope prices"
            out.status = _status(out, budget.gap)
    return out


def _by_decomposition(st: Structure, budget: Budget) -> Outcome:
    began = time.monotonic()
    dec = _decomposition(st, budget, 1.0)
    if dec.cost is None:  # stopped before the first complete round
        return Outcome(status="no_solution", log=dec.log)
    problems = check_packs(st.instance, dec.packs)
    if problems:  # repair failed (a pooled minimum or capacity): the exact model decides
        out = _by_mip(st, budget)
        out.log = [f"decomposition plan breaks {len(problems)} rule(s); solved as one MIP"] + out.log
        return out
    out = Outcome(status="feasible", packs=dec.packs, cost=dec.cost, bound=dec.bound,
                  solver="HiGHS (per site)", solve_s=time.monotonic() - began, log=dec.log,
                  method={"plan": f"per-site decomposition, re-priced {dec.rounds} time(s)",
                          "bound": "per-site decomposition at envelope prices"})
    out.status = _status(out, budget.gap)
    return out


def _status(out: Outcome, gap: float) -> str:
    if out.cost is None or out.bound is None:
        return out.status
    cost = float(out.cost)
    return "optimal" if cost <= 0 or (cost - out.bound) / cost <= gap + 1e-12 else "feasible"
