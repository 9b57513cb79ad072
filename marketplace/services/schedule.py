"""Time-driven cycle events: what ``sharedbuy scheduler`` does every minute (one *tick*).

A tick, in order:

1. opens the drafts marked "open automatically" whose opening time has come
   (``cycles.open_scheduled_cycles``);
2. closes the open cycles whose cutoff has passed, freezing their lines, and tells the hub
   (``cycles.close_due_cycles``);
3. reminds the members of a coming cutoff 48 and 24 hours before, once each
   (``notifications.send_cutoff_reminders``);
4. tells the hub once when a plan's approval deadline has passed, with who approved, who
   rejected and who did not answer (:func:`notify_passed_deadlines`).

Shares are not expired automatically at the deadline: the product already refuses decisions
after it, and leaving out the members who did not answer is the hub's call (re-run without
them, or move the deadline), so the tick tells the hub instead of deciding for it.

Every step claims the row it acts on (``db.claim_row``: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the write lock on SQLite) and re-checks it, and each notification it sends has a
once-only key: two ticks at once (two scheduler processes, or a slow tick overlapping the
next) open, close and notify once. Each step commits its own work, and a step that fails is
logged without stopping the others.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import claim_row, utcnow
from marketplace.models import (
    Cycle,
    CycleStatus,
    MemberShare,
    Notification,
    Organization,
    ShareStatus,
)
from marketplace.services import cycles, notifications
from marketplace.services.notifications import (
    APPROVAL_DEADLINE,
    REMINDER_STAGES,
    hub_organizations,
    notify,
)

log = logging.getLogger(__name__)


@dataclass
class TickResult:
    """What one tick did (ids of cycles, counts of notifications) and which steps failed."""

    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    reminders: int = 0
    deadlines: list[int] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.opened)} opened", f"{len(self.closed)} closed", f"{self.reminders} reminder(s)",
                 f"{len(self.deadlines)} deadline(s) passed"]
        return ", ".join(parts) + (f"; failed: {', '.join(self.failed)}" if self.failed else "")

    def as_dict(self) -> dict[str, Any]:
        return {"opened": self.opened, "closed": self.closed, "reminders": self.reminders,
                "deadlines": self.deadlines, "failed": self.failed}


def run_tick(session: Session, *, now: datetime | None = None) -> TickResult:
    """Run every time-driven step once, as of ``now`` (safe to run again, or twice at once)."""
    now = now or utcnow()
    result = TickResult()
    steps: list[tuple[str, Callable[[], Any], Callable[[Any], None]]] = [
        ("open", lambda: cycles.open_scheduled_cycles(session, now=now), result.opened.extend),
        ("close", lambda: cycles.close_due_cycles(session, now=now), result.closed.extend),
        ("remind", lambda: notifications.send_cutoff_reminders(session, now=now, stages=REMINDER_STAGES),
         lambda n: setattr(result, "reminders", n)),
        ("deadlines", lambda: notify_passed_deadlines(session, now=now), result.deadlines.extend),
    ]
    for name, step, keep in steps:
        try:
            keep(step())
        except Exception:  # one failing step must not stop the others; the next tick tries again
            session.rollback()
            log.exception("scheduler step %r failed", name)
            result.failed.append(name)
    return result


def deadline_key(cycle: Cycle) -> str:
    assert cycle.approval_deadline_at is not None
    return f"approval_deadline:{cycle.id}:{cycle.approval_deadline_at:%Y%m%dT%H%M}"


def notify_passed_deadlines(session: Session, *, now: datetime | None = None) -> list[int]:
    """Tell the hub, once per deadline, that a published plan's approval deadline has passed
    (moving the deadline and letting it pass again tells it again); the members who did not
    answer are told they can no longer decide. Commits; returns the cycles' ids."""
    now = now or utcnow()
    due = list(session.scalars(select(Cycle).where(
        Cycle.status == CycleStatus.PUBLISHED, Cycle.approval_deadline_at <= now).order_by(Cycle.id)))
    keys = {cycle.id: deadline_key(cycle) for cycle in due}
    sent = set(session.scalars(select(Notification.dedupe_key).where(
        Notification.dedupe_key.in_(list(keys.values()))).distinct())) if keys else set()
    session.commit()
    told = []
    for cycle_id, key in keys.items():
        if key in sent:
            continue
        cycle = claim_row(session, Cycle, cycle_id)
        if cycle is not None and cycle.status is CycleStatus.PUBLISHED and cycle.approval_deadline_at is not None \
                and cycle.approval_deadline_at <= now and deadline_key(cycle) == key and _tell(session, cycle, key):
            told.append(cycle_id)
        session.commit()
    return told


def _tell(session: Session, cycle: Cycle, key: str) -> bool:
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == key).limit(1)) is not None:
        return False  # another scheduler told them just before
    shares = list(session.scalars(select(MemberShare).where(MemberShare.run_id == cycle.published_run_id)))
    counts = Counter(share.status for share in shares)
    silent = [share.member_id for share in shares if share.status is ShareStatus.PENDING]
    members = list(session.scalars(select(Organization).where(Organization.id.in_(silent))
                                   .order_by(Organization.name))) if silent else []
    approved, rejected = counts[ShareStatus.APPROVED], counts[ShareStatus.REJECTED]
    if not silent and not rejected:
        body = "Every member approved its share: finalize the cycle to make the purchase orders."
    else:
        names = ", ".join(m.name for m in members) or "none"
        body = (f"Did not answer: {names}. Re-run without the members who rejected"
                f"{' or did not answer' if silent else ''}, or move the deadline to give them more time.")
    notify(session, hub_organizations(session, cycle.alliance_id), APPROVAL_DEADLINE,
           f"Approvals of {cycle.name} closed: {approved} approved, {rejected} rejected, {len(silent)} without answer",
           body, f"/cycles/{cycle.id}/approvals", dedupe_key=key)
    if members:
        notify(session, members, APPROVAL_DEADLINE, f"The approval deadline of {cycle.name} has passed",
               "Your share was not approved in time, so you can no longer decide on it. Ask the hub to move "
               "the deadline if you still want to take part in this order.", "/approvals", dedupe_key=key)
    return True
