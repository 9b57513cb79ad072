"""The notification list and bell, and API tokens on the account page."""

from __future__ import annotations

import re

from sqlalchemy import select

from marketplace.models import ApiToken, Notification
from marketplace.services import api_tokens, notifications
from tests.api.client import ApiClient


def notify_dx(session, world, title, link=""):
    (row,) = notifications.notify(session, [world.dx], notifications.PLAN_PUBLISHED, title, "Body text.", link)
    return row


def bell(body: str) -> str | None:
    match = re.search(r'class="bell__count">([^<]+)<', body)
    return match.group(1) if match else None


def test_the_bell_counts_unread_notifications(session, world, make_client):
    dx = make_client(world.dx)
    assert bell(dx.get("/").get_data(as_text=True)) is None
    notify_dx(session, world, "One")
    notify_dx(session, world, "Two")
    body = dx.get("/sites").get_data(as_text=True)
    assert bell(body) == "2" and 'aria-label="Notifications: 2 unread"' in body
    assert bell(make_client(world.dy).get("/").get_data(as_text=True)) is None


def test_list_open_read_and_read_all(session, world, make_client):
    first = notify_dx(session, world, "Approve the March share", f"/sites/{world.site_x.id}")
    second = Notification(user_id=world.dx.id, kind="po_sent", title="Elsewhere",  # notify() refuses such a link
                          link="https://evil.example/phish")
    session.add(second)
    session.flush()
    notify_dx(session, world, "Third")
    dx = make_client(world.dx)
    listing = dx.get("/notifications").get_data(as_text=True)
    assert "Approve the March share" in listing and "3 unread" in listing and "Plan published" in listing
    assert "evil.example" not in listing
    opened = dx.post(f"/notifications/{first.id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/sites/{world.site_x.id}"
    elsewhere = dx.post(f"/notifications/{second.id}/open")
    assert elsewhere.headers["Location"] == "/notifications", "never sent to another site"
    assert "1 unread" in dx.get("/notifications").get_data(as_text=True)
    unread = dx.get("/notifications?unread=1").get_data(as_text=True)
    assert "Third" in unread and "Approve the March share" not in unread
    done = dx.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)
    assert "1 notification marked as read." in done and "Everything is read." in done
    session.expire_all()
    assert all(n.read_at for n in session.scalars(select(Notification).where(Notification.user_id == world.dx.id)))


def test_mark_one_read(session, world, make_client):
    row = notify_dx(session, world, "Read me")
    dx = make_client(world.dx)
    assert dx.post(f"/notifications/{row.id}/read").status_code == 302
    session.refresh(row)
    assert row.read_at is not None


# ---------------------------------------------------------------- API tokens

def test_a_token_is_shown_once_stored_hashed_and_works(app, session, world, make_client):
    dx = make_client(world.dx)
    assert "API tokens" in dx.get("/account").get_data(as_text=True)
    response = dx.post("/account/tokens", {"name": "Board spreadsheet"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    secret = re.search(r'<code class="secret" id="new-token">([^<]+)</code>', body).group(1)
    assert secret.startswith("sbk_") and "shown only this once" in body
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == world.dx.id))
    assert token.name == "Board spreadsheet" and token.prefix == secret[:12]
    assert token.token_hash == api_tokens.hash_secret(secret) and secret not in token.token_hash
    again = dx.get("/account").get_data(as_text=True)
    assert secret not in again and token.prefix in again
    api = ApiClient(app, secret)
    assert api.get("/api/v1/me").get_json()["email"] == "dx-secret@example.org"
    assert dx.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert api.get("/api/v1/me").status_code == 401
    assert "Revoked" in dx.get("/account").get_data(as_text=True)


def test_a_token_needs_a_name_and_there_is_a_limit(session, world, make_client):
    dx = make_client(world.dx)
    response = dx.post("/account/tokens", {"name": "  "})
    assert response.status_code == 422 and "Enter a name" in response.get_data(as_text=True)
    for number in range(api_tokens.MAX_ACTIVE_TOKENS):
        api_tokens.create_token(session, world.dx, f"tool {number}")
    response = dx.post("/account/tokens", {"name": "one too many"})
    assert response.status_code == 422 and "revoke one" in response.get_data(as_text=True)


def test_someone_elses_token_cannot_be_revoked(session, world, make_client):
    issued = api_tokens.create_token(session, world.dy, "Y's tool")
    assert make_client(world.dx).post(f"/account/tokens/{issued.token.id}/revoke").status_code == 404
    session.refresh(issued.token)
    assert issued.token.revoked_at is None
