"""The ``sharedbuy`` command line.

Add a command with ``@main.command()`` (or ``main.add_command(...)``) in this module; the
planned ones are listed at the bottom.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import click

from catalog.intake import check_file
from catalog.report import dumps_report, report_text
from catalog.safety import display_name
from marketplace import jobs, migrate, scheduler
from marketplace.app import create_app
from marketplace.config import Config, ConfigError
from marketplace.db import make_engine, make_session_factory, session_scope
from marketplace.errors import MarketplaceError
from marketplace.payments.gateway import StripeGateway, make_gateway
from marketplace.payments.money import format_cents
from marketplace.services import accounts, notifications, payouts, reconciliation
from marketplace.services.demo import DemoLogin, knows_stripe, seed_demo
from marketplace.services.price_sheets import MAX_SHEET_BYTES, Upload
from marketplace.services.sheet_files import ImportOutcome, import_price_sheet, stored_result

DEMO_HOST = "127.0.0.1"
DEMO_PORT = 5000
DEMO_STRIPE_PORT = 12111


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """SharedBuy: pooled purchasing for child care alliances."""


def _config(default_env: str = "production") -> Config:
    try:
        return Config.from_env(default_env=default_env)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations to DATABASE_URL (the only way the schema is made)."""
    url = _config(default_env="development").database_url
    _ensure_sqlite_dir(url)
    migrate.upgrade(url, revision=revision)
    click.echo(f"Database is at revision {revision}.")


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo alliance (safe to run again: nothing is duplicated)."""
    _print_logins(_seed(_config(default_env="development")))


@main.command()
@click.option("--host", default=DEMO_HOST, show_default=True)
@click.option("--port", default=DEMO_PORT, show_default=True, type=int)
@click.option("--serve/--no-serve", default=True, help="Start the web server after seeding.")
def demo(host: str, port: int, serve: bool) -> None:
    """Migrate DATABASE_URL, seed the demo alliance, print the logins and serve the app."""
    config = _config(default_env="development")
    _ensure_sqlite_dir(config.database_url)
    migrate.upgrade(config.database_url)
    logins = _seed(config)
    url = f"http://{host}:{port}/"
    click.echo(f"\nSharedBuy demo: {url}\n")
    _print_logins(logins)
    if serve:
        with _demo_payments(config, host, port) as config, _demo_scheduler(config, url):
            create_app(config).run(host=host, port=port, debug=False, use_reloader=False)


@main.command()
@click.option("--host", default=DEMO_HOST, show_default=True)
@click.option("--port", default=DEMO_PORT, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
def run(host: str, port: int, debug: bool) -> None:
    """Serve the app with Flask's development server (use gunicorn in production)."""
    create_app(_config(default_env="development")).run(host=host, port=port, debug=debug, use_reloader=debug)


@main.command("create-hub-manager")
@click.option("--alliance", "alliance_name", required=True, help="The alliance's name (created if new).")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option(help="Asked for when not given (typed twice).")
def create_hub_manager(alliance_name: str, email: str, name: str, password: str) -> None:
    """Create an alliance's hub manager, who then invites members and vendors."""
    config = _config()
    with session_scope(make_session_factory(make_engine(config.database_url))) as session:
        try:
            user = accounts.create_hub_manager(session, alliance_name=alliance_name, email=email,
                                               name=name, password=password)
        except MarketplaceError as error:
            details = "; ".join(d["message"] for d in error.details)
            raise click.ClickException(f"{error.message} {details}".strip()) from error
        click.echo(f"Hub manager {user.email} created for {alliance_name}.")


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run a background worker (RQ on REDIS_URL)."""
    config = _config()
    if not config.redis_url:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inside the web process.")
    jobs.run_worker(config, burst=burst)


@main.command("check-sheet")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help='Print {"ok", "rows", "errors"} as JSON.')
def check_sheet(file: str, as_json: bool) -> None:
    """Check a price sheet (CSV or XLSX) without the catalog: exit 0 when clean, 1 with every error.

    Item ids and whether units fit the items are checked on import, against the catalog.
    """
    result = check_file(file, max_bytes=MAX_SHEET_BYTES)
    click.echo(dumps_report(result) if as_json else report_text(result, display_name(file)))
    sys.exit(0 if result.ok else 1)


@main.command("import-sheet")
@click.option("--vendor", required=True, help="The vendor organization's id (or its exact name).")
@click.option("--activate/--no-activate", default=True, show_default=True,
              help="Make the sheet the vendor's new offer version when it has no errors.")
@click.argument("file", type=click.Path(dir_okay=False))
def import_sheet(vendor: str, activate: bool, file: str) -> None:
    """Validate a vendor's price sheet against the catalog and store it (all or nothing)."""
    config = _config(default_env="development")
    upload = Upload(_read_sheet(file), display_name(file))
    engine = make_engine(config.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            try:
                outcome = import_price_sheet(session, vendor, upload, activate=activate)
            except MarketplaceError as error:
                raise click.ClickException(error.message) from error
            _print_import(outcome)
            ok = outcome.sheet.error_count == 0
    finally:
        engine.dispose()
    sys.exit(0 if ok else 1)


def _print_import(outcome: ImportOutcome) -> None:
    sheet = outcome.sheet
    name = f"{sheet.filename} (sheet #{sheet.id})"
    if sheet.error_count:
        click.echo(report_text(stored_result(sheet), name))
    else:
        click.echo(f"{name}: OK, {sheet.row_count} rows, {sheet.offer_count} offers stored.")
        for warning in sheet.warnings:
            click.echo(f"  warning, row {warning['row'] or '-'}: {warning['message']}")
    if outcome.diff is not None:
        diff = outcome.diff
        click.echo(f"Against the active version: {diff.rises} price(s) up, {diff.falls} down, "
                   f"{diff.count('new')} new SKU(s), {diff.count('dropped')} dropped.")
    if outcome.version is not None:
        click.echo(f"Activated as version {outcome.version.number}, in force from "
                   f"{outcome.version.effective_from.isoformat()}.")
    elif sheet.error_count == 0:
        click.echo("Stored, not activated: activate it from the vendor's price sheets page.")


@main.command("send-reminders")
@click.option("--hours", default=48, show_default=True, type=click.IntRange(1, 24 * 14),
              help="Remind about the cutoffs within this many hours.")
@click.option("--base-url", envvar="SHAREDBUY_BASE_URL", default=None,
              help="The site's address, for the links in emails (env SHAREDBUY_BASE_URL).")
def send_reminders(hours: int, base_url: str | None) -> None:
    """Remind members of each open cycle's coming cutoff, in the app and by email when SMTP is
    configured. Each user is reminded once per cycle, so it is safe to run from cron hourly."""
    config = _config(default_env="development")
    with jobs.emailing(config, base_url) as emailed, jobs.job_session(config.database_url) as session:
        added = notifications.send_cutoff_reminders(session, within=timedelta(hours=hours))
    email = f"; {sum(emailed)} emailed" if config.smtp_host else " (email is off: SMTP_HOST is not set)"
    click.echo(f"{added} cutoff reminder{'' if added == 1 else 's'} added{email}.")


@main.command("scheduler")
@click.option("--once", is_flag=True, help="Run one tick here and exit (exit 1 if a step failed).")
@click.option("--interval", "interval_s", default=scheduler.DEFAULT_INTERVAL_S, show_default=True,
              type=click.FloatRange(min=1), help="Seconds between ticks.")
@click.option("--base-url", envvar="SHAREDBUY_BASE_URL", default=None,
              help="The site's address, for the links in emails (env SHAREDBUY_BASE_URL).")
def scheduler_command(once: bool, interval_s: float, base_url: str | None) -> None:
    """Run the time-driven cycle events every minute: open scheduled cycles, close cycles at
    their cutoff, remind members 48 and 24 hours before it, tell the hub when approvals are due.
    With REDIS_URL each tick is a job for the workers; safe to run twice (nothing is sent twice)."""
    config = _config(default_env="development")
    if once:
        result = scheduler.tick(config, base_url=base_url)
        click.echo(f"Tick: {result.summary()}.")
        sys.exit(1 if result.failed else 0)
    loop = scheduler.Scheduler(config, interval_s=interval_s, base_url=base_url, echo=click.echo)
    where = f"queued on Redis ({config.rq_queue})" if loop.uses_redis else "run in this process"
    click.echo(f"Scheduler: a tick every {interval_s:g} s, {where}. Stop with Ctrl+C.")
    previous = signal.signal(signal.SIGTERM, lambda *_: loop.stop())
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.command("payouts")
@click.option("--cycle", "cycle_id", type=int, default=None, help="Only this cycle (default: every cycle).")
def payouts_command(cycle_id: int | None) -> None:
    """Refund shortages and pay vendors for delivered orders of paid shares. Safe to run again at
    any time, or from cron: every Stripe call is made once (stored keys, replayed on retry)."""
    config = _config(default_env="development")
    with session_scope(make_session_factory(make_engine(config.database_url))) as session:
        summary = payouts.run_payouts(session, _gateway(config), cycle_id=cycle_id)
    done = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.done.items())) or "nothing new"
    click.echo(f"Payouts: {done}; {summary.pending} call(s) without an answer yet (resumed next run).")
    for line in sorted(set(summary.waiting)) + summary.failed:
        click.echo(f"  {line}")


@main.command("reconcile")
@click.option("--cycle", "cycle_id", type=int, default=None, help="Only this cycle (default: every cycle).")
def reconcile_command(cycle_id: int | None) -> None:
    """Compare the ledger with Stripe's charges, refunds and transfers; exit 1 on any discrepancy."""
    config = _config(default_env="development")
    with session_scope(make_session_factory(make_engine(config.database_url))) as session:
        gateway = _gateway(config)
        reports = ([reconciliation.reconcile_cycle(session, gateway, cycle_id)] if cycle_id is not None
                   else reconciliation.reconcile_all(session, gateway))
        for report in reports:
            t = report.totals
            click.echo(f"Cycle {report.cycle_id}: charged {format_cents(t['charges'])} = paid out "
                       f"{format_cents(t['payouts'])} + fee {format_cents(t['fees'])} + refunded "
                       f"{format_cents(t['refunds'])} + held {format_cents(t['held'])}; "
                       f"{len(report.discrepancies)} discrepanc{'y' if len(report.discrepancies) == 1 else 'ies'}")
            for item in report.discrepancies:
                click.echo(f"  {item['kind']}: {item['message']}")
        bad = sum(len(r.discrepancies) for r in reports)
    sys.exit(1 if bad else 0)


def _gateway(config: Config) -> StripeGateway:
    gateway = make_gateway(config.stripe_api_key, config.stripe_api_base, config.stripe_webhook_secret)
    if gateway is None:
        raise click.ClickException("STRIPE_API_KEY is not set: payments are off.")
    return gateway


@contextmanager
def _demo_payments(config: Config, host: str, port: int, stripe_port: int | None = None) -> Iterator[Config]:
    """Without STRIPE_API_KEY, the demo pays through the project's Stripe emulator, started here
    as a separate process on 127.0.0.1 (the app reaches it over HTTP, like Stripe); on port
    12111 unless that one is taken."""
    if config.stripe_api_key:
        yield config
        return
    stripe_port = stripe_port or _free_port(DEMO_STRIPE_PORT)
    secret = f"whsec_{secrets.token_hex(16)}"
    process = subprocess.Popen([sys.executable, "-m", "stripe_emulator", "--host", "127.0.0.1", "--port",  # noqa: S603
                                str(stripe_port), "--webhook", f"http://{host}:{port}/payments/webhook",
                                "--webhook-secret", secret, "--ach-settle-seconds", "30",
                                "--state", _demo_stripe_state(config)])
    # A plain `kill` of the demo must stop the emulator too: turn SIGTERM into a normal exit.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _wait_for_port(stripe_port, process)
        click.echo(f"Payments: test mode, through the Stripe emulator on http://127.0.0.1:{stripe_port}\n")
        yield replace(config, stripe_api_key="sk_test_demo", stripe_api_base=f"http://127.0.0.1:{stripe_port}",
                      stripe_webhook_secret=secret, stripe_publishable_key="pk_test_demo",
                      stripe_js_url=f"http://127.0.0.1:{stripe_port}/v3/")  # the emulator's Stripe.js double
    finally:
        signal.signal(signal.SIGTERM, previous)
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def _demo_scheduler(config: Config, base_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """The demo's ``sharedbuy scheduler``, as a process of its own beside the app (as in a real
    deployment): the open cycle closes at its cutoff, reminders come 48 and 24 hours before."""
    env = {**os.environ, "DATABASE_URL": config.database_url, "SHAREDBUY_ENV": config.env,
           "SHAREDBUY_BASE_URL": base_url, "REDIS_URL": config.redis_url or ""}
    process = subprocess.Popen([sys.executable, "-m", "marketplace.cli", "scheduler"], env=env)  # noqa: S603
    click.echo("Scheduler: cycles open and close on time, reminders go out (a tick every minute)\n")
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _demo_stripe_state(config: Config) -> str:
    """The emulator's state file, one per demo database (beside a SQLite file, ``instance/demo.db``
    -> ``instance/demo.db.stripe.json``; else ``instance/stripe-emulator-<digest>.json``), so a
    restarted demo still finds its charges at "Stripe"; a database that never met Stripe (a new
    one) starts the emulator afresh, as its charges would be foreign to it."""
    url = config.database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = url[len("sqlite:///"):] + ".stripe.json"
    else:
        path = os.path.join("instance", f"stripe-emulator-{hashlib.sha256(url.encode()).hexdigest()[:12]}.json")
    with session_scope(make_session_factory(make_engine(config.database_url))) as session:
        if not knows_stripe(session) and os.path.exists(path):
            os.remove(path)
    return path


def _free_port(preferred: int) -> int:
    for candidate in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise click.ClickException("no free port on 127.0.0.1 for the Stripe emulator")


def _wait_for_port(port: int, process: subprocess.Popen[bytes], wait_s: float = 30.0) -> None:
    deadline = time.monotonic() + wait_s  # a busy machine may take a while to start Python
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the Stripe emulator did not start (is port {port} in use?)")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise click.ClickException(f"the Stripe emulator did not start within {wait_s:g} seconds")


def _read_sheet(file: str) -> bytes:
    try:
        with open(file, "rb") as handle:
            data = handle.read(MAX_SHEET_BYTES + 1)
    except OSError as error:
        raise click.ClickException(f"cannot read {display_name(file)}: {error.strerror}") from error
    if len(data) > MAX_SHEET_BYTES:
        raise click.ClickException(f"{display_name(file)} is larger than {MAX_SHEET_BYTES:,} bytes")
    return data


def _seed(config: Config) -> list[DemoLogin]:
    with session_scope(make_session_factory(make_engine(config.database_url))) as session:
        return seed_demo(session)


def _print_logins(logins: Sequence[DemoLogin]) -> None:
    click.echo("Demo logins (every director shares one password, so does every vendor):\n")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.role.label:<15} {login.email:<{width}}  {login.password:<20} {login.organization}")
    click.echo("")


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        directory = os.path.dirname(url[len("sqlite:///"):])
        if directory:
            os.makedirs(directory, exist_ok=True)


# Commands other modules add here, each delegating to its package:
#   optimize      -> optimizer.__main__:main(argv)   (@main.command(context_settings=
#                    {"ignore_unknown_options": True, "allow_extra_args": True}))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
