"""Purchase orders and their site deliveries: the hub sends them, vendors confirm and ship,
a delivery is reported received (or short) line by line, and a report is corrected with a reason
(``services.delivery_corrections``: the vendor and the site's director until the vendor's payout
started, the hub after; never below a refund already made)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from marketplace.models import Role, SiteDelivery
from marketplace.services import delivery_corrections, shortages
from marketplace.services import purchase_orders as orders
from marketplace.services.purchase_orders import DeliveryView
from marketplace.services.scope import require_role
from marketplace.services.shortages import ShortageRow
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    BadRequestError,
    api_actor,
    as_text,
    body,
    field_value,
    listed,
    raise_field_errors,
    route,
)
from marketplace.web.helpers import db

TAG = "Purchase orders"


def _detail(po_id: int) -> dict[str, Any]:
    return serialize.purchase_order_detail(orders.get_purchase_order(db(), api_actor(), po_id))


def delivery_json(view: DeliveryView) -> dict[str, Any]:
    d = view.delivery
    return {"id": d.id, "purchase_order_id": view.purchase_order.id, "number": view.purchase_order.number,
            "site_id": d.site_id, "site_name": d.site.name, "status": d.status.value, "fee": serialize.money(d.fee_cents),
            "received_at": serialize.when(d.received_at), "note": d.note, "reportable": view.reportable,
            "why_not": view.why_not or None,
            "lines": [{"id": x.id, "item_id": x.item_id, "item_name": x.item.name, "vendor_sku": x.offer.vendor_sku,
                       "packs": x.packs, "received_packs": x.received_packs, "shortage_packs": x.shortage_packs,
                       "shortage": serialize.money(x.shortage_cents)} for x in view.lines]}


@route("/purchase-orders", "GET", summary="Purchase orders (a vendor: its own; the hub: the alliance's)",
       response="List_PurchaseOrder", roles="vendor, hub_manager",
       query=[{"name": "cycle_id", "in": "query", "schema": {"type": "integer"}}], tag=TAG)
def list_orders() -> Response:
    cycle_id = request.args.get("cycle_id", type=int)
    if api_actor().role is Role.VENDOR:  # a vendor sees no cycle, only its orders of it
        rows = [po for po in orders.list_purchase_orders(db(), api_actor()) if cycle_id in (None, po.cycle_id)]
    else:
        rows = orders.list_purchase_orders(db(), api_actor(), cycle_id=cycle_id)
    return listed(rows, serialize.purchase_order)


@route("/purchase-orders/<id:po_id>", "GET", summary="A purchase order with its lines and site deliveries",
       response="PurchaseOrderDetail", roles="vendor, hub_manager", tag=TAG)
def get_order(po_id: int) -> Response:
    return jsonify(_detail(po_id))


@route("/cycles/<id:cycle_id>/purchase-orders/send", "POST",
       summary="Send the finalized cycle's purchase orders to their vendors", response="List_PurchaseOrder",
       roles="hub_manager", tag=TAG)
def send_orders(cycle_id: int) -> Response:
    email = current_app.extensions["sharedbuy.mailer"].enabled
    result = orders.send_purchase_orders(db(), api_actor(), cycle_id, email_enabled=email)
    return listed(result.sent, serialize.purchase_order)


@route("/purchase-orders/<id:po_id>/confirm", "POST", summary="Confirm a sent purchase order",
       response="PurchaseOrderDetail", roles="vendor", tag=TAG)
def confirm_order(po_id: int) -> Response:
    orders.confirm_purchase_order(db(), api_actor(), po_id)
    return jsonify(_detail(po_id))


@route("/purchase-orders/<id:po_id>/ship", "POST", summary="Mark a confirmed purchase order shipped",
       response="PurchaseOrderDetail", roles="vendor", tag=TAG)
def ship_order(po_id: int) -> Response:
    orders.ship_purchase_order(db(), api_actor(), po_id)
    return jsonify(_detail(po_id))


@route("/deliveries", "GET", summary="Deliveries to your member's sites, newest first", response="List_DeliverySummary",
       roles="director", tag=TAG)
def list_deliveries() -> Response:
    require_role(api_actor(), Role.DIRECTOR)  # the hub and vendors follow purchase orders
    return listed(orders.list_site_deliveries(db(), api_actor()), delivery_summary_json)


def delivery_summary_json(d: SiteDelivery) -> dict[str, Any]:
    po = d.purchase_order
    return {"id": d.id, "purchase_order_id": po.id, "number": po.number, "vendor_name": po.vendor.name,
            "cycle_id": po.cycle_id, "cycle_name": po.cycle.name, "delivery_on": serialize.when(po.cycle.delivery_on),
            "site_id": d.site_id, "site_name": d.site.name, "status": d.status.value,
            "fee": serialize.money(d.fee_cents), "received_at": serialize.when(d.received_at)}


@route("/deliveries/<id:delivery_id>", "GET", summary="One site's delivery of a purchase order, line by line",
       response="Delivery", roles="vendor, director, hub_manager", tag=TAG)
def get_delivery(delivery_id: int) -> Response:
    return jsonify(delivery_json(orders.get_delivery(db(), api_actor(), delivery_id)))


@route("/deliveries/<id:delivery_id>/report", "POST",
       summary="Report what arrived: packs received per line id; the missing packs are the shortage",
       body="DeliveryReport", response="Delivery", roles="vendor, director, hub_manager", tag=TAG)
def report_delivery(delivery_id: int) -> Response:
    delivery = orders.get_delivery(db(), api_actor(), delivery_id).delivery
    data, errors = body(), {}
    counts = _received(data, errors)
    note = field_value(data, "note", as_text, errors, "")
    raise_field_errors(errors)
    orders.report_delivery(db(), api_actor(), delivery.id, counts, note=note)
    return jsonify(delivery_json(orders.get_delivery(db(), api_actor(), delivery.id)))


@route("/deliveries/<id:delivery_id>/correct", "POST",
       summary="Correct a reported delivery: packs received per line id, and why. The vendor and the site's "
               "director until the vendor's payout for it started, the hub after; refused (409, with the amounts) "
               "when it would owe the member less than was already refunded",
       body="DeliveryCorrection", response="Delivery", roles="vendor, director, hub_manager", tag=TAG)
def correct_delivery(delivery_id: int) -> Response:
    delivery = orders.get_delivery(db(), api_actor(), delivery_id).delivery
    data, errors = body(), {}
    counts = _received(data, errors)
    reason = field_value(data, "reason", as_text, errors, "", required=True)
    raise_field_errors(errors)
    delivery_corrections.correct_delivery(db(), api_actor(), delivery.id, counts, reason=reason)
    return jsonify(delivery_json(orders.get_delivery(db(), api_actor(), delivery.id)))


def _received(data: dict[str, Any], errors: dict[str, str]) -> dict[int, int | None]:
    """``data["received"]``: packs received by line id (a problem with an entry goes to ``errors``)."""
    received = data.get("received")
    if not isinstance(received, dict):
        raise BadRequestError('Send "received": {"<line id>": packs received, ...}.')
    counts: dict[int, int | None] = {}
    for key, value in received.items():
        if not str(key).isdigit() or (value is not None and (isinstance(value, bool) or not isinstance(value, int))):
            errors[f"received.{key}"] = "Use line ids as keys and whole numbers of packs as values."
        else:
            counts[int(key)] = value
    return counts


def shortage_json(row: ShortageRow) -> dict[str, Any]:
    s = row.shortage
    return {"kind": s.kind, "purchase_order_id": s.purchase_order_id, "number": s.po_number, "vendor_id": s.vendor_id,
            "member_id": s.member_id, "member_name": row.member, "site_id": s.site_id, "site_name": row.site,
            "delivery_id": s.delivery_id, "line_id": s.line_id, "item_id": s.item_id, "what": row.what,
            "shortage_packs": s.shortage_packs, "amount": serialize.money(s.amount_cents)}


@route("/cycles/<id:cycle_id>/shortages", "GET",
       summary="What the cycle's deliveries lacked, in money to refund: each line short, and the fee of a "
               "delivery that brought nothing", response="List_Shortage", roles="hub_manager", tag=TAG)
def list_shortages(cycle_id: int) -> Response:
    return listed(shortages.list_shortages(db(), api_actor(), cycle_id), shortage_json)
