"""Session cookies, a new session on login, logout that really ends the session."""

from __future__ import annotations

from flask.testing import FlaskClient

from marketplace import jobs
from marketplace.app import create_app
from tests.conftest import Client, make_test_config
from tests.factories import PASSWORD

COOKIE = "sharedbuy_session"


def set_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))


def test_cookie_is_httponly_and_samesite_lax(client, world):
    header = set_cookie_header(client.login(world.dx))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # testing runs over plain http


def test_cookie_is_secure_in_production(database_url, connection, world, monkeypatch):
    from tests.conftest import _joined_session

    # A second app in this process registers its sessions for jobs; keep the suite's own.
    monkeypatch.setattr(jobs, "_factories", dict(jobs._factories))
    app = create_app(make_test_config(database_url, env="production"),
                     session_factory=lambda: _joined_session(connection))
    browser = Client(app.test_client())
    page = browser.raw.get("/login", base_url="https://localhost")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    response = browser.raw.post("/login", base_url="https://localhost",
                                headers={"Referer": "https://localhost/login"},
                                data={"csrf_token": token, "email": world.dx.email, "password": PASSWORD})
    assert response.status_code == 302
    header = set_cookie_header(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert "max-age" in response.headers["Strict-Transport-Security"]


def session_of(flask_client: FlaskClient) -> dict:
    with flask_client.session_transaction() as data:
        return dict(data)


def test_login_starts_a_new_session(client, world):
    with client.raw.session_transaction() as data:
        data["planted"] = "by an attacker"
        data["sid"] = "attacker-chosen"
    client.login(world.dx)
    after = session_of(client.raw)
    assert "planted" not in after
    assert after["sid"] != "attacker-chosen"
    first_sid = after["sid"]
    client.logout()
    client.login(world.dx)
    assert session_of(client.raw)["sid"] != first_sid


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, world):
    client.login(world.dx)
    stolen = client.raw.get_cookie(COOKIE).value
    assert client.get("/").status_code == 200
    response = client.logout()
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivated_user_is_logged_out_at_once(client, world, make_client):
    client.login(world.dx)
    hub = make_client(world.hub)
    assert hub.post(f"/users/{world.dx.id}/deactivate").status_code == 302
    assert client.get("/").status_code == 302
    response = make_client().post("/login", {"email": world.dx.email, "password": PASSWORD})
    assert response.status_code == 401
    assert "not active" in response.get_data(as_text=True)


def test_password_change_ends_other_sessions(world, make_client):
    laptop, phone = make_client(world.dx), make_client(world.dx)
    response = laptop.post("/account/password", {"current_password": PASSWORD,
                                                 "new_password": "a-new-long-password",
                                                 "new_password_confirm": "a-new-long-password"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    fresh = make_client()
    fresh.login(world.dx.email, "a-new-long-password")


def test_wrong_password_and_unknown_email_say_the_same(client, world):
    wrong = client.post("/login", {"email": world.dx.email, "password": "not-the-password"})
    unknown = client.post("/login", {"email": "nobody@example.org", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_repeated_failures_are_throttled(client, world):
    for _ in range(5):
        client.post("/login", {"email": world.dx.email, "password": "guess-guess-guess"})
    response = client.post("/login", {"email": world.dx.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_next_only_follows_local_paths(client, world):
    response = client.post("/login?next=//evil.example/", {"email": world.dx.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.logout()
    response = client.post("/login?next=/sites", {"email": world.dx.email, "password": PASSWORD})
    assert response.headers["Location"] == "/sites"


def test_pages_need_a_login(client, world):
    response = client.get(f"/sites/{world.site_x.id}")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    assert client.get("/sites", headers={"Accept": "application/json"}).status_code == 401
