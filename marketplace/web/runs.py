"""Optimization runs (hub only): start one with options, watch its progress, cancel, re-run."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from marketplace import jobs
from marketplace.errors import ValidationError
from marketplace.models import Role, RunStatus
from marketplace.services import cycles, needs, runs
from marketplace.services.plan_figures import plan_figures
from marketplace.services.runs import RunOptions
from marketplace.services.scope import require_role
from marketplace.web.cycle_forms import RunForm
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, apply_errors, db

bp = Blueprint("runs", __name__)


def _enqueue(time_limit_s: int):
    queue = current_app.extensions["sharedbuy.jobs"]
    url = current_app.extensions["sharedbuy.config"].database_url
    return lambda run_id: jobs.enqueue_optimization(queue, url, run_id, time_limit_s).id


@bp.route("/cycles/<id:cycle_id>/runs/new", methods=["GET", "POST"])
@login_required
def new(cycle_id: int) -> BaseResponse | tuple[str, int]:
    """The options form; ``?from=<run id>`` starts from an earlier run's options (a re-run)."""
    cycle = cycles.get_cycle(db(), actor(), cycle_id)
    require_role(actor(), Role.HUB_MANAGER)
    form = RunForm()
    form.excluded_member_ids.choices = [(m.id, m.name) for m in runs.member_choices(db(), actor(), cycle.id)]
    form.excluded_vendor_ids.choices = needs.vendor_choices(db(), actor())
    earlier = request.args.get("from", type=int)
    if request.method == "GET" and earlier:
        form.fill(RunOptions.of_run(runs.get_run(db(), actor(), earlier)))
    if form.validate_on_submit():
        options = form.to_options()
        try:
            run = runs.start_run(db(), actor(), cycle.id, options, enqueue=_enqueue(options.time_limit_s))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"Run {run.number} is queued.", "success")
            return redirect(url_for("runs.detail", run_id=run.id))
    return render_template("runs/new.html", form=form, cycle=cycle), 422 if form.errors else 200


@bp.get("/runs/<id:run_id>")
@login_required
def detail(run_id: int) -> str:
    run = runs.get_run(db(), actor(), run_id)
    review = None
    if run.status is RunStatus.SUCCEEDED and "plans.review" in current_app.view_functions:
        review = url_for("plans.review", run_id=run.id)  # the plan review, when that module is there
    # Left-out members are not in the run's instance: their names come from the alliance.
    left_out = [m.name for m in runs.member_choices(db(), actor(), run.cycle_id)
                if m.id in set(run.excluded_member_ids)] if run.excluded_member_ids else []
    return render_template("runs/detail.html", run=run, progress=runs.run_progress(run), plan=plan_figures(run),
                           confirm=ConfirmForm(), review_url=review,
                           left_out=left_out)


@bp.get("/runs/<id:run_id>/progress")
@login_required
def progress(run_id: int) -> Response:
    """The progress bar's data: status, phase, elapsed time, best cost and bound so far."""
    response = jsonify(runs.run_progress(runs.get_run(db(), actor(), run_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/runs/<id:run_id>/cancel")
@login_required
def cancel(run_id: int) -> BaseResponse:
    run = runs.cancel_run(db(), actor(), run_id)
    flash(f"Run {run.number} is being stopped." if not run.status.finished else f"Run {run.number} was cancelled.",
          "success")
    return redirect(url_for("runs.detail", run_id=run.id))


@bp.get("/runs/<id:run_id>/<any(instance, plan):what>.json")
@login_required
def download(run_id: int, what: str) -> Response:
    run = runs.get_run(db(), actor(), run_id)
    data = runs.run_instance(run) if what == "instance" else runs.run_plan(run)
    body = json.dumps(data, indent=1) if data is not None else "null"
    name = f"run-{run.cycle_id}-{run.number}-{what}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/runs/<id:run_id>/log.txt")
@login_required
def solver_log(run_id: int) -> Response:
    run = runs.get_run(db(), actor(), run_id)
    return Response(run.solver_log or "", mimetype="text/plain")
