"""The web app under load: gunicorn on the loopback, PostgreSQL, the seeded 300-site alliance.

    python -m bench.load.seed                                  # once: the sharedbuy_load database
    python -m bench.load --duration 300 --users 50 --write     # the measured run, into RESULTS.md
    python -m bench.load --duration 20                         # a smoke run

Virtual users (40 directors and 10 hub sessions for 50) log in, then walk their main pages with
a think time between requests. Figures cover the measured window only: it starts once every
user has logged in and the warm-up has passed; logins are reported apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shlex
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.load import results
from bench.load.cpu import CpuMeter
from bench.load.seed import MANIFEST, Manifest, read_manifest
from bench.load.server import DEFAULT_THREADS, default_workers, serve
from bench.load.stats import Recorder, text_table
from bench.load.users import VirtualUser, director_pages, hub_pages, page_order

LOG = Path("bench/out/load/gunicorn.log")
LOGIN_LIMIT_S = 180


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="measured seconds (after the warm-up)")
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--hub-share", type=float, default=0.2, help="share of the users that are the hub")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
                        help="seconds between one user's requests, drawn uniformly")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of page traffic after the "
                        "logins, before measuring (default: 10, or a quarter of a shorter duration)")
    parser.add_argument("--max-requests", type=int, default=5000, help="per user, a bound besides time")
    parser.add_argument("--workers", type=int, default=default_workers(), help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help="threads per worker (gthread when > 1, sync workers with 1)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--url", help="measure an app already running at this loopback URL instead")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="write the figures into bench/RESULTS.md")
    args = parser.parse_args(argv)
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        parser.error("--url must be a loopback address")
    if args.warmup is None:
        args.warmup = min(10.0, args.duration / 4)
    return args


def make_users(manifest: Manifest, args: argparse.Namespace, base_url: str, recorder: Recorder,
               logins: Recorder, stop_at: float) -> list[VirtualUser]:
    """The hub's sessions, then directors drawn at random (several-site members included)."""
    rng = random.Random(args.seed)
    hub_count = max(1, round(args.users * args.hub_share)) if args.users > 1 else 0
    directors = rng.sample(manifest.directors, min(args.users - hub_count, len(manifest.directors)))
    common = {"think_s": tuple(args.think), "stop_at": stop_at, "max_requests": args.max_requests}
    users = [VirtualUser(base_url, manifest.hub_email, manifest.password, [hub_pages(manifest)], recorder,
                         logins, seed=args.seed * 1000 + i, **common) for i in range(hub_count)]
    for i, director in enumerate(directors, start=hub_count):
        rounds = [director_pages(manifest, director, site) for site in director["sites"]]
        users.append(VirtualUser(base_url, director["email"], manifest.password, rounds, recorder, logins,
                                 seed=args.seed * 1000 + i, **common))
    return users


def sample_load(samples: list[float], stop: threading.Event) -> None:
    while not stop.wait(5):
        samples.append(os.getloadavg()[0])


def drive(manifest: Manifest, args: argparse.Namespace, base_url: str, server_pid: int | None) -> dict:
    recorder, logins = Recorder(), Recorder()
    logins.recording = True
    stop_at = time.monotonic() + LOGIN_LIMIT_S + args.warmup + args.duration  # moved once all are in
    users = make_users(manifest, args, base_url, recorder, logins, stop_at)
    for user in users:  # logins spread over a few seconds
        user.start()
        time.sleep(0.05)
    login_limit = time.monotonic() + LOGIN_LIMIT_S
    for user in users:
        user.ready.wait(max(0.0, login_limit - time.monotonic()))
    stop_at = time.monotonic() + args.warmup + args.duration
    for user in users:
        user.stop_at = stop_at
    time.sleep(args.warmup)
    loads, stop = [os.getloadavg()[0]], threading.Event()
    threading.Thread(target=sample_load, args=(loads, stop), daemon=True).start()
    meter = CpuMeter(server_pid, manifest.database_url.rsplit("/", 1)[1])
    meter.start()
    recorder.recording = True
    measured_from = time.monotonic()
    for user in users:
        user.join(timeout=max(0.0, stop_at - time.monotonic()) + 40)
    recorder.recording = False
    meter.stop()
    window = min(time.monotonic(), stop_at) - measured_from
    stop.set()
    loads.append(os.getloadavg()[0])
    return {"rows": recorder.figures(window, page_order(manifest)), "logins": logins.figures(window)[:-1],
            "window_s": window, "users": users, "cpu": meter, "loads": loads, "statuses": recorder.statuses(),
            "hub_users": sum(1 for u in users if u.email == manifest.hub_email)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop gunicorn on the way out
    manifest = read_manifest(args.manifest)
    when = datetime.now(UTC)
    if args.url:
        outcome = drive(manifest, args, args.url.rstrip("/"), None)
    else:
        with serve(manifest.database_url, port=args.port, workers=args.workers, threads=args.threads,
                   log_path=LOG) as (base_url, pid):
            outcome = drive(manifest, args, base_url, pid)
    failures = [u.failure for u in outcome["users"] if u.failure]
    print(text_table(outcome["rows"]))
    print(f"\nlogins: {text_table(outcome['logins']).splitlines()[-1]}")
    print(f"measured {outcome['window_s']:.1f} s; load average (1 min) during the run: "
          f"{min(outcome['loads']):.1f} to {max(outcome['loads']):.1f}; statuses: {outcome['statuses']}")
    print(results.cpu_sentence(outcome))
    for failure in failures:
        print(f"user stopped: {failure}", file=sys.stderr)
    if args.write:
        command = "python -m bench.load " + shlex.join(argv if argv is not None else sys.argv[1:])
        path = results.write_section(outcome, args, manifest, command=command, when=when,
                                     python=platform.python_version(), failures=failures)
        print(f"written to {path}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
