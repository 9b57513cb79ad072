"""The optimizer's errors: one small tree, translated at each boundary."""

from __future__ import annotations


class OptimizerError(Exception):
    """Base of every error the optimizer raises on purpose."""

    code = "optimizer_error"


class InvalidInstanceError(OptimizerError):
    """The instance breaks the contract; `problems` names every bad thing found."""

    code = "invalid_instance"

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the instance"
        super().__init__(head + ":\n" + "\n".join(f"- {p}" for p in self.problems))


class InfeasibleError(OptimizerError):
    """No plan keeps the rules; `unmet` says why in plain words."""

    code = "infeasible"

    def __init__(self, unmet: list[str]):
        self.unmet = list(unmet)
        super().__init__("no plan keeps the rules:\n" + "\n".join(f"- {u}" for u in self.unmet))


class SolverError(OptimizerError):
    """The MIP solver failed or is unavailable."""

    code = "solver_error"


class VerificationError(SolverError):
    """A plan the solver produced does not survive independent re-evaluation (a bug)."""

    code = "verification_failed"


class CancelledError(OptimizerError):
    """The caller asked to stop before any plan was found."""

    code = "cancelled"
