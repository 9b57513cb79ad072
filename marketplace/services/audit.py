"""Recording and reading the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from marketplace.models import AuditEvent, Role, User
from marketplace.services.scope import require_role, scoped_select


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """A JSON-safe copy of some attributes of ``obj``, for ``before``/``after``."""
    return {name: _json_safe(getattr(obj, name)) for name in fields}


def record_event(session: Session, actor: User | None, action: str, obj: Any, *,
                 alliance_id: int, before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None) -> AuditEvent:
    """Add an audit event (flushes, does not commit: it belongs to the caller's transaction)."""
    session.flush()
    event = AuditEvent(
        alliance_id=alliance_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
    )
    session.add(event)
    session.flush()
    return event


def list_events(session: Session, actor: User, *, limit: int = 50, offset: int = 0) -> list[AuditEvent]:
    """The alliance's newest events first (hub managers only)."""
    require_role(actor, Role.HUB_MANAGER)
    query = (scoped_select(actor, AuditEvent)
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
             .limit(limit).offset(offset))
    return list(session.scalars(query))


def _json_safe(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
