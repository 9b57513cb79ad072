"""API authentication: tokens act as their user; a cookie session authorizes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.models import ApiToken, Site
from marketplace.services import api_tokens
from tests.api.client import ApiClient, make_token


def test_a_token_acts_as_its_user(app, session, world):
    response = ApiClient(app, make_token(session, world.dx)).get("/api/v1/me")
    assert response.status_code == 200
    me = response.get_json()
    assert (me["email"], me["role"], me["organization"]["name"], me["alliance"]["name"]) == \
        ("dx-secret@example.org", "director", "SECRET-Member-X", "Alliance A")


def test_no_token_or_a_bad_one_is_401_with_the_json_shape(app, session, world):
    for secret in (None, "sbk_not-a-real-token", "not-even-the-prefix"):
        response = ApiClient(app, secret).get("/api/v1/me")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        body = response.get_json()
        assert body["error"] == "unauthorized" and body["details"] == [] and body["message"]
    response = ApiClient(app, None).get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401


def test_revoked_tokens_and_inactive_users_are_refused(app, session, world):
    secret = make_token(session, world.dx)
    client = ApiClient(app, secret)
    assert client.get("/api/v1/me").status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == api_tokens.hash_secret(secret)))
    api_tokens.revoke_token(session, world.dx, token.id)
    assert client.get("/api/v1/me").status_code == 401
    other = ApiClient(app, make_token(session, world.dy))
    world.member_y.active = False
    session.flush()
    assert other.get("/api/v1/me").status_code == 401


def test_last_use_is_recorded_at_most_every_few_minutes(app, session, world):
    secret = make_token(session, world.dx)
    client = ApiClient(app, secret)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == api_tokens.hash_secret(secret)))
    assert token.last_used_at is None
    client.get("/api/v1/me")
    session.refresh(token)
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/me")
    session.refresh(token)
    assert token.last_used_at == first
    token.last_used_at = first - timedelta(minutes=10)
    session.flush()
    client.get("/api/v1/me")
    session.refresh(token)
    assert token.last_used_at > first - timedelta(minutes=10)


def test_a_logged_in_browser_cannot_use_the_api(world, make_client):
    browser = make_client(world.dx)
    assert browser.get("/").status_code == 200
    assert browser.get("/api/v1/me").status_code == 401, "a cookie session does not authorize reads"
    url = f"/api/v1/sites/{world.site_x.id}/needs"
    forged = browser.raw.post(url, json={"item_id": 1, "quantity": 1})
    assert forged.status_code == 400 and forged.get_json()["error"] == "csrf_failed"
    for method in ("PATCH", "DELETE"):
        response = browser.raw.open("/api/v1/needs/1", method=method, json={})
        assert response.status_code == 400 and response.get_json()["error"] == "csrf_failed"
    with_token = browser.raw.post(url, json={"item_id": 1, "quantity": 1},
                                  headers={"X-CSRFToken": browser.csrf_token()})
    assert with_token.status_code == 401, "even with its CSRF token, a cookie session cannot write"


def test_token_writes_need_no_csrf_token(app, session, world):
    client = ApiClient(app, make_token(session, world.hub))
    response = client.post("/api/v1/cycles", {"name": "April", "opens_at": "2026-04-01T12:00:00Z",
                                              "cutoff_at": "2026-04-08T17:00:00Z", "delivery_on": "2026-04-15"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "draft"


def test_the_openapi_document_needs_no_token(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"


def test_unknown_api_paths_answer_json(app, session, world):
    client = ApiClient(app, make_token(session, world.dx))
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    response = client.open("PUT", "/api/v1/me")
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"


def test_bad_json_is_400_and_bad_fields_422(app, session, world):
    client = ApiClient(app, make_token(session, world.dx))
    url = f"/api/v1/sites/{world.site_x.id}/needs"
    response = client.raw.post(url, data="not json", headers={"Authorization": f"Bearer {client.secret}",
                                                             "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    response = client.post(url, ["a", "list"])
    assert response.status_code == 400
    response = client.post(url, {"item_id": "milk", "quantity": "lots", "starts_on": "yesterday"})
    assert response.status_code == 422
    fields = {d["field"] for d in response.get_json()["details"]}
    assert fields == {"item_id", "quantity", "starts_on"}
    assert session.scalar(select(Site.id).where(Site.id == world.site_x.id))
