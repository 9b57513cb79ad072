"""Choosing how to solve the pooled problem: one exact MIP, or per-site decomposition.

Fewer than `IMPROVE_MIN_SITES` sites: the exact MIP from the constructive
greedy. Up to `LARGE_PAIRS` (site, offer) pairs: the constructive greedy
improved by fix-and-optimize (`improve.py`, up to `IMPROVE_SHARE` of the time),
then the exact MIP from that plan for the bound (on the 15- and 50-site series
the decomposition's envelope bound stayed below the MIP's own, and its plans
above fix-and-optimize's). Larger alliances: the per-site decomposition first
(35% of the time where the exact model fits; on 200 dense sites the MIP's root
cuts then lift the bound well above the envelope bound): a bound from envelope
prices and a repaired, re-priced plan. Then, if the gap is still open, time is left and the model is small
enough to build (`MIP_MAX_PAIRS`), the exact MIP from that plan; the bound is
the better of the two. Statewide alliances are solved by the decomposition
alone, which scales with the number of sites and runs on every core.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from optimizer.check import check_packs
from optimizer.core import Outcome, optimize, optimize_around
from optimizer.decompose import Decomposition, decompose
from optimizer.errors import VerificationError
from optimizer.evaluate import Packs, evaluate
from optimizer.heuristics import construct_start
from optimizer.improve import fix_and_optimize
from optimizer.solver import MipSettings
from optimizer.structure import Structure

LARGE_PAIRS = 30_000  # from here the decomposition gets most of the time
MIP_MAX_PAIRS = 80_000  # above this no exact model is built (its root alone takes minutes)
MIP_MIN_SHARE = 0.2  # a large alliance's MIP runs only with this share of the time left
IMPROVE_MIN_SITES = 8  # below this the MIP alone is quicker
IMPROVE_SHARE = 0.5  # of the time left, at most, for fix-and-optimize before the MIP
LARGE_SHARE = 0.35  # for large alliances whose exact model still fits: the MIP's bound
ALONE_SHARE = 0.8  # when the decomposition is all there is (the rest: standalone, checks)


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
    if len(st.ub) <= LARGE_PAIRS:
        if len(st.instance.sites) < IMPROVE_MIN_SITES:
            return _by_mip(st, budget, [construct_start(st.instance)])
        return _improved_mip(st, budget)
    began = time.monotonic()
    mip_fits = len(st.ub) <= MIP_MAX_PAIRS
    share = LARGE_SHARE if mip_fits else ALONE_SHARE
    greedy: list[Packs] = []

    def seed() -> Packs:
        greedy.append(construct_start(st.instance))
        return greedy[0]

    dec = decompose(st, time.monotonic() + share * budget.remaining(), workers=budget.workers,
                    progress=budget.progress, should_stop=budget.should_stop, seed=seed)
    seconds = time.monotonic() - began
    if dec.infeasible_sites:
        return Outcome(status="infeasible", log=dec.log, solve_s=seconds,
                       infeasible_sites=dec.infeasible_sites)
    first = _from_decomposition(st, dec, budget, seconds)
    no_time = budget.remaining() < MIP_MIN_SHARE * budget.time_limit
    if first.status == "optimal" or _stopped(budget) or not mip_fits or no_time:
        if first.packs is None:
            return _by_mip(st, budget, [construct_start(st.instance)]) if mip_fits else (
                _greedy_only(st, first))
        return first
    starts = (greedy or [construct_start(st.instance)]) + ([first.packs] if first.packs else [])
    out = _by_mip(st, budget, starts)
    out.log = dec.log + out.log
    return _combine(out, first, dec, budget.gap)


def _improved_mip(st: Structure, budget: Budget) -> Outcome:
    """The constructive plan, improved by fix-and-optimize, then the exact MIP from it."""
    start = construct_start(st.instance)
    if not start or check_packs(st.instance, start):  # no valid plan to improve
        return _by_mip(st, budget, [start])
    deadline = time.monotonic() + IMPROVE_SHARE * budget.remaining()
    better = fix_and_optimize(st, start, deadline, threads=budget.threads,
                              should_stop=budget.should_stop, progress=budget.progress)
    out = _by_mip(st, budget, [better.packs])
    out.log = better.log + out.log
    if out.cost is None or out.cost > better.cost:  # the MIP lost its start (CBC fallback)
        out.packs, out.cost, out.status = better.packs, better.cost, "feasible"
        out.status = _status(out, budget.gap)
    if out.cost is not None and out.cost >= better.cost:  # the MIP kept its start
        out.method["plan"] = ("constructive greedy, then fix-and-optimize" if better.gains
                              else "constructive greedy")
    return out


def _greedy_only(st: Structure, first: Outcome) -> Outcome:
    """The constructive plan, when the decomposition could not produce one in time."""
    packs = construct_start(st.instance)
    if check_packs(st.instance, packs):
        return first
    first.packs, first.cost, first.status = packs, evaluate(st.instance, packs).total, "feasible"
    first.method = {"plan": "constructive greedy", "bound": "per-site decomposition at "
                    "envelope prices" if first.bound is not None else "none"}
    return first


def _stopped(budget: Budget) -> bool:
    return budget.should_stop is not None and budget.should_stop()


def _by_mip(st: Structure, budget: Budget, starts: list) -> Outcome:
    settings = MipSettings(time_limit=max(1.0, budget.remaining()), gap=budget.gap,
                           threads=budget.threads, progress=budget.progress,
                           should_stop=budget.should_stop, lp_relaxation=True,
                           started_at=budget.started_at)
    return optimize(st, settings, starts=starts)


def _from_decomposition(st: Structure, dec: Decomposition, budget: Budget,
                        seconds: float) -> Outcome:
    if dec.cost is None:
        return Outcome(status="no_solution", bound=dec.bound, log=dec.log, solve_s=seconds)
    broken = check_packs(st.instance, dec.packs)
    if broken:  # a pooled minimum or capacity the bans could not repair
        if not _repair_around(st, dec, broken, budget):
            return Outcome(status="no_solution", bound=dec.bound, log=dec.log, solve_s=seconds)
    out = Outcome(status="feasible", packs=dec.packs, cost=dec.cost, bound=dec.bound,
                  solver="HiGHS (per site)", solve_s=seconds, log=list(dec.log),
                  method={"plan": f"per-site decomposition ({dec.method}), {dec.rounds} "
                                  f"round(s)",
                          "bound": "per-site decomposition at envelope prices"})
    out.status = _status(out, budget.gap)
    return out


def _repair_around(st: Structure, dec: Decomposition, broken: list, budget: Budget) -> bool:
    """Fix-and-optimize over the sites that may buy the offers whose pooled rules break."""
    offers = {o for o in st.cap if any(f"offer {o}:" in v.message for v in broken)}
    free = {s for o in offers for s in st.sites_of_offer.get(o, ())}
    if not free:
        return False
    settings = MipSettings(time_limit=max(5.0, min(60.0, 0.5 * budget.remaining())),
                           gap=budget.gap, threads=budget.threads, phase="repair")
    out = optimize_around(st, dec.packs, free, settings)
    dec.log.append(f"repaired {len(offers)} offer(s) over {len(free)} sites: {out.status}")
    if out.packs is None or check_packs(st.instance, out.packs):
        return False
    dec.packs, dec.cost = out.packs, out.cost
    return True


def _combine(out: Outcome, first: Outcome, dec: Decomposition, gap: float) -> Outcome:
    """The MIP's outcome, with the decomposition's plan or bound where they are better."""
    if first.cost is not None and (out.cost is None or first.cost < out.cost):
        out.packs, out.cost = first.packs, first.cost
        out.method["plan"] = first.method["plan"]
    if dec.bound is not None and out.cost is not None:
        if dec.bound > float(out.cost) * (1 + 1e-6) + 0.01:
            raise VerificationError(f"decomposition bound {dec.bound:.2f} above a plan costing "
                                    f"{out.cost}")
        if out.bound is None or dec.bound > out.bound:
            out.bound = dec.bound
            out.method["bound"] = "per-site decomposition at envelope prices"
    out.status = _status(out, gap) if out.cost is not None else out.status
    return out


def _status(out: Outcome, gap: float) -> str:
    if out.cost is None or out.bound is None:
        return out.status
    cost = float(out.cost)
    return "optimal" if cost <= 0 or (cost - out.bound) / cost <= gap + 1e-12 else "feasible"
