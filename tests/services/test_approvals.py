"""Publishing, approving and rejecting, the deadline, re-running without the members who said
no (approvals carried over within the tolerance), and finalizing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import (
    AuditEvent,
    CycleStatus,
    MemberShare,
    Notification,
    PurchaseOrder,
    ShareStatus,
)
from marketplace.services import approvals, shares
from marketplace.services.notifications import APPROVAL_NEEDED, PLAN_PUBLISHED
from tests.plan_factories import build_plan_world, published, share_of, solved_run


@pytest.fixture
def pw(session, world):
    return build_plan_world(session, world)


def notes(session, user):
    return session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).all()


def test_publishing_asks_each_member_of_the_plan_to_approve_its_share(session, world, pw):
    run = solved_run(session, pw)
    result = approvals.publish_run(session, world.hub, run.id, deadline=pw.deadline, now=pw.now)
    assert result.changed and sorted(result.to_approve) == sorted([world.member_x.id, world.member_y.id,
                                                                    pw.member_q.id])
    assert pw.cycle.status is CycleStatus.PUBLISHED and pw.cycle.published_run_id == run.id
    assert pw.cycle.approval_deadline_at == pw.deadline
    current = approvals.current_shares(session, pw.cycle)
    assert {s.status for s in current} == {ShareStatus.PENDING}
    assert sum(s.cost_cents for s in current) == run.total_cents
    y = share_of(session, pw, world.member_y)
    assert (y.cost_cents, y.standalone_cents, y.savings_cents) == (7792, 8092, 300)
    for director, member in ((world.dx, world.member_x), (world.dy, world.member_y), (pw.dq, pw.member_q)):
        (note,) = notes(session, director)
        assert note.kind == APPROVAL_NEEDED and note.link == f"/shares/{share_of(session, pw, member).id}"
    assert "Your share is $77.92; alone you would pay $80.92." == notes(session, world.dy)[0].body
    again = approvals.publish_run(session, world.hub, run.id, deadline=pw.deadline, now=pw.now)
    assert not again.changed  # a double click publishes once
    assert len(notes(session, world.dx)) == 1
    assert session.scalar(select(func.count(MemberShare.id)).where(MemberShare.run_id == run.id)) == 3


def test_publishing_checks_the_run_the_deadline_and_who_asks(session, world, pw):
    run = solved_run(session, pw)
    with pytest.raises(ValidationError) as error:
        approvals.publish_run(session, world.hub, run.id, deadline=pw.now - timedelta(minutes=1),
                              tolerance_percent=Decimal("-1"), now=pw.now)
    assert set(error.value.field_errors) == {"deadline", "tolerance"}
    for outsider in (world.dx, world.vendor, world.other_hub):
        with pytest.raises(NotFoundError):
            approvals.publish_run(session, outsider, run.id, deadline=pw.deadline, now=pw.now)
    from marketplace.services import runs

    queued = runs.start_run(session, world.hub, pw.cycle.id, runs.RunOptions(time_limit_s=20), now=pw.now)
    with pytest.raises(ConflictError, match="no plan to publish"):
        approvals.publish_run(session, world.hub, queued.id, deadline=pw.deadline, now=pw.now)
    assert pw.cycle.status is CycleStatus.CLOSED


def test_directors_approve_or_reject_their_own_share_only(session, world, pw):
    published(session, pw)
    x, y = share_of(session, pw, world.member_x), share_of(session, pw, world.member_y)
    assert approvals.approve_share(session, world.dy, y.id, now=pw.now).status is ShareStatus.APPROVED
    approvals.approve_share(session, world.dy, y.id, now=pw.now)  # a second click changes nothing
    with pytest.raises(ValidationError) as error:
        approvals.reject_share(session, world.dx, x.id, "   ", now=pw.now)
    assert "reason" in error.value.field_errors
    rejected = approvals.reject_share(session, world.dx, x.id, "Too  much milk", now=pw.now)
    assert (rejected.status, rejected.note, rejected.decided_by_id) == (ShareStatus.REJECTED, "Too much milk",
                                                                       world.dx.id)
    for outsider in (world.dy, world.vendor, world.dz, world.other_hub):
        with pytest.raises(NotFoundError):
            approvals.approve_share(session, outsider, x.id, now=pw.now)
    with pytest.raises(PermissionDeniedError):
        approvals.approve_share(session, world.hub, x.id, now=pw.now)  # the hub sees it but cannot decide
    events = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "MemberShare")).all()
    assert events.count("share.approved") == 1 and events.count("share.rejected") == 1


def test_after_the_deadline_decisions_are_refused_until_the_hub_moves_it(session, world, pw):
    published(session, pw)
    y = share_of(session, pw, world.member_y)
    late = pw.deadline + timedelta(seconds=1)
    with pytest.raises(ConflictError, match="approval deadline passed"):
        approvals.approve_share(session, world.dy, y.id, now=late)
    assert not shares.share_detail(session, world.dy, y.id, now=late).decidable
    with pytest.raises(ValidationError):
        approvals.set_approval_deadline(session, world.hub, pw.cycle.id, late - timedelta(days=1), now=late)
    approvals.set_approval_deadline(session, world.hub, pw.cycle.id, late + timedelta(days=1), now=late)
    assert approvals.approve_share(session, world.dy, y.id, now=late).status is ShareStatus.APPROVED


def test_finalize_waits_for_every_approval_and_says_who_is_missing(session, world, pw):
    published(session, pw)
    approvals.approve_share(session, world.dy, share_of(session, pw, world.member_y).id, now=pw.now)
    approvals.reject_share(session, world.dx, share_of(session, pw, world.member_x).id, "No", now=pw.now)
    with pytest.raises(ConflictError) as error:
        approvals.finalize_cycle(session, world.hub, pw.cycle.id, now=pw.now)
    messages = [d["message"] for d in error.value.details]
    assert "SECRET-Member-X rejected its share: re-run without them and publish the new plan." in messages
    assert "Member Q has not approved its share yet." in messages
    assert pw.cycle.status is CycleStatus.PUBLISHED
    assert session.scalar(select(func.count(PurchaseOrder.id)).where(PurchaseOrder.cycle_id == pw.cycle.id)) == 0
    board = shares.approval_board(session, world.hub, pw.cycle.id, now=pw.now)
    assert board.counts == {"pending": 1, "approved": 1, "rejected": 1, "superseded": 0}
    assert {r.name: r.decided_by for r in board.rows}["Member Y"] == "Director Y"


def test_rerun_without_the_rejecter_carries_approvals_within_the_tolerance(session, world, pw):
    first = published(session, pw)
    approvals.approve_share(session, world.dy, share_of(session, pw, world.member_y).id, now=pw.now)
    approvals.approve_share(session, pw.dq, share_of(session, pw, pw.member_q).id, now=pw.now)
    approvals.reject_share(session, world.dx, share_of(session, pw, world.member_x).id, "Too dear", now=pw.now)
    run = approvals.rerun_without_rejecters(session, world.hub, pw.cycle.id, now=pw.now)
    assert run.excluded_member_ids == [world.member_x.id] and "SECRET-Member-X" in run.note
    from marketplace.services.run_execution import execute_run

    execute_run(session, run.id, workers=1)
    session.refresh(run)
    result = approvals.publish_run(session, world.hub, run.id, deadline=pw.deadline, now=pw.now)
    assert result.carried_over == [pw.member_q.id] and result.to_approve == [world.member_y.id]
    old = {s.member_id: s.status for s in session.scalars(select(MemberShare).where(MemberShare.run_id == first.id))}
    assert old == {world.member_x.id: ShareStatus.REJECTED, world.member_y.id: ShareStatus.SUPERSEDED,
                   pw.member_q.id: ShareStatus.SUPERSEDED}
    y, q = share_of(session, pw, world.member_y), share_of(session, pw, pw.member_q)
    assert y.cost_cents == 7792 + 300 and y.status is ShareStatus.PENDING and y.version == 2  # +3.9% > 2%
    assert q.status is ShareStatus.APPROVED and q.decided_by_id == pw.dq.id and "carried over" in q.note
    assert [n.kind for n in notes(session, pw.dq)] == [APPROVAL_NEEDED, PLAN_PUBLISHED]
    assert [n.kind for n in notes(session, world.dy)] == [APPROVAL_NEEDED, APPROVAL_NEEDED]
    assert len(notes(session, world.dx)) == 1  # left out of the new plan: nothing more to approve
    detail = shares.share_detail(session, world.dy, y.id, now=pw.now)
    assert detail.change_cents == 300 and detail.previous.run_id == first.id
    with pytest.raises(ConflictError, match="is of an earlier plan"):
        approvals.approve_share(session, world.dy, detail.previous.id, now=pw.now)


def test_a_wider_tolerance_keeps_every_approval(session, world, pw):
    published(session, pw)
    approvals.approve_share(session, world.dy, share_of(session, pw, world.member_y).id, now=pw.now)
    approvals.reject_share(session, world.dx, share_of(session, pw, world.member_x).id, "No", now=pw.now)
    run = approvals.rerun_without_rejecters(session, world.hub, pw.cycle.id, now=pw.now)
    from marketplace.services.run_execution import execute_run

    execute_run(session, run.id, workers=1)
    result = approvals.publish_run(session, world.hub, run.id, deadline=pw.deadline,
                                   tolerance_percent=Decimal("5"), now=pw.now)
    assert world.member_y.id in result.carried_over and pw.member_q.id in result.to_approve  # Q never approved


def test_rerun_needs_someone_to_leave_out(session, world, pw):
    published(session, pw)
    with pytest.raises(ConflictError, match="No member has rejected"):
        approvals.rerun_without_rejecters(session, world.hub, pw.cycle.id, now=pw.now)
    with pytest.raises(ConflictError, match="or let the deadline pass"):
        approvals.rerun_without_rejecters(session, world.hub, pw.cycle.id, include_undecided=True, now=pw.now)
    late = pw.deadline + timedelta(hours=1)
    with pytest.raises(ConflictError, match="Every member would be left out"):
        approvals.rerun_without_rejecters(session, world.hub, pw.cycle.id, include_undecided=True, now=late)


def test_no_decision_after_finalize_and_finalize_twice_does_nothing(session, world, pw):
    published(session, pw)
    for director, member in ((world.dx, world.member_x), (world.dy, world.member_y), (pw.dq, pw.member_q)):
        approvals.approve_share(session, director, share_of(session, pw, member).id, now=pw.now)
    first = approvals.finalize_cycle(session, world.hub, pw.cycle.id, now=pw.now)
    second = approvals.finalize_cycle(session, world.hub, pw.cycle.id, now=pw.now)
    assert first.changed and not second.changed
    assert sorted(po.id for po in second.purchase_orders) == sorted(po.id for po in first.purchase_orders)
    with pytest.raises(ConflictError, match="finalized: shares can no longer"):
        approvals.reject_share(session, world.dx, share_of(session, pw, world.member_x).id, "Late", now=pw.now)
    with pytest.raises(ConflictError, match="can no longer be published"):
        approvals.publish_run(session, world.hub, pw.cycle.published_run_id, deadline=pw.deadline, now=pw.now)
    with pytest.raises(ConflictError, match="no approval to wait for"):
        approvals.set_approval_deadline(session, world.hub, pw.cycle.id, pw.deadline, now=pw.now)
