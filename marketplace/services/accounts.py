"""Logging in and out, login sessions, passwords and account status."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from marketplace.db import utcnow
from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.models import (
    Alliance,
    LoginSession,
    Organization,
    OrgKind,
    Role,
    User,
    normalise_email,
)
from marketplace.services import passwords
from marketplace.services.audit import record_event, snapshot
from marketplace.services.notifications import unread_count_column
from marketplace.services.scope import get_scoped, require_role


@dataclass(frozen=True)
class LoggedIn:
    user: User
    session_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(session: Session, email: str, password: str, *, lifetime_s: int) -> LoggedIn:
    """Check the credentials and open a new login session (a fresh random token)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if not passwords.verify_password(user.password_hash if user else None, password):
        raise AuthenticationError("Wrong email or password.")
    assert user is not None and user.password_hash is not None
    if not user.is_active:
        raise AuthenticationError("This account is not active. Ask your hub manager.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    now = utcnow()
    user.last_login_at = now
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user=user, token_hash=_token_hash(token), created_at=now,
                             expires_at=now + timedelta(seconds=lifetime_s)))
    session.commit()
    return LoggedIn(user, token)


def load_session_user(session: Session, user_id: int, token: str | None) -> User | None:
    """The user of a live login session, or None (ended, expired, unknown, inactive)."""
    login = load_login(session, user_id, token)
    return login.user if login else None


@dataclass(frozen=True)
class Login:
    user: User
    unread_notifications: int  # the bell's number when the login was read


def load_login(session: Session, user_id: int, token: str | None) -> Login | None:
    """:func:`load_session_user` with the user's unread notifications, in one query that is
    built once (every page needs both; building the query cost more than running it)."""
    if not token:
        return None
    row = session.execute(_login_query(), {"user_id": user_id, "token_hash": _token_hash(token),
                                           "now": utcnow()}).first()
    if row is None or not row[0].is_active:
        return None
    return Login(row[0], row[1])


@cache
def _login_query() -> Select[tuple[User, int]]:
    return (select(User, unread_count_column()).join(LoginSession, LoginSession.user_id == User.id)
            .where(User.id == bindparam("user_id"), LoginSession.token_hash == bindparam("token_hash"),
                   LoginSession.ended_at.is_(None), LoginSession.expires_at > bindparam("now"))
            # every page needs them (is_active, scoping, the header): one query, not three
            .options(joinedload(User.organization).joinedload(Organization.alliance)))


def log_out(session: Session, token: str | None) -> None:
    """End the login session of ``token`` (a no-op for an unknown token)."""
    if token:
        session.execute(update(LoginSession)
                        .where(LoginSession.token_hash == _token_hash(token), LoginSession.ended_at.is_(None))
                        .values(ended_at=utcnow()))
    session.commit()


def _end_sessions(session: Session, user: User, keep_token: str | None = None) -> None:
    query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep_token:
        query = query.where(LoginSession.token_hash != _token_hash(keep_token))
    session.execute(query.values(ended_at=utcnow()))


def change_password(session: Session, actor: User, current: str, new: str, *,
                    keep_token: str | None = None) -> None:
    """Set a new password; every other login session of the user ends."""
    if not passwords.verify_password(actor.password_hash, current):
        raise ValidationError(field_errors={"current_password": "This is not your current password."})
    problem = passwords.check_password(new, actor.email)
    if problem:
        raise ValidationError(field_errors={"new_password": problem})
    actor.password_hash = passwords.hash_password(new)
    _end_sessions(session, actor, keep_token)
    record_event(session, actor, "user.password_changed", actor, alliance_id=actor.alliance_id)
    session.commit()


def set_user_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (ending their sessions) or reactivate a user of the alliance; hub only."""
    user = get_scoped(session, actor, User, user_id)
    require_role(actor, Role.HUB_MANAGER)
    if user.id == actor.id:
        raise PermissionDeniedError("You cannot deactivate your own account.")
    before = snapshot(user, ["active"])
    user.active = active
    if not active:
        _end_sessions(session, user)
    record_event(session, actor, "user.activated" if active else "user.deactivated", user,
                 alliance_id=actor.alliance_id, before=before, after=snapshot(user, ["active"]))
    session.commit()
    return user


def create_hub_manager(session: Session, *, alliance_name: str, email: str, name: str,
                       password: str) -> User:
    """Create (or find) an alliance with its hub organization, and a hub manager in it."""
    problem = passwords.check_password(password, email)
    if problem:
        raise ValidationError(field_errors={"password": problem})
    if session.scalar(select(User.id).where(User.email == normalise_email(email))) is not None:
        raise ConflictError(f"A user with the email {normalise_email(email)} already exists.")
    alliance = session.scalar(select(Alliance).where(Alliance.name == alliance_name))
    if alliance is None:
        alliance = Alliance(name=alliance_name)
        session.add(alliance)
    hub = session.scalar(select(Organization).where(Organization.alliance == alliance,
                                                    Organization.kind == OrgKind.HUB))
    if hub is None:
        hub = Organization(alliance=alliance, kind=OrgKind.HUB, name=f"{alliance_name} hub")
        session.add(hub)
    user = User(organization=hub, email=email, name=name, role=Role.HUB_MANAGER,
                password_hash=passwords.hash_password(password))
    session.add(user)
    session.flush()
    record_event(session, None, "user.created", user, alliance_id=alliance.id,
                 after=snapshot(user, ["email", "name", "role"]))
    session.commit()
    return user
