"""The pooled-order optimizer: validate an instance, solve it, check and explain the plan.

    from optimizer import load_instance, solve, check_plan
    plan = solve(load_instance(data))
    plan.to_json()

See `solve()` for the contract; the JSON formats are the project's optimizer spec.
"""

from optimizer.check import Violation, check_plan
from optimizer.errors import (
    CancelledError,
    InfeasibleError,
    InvalidInstanceError,
    OptimizerError,
    SolverError,
    VerificationError,
)
from optimizer.instance import Instance, Options, dump_instance, load_instance, read_instance
from optimizer.plan import Plan, Status
from optimizer.solve import SolveOptions, solve
from optimizer.standalone import StandaloneResult, standalone_cost

__all__ = [
    "CancelledError", "InfeasibleError", "Instance", "InvalidInstanceError", "OptimizerError",
    "Options", "Plan", "SolveOptions", "SolverError", "StandaloneResult", "Status",
    "VerificationError", "Violation", "check_plan", "dump_instance", "load_instance",
    "read_instance", "solve", "standalone_cost",
]
