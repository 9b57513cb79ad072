"""Purchasing cycles (the hub creates, opens and closes them) and their demand lines
(directors add, change and remove their sites' lines until the cutoff)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from marketplace.models import DemandLine
from marketplace.services import api_queries, cycles, demand, sites
from marketplace.services.cycles import CycleInput
from marketplace.services.demand import LineInput
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    api_actor,
    as_date,
    as_datetime,
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

TAG = "Cycles"


def cycle_input(data: dict[str, Any]) -> CycleInput:
    errors: dict[str, str] = {}
    made = CycleInput(
        name=field_value(data, "name", as_text, errors, "", required=True),
        opens_at=field_value(data, "opens_at", as_datetime, errors, required=True),
        cutoff_at=field_value(data, "cutoff_at", as_datetime, errors, required=True),
        delivery_on=field_value(data, "delivery_on", as_date, errors, required=True),
        length_days=field_value(data, "length_days", as_int, errors, 28),
        approval_deadline_at=field_value(data, "approval_deadline_at", as_datetime, errors))
    raise_field_errors(errors)
    return made


def line_input(data: dict[str, Any], current: DemandLine | None = None) -> LineInput:
    errors: dict[str, str] = {}
    made = LineInput(
        item_id=current.item_id if current else field_value(data, "item_id", as_int, errors, required=True),
        quantity=field_value(data, "quantity", as_decimal, errors, current.quantity if current else None,
                             required=current is None),
        max_unit_price=field_value(data, "max_unit_price", as_decimal, errors,
                                   current.max_unit_price if current and "max_unit_price" not in data else None),
        avoided_vendor_ids=field_value(data, "avoided_vendor_ids", as_id_list, errors,
                                       tuple(current.avoided_vendor_ids or ()) if current else ()),
        note=field_value(data, "note", as_text, errors, current.note if current else ""))
    raise_field_errors(errors)
    return made


@route("/cycles", "GET", summary="The alliance's cycles, newest delivery first", response="List_Cycle",
       roles="hub_manager, director", tag=TAG)
def list_cycles() -> Response:
    return listed(cycles.list_cycles(db(), api_actor()), serialize.cycle)


@route("/cycles", "POST", summary="Create a draft cycle", body="CycleInput", response="Cycle", status=201,
       roles="hub_manager", tag=TAG)
def create_cycle() -> tuple[Response, int]:
    return created(serialize.cycle(cycles.create_cycle(db(), api_actor(), cycle_input(body()))))


@route("/cycles/<id:cycle_id>", "GET", summary="One cycle", response="Cycle", roles="hub_manager, director",
       tag=TAG)
def get_cycle(cycle_id: int) -> Response:
    return jsonify(serialize.cycle(cycles.get_cycle(db(), api_actor(), cycle_id)))


@route("/cycles/<id:cycle_id>/open", "POST",
       summary="Open a draft cycle: recurring needs become demand lines", response="CycleOpened",
       roles="hub_manager", tag=TAG)
def open_cycle(cycle_id: int) -> Response:
    made = cycles.open_cycle(db(), api_actor(), cycle_id)
    return jsonify(cycle=serialize.cycle(cycles.get_cycle(db(), api_actor(), cycle_id)), lines_made=made)


@route("/cycles/<id:cycle_id>/close", "POST", summary="Close an open cycle: its lines freeze",
       response="Cycle", roles="hub_manager", tag=TAG)
def close_cycle(cycle_id: int) -> Response:
    return jsonify(serialize.cycle(cycles.close_cycle(db(), api_actor(), cycle_id)))


@route("/cycles/<id:cycle_id>/lines", "GET", summary="The cycle's demand lines you may see",
       response="List_Line", roles="hub_manager, director",
       query=[{"name": "site_id", "in": "query", "schema": {"type": "integer"}}], tag=TAG)
def list_lines(cycle_id: int) -> Response:
    rows = api_queries.list_cycle_lines(db(), api_actor(), cycle_id, site_id=request.args.get("site_id", type=int))
    return listed(rows, serialize.line)


@route("/cycles/<id:cycle_id>/sites/<id:site_id>/lines", "POST",
       summary="Add a line for one of your sites (before the cutoff)", body="LineInput", response="Line",
       status=201, roles="director", tag=TAG)
def add_line(cycle_id: int, site_id: int) -> tuple[Response, int]:
    cycle, site = cycles.get_cycle(db(), api_actor(), cycle_id), sites.get_site(db(), api_actor(), site_id)
    return created(serialize.line(demand.add_line(db(), api_actor(), cycle.id, site.id, line_input(body()))))


@route("/lines/<id:line_id>", "GET", summary="One demand line", response="Line",
       roles="hub_manager, director", tag=TAG)
def get_line(line_id: int) -> Response:
    return jsonify(serialize.line(demand.get_line(db(), api_actor(), line_id)))


@route("/lines/<id:line_id>", "PATCH", summary="Change a line's quantity, price limit, avoided vendors or note",
       body="LinePatch", response="Line", roles="director", tag=TAG)
def update_line(line_id: int) -> Response:
    line = demand.get_line(db(), api_actor(), line_id)
    return jsonify(serialize.line(demand.update_line(db(), api_actor(), line.id, line_input(body(), line))))


@route("/lines/<id:line_id>", "DELETE", summary="Remove a line (before the cutoff)", response=None, status=204,
       roles="director", tag=TAG)
def remove_line(line_id: int) -> Response:
    demand.remove_line(db(), api_actor(), line_id)
    return no_content()
