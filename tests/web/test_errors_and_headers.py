from __future__ import annotations

from marketplace.web.security import CONTENT_SECURITY_POLICY


def test_security_headers_on_every_kind_of_page(client, world, make_client):
    hub = make_client(world.hub)
    for response in (client.get("/login"), hub.get("/"), hub.get("/sites/424242"), client.get("/healthz")):
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in client.get("/login").headers  # only in production


def test_pages_use_no_inline_script_or_style(world, make_client):
    hub = make_client(world.hub)
    for url in ("/", "/sites", "/organizations", "/invitations", "/activity", "/account"):
        page = hub.get(url).get_data(as_text=True)
        assert "<script>" not in page and "style=" not in page and "<style" not in page, url


def test_oversized_request_gets_a_clear_413(client):
    response = client.raw.post("/login", data={"email": "a@example.org", "password": "x" * (300 * 1024)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than the limit of 256 KB" in page and "Too large" in page


def test_413_as_json(client):
    response = client.raw.post("/login", data={"password": "x" * (300 * 1024)},
                               headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


def test_not_found_page_and_json(world, make_client):
    hub = make_client(world.hub)
    page = hub.get("/no/such/page")
    assert page.status_code == 404 and "Page not found" in page.get_data(as_text=True)
    data = hub.get(f"/sites/{world.site_z.id}", headers={"Accept": "application/json"}).get_json()
    assert data == {"error": "not_found", "message": "Not found.", "details": []}


def test_wrong_role_is_403_with_a_page(world, make_client):
    director = make_client(world.dx)
    response = director.get("/invitations/new/member")
    assert response.status_code == 403
    assert "Your role does not allow this." in response.get_data(as_text=True)
    assert make_client(world.vendor).get("/sites/new").status_code == 403
    assert make_client(world.hub).get("/activity").status_code == 200
    assert director.get("/activity").status_code == 403


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": True}


def test_unexpected_errors_show_the_error_page(app, client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("marketplace.web.health.check_database", boom)
    response = client.get("/healthz", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json()["error"] == "server_error"
    assert "boom" not in response.get_data(as_text=True)


def test_a_failed_write_still_gets_the_error_page(database_url, connection, world, monkeypatch):
    """A flush that fails leaves the request's session unusable: the 500 page must still render."""
    from flask_login import login_required

    from marketplace import jobs
    from marketplace.app import create_app
    from marketplace.db import get_session
    from marketplace.models import Site
    from tests.conftest import Client, _joined_session, make_test_config

    monkeypatch.setattr(jobs, "_factories", dict(jobs._factories))
    app = create_app(make_test_config(database_url), session_factory=lambda: _joined_session(connection))

    @login_required
    def broken_write():
        session = get_session()
        session.add(Site(organization_id=world.dx.organization_id, name="Nowhere", city="X",
                         zip_code="55000", region_code="55000", licensed_capacity=0))
        session.flush()  # violates the capacity check
        return "stored"

    app.add_url_rule("/broken-write", view_func=broken_write)
    browser = Client(app.test_client())
    browser.login(world.dx)
    response = browser.get("/broken-write")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page and "Nothing you entered was lost" in page
    assert browser.get("/").status_code == 200  # the next request works normally
