"""Small helpers the views share: the acting user, the session, form errors."""

from __future__ import annotations

from typing import cast

from flask import current_app, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from marketplace.db import get_session
from marketplace.errors import ValidationError
from marketplace.models import User
from marketplace.services.mail import Mailer
from marketplace.services.tokens import TokenSigner


def db() -> Session:
    return get_session()


def actor() -> User:
    """The logged-in user (views using it are behind ``login_required``)."""
    return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


def signer() -> TokenSigner:
    return current_app.extensions["sharedbuy.tokens"]


def mailer() -> Mailer:
    return current_app.extensions["sharedbuy.mailer"]


def apply_errors(form: FlaskForm, error: ValidationError) -> None:
    """Put a service's field errors next to the matching form fields (others on the form)."""
    for name, message in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def search_text(name: str = "q") -> str:
    """A search box's text: printable characters only, at most 100 of them."""
    value = request.args.get(name, "")
    return "".join(ch for ch in value if ch.isprintable())[:100].strip()


def page_number(name: str = "page") -> int:
    return min(max(request.args.get(name, 1, type=int) or 1, 1), 10_000)


def is_safe_next(target: str | None) -> bool:
    """Only local paths are followed after login (no open redirect)."""
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
