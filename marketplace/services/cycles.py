"""Purchasing cycles: the hub creates, opens, closes and cancels them.

Opening a cycle turns every active recurring need of the alliance's active sites into a demand
line for the cycle (:func:`cycle_quantity` scales it to the cycle's length). Directors then add,
change and remove lines (``services.demand``) until the cutoff; from the cutoff on (or once the
hub closes the cycle early) the lines are frozen and the optimizer runs on them.

The period a cycle buys for starts on its ``delivery_on`` day and lasts ``length_days`` days.

Time-driven steps (``services.schedule``, run by ``sharedbuy scheduler``): a draft marked
``opens_automatically`` opens at ``opens_at`` (:func:`open_scheduled_cycles`), and an open
cycle closes at its cutoff (:func:`close_due_cycles`). Both claim each cycle's row
(``db.claim_row``), so two schedulers at once open or close a cycle once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import claim_row, utcnow
from marketplace.errors import ConflictError, ValidationError
from marketplace.models import (
    Cadence,
    Cycle,
    CycleStatus,
    DemandLine,
    DemandSource,
    Organization,
    RecurringNeed,
    Role,
    Site,
    User,
)
from marketplace.services.audit import record_event
from marketplace.services.catalog import json_snapshot
from marketplace.services.notifications import (
    CYCLE_CLOSED,
    CYCLE_OPENED,
    hub_organizations,
    member_organizations,
    notify,
)
from marketplace.services.scope import get_scoped, require_role, scoped_select

MAX_LENGTH_DAYS = 366
QUANTITY_STEP = Decimal("0.0001")
DAYS_PER_MONTH = Decimal("365.25") / 12
_FIELDS = ["name", "status", "opens_at", "cutoff_at", "delivery_on", "approval_deadline_at", "length_days",
           "opens_automatically"]


@dataclass(frozen=True)
class CycleInput:
    """What the hub enters for a cycle. Datetimes are UTC; ``length_days`` is the period the
    order covers (recurring needs are scaled to it); ``opens_automatically``: the scheduler
    opens the draft at ``opens_at``."""

    name: str
    opens_at: datetime | None
    cutoff_at: datetime | None
    delivery_on: date | None
    length_days: int | None = 28
    approval_deadline_at: datetime | None = None
    opens_automatically: bool = False


def check_cycle_input(data: CycleInput) -> dict[str, str]:
    """Every problem of ``data``, by field name."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "Enter a name, like March 2026."
    elif len(data.name.strip()) > 200:
        errors["name"] = "Use at most 200 characters."
    if data.opens_at is None:
        errors["opens_at"] = "Enter when the cycle opens for needs."
    if data.cutoff_at is None:
        errors["cutoff_at"] = "Enter the cutoff: after it, needs can no longer change."
    elif data.opens_at is not None and data.cutoff_at <= data.opens_at:
        errors["cutoff_at"] = "The cutoff must come after the opening."
    if data.delivery_on is None:
        errors["delivery_on"] = "Enter the delivery day."
    elif data.cutoff_at is not None and data.delivery_on < data.cutoff_at.date():
        errors["delivery_on"] = "Delivery cannot come before the cutoff."
    if data.length_days is None or not 0 < data.length_days <= MAX_LENGTH_DAYS:
        errors["length_days"] = f"Enter the days the order covers, 1 to {MAX_LENGTH_DAYS} (28 for four weeks)."
    deadline = data.approval_deadline_at
    if deadline is not None and data.cutoff_at is not None and deadline <= data.cutoff_at:
        errors["approval_deadline_at"] = "The approval deadline must come after the cutoff."
    return errors


def list_cycles(session: Session, actor: User) -> list[Cycle]:
    """The alliance's cycles ``actor`` may see, newest delivery first."""
    return list(session.scalars(scoped_select(actor, Cycle).order_by(Cycle.delivery_on.desc(), Cycle.id.desc())))


def get_cycle(session: Session, actor: User, cycle_id: int) -> Cycle:
    return get_scoped(session, actor, Cycle, cycle_id)


def create_cycle(session: Session, actor: User, data: CycleInput) -> Cycle:
    """A new draft cycle of the hub's alliance."""
    require_role(actor, Role.HUB_MANAGER)
    _raise_if_invalid(data)
    cycle = Cycle(alliance_id=actor.alliance_id, created_by_id=actor.id, status=CycleStatus.DRAFT)
    _apply(cycle, data)
    session.add(cycle)
    session.flush()
    record_event(session, actor, "cycle.created", cycle, alliance_id=actor.alliance_id,
                 after=json_snapshot(cycle, _FIELDS))
    session.commit()
    return cycle


def update_cycle(session: Session, actor: User, cycle_id: int, data: CycleInput) -> Cycle:
    """Change a draft or open cycle's name and dates (an open cycle keeps its length, since its
    lines were scaled to it)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    if cycle.status not in (CycleStatus.DRAFT, CycleStatus.OPEN):
        raise ConflictError(f"This cycle is {cycle.status.label.lower()}: its dates can no longer change.")
    _raise_if_invalid(data)
    if cycle.status is CycleStatus.OPEN and data.length_days != cycle.length_days:
        raise ValidationError(field_errors={"length_days": "The cycle is open: its needs were scaled to "
                                            f"{cycle.length_days} days, so the length stays."})
    before = json_snapshot(cycle, _FIELDS)
    _apply(cycle, data)
    session.flush()
    record_event(session, actor, "cycle.updated", cycle, alliance_id=actor.alliance_id,
                 before=before, after=json_snapshot(cycle, _FIELDS))
    session.commit()
    return cycle


def open_cycle(session: Session, actor: User, cycle_id: int, *, now: datetime | None = None) -> int:
    """Open a draft cycle for needs: every active recurring need of an active site becomes a
    demand line, scaled to the cycle. Returns the number of lines made."""
    now = now or utcnow()
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    if cycle.status is not CycleStatus.DRAFT:
        raise ConflictError(f"Only a draft cycle can be opened; this one is {cycle.status.label.lower()}.")
    if cycle.cutoff_at <= now:
        raise ConflictError("The cutoff has already passed: move it later before opening the cycle.")
    made = mark_open(session, cycle, actor, now)
    session.commit()
    return made


def open_scheduled_cycles(session: Session, *, now: datetime | None = None) -> list[int]:
    """Open every draft marked ``opens_automatically`` whose opening time has come (a periodic
    job; no acting user). A draft whose cutoff has passed too stays a draft: the hub moves its
    dates. Commits each cycle; returns the ids opened."""
    now = now or utcnow()
    due = list(session.scalars(select(Cycle.id).where(
        Cycle.status == CycleStatus.DRAFT, Cycle.opens_automatically.is_(True), Cycle.opens_at <= now,
        Cycle.cutoff_at > now).order_by(Cycle.opens_at, Cycle.id)))
    session.commit()
    opened = []
    for cycle_id in due:
        cycle = claim_row(session, Cycle, cycle_id)
        if cycle is not None and cycle.status is CycleStatus.DRAFT and cycle.opens_automatically \
                and cycle.opens_at <= now < cycle.cutoff_at:
            mark_open(session, cycle, None, now)
            opened.append(cycle_id)
        session.commit()
    return opened


def mark_open(session: Session, cycle: Cycle, actor: User | None, now: datetime) -> int:
    """Open a draft cycle (flushes only; callers commit): its demand lines, the audit event and
    the members' notification. Returns the number of lines made."""
    made = 0
    for need in _alliance_needs(session, cycle.alliance_id):
        quantity = cycle_quantity(need, cycle)
        if quantity is None:
            continue
        session.add(DemandLine(cycle_id=cycle.id, organization_id=need.organization_id, site_id=need.site_id,
                               item_id=need.item_id, quantity=quantity, source=DemandSource.RECURRING,
                               recurring_need_id=need.id, max_unit_price=need.max_unit_price,
                               avoided_vendor_ids=list(need.avoided_vendor_ids), note=need.note))
        made += 1
    cycle.status, cycle.opened_at = CycleStatus.OPEN, now
    session.flush()
    record_event(session, actor, "cycle.opened", cycle, alliance_id=cycle.alliance_id,
                 after={"status": "open", "lines": made, "by": "hub" if actor is not None else "scheduler"})
    notify(session, member_organizations(session, cycle.alliance_id), CYCLE_OPENED,
           f"{cycle.name} is open for needs until {cycle.cutoff_at:%b %d, %H:%M} UTC",
           "Your sites' recurring needs are in it as demand lines. Add, change or remove lines "
           f"until the cutoff; delivery is planned for {cycle.delivery_on:%B %d}.", f"/cycles/{cycle.id}")
    return made


def _alliance_needs(session: Session, alliance_id: int) -> list[RecurringNeed]:
    return list(session.scalars(
        select(RecurringNeed).join(Site, Site.id == RecurringNeed.site_id)
        .join(Organization, Organization.id == Site.organization_id)
        .where(Organization.alliance_id == alliance_id, Organization.active.is_(True),
               Site.active.is_(True), RecurringNeed.active.is_(True))
        .order_by(RecurringNeed.site_id, RecurringNeed.item_id)))


def cycle_period(cycle: Cycle) -> tuple[date, date]:
    """The first and last day the cycle's order covers."""
    return cycle.delivery_on, cycle.delivery_on + timedelta(days=cycle.length_days - 1)


def cycle_quantity(need: RecurringNeed, cycle: Cycle) -> Decimal | None:
    """The need's quantity for the cycle, in the item's unit (None: nothing this cycle).

    Weekly needs count ``days / 7`` times, every other week ``days / 14``, monthly
    ``days / 30.4375`` (a month of an average year), where ``days`` are the days of the
    cycle's period the need's dates cover; an every-cycle need counts once if it covers any
    day. Rounded half up to 4 decimals."""
    first, last = cycle_period(cycle)
    start = max(first, need.starts_on)
    end = min(last, need.ends_on) if need.ends_on is not None else last
    days = (end - start).days + 1
    if days <= 0 or not need.active:
        return None
    if need.cadence is Cadence.EVERY_CYCLE:
        return need.quantity
    period = {Cadence.WEEKLY: Decimal(7), Cadence.BIWEEKLY: Decimal(14), Cadence.MONTHLY: DAYS_PER_MONTH}
    quantity = (need.quantity * days / period[need.cadence]).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)
    return quantity if quantity > 0 else None


def close_cycle(session: Session, actor: User, cycle_id: int, *, now: datetime | None = None) -> Cycle:
    """Freeze the lines of an open cycle (the hub may close before the cutoff)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    if cycle.status is not CycleStatus.OPEN:
        raise ConflictError(f"Only an open cycle can be closed; this one is {cycle.status.label.lower()}.")
    mark_closed(session, cycle, actor, now or utcnow())
    session.commit()
    return cycle


def close_due_cycles(session: Session, *, now: datetime | None = None) -> list[int]:
    """Close every open cycle whose cutoff has passed, freezing its lines, and tell the hub (a
    periodic job; no acting user). Commits each cycle; returns the ids closed."""
    now = now or utcnow()
    due = list(session.scalars(select(Cycle.id).where(Cycle.status == CycleStatus.OPEN, Cycle.cutoff_at <= now)
                               .order_by(Cycle.cutoff_at, Cycle.id)))
    session.commit()
    closed = []
    for cycle_id in due:
        cycle = claim_row(session, Cycle, cycle_id)
        if cycle is not None and cycle.status is CycleStatus.OPEN and cycle.cutoff_at <= now:
            lines = mark_closed(session, cycle, None, now)
            notify(session, hub_organizations(session, cycle.alliance_id), CYCLE_CLOSED,
                   f"{cycle.name} reached its cutoff: {lines} demand line{'' if lines == 1 else 's'} frozen",
                   "The needs can no longer change. Run the optimizer on them, then publish a plan for "
                   "the members to approve.", f"/cycles/{cycle.id}")
            closed.append(cycle_id)
        session.commit()
    return closed


def mark_closed(session: Session, cycle: Cycle, actor: User | None, now: datetime) -> int:
    """Close an open cycle (flushes only; callers commit); returns its number of lines."""
    cycle.status, cycle.closed_at = CycleStatus.CLOSED, now
    lines = session.scalar(select(func.count(DemandLine.id)).where(DemandLine.cycle_id == cycle.id)) or 0
    record_event(session, actor, "cycle.closed", cycle, alliance_id=cycle.alliance_id,
                 after={"status": "closed", "lines": lines, "by": "hub" if actor is not None else "scheduler"})
    return lines


def cancel_cycle(session: Session, actor: User, cycle_id: int, *, now: datetime | None = None) -> Cycle:
    """Cancel a cycle that has not been finalized yet."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    if cycle.status not in (CycleStatus.DRAFT, CycleStatus.OPEN, CycleStatus.CLOSED, CycleStatus.PUBLISHED):
        raise ConflictError(f"This cycle is {cycle.status.label.lower()}: it can no longer be cancelled.")
    before = cycle.status.value
    cycle.status, cycle.cancelled_at = CycleStatus.CANCELLED, now or utcnow()
    record_event(session, actor, "cycle.cancelled", cycle, alliance_id=actor.alliance_id,
                 before={"status": before}, after={"status": "cancelled"})
    session.commit()
    return cycle


def lines_frozen(cycle: Cycle, now: datetime | None = None) -> bool:
    """Whether the cycle's demand lines can no longer change (not open, or cutoff passed)."""
    return cycle.status is not CycleStatus.OPEN or (now or utcnow()) >= cycle.cutoff_at


def require_lines_open(cycle: Cycle, now: datetime | None = None) -> None:
    """Raise :class:`ConflictError` with a plain reason when the lines are frozen."""
    now = now or utcnow()
    if cycle.status is CycleStatus.DRAFT:
        raise ConflictError("This cycle is not open for needs yet.")
    if cycle.status is not CycleStatus.OPEN or now >= cycle.cutoff_at:
        raise ConflictError(f"The cutoff of {cycle.name} has passed "
                            f"({cycle.cutoff_at:%b %d, %Y %H:%M} UTC): its lines are frozen.")


def _raise_if_invalid(data: CycleInput) -> None:
    errors = check_cycle_input(data)
    if errors:
        raise ValidationError(field_errors=errors)


def _apply(cycle: Cycle, data: CycleInput) -> None:
    cycle.name = " ".join(data.name.split())
    assert data.opens_at and data.cutoff_at and data.delivery_on and data.length_days
    cycle.opens_at, cycle.cutoff_at, cycle.delivery_on = data.opens_at, data.cutoff_at, data.delivery_on
    cycle.length_days = data.length_days
    cycle.approval_deadline_at = data.approval_deadline_at
    if cycle.status is CycleStatus.DRAFT:  # once open, it no longer matters
        cycle.opens_automatically = data.opens_automatically
