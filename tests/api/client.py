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


def declared(app: Flask, method: str, url: str) -> dict[str, Any]:
    """The operation the OpenAPI document declares for this request."""
    endpoint, _ = app.url_map.bind("localhost").match(url.split("?")[0], method=method)
    name = endpoint.removeprefix("api.")
    return next(op for (_, m), op in OPERATIONS.items() if op["operation_id"] == name and m == method.lower())


def check_answer(app: Flask, method: str, url: str, response: Any) -> None:
    """Raise unless the answer is what the document declares: its status, and its JSON schema
    (an error's, or the operation's) or, for a file, one of its media types."""
    op, status = declared(app, method, url), response.status_code
    if status >= 400:
        check_schema(response.get_json(), "Error")
        return
    assert status == op["status"], f"{method} {url} answered {status}, the document says {op['status']}"
    if op["files"]:
        assert response.mimetype in op["files"], f"{method} {url}: {response.mimetype} is not declared"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    elif op["response"] is None:
        assert response.get_data() == b"", f"{method} {url}: no body was declared"
    else:
        check_schema(response.get_json(), op["response"])


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
        form = kwargs.pop("form", None)
        if form is not None:
            kwargs.update(data=form, content_type="multipart/form-data")
        response = self.raw.open(url, method=method, headers=headers, **kwargs)
        if self.check and url.startswith("/api/v1/") and response.status_code not in (401, 405) \
                and not (response.status_code == 404 and response.get_json()["error"] == "not_found"
                         and not _routed(self.app, method, url)):
            check_answer(self.app, method, url, response)
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.open("GET", url, **kwargs)

    def post(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.open("POST", url, {} if data is None else data, **kwargs)

    def upload(self, url: str, form: dict[str, Any]) -> Any:
        """POST ``form`` as multipart/form-data (a file is ``(io.BytesIO(b"..."), "name.csv")``)."""
        return self.open("POST", url, form=form)

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


def iso(value: Any) -> str:
    """A datetime as the API writes it (``2026-03-09T17:00:00Z``)."""
    return value.isoformat().replace("+00:00", "Z")


def data(response: Any, status: int = 200) -> Any:
    """The answer's JSON, once its status is ``status``."""
    assert response.status_code == status, response.get_json()
    return response.get_json()


def api_client(app: Flask, session: Session, user: User) -> ApiClient:
    return ApiClient(app, make_token(session, user))
