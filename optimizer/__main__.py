"""Command line: solve an instance file, or check a plan against its instance.

    python -m optimizer solve INSTANCE.json -o PLAN.json [--time-limit S] [--gap G] [--threads N]
    python -m optimizer check INSTANCE.json PLAN.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal

from optimizer.check import check_plan
from optimizer.errors import InvalidInstanceError, OptimizerError
from optimizer.instance import read_instance
from optimizer.solve import SolveOptions, solve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m optimizer",
                                     description="Pooled-order optimizer for buying alliances.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("solve", help="find the cheapest pooled plan for an instance")
    run.add_argument("instance", help="instance JSON file")
    run.add_argument("-o", "--output", help="write the plan JSON here (default: stdout)")
    run.add_argument("--time-limit", type=float, help="seconds for the pooled solve")
    run.add_argument("--gap", type=float, help="relative optimality gap to stop at")
    run.add_argument("--threads", type=int, help="HiGHS threads")
    run.add_argument("--no-standalone", action="store_true",
                     help="skip the members' standalone solves (no savings, own-cost split)")
    run.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    check = sub.add_parser("check", help="re-evaluate a plan and list every rule it breaks")
    check.add_argument("instance", help="instance JSON file")
    check.add_argument("plan", help="plan JSON file")
    return parser


class _ProgressLine:
    """One line on stderr, rewritten at most every second."""

    def __init__(self, stream):
        self.stream = stream
        self.last = 0.0

    def __call__(self, event: dict) -> None:
        now = time.monotonic()
        if now - self.last < 1.0 and event.get("phase") == "solve":
            return
        self.last = now
        parts = [f"[{event.get('elapsed_s', 0):7.1f}s] {event.get('phase', '')}"]
        if event.get("sites"):
            parts.append(f"sites {event.get('sites_done', 0)}/{event['sites']}")
        if event.get("members"):
            parts.append(f"members {event.get('members_done', 0)}/{event['members']}")
        if event.get("best_cost") is not None:
            parts.append(f"best {event['best_cost']:.2f}")
        if event.get("bound") is not None:
            parts.append(f"bound {event['bound']:.2f}")
        self.stream.write("\r" + "  ".join(parts).ljust(60))
        self.stream.flush()

    def done(self) -> None:
        if self.last:
            self.stream.write("\n")


def _solve(args, out, err) -> int:
    instance = read_instance(args.instance)
    options = SolveOptions(time_limit_s=args.time_limit, mip_gap=args.gap, threads=args.threads,
                           standalone=not args.no_standalone)
    line = None if args.quiet else _ProgressLine(err)
    try:
        plan = solve(instance, options, progress=line)
    finally:
        if line is not None:
            line.done()
    text = json.dumps(plan.to_json(), indent=2)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        out.write(text + "\n")
    summary = f"{plan.status}: total {plan.total_cost}"
    if plan.lower_bound is not None:
        summary += f", bound {plan.lower_bound}, gap {plan.gap:.2e}"
    err.write(summary + "\n")
    for reason in plan.unmet:
        err.write(f"  cannot be met: {reason}\n")
    return 0 if plan.status != "infeasible" else 2


def _check(args, out, err) -> int:
    instance = read_instance(args.instance)
    with open(args.plan, encoding="utf-8") as handle:
        plan = json.load(handle, parse_float=Decimal)
    problems = check_plan(instance, plan)
    for problem in problems:
        out.write(f"{problem}\n")
    if not problems:
        out.write("plan keeps every rule\n")
    return 1 if problems else 0


def main(argv: list[str] | None = None, out=None, err=None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 plan breaks rules or error,
    2 infeasible instance, 3 invalid instance)."""
    out, err = out or sys.stdout, err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        return _solve(args, out, err) if args.command == "solve" else _check(args, out, err)
    except InvalidInstanceError as exc:
        err.write(f"{exc}\n")
        return 3
    except (OptimizerError, OSError, json.JSONDecodeError) as exc:
        err.write(f"error: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
