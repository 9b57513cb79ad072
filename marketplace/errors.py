"""The marketplace's error tree. Services raise these; ``web/errors.py`` turns them into
one HTML page or one JSON shape ``{"error": code, "message": text, "details": [...]}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MarketplaceError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"
    status = 400

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFoundError(MarketplaceError):
    """The object does not exist, or the acting user may not know that it does."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class PermissionDeniedError(MarketplaceError):
    """The acting user's role may not do this."""

    code = "forbidden"
    status = 403


class ValidationError(MarketplaceError):
    """Input that cannot be accepted; ``field_errors`` maps a form field to its message."""

    code = "invalid"
    status = 422

    def __init__(self, message: str = "Please correct the highlighted fields.",
                 field_errors: Mapping[str, str] | None = None):
        self.field_errors = dict(field_errors or {})
        details = [{"field": k, "message": v} for k, v in self.field_errors.items()]
        super().__init__(message, details)


class ConflictError(MarketplaceError):
    """The request clashes with the current state (e.g. already accepted, duplicate)."""

    code = "conflict"
    status = 409


class AuthenticationError(MarketplaceError):
    """Wrong email or password, or an inactive account (the message does not say which)."""

    code = "authentication_failed"
    status = 401


class InvalidTokenError(MarketplaceError):
    """A signed link that is forged, expired, revoked or already used."""

    code = "invalid_token"
    status = 400
