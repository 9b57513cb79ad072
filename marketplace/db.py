"""Database plumbing: the declarative base, engines and sessions.

Services receive a :class:`sqlalchemy.orm.Session` explicitly and commit once;
the web layer opens one session per request (see :func:`init_app`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; its metadata carries the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets real transactions (savepoints included) and foreign keys."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _install_sqlite_hooks(engine)
    return engine


def _install_sqlite_hooks(engine: Engine) -> None:
    # From SQLAlchemy's SQLite dialect docs: let SQLAlchemy emit BEGIN, so SELECTs and
    # SAVEPOINTs take part in the transaction and a rollback really undoes everything.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE when asked (see begin_write): the write lock is taken at once.
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_IMMEDIATE = "sharedbuy_begin_immediate"


def begin_write(session: Session) -> None:
    """Start the session's next transaction as one that writes. On SQLite it takes the write
    lock at once, so a concurrent writer makes it wait (busy timeout) rather than fail it with
    "database is locked" when it reads first and writes later. Does nothing inside a
    transaction already begun, or on other databases (row locks do that job there)."""
    if not session.in_transaction():
        session.connection(execution_options={_IMMEDIATE: True})


_Row = TypeVar("_Row")


def claim_row(session: Session, model: type[_Row], row_id: int) -> _Row | None:
    """Re-read one row under its lock for a periodic job, or None when another transaction
    holds that lock (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so two schedulers never wait on each
    other nor act twice) or the row is gone. On SQLite the transaction starts with the write
    lock (:func:`begin_write`), so two jobs run one after the other. Callers re-check the row's
    state (another job may have acted and committed just before) and commit."""
    begin_write(session)
    return session.scalars(select(model).where(model.id == row_id)  # type: ignore[attr-defined]
                           .with_for_update(skip_locked=True)
                           .execution_options(populate_existing=True)).one_or_none()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: Callable[[], Session]) -> Iterator[Session]:
    """A session for the CLI and jobs; the services inside commit, anything left is rolled back."""
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


class Database:
    """The engine and session factory one app instance uses."""

    def __init__(self, engine: Engine, session_factory: Callable[[], Session] | None = None):
        self.engine = engine
        self.session_factory = session_factory or make_session_factory(engine)


_EXTENSION = "sharedbuy.db"


def init_app(app: Any, database: Database) -> None:
    """Give each request (app context) its own session, closed at teardown."""
    app.extensions[_EXTENSION] = database
    app.teardown_appcontext(_close_request_session)


#: Requests that may write: their first transaction takes SQLite's write lock at once.
_WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_session() -> Session:
    """The current request's session (created on first use).

    A request that may write (POST, PUT, PATCH, DELETE) starts its first transaction with
    :func:`begin_write`: on SQLite, a request that reads (the login's user) and then writes
    would otherwise fail at once with "database is locked" whenever another process (the
    scheduler, a job) committed in between, instead of waiting its turn."""
    if "db_session" not in g:
        g.db_session = session = current_app.extensions[_EXTENSION].session_factory()
        if has_request_context() and request.method in _WRITING_METHODS:
            begin_write(session)
    return g.db_session


def rollback_request_session() -> None:
    """Undo what the current request's session holds (before an error page reads from it)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def get_database(app: Any) -> Database:
    return app.extensions[_EXTENSION]


def _close_request_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
