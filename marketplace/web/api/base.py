"""The JSON API's blueprint: token authentication, CSRF, and the helpers its views share.

Every request (except the OpenAPI document) needs ``Authorization: Bearer <token>``; the token
acts as its user, through the same services and scoped queries as the pages, so a foreign id
is a 404 here too. Token requests are exempt from CSRF (a browser never sends the header by
itself); a request that brings only the session cookie is refused: a write is first checked
for a CSRF token like any form (a forged cross-site request is a 400), then, like a read, told
to use a token (401). Errors have the app's one JSON shape ``{"error", "message", "details"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from marketplace.errors import MarketplaceError, ValidationError
from marketplace.models import User
from marketplace.services import api_tokens
from marketplace.services.paging import MAX_PER_PAGE, Page
from marketplace.web.errors import error_response
from marketplace.web.helpers import db
from marketplace.web.security import csrf

T = TypeVar("T")
bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
PUBLIC_ENDPOINTS = {"api.openapi"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Each route's OpenAPI operation, filled by :func:`route` (see ``openapi.py``).
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {}


class BadRequestError(MarketplaceError):
    code = "bad_request"
    status = 400


@bp.before_request
def _authenticate() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        user = api_tokens.authenticate(db(), secret.strip())
        if user is None:
            return _unauthorized("This token is not valid: it is mistyped, revoked, or its user is no longer active.")
        g.api_user = user
        return None
    if request.method not in SAFE_METHODS and current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        csrf.protect()  # a cross-site form riding on the cookie is refused as such
    return _unauthorized("Send an API token: Authorization: Bearer <token>. Make one on your account page.")


def _unauthorized(message: str) -> Response:
    response = error_response(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="sharedbuy"'
    return response


def api_actor() -> User:
    """The user the request's token acts as."""
    return g.api_user


def route(rule: str, method: str, *, summary: str, response: str | None, status: int = 200,
          body: str | None = None, query: Iterable[dict[str, Any]] = (), roles: str = "",
          tag: str = "", files: Iterable[str] = (), form: str | None = None, errors: Iterable[int] = ()
          ) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Register a view on the blueprint and describe it for the OpenAPI document.

    ``response``/``body`` name component schemas (``Cycle``, ``Page_Cycle``...); ``files``
    lists the media types of a file answer (a download: ``response`` is then None); ``form``
    names the schema of a ``multipart/form-data`` body (an upload); ``errors`` adds error
    statuses a read may answer (409, 422); ``roles`` says who may call it (documentation; the
    services enforce it)."""

    def register(view: Callable[..., T]) -> Callable[..., T]:
        bp.add_url_rule(rule, view_func=view, methods=[method])
        OPERATIONS[(rule, method.lower())] = {
            "summary": summary, "response": response, "status": status, "body": body,
            "query": list(query), "roles": roles, "tag": tag, "operation_id": view.__name__,
            "files": list(files), "form": form, "errors": list(errors)}
        return view

    return register


# ---------------------------------------------------------------- request helpers

def body() -> dict[str, Any]:
    """The request's JSON object (400 for anything else)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequestError("Send a JSON object with Content-Type: application/json.")
    return data


def field_value(data: dict[str, Any], name: str, parse: Callable[[Any], T], errors: dict[str, str],
                default: Any = None, *, required: bool = False) -> Any:
    """``data[name]`` parsed, or ``default`` when missing; a parse problem goes to ``errors``."""
    if name not in data or data[name] is None:
        if required:
            errors[name] = "This field is required."
        return default
    try:
        return parse(data[name])
    except (TypeError, ValueError) as error:
        errors[name] = str(error) or "This value cannot be used."
        return default


def raise_field_errors(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError("Some fields cannot be used.", errors)


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("Send a number, or a decimal string like \"12.50\".")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError("Send a number, or a decimal string like \"12.50\".") from error
    if not number.is_finite():
        raise ValueError("Send a finite number.")
    return number


def as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Send a whole number.")
    return value


def as_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("Send a string.")
    return value


def as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Send true or false.")
    return value


def as_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("Send a date like \"2026-03-16\".")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError("Send a date like \"2026-03-16\".") from error


def as_datetime(value: Any) -> datetime:
    """An ISO 8601 date and time with its offset (a bare time is refused: it would be ambiguous)."""
    if not isinstance(value, str):
        raise ValueError("Send a date and time like \"2026-03-09T17:00:00Z\".")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError("Send a date and time like \"2026-03-09T17:00:00Z\".") from error
    if parsed.tzinfo is None:
        raise ValueError("Give the time zone, e.g. a final Z for UTC.")
    return parsed


def as_id_list(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValueError("Send a list of ids.")
    return tuple(value)


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to 500, 50 by default) of the query string."""
    page = request.args.get("page", 1, type=int) or 1
    per_page = request.args.get("per_page", 50, type=int) or 50
    return min(max(page, 1), 100_000), min(max(per_page, 1), MAX_PER_PAGE)


def paged(page: Page[Any], serialize: Callable[[Any], dict[str, Any]]) -> Response:
    return jsonify(data=[serialize(row) for row in page.rows], page=page.number, per_page=page.per_page,
                   total=page.total)


def listed(rows: Iterable[Any], serialize: Callable[[Any], dict[str, Any]]) -> Response:
    """A complete (unpaged) list, in the same envelope as a page."""
    data = [serialize(row) for row in rows]
    return jsonify(data=data, page=1, per_page=max(len(data), 1), total=len(data))


def download(data: bytes, filename: str, mimetype: str) -> Response:
    """A file answer, saved under ``filename`` by a browser or ``curl -OJ``."""
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def created(payload: dict[str, Any]) -> tuple[Response, int]:
    return jsonify(payload), 201


def no_content() -> Response:
    return Response(status=204)
