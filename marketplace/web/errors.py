"""One error page, or one JSON shape: ``{"error": code, "message": text, "details": [...]}``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from marketplace.db import rollback_request_session
from marketplace.errors import MarketplaceError
from marketplace.web.helpers import wants_json

log = logging.getLogger(__name__)

TITLES = {
    400: "The request could not be used",
    401: "Please log in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    409: "That cannot be done now",
    413: "Too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
         429: "too_many_requests", 500: "server_error"}


def error_response(status: int, code: str, message: str, details: list[Any] | None = None) -> Response:
    """Render the error for a person (HTML) or a program (JSON)."""
    if wants_json():
        response = jsonify(error=code, message=message, details=details or [])
    else:
        response = current_app.make_response(render_template(
            "errors/error.html", status=status, title=TITLES.get(status, "Error"), message=message,
            details=details or []))
    response.status_code = status
    return response


def _marketplace_error(error: MarketplaceError) -> Response:
    rollback_request_session()  # nothing half-stored, and the page renders on a usable session
    return error_response(error.status, error.code, error.message, error.details)


def _csrf_error(error: CSRFError) -> Response:
    return error_response(400, "csrf_failed", "This form has expired or did not come from this site. "
                          "Go back, reload the page and try again.")


def _too_large(error: RequestEntityTooLarge) -> Response:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return error_response(413, "too_large", f"What you sent is larger than the limit of "
                          f"{_size(limit)}. Send a smaller file, or split it into several.")


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    messages = {404: "There is nothing here, or you do not have access to it.",
                405: "This address does not accept that kind of request."}
    return error_response(status, CODES.get(status, "http_error"),
                          messages.get(status, error.description or TITLES.get(status, "Error")))


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    rollback_request_session()
    return error_response(500, "server_error", "The error was logged. Nothing you entered was lost "
                          "unless the page says otherwise: please try again in a moment.")


def register_errors(app: Flask) -> None:
    app.register_error_handler(MarketplaceError, _marketplace_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"
