"""A site's recurring needs at once: bulk edit, CSV/XLSX export and import (all or nothing,
problems by row and column), and the weekly suggestion from licensed capacity and the CACFP
meal pattern. The same services as the needs pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, jsonify, request

from marketplace.errors import ValidationError
from marketplace.models import Role
from marketplace.services import need_suggestions, needs, needs_files, sites
from marketplace.services.exports import XLSX_CONTENT_TYPE as XLSX
from marketplace.services.needs import NeedChange
from marketplace.services.scope import require_role
from marketplace.web.api.base import (
    BadRequestError,
    api_actor,
    as_bool,
    as_decimal,
    as_id_list,
    as_int,
    as_text,
    body,
    download,
    field_value,
    raise_field_errors,
    route,
)
from marketplace.web.helpers import db

TAG = "Recurring needs"


@route("/sites/<id:site_id>/needs.<any(csv, xlsx):kind>", "GET",
       summary="A site's recurring needs as a CSV or Excel file (the import's columns)",
       response=None, files=("text/csv", XLSX), roles="director, hub_manager", tag=TAG)
def export_needs(site_id: int, kind: str) -> Response:
    site = sites.get_site(db(), api_actor(), site_id)
    if kind == "csv":
        data, mimetype = needs_files.export_needs_csv(db(), api_actor(), site.id), "text/csv"
    else:
        data, mimetype = needs_files.export_needs_xlsx(db(), api_actor(), site.id), XLSX
    return download(data, needs_files.site_filename(site, kind), mimetype)


@route("/sites/<id:site_id>/needs/import", "POST",
       summary="Import a CSV or Excel file of needs (one per item: added or updated). All or nothing: "
               "a 422 lists every problem as {row, column, message}",
       form="NeedsUpload", response="NeedsImported", roles="director", tag=TAG)
def import_needs(site_id: int) -> Response:
    site = sites.get_site(db(), api_actor(), site_id)  # a foreign site is a 404 before the file is read
    require_role(api_actor(), Role.DIRECTOR)
    if not request.mimetype.startswith("multipart/form-data"):
        raise BadRequestError('Send the file as multipart/form-data, in a field named "file".')
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError(field_errors={"file": 'Attach the CSV or Excel file in a field named "file".'})
    replace = request.form.get("replace", "false").strip().lower()
    if replace not in ("true", "false"):
        raise ValidationError(field_errors={"replace": "Send true or false."})
    result = needs_files.import_needs(db(), api_actor(), site.id, upload.read(needs_files.MAX_FILE_BYTES + 1),
                                      upload.filename, replace=replace == "true")
    return jsonify(created=result.created, updated=result.updated, removed=result.removed)


def _changes(data: dict[str, Any], site_id: int) -> list[NeedChange]:
    """The body's ``changes`` as :class:`NeedChange` rows; a problem is named by its path
    (``changes[2].quantity``). Fields left out keep the need's value."""
    rows = data.get("changes")
    if not isinstance(rows, list):
        raise ValidationError(field_errors={"changes": "Send a list of {need_id, quantity, cadence, active, remove}."})
    errors: dict[str, str] = {}
    current = {n.id: n for n in needs.list_needs(db(), api_actor(), site_id)}
    changes = []
    for index, row in enumerate(rows):
        where = f"changes[{index}]"
        if not isinstance(row, dict):
            errors[where] = "Send an object."
            continue
        row_errors: dict[str, str] = {}
        need_id = field_value(row, "need_id", as_int, row_errors, required=True)
        need = current.get(need_id)
        quantity = field_value(row, "quantity", as_decimal, row_errors, need.quantity if need else Decimal(1))
        cadence = field_value(row, "cadence", as_text, row_errors, need.cadence.value if need else "weekly")
        active = field_value(row, "active", as_bool, row_errors, need.active if need else True)
        remove = field_value(row, "remove", as_bool, row_errors, False)
        errors.update({f"{where}.{name}": message for name, message in row_errors.items()})
        if not row_errors:
            changes.append(NeedChange(need_id, quantity, cadence, active, remove))
    if errors:
        raise ValidationError("Some rows need correcting; nothing was saved.", errors)
    return changes


@route("/sites/<id:site_id>/needs/bulk", "POST",
       summary="Change or remove many of a site's needs at once (quantity, cadence, active); all or nothing",
       body="NeedsBulk", response="NeedsChanged", roles="director", tag=TAG)
def bulk_update_needs(site_id: int) -> Response:
    site = sites.get_site(db(), api_actor(), site_id)
    require_role(api_actor(), Role.DIRECTOR)
    changes = _changes(body(), site.id)
    index = {change.need_id: i for i, change in enumerate(changes)}
    try:
        changed = needs.bulk_update_needs(db(), api_actor(), site.id, changes)
    except ValidationError as error:  # the service names "<need id>.<field>": name the row sent instead
        named = {}
        for key, message in error.field_errors.items():
            need_id, _, name = key.partition(".")
            row = index.get(int(need_id)) if need_id.isdigit() else None
            named[f"changes[{row}].{'need_id' if name == 'need' else name}" if row is not None else key] = message
        raise ValidationError(error.message, named) from None
    return jsonify(changed=changed)


@route("/sites/<id:site_id>/needs/suggestions", "GET",
       summary="Suggested weekly needs of food staples from the site's licensed capacity and the CACFP "
               "meal pattern (85% enrolment, children 3 to 5; each with how it was reached)",
       response="NeedSuggestions", roles="director, hub_manager", tag=TAG)
def list_suggestions(site_id: int) -> Response:
    site = sites.get_site(db(), api_actor(), site_id)
    rows = need_suggestions.suggest_needs(db(), api_actor(), site.id)
    return jsonify(site_id=site.id, licensed_capacity=site.licensed_capacity,
                   enrolment=str(need_suggestions.ENROLMENT), age_group=need_suggestions.AGE,
                   suggestions=[{"item_id": s.item.id, "item_name": s.item.name, "unit": s.item.unit,
                                 "weekly_quantity": format(s.weekly_quantity.normalize(), "f"), "basis": s.basis,
                                 "current_need_id": s.current.id if s.current else None,
                                 "current_quantity": format(s.current.quantity.normalize(), "f") if s.current
                                 else None,
                                 "current_cadence": s.current.cadence.value if s.current else None}
                                for s in rows])


@route("/sites/<id:site_id>/needs/suggestions", "POST",
       summary="Add weekly needs at the suggested quantities for the items chosen (items the site already "
               "has a need for are left as they are)",
       body="SuggestionInput", response="SuggestionsAdded", roles="director", tag=TAG)
def add_suggestions(site_id: int) -> Response:
    site = sites.get_site(db(), api_actor(), site_id)
    require_role(api_actor(), Role.DIRECTOR)
    errors: dict[str, str] = {}
    item_ids = field_value(body(), "item_ids", as_id_list, errors, required=True)
    raise_field_errors(errors)
    return jsonify(added=need_suggestions.add_suggested_needs(db(), api_actor(), site.id, list(item_ids)))
