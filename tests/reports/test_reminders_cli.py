"""sharedbuy send-reminders on a fresh SQLite file: once per cycle and user, safe from cron."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from marketplace.cli import main
from marketplace.db import make_engine, make_session_factory, utcnow
from marketplace.models import CycleStatus, Notification
from tests.cycle_factories import make_cycle
from tests.factories import build_world


def run(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_send_reminders_twice_reminds_once(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/reminders.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("SHAREDBUY_ENV", raising=False)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    run("db", "upgrade")
    engine = make_engine(url)
    session = make_session_factory(engine)()
    world = build_world(session)
    now = utcnow()
    make_cycle(session, world.hub.organization.alliance, status=CycleStatus.OPEN, name="Soon",
               opens_at=now - timedelta(days=2), cutoff_at=now + timedelta(hours=30))
    session.commit()
    session.close()
    assert run("send-reminders") == "2 cutoff reminders added (email is off: SMTP_HOST is not set).\n"
    assert run("send-reminders").startswith("0 cutoff reminders added")
    assert run("send-reminders", "--hours", "6").startswith("0 cutoff reminders")
    with engine.connect() as connection:
        assert connection.scalar(select(func.count(Notification.id))) == 2
    engine.dispose()
