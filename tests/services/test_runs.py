"""Optimization runs: the instance comes from the frozen lines, the job stores a plan whose
totals are the optimizer's, progress is recorded, cancel stops it, options change the run."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import (
    CycleOfferVersion,
    CycleStatus,
    OfferVersion,
    OptimizationRun,
    PlanDelivery,
    PlanLine,
    RunStatus,
)
from marketplace.services import runs
from marketplace.services.run_execution import RunMonitor, execute_run
from marketplace.services.runs import RunOptions
from optimizer import check_plan, load_instance, solve
from tests.cycle_factories import build_cycle_world

FAST = RunOptions(time_limit_s=20)


@pytest.fixture
def cyc(session, world):
    return build_cycle_world(session, world)


def after_cutoff(cyc):
    return cyc.now + timedelta(days=8)


def start(session, world, cyc, options=FAST, **kwargs):
    return runs.start_run(session, world.hub, cyc.cycle.id, options, now=after_cutoff(cyc), **kwargs)


def test_run_waits_for_the_cutoff_then_closes_the_cycle(session, world, cyc):
    with pytest.raises(ConflictError, match="still open"):
        runs.start_run(session, world.hub, cyc.cycle.id, FAST, now=cyc.now)
    queued = []
    run = start(session, world, cyc, enqueue=lambda run_id: queued.append(run_id) or f"job-{run_id}")
    assert cyc.cycle.status is CycleStatus.CLOSED
    assert (run.number, run.status, run.job_id, queued) == (1, RunStatus.QUEUED, f"job-{run.id}", [run.id])
    with pytest.raises(ConflictError, match="still going"):
        start(session, world, cyc)


def test_instance_follows_the_spec_and_records_the_offer_versions(session, world, cyc):
    cyc.lines[("x", "milk-c")].avoided_vendor_ids = [cyc.vendor_w.id]
    run = start(session, world, cyc, RunOptions(max_vendors_per_site=1, max_overbuy_fraction=Decimal("0.2"),
                                                time_limit_s=30))
    data = json.loads(run.instance_json)
    instance = load_instance(data)  # the optimizer's own validation accepts it
    assert {d.quantity for d in instance.demands} == {Decimal(40), Decimal(30), Decimal(24), Decimal(20)}
    assert [(s["id"], s["region"]) for s in data["sites"]] == [(f"s{world.site_x.id}", "55372"),
                                                               (f"s{world.site_y.id}", "55379")]
    assert data["exclusions"] == [{"member": f"m{world.member_x.id}", "vendor": f"v{cyc.vendor_w.id}"}]
    assert data["options"] == {"max_overbuy_fraction": 0.2, "max_vendors_per_site": 1, "time_limit_s": 30,
                               "mip_gap": 0.0001}
    recorded = set(session.scalars(select(CycleOfferVersion.offer_version_id).where(CycleOfferVersion.run_id == run.id)))
    assert recorded == set(session.scalars(select(OfferVersion.id))) and len(recorded) == 2


def test_avoided_vendor_is_kept_when_it_is_the_only_one(session, world, cyc):
    cyc.lines[("x", "apples-c")].avoided_vendor_ids = [world.vendor_org.id]  # V alone sells apples
    run = start(session, world, cyc)
    assert json.loads(run.instance_json)["exclusions"] == []
    assert "the only vendor for apples-c" in run.solver_log


def test_offers_above_every_lines_price_limit_are_left_out(session, world, cyc):
    # V's milk is at best 14.80 / 4 = 3.70 a gallon, W's 4.10: limits of 4.00 leave W out
    for key in (("x", "milk-c"), ("y", "milk-c")):
        cyc.lines[key].max_unit_price = Decimal("4.00")
    run = start(session, world, cyc)
    vendors = {o["vendor"] for o in json.loads(run.instance_json)["offers"] if o["item"] == "milk-c"}
    assert vendors == {f"v{world.vendor_org.id}"}


def test_excluded_members_and_vendors_are_left_out(session, world, cyc):
    run = start(session, world, cyc, RunOptions(time_limit_s=20, excluded_member_ids=(world.member_y.id,),
                                                excluded_vendor_ids=(cyc.vendor_w.id,)))
    data = json.loads(run.instance_json)
    assert [m["id"] for m in data["members"]] == [f"m{world.member_x.id}"]
    assert {v["id"] for v in data["vendors"]} == {f"v{world.vendor_org.id}"}
    assert (run.excluded_member_ids, run.excluded_vendor_ids) == ([world.member_y.id], [cyc.vendor_w.id])


def test_finished_run_stores_the_optimizers_plan_as_rows(session, world, cyc):
    run = start(session, world, cyc)
    reports = []
    assert execute_run(session, run.id, workers=1, observer=reports.append) is RunStatus.SUCCEEDED
    session.refresh(run)
    instance = json.loads(run.instance_json)
    expected = solve(instance)  # the same instance solved again, outside the job
    plan = runs.run_plan(run)
    assert run.plan_status == "optimal" and Decimal(plan["total_cost"]) == expected.total_cost
    assert run.total_cents == int(expected.total_cost * 100)
    lines = session.scalars(select(PlanLine).where(PlanLine.run_id == run.id)).all()
    fees = session.scalars(select(PlanDelivery).where(PlanDelivery.run_id == run.id)).all()
    assert sum(x.amount_cents for x in lines) + sum(d.fee_cents for d in fees) == run.total_cents
    assert {(x.site_id, x.packs) for x in lines} == {(int(x["site"][1:]), x["packs"]) for x in plan["lines"]}
    assert check_plan(load_instance(instance), plan) == []  # the stored plan keeps every rule
    shares = runs.member_results(run)
    assert sum(m.cost_cents for m in shares) == run.total_cents
    assert run.savings_cents == sum(m.standalone_cents - m.cost_cents for m in shares)
    assert {"validate", "build"} <= {r["phase"] for r in reports} and all("elapsed_s" in r for r in reports)
    assert run.progress["phase"] == "done" and run.finished_at is not None


def test_infeasible_cycle_says_why_and_writes_no_rows(session, world, cyc):
    cyc.lines[("x", "apples-c")].max_unit_price = Decimal("0.50")
    cyc.lines[("y", "apples-c")].max_unit_price = Decimal("0.50")
    run = start(session, world, cyc)
    assert execute_run(session, run.id, workers=1) is RunStatus.SUCCEEDED
    assert run.plan_status == "infeasible" and "apples-c" in run.solver_log
    assert session.scalars(select(PlanLine).where(PlanLine.run_id == run.id)).all() == []


def test_cancel_before_start_and_during_the_solve(session, world, cyc):
    run = start(session, world, cyc)
    runs.cancel_run(session, world.hub, run.id)
    assert run.status is RunStatus.CANCELLED
    assert execute_run(session, run.id) is RunStatus.CANCELLED
    second = start(session, world, cyc)

    def cancel_once_running(report):
        if report.get("phase") == "build":  # the hub presses cancel while the job runs
            session.execute(update(OptimizationRun).where(OptimizationRun.id == second.id)
                            .values(cancel_requested=True))
            session.commit()

    assert execute_run(session, second.id, workers=1, observer=cancel_once_running) is RunStatus.CANCELLED
    assert session.scalars(select(PlanLine).where(PlanLine.run_id == second.id)).all() == []
    with pytest.raises(ConflictError):
        runs.cancel_run(session, world.hub, second.id)


def test_monitor_writes_progress_every_couple_of_seconds(session, world, cyc):
    run = start(session, world, cyc)
    now = [100.0]
    monitor = RunMonitor(session, run.id, clock=lambda: now[0])
    monitor.progress({"phase": "solve", "elapsed_s": 1.0, "best_cost": 812.4049, "bound": None})
    session.refresh(run)
    assert (run.progress["phase"], run.progress["best_cost"]) == ("solve", "812.40")
    now[0] += 1.0
    monitor.progress({"phase": "solve", "elapsed_s": 2.0, "best_cost": 800.0, "bound": 790.5})
    session.refresh(run)
    assert run.progress["elapsed_s"] == 1.0  # not yet: at most one write every 2 s
    now[0] += 1.5
    monitor.progress({"phase": "solve", "elapsed_s": 3.5, "bound": 795.0})
    session.refresh(run)
    assert (run.progress["elapsed_s"], run.progress["best_cost"], run.progress["bound"]) == (3.5, "800.00", "795.00")
    shown = runs.run_progress(run)
    assert (shown["phase"], shown["best_cost"], shown["finished"]) == ("solve", "800.00", False)


def test_rerun_with_other_options_gets_the_next_number(session, world, cyc):
    first = start(session, world, cyc)
    execute_run(session, first.id, workers=1)
    options = RunOptions.of_run(first)
    assert options.time_limit_s == 20
    second = start(session, world, cyc, RunOptions(max_vendors_per_site=1, time_limit_s=20))
    assert second.number == 2 and second.options["max_vendors_per_site"] == 1
    assert [r.number for r in runs.list_runs(session, world.hub, cyc.cycle.id)] == [2, 1]


def test_options_are_checked(session, world, cyc):
    with pytest.raises(ValidationError) as caught:
        start(session, world, cyc, RunOptions(max_vendors_per_site=0, max_overbuy_fraction=Decimal("2"),
                                              time_limit_s=1))
    assert set(caught.value.field_errors) == {"max_vendors_per_site", "max_overbuy_fraction", "time_limit_s"}


def test_runs_are_the_hubs_alone(session, world, cyc):
    run = start(session, world, cyc)
    with pytest.raises(PermissionDeniedError):
        runs.start_run(session, world.dx, cyc.cycle.id, FAST, now=after_cutoff(cyc))
    for outsider in (world.dx, world.vendor, world.other_hub):
        with pytest.raises(NotFoundError):
            runs.get_run(session, outsider, run.id)
        with pytest.raises(NotFoundError):
            runs.cancel_run(session, outsider, run.id)


def test_a_run_whose_worker_vanished_does_not_block_the_cycle(session, world, cyc):
    lost = start(session, world, cyc)
    lost.status, lost.started_at = RunStatus.RUNNING, after_cutoff(cyc)
    lost.progress = {"phase": "solve", "updated_at": after_cutoff(cyc).isoformat()}
    session.flush()
    soon = after_cutoff(cyc) + timedelta(minutes=5)
    with pytest.raises(ConflictError):
        runs.start_run(session, world.hub, cyc.cycle.id, FAST, now=soon)
    much_later = after_cutoff(cyc) + timedelta(minutes=20)  # 10 minutes + 4 time limits of 20 s
    assert runs.run_progress(lost, much_later)["stale"]
    assert runs.start_run(session, world.hub, cyc.cycle.id, FAST, now=much_later).number == 2
    assert runs.cancel_run(session, world.hub, lost.id, now=much_later).status is RunStatus.CANCELLED
