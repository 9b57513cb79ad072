"""Optimization runs and their plans (the hub): start, watch, cancel, publish."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Response, current_app, jsonify, request

from marketplace import jobs
from marketplace.errors import ConflictError, NotFoundError, ValidationError
from marketplace.models import OptimizationRun
from marketplace.services import approvals, cycles, plans, runs
from marketplace.services.plans import Delta
from marketplace.services.runs import RunOptions
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    api_actor,
    as_bool,
    as_datetime,
    as_decimal,
    as_id_list,
    as_int,
    as_text,
    body,
    download,
    field_value,
    listed,
    raise_field_errors,
    route,
)
from marketplace.web.helpers import db

TAG = "Optimization"


def enqueue(time_limit_s: int) -> Callable[[int], str]:
    """Queue a run on the app's job queue (RQ on Redis, or the in-process worker thread)."""
    queue = current_app.extensions["sharedbuy.jobs"]
    url = current_app.extensions["sharedbuy.config"].database_url
    return lambda run_id: jobs.enqueue_optimization(queue, url, run_id, time_limit_s).id


def run_options(data: dict[str, Any]) -> RunOptions:
    errors: dict[str, str] = {}
    defaults = RunOptions()
    options = RunOptions(
        max_vendors_per_site=field_value(data, "max_vendors_per_site", as_int, errors),
        max_overbuy_fraction=field_value(data, "max_overbuy_fraction", as_decimal, errors,
                                         defaults.max_overbuy_fraction),
        time_limit_s=field_value(data, "time_limit_s", as_int, errors, defaults.time_limit_s),
        mip_gap=field_value(data, "mip_gap", as_decimal, errors, defaults.mip_gap),
        excluded_member_ids=field_value(data, "excluded_member_ids", as_id_list, errors, ()),
        excluded_vendor_ids=field_value(data, "excluded_vendor_ids", as_id_list, errors, ()),
        note=field_value(data, "note", as_text, errors, ""))
    raise_field_errors(errors)
    return options


def _run_json(run: Any) -> dict[str, Any]:
    return serialize.run(run, runs.run_progress(run))


@route("/cycles/<id:cycle_id>/runs", "GET", summary="The cycle's runs, newest first", response="List_Run",
       roles="hub_manager", tag=TAG)
def list_runs(cycle_id: int) -> Response:
    return listed(runs.list_runs(db(), api_actor(), cycle_id), _run_json)


@route("/cycles/<id:cycle_id>/runs", "POST",
       summary="Start a run of a closed cycle (a background job; poll the run for progress)",
       body="RunOptions", response="Run", status=202, roles="hub_manager", tag=TAG)
def start_run(cycle_id: int) -> tuple[Response, int]:
    cycle = cycles.get_cycle(db(), api_actor(), cycle_id)
    options = run_options(body())
    run = runs.start_run(db(), api_actor(), cycle.id, options, enqueue=enqueue(options.time_limit_s))
    return jsonify(_run_json(run)), 202


@route("/runs/<id:run_id>", "GET", summary="A run with its progress (phase, elapsed, best cost, bound)",
       response="Run", roles="hub_manager", tag=TAG)
def get_run(run_id: int) -> Response:
    return jsonify(_run_json(runs.get_run(db(), api_actor(), run_id)))


@route("/runs/<id:run_id>/cancel", "POST", summary="Stop a queued or running run", response="Run",
       roles="hub_manager", tag=TAG)
def cancel_run(run_id: int) -> Response:
    return jsonify(_run_json(runs.cancel_run(db(), api_actor(), run_id)))


@route("/runs/<id:run_id>/plan", "GET", summary="The run's plan, in the optimizer's plan format",
       response="Plan", roles="hub_manager", tag=TAG)
def get_plan(run_id: int) -> Response:
    run = runs.get_run(db(), api_actor(), run_id)
    return jsonify(run_id=run.id, cycle_id=run.cycle_id, number=run.number, status=run.status.value,
                   plan=runs.run_plan(run))


@route("/runs/<id:run_id>/instance", "GET",
       summary="The instance the run solved (the optimizer spec's format: sites, offers, demands, rules)",
       response="RunInstance", roles="hub_manager", tag=TAG)
def get_instance(run_id: int) -> Response:
    run = runs.get_run(db(), api_actor(), run_id)
    return jsonify(run_id=run.id, cycle_id=run.cycle_id, number=run.number, instance=runs.run_instance(run))


@route("/runs/<id:run_id>/log", "GET", summary="The solver's log of the run, as text", response=None,
       files=("text/plain",), roles="hub_manager", tag=TAG)
def get_solver_log(run_id: int) -> Response:
    run = runs.get_run(db(), api_actor(), run_id)
    return download((run.solver_log or "").encode(), f"run-{run.cycle_id}-{run.number}-log.txt", "text/plain")


@route("/runs/<id:run_id>/publish", "POST",
       summary="Publish the run's plan: each member gets a share to approve before the deadline",
       body="PublishInput", response="Cycle", roles="hub_manager", tag=TAG)
def publish_run(run_id: int) -> Response:
    run = runs.get_run(db(), api_actor(), run_id)
    data, errors = body(), {}
    deadline = field_value(data, "deadline", as_datetime, errors, required=True)
    tolerance = field_value(data, "tolerance_percent", as_decimal, errors, approvals.DEFAULT_TOLERANCE_PERCENT)
    raise_field_errors(errors)
    result = approvals.publish_run(db(), api_actor(), run.id, deadline=deadline, tolerance_percent=Decimal(tolerance))
    return jsonify(serialize.cycle(result.cycle))


@route("/cycles/<id:cycle_id>/rerun", "POST",
       summary="Re-run the published plan without the members who rejected their share",
       body="RerunInput", response="Run", status=202, roles="hub_manager", tag=TAG)
def rerun(cycle_id: int) -> tuple[Response, int]:
    cycle = cycles.get_cycle(db(), api_actor(), cycle_id)
    data, errors = body(), {}
    include_undecided = field_value(data, "include_undecided", as_bool, errors, False)
    raise_field_errors(errors)
    # The re-run keeps the published run's options; its job may take up to the longest limit.
    run = approvals.rerun_without_rejecters(db(), api_actor(), cycle.id, include_undecided=include_undecided,
                                            enqueue=enqueue(runs.MAX_TIME_LIMIT_S))
    return jsonify(_run_json(run)), 202


@route("/cycles/<id:cycle_id>/finalize", "POST",
       summary="Finalize a cycle whose shares are all approved: its purchase orders are made",
       response="Finalized", roles="hub_manager", tag=TAG)
def finalize(cycle_id: int) -> Response:
    result = approvals.finalize_cycle(db(), api_actor(), cycle_id)
    return jsonify(cycle=serialize.cycle(result.cycle),
                   purchase_orders=[serialize.purchase_order(po) for po in result.purchase_orders])


def _delta_json(delta: Delta) -> dict[str, Any]:
    return {"name": delta.name, "a": serialize.money(delta.a_cents), "b": serialize.money(delta.b_cents),
            "change": serialize.money(delta.change_cents), "more_is_better": delta.more_is_better}


def _other_run_id(run: OptimizationRun) -> int:
    """``?with=`` (another run of the cycle with a plan), or the newest such run, as on the page."""
    raw = request.args.get("with")
    if raw is None:
        choices = plans.other_runs(db(), api_actor(), run)
        if not choices:
            raise ConflictError("This cycle has no other run with a plan to compare with.")
        return choices[0].id
    if not raw.isdigit():
        raise ValidationError(field_errors={"with": "Send the id of another run of the cycle."})
    if not 0 < int(raw) < 2**31:
        raise NotFoundError()
    return int(raw)


@route("/runs/<id:run_id>/compare", "GET",
       summary="Two runs of a cycle side by side: totals and savings, each member's cost, each vendor's "
               "order (change = b - a; without ?with=, the cycle's newest other run)",
       response="RunComparison", roles="hub_manager",
       query=[{"name": "with", "in": "query", "schema": {"type": "integer", "minimum": 1},
               "description": "The other run's id (b)."}], errors=(409, 422), tag=TAG)
def compare_runs(run_id: int) -> Response:
    run = plans.get_plan_run(db(), api_actor(), run_id)  # 404 (409 without a plan) before the query
    c = plans.compare_runs(db(), api_actor(), run.id, _other_run_id(run))
    ref = lambda r: {"id": r.id, "number": r.number, "note": r.note}  # noqa: E731
    return jsonify(a=ref(c.a), b=ref(c.b), totals=[_delta_json(d) for d in c.totals],
                   members=[_delta_json(d) for d in c.members], vendors=[_delta_json(d) for d in c.vendors],
                   other_run_ids=[r.id for r in plans.other_runs(db(), api_actor(), c.a)])
