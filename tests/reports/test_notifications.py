"""Notifications: rows in the caller's transaction, emails only after commit, reminders once."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.db import utcnow
from marketplace.errors import NotFoundError
from marketplace.models import CycleStatus, Notification
from marketplace.services import notifications
from marketplace.services.mail import Mailer
from tests.cycle_factories import make_cycle
from tests.factories import make_user


class RecordingSMTP:
    """An SMTP stand-in: remembers each message; ``fail`` makes every send raise."""

    sent: list = []
    fail = False

    def __init__(self, host, port):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        if RecordingSMTP.fail:
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        RecordingSMTP.sent.append(message)


@pytest.fixture
def smtp():
    RecordingSMTP.sent, RecordingSMTP.fail = [], False
    yield RecordingSMTP
    RecordingSMTP.sent, RecordingSMTP.fail = [], False


@pytest.fixture
def mailer(smtp):
    return Mailer(host="smtp.example.org", smtp_factory=smtp)


@pytest.fixture
def handed_over(database_url):
    """The ids handed to the email sender after each commit (replacing the app's sender)."""
    saved = dict(notifications._senders)
    calls: list[list[int]] = []
    notifications.register_email_sender(database_url, calls.append)
    yield calls
    notifications._senders.clear()
    notifications._senders.update(saved)


def count(session, **where):
    query = select(func.count(Notification.id))
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return session.scalar(query)


def test_notify_joins_the_callers_transaction_and_emails_after_commit(session, world, handed_over):
    rows = notifications.notify(session, [world.member_x, world.dy], notifications.CYCLE_OPENED,
                                "March cycle is open", "Add your needs.", "/cycles/1")
    assert sorted(r.user_id for r in rows) == sorted([world.dx.id, world.dy.id])
    assert all(r.id for r in rows), "flushed: the rows have ids"
    assert handed_over == [], "nothing is emailed before the caller commits"
    session.commit()
    assert handed_over == [[r.id for r in rows]]
    session.commit()
    assert len(handed_over) == 1, "each notification is handed over once"


def test_a_rolled_back_change_notifies_nobody(session, world, handed_over):
    notifications.notify(session, [world.dx], notifications.PO_SENT, "PO sent")
    session.rollback()
    session.commit()
    assert handed_over == []
    assert count(session, kind="po_sent") == 0


def test_organizations_mean_their_active_users(session, world):
    extra = make_user(session, world.member_x, email="second-x@example.org")
    make_user(session, world.member_x, email="gone-x@example.org", active=False)
    rows = notifications.notify(session, [world.member_x, world.dx], notifications.PLAN_PUBLISHED, "Published")
    assert sorted(r.user_id for r in rows) == sorted([world.dx.id, extra.id])
    world.member_y.active = False
    assert notifications.notify(session, [world.member_y], notifications.PLAN_PUBLISHED, "Published") == []


def test_kind_and_link_are_checked(session, world):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notifications.notify(session, [world.dx], "cycle.opened", "x")
    with pytest.raises(ValueError, match="path inside the app"):
        notifications.notify(session, [world.dx], notifications.CYCLE_OPENED, "x", link="https://evil.example")
    with pytest.raises(ValueError):
        notifications.notify(session, [world.dx], notifications.CYCLE_OPENED, "x", link="//evil.example")


def test_dedupe_key_makes_it_once_per_user(session, world):
    first = notifications.notify(session, [world.member_x], notifications.CUTOFF_REMINDER, "Soon", dedupe_key="k:1")
    again = notifications.notify(session, [world.member_x, world.dy], notifications.CUTOFF_REMINDER, "Soon",
                                 dedupe_key="k:1")
    assert len(first) == 1 and [r.user_id for r in again] == [world.dy.id]


def test_helpers_find_the_hub_and_the_members(session, world):
    alliance_id = world.hub.alliance_id
    assert [o.name for o in notifications.hub_organizations(session, alliance_id)] == ["Hub A"]
    assert [o.name for o in notifications.member_organizations(session, alliance_id)] == \
        ["Member Y", "SECRET-Member-X"]


# ---------------------------------------------------------------- emails

def test_emails_go_to_each_user_once_with_the_link(session, world, mailer, smtp):
    rows = notifications.notify(session, [world.dx, world.dy], notifications.APPROVAL_NEEDED,
                                "Approve your share", "Your share is 178.00.", "/shares/3")
    ids = [r.id for r in rows]
    assert notifications.email_notifications(session, mailer, ids, base_url="https://buy.example.org/") == 2
    assert sorted(m["To"] for m in smtp.sent) == ["dx-secret@example.org", "dy@example.org"]
    body = smtp.sent[0].get_content()
    assert smtp.sent[0]["Subject"] == "SharedBuy: Approve your share"
    assert "Your share is 178.00." in body and "https://buy.example.org/shares/3" in body
    assert all(r.emailed_at is not None for r in rows)
    assert notifications.email_notifications(session, mailer, ids) == 0, "never emailed twice"
    assert len(smtp.sent) == 2


def test_a_failing_mail_server_keeps_the_notification(session, world, mailer, smtp):
    (row,) = notifications.notify(session, [world.dx], notifications.DELIVERY_SHORTAGE, "2 packs short")
    session.commit()
    smtp.fail = True
    assert notifications.email_notifications(session, mailer, [row.id]) == 0
    session.expire_all()
    kept = session.get(Notification, row.id)
    assert kept is not None and kept.emailed_at is None and kept.title == "2 packs short"


def test_no_email_when_smtp_is_off_or_the_user_left(session, world, mailer, smtp):
    (row,) = notifications.notify(session, [world.dx], notifications.PO_SENT, "PO sent")
    assert notifications.email_notifications(session, Mailer(host=None), [row.id]) == 0
    world.dx.active = False
    assert notifications.email_notifications(session, mailer, [row.id]) == 0
    assert smtp.sent == []


def test_the_apps_sender_queues_the_emails_after_commit(app, session, world, mailer, smtp, monkeypatch):
    from marketplace import jobs
    from marketplace.web.notifications import queue_emails

    queue = jobs.ThreadQueue()
    monkeypatch.setitem(app.extensions, "sharedbuy.mailer", mailer)
    monkeypatch.setitem(app.extensions, "sharedbuy.jobs", queue)
    (row,) = notifications.notify(session, [world.dy], notifications.CYCLE_OPENED, "Open", link="/cycles/9")
    assert smtp.sent == []
    session.commit()  # the app's sender queues the email job now
    assert queue.enqueue(jobs.ping).future.result(timeout=20) == "pong"  # one worker: the email went first
    assert [m["To"] for m in smtp.sent] == ["dy@example.org"]
    session.refresh(row)
    assert row.emailed_at is not None
    assert queue_emails(app, [row.id]).future.result(timeout=20) == 0, "never emailed twice"
    monkeypatch.setitem(app.extensions, "sharedbuy.mailer", Mailer(host=None))
    assert queue_emails(app, [row.id]) is None


# ---------------------------------------------------------------- the list

def test_list_read_and_read_all_are_per_user(session, world):
    a = notifications.notify(session, [world.dx], notifications.CYCLE_OPENED, "One")[0]
    notifications.notify(session, [world.dx], notifications.PO_SENT, "Two")
    notifications.notify(session, [world.dy], notifications.PO_SENT, "Not yours")
    assert notifications.unread_count(session, world.dx) == 2
    assert [n.title for n in notifications.list_notifications(session, world.dx).rows] == ["Two", "One"]
    with pytest.raises(NotFoundError):
        notifications.mark_read(session, world.dy, a.id)
    notifications.mark_read(session, world.dx, a.id)
    assert notifications.unread_count(session, world.dx) == 1
    assert [n.title for n in notifications.list_notifications(session, world.dx, unread_only=True).rows] == ["Two"]
    assert notifications.mark_all_read(session, world.dx) == 1
    assert notifications.unread_count(session, world.dx) == 0
    assert notifications.unread_count(session, world.dy) == 1


def test_safe_link_only_follows_paths_inside_the_app():
    assert notifications.safe_link(Notification(link="/cycles/3")) == "/cycles/3"
    for bad in ("https://evil.example", "//evil.example", "/\\evil.example", ""):
        assert notifications.safe_link(Notification(link=bad)) is None


# ---------------------------------------------------------------- cutoff reminders

def test_cutoff_reminders_are_sent_once_per_cycle_and_user(session, world):
    now = utcnow()
    alliance = world.hub.organization.alliance
    soon = make_cycle(session, alliance, status=CycleStatus.OPEN, name="Soon cycle",
                      opens_at=now - timedelta(days=3), cutoff_at=now + timedelta(hours=20))
    make_cycle(session, alliance, status=CycleStatus.OPEN, name="Later cycle",
               opens_at=now - timedelta(days=1), cutoff_at=now + timedelta(days=6))
    make_cycle(session, alliance, status=CycleStatus.CLOSED, name="Closed cycle",
               opens_at=now - timedelta(days=3), cutoff_at=now + timedelta(hours=5))
    make_cycle(session, world.other_hub.organization.alliance, status=CycleStatus.OPEN, name="B soon",
               opens_at=now - timedelta(days=3), cutoff_at=now + timedelta(hours=30))
    assert notifications.send_cutoff_reminders(session, now=now) == 3  # dx, dy; dz in alliance B
    rows = session.scalars(select(Notification).where(Notification.kind == "cutoff_reminder")).all()
    assert sorted(r.user_id for r in rows) == sorted([world.dx.id, world.dy.id, world.dz.id])
    mine = next(r for r in rows if r.user_id == world.dx.id)
    assert mine.title == "Soon cycle: needs close in 20 hours" and mine.link == f"/cycles/{soon.id}"
    assert notifications.send_cutoff_reminders(session, now=now + timedelta(hours=1)) == 0
    assert notifications.send_cutoff_reminders(session, now=now, within=timedelta(days=7)) == 2  # Later cycle
    assert count(session, kind="cutoff_reminder") == 5


def test_opening_a_cycle_tells_every_member(session, world, handed_over):
    from marketplace.services import cycles

    now = utcnow()
    cycle = make_cycle(session, world.hub.organization.alliance, name="June cycle", opens_at=now - timedelta(hours=1),
                       cutoff_at=now + timedelta(days=3))
    cycles.open_cycle(session, world.hub, cycle.id, now=now)
    rows = session.scalars(select(Notification).where(Notification.kind == "cycle_opened")).all()
    assert sorted(r.user_id for r in rows) == sorted([world.dx.id, world.dy.id])
    assert rows[0].link == f"/cycles/{cycle.id}" and rows[0].title.startswith("June cycle is open for needs")
    assert handed_over == [sorted(r.id for r in rows)], "emailed after the opening commits"


def test_the_rq_email_job_uses_the_workers_smtp_settings(app, session, world, database_url, monkeypatch):
    from marketplace import jobs
    from tests.reports.smtp_sink import SmtpSink

    (row,) = notifications.notify(session, [world.dx], notifications.PO_SENT, "PO-2026-0009 sent", link="/orders/9")
    session.commit()
    with SmtpSink() as sink:
        for name, value in {"SHAREDBUY_ENV": "testing", "SECRET_KEY": "k" * 40, "SMTP_HOST": "127.0.0.1",
                            "SMTP_PORT": str(sink.port), "SMTP_STARTTLS": "false",
                            "SMTP_FROM": "hub@example.org"}.items():
            monkeypatch.setenv(name, value)
        assert jobs.send_notification_emails(database_url, [row.id], "https://buy.example.org") == 1
    (message,) = sink.messages
    assert message["To"] == "dx-secret@example.org" and message["From"] == "hub@example.org"
    assert "https://buy.example.org/orders/9" in message.get_payload()
    session.refresh(row)
    assert row.emailed_at is not None
    monkeypatch.setenv("SMTP_PORT", "1")  # nobody listens: the row stays, nothing is raised
    (other,) = notifications.notify(session, [world.dy], notifications.PO_SENT, "Another")
    session.commit()
    assert jobs.send_notification_emails(database_url, [other.id]) == 0
    session.refresh(other)
    assert other.emailed_at is None
