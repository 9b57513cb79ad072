"""On SQLite (the embedded default) a transaction that reads and then writes fails with
"database is locked" when another writer got in between; ``begin_write`` makes it wait its
turn instead. The payment services start every writing transaction with it, because Stripe's
webhooks write at the very moment the request that caused them does."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from marketplace.db import begin_write, make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/writes.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    yield engine
    engine.dispose()


def increment(engine, errors: list[Exception], *, immediate: bool, both_read: threading.Barrier | None) -> None:
    with Session(engine) as session:
        try:
            if immediate:
                begin_write(session)
            n = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
            if both_read is not None:
                both_read.wait(60)  # generous: a loaded machine may start the second thread late
            else:
                time.sleep(0.05)
            session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
            session.commit()
        except OperationalError as error:
            errors.append(error)


def run_two(engine, **options) -> tuple[int, list[Exception]]:
    errors: list[Exception] = []
    threads = [threading.Thread(target=increment, args=(engine, errors), kwargs=options) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with engine.connect() as connection:
        return connection.execute(text("SELECT n FROM counter")).scalar_one(), errors


def test_readers_that_write_later_collide_without_begin_write(engine):
    n, errors = run_two(engine, immediate=False, both_read=threading.Barrier(2))
    assert n == 1 and len(errors) == 1 and "database is locked" in str(errors[0])


def test_with_begin_write_they_wait_their_turn_and_no_update_is_lost(engine):
    n, errors = run_two(engine, immediate=True, both_read=None)
    assert (n, errors) == (2, [])
