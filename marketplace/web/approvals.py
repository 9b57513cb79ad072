"""Directors approve or reject their share; the hub follows the approvals, moves the deadline,
re-runs without the members who rejected, and finalizes."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from marketplace import jobs
from marketplace.errors import ValidationError
from marketplace.models import CycleStatus, Role
from marketplace.services import approvals, cycles, shares
from marketplace.services.scope import require_role
from marketplace.web.cycle_forms import utc
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, apply_errors, db
from marketplace.web.plan_forms import DeadlineForm, RejectForm, RerunForm

bp = Blueprint("approvals", __name__)


@bp.get("/approvals")
@login_required
def index() -> str:
    """A director's shares to decide (and decided); the hub's cycles waiting for approvals."""
    if actor().role is Role.DIRECTOR:
        return render_template("approvals/index.html", shares=shares.list_my_shares(db(), actor()), cycles=[])
    require_role(actor(), Role.HUB_MANAGER)
    waiting = [c for c in cycles.list_cycles(db(), actor()) if c.status is CycleStatus.PUBLISHED]
    return render_template("approvals/index.html", shares=[], cycles=waiting)


def _render_share(share_id: int, reject_form: RejectForm, status: int = 200) -> tuple[str, int]:
    detail = shares.share_detail(db(), actor(), share_id)
    return render_template("approvals/share.html", d=detail, reject_form=reject_form, confirm=ConfirmForm()), status


@bp.get("/shares/<id:share_id>")
@login_required
def share(share_id: int) -> tuple[str, int]:
    return _render_share(share_id, RejectForm())


@bp.post("/shares/<id:share_id>/approve")
@login_required
def approve(share_id: int) -> Response:
    share = approvals.approve_share(db(), actor(), share_id)
    flash(f"You approved your share of {share.cycle.name}.", "success")
    return redirect(url_for("approvals.share", share_id=share.id))


@bp.post("/shares/<id:share_id>/reject")
@login_required
def reject(share_id: int) -> Response | tuple[str, int]:
    shares.share_detail(db(), actor(), share_id)  # 404 before looking at the form
    form = RejectForm()
    if form.validate_on_submit():
        try:
            share = approvals.reject_share(db(), actor(), share_id, form.reason.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"You rejected your share of {share.cycle.name}. The hub has been told why.", "success")
            return redirect(url_for("approvals.share", share_id=share.id))
    return _render_share(share_id, form, 422)


def _render_board(cycle_id: int, deadline_form: DeadlineForm | None = None, status: int = 200) -> tuple[str, int]:
    board = shares.approval_board(db(), actor(), cycle_id)
    if deadline_form is None:
        deadline_form = DeadlineForm()
        if board.cycle.approval_deadline_at:
            deadline_form.deadline.data = board.cycle.approval_deadline_at.replace(tzinfo=None)
    return render_template("approvals/cycle.html", board=board, deadline_form=deadline_form,
                           rerun_form=RerunForm(), confirm=ConfirmForm()), status


@bp.get("/cycles/<id:cycle_id>/approvals")
@login_required
def cycle(cycle_id: int) -> tuple[str, int]:
    return _render_board(cycle_id)


@bp.post("/cycles/<id:cycle_id>/approvals/deadline")
@login_required
def deadline(cycle_id: int) -> Response | tuple[str, int]:
    shares.approval_board(db(), actor(), cycle_id)
    form = DeadlineForm()
    if form.validate_on_submit():
        try:
            cycle = approvals.set_approval_deadline(db(), actor(), cycle_id, utc(form.deadline.data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"Approvals are now due {cycle.approval_deadline_at:%b %d, %Y %H:%M} UTC.", "success")
            return redirect(url_for("approvals.cycle", cycle_id=cycle.id))
    return _render_board(cycle_id, form, 422)


def _enqueue(time_limit_s: int):
    queue = current_app.extensions["sharedbuy.jobs"]
    url = current_app.extensions["sharedbuy.config"].database_url
    return lambda run_id: jobs.enqueue_optimization(queue, url, run_id, time_limit_s).id


@bp.post("/cycles/<id:cycle_id>/approvals/rerun")
@login_required
def rerun(cycle_id: int) -> Response:
    board = shares.approval_board(db(), actor(), cycle_id)
    form = RerunForm()
    form.validate_on_submit()
    limit = int((board.run.options or {}).get("time_limit_s", 60)) if board.run else 60
    run = approvals.rerun_without_rejecters(db(), actor(), cycle_id, include_undecided=bool(form.include_undecided.data),
                                            enqueue=_enqueue(limit))
    flash(f"Run {run.number} is queued without the members who said no. Review and publish it when it is done.",
          "success")
    return redirect(url_for("runs.detail", run_id=run.id))


@bp.post("/cycles/<id:cycle_id>/finalize")
@login_required
def finalize(cycle_id: int) -> Response:
    result = approvals.finalize_cycle(db(), actor(), cycle_id)
    if result.changed:
        flash(f"{result.cycle.name} is finalized: {len(result.purchase_orders)} purchase order(s) are ready to send.",
              "success")
    else:
        flash(f"{result.cycle.name} was already finalized.", "success")
    return redirect(url_for("purchase_orders.cycle", cycle_id=result.cycle.id))
