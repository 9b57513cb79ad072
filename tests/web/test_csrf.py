"""Every POST route refuses a request without a CSRF token, logged in or not."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from marketplace.models import Site

ARGUMENTS = {
    "organization_id": lambda w: w.member_x.id,
    "user_id": lambda w: w.dy.id,
    "site_id": lambda w: w.site_x.id,
    "invitation_id": lambda w: w.invitation.invitation.id,
    "kind": lambda w: "member",
    "token": lambda w: w.invitation.token,
    "item_id": lambda w: 1,  # CSRF is checked before the object is looked up
    "sheet_id": lambda w: 1,
    "vendor_id": lambda w: w.vendor_org.id,
    "need_id": lambda w: 1,
    "cycle_id": lambda w: 1,
    "action": lambda w: "close",
    "line_id": lambda w: 1,
    "run_id": lambda w: 1,
    "share_id": lambda w: 1,
    "po_id": lambda w: 1,
    "delivery_id": lambda w: 1,
    "notification_id": lambda w: 1,
    "token_id": lambda w: 1,
}


#: The one POST without a CSRF token: Stripe's webhook, verified by its signature instead.
EXEMPT = {"payments.webhook": "/payments/webhook"}


def post_urls(app, world):
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in EXEMPT:
            continue
        missing = rule.arguments - ARGUMENTS.keys()
        assert not missing, f"tests/web/test_csrf.py: add a value for {missing} ({rule.rule})"
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **{a: ARGUMENTS[a](world) for a in rule.arguments}))
    return urls


def test_post_without_token_is_refused_for_everyone(app, session, world, client, make_client):
    urls = post_urls(app, world)
    assert "/login" in urls and "/logout" in urls and len(urls) >= 12
    for who in (client, make_client(world.hub), make_client(world.dx)):
        for url in urls:
            response = who.post(url, {"name": "x", "email": "a@example.org"}, csrf=False)
            assert response.status_code == 400, f"POST {url} without a token gave {response.status_code}"
            assert "form has expired" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Site.active).where(Site.id == world.site_x.id)) is True


def test_post_with_a_token_of_another_session_is_refused(world, make_client):
    director, hub = make_client(world.dx), make_client(world.hub)
    stolen = hub.csrf_token()
    response = director.raw.post(f"/sites/{world.site_x.id}/deactivate", data={"csrf_token": stolen})
    assert response.status_code == 400


def test_logout_without_token_keeps_the_user_logged_in(world, make_client):
    director = make_client(world.dx)
    assert director.post("/logout", csrf=False).status_code == 400
    assert director.get("/").status_code == 200


def test_json_clients_get_the_json_error_shape(world, make_client):
    response = make_client(world.dx).post(f"/sites/{world.site_x.id}/deactivate", csrf=False,
                                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_failed"


def test_the_stripe_webhook_is_the_only_csrf_exempt_post(app, client):
    from marketplace.web.security import csrf

    assert csrf._exempt_views == {"marketplace.web.payments.webhook"}
    # The JSON API is exempt as a whole: it takes bearer tokens, never the session cookie.
    assert {blueprint.name for blueprint in csrf._exempt_blueprints} <= {"api"}
    assert {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()
            if rule.endpoint in EXEMPT and "POST" in rule.methods} == EXEMPT
    # Without a signature it is refused all the same, before anything is read.
    response = client.raw.post("/payments/webhook", data=b'{"id": "evt_1"}')
    assert response.status_code in (400, 503) and "form has expired" not in response.get_data(as_text=True)
