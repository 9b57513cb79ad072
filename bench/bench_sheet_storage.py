"""Validate AND store a large vendor price sheet through the app's service, on SQLite and PostgreSQL.

    python -m bench.bench_sheet_storage                       # 100,000 rows, CSV, both backends
    python -m bench.bench_sheet_storage --rows 20000 --backend sqlite --kind xlsx

Each backend runs in its own process (so its peak memory is its own) on a fresh database
migrated to head, with the 120-staple demo catalog. Timed, in that process:

- ``validate``: ``catalog.check_file`` against the catalog (reading + validation, nothing stored);
- ``upload``: ``services.price_sheets.upload_price_sheet`` end to end: validation again, then the
  bulk insert of every offer and tier, the audit event and the commit (what a vendor waits for),
  with the time spent storing after validation reported apart (SQLite: ``store_offers``, every
  offer and tier; PostgreSQL: ``OfferStream.finish``, the tiers, the offers having been streamed
  by ``COPY`` during validation);
- ``activate``: ``activate_price_sheet`` of that sheet (it becomes version 1);
- ``diff``: a second sheet with 10 % of the prices changed, uploaded, then diffed per SKU.

Peak memory is the process's maximum resident set size (``ru_maxrss``), interpreter and
libraries included. The sheet is synthetic: real staples and base prices, invented SKUs and
tiers. PostgreSQL comes from ``--pg-url`` (default: the local server, a throwaway database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from catalog.records import OfferRecord, Tier
from catalog.reference import load_staples
from catalog.template import offers_to_csv, offers_to_xlsx

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/sharedbuy_bench"


def make_offers(rows: int, seed: int = 7, reprice: float = 0.0) -> list[OfferRecord]:
    """``rows`` offers on the staples (SKU i is always the same item); ``reprice`` of them changed."""
    staples = load_staples()
    rng = random.Random(seed)
    change = random.Random(seed + 1)
    out = []
    for i in range(rows):
        staple = staples[i % len(staples)]
        pack = staple.pack_sizes[i % len(staple.pack_sizes)] if staple.pack_sizes else 1
        base = (staple.base_price_2026 * pack * Decimal(str(round(rng.uniform(0.75, 0.98), 3))))
        if reprice and change.random() < reprice:
            base *= Decimal("1.05")
        first = max(base.quantize(Decimal("0.01")), Decimal("0.01"))
        tiers = [Tier(1, first)]
        for step, min_packs in enumerate((10, 50)[: rng.randint(0, 2)], start=1):
            price = (first * (1 - Decimal("0.04") * step)).quantize(Decimal("0.01"))
            if Decimal("0.01") <= price < tiers[-1].price:
                tiers.append(Tier(min_packs, price))
        out.append(OfferRecord(
            vendor_sku=f"BENCH-{i:07d}", item=staple.id, description=f"{staple.name}, pack of {pack}",
            pack_size=Decimal(pack), unit=staple.unit,
            discount="incremental" if i % 7 == 0 else "all_units", tiers=tuple(tiers),
            max_packs=5000 if i % 5 == 0 else None, row=i + 2))
    return out


def sheet_bytes(offers: list[OfferRecord], kind: str) -> bytes:
    return offers_to_xlsx(offers) if kind == "xlsx" else offers_to_csv(offers)


def run_backend(backend: str, rows: int, kind: str, pg_url: str) -> dict[str, Any]:
    """The measurements of one backend (runs in the current process)."""
    from marketplace import migrate
    from marketplace.db import make_engine, make_session_factory

    data = sheet_bytes(make_offers(rows), kind)
    second = sheet_bytes(make_offers(rows, reprice=0.10), kind)
    url, cleanup = _database(backend, pg_url)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        session = make_session_factory(engine)()
        timings = _measure(session, _seed(session), data, second, kind, rows)
        session.close()
        engine.dispose()
    finally:
        cleanup()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"backend": backend, "kind": kind, "rows": rows, "bytes": len(data), **timings,
            "validate_rows_s": round(rows / timings["validate_s"]),
            "upload_rows_s": round(rows / timings["upload_s"]),
            "store_rows_s": round(rows / timings["store_s"]), "peak_mib": round(peak_mib),
            "upload_cpu_rows_s": round(rows / (timings["upload_cpu_s"] + timings["upload_db_cpu_s"]))}


def _measure(session: Any, user: Any, data: bytes, second: bytes, kind: str, rows: int) -> dict[str, Any]:
    from catalog.intake import check_file
    from marketplace.services import price_sheets, sheet_storage
    from marketplace.services.catalog import catalog_refs
    from marketplace.services.price_sheets import MAX_SHEET_BYTES, Upload
    from marketplace.services.sheet_diff import diff_price_sheet

    max_bytes = max(MAX_SHEET_BYTES, len(data), len(second))
    price_sheets.MAX_SHEET_BYTES = max_bytes  # a 100,000-row XLSX is bigger than an upload may be
    items = catalog_refs(session, user.alliance_id)
    check_file(sheet_bytes(make_offers(50), kind), f"warm-up.{kind}", items)  # imports, caches
    clock = Clock(session)
    stored: list[tuple[float, float, float]] = []
    price_sheets.store_offers = clock.timed(price_sheets.store_offers, stored)
    sheet_storage.OfferStream.finish = clock.timed(sheet_storage.OfferStream.finish, stored)  # type: ignore[method-assign]
    checked, validate = clock.span(check_file, data, f"bench.{kind}", items, max_bytes=max_bytes)
    assert checked.ok and len(checked.offers) == rows, checked.errors[:3]
    del checked
    sheet, upload = clock.span(price_sheets.upload_price_sheet, session, user, Upload(data, f"bench.{kind}"))
    assert sheet.offer_count == rows, sheet.errors[:3]
    _, activate = clock.span(price_sheets.activate_price_sheet, session, user, sheet.id)
    again = price_sheets.upload_price_sheet(session, user, Upload(second, f"bench2.{kind}"))
    changes, diff = clock.span(diff_price_sheet, session, user, again.id)
    out: dict[str, Any] = {"diff_changed": changes.count("changed")}
    for name, (wall, own, server) in (("validate", validate), ("upload", upload), ("store", stored[0]),
                                      ("activate", activate), ("diff", diff)):
        out |= {f"{name}_s": round(wall, 2), f"{name}_cpu_s": round(own, 2), f"{name}_db_cpu_s": round(server, 2)}
    return out


class Clock:
    """Wall time, this process's CPU time and (PostgreSQL on this machine) the database
    backend's CPU time, read from /proc: on a busy machine wall time includes waiting."""

    def __init__(self, session: Any):
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def now(self) -> tuple[float, float, float]:
        return time.perf_counter(), time.process_time(), self._server_cpu()

    def _server_cpu(self) -> float:
        if not self.postgres:
            return 0.0
        pid = self.session.scalar(text("SELECT pg_backend_pid()"))
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def span(self, function: Any, *args: Any, **kwargs: Any) -> tuple[Any, tuple[float, float, float]]:
        before = self.now()
        result = function(*args, **kwargs)
        return result, self._since(before)

    def _since(self, before: tuple[float, float, float]) -> tuple[float, float, float]:
        after = self.now()
        return after[0] - before[0], after[1] - before[1], after[2] - before[2]

    def timed(self, function: Any, into: list[tuple[float, float, float]]) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            before = self.now()
            try:
                return function(*args, **kwargs)
            finally:
                into.append(self._since(before))

        return timed


def _database(backend: str, pg_url: str) -> tuple[str, Any]:
    if backend == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="sheet-bench-")
        return f"sqlite:///{folder.name}/bench.db", folder.cleanup
    import psycopg

    parsed = make_url(pg_url)
    name = f"{parsed.database}_{os.getpid()}"
    admin = dict(host=parsed.host or "127.0.0.1", port=parsed.port or 5432, user=parsed.username,
                 password=parsed.password, dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(**admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return parsed.set(database=name).render_as_string(hide_password=False), drop


def _seed(session: Any) -> Any:
    """An alliance with the staples catalog and one vendor user; returns the user."""
    from marketplace.models import Alliance, Organization, OrgKind, Role, User
    from marketplace.services.catalog_demo import seed_catalog

    alliance = Alliance(name="Bench alliance")
    vendor = Organization(alliance=alliance, kind=OrgKind.VENDOR, name="Bench vendor")
    user = User(organization=vendor, role=Role.VENDOR, email="bench@example.org", name="Bench")
    session.add_all([alliance, vendor, user])
    session.flush()
    seed_catalog(type("Context", (), {"session": session, "alliance": alliance})())
    session.commit()
    return user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kind", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_backend(args.backend, args.rows, args.kind, args.pg_url)))
        return 0
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        command = [sys.executable, "-m", "bench.bench_sheet_storage", "--child", "--backend", backend,
                   "--rows", str(args.rows), "--kind", args.kind, "--pg-url", args.pg_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return done.returncode
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("| backend | sheet | validate only | upload: validate + store + commit | of which storing offers "
          "and tiers | upload in CPU time (app + database) | activate | diff vs previous (10 % repriced) | "
          "peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['rows']:,} rows {r['kind'].upper()}, {r['bytes'] / 2**20:.1f} MiB | "
              f"{r['validate_s']} s = {r['validate_rows_s']:,} rows/s | "
              f"{r['upload_s']} s = {r['upload_rows_s']:,} rows/s | "
              f"{r['store_s']} s = {r['store_rows_s']:,} rows/s | "
              f"{r['upload_cpu_s']} s + {r['upload_db_cpu_s']} s = {r['upload_cpu_rows_s']:,} rows/s | "
              f"{r['activate_s']} s | {r['diff_s']} s ({r['diff_changed']:,} SKUs changed) | {r['peak_mib']} MiB |")
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
    print(json.dumps(results), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
