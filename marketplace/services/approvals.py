"""Publishing a plan, the directors' approvals, re-running without the members who rejected,
and finalizing the cycle.

The life of a cycle here: ``closed --publish--> published --finalize--> finalized``. Publishing
a run makes one :class:`MemberShare` per member of its plan (pending). Directors approve or
reject their member's share until the approval deadline. When members reject, the hub starts a
new run without them (:func:`rerun_without_rejecters`) and publishes it: the shares of the old
run are superseded; a member whose approved cost rises by more than the tolerance (2% unless
the hub says otherwise) must approve again, the others keep their approval. Once every share
of the published run is approved the hub finalizes, which creates the purchase orders.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.errors import ConflictError, ValidationError
from marketplace.models import (
    Alliance,
    Cycle,
    CycleStatus,
    MemberShare,
    OptimizationRun,
    Organization,
    PurchaseOrder,
    Role,
    RunStatus,
    ShareStatus,
    User,
)
from marketplace.services import runs
from marketplace.services.audit import record_event
from marketplace.services.notifications import APPROVAL_NEEDED, PLAN_PUBLISHED, notify
from marketplace.services.plans import PUBLISHABLE, cents, run_plan
from marketplace.services.purchase_orders import create_purchase_orders
from marketplace.services.scope import get_scoped, require_role

DEFAULT_TOLERANCE_PERCENT = Decimal("2")
MAX_REASON = 500
DONE = (CycleStatus.FINALIZED, CycleStatus.ORDERED, CycleStatus.DELIVERED)


def within_tolerance(old_cents: int, new_cents: int, tolerance_percent: Decimal) -> bool:
    """Whether a cost going from ``old`` to ``new`` rises by at most ``tolerance_percent``."""
    return Decimal(new_cents) * 100 <= Decimal(old_cents) * (100 + tolerance_percent)


def check_publish_input(deadline: datetime | None, tolerance_percent: Decimal | None,
                        now: datetime) -> dict[str, str]:
    errors: dict[str, str] = {}
    if deadline is None:
        errors["deadline"] = "Enter the approval deadline."
    elif deadline <= now:
        errors["deadline"] = "The approval deadline must be in the future."
    if tolerance_percent is None or not Decimal(0) <= tolerance_percent <= Decimal(100):
        errors["tolerance"] = "Enter a tolerance between 0% and 100%, like 2."
    return errors


@dataclass
class PublishResult:
    """What publishing did: ``changed`` is False when this run was already the published one."""

    cycle: Cycle
    run: OptimizationRun
    changed: bool
    carried_over: list[int] = field(default_factory=list)
    to_approve: list[int] = field(default_factory=list)
    shares: dict[int, MemberShare] = field(default_factory=dict)  # member id -> its new share


def publish_run(session: Session, actor: User, run_id: int, *, deadline: datetime | None,
                tolerance_percent: Decimal | None = DEFAULT_TOLERANCE_PERCENT,
                now: datetime | None = None) -> PublishResult:
    """Publish a run's plan to the members for approval until ``deadline``.

    Each member of the plan gets a share with its cost and standalone cost from the plan.
    Publishing again (a re-run) supersedes the shares of the run published before; approvals
    carry over unless the member's cost rose by more than ``tolerance_percent``."""
    now = now or utcnow()
    run = get_scoped(session, actor, OptimizationRun, run_id)
    require_role(actor, Role.HUB_MANAGER)
    cycle = lock_cycle(session, run.cycle)
    if cycle.published_run_id == run.id and cycle.status is CycleStatus.PUBLISHED:
        return PublishResult(cycle, run, changed=False)
    if cycle.status not in (CycleStatus.CLOSED, CycleStatus.PUBLISHED):
        raise ConflictError(f"This cycle is {cycle.status.label.lower()}: a plan can no longer be published.")
    if run.status is not RunStatus.SUCCEEDED or run.plan_status not in PUBLISHABLE:
        raise ConflictError(f"Run #{run.number} has no plan to publish "
                            f"({run.plan_status or run.status.label.lower()}).")
    errors = check_publish_input(deadline, tolerance_percent, now)
    if errors:
        raise ValidationError(field_errors=errors)
    assert deadline is not None and tolerance_percent is not None
    previous = {s.member_id: s for s in current_shares(session, cycle)}
    result = PublishResult(cycle, run, changed=True)
    _make_shares(session, run, previous, tolerance_percent, result)
    for share in previous.values():
        if share.status in (ShareStatus.PENDING, ShareStatus.APPROVED):
            share.status = ShareStatus.SUPERSEDED
    _notify_members(session, cycle, deadline, result)
    before = {"status": cycle.status.value, "published_run_id": cycle.published_run_id}
    cycle.status, cycle.published_run_id = CycleStatus.PUBLISHED, run.id
    cycle.published_at, cycle.approval_deadline_at = now, deadline
    record_event(session, actor, "plan.published", cycle, alliance_id=cycle.alliance_id, before=before,
                 after={"status": "published", "published_run_id": run.id, "run_number": run.number,
                        "deadline": deadline.isoformat(), "tolerance_percent": str(tolerance_percent),
                        "carried_over": result.carried_over, "to_approve": result.to_approve})
    session.commit()
    return result


def _make_shares(session: Session, run: OptimizationRun, previous: dict[int, MemberShare],
                 tolerance: Decimal, result: PublishResult) -> None:
    existing = {s.member_id: s for s in session.scalars(select(MemberShare).where(MemberShare.run_id == run.id))}
    for m in (run_plan(run) or {}).get("members", []):
        member_id = int(m["member"][1:])
        share = existing.get(member_id) or MemberShare(cycle_id=run.cycle_id, run_id=run.id, member_id=member_id)
        share.cost_cents, share.standalone_cents = cents(m["cost"]) or 0, cents(m.get("standalone_cost"))
        old = previous.get(member_id)
        if old is not None and old.status is ShareStatus.APPROVED and \
                within_tolerance(old.cost_cents, share.cost_cents, tolerance):
            share.status, share.decided_at, share.decided_by_id = ShareStatus.APPROVED, old.decided_at, old.decided_by_id
            share.version = old.version
            share.note = f"Approval carried over from run #{old.run.number}."[:MAX_REASON]
            result.carried_over.append(member_id)
        else:
            share.status, share.decided_at, share.decided_by_id, share.note = ShareStatus.PENDING, None, None, ""
            share.version = max(share.version or 0, old.version if old is not None else 0) + 1 \
                if (old is not None or member_id in existing) else 1
            result.to_approve.append(member_id)
        session.add(share)
        result.shares[member_id] = share
    session.flush()


def _notify_members(session: Session, cycle: Cycle, deadline: datetime, result: PublishResult) -> None:
    members = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(result.shares)))}
    due = f"{deadline:%b %d, %Y %H:%M} UTC"
    for member_id, share in result.shares.items():
        cost = f"${Decimal(share.cost_cents) / 100:,.2f}"
        if member_id in result.carried_over:
            notify(session, [members[member_id]], PLAN_PUBLISHED, f"New plan for {cycle.name}: your approval stands",
                   f"Your share is now {cost}, within the tolerance of what you approved.", f"/shares/{share.id}")
        else:
            notify(session, [members[member_id]], APPROVAL_NEEDED, f"Approve your share of {cycle.name} by {due}",
                   f"Your share is {cost}" + (f"; alone you would pay ${Decimal(share.standalone_cents) / 100:,.2f}."
                                              if share.standalone_cents is not None else "."), f"/shares/{share.id}")


def lock_cycle(session: Session, cycle: Cycle) -> Cycle:
    """Re-read the cycle holding its row lock (PostgreSQL), so that two clicks run one after the other."""
    session.refresh(cycle, with_for_update=True)
    return cycle


def current_shares(session: Session, cycle: Cycle) -> list[MemberShare]:
    """The shares of the cycle's published run (empty before publishing); a trusted read."""
    if cycle.published_run_id is None:
        return []
    return list(session.scalars(select(MemberShare).where(MemberShare.run_id == cycle.published_run_id)
                                .order_by(MemberShare.member_id)))


# ---------------------------------------------------------------- the directors' decisions

def approve_share(session: Session, actor: User, share_id: int, *, now: datetime | None = None) -> MemberShare:
    """The director approves the member's share (again: nothing changes)."""
    return _decide(session, actor, share_id, ShareStatus.APPROVED, "", now or utcnow())


def reject_share(session: Session, actor: User, share_id: int, reason: str, *,
                 now: datetime | None = None) -> MemberShare:
    """The director rejects the member's share, saying why (the hub reads it)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(field_errors={"reason": "Say why you reject the share: the hub reads it."})
    if len(reason) > MAX_REASON:
        raise ValidationError(field_errors={"reason": f"Use at most {MAX_REASON} characters."})
    return _decide(session, actor, share_id, ShareStatus.REJECTED, reason, now or utcnow())


def _decide(session: Session, actor: User, share_id: int, status: ShareStatus, note: str,
            now: datetime) -> MemberShare:
    share = get_scoped(session, actor, MemberShare, share_id)
    require_role(actor, Role.DIRECTOR)
    cycle = lock_cycle(session, share.cycle)
    session.refresh(share)
    require_decidable(share, cycle, now)
    if share.status is status and share.note == note:
        return share  # a second click
    before = {"status": share.status.value, "note": share.note}
    share.status, share.note, share.decided_at, share.decided_by_id = status, note, now, actor.id
    record_event(session, actor, f"share.{status.value}", share, alliance_id=cycle.alliance_id,
                 before=before, after={"status": status.value, "note": note, "cost_cents": share.cost_cents,
                                       "run_id": share.run_id})
    session.commit()
    return share


def require_decidable(share: MemberShare, cycle: Cycle, now: datetime) -> None:
    """Raise :class:`ConflictError` with a plain reason unless the share can be decided now."""
    if cycle.status in DONE:
        raise ConflictError(f"{cycle.name} is {cycle.status.label.lower()}: shares can no longer be "
                            "approved or rejected.")
    if cycle.status is not CycleStatus.PUBLISHED:
        raise ConflictError(f"{cycle.name} is {cycle.status.label.lower()}: there is no plan to approve.")
    if share.run_id != cycle.published_run_id or share.status is ShareStatus.SUPERSEDED:
        raise ConflictError("This share is of an earlier plan: the hub has published a newer one "
                            "(see the current plan's share, if your organization is in it).")
    if cycle.approval_deadline_at is not None and now >= cycle.approval_deadline_at:
        raise ConflictError(f"The approval deadline passed on {cycle.approval_deadline_at:%b %d, %Y %H:%M} UTC: "
                            "ask the hub to extend it if you still need to decide.")


def can_decide(share: MemberShare, now: datetime | None = None) -> bool:
    try:
        require_decidable(share, share.cycle, now or utcnow())
    except ConflictError:
        return False
    return True


# ---------------------------------------------------------------- the hub's side

def set_approval_deadline(session: Session, actor: User, cycle_id: int, deadline: datetime | None, *,
                          now: datetime | None = None) -> Cycle:
    """Move the approval deadline of a published cycle (it must stay in the future)."""
    now = now or utcnow()
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    cycle = lock_cycle(session, cycle)
    if cycle.status is not CycleStatus.PUBLISHED:
        raise ConflictError(f"{cycle.name} is {cycle.status.label.lower()}: there is no approval to wait for.")
    if deadline is None or deadline <= now:
        raise ValidationError(field_errors={"deadline": "The approval deadline must be in the future."})
    before = {"approval_deadline_at": cycle.approval_deadline_at.isoformat() if cycle.approval_deadline_at else None}
    cycle.approval_deadline_at = deadline
    record_event(session, actor, "cycle.deadline_moved", cycle, alliance_id=cycle.alliance_id, before=before,
                 after={"approval_deadline_at": deadline.isoformat()})
    session.commit()
    return cycle


def members_to_leave_out(session: Session, cycle: Cycle, *, include_undecided: bool, now: datetime) -> list[int]:
    """Members of the published plan who rejected (and, after the deadline, who did not answer)."""
    deadline_passed = cycle.approval_deadline_at is not None and now >= cycle.approval_deadline_at
    out = []
    for share in current_shares(session, cycle):
        if share.status is ShareStatus.REJECTED or (
                include_undecided and deadline_passed and share.status is ShareStatus.PENDING):
            out.append(share.member_id)
    return out


def rerun_without_rejecters(session: Session, actor: User, cycle_id: int, *, include_undecided: bool = False,
                            enqueue: Callable[[int], str] | None = None,
                            now: datetime | None = None) -> OptimizationRun:
    """Start a new run of the published cycle with the same options, leaving out the members
    who rejected their share (and those who did not answer, when asked, once the deadline has
    passed). The run is queued through ``services.runs.start_run``; publish it once it is done."""
    now = now or utcnow()
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    if cycle.status is not CycleStatus.PUBLISHED or cycle.published_run is None:
        raise ConflictError(f"{cycle.name} is {cycle.status.label.lower()}: only a published plan can be re-run "
                            "without members.")
    out = members_to_leave_out(session, cycle, include_undecided=include_undecided, now=now)
    if not out:
        raise ConflictError("No member has rejected the plan" + (
            " or let the deadline pass" if include_undecided else "") + ": there is nobody to leave out.")
    published = cycle.published_run
    if len(out) == len(current_shares(session, cycle)):
        raise ConflictError("Every member would be left out: there would be nothing left to order.")
    names = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(out))).all())
    options = dataclasses.replace(
        runs.RunOptions.of_run(published),
        excluded_member_ids=tuple(sorted(set(published.excluded_member_ids or ()) | set(out))),
        note=f"Run #{published.number} without {', '.join(sorted(names.values()))}"[:500])
    return runs.start_run(session, actor, cycle.id, options, enqueue=enqueue, now=now)


@dataclass
class FinalizeResult:
    cycle: Cycle
    purchase_orders: list[PurchaseOrder]
    changed: bool


def finalize_cycle(session: Session, actor: User, cycle_id: int, *, now: datetime | None = None) -> FinalizeResult:
    """Finalize a published cycle whose shares are all approved: one purchase order per vendor
    of the published plan, numbered in the alliance's sequence. Finalizing twice does nothing."""
    now = now or utcnow()
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    # The alliance's row lock serialises the PO numbers of concurrent finalizes (PostgreSQL).
    session.execute(select(Alliance.id).where(Alliance.id == cycle.alliance_id).with_for_update())
    cycle = lock_cycle(session, cycle)
    if cycle.status in DONE:
        existing = list(session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == cycle.id)))
        return FinalizeResult(cycle, existing, changed=False)
    if cycle.status is not CycleStatus.PUBLISHED or cycle.published_run is None:
        raise ConflictError(f"{cycle.name} is {cycle.status.label.lower()}: publish a plan and collect the "
                            "approvals before finalizing.")
    problems = finalize_problems(session, cycle)
    if problems:
        raise ConflictError("The cycle cannot be finalized yet.", [{"message": p} for p in problems])
    cycle.status, cycle.finalized_at = CycleStatus.FINALIZED, now
    orders = create_purchase_orders(session, cycle, cycle.published_run, now)
    record_event(session, actor, "cycle.finalized", cycle, alliance_id=cycle.alliance_id,
                 before={"status": "published"},
                 after={"status": "finalized", "run_id": cycle.published_run_id,
                        "purchase_orders": [po.number for po in orders],
                        "total_cents": sum(po.total_cents for po in orders)})
    session.commit()
    return FinalizeResult(cycle, orders, changed=True)


def finalize_problems(session: Session, cycle: Cycle) -> list[str]:
    """Why the published cycle cannot be finalized yet (empty: it can)."""
    return share_problems(current_shares(session, cycle), organization_names(session, cycle))


def organization_names(session: Session, cycle: Cycle) -> dict[int, str]:
    """The name of each organization of the cycle's alliance, by id (one query, no id list)."""
    return dict(session.execute(select(Organization.id, Organization.name)
                                .where(Organization.alliance_id == cycle.alliance_id)).all())


def share_problems(shares: list[MemberShare], names: dict[int, str]) -> list[str]:
    """What keeps these shares from being finalized: none, rejections, decisions not made."""
    if not shares:
        return ["The published plan has no member shares."]
    problems = []
    for share in shares:
        name = names.get(share.member_id, f"Member {share.member_id}")
        if share.status is ShareStatus.REJECTED:
            problems.append(f"{name} rejected its share: re-run without them and publish the new plan.")
        elif share.status is ShareStatus.PENDING:
            problems.append(f"{name} has not approved its share yet.")
    return problems
