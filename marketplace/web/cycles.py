"""Purchasing cycles: the hub runs them; directors adjust their sites' lines until cutoff."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from marketplace.errors import ValidationError
from marketplace.models import Role
from marketplace.services import cycles, demand, needs, runs, sites, tier_hints
from marketplace.services.scope import require_role
from marketplace.web.cycle_forms import CycleForm, LineForm
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, apply_errors, db

bp = Blueprint("cycles", __name__)


@bp.get("/cycles")
@login_required
def index() -> str:
    return render_template("cycles/index.html", rows=cycles.list_cycles(db(), actor()))


@bp.route("/cycles/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int]:
    require_role(actor(), Role.HUB_MANAGER)
    form = CycleForm()
    if form.validate_on_submit():
        try:
            cycle = cycles.create_cycle(db(), actor(), form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{cycle.name} was created as a draft. Open it when directors may add their needs.", "success")
            return redirect(url_for("cycles.detail", cycle_id=cycle.id))
    return render_template("cycles/form.html", form=form, cycle=None), 422 if form.errors else 200


@bp.route("/cycles/<id:cycle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cycle_id: int) -> Response | tuple[str, int]:
    cycle = cycles.get_cycle(db(), actor(), cycle_id)
    require_role(actor(), Role.HUB_MANAGER)
    form = CycleForm(obj=cycle)
    if form.validate_on_submit():
        try:
            cycles.update_cycle(db(), actor(), cycle.id, form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{cycle.name} was saved.", "success")
            return redirect(url_for("cycles.detail", cycle_id=cycle.id))
    return render_template("cycles/form.html", form=form, cycle=cycle), 422 if form.errors else 200


@bp.get("/cycles/<id:cycle_id>")
@login_required
def detail(cycle_id: int) -> str:
    cycle = cycles.get_cycle(db(), actor(), cycle_id)
    summary = demand.cycle_demand(db(), actor(), cycle.id)
    run_list = runs.list_runs(db(), actor(), cycle.id) if actor().role is Role.HUB_MANAGER else []
    return render_template("cycles/detail.html", cycle=cycle, summary=summary, runs=run_list,
                           frozen=cycles.lines_frozen(cycle), confirm=ConfirmForm())


@bp.post("/cycles/<id:cycle_id>/<any(open, close, cancel):action>")
@login_required
def change_status(cycle_id: int, action: str) -> Response:
    if action == "open":
        made = cycles.open_cycle(db(), actor(), cycle_id)
        flash(f"The cycle is open: {made} demand line{'s' if made != 1 else ''} came from recurring needs.",
              "success")
    elif action == "close":
        cycles.close_cycle(db(), actor(), cycle_id)
        flash("The cycle is closed: its lines are frozen and the optimizer can run.", "success")
    else:
        cycles.cancel_cycle(db(), actor(), cycle_id)
        flash("The cycle was cancelled.", "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle_id))


@bp.get("/cycles/<id:cycle_id>/tiers")
@login_required
def tiers(cycle_id: int) -> str:
    cycle = cycles.get_cycle(db(), actor(), cycle_id)
    return render_template("cycles/tiers.html", cycle=cycle, hints=tier_hints.next_tier_hints(db(), actor(), cycle.id))


def _line_form(form: LineForm) -> LineForm:
    form.item_id.choices = [(i.id, f"{i.name} ({i.unit})") for i in needs.item_choices(db(), actor())]
    form.avoided_vendor_ids.choices = needs.vendor_choices(db(), actor())
    return form


@bp.route("/cycles/<id:cycle_id>/sites/<id:site_id>", methods=["GET", "POST"])
@login_required
def site_lines(cycle_id: int, site_id: int) -> Response | tuple[str, int]:
    """A site's lines in a cycle; directors add lines here while the cycle is open."""
    cycle = cycles.get_cycle(db(), actor(), cycle_id)
    site = sites.get_site(db(), actor(), site_id)
    form = _line_form(LineForm())
    if request.method == "POST":
        require_role(actor(), Role.DIRECTOR)
    if form.validate_on_submit():
        try:
            line = demand.add_line(db(), actor(), cycle.id, site.id, form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{line.item.name} was added for {site.name}.", "success")
            return redirect(url_for("cycles.site_lines", cycle_id=cycle.id, site_id=site.id))
    lines = demand.list_site_lines(db(), actor(), cycle.id, site.id)
    return render_template("cycles/site_lines.html", cycle=cycle, site=site, lines=lines, form=form,
                           frozen=cycles.lines_frozen(cycle), confirm=ConfirmForm(),
                           vendors=dict(form.avoided_vendor_ids.choices)), 422 if form.errors else 200


@bp.route("/cycles/lines/<id:line_id>/edit", methods=["GET", "POST"])
@login_required
def edit_line(line_id: int) -> Response | tuple[str, int]:
    line = demand.get_line(db(), actor(), line_id)
    require_role(actor(), Role.DIRECTOR)
    form = _line_form(LineForm(obj=line))
    if request.method == "GET" and line.max_unit_price is not None:
        form.max_unit_price.data = str(line.max_unit_price.normalize())
    form.item_id.data = line.item_id
    if form.validate_on_submit():
        try:
            demand.update_line(db(), actor(), line.id, form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{line.item.name} was saved.", "success")
            return redirect(url_for("cycles.site_lines", cycle_id=line.cycle_id, site_id=line.site_id))
    return render_template("cycles/line_form.html", form=form, line=line), 422 if form.errors else 200


@bp.post("/cycles/lines/<id:line_id>/delete")
@login_required
def delete_line(line_id: int) -> Response:
    line = demand.get_line(db(), actor(), line_id)
    cycle_id, site_id, name = line.cycle_id, line.site_id, line.item.name
    demand.remove_line(db(), actor(), line.id)
    flash(f"{name} was removed from this cycle.", "success")
    return redirect(url_for("cycles.site_lines", cycle_id=cycle_id, site_id=site_id))
