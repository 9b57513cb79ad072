"""Solve one instance with one solver in this process and print one JSON line of figures.

    python -m bench.run_one baseline INSTANCE.json --time-limit 60 --gap 0.0001
    python -m bench.run_one optimizer INSTANCE.json --time-limit 60 --gap 0.0001 [--full]

`bench.scale` runs this as a child process per run, so that each run starts with
a fresh HiGHS, and the peak resident memory (`ru_maxrss`) is that run's own.
Every plan's cost is re-evaluated from its lines by `bench.evaluate`.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from decimal import Decimal

from bench.evaluate import evaluate


def run_baseline(data: dict, time_limit: float, gap: float, threads: int) -> dict:
    from bench import baseline

    r = baseline.solve(data, time_limit, gap, threads)
    return {"status": r.status, "build_s": r.build_s, "solve_s": r.solve_s,
            "cost": None if r.cost is None else str(r.cost), "bound": r.bound, "gap": r.gap,
            "variables": r.variables, "binaries": r.binaries, "constraints": r.constraints,
            "problems": len(r.problems)}


def run_optimizer(data: dict, time_limit: float, gap: float, threads: int, full: bool) -> dict:
    import optimizer

    options = optimizer.SolveOptions(time_limit_s=time_limit, mip_gap=gap, threads=threads,
                                     standalone=full, explain=full)
    plan = optimizer.solve(optimizer.load_instance(data), options)
    packs = plan.packs
    cost, problems = evaluate(data, packs) if packs else (None, [])
    timings = plan.timings
    solve_s = timings.get("solve_s", timings.get("total_s", 0.0))
    if full:
        solve_s = timings.get("total_s", solve_s) - timings.get("build_s", 0.0)
    return {"status": str(plan.status), "build_s": timings.get("build_s"), "solve_s": solve_s,
            "cost": None if cost is None else str(cost),
            "plan_cost": None if plan.total_cost is None else str(plan.total_cost),
            "bound": None if plan.lower_bound is None else float(plan.lower_bound),
            "gap": plan.gap, "variables": timings.get("variables"), "problems": len(problems),
            "method": plan.method}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("solver", choices=("baseline", "optimizer"))
    parser.add_argument("instance")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--full", action="store_true",
                        help="optimizer: also standalone costs and explanations")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with open(args.instance, encoding="utf-8") as handle:
        data = json.load(handle, parse_float=Decimal)
    read_s = time.perf_counter() - started
    if args.solver == "baseline":
        out = run_baseline(data, args.time_limit, args.gap, args.threads)
    else:
        out = run_optimizer(data, args.time_limit, args.gap, args.threads, args.full)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out.update(solver=args.solver, read_s=read_s, wall_s=time.perf_counter() - started,
               peak_rss_mb=round(max(own, children) / 1024, 1))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
