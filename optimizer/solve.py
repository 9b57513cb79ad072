"""solve(instance) = validate -> presolve -> build -> solve -> extract -> verify -> split."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from optimizer.allocation import cents_to_decimal, member_charges, to_cents
from optimizer.check import check_plan
from optimizer.core import Outcome
from optimizer.errors import CancelledError, SolverError, VerificationError
from optimizer.evaluate import Packs, evaluate
from optimizer.explain import binding_notes, explain_infeasible, presolve_reasons
from optimizer.instance import Instance, load_instance
from optimizer.plan import MemberCost, Plan, Status, priced_plan
from optimizer.pooled import LARGE_PAIRS, Budget, solve_pooled
from optimizer.standalone import StandaloneResult, StandaloneRuns
from optimizer.structure import analyse

_UNSET: Any = object()


@dataclass(frozen=True)
class SolveOptions:
    """Overrides of the instance's options, and what else to compute.

    `None` leaves the instance's value; `max_vendors_per_site` is only changed
    when given (pass `None` explicitly to lift the limit).
    """

    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    max_overbuy_fraction: Decimal | None = None
    max_vendors_per_site: Any = _UNSET
    standalone: bool = True  # solve each member alone for the split and the savings
    explain: bool = True  # price binding limits (re-solves within a time budget)
    workers: int | None = None  # processes for standalone solves (None: all cores)


class _Clock:
    def __init__(self, progress: Callable[[dict], None] | None):
        self.progress = progress
        self.began = time.monotonic()
        self.timings: dict[str, float] = {}

    def phase(self, name: str, **data: Any) -> None:
        self.event({"phase": name, **data})

    def event(self, data: dict) -> None:
        if self.progress is not None:
            self.progress({"elapsed_s": round(self.elapsed, 2), **data})

    @property
    def reporter(self) -> Callable[[dict], None] | None:
        return None if self.progress is None else self.event

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.began


def effective_instance(instance: Instance, options: SolveOptions | None) -> Instance:
    """The instance with the overrides of `options` applied."""
    if options is None:
        return instance
    changes: dict[str, Any] = {}
    for name in ("time_limit_s", "mip_gap", "threads", "max_overbuy_fraction"):
        value = getattr(options, name)
        if value is not None:
            changes[name] = Decimal(str(value)) if name == "max_overbuy_fraction" else value
    if options.max_vendors_per_site is not _UNSET:
        changes["max_vendors_per_site"] = options.max_vendors_per_site
    return instance.with_options(**changes) if changes else instance


def solve(instance: Instance | dict, options: SolveOptions | None = None, *,
          progress: Callable[[dict], None] | None = None,
          should_stop: Callable[[], bool] | None = None,
          standalone: dict[str, StandaloneResult] | None = None) -> Plan:
    """Find the cheapest pooled plan for an instance and explain it.

    `instance` is an `Instance` or the contract's JSON (validated first:
    `InvalidInstanceError` lists every problem). `options` overrides the
    instance's time limit, gap, threads, overbuy and vendors-per-site limit.
    `progress` receives dicts (phase, elapsed_s, best_cost, bound) at least
    every couple of seconds while solving; `should_stop` returning True ends
    the search: the best plan so far comes back as `feasible`, or
    `CancelledError` is raised if there is none. `standalone` passes member
    baselines computed elsewhere (e.g. as background jobs).

    Returns a `Plan` whose every line has been re-checked against rules 1-6;
    raises `VerificationError` (never returns) if the solver's cost and the
    re-evaluated cost differ. Infeasible instances return a plan with status
    `infeasible` and `unmet` saying why, in plain words.
    """
    clock = _Clock(progress)
    clock.phase("validate")
    inst = effective_instance(instance if isinstance(instance, Instance)
                              else load_instance(instance), options)
    opts = options or SolveOptions()
    began = time.monotonic()
    st = analyse(inst)
    clock.timings["presolve_s"] = time.monotonic() - began
    if not st.feasible_so_far:
        return _infeasible(presolve_reasons(st), clock)
    runs = _start_standalone(inst, opts) if standalone is None else None
    try:
        plan, outcome = _pooled(inst, st, clock, should_stop, opts.workers)
        if plan.status is not Status.INFEASIBLE:
            clock.phase("standalone")
            began = time.monotonic()
            results = standalone if standalone is not None else _collect(
                runs, inst, plan, outcome, should_stop, clock.reporter)
            clock.timings["standalone_s"] = time.monotonic() - began
            plan = _with_members(inst, plan, outcome, results)
    finally:
        if runs is not None:
            runs.cancel()
    stopped = should_stop is not None and should_stop()
    if plan.status is not Status.INFEASIBLE and opts.explain and not stopped:
        _explain(inst, st, plan, clock)
    clock.phase("verify")
    _final_check(inst, plan)
    plan.timings = {**plan.timings, **clock.timings, "total_s": clock.elapsed}
    return plan


def _start_standalone(inst: Instance, opts: SolveOptions) -> StandaloneRuns | None:
    """Members' standalone solves, started now and run while the pooled one runs."""
    if not opts.standalone or len(inst.members) < 2:
        return None
    cores = opts.workers or os.cpu_count() or 1
    limit = inst.options.time_limit_s
    each = min(limit, max(5.0, limit * cores / len(inst.members)))
    return StandaloneRuns(inst, time_limit_s=each, mip_gap=inst.options.mip_gap,
                          threads=inst.options.threads, workers=opts.workers)


def _explain(inst: Instance, st, plan: Plan, clock: _Clock) -> None:
    began = time.monotonic()
    budget = min(30.0, 0.25 * inst.options.time_limit_s)
    plan.notes += binding_notes(inst, plan.packs, evaluate(inst, plan.packs).total, budget,
                                resolve=len(st.ub) <= LARGE_PAIRS)
    clock.timings["explain_s"] = time.monotonic() - began


def _infeasible(reasons: list[str], clock: _Clock, found_by: str = "presolve") -> Plan:
    unique = list(dict.fromkeys(reasons))
    return Plan(status=Status.INFEASIBLE, unmet=unique, timings={"total_s": clock.elapsed},
                method={"infeasible": found_by})


def _pooled(inst: Instance, st, clock: _Clock, should_stop, workers) -> tuple[Plan, Outcome]:
    opts = inst.options
    clock.phase("build")
    budget = Budget(time_limit=opts.time_limit_s, gap=opts.mip_gap, threads=opts.threads,
                    started_at=clock.began, progress=clock.reporter, should_stop=should_stop,
                    workers=workers)
    began = time.monotonic()
    outcome = solve_pooled(st, budget)
    # build: the exact model's construction; solve: everything else (heuristics included)
    clock.timings.update(build_s=outcome.build_s,
                         solve_s=time.monotonic() - began - outcome.build_s)
    if outcome.status == "infeasible":
        sites = outcome.infeasible_sites or None
        reasons = explain_infeasible(st, opts.time_limit_s, sites)
        found_by = "sites that cannot buy even alone" if sites else "the exact model"
        return _infeasible(reasons, clock, found_by), outcome
    if outcome.packs is None:
        if should_stop is not None and should_stop():
            raise CancelledError("stopped before any plan was found")
        raise SolverError(f"no plan found within {opts.time_limit_s:g} s")
    return _plan_of(inst, outcome), outcome


def _plan_of(inst: Instance, outcome: Outcome) -> Plan:
    optimal = outcome.status == "optimal"
    bound = outcome.bound if outcome.bound is not None else outcome.lp_bound
    plan = priced_plan(inst, outcome.packs, Status.OPTIMAL if optimal else Status.FEASIBLE, bound)
    plan.lp_bound = None if outcome.lp_bound is None else Decimal(repr(outcome.lp_bound)).quantize(
        Decimal("0.01"))
    plan.method, plan.solver, plan.log = dict(outcome.method), outcome.solver, list(outcome.log)
    if outcome.bound is None and bound is not None:
        plan.method["bound"] = "lp relaxation"
    return plan


def _collect(runs, inst, plan, outcome, should_stop, progress) -> dict[str, StandaloneResult]:
    if runs is not None:
        return runs.collect(should_stop, progress)
    if len(inst.members) != 1:  # standalone solves were not asked for
        return {}
    # One member: its standalone plan is the pooled plan itself.
    member = inst.members[0].id
    status = "optimal" if plan.status is Status.OPTIMAL else "feasible"
    return {member: StandaloneResult(member, to_cents(outcome.cost), status, plan.packs)}


def _with_members(inst: Instance, plan: Plan, outcome: Outcome,
                  results: dict[str, StandaloneResult]) -> Plan:
    union = _union(results, inst)
    if union is not None:
        union_cost = evaluate(inst, union).total
        if union_cost < outcome.cost:
            bound = plan.lower_bound
            plan = replace(priced_plan(inst, union, Status.FEASIBLE, bound),
                           lp_bound=plan.lp_bound, solver=plan.solver, log=plan.log,
                           method={"plan": "union of standalone plans",
                                   "bound": plan.method.get("bound", "")},
                           notes=plan.notes + ["the members' standalone plans together cost less "
                                               "than the pooled plan found in time; returned"])
    own: dict[str, int] = {m.id: 0 for m in inst.members}
    member_of = {s.id: s.member for s in inst.sites}
    for line in plan.lines:
        own[member_of[line.site]] += to_cents(line.amount)
    for d in plan.deliveries:
        own[member_of[d.site]] += to_cents(d.fee)
    alone = {m: (r.cents if r is not None else None)
             for m, r in ((m, results.get(m)) for m in own)}
    charges = member_charges(own, alone)
    plan.members = [_member_cost(m, charges[m], results.get(m)) for m in own]
    with_alone = [mc for mc in plan.members if mc.standalone_cost is not None]
    if any(mc.cost > mc.standalone_cost for mc in with_alone):
        plan.notes.append("the members' standalone plans cannot all be carried out together "
                          "(they share offers' capacities), and pooling costs more than their "
                          "sum: the difference is shared in proportion to standalone costs")
    if with_alone:
        plan.standalone_cost = sum((mc.standalone_cost for mc in with_alone), Decimal(0))
        plan.savings = plan.standalone_cost - sum((mc.cost for mc in with_alone), Decimal(0))
    return plan


def _member_cost(member: str, cents: int, result: StandaloneResult | None) -> MemberCost:
    cost = cents_to_decimal(cents)
    if result is None or result.cents is None:
        unmet = result.unmet if result is not None else ("standalone cost not computed",)
        return MemberCost(member, cost, None, None, tuple(unmet))
    alone = cents_to_decimal(result.cents)
    return MemberCost(member, cost, alone, alone - cost)


def _union(results: dict[str, StandaloneResult], inst: Instance) -> Packs | None:
    if len(results) < 2 or any(r.packs is None for r in results.values()):
        return None
    union: Packs = {}
    for r in results.values():
        union.update(r.packs)
    pooled: dict[str, int] = {}
    for (_, offer), n in union.items():
        pooled[offer] = pooled.get(offer, 0) + n
    for offer, n in pooled.items():
        cap = inst.offer_by_id[offer].max_packs
        if cap is not None and n > cap:
            return None
    return union


def _final_check(inst: Instance, plan: Plan) -> None:
    problems = check_plan(inst, plan.to_json())
    if problems:
        raise VerificationError("the plan fails its own check: "
                                + "; ".join(str(p) for p in problems))
