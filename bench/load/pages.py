"""Each main page once at a time, in process: SQL statements, time, CPU and size per page.

    python -m bench.load.pages [--repeat 3] [--profile "hub: cycle"]

The cheap way to find an N+1 query or a slow page before (or instead of) a load run: the
app runs in this process on the load database (the Flask test client, no gunicorn), so the
figures are the app's own work without the network or the other users.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.load.cpu import backends_cpu, precise_cpu_s
from bench.load.seed import MANIFEST, read_manifest
from bench.load.users import CSRF, Page, director_pages, hub_pages
from marketplace.app import create_app
from marketplace.db import get_database


def _client(app, email: str, password: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
    if answer.status_code != 302:
        raise RuntimeError(f"login of {email} refused: HTTP {answer.status_code}")
    return client


def measure(app, client, page: Page, repeat: int, database: str) -> tuple[int, int, float, float, float, int]:
    """(HTTP status, SQL statements per request, median ms, median CPU ms of this process,
    median CPU ms of the database's backends, bytes). The app's pool keeps its connection, so
    the backends are found once, after a first request."""
    statements: list[str] = []
    engine = get_database(app).engine

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    client.get(page.path)
    backends = list(backends_cpu(database))
    event.listen(engine, "before_cursor_execute", count)
    times, cpu, db_cpu, status, size = [], [], [], 0, 0
    try:
        for _ in range(repeat):
            statements.clear()
            started, cpu_started, db_started = time.perf_counter(), time.process_time(), precise_cpu_s(backends)
            response = client.get(page.path)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            db_cpu.append(precise_cpu_s(backends) - db_started)
            status, size = response.status_code, len(response.get_data())
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return (status, len(statements), statistics.median(times) * 1000, statistics.median(cpu) * 1000,
            statistics.median(db_cpu) * 1000, size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="a regular expression on page names")
    parser.add_argument("--profile", help="profile this page (cProfile, CPU time), e.g. \"hub: plan review\"")
    args = parser.parse_args(argv)
    manifest = read_manifest(args.manifest)
    app = create_app({"database_url": manifest.database_url, "env": "development",
                      "extra": {"WTF_CSRF_ENABLED": True}})
    director = max(manifest.directors, key=lambda d: (bool(d.get("share_id")), len(d["sites"])))
    plan = [(manifest.hub_email, hub_pages(manifest)),
            (director["email"], director_pages(manifest, director, director["sites"][0]))]
    database = make_url(manifest.database_url).database or ""
    print(f"{'page':28} {'status':>6} {'SQL':>5} {'ms':>8} {'CPU ms':>8} {'DB CPU':>8} {'KiB':>7}")
    for email, pages in plan:
        client = _client(app, email, manifest.password)
        for page in pages:
            if args.only and not re.search(args.only, page.name):
                continue
            if args.profile == page.name:
                profile(client, page, args.repeat)
                continue
            status, queries, ms, cpu_ms, db_ms, size = measure(app, client, page, args.repeat, database)
            print(f"{page.name:28} {status:>6} {queries:>5} {ms:>8.1f} {cpu_ms:>8.1f} {db_ms:>8.1f} "
                  f"{size / 1024:>7.1f}")
    return 0


def profile(client, page: Page, repeat: int, *, limit: int = 40) -> None:
    """The page's CPU time by function (cProfile on CPU time, so waiting for the database
    does not count), the ``limit`` largest by cumulative time."""
    client.get(page.path)  # caches warm, as in a running server
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(repeat):
        client.get(page.path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(limit)
    print(f"{page.name}: {repeat} requests (times under the profiler are about 3x the real ones)")
    print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
