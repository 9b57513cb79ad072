"""The API's OpenAPI 3.1 document, built from the operations the routes declare (``base.route``)
and the schemas of ``schemas.py``; served at ``/api/v1/openapi.json`` without a token."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask import Response, jsonify

from marketplace.web.api.base import OPERATIONS, route
from marketplace.web.api.schemas import SCHEMAS, envelope, ref

PREFIX = "/api/v1"
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
_ERRORS = {
    400: "The request is not JSON, or a form's CSRF token is missing (cookie sessions).",
    401: "No token, or a token that is not valid.",
    403: "Your role may not do this.",
    404: "Nothing here, or nothing you may see.",
    409: "The object's state does not allow it now (the message says why).",
    422: "Some fields cannot be used: `details` lists each field and why.",
}
DESCRIPTION = """Pooled purchasing for child care alliances, for your own tools.

Authenticate with a personal token (make one on your account page in SharedBuy) sent as
`Authorization: Bearer <token>`. A token acts as its user, with the same access as the pages: the
hub manager sees the alliance, a director their organization, a vendor its own offers and orders;
anything else is a 404. Money is a decimal string in US dollars (`"812.40"`), quantities and
prices per pack decimal strings, times ISO 8601 in UTC. Errors are
`{"error": code, "message": text, "details": [...]}`."""


def openapi_path(rule: str) -> str:
    """A Flask rule (``/cycles/<id:cycle_id>``) as an OpenAPI path (``/api/v1/cycles/{cycle_id}``)."""
    return PREFIX + _ARGUMENT.sub(lambda m: "{" + m.group("name") + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for match in _ARGUMENT.finditer(rule):
        schema: dict[str, Any] = {"type": "integer", "minimum": 1}
        if match.group("converter") == "int":
            schema = {"type": "integer", "minimum": 2000, "maximum": 2100}
        elif match.group("converter") == "any":  # a file type or kind: <any(csv, xlsx):kind>
            schema = {"type": "string", "enum": [v.strip(" '\"") for v in match.group("args").split(",")]}
        params.append({"name": match.group("name"), "in": "path", "required": True, "schema": schema})
    return params


def _operation(rule: str, method: str, op: dict[str, Any]) -> dict[str, Any]:
    status = str(op["status"])
    responses: dict[str, Any] = {
        status: {"description": "No content." if op["response"] is None else "OK."}}
    if op["response"] is not None:
        responses[status]["content"] = {"application/json": {"schema": ref(op["response"])}}
    elif op["files"]:
        responses[status] = {"description": "The file (`Content-Disposition: attachment` names it).",
                             "content": {media: {} for media in op["files"]}}  # 3.1: any bytes
    public = op["operation_id"] == "openapi"
    codes = [] if public else [401, 403, 404] + ([400, 409, 422] if method != "get" else op["errors"])
    for code in sorted(set(codes)):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    operation: dict[str, Any] = {
        "operationId": op["operation_id"], "summary": op["summary"], "tags": [op["tag"] or "API"],
        "parameters": _path_parameters(rule) + list(op["query"]), "responses": responses}
    if op["roles"]:
        operation["description"] = f"Roles: {op['roles']}."
    if public:
        operation["security"] = []
    if op["body"]:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": ref(op["body"])}}}
    if op["form"]:
        operation["requestBody"] = {"required": True,
                                    "content": {"multipart/form-data": {"schema": ref(op["form"])}}}
    return operation


def _schemas() -> dict[str, Any]:
    schemas = dict(SCHEMAS)
    for op in OPERATIONS.values():
        name = op["response"] or ""
        for prefix in ("List_", "Page_"):
            if name.startswith(prefix):
                schemas[name] = envelope(name[len(prefix):])
    return dict(sorted(schemas.items()))


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once per process)."""
    paths: dict[str, dict[str, Any]] = {}
    for (rule, method), op in sorted(OPERATIONS.items()):
        paths.setdefault(openapi_path(rule), {})[method] = _operation(rule, method, op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "SharedBuy API", "version": "1.0.0", "description": DESCRIPTION,
                 "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal API token (`sbk_...`)."}},
            "schemas": _schemas(),
            "responses": {f"E{code}": {"description": text,
                                       "content": {"application/json": {"schema": ref("Error")}}}
                          for code, text in _ERRORS.items()},
        },
    }


@route("/openapi.json", "GET", summary="This document (no token needed)", response="OpenAPI", tag="API")
def openapi() -> Response:
    return jsonify(document())

