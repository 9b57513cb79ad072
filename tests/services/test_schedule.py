"""The scheduler's tick: scheduled cycles open, due cycles close, reminders 48 and 24 hours
before the cutoff, the hub hears of a passed approval deadline; each once, however often it runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.models import AuditEvent, CycleStatus, DemandLine, Notification, ShareStatus
from marketplace.services import schedule
from marketplace.services.cycles import CycleInput, create_cycle
from tests.cycle_factories import T0, build_cycle_world, make_cycle, make_need, make_run, make_share

NOW = T0 + timedelta(days=3)


def notes(session, kind):
    return sorted((n.user_id, n.title) for n in session.scalars(select(Notification).where(Notification.kind == kind)))


def closed_events(session, cycle_id):
    return session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "cycle.closed", AuditEvent.object_id == cycle_id))


def test_a_tick_closes_each_due_cycle_once_and_tells_the_hub(session, world):
    a = world.hub.organization.alliance
    due = make_cycle(session, a, status=CycleStatus.OPEN, name="Due", opens_at=NOW - timedelta(days=7),
                     cutoff_at=NOW - timedelta(minutes=1))
    later = make_cycle(session, a, status=CycleStatus.OPEN, name="Later", opens_at=NOW,
                       cutoff_at=NOW + timedelta(days=5))
    first = schedule.run_tick(session, now=NOW)
    again = schedule.run_tick(session, now=NOW + timedelta(minutes=1))
    assert (first.closed, again.closed) == ([due.id], [])
    assert (due.status, later.status) == (CycleStatus.CLOSED, CycleStatus.OPEN)
    assert due.closed_at == NOW and closed_events(session, due.id) == 1
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.closed")).one()
    assert event.actor_id is None and event.after["by"] == "scheduler"
    assert notes(session, "cycle_closed") == [(world.hub.id, "Due reached its cutoff: 0 demand lines frozen")]


def test_cutoff_reminders_48_and_24_hours_before_once_each(session, world):
    a = world.hub.organization.alliance
    cycle = make_cycle(session, a, status=CycleStatus.OPEN, name="June", opens_at=NOW - timedelta(days=2),
                       cutoff_at=NOW + timedelta(hours=47))
    directors = sorted([world.dx.id, world.dy.id])
    assert schedule.run_tick(session, now=NOW).reminders == 2
    assert schedule.run_tick(session, now=NOW).reminders == 0, "run twice: not sent twice"
    assert schedule.run_tick(session, now=NOW + timedelta(hours=20)).reminders == 0, "still the 48-hour stage"
    assert schedule.run_tick(session, now=NOW + timedelta(hours=24)).reminders == 2, "23 hours left"
    assert schedule.run_tick(session, now=NOW + timedelta(hours=30)).reminders == 0
    assert schedule.run_tick(session, now=NOW + timedelta(hours=47)).reminders == 0, "cutoff: no more"
    titles = notes(session, "cutoff_reminder")
    assert [uid for uid, _ in titles] == sorted(directors * 2)
    assert {t for _, t in titles} == {"June: needs close in 47 hours", "June: needs close in 23 hours"}
    assert cycle.status is CycleStatus.CLOSED, "the last tick reached the cutoff"


def test_a_cycle_first_seen_within_24_hours_gets_one_reminder(session, world):
    make_cycle(session, world.hub.organization.alliance, status=CycleStatus.OPEN, name="Soon",
               opens_at=NOW - timedelta(days=2), cutoff_at=NOW + timedelta(hours=20))
    assert schedule.run_tick(session, now=NOW).reminders == 2
    assert schedule.run_tick(session, now=NOW + timedelta(hours=1)).reminders == 0
    assert {t for _, t in notes(session, "cutoff_reminder")} == {"Soon: needs close in 20 hours"}


def test_reminders_sent_by_send_reminders_count_as_the_first_stage(session, world):
    from marketplace.services import notifications

    make_cycle(session, world.hub.organization.alliance, status=CycleStatus.OPEN, name="Cron",
               opens_at=NOW - timedelta(days=2), cutoff_at=NOW + timedelta(hours=40))
    assert notifications.send_cutoff_reminders(session, now=NOW) == 2  # the cron command of before
    assert schedule.run_tick(session, now=NOW + timedelta(minutes=5)).reminders == 0


def test_a_scheduled_draft_opens_at_its_opening_time(session, world):
    cw = build_cycle_world(session, world, now=NOW)
    a = world.hub.organization.alliance
    make_need(session, world.site_y, cw.milk, "7")
    data = CycleInput(name="Auto", opens_at=NOW + timedelta(hours=1), cutoff_at=NOW + timedelta(days=5),
                      delivery_on=(NOW + timedelta(days=9)).date(), opens_automatically=True)
    auto = create_cycle(session, world.hub, data)
    manual = make_cycle(session, a, name="Manual", opens_at=NOW - timedelta(hours=1), cutoff_at=NOW + timedelta(days=5))
    too_late = make_cycle(session, a, name="Too late", opens_at=NOW - timedelta(days=5), cutoff_at=NOW - timedelta(hours=1),
                          opens_automatically=True)
    assert schedule.run_tick(session, now=NOW).opened == []
    result = schedule.run_tick(session, now=NOW + timedelta(hours=1))
    assert result.opened == [auto.id] and schedule.run_tick(session, now=NOW + timedelta(hours=2)).opened == []
    assert (auto.status, manual.status, too_late.status) == (CycleStatus.OPEN, CycleStatus.DRAFT, CycleStatus.DRAFT)
    assert auto.opened_at == NOW + timedelta(hours=1)
    lines = session.scalar(select(func.count(DemandLine.id)).where(DemandLine.cycle_id == auto.id))
    assert lines >= 1, "the recurring needs became the cycle's lines"
    opened = [uid for uid, title in notes(session, "cycle_opened") if title.startswith("Auto is open")]
    assert opened == sorted([world.dx.id, world.dy.id])


def _published(session, world, deadline, statuses):
    cycle = make_cycle(session, world.hub.organization.alliance, status=CycleStatus.PUBLISHED, name="July",
                       opens_at=NOW - timedelta(days=9), cutoff_at=NOW - timedelta(days=5),
                       approval_deadline_at=deadline)
    run = make_run(session, cycle)
    for member, status in zip((world.member_x, world.member_y), statuses, strict=True):
        make_share(session, run, member.id, status=status)
    cycle.published_run_id = run.id
    session.flush()
    return cycle


def test_the_hub_hears_once_that_the_approval_deadline_passed(session, world):
    cycle = _published(session, world, NOW + timedelta(hours=2), (ShareStatus.APPROVED, ShareStatus.PENDING))
    assert schedule.run_tick(session, now=NOW).deadlines == []
    assert schedule.run_tick(session, now=NOW + timedelta(hours=2)).deadlines == [cycle.id]
    assert schedule.run_tick(session, now=NOW + timedelta(hours=3)).deadlines == []
    rows = session.scalars(select(Notification).where(Notification.kind == "approval_deadline")
                           .order_by(Notification.user_id)).all()
    assert [(r.user_id, r.title) for r in rows] == [
        (world.hub.id, "Approvals of July closed: 1 approved, 0 rejected, 1 without answer"),
        (world.dy.id, "The approval deadline of July has passed")]
    assert "Did not answer: Member Y." in rows[0].body and rows[0].link == f"/cycles/{cycle.id}/approvals"
    assert cycle.status is CycleStatus.PUBLISHED, "the hub decides: nothing is expired for it"
    cycle.approval_deadline_at = NOW + timedelta(days=1)  # the hub gave more time, and it passed again
    session.flush()
    assert schedule.run_tick(session, now=NOW + timedelta(days=1)).deadlines == [cycle.id]


def test_every_member_approved_by_the_deadline(session, world):
    _published(session, world, NOW, (ShareStatus.APPROVED, ShareStatus.APPROVED))
    schedule.run_tick(session, now=NOW)
    (row,) = session.scalars(select(Notification).where(Notification.kind == "approval_deadline")).all()
    assert row.user_id == world.hub.id and row.body.startswith("Every member approved")


def test_a_failing_step_does_not_stop_the_others(session, world, monkeypatch):
    due = make_cycle(session, world.hub.organization.alliance, status=CycleStatus.OPEN, name="Due",
                     opens_at=NOW - timedelta(days=7), cutoff_at=NOW)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    session.commit()  # the failing step rolls back its own work only
    monkeypatch.setattr(schedule.cycles, "open_scheduled_cycles", broken)
    result = schedule.run_tick(session, now=NOW)
    assert result.failed == ["open"] and result.closed == [due.id]
    assert result.summary() == "0 opened, 1 closed, 0 reminder(s), 0 deadline(s) passed; failed: open"
