"""Recurring needs: directors keep their sites' needs; the hub reads them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Response, jsonify

from marketplace.models import RecurringNeed
from marketplace.services import needs, sites
from marketplace.services.needs import NeedInput
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    api_actor,
    as_bool,
    as_date,
    as_decimal,
    as_id_list,
    as_int,
    as_text,
    body,
    created,
    field_value,
    listed,
    no_content,
    raise_field_errors,
    route,
)
from marketplace.web.helpers import db

TAG = "Recurring needs"


def need_input(data: dict[str, Any], current: NeedInput | None = None) -> NeedInput:
    """A :class:`NeedInput` from a JSON body; with ``current``, the fields sent replace its own
    (a new need starts today unless ``starts_on`` says otherwise)."""
    errors: dict[str, str] = {}
    base = current or NeedInput(item_id=None, quantity=None, starts_on=needs.today())
    values = {
        "item_id": field_value(data, "item_id", as_int, errors, base.item_id, required=current is None),
        "quantity": field_value(data, "quantity", as_decimal, errors, base.quantity, required=current is None),
        "cadence": field_value(data, "cadence", as_text, errors, base.cadence),
        "starts_on": field_value(data, "starts_on", as_date, errors, base.starts_on),
        "ends_on": field_value(data, "ends_on", as_date, errors, None if "ends_on" in data else base.ends_on),
        "max_unit_price": field_value(data, "max_unit_price", as_decimal, errors,
                                      None if "max_unit_price" in data else base.max_unit_price),
        "avoided_vendor_ids": field_value(data, "avoided_vendor_ids", as_id_list, errors, base.avoided_vendor_ids),
        "note": field_value(data, "note", as_text, errors, base.note),
        "active": field_value(data, "active", as_bool, errors, base.active),
    }
    raise_field_errors(errors)
    return replace(base, **values)


def _current(need: RecurringNeed) -> NeedInput:
    return NeedInput(need.item_id, need.quantity, need.cadence.value, need.starts_on, need.ends_on,
                     need.max_unit_price, tuple(need.avoided_vendor_ids or ()), need.note, need.active)


@route("/sites/<id:site_id>/needs", "GET", summary="A site's recurring needs", response="List_Need",
       roles="director, hub_manager", tag=TAG)
def list_needs(site_id: int) -> Response:
    return listed(needs.list_needs(db(), api_actor(), site_id), serialize.need)


@route("/sites/<id:site_id>/needs", "POST", summary="Add a recurring need to one of your sites",
       body="NeedInput", response="Need", status=201, roles="director", tag=TAG)
def create_need(site_id: int) -> tuple[Response, int]:
    site = sites.get_site(db(), api_actor(), site_id)  # a foreign site is a 404 before any validation
    return created(serialize.need(needs.create_need(db(), api_actor(), site.id, need_input(body()))))


@route("/needs/<id:need_id>", "GET", summary="One recurring need", response="Need",
       roles="director, hub_manager", tag=TAG)
def get_need(need_id: int) -> Response:
    return jsonify(serialize.need(needs.get_need(db(), api_actor(), need_id)))


@route("/needs/<id:need_id>", "PATCH", summary="Change a recurring need (the fields sent)",
       body="NeedPatch", response="Need", roles="director", tag=TAG)
def update_need(need_id: int) -> Response:
    need = needs.get_need(db(), api_actor(), need_id)
    data = need_input(body(), _current(need))
    return jsonify(serialize.need(needs.update_need(db(), api_actor(), need_id, data)))


@route("/needs/<id:need_id>", "DELETE", summary="Remove a recurring need", response=None, status=204,
       roles="director", tag=TAG)
def delete_need(need_id: int) -> Response:
    needs.delete_need(db(), api_actor(), need_id)
    return no_content()
