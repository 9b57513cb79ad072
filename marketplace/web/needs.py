"""Recurring needs: directors keep each site's; the hub reads them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from marketplace.errors import ValidationError
from marketplace.models import Role
from marketplace.services import need_suggestions, needs, needs_files, sites
from marketplace.services.needs import NeedChange
from marketplace.services.scope import require_role
from marketplace.web.cycle_forms import CADENCES, NeedForm, NeedsImportForm, SuggestionForm
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, apply_errors, db

bp = Blueprint("needs", __name__)


@bp.get("/needs")
@login_required
def overview() -> str:
    """Every site ``actor`` may see, with its needs (directors: their own sites)."""
    rows = [(site, needs.list_needs(db(), actor(), site.id)) for site in sites.list_sites(db(), actor())]
    return render_template("needs/overview.html", rows=rows)


@bp.get("/sites/<id:site_id>/needs")
@login_required
def index(site_id: int) -> str:
    site = sites.get_site(db(), actor(), site_id)
    rows = needs.list_needs(db(), actor(), site.id)
    vendors = dict(needs.vendor_choices(db(), actor()))
    return render_template("needs/index.html", site=site, rows=rows, vendors=vendors, confirm=ConfirmForm(),
                           cadences=CADENCES)


def _choices(form: NeedForm) -> NeedForm:
    form.item_id.choices = [(i.id, f"{i.name} ({i.unit})") for i in needs.item_choices(db(), actor())]
    form.avoided_vendor_ids.choices = needs.vendor_choices(db(), actor())
    return form


@bp.route("/sites/<id:site_id>/needs/new", methods=["GET", "POST"])
@login_required
def new(site_id: int) -> BaseResponse | tuple[str, int]:
    site = sites.get_site(db(), actor(), site_id)
    require_role(actor(), Role.DIRECTOR)
    form = _choices(NeedForm())
    if request.method == "GET":
        form.starts_on.data = needs.today()
    if form.validate_on_submit():
        try:
            need = needs.create_need(db(), actor(), site.id, form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{need.item.name} was added to {site.name}'s needs.", "success")
            return redirect(url_for("needs.index", site_id=site.id))
    return render_template("needs/form.html", form=form, site=site, need=None), 422 if form.errors else 200


@bp.route("/needs/<id:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int) -> BaseResponse | tuple[str, int]:
    need = needs.get_need(db(), actor(), need_id)
    require_role(actor(), Role.DIRECTOR)
    form = _choices(NeedForm(obj=need))
    if request.method == "GET":
        form.cadence.data = need.cadence.value
        form.max_unit_price.data = "" if need.max_unit_price is None else str(need.max_unit_price.normalize())
    if form.validate_on_submit():
        try:
            needs.update_need(db(), actor(), need.id, form.to_input())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"The need for {need.item.name} was saved.", "success")
            return redirect(url_for("needs.index", site_id=need.site_id))
    return render_template("needs/form.html", form=form, site=need.site, need=need), 422 if form.errors else 200


@bp.post("/needs/<id:need_id>/delete")
@login_required
def delete(need_id: int) -> BaseResponse:
    need = needs.get_need(db(), actor(), need_id)
    site_id, name = need.site_id, need.item.name
    needs.delete_need(db(), actor(), need.id)
    flash(f"The need for {name} was removed.", "success")
    return redirect(url_for("needs.index", site_id=site_id))


@bp.post("/sites/<id:site_id>/needs/bulk")
@login_required
def bulk(site_id: int) -> BaseResponse | tuple[str, int]:
    """Save the whole needs table at once (quantity, cadence, active, remove per row)."""
    site = sites.get_site(db(), actor(), site_id)
    require_role(actor(), Role.DIRECTOR)
    changes = [_change(int(raw), request.form) for raw in request.form.getlist("need_id") if raw.isdigit()]
    try:
        changed = needs.bulk_update_needs(db(), actor(), site.id, changes)
    except ValidationError as error:
        rows = needs.list_needs(db(), actor(), site.id)
        return render_template("needs/index.html", site=site, rows=rows, confirm=ConfirmForm(), cadences=CADENCES,
                               vendors=dict(needs.vendor_choices(db(), actor())), bulk_errors=error.field_errors,
                               posted=request.form), 422
    flash(f"{changed} need{'s' if changed != 1 else ''} changed.", "success")
    return redirect(url_for("needs.index", site_id=site.id))


def _change(need_id: int, values: dict) -> NeedChange:
    text = (values.get(f"quantity-{need_id}") or "").replace(",", "").strip()
    try:
        quantity = Decimal(text) if text else None
    except InvalidOperation:
        quantity = Decimal("NaN")
    return NeedChange(need_id, quantity, values.get(f"cadence-{need_id}", ""),
                      values.get(f"active-{need_id}") == "1", values.get(f"remove-{need_id}") == "1")


@bp.get("/sites/<id:site_id>/needs.<any(csv, xlsx):kind>")
@login_required
def export(site_id: int, kind: str) -> Response:
    site = sites.get_site(db(), actor(), site_id)
    if kind == "csv":
        data, mimetype = needs_files.export_needs_csv(db(), actor(), site.id), "text/csv"
    else:
        data = needs_files.export_needs_xlsx(db(), actor(), site.id)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = needs_files.site_filename(site, kind)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/sites/<id:site_id>/needs/import", methods=["GET", "POST"])
@login_required
def import_file(site_id: int) -> BaseResponse | tuple[str, int]:
    site = sites.get_site(db(), actor(), site_id)
    require_role(actor(), Role.DIRECTOR)
    form = NeedsImportForm()
    problems: list = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = needs_files.import_needs(db(), actor(), site.id, upload.read(needs_files.MAX_FILE_BYTES + 1),
                                              upload.filename or "", replace=bool(form.replace.data))
        except needs_files.NeedsFileError as error:
            problems = error.details
            form.form_errors.append(error.message)
        else:
            flash(f"Imported: {result.created} added, {result.updated} updated, {result.removed} removed.",
                  "success")
            return redirect(url_for("needs.index", site_id=site.id))
    status = 422 if form.errors or problems else 200
    return render_template("needs/import.html", form=form, site=site, problems=problems,
                           columns=needs_files.COLUMNS), status


@bp.route("/sites/<id:site_id>/needs/suggest", methods=["GET", "POST"])
@login_required
def suggest(site_id: int) -> BaseResponse | tuple[str, int]:
    site = sites.get_site(db(), actor(), site_id)
    suggestions = need_suggestions.suggest_needs(db(), actor(), site.id)
    form = SuggestionForm()
    if form.validate_on_submit():
        try:
            added = need_suggestions.add_suggested_needs(db(), actor(), site.id, list(form.item_ids.data or []))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{added} weekly need{'s' if added != 1 else ''} added from the suggestions.", "success")
            return redirect(url_for("needs.index", site_id=site.id))
    return render_template("needs/suggest.html", site=site, suggestions=suggestions, form=form,
                           enrolment=need_suggestions.ENROLMENT), 422 if form.errors else 200
