"""The OpenAPI document describes exactly the API's routes, and real answers match it."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from marketplace.web.api.openapi import document, openapi_path
from tests.api.client import ApiClient, check_schema, make_token

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def routes_of(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found.add((openapi_path(rule.rule.removeprefix("/api/v1")), method.lower()))
    return found


def documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in document()["paths"].items() for method in item if method in HTTP_METHODS}


def test_every_api_route_is_documented_and_nothing_else(app):
    routes, spec = routes_of(app), documented()
    assert routes - spec == set(), "routes missing from the OpenAPI document"
    assert spec - routes == set(), "documented operations with no route"
    assert len(routes) >= 69


def test_the_served_document_is_the_built_one(app):
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == document()


def test_document_is_well_formed():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    operation_ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"
    schemas = doc["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    refs = set()

    def collect(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(doc)
    for target in refs:
        section, _, name = target.removeprefix("#/components/").partition("/")
        assert name in doc["components"][section], f"dangling {target}"
    for path, item in doc["paths"].items():
        for op in item.values():
            names = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert names == set(_placeholders(path)), path
            if op["operationId"] != "openapi":
                assert "401" in op["responses"] and "404" in op["responses"]


def _placeholders(path: str) -> list[str]:
    import re

    return re.findall(r"{(\w+)}", path)


def test_schema_checking_catches_drift():
    check_schema({"marked": 3}, "ReadAll")
    with pytest.raises(ValidationError):
        check_schema({"marked": "3"}, "ReadAll")
    with pytest.raises(ValidationError):
        check_schema({"marked": 3, "extra": True}, "ReadAll")
    with pytest.raises(ValidationError):
        check_schema({"error": "x", "message": "y"}, "Error")


def test_answers_validate_against_the_document(app, session, world):
    """A few reads checked explicitly (every test client request is checked too)."""
    client = ApiClient(app, make_token(session, world.hub), check=False)
    for url, name in (("/api/v1/me", "Me"), ("/api/v1/organizations", "List_Organization"),
                      ("/api/v1/sites", "List_Site"), ("/api/v1/cycles", "List_Cycle"),
                      ("/api/v1/notifications", "Page_Notification"), (f"/api/v1/sites/{world.site_x.id}", "Site")):
        response = client.get(url)
        assert response.status_code == 200, url
        check_schema(response.get_json(), name)
    check_schema(client.get("/api/v1/sites/999999").get_json(), "Error")


def test_files_uploads_and_read_errors_are_described():
    paths = document()["paths"]
    export = paths["/api/v1/sites/{site_id}/needs.{kind}"]["get"]
    assert set(export["responses"]["200"]["content"]) == {
        "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    assert [p["schema"] for p in export["parameters"] if p["name"] == "kind"] == [{"type": "string", "enum": ["csv", "xlsx"]}]
    report = paths["/api/v1/reports/years/{year}/{what}.{fmt}"]["get"]
    assert {p["name"]: p["schema"].get("enum") for p in report["parameters"]} == {
        "year": None, "what": ["report", "savings-summary"], "fmt": ["csv", "xlsx", "pdf"]}
    upload = paths["/api/v1/sites/{site_id}/needs/import"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    assert upload["multipart/form-data"]["schema"] == {"$ref": "#/components/schemas/NeedsUpload"}
    assert {"409", "422"} <= set(paths["/api/v1/runs/{run_id}/compare"]["get"]["responses"])
    assert "409" in paths["/api/v1/purchase-orders/{po_id}/document.{kind}"]["get"]["responses"]
    assert "409" not in paths["/api/v1/cycles/{cycle_id}"]["get"]["responses"]
