"""The ``sharedbuy`` command line.

Add a command with ``@main.command()`` (or ``main.add_command(...)``) in this module; the
planned ones are listed at the bottom.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from marketplace import jobs, migrate
from marketplace.app import create_app
from marketplace.config import Config, ConfigError
from marketplace.db import make_engine, make_session_factory, session_scope
from marketplace.errors import MarketplaceError
from marketplace.services import accounts
from marketplace.services.demo import DemoLogin, seed_demo

DEMO_HOST = "127.0.0.1"
DEMO_PORT = 5000


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
    os.environ.setdefault("SHAREDBUY_ENV", "development")
    config = _config(default_env="development")
    _ensure_sqlite_dir(config.database_url)
    migrate.upgrade(config.database_url)
    logins = _seed(config)
    url = f"http://{host}:{port}/"
    click.echo(f"\nSharedBuy demo: {url}\n")
    _print_logins(logins)
    if serve:
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
#   check-sheet   -> catalog sheet validation (issue "catalog")
#   import-sheet  -> services that store a vendor's sheet


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
