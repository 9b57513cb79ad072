"""Every page reads the login and the bell's unread count in one query, and the count is the
notifications' own rule: the user's notifications and its organization's, unread."""

from __future__ import annotations

import re

from sqlalchemy import event

from marketplace.models import Notification
from marketplace.services import accounts, notifications
from tests.factories import PASSWORD


def test_the_logins_unread_count_is_the_bells_rule(session, world):
    notifications.notify(session, [world.dx], notifications.CYCLE_OPENED, "Mine")
    notifications.notify(session, [world.dx], notifications.PO_SENT, "Mine, read")
    notifications.mark_all_read(session, world.dx)
    notifications.notify(session, [world.dx, world.dy], notifications.PO_SENT, "Both")
    session.add_all([Notification(organization_id=world.dx.organization_id, kind=notifications.PO_SENT,
                                  title="For the member"),
                     Notification(organization_id=world.hub.organization_id, kind=notifications.PO_SENT,
                                  title="For the hub")])
    session.flush()
    logged_in = {user: accounts.log_in(session, user.email, PASSWORD, lifetime_s=600)
                 for user in (world.dx, world.dy, world.hub, world.vendor)}
    counts = {}
    for user, result in logged_in.items():
        login = accounts.load_login(session, user.id, result.session_token)
        assert login is not None and login.user.id == user.id
        counts[user.email] = login.unread_notifications
        assert login.unread_notifications == notifications.unread_count(session, user)
    assert counts[world.dx.email] == 2 and counts[world.hub.email] == 1 and counts[world.vendor.email] == 0
    assert accounts.load_login(session, world.dy.id, logged_in[world.dx].session_token) is None


def test_a_page_counts_the_bell_with_the_login(session, world, engine, make_client):
    notifications.notify(session, [world.dx], notifications.CYCLE_OPENED, "Open")
    client = make_client(world.dx)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        body = client.get("/notifications").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert re.search(r'class="bell__count">1<', body)
    counts = [s for s in statements if "count(notifications.id)" in s]
    assert len(counts) == 1 and "login_sessions" in counts[0]  # with the login, once
