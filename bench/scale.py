"""The scale series: baseline and optimizer on the same generated instances, same limits.

    python -m bench.scale                          # 5, 15, 50 sites
    python -m bench.scale --only 200 --write       # and record it in bench/RESULTS.md
    python -m bench.scale --only 5,15 --repeats 5 --time-limit 30

Each run is a child process (`bench.run_one`): a fresh HiGHS, its own peak memory.
Instances come from the presets of `bench.generate` (fixed seeds), so every machine
solves the same files. With repeats, times are medians, and cost, bound and gap are
those of the median run. `--write` replaces this series' section of RESULTS.md
(or appends it), with the exact command and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import PRESETS, generate, stats

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
SERIES = {"5": "s5", "15": "s15", "50": "s50", "200": "s200", "200r4": "s200r4",
          "statewide": "statewide"}
DEFAULT_ONLY = "5,15,50"


def instance_file(preset: str, workdir: Path) -> tuple[Path, dict]:
    """The preset's instance (generated once per work folder) and its size figures."""
    path = workdir / f"{preset}.json"
    data = generate(PRESETS[preset])
    text = json.dumps(data, indent=1) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path, stats(data)


def run(solver: str, path: Path, time_limit: float, gap: float, threads: int,
        full: bool) -> dict:
    """One child-process run; a run that dies or overruns badly is reported, not raised."""
    command = [sys.executable, "-m", "bench.run_one", solver, str(path),
               "--time-limit", str(time_limit), "--gap", str(gap), "--threads", str(threads)]
    if full:
        command.append("--full")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                     os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=time_limit * 3 + 300, check=False)
    except subprocess.TimeoutExpired:
        return {"solver": solver, "status": "killed (overran)", "wall_s": time.perf_counter() - started}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"solver": solver, "status": f"error: {tail[:120]}",
                "wall_s": time.perf_counter() - started}
    return json.loads(lines[-1])


def median_run(runs: list[dict]) -> dict:
    """The run with the median solve time, with median build and solve times."""
    good = [r for r in runs if r.get("solve_s") is not None]
    if not good:
        return runs[-1]
    ordered = sorted(good, key=lambda r: r["solve_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    for key in ("build_s", "solve_s", "peak_rss_mb"):
        values = [r[key] for r in good if r.get(key) is not None]
        chosen[key] = statistics.median(values) if values else None
    chosen["repeats"] = len(runs)
    return chosen


def _num(value, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def row(key: str, size: dict, result: dict, limit: float) -> str:
    params = PRESETS[SERIES[key]]
    shape = f"{size['sites']} x {size['items']} x {size['vendors']}"
    reach = f"{size['mean_reach']:.1f}"
    gap = result.get("gap")
    cells = [key, shape, reach, str(size["pairs"]), result["solver"],
             str(result.get("variables") or "-"), _num(result.get("build_s"), 2),
             _num(result.get("solve_s"), 2), result.get("cost") or "-",
             _num(result.get("bound"), 2), "-" if gap is None else f"{gap:.2%}",
             str(result.get("status")), _num(result.get("peak_rss_mb"), 0),
             f"{params.mip_gap:g}", f"{limit:g}", str(result.get("repeats", 1))]
    return "| " + " | ".join(cells) + " |"


HEADER = ("| series | sites x items x vendors | vendors/site | x pairs | solver | model vars "
          "| build s | solve s | cost | bound | gap | status | peak RSS MB | target gap "
          "| limit s | runs |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def write_section(name: str, command: str, table: str, note: str) -> None:
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    body = (f"{begin}\n### {name}\n\nMeasured {stamp} on {os.cpu_count()} cores "
            f"({platform.python_implementation()} {platform.python_version()}), "
            f"with\n\n    {command}\n\n{note}\n\n{table}\n{end}")
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + body + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the scale series.")
    parser.add_argument("--only", default=DEFAULT_ONLY,
                        help=f"comma list of {', '.join(SERIES)} (default {DEFAULT_ONLY})")
    parser.add_argument("--solvers", default="baseline,optimizer")
    parser.add_argument("--time-limit", type=float, help="seconds per run (default: preset's)")
    parser.add_argument("--repeats", type=int, help="runs per solver (default 3 up to 15 sites)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--full", action="store_true",
                        help="optimizer with standalone costs and explanations too")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--section", default="Scale series")
    parser.add_argument("--workdir", help="where the instance files go (default: temp folder)")
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in SERIES]
    if unknown:
        parser.error(f"unknown series {unknown}; choose from {list(SERIES)}")
    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / "sharedbuy-bench")
    workdir.mkdir(parents=True, exist_ok=True)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    if "optimizer" in solvers and not _optimizer_available():
        print("note: optimizer.solve is not importable yet; running the baseline only",
              file=sys.stderr)
        solvers = [s for s in solvers if s != "optimizer"]
    lines = []
    print(HEADER, flush=True)
    for key in keys:
        preset = PRESETS[SERIES[key]]
        path, size = instance_file(SERIES[key], workdir)
        limit = args.time_limit or preset.time_limit_s
        repeats = args.repeats or (3 if size["sites"] <= 15 else 1)
        for solver in solvers:
            runs = [run(solver, path, limit, preset.mip_gap, args.threads, args.full)
                    for _ in range(repeats)]
            line = row(key, size, median_run(runs), limit)
            lines.append(line)
            print(line, flush=True)
    if args.write:
        command = shlex.join(["python", "-m", "bench.scale",
                              *(argv if argv is not None else sys.argv[1:])])
        note = (f"HiGHS threads {args.threads}; the same time limit and gap target for both "
                "solvers. The machine is shared with other work, so times are noisy; with "
                "several runs, times are medians.")
        write_section(args.section, command, HEADER + "\n" + "\n".join(lines), note)
    return 0


def _optimizer_available() -> bool:
    try:
        from optimizer import solve  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
