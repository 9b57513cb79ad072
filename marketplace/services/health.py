"""Liveness checks."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def check_database(session: Session) -> bool:
    """True when the database answers a trivial query."""
    return session.execute(text("SELECT 1")).scalar() == 1
