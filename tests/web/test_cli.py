"""The sharedbuy command line on a fresh SQLite file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select

from marketplace.cli import main
from marketplace.db import make_engine
from marketplace.models import Site, User

STRONG = "kP9w-3vXq_Zr8LmN2bTy6HcJ4uFd7sAe1Wg0"


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/nested/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("SHAREDBUY_ENV", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return url


def run(*args, input=None, env=None):
    result = CliRunner().invoke(main, list(args), input=input, env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_db_upgrade_makes_the_schema(sqlite_url):
    assert "revision head" in run("db", "upgrade")
    assert "users" in inspect(make_engine(sqlite_url)).get_table_names()


def test_demo_without_serving_migrates_seeds_and_prints_every_login(sqlite_url):
    first = run("demo", "--no-serve")
    second = run("demo", "--no-serve")
    assert first.splitlines()[-42:] == second.splitlines()[-42:]
    assert "http://127.0.0.1:5000/" in first
    assert "hub@example.org" in first and "hub-demo-pass" in first
    assert "director.new-horizon@example.org" in first and "director-demo-pass" in first
    assert "sales@northstar-foods.example.org" in first and "vendor-demo-pass" in first
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count(Site.id))) == 41
        users = connection.scalar(select(func.count(User.id)))
    assert users == first.count("@")


def test_create_hub_manager(sqlite_url):
    run("db", "upgrade")
    output = run("create-hub-manager", "--alliance", "Lane County", "--email", "hub@lane.example.org",
                 "--name", "Pat", input="lane-county-pass\nlane-county-pass\n", env={"SECRET_KEY": STRONG})
    assert "Hub manager hub@lane.example.org created for Lane County" in output
    again = CliRunner().invoke(main, ["create-hub-manager", "--alliance", "Lane County", "--email",
                                      "hub@lane.example.org", "--name", "Pat", "--password", "lane-county-pass"],
                               env={"SECRET_KEY": STRONG})
    assert again.exit_code == 1 and "already exists" in again.output


def test_production_commands_refuse_a_weak_secret(sqlite_url):
    result = CliRunner().invoke(main, ["worker"], env={"SECRET_KEY": "changeme"})
    assert result.exit_code == 1 and "SECRET_KEY is too weak" in result.output


def test_worker_needs_redis(sqlite_url):
    result = CliRunner().invoke(main, ["worker", "--burst"], env={"SECRET_KEY": STRONG})
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output
