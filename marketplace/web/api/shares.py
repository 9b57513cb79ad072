"""Member shares of published plans: directors read, approve or reject theirs; the hub reads all."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from marketplace.services import api_queries, approvals, shares
from marketplace.services.shares import ShareDetail
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    api_actor,
    as_text,
    body,
    field_value,
    listed,
    raise_field_errors,
    route,
)
from marketplace.web.helpers import db

TAG = "Approvals"


def share_detail_json(detail: ShareDetail) -> dict[str, Any]:
    return {**serialize.share(detail.share), "run_number": detail.run_number, "decidable": detail.decidable,
            "why_not": detail.why_not or None,
            "lines": [{"site": x.site, "item": x.item, "unit": x.unit, "vendor": x.vendor, "vendor_sku": x.sku,
                       "packs": x.packs, "quantity": serialize.dec(x.quantity), "tier": x.tier,
                       "pooled_price": serialize.dec(x.pooled_price), "alone_price": serialize.dec(x.alone_price),
                       "amount": serialize.money(x.amount_cents)} for x in detail.lines],
            "fees": [{"site": f.site, "vendor": f.vendor, "fee": serialize.money(f.fee_cents)} for f in detail.fees],
            "adjustment": serialize.money(detail.adjustment_cents),
            "previous_cost": serialize.money(detail.previous.cost_cents) if detail.previous else None}


@route("/shares", "GET", summary="Your member's shares of every cycle, to decide and decided, newest first",
       response="List_Share", roles="director", tag=TAG)
def list_my_shares() -> Response:
    return listed(shares.list_my_shares(db(), api_actor()), serialize.share)


@route("/cycles/<id:cycle_id>/shares", "GET",
       summary="The shares of the cycle's published plan (a director: the member's)", response="List_Share",
       roles="hub_manager, director", tag=TAG)
def list_shares(cycle_id: int) -> Response:
    return listed(api_queries.list_cycle_shares(db(), api_actor(), cycle_id), serialize.share)


@route("/shares/<id:share_id>", "GET", summary="A share with its lines, pooled and alone prices, and fees",
       response="ShareDetail", roles="director, hub_manager", tag=TAG)
def get_share(share_id: int) -> Response:
    return jsonify(share_detail_json(shares.share_detail(db(), api_actor(), share_id)))


@route("/shares/<id:share_id>/approve", "POST", summary="Approve your member's share", response="Share",
       roles="director", tag=TAG)
def approve_share(share_id: int) -> Response:
    return jsonify(serialize.share(approvals.approve_share(db(), api_actor(), share_id)))


@route("/shares/<id:share_id>/reject", "POST", summary="Reject your member's share, saying why",
       body="RejectInput", response="Share", roles="director", tag=TAG)
def reject_share(share_id: int) -> Response:
    share = api_queries.get_share(db(), api_actor(), share_id)
    data, errors = body(), {}
    reason = field_value(data, "reason", as_text, errors, "", required=True)
    raise_field_errors(errors)
    return jsonify(serialize.share(approvals.reject_share(db(), api_actor(), share.id, reason)))
