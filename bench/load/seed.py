"""The load benchmark's alliance: 300 real Minnesota centers, 12 vendors, needs, two cycles.

    python -m bench.load.seed                 # drops and recreates the sharedbuy_load database

Real: the sites are licensed Minnesota centers (``catalog/reference``), the 300 nearest by zip
to an anchor drawn with the seed; centers of one chain form one member (as in
``bench.generate``); each site's weekly needs are the demo's estimate from its licensed
capacity (``services.cycles_demo.seed_needs``). Synthetic: the 12 vendors (the demo's offer
generator: synthetic tiers on real base prices) and the regions they serve.

The schema comes from the migrations (``sharedbuy db upgrade``); rows go through the
product's services where one exists (catalog, price sheets, cycles, runs, publishing). The
result: one cycle optimized and published (shares await approval), one cycle open for needs.
Nothing here is part of the product's demo.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from bench.generate import Params, member_of, pick_centers, slug
from catalog.reference import load_centers, load_staples
from catalog.template import offers_to_csv
from marketplace.db import make_engine, make_session_factory, utcnow
from marketplace.models import (
    Alliance,
    DeliveryTerms,
    DemandLine,
    MemberShare,
    Organization,
    OrgKind,
    RecurringNeed,
    Role,
    RunStatus,
    Site,
    User,
)
from marketplace.services.approvals import publish_run
from marketplace.services.catalog_demo import DemoVendor, demo_offers
from marketplace.services.catalog_reference import add_staples
from marketplace.services.cycles import CycleInput, close_cycle, create_cycle, open_cycle
from marketplace.services.cycles_demo import seed_needs
from marketplace.services.passwords import hash_password
from marketplace.services.price_sheets import Upload, activate_sheet, ingest_sheet
from marketplace.services.run_execution import execute_run
from marketplace.services.runs import RunOptions, start_run

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "sharedbuy_load"
PASSWORD = "load-bench-pass"  # every login of the benchmark alliance; the database is throwaway
ALLIANCE_NAME = "Minnesota Shared Services Alliance (load benchmark)"
HUB_EMAIL = "hub@load.example.org"
MANIFEST = Path("bench/out/load/alliance.json")

# (vendor, share of the alliance's zips it serves: 1.0 = everywhere). Invented vendors.
VENDORS = [
    (DemoVendor("North Star Dairy & Foods", frozenset({"food"}), True, (0.84, 0.94), "35.00", "400.00",
                "150.00", False), 0.7),
    (DemoVendor("Prairie Clean Supply", frozenset({"cleaning", "paper"}), False, (0.76, 0.88), "25.00",
                "250.00", "100.00", False), 0.7),
    (DemoVendor("Lakes Classroom Supply", frozenset({"classroom", "paper", "infant"}), False, (0.74, 0.90),
                "15.00", "150.00", None, True), 1.0),
    (DemoVendor("Metro Fresh Produce Co.", frozenset({"food"}), False, (0.80, 0.92), "30.00", "300.00",
                "120.00", False), 0.5),
    (DemoVendor("Gopher State Grocers", frozenset({"food"}), True, (0.88, 0.98), "20.00", "200.00",
                None, True), 1.0),
    (DemoVendor("Northland Janitorial", frozenset({"cleaning", "paper"}), False, (0.82, 0.95), "18.00",
                "200.00", None, True), 1.0),
    (DemoVendor("Twin Rivers Foodservice", frozenset({"food"}), True, (0.78, 0.90), "45.00", "600.00",
                "250.00", False), 0.8),
    (DemoVendor("Bluff Country Paper Goods", frozenset({"paper"}), False, (0.72, 0.86), "22.00",
                "180.00", "80.00", False), 0.6),
    (DemoVendor("Little Sprouts Infant Supply", frozenset({"infant"}), True, (0.80, 0.92), "12.00",
                "120.00", None, True), 1.0),
    (DemoVendor("Headwaters School & Office", frozenset({"classroom", "paper"}), False, (0.76, 0.90),
                "16.00", "150.00", "60.00", False), 0.6),
    (DemoVendor("Cedar Valley Dairy", frozenset({"food"}), False, (0.80, 0.90), "28.00", "250.00",
                "100.00", False), 0.4),
    (DemoVendor("Loon Lake Wholesale Club", frozenset({"food", "cleaning", "paper", "classroom"}), True,
                (0.95, 1.05), "10.00", None, None, True), 1.0),
]


@dataclass
class Manifest:
    """What the load driver needs to know about the seeded alliance (written as JSON)."""

    database_url: str
    password: str
    hub_email: str
    directors: list[dict] = field(default_factory=list)  # {"email", "member_id", "sites", "share_id"}
    open_cycle_id: int = 0
    closed_cycle_id: int = 0
    run_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def database_url(name: str = DB_NAME) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def recreate_database(name: str = DB_NAME) -> str:
    """Drop (closing its connections) and create an empty database; return its URL."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {name!r}")
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return database_url(name)


def migrate(url: str) -> None:
    """``sharedbuy db upgrade``: the schema comes from the migrations, as in production."""
    command = Path(sys.executable).with_name("sharedbuy")
    env = {**os.environ, "DATABASE_URL": url, "SHAREDBUY_ENV": "development"}
    subprocess.run([str(command), "db", "upgrade"], env=env, check=True)


def seed_people(session: Session, sites: int, seed: int) -> tuple[Alliance, User, list[dict]]:
    """The alliance, its hub manager, one member per chain or center with a director, the sites."""
    alliance = Alliance(name=ALLIANCE_NAME)
    session.add(alliance)
    session.flush()
    password_hash = hash_password(PASSWORD)  # one Argon2 hash for every login
    hub = Organization(alliance_id=alliance.id, kind=OrgKind.HUB, name="Alliance Hub")
    hub_manager = User(organization=hub, role=Role.HUB_MANAGER, email=HUB_EMAIL, name="Hub Manager",
                       password_hash=password_hash)
    session.add_all([hub, hub_manager])
    centers = pick_centers(random.Random(seed), load_centers(), Params(sites=sites, seed=seed))
    members: dict[str, tuple[Organization, list[Site]]] = {}
    emails: dict[str, str] = {}
    for center in centers:
        name = member_of(center)[1][:200]
        key = name.lower()  # a chain, or centers of the same name (the list has a few): one member
        if key not in members:
            org = Organization(alliance_id=alliance.id, kind=OrgKind.MEMBER, name=name)
            emails[key] = f"director.{slug(name)[:40]}.{len(members) + 1}@load.example.org"
            session.add(User(organization=org, role=Role.DIRECTOR, email=emails[key],
                             name=f"Director, {name}"[:200], password_hash=password_hash))
            members[key] = (org, [])
        site = Site(organization=members[key][0], name=f"{center.name} ({center.city})"[:200],
                    city=center.city, zip_code=center.zip, region_code=center.zip,
                    licensed_capacity=center.capacity, license_number=center.license_number)
        session.add(site)
        members[key][1].append(site)
    session.flush()
    directors = [{"email": emails[key], "member_id": org.id,
                  "sites": [s.id for s in member_sites]} for key, (org, member_sites) in members.items()]
    for spec, _reach in VENDORS:
        vendor = Organization(alliance_id=alliance.id, kind=OrgKind.VENDOR, name=spec.name)
        session.add(User(organization=vendor, role=Role.VENDOR, name=f"Sales, {spec.name}",
                         email=f"sales.{slug(spec.name)}@load.example.org",
                         password_hash=password_hash))
        session.add(vendor)
    session.flush()
    return alliance, hub_manager, directors


def seed_offers(session: Session, alliance: Alliance, seed: int) -> None:
    """Delivery terms (regions drawn per vendor) and one active price sheet per vendor."""
    zips = sorted(set(session.scalars(select(Site.region_code).join(Site.organization)
                                      .where(Organization.alliance_id == alliance.id))))
    staples = load_staples()
    for spec, reach in VENDORS:
        vendor = session.scalar(select(Organization).where(Organization.alliance_id == alliance.id,
                                                           Organization.name == spec.name))
        user = session.scalar(select(User).where(User.organization_id == vendor.id))
        rng = random.Random(f"{seed}|{spec.name}")
        regions = None if reach >= 1 else sorted(rng.sample(zips, max(1, round(reach * len(zips)))))
        session.add(DeliveryTerms(organization_id=vendor.id, regions=regions,
                                  delivery_fee=Decimal(spec.fee),
                                  free_delivery_over=Decimal(spec.free_over) if spec.free_over else None,
                                  min_order=Decimal(spec.min_order) if spec.min_order else None))
        filename = f"load-{vendor.id}-synthetic-tiers-on-real-base-prices.csv"
        sheet = ingest_sheet(session, vendor, Upload(offers_to_csv(demo_offers(spec, staples)), filename),
                             uploaded_by=user)
        if sheet.error_count:
            raise RuntimeError(f"the sheet of {spec.name} does not validate: {sheet.errors[:3]}")
        activate_sheet(session, sheet, activated_by=user)
    session.flush()


def seed_cycles(session: Session, hub: User, options: RunOptions) -> tuple[int, int, int]:
    """A cycle closed, optimized and published; another open for needs. Returns their ids and
    the run's."""
    now = utcnow()
    closed = create_cycle(session, hub, CycleInput(
        "Load benchmark: optimized", now, now + timedelta(hours=1), (now + timedelta(days=7)).date(), 28))
    open_cycle(session, hub, closed.id)
    close_cycle(session, hub, closed.id)
    run_id = optimize_and_publish(session, hub, closed.id, options)
    upcoming = create_cycle(session, hub, CycleInput(
        "Load benchmark: open for needs", now, now + timedelta(days=30), (now + timedelta(days=35)).date(), 28))
    open_cycle(session, hub, upcoming.id)
    return upcoming.id, closed.id, run_id


def optimize_and_publish(session: Session, hub: User, cycle_id: int, options: RunOptions) -> int:
    """Run the optimizer in this process (as the job would) and publish the plan, if any."""
    run = start_run(session, hub, cycle_id, options)
    status = execute_run(session, run.id, workers=1)
    session.refresh(run)
    if run.status is RunStatus.SUCCEEDED and run.plan_json:
        publish_run(session, hub, run.id, deadline=utcnow() + timedelta(days=5))
    else:
        print(f"warning: run {run.id} ended {status.value} without a plan: {run.error}", file=sys.stderr)
    return run.id


def retry_run(manifest: Manifest, options: RunOptions) -> Manifest:
    """Another run of the optimized cycle (after a failed one), published if it has a plan."""
    with _seeding(manifest.database_url) as session:
        hub = session.scalar(select(User).where(User.email == manifest.hub_email))
        manifest.run_id = optimize_and_publish(session, hub, manifest.closed_cycle_id, options)
        _share_ids(session, manifest)
    return manifest


@contextmanager
def _seeding(url: str) -> Iterator[Session]:
    """A session on ``url``; what it holds is committed and the tables analysed at the end."""
    engine = make_engine(url)
    session = make_session_factory(engine)()
    try:
        yield session
        session.commit()
        analyze(engine)
    finally:
        session.close()
        engine.dispose()


def _share_ids(session: Session, manifest: Manifest) -> None:
    shares = dict(session.execute(select(MemberShare.member_id, MemberShare.id)
                                  .where(MemberShare.run_id == manifest.run_id)).all())
    for director in manifest.directors:
        director["share_id"] = shares.get(director["member_id"])


def seed_alliance(url: str, options: RunOptions, *, sites: int = 300, seed: int = 300) -> Manifest:
    """Fill an empty, migrated database with the benchmark alliance; return its manifest."""
    manifest = Manifest(url, PASSWORD, HUB_EMAIL)
    with _seeding(url) as session:
        started = time.perf_counter()
        alliance, hub, manifest.directors = seed_people(session, sites, seed)
        add_staples(session, alliance.id)
        seed_offers(session, alliance, seed)
        seed_needs(SimpleNamespace(session=session, alliance=alliance))
        session.commit()
        manifest.seconds["people, catalog, offers, needs"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        manifest.open_cycle_id, manifest.closed_cycle_id, manifest.run_id = seed_cycles(session, hub, options)
        manifest.seconds["cycles, run, publish"] = round(time.perf_counter() - started, 1)
        _share_ids(session, manifest)
        manifest.counts = _counts(session)
    return manifest


def analyze(engine: Engine) -> None:
    """Planner statistics, as autovacuum would gather them on a database in use (a freshly
    loaded one has none, and its plans for a 300-site alliance are far off)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def _counts(session: Session) -> dict[str, int]:
    def count(model: type, *where: object) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    return {"members": count(Organization, Organization.kind == OrgKind.MEMBER),
            "sites": count(Site), "vendors": count(Organization, Organization.kind == OrgKind.VENDOR),
            "recurring needs": count(RecurringNeed), "demand lines": count(DemandLine)}


def write_manifest(manifest: Manifest, path: Path = MANIFEST) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
    return path


def read_manifest(path: Path = MANIFEST) -> Manifest:
    return Manifest(**json.loads(path.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=DB_NAME, help="database name (dropped and recreated)")
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--seed", type=int, default=300)
    parser.add_argument("--time-limit", type=int, default=120, help="the optimizer run's limit, seconds")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--retry-run", action="store_true", help="keep the database: run the optimized "
                        "cycle again (e.g. after a failed run), with --max-vendors-per-site if given")
    parser.add_argument("--max-vendors-per-site", type=int, default=None)
    args = parser.parse_args(argv)
    options = RunOptions(time_limit_s=args.time_limit, mip_gap=Decimal("0.01"),
                         max_vendors_per_site=args.max_vendors_per_site, note="load benchmark")
    if args.retry_run:
        manifest = retry_run(read_manifest(args.manifest), options)
        write_manifest(manifest, args.manifest)
        print(json.dumps({"run_id": manifest.run_id, "manifest": str(args.manifest)}))
        return 0
    url = recreate_database(args.database)
    migrate(url)
    manifest = seed_alliance(url, options, sites=args.sites, seed=args.seed)
    path = write_manifest(manifest, args.manifest)
    print(json.dumps({"counts": manifest.counts, "seconds": manifest.seconds, "manifest": str(path)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
