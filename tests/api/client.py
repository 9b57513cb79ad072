"""A JSON API client for tests: each request carries the user's bearer token."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy.orm import Session

from marketplace.models import ApiToken, User
from marketplace.services.api_tokens import SECRET_PREFIX, hash_secret
from marketplace.web.api.base import OPERATIONS
from marketplace.web.api.openapi import document

_numbers = itertools.count(1)


def make_token(session: Session, user: User, name: str = "tests") -> str:
    """A token of ``user`` (added and flushed); returns its secret."""
    secret = f"{SECRET_PREFIX}test-{user.id}-{next(_numbers)}-0123456789abcdefghij"
    session.add(ApiToken(user_id=user.id, token_hash=hash_secret(secret), prefix=secret[:12], name=name))
    session.flush()
    return secret


def check_schema(data: Any, name: str) -> None:
    """Raise unless ``data`` is valid against the OpenAPI document's schema ``name``."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(data)


def declared_schema(app: Flask, method: str, url: str, status: int) -> str | None:
    """The schema the OpenAPI document declares for this request's answer (None: no body)."""
    endpoint, _ = app.url_map.bind("localhost").match(url.split("?")[0], method=method)
    name = endpoint.removeprefix("api.")
    op = next(op for (_, m), op in OPERATIONS.items() if op["operation_id"] == name and m == method.lower())
    if status >= 400:
        return "Error"
    assert status == op["status"], f"{method} {url} answered {status}, the document says {op['status']}"
    return op["response"]


class ApiClient:
    """Requests as one token's user, JSON in and out (``data`` is sent as the JSON body). Every
    answer of an API route is checked against the schema the OpenAPI document declares."""

    def __init__(self, app: Flask, secret: str | None, *, check: bool = True):
        self.app = app
        self.raw = app.test_client()
        self.secret = secret
        self.check = check

    def open(self, method: str, url: str, data: Any = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        if data is not None:
            kwargs["json"] = data
        response = self.raw.open(url, method=method, headers=headers, **kwargs)
        if self.check and url.startswith("/api/v1/") and response.status_code not in (401, 405) \
                and not (response.status_code == 404 and response.get_json()["error"] == "not_found"
                         and not _routed(self.app, method, url)):
            name = declared_schema(self.app, method, url, response.status_code)
            if name is None:
                assert response.get_data() == b"", f"{method} {url}: no body was declared"
            else:
                check_schema(response.get_json(), name)
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.open("GET", url, **kwargs)

    def post(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.open("POST", url, {} if data is None else data, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.open("PATCH", url, {} if data is None else data, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.open("DELETE", url, **kwargs)


def _routed(app: Flask, method: str, url: str) -> bool:
    try:
        app.url_map.bind("localhost").match(url.split("?")[0], method=method)
    except Exception:  # noqa: BLE001  (NotFound, MethodNotAllowed)
        return False
    return True


def api_client(app: Flask, session: Session, user: User) -> ApiClient:
    return ApiClient(app, make_token(session, user))
