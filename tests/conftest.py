"""Shared fixtures: the database (SQLite and PostgreSQL), the app, logged-in clients.

The schema is made once per backend by ``alembic upgrade head``. Each test runs inside a
transaction that is rolled back; the app's sessions join it through savepoints.
PostgreSQL comes from TEST_DATABASE_URL; without it those tests skip, except under CI=true,
where a missing PostgreSQL, Redis or Chromium is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from marketplace import jobs, migrate
from marketplace.app import create_app
from marketplace.config import Config, normalise_database_url
from marketplace.db import get_database, make_engine
from marketplace.models import User
from marketplace.services import passwords
from marketplace.web.notifications import register_email_sender
from marketplace.web.security import LoginThrottle
from tests.factories import PASSWORD, TEST_SECRET, World, build_world

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, what: str, how: str) -> None:
    """Skip when a service is missing; under CI=true fail instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true: {how}")
    pytest.skip(f"{what} is not available: {how}")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Argon2 at production strength costs ~50 ms per hash: tests use the same algorithm, cheaper.
    strong = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = strong


# ---------------------------------------------------------------- databases

def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


def _admin_connect(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                           user=parsed.username, password=parsed.password, dbname="postgres",
                           autocommit=True)


def create_postgres_database(base_url: str, suffix: str) -> str:
    """A fresh database next to TEST_DATABASE_URL's (created too if missing), for this run only."""
    parsed = make_url(base_url)
    name = f"{parsed.database}_{suffix}_{os.getpid()}"
    with _admin_connect(base_url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{parsed.database}"')
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    with _admin_connect(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def new_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory, suffix: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(suffix)}/test.db"
    base = postgres_base_url()
    require_service(base is not None, "PostgreSQL",
                    "set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/sharedbuy_test")
    assert base is not None
    try:
        return create_postgres_database(base, suffix)
    except psycopg.OperationalError as error:
        require_service(False, "PostgreSQL", f"cannot connect to TEST_DATABASE_URL ({error})")
        raise


BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this backend brought to the newest migration, once per test run."""
    url = new_database_url(backend, tmp_path_factory, "tests")
    migrate.upgrade(url)
    yield url
    if backend == "postgresql":
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def _joined_session(connection: Connection) -> Session:
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """The test's session: factories add and flush; services commit savepoints only."""
    session = _joined_session(connection)
    yield session
    session.close()


# ---------------------------------------------------------------- app and clients

def make_test_config(database_url: str, **overrides: Any) -> Config:
    values: dict[str, Any] = {"env": "testing", "secret_key": TEST_SECRET, "database_url": database_url,
                              "max_content_length": 256 * 1024}
    values.update(overrides)
    return Config(**values)


@pytest.fixture(scope="session")
def _shared_app(database_url: str) -> Flask:
    # One app per backend: building the app and compiling its templates once keeps tests fast.
    return create_app(make_test_config(database_url))


@pytest.fixture
def app(_shared_app: Flask, connection: Connection) -> Iterator[Flask]:
    """The app, with its sessions joined to this test's transaction and fresh login counters."""
    database = get_database(_shared_app)
    database.session_factory = lambda: _joined_session(connection)
    _shared_app.extensions["sharedbuy.login_throttle"] = LoginThrottle(5, 900)
    # Another app made on the same database (a test may build one) must not keep the jobs and
    # the notification emails: they are the shared app's again for each test.
    jobs.register_database(_shared_app.extensions["sharedbuy.config"].database_url,
                           lambda: database.session_factory())
    register_email_sender(_shared_app)
    yield _shared_app
    database.session_factory = _refuse_outside_a_test


def _refuse_outside_a_test() -> Session:
    raise RuntimeError("the shared test app has no database outside a test")


_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Client:
    """A test client that fills in CSRF tokens like a browser would."""

    def __init__(self, flask_client: FlaskClient):
        self.raw = flask_client
        self._token: str | None = None

    def csrf_token(self) -> str:
        """The token a page would carry (kept until logging in or out renews the session)."""
        if self._token is None:
            page = self.raw.get("/login", follow_redirects=True)
            match = _CSRF_META.search(page.get_data(as_text=True))
            assert match, "every page carries a csrf-token meta tag"
            self._token = match.group(1)
        return self._token

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.raw.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf_token()
        response = self.raw.post(url, data=data, **kwargs)
        if url.startswith(("/login", "/logout")):
            self._token = None
        return response

    def login(self, user: User | str, password: str = PASSWORD) -> Any:
        email = user if isinstance(user, str) else user.email
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    def logout(self) -> Any:
        return self.post("/logout")


@pytest.fixture
def client(app: Flask) -> Client:
    return Client(app.test_client())


@pytest.fixture
def make_client(app: Flask) -> Any:
    """Another browser: ``make_client(user)`` is logged in as ``user``."""

    def make(user: User | None = None) -> Client:
        new = Client(app.test_client())
        if user is not None:
            new.login(user)
        return new

    return make


@pytest.fixture
def world(session: Session) -> World:
    """Two alliances with a hub, members, sites, a vendor and a pending invitation."""
    return build_world(session)


class RecordingQueue:
    """Stands in for the job queue: records each job; the test runs it (``run_all``: in order)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, tuple]] = []
        self._ran = 0

    def enqueue(self, func: Any, *args: Any, **kwargs: Any) -> jobs.JobHandle:
        self.jobs.append((func, args))
        return jobs.JobHandle(f"recorded-{len(self.jobs)}")

    def run_all(self) -> None:
        while self._ran < len(self.jobs):
            func, args = self.jobs[self._ran]
            self._ran += 1
            func(*args)


@pytest.fixture
def queue(app: Flask) -> Iterator[RecordingQueue]:
    """The app's job queue replaced by a :class:`RecordingQueue` for the test."""
    saved = app.extensions["sharedbuy.jobs"]
    app.extensions["sharedbuy.jobs"] = recording = RecordingQueue()
    yield recording
    app.extensions["sharedbuy.jobs"] = saved
