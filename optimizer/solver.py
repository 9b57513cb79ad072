"""Running a built model: HiGHS in process through PuLP, with a start, callbacks and bulk loading.

`pulp.HiGHS` hands the model to HiGHS one row at a time and has no warm start;
`_Highs` below passes the whole matrix at once, sets a MIP start with
`setSolution` before `run()`, reports progress and honours a stop request
from HiGHS' interrupt callback. CBC (`pulp.COIN_CMD`) is the fallback when
HiGHS is missing or fails.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pulp
from pulp.apis.coin_api import pulp_cbc_path

from optimizer.errors import SolverError
from optimizer.formulation import Formulation

try:
    import highspy

    _HIGHS_VERSION = highspy.Highs().version()
except ImportError:  # pragma: no cover - highspy is a dependency
    highspy = None

Progress = Callable[[dict], None]

_fixed_threads: int | None = None
LP_RELAXATION_MAX_COLUMNS = 20_000  # above: the root's first bound stands in for the LP  # HiGHS fixes its scheduler at the first solve in a process


def threads_for_process(requested: int | None) -> int:
    """The one HiGHS threads value this process uses (the first one asked for wins)."""
    global _fixed_threads
    if _fixed_threads is None:
        _fixed_threads = max(1, int(requested or 1))
    return _fixed_threads


@dataclass
class MipResult:
    status: str  # optimal | feasible | infeasible | no_solution
    objective: float | None = None
    bound: float | None = None
    lp_bound: float | None = None
    solver: str = ""
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass
class MipSettings:
    time_limit: float = 60.0
    gap: float = 1e-4
    threads: int | None = None
    start: dict | None = None  # variable -> value: a complete feasible assignment
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None
    lp_relaxation: bool = False
    phase: str = "solve"
    started_at: float = field(default_factory=time.monotonic)
    cutoff: float | None = None  # objective known to be achievable (prunes worse nodes)
    highs_options: dict = field(default_factory=dict)  # any HiGHS option by name


class _Highs(pulp.HiGHS):
    """pulp.HiGHS with bulk model loading, a MIP start, progress and a stop request."""

    def __init__(self, settings: MipSettings):
        super().__init__(msg=False, timeLimit=settings.time_limit, gapRel=settings.gap,
                         threads=threads_for_process(settings.threads),
                         **settings.highs_options)
        self.settings = settings
        self.result = MipResult(status="no_solution", solver=f"HiGHS {_HIGHS_VERSION}")
        self._last_report = 0.0

    def buildSolverModel(self, lp):
        h = lp.solverModel
        variables = lp.variables()
        for i, var in enumerate(variables):
            var.index = i
        n = len(variables)
        inf = highspy.kHighsInf
        cost = np.fromiter((lp.objective.get(v, 0.0) for v in variables), float, n)
        lower = np.fromiter((-inf if v.lowBound is None else v.lowBound for v in variables),
                            float, n)
        upper = np.fromiter((inf if v.upBound is None else v.upBound for v in variables), float, n)
        h.addCols(n, cost, lower, upper, 0, np.zeros(0, np.int32), np.zeros(0, np.int32),
                  np.zeros(0, float))
        integer = np.array([v.index for v in variables if v.cat == pulp.LpInteger], np.int32)
        if len(integer):
            h.changeColsIntegrality(len(integer), integer,
                                    np.full(len(integer), 1, np.uint8))
        self._add_rows(lp, h, inf)

    @staticmethod
    def _add_rows(lp, h, inf) -> None:
        constraints = list(lp._constraints.values())
        starts, indices, values, lows, ups = [], [], [], [], []
        count = 0
        for i, con in enumerate(constraints):
            con.index = i
            starts.append(count)
            for var, coef in con.items():
                if coef:
                    indices.append(var.index)
                    values.append(coef)
                    count += 1
            lb, ub = con.getLb(), con.getUb()
            lows.append(-inf if lb is None else lb)
            ups.append(inf if ub is None else ub)
        if constraints:
            h.addRows(len(constraints), np.array(lows, float), np.array(ups, float), count,
                      np.array(starts, np.int32), np.array(indices, np.int32),
                      np.array(values, float))

    def callSolver(self, lp):
        h = lp.solverModel
        s = self.settings
        if s.lp_relaxation and h.getNumCol() <= LP_RELAXATION_MAX_COLUMNS:
            self._relaxation(h)
        if s.start is not None:
            idx = np.array([var.index for var in s.start], np.int32)
            vals = np.array(list(s.start.values()), float)
            h.setSolution(len(idx), idx, vals)
        if s.cutoff is not None:
            h.setOptionValue("objective_bound", s.cutoff)
        h.cbMipInterrupt.subscribe(self._on_interrupt)
        h.cbMipImprovingSolution.subscribe(self._on_improvement)
        h.run()

    def _relaxation(self, h) -> None:
        h.setOptionValue("solve_relaxation", True)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            self.result.lp_bound = h.getInfo().objective_function_value
        h.setOptionValue("solve_relaxation", False)

    def _on_interrupt(self, event) -> None:
        s = self.settings
        if self.result.lp_bound is None and s.lp_relaxation:  # first root bound: the LP's
            self.result.lp_bound = _finite(event.data_out.mip_dual_bound)
        if s.should_stop is not None and s.should_stop():
            event.interrupt()
        now = time.monotonic()
        if s.progress is not None and now - self._last_report >= 1.0:
            self._last_report = now
            out = event.data_out
            s.progress({"phase": s.phase, "elapsed_s": round(now - s.started_at, 2),
                        "best_cost": _finite(out.mip_primal_bound),
                        "bound": _finite(out.mip_dual_bound)})

    def _on_improvement(self, event) -> None:
        out = event.data_out
        self.result.log.append(f"{out.running_time:.2f}s incumbent {out.objective_function_value:.2f}"
                               f" bound {out.mip_dual_bound:.2f}")


def _finite(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) and abs(value) < 1e29 else None


def run_mip(model: Formulation, settings: MipSettings) -> MipResult:
    """Solve the model with HiGHS (CBC if HiGHS is missing or fails); variables get values."""
    started = time.monotonic()
    if highspy is not None:
        try:
            result = _run_highs(model, settings)
            result.seconds = time.monotonic() - started
            return result
        except Exception as exc:  # noqa: BLE001 - any HiGHS failure falls back to CBC
            failure = f"HiGHS failed ({exc}); falling back to CBC"
        else:  # pragma: no cover
            failure = ""
    else:  # pragma: no cover
        failure = "HiGHS unavailable; using CBC"
    result = _run_cbc(model, settings)
    result.log.insert(0, failure)
    result.seconds = time.monotonic() - started
    return result


def _run_highs(model: Formulation, settings: MipSettings) -> MipResult:
    solver = _Highs(settings)
    model.prob.solve(solver)
    h = model.prob.solverModel
    status = h.getModelStatus()
    info = h.getInfo()
    result = solver.result
    kinds = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2
    if status == kinds.kOptimal:
        result.status = "optimal"
    elif status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
        result.status = "infeasible"
    elif status == kinds.kModelEmpty:
        result.status, result.objective, result.bound = "optimal", 0.0, 0.0
        return result
    elif status in (kinds.kTimeLimit, kinds.kInterrupt, kinds.kHighsInterrupt,
                    kinds.kIterationLimit, kinds.kSolutionLimit, kinds.kObjectiveBound,
                    kinds.kMemoryLimit):
        result.status = "feasible" if has_solution else "no_solution"
    else:
        raise SolverError(f"HiGHS ended with status {h.modelStatusToString(status)}")
    if has_solution:
        result.objective = info.objective_function_value
    result.bound = _finite(info.mip_dual_bound)
    if result.status == "optimal" and result.bound is None:
        result.bound = result.objective
    return result


def _run_cbc(model: Formulation, settings: MipSettings) -> MipResult:
    path = shutil.which("cbc") or pulp_cbc_path
    solver = pulp.COIN_CMD(path=path, msg=False, timeLimit=settings.time_limit,
                           gapRel=settings.gap, warmStart=settings.start is not None)
    if settings.start is not None:
        for var, value in settings.start.items():
            var.setInitialValue(value)
    model.prob.solve(solver)
    status = model.prob.status
    sol = model.prob.sol_status
    result = MipResult(status="no_solution", solver="CBC")
    if status == pulp.LpStatusInfeasible:
        result.status = "infeasible"
    elif sol == pulp.LpSolutionOptimal:
        result.status = "optimal"
    elif sol == pulp.LpSolutionIntegerFeasible:
        result.status = "feasible"
    if result.has_solution:
        result.objective = pulp.value(model.prob.objective)
        result.bound = result.objective if result.status == "optimal" else None
    return result
