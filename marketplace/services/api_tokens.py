"""Personal API tokens: a user makes and revokes their own; a token acts as its user.

The secret is shown once, when made; only its SHA-256 hash is stored (a token is long and
random, so a fast hash is enough: nothing to guess). ``prefix`` (its first characters) lets
people tell their tokens apart. A token stops working when revoked or when its user or
organization is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from marketplace.db import utcnow
from marketplace.errors import ConflictError, ValidationError
from marketplace.models import ApiToken, User
from marketplace.services.audit import record_event
from marketplace.services.scope import get_scoped, scoped_select

SECRET_PREFIX = "sbk_"  # noqa: S105 (what every token starts with, not a secret)
MAX_ACTIVE_TOKENS = 10
MAX_NAME = 100
USE_RECORDED_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret (the only time the secret is known)."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def list_tokens(session: Session, actor: User) -> list[ApiToken]:
    """The actor's tokens, active first, newest first."""
    query = scoped_select(actor, ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                                    ApiToken.id.desc())
    return list(session.scalars(query))


def create_token(session: Session, actor: User, name: str) -> IssuedToken:
    """Make a token for the actor, named ``name`` (what it is for)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(field_errors={"name": "Enter a name that says what the token is for."})
    if len(name) > MAX_NAME or not name.isprintable():
        raise ValidationError(field_errors={"name": f"Use at most {MAX_NAME} printable characters."})
    active = session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))) or 0
    if active >= MAX_ACTIVE_TOKENS:
        raise ConflictError(f"You have {active} active tokens, the most allowed: revoke one you no longer use.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, token_hash=hash_secret(secret), prefix=secret[:12], name=name)
    session.add(token)
    record_event(session, actor, "api_token.created", token, alliance_id=actor.alliance_id,
                 after={"name": name, "prefix": token.prefix})
    session.commit()
    return IssuedToken(token, secret)


def revoke_token(session: Session, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (already revoked: unchanged)."""
    token = get_scoped(session, actor, ApiToken, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(session, actor, "api_token.revoked", token, alliance_id=actor.alliance_id,
                     after={"name": token.name, "prefix": token.prefix})
    session.commit()
    return token


def authenticate(session: Session, secret: str) -> User | None:
    """The active user a token secret belongs to, or None (unknown, revoked, deactivated).
    Records when the token was last used (at most every few minutes, to spare writes)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret),
                                                  ApiToken.revoked_at.is_(None))
                           .options(joinedload(ApiToken.user)))
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
        token.last_used_at = now
        session.commit()
    return token.user
