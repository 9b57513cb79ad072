"""Reports and notifications."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from marketplace.models import Role
from marketplace.services import notifications, reports, sales_reports
from marketplace.services.reports import SpendReport
from marketplace.services.sales_reports import SalesReport
from marketplace.web.api import serialize
from marketplace.web.api.base import api_actor, page_args, paged, route
from marketplace.web.helpers import db

money, pct = serialize.money, lambda v: None if v is None else str(v)


def spend_json(report: SpendReport) -> dict[str, Any]:
    return {
        "kind": "spend", "period": report.period.label, "year": report.period.year,
        "cycle_id": report.period.cycle.id if report.period.cycle else None,
        "scope": report.scope_label, "alliance": report.alliance_name,
        "cycles": [{"id": c.cycle.id, "name": c.cycle.name, "delivery_on": serialize.when(c.cycle.delivery_on),
                    **_figures(c), "standalone": money(c.standalone_cents),
                    "savings": money(c.savings_cents), "savings_percent": pct(c.savings_percent)}
                   for c in report.cycles],
        "totals": {**_figures(report), "standalone": money(report.standalone_cents),
                   "savings": money(report.savings_cents), "savings_percent": pct(report.savings_percent),
                   "goods": money(report.goods_cents), "fees": money(report.fees_cents),
                   "volume_discount": money(report.discount_cents), "adjustment": money(report.adjustment_cents),
                   "not_delivered": money(report.short_cents),
                   "sites": report.sites},
        "members": [{"id": m.member_id, "name": m.name, "cycles": m.cycles, **_figures(m),
                     "standalone": money(m.standalone_cents), "savings": money(m.savings_cents),
                     "savings_percent": pct(m.savings_percent)} for m in report.members],
        "categories": [_breakdown(c) for c in report.categories],
        "vendors": [_breakdown(v) for v in report.vendors],
    }


def _figures(row: Any) -> dict[str, Any]:
    """Charged, refunded for short deliveries, and spend (charged less refunded)."""
    return {"charged": money(row.charged_cents), "refunded": money(row.refund_cents), "spend": money(row.spend_cents)}


def _breakdown(row: Any) -> dict[str, Any]:
    return {"id": row.key, "name": row.name, "goods": money(row.goods_cents), "fees": money(row.fees_cents),
            "at_first_tier": money(row.base_cents), "volume_discount": money(row.discount_cents),
            "packs": row.packs, "not_delivered": money(row.short_cents)}


def sales_json(report: SalesReport) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {"id": r.key, "name": r.name, "packs": r.packs, "goods": money(r.goods_cents),
                "fees": money(r.fees_cents), "shortage": money(r.shortage_cents)}

    return {"kind": "sales", "period": report.label, "year": report.year,
            "cycle_id": report.cycle.id if report.cycle else None, "vendor": report.vendor_name,
            "totals": {"goods": money(report.goods_cents), "fees": money(report.fees_cents),
                       "total": money(report.total_cents), "shortage": money(report.shortage_cents)},
            "orders": [{**serialize.purchase_order(o), "shortage": money(report.shortages.get(o.id, 0))}
                       for o in report.orders],
            "customers": [row(c) for c in report.customers], "categories": [row(c) for c in report.categories]}


@route("/reports/cycles/<id:cycle_id>", "GET",
       summary="Spend and savings of one cycle (a director: the member's; a vendor: its sales)",
       response="Report", tag="Reports")
def cycle_report(cycle_id: int) -> Response:
    user = api_actor()
    if user.role is Role.VENDOR:
        return jsonify(sales_json(sales_reports.cycle_sales(db(), user, cycle_id)))
    return jsonify(spend_json(reports.cycle_report(db(), user, cycle_id)))


@route("/reports/years/<int(min=2000, max=2100):year>", "GET",
       summary="Spend and savings of the cycles delivering in one year (a vendor: its sales)",
       response="Report", tag="Reports")
def year_report(year: int) -> Response:
    user = api_actor()
    if user.role is Role.VENDOR:
        return jsonify(sales_json(sales_reports.year_sales(db(), user, year)))
    return jsonify(spend_json(reports.year_report(db(), user, year)))


@route("/notifications", "GET", summary="Your notifications, newest first", response="Page_Notification",
       query=[{"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["1"]}},
              {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
              {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
       tag="Notifications")
def list_notifications() -> Response:
    page, per_page = page_args()
    found = notifications.list_notifications(db(), api_actor(), page=page, per_page=per_page,
                                             unread_only=request.args.get("unread") == "1")
    return paged(found, serialize.notification)


@route("/notifications/<id:notification_id>/read", "POST", summary="Mark one notification read",
       response="Notification", tag="Notifications")
def read_notification(notification_id: int) -> Response:
    return jsonify(serialize.notification(notifications.mark_read(db(), api_actor(), notification_id)))


@route("/notifications/read-all", "POST", summary="Mark every notification read", response="ReadAll",
       tag="Notifications")
def read_all_notifications() -> Response:
    return jsonify(marked=notifications.mark_all_read(db(), api_actor()))
