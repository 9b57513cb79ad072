"""Bad input on every form: a clear message next to the field, never a 500."""

from __future__ import annotations

import html
import re

import pytest
from flask import url_for

from tests.factories import PASSWORD


def field_error(page: str, field_id: str) -> str:
    """The error text rendered next to the field (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>\s*<input[^>]*id="{field_id}"',
                      page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


SITE = {"name": "Sunrise", "address": "", "city": "Savage", "zip_code": "55378", "region_code": "",
        "licensed_capacity": "80"}

# (who, url, data, field, words of the message)
CASES = [
    ("anonymous", "/login", {"email": "", "password": ""}, "email", "Enter your email"),
    ("anonymous", "/login", {"email": "a@example.org", "password": ""}, "password", "Enter your password"),
    ("dx", "/sites/new", SITE | {"zip_code": "5537"}, "zip_code", "5-digit ZIP code"),
    ("dx", "/sites/new", SITE | {"zip_code": "ABCDE"}, "zip_code", "5-digit ZIP code"),
    ("dx", "/sites/new", SITE | {"licensed_capacity": "0"}, "licensed_capacity", "between 1 and 2000"),
    ("dx", "/sites/new", SITE | {"licensed_capacity": "-5"}, "licensed_capacity", "between 1 and 2000"),
    ("dx", "/sites/new", SITE | {"licensed_capacity": "eighty"}, "licensed_capacity", "whole number of children"),
    ("dx", "/sites/new", SITE | {"licensed_capacity": "99999999999999999999"}, "licensed_capacity",
     "between 1 and 2000"),
    ("dx", "/sites/new", SITE | {"licensed_capacity": ""}, "licensed_capacity", "Enter the licensed capacity"),
    ("dx", "/sites/new", SITE | {"name": "   "}, "name", "Enter the site's name"),
    ("dx", "/sites/new", SITE | {"region_code": "north east!"}, "region_code", "letters, digits and dashes"),
    ("dx", "/sites/new", SITE | {"name": "x" * 201}, "name", "at most 200"),
    ("dx", "/sites/new", SITE | {"city": "Sav\x00age"}, "city", "control characters"),
    ("dx", "SITE_EDIT", SITE | {"licensed_capacity": "0"}, "licensed_capacity", "between 1 and 2000"),
    ("hub", "/invitations/new/member", {"organization_name": "", "name": "A", "email": "a@example.org"},
     "organization_name", "Enter the organization's name"),
    ("hub", "/invitations/new/member", {"organization_name": "New", "name": "A", "email": "not-an-email"},
     "email", "valid email address"),
    ("hub", "/invitations/new/vendor", {"organization_name": "Member Y", "name": "A", "email": "n@example.org"},
     "organization_name", "already in the alliance"),
    ("hub", "/invitations/new/member", {"organization_name": "New", "name": "A", "email": "DY@example.org"},
     "email", "already has an account"),
    ("hub", "/invitations/new/member", {"organization_name": "New", "name": "A",
                                        "email": "invitee-secret@example.org"}, "email", "pending invitation"),
    ("hub", "INVITE_USER", {"name": "", "email": "z@example.org"}, "name", "Enter the person's name"),
    ("dx", "/account/password", {"current_password": "wrong-password", "new_password": "long-enough-pass",
                                 "new_password_confirm": "long-enough-pass"},
     "current_password", "not your current password"),
    ("dx", "/account/password", {"current_password": PASSWORD, "new_password": "short",
                                 "new_password_confirm": "short"}, "new_password", "10 to 200 characters"),
    ("dx", "/account/password", {"current_password": PASSWORD, "new_password": "long-enough-pass",
                                 "new_password_confirm": "long-enough-pasz"},
     "new_password_confirm", "do not match"),
    ("dx", "/account/password", {"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa",
                                 "new_password_confirm": "aaaaaaaaaaaa"}, "new_password", "too easy to guess"),
    ("anonymous", "ACCEPT", {"name": "Ann", "password": "short", "password_confirm": "short"},
     "password", "10 to 200 characters"),
    ("anonymous", "ACCEPT", {"name": "Ann", "password": "long-enough-pass", "password_confirm": "other-pass-word"},
     "password_confirm", "do not match"),
    ("anonymous", "ACCEPT", {"name": "Ann", "password": "invitee-secret@example.org",
                             "password_confirm": "invitee-secret@example.org"}, "password", "email address"),
]


def resolve(url, world):
    return {"SITE_EDIT": f"/sites/{world.site_x.id}/edit",
            "INVITE_USER": f"/organizations/{world.member_y.id}/invite",
            "ACCEPT": f"/invitations/accept/{world.invitation.token}"}.get(url, url)


@pytest.mark.parametrize(("who", "url", "data", "field", "words"), CASES,
                         ids=[f"{c[1]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_explained_next_to_the_field(who, url, data, field, words, world, make_client):
    browser = make_client(None if who == "anonymous" else getattr(world, who))
    response = browser.post(resolve(url, world), data)
    page = response.get_data(as_text=True)
    assert response.status_code in (401, 422), page[:500]
    assert words in field_error(page, field), f"no message with {words!r} next to {field}"
    assert "There is a problem" in page  # the summary at the top links to the field
    assert f'href="#{field}"' in page


GARBAGE = ["", " ", "x" * 5000, "\x00", "<script>alert(1)</script>", "' OR 1=1 --", "🙂" * 50, "-1",
           "1e309", "99999999999999999999999", "%00", "\u202e", "null"]


def test_no_form_answers_garbage_with_a_server_error(app, world, make_client):
    clients = {"dx": make_client(world.dx), "hub": make_client(world.hub), "anonymous": make_client()}
    targets = [("anonymous", "/login"), ("dx", "/sites/new"), ("dx", resolve("SITE_EDIT", world)),
               ("hub", "/invitations/new/member"), ("hub", "/invitations/new/vendor"),
               ("hub", resolve("INVITE_USER", world)), ("dx", "/account/password"),
               ("anonymous", resolve("ACCEPT", world))]
    fields = ["email", "password", "name", "address", "city", "zip_code", "region_code", "licensed_capacity",
              "organization_name", "current_password", "new_password", "new_password_confirm",
              "password_confirm"]
    with app.test_request_context():
        posted = {url_for(rule.endpoint, **{a: "member" for a in rule.arguments})
                  for rule in app.url_map.iter_rules()
                  if "POST" in rule.methods and "GET" in rule.methods and "kind" in rule.arguments}
    assert posted <= {url for _, url in targets}
    for who, url in targets:
        for value in GARBAGE:
            response = clients[who].post(url, {name: value for name in fields})
            assert response.status_code < 500, f"POST {url} with {value[:20]!r}: {response.status_code}"


def test_search_boxes_and_pages_survive_garbage(world, make_client):
    hub = make_client(world.hub)
    for value in GARBAGE:
        for url in ("/sites", "/organizations", "/activity"):
            response = hub.get(url, query_string={"q": value, "page": value, "kind": value})
            assert response.status_code == 200, f"GET {url}?q={value[:20]!r}: {response.status_code}"
    assert hub.get("/sites/99999999999999999999").status_code == 404
    assert hub.get("/sites/0").status_code == 404
