"""Purchasing cycles (the hub creates, opens and closes them) and their demand lines
(directors add, change and remove their sites' lines until the cutoff)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from marketplace.models import Cycle, DemandLine, Role
from marketplace.services import api_queries, cycles, demand, sites, tier_hints
from marketplace.services.cycles import CycleInput
from marketplace.services.demand import LineInput
from marketplace.services.tier_hints import TierHint
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    api_actor,
    as_bool,
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


def cycle_input(data: dict[str, Any], current: Cycle | None = None) -> CycleInput:
    """A :class:`CycleInput` from a JSON body; with ``current``, the fields sent replace its own
    (``approval_deadline_at: null`` removes the deadline; ``opens_automatically`` matters while
    the cycle is a draft: the scheduler opens it at ``opens_at``)."""
    errors: dict[str, str] = {}
    new = current is None
    base = current or CycleInput(name="", opens_at=None, cutoff_at=None, delivery_on=None)
    kept_deadline = None if "approval_deadline_at" in data else base.approval_deadline_at
    values = {
        "name": field_value(data, "name", as_text, errors, base.name, required=new),
        "opens_at": field_value(data, "opens_at", as_datetime, errors, base.opens_at, required=new),
        "cutoff_at": field_value(data, "cutoff_at", as_datetime, errors, base.cutoff_at, required=new),
        "delivery_on": field_value(data, "delivery_on", as_date, errors, base.delivery_on, required=new),
        "length_days": field_value(data, "length_days", as_int, errors, base.length_days),
        "approval_deadline_at": field_value(data, "approval_deadline_at", as_datetime, errors, kept_deadline),
        "opens_automatically": field_value(data, "opens_automatically", as_bool, errors, base.opens_automatically)}
    raise_field_errors(errors)
    return CycleInput(**values)


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


@route("/cycles/<id:cycle_id>", "PATCH",
       summary="Change a draft or open cycle's name and dates (the fields sent; an open cycle keeps its length)",
       body="CyclePatch", response="Cycle", roles="hub_manager", tag=TAG)
def update_cycle(cycle_id: int) -> Response:
    cycle = cycles.get_cycle(db(), api_actor(), cycle_id)
    return jsonify(serialize.cycle(cycles.update_cycle(db(), api_actor(), cycle.id, cycle_input(body(), cycle))))


@route("/cycles/<id:cycle_id>/cancel", "POST", summary="Cancel a cycle that is not finalized yet",
       response="Cycle", roles="hub_manager", tag=TAG)
def cancel_cycle(cycle_id: int) -> Response:
    return jsonify(serialize.cycle(cycles.cancel_cycle(db(), api_actor(), cycle_id)))


def tier_hint_json(hint: TierHint, *, hub: bool) -> dict[str, Any]:
    """A hint; directors see what to add, not who sells it (as on the page)."""
    return {"offer_id": hint.offer_id if hub else None, "vendor_id": hint.vendor_id if hub else None,
            "vendor_name": hint.vendor_name if hub else None, "item_id": hint.item.id, "item_name": hint.item.name,
            "unit": hint.item.unit, "pack_size": serialize.dec(hint.pack_size), "pooled_packs": hint.pooled_packs,
            "next_min_packs": hint.next_min_packs, "packs_more": hint.packs_more,
            "units_more": serialize.dec(hint.units_more), "price_now": serialize.dec(hint.price_now),
            "price_next": serialize.dec(hint.price_next), "reaches_minimum": hint.reaches_minimum,
            "saving": None if hint.reaches_minimum else serialize.money(hint.saving_cents)}


@route("/cycles/<id:cycle_id>/tier-hints", "GET",
       summary="Next price tiers: how many more packs across the alliance unlock each offer's next tier, "
               "and what it would save (the fewest packs to go first)",
       response="List_TierHint", roles="hub_manager, director (without vendors)", tag=TAG)
def list_tier_hints(cycle_id: int) -> Response:
    hub = api_actor().role is Role.HUB_MANAGER
    rows = tier_hints.next_tier_hints(db(), api_actor(), cycle_id)
    return listed(rows, lambda hint: tier_hint_json(hint, hub=hub))


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
