"""One optimisation run on a presolved instance: build, start, solve, extract, verify.

Shared by the pooled solve and the standalone (one member) solves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from optimizer.errors import VerificationError
from optimizer.evaluate import Packs, evaluate
from optimizer.formulation import Formulation, build
from optimizer.solver import MipResult, MipSettings, run_mip
from optimizer.structure import Structure


@dataclass
class Outcome:
    """The best plan found (as packs), its exact cost, and what is proven about it."""

    status: str  # optimal | feasible | infeasible | no_solution
    packs: Packs | None = None
    cost: Decimal | None = None  # exact, by rules 4 to 6
    bound: float | None = None
    lp_bound: float | None = None
    solver: str = ""
    method: dict[str, str] = field(default_factory=dict)
    build_s: float = 0.0
    solve_s: float = 0.0
    log: list[str] = field(default_factory=list)
    infeasible_sites: list[str] = field(default_factory=list)  # sites that cannot buy at all


StartFinder = Callable[[Structure], Packs | None]


def optimize(st: Structure, settings: MipSettings, *, starts: list[Packs] | None = None,
             split_sites: bool = False) -> Outcome:
    """Build the exact model, try the given starts (cheapest feasible one first), solve, verify."""
    began = time.monotonic()
    model = build(st, split_sites=split_sites)
    built = time.monotonic()
    start, start_cost = _best_start(model, starts or [])
    if start is not None:
        settings.start = start
    result = run_mip(model, settings)
    out = Outcome(status=result.status, bound=result.bound, lp_bound=result.lp_bound,
                  solver=result.solver, build_s=built - began, solve_s=result.seconds,
                  log=list(result.log), method={"plan": "mip", "bound": "mip"})
    if start is not None:
        out.log.insert(0, f"start plan {start_cost:.2f}")
    if result.has_solution:
        out.packs = model.packs()
        out.cost = verify_solution(st, model, out.packs, result)
    return out


def _best_start(model: Formulation, starts: list[Packs]) -> tuple[dict | None, float]:
    best, best_cost = None, float("inf")
    for packs in starts:
        values = model.complete(packs) if packs is not None else None
        if values is None or not _keeps_rows(model, values):
            continue
        cost = model.objective_at(values)
        if cost < best_cost:
            best, best_cost = values, cost
    return best, best_cost


def _keeps_rows(model: Formulation, values: dict) -> bool:
    for con in model.prob.constraints():
        activity = sum(coef * values.get(var, 0.0) for var, coef in con.items())
        lb, ub = con.getLb(), con.getUb()
        if (lb is not None and activity < lb - 1e-6) or (ub is not None and activity > ub + 1e-6):
            return False
    return True


def verify_solution(st: Structure, model: Formulation, packs: Packs, result: MipResult) -> Decimal:
    """The exact cost of the solver's plan; raises if the model priced it differently."""
    exact = evaluate(st.instance, packs).total
    values = model.complete(packs)
    if values is None:
        raise VerificationError("the solver's plan breaks a minimum or capacity on pooled packs")
    model_cost = model.objective_at(values)
    tolerance = 1e-6 * max(1.0, abs(model_cost)) + 1e-4
    if abs(model_cost - float(exact)) > tolerance:
        raise VerificationError(f"the model prices the plan at {model_cost:.4f} but the rules "
                                f"give {exact}")
    if result.objective is not None and result.objective < model_cost - tolerance:
        raise VerificationError(f"the solver reports {result.objective:.4f} for a plan that "
                                f"costs {exact}")
    return exact


def optimize_around(st: Structure, packs: Packs, free_sites: set[str],
                    settings: MipSettings) -> Outcome:
    """Fix-and-optimize: the exact model with every other site's packs fixed to `packs`.

    Repairs pooled minimums and capacities a per-site plan broke, or improves a
    plan region by region. The sites' deliveries and all tiers stay free.
    """
    began = time.monotonic()
    model = build(st)
    for (site, offer), var in model.x.items():
        if site not in free_sites:
            var.lowBound = var.upBound = packs.get((site, offer), 0)
    built = time.monotonic()
    start, _ = _best_start(model, [packs])
    settings.start = start
    result = run_mip(model, settings)
    out = Outcome(status=result.status, bound=None, solver=result.solver,
                  build_s=built - began, solve_s=result.seconds, log=list(result.log),
                  method={"plan": "fix-and-optimize", "bound": "none"})
    if result.has_solution:
        out.packs = model.packs()
        out.cost = verify_solution(st, model, out.packs, result)
    return out
