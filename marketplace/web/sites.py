"""Directors keep their member's sites; the hub browses the alliance's."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from marketplace.errors import ValidationError
from marketplace.models import Role
from marketplace.services import sites
from marketplace.services.scope import require_role
from marketplace.web.forms import ConfirmForm, SiteForm
from marketplace.web.helpers import actor, apply_errors, db, search_text

bp = Blueprint("sites", __name__)


@bp.get("/sites")
@login_required
def index() -> str:
    search = search_text()
    include_inactive = request.args.get("inactive") == "1"
    rows = sites.list_sites(db(), actor(), search=search, include_inactive=include_inactive)
    return render_template("sites/index.html", rows=rows, search=search, include_inactive=include_inactive)


@bp.route("/sites/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int] | str:
    require_role(actor(), Role.DIRECTOR)
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = sites.create_site(db(), actor(), form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{site.name} was added.", "success")
            return redirect(url_for("sites.detail", site_id=site.id))
    return render_template("sites/form.html", form=form, site=None), 422 if form.errors else 200


@bp.get("/sites/<id:site_id>")
@login_required
def detail(site_id: int) -> str:
    site = sites.get_site(db(), actor(), site_id)
    return render_template("sites/detail.html", site=site, confirm=ConfirmForm())


@bp.route("/sites/<id:site_id>/edit", methods=["GET", "POST"])
@login_required
def edit(site_id: int) -> Response | tuple[str, int] | str:
    site = sites.get_site(db(), actor(), site_id)
    require_role(actor(), Role.DIRECTOR)
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        try:
            sites.update_site(db(), actor(), site.id, form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{site.name} was saved.", "success")
            return redirect(url_for("sites.detail", site_id=site.id))
    return render_template("sites/form.html", form=form, site=site), 422 if form.errors else 200


@bp.post("/sites/<id:site_id>/deactivate")
@login_required
def deactivate(site_id: int) -> Response:
    site = sites.set_site_active(db(), actor(), site_id, False)
    flash(f"{site.name} is deactivated: it gets no new orders.", "success")
    return redirect(url_for("sites.detail", site_id=site.id))


@bp.post("/sites/<id:site_id>/reactivate")
@login_required
def reactivate(site_id: int) -> Response:
    site = sites.set_site_active(db(), actor(), site_id, True)
    flash(f"{site.name} is active again.", "success")
    return redirect(url_for("sites.detail", site_id=site.id))
