"""On SQLite (the demo's database), a request that reads and then writes must wait for another
process's write to finish, not fail with "database is locked": the demo's scheduler and job
workers write while people log in."""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from marketplace import jobs, migrate
from marketplace.app import create_app
from marketplace.db import make_engine
from tests.conftest import make_test_config
from tests.factories import PASSWORD, build_world


def test_a_login_waits_for_another_writer_instead_of_failing(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/demo.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        world = build_world(session)
        session.commit()
        email = world.dx.email
    engine.dispose()
    monkeypatch.setattr(jobs, "_factories", dict(jobs._factories))  # keep the suite's own
    client = create_app(make_test_config(url)).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]

    # Another process (the scheduler, say) holds the write lock for a moment.
    other = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE users SET name = name")
    release = threading.Timer(0.5, other.execute, args=("COMMIT",))
    release.start()
    try:
        response = client.post("/login", data={"csrf_token": token, "email": email,
                                               "password": PASSWORD})
    finally:
        release.join()
        other.close()
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert client.get("/").status_code == 200
