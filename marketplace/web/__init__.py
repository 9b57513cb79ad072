"""The web layer: one blueprint per module, thin views, templates/<blueprint>/."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from marketplace.web import (
    account,
    api,
    api_tokens,
    approvals,
    audit,
    auth,
    catalog,
    cycles,
    dashboard,
    health,
    invitations,
    needs,
    notifications,
    organizations,
    payments,
    plans,
    price_sheets,
    purchase_orders,
    reports,
    runs,
    sites,
    vendors,
)

BLUEPRINTS = [
    auth.bp,
    dashboard.bp,
    organizations.bp,
    invitations.bp,
    sites.bp,
    account.bp,
    audit.bp,
    health.bp,
    catalog.bp,
    price_sheets.bp,
    vendors.bp,
    needs.bp,
    cycles.bp,
    runs.bp,
    notifications.bp,
    reports.bp,
    api_tokens.bp,
    api.bp,
    plans.bp,
    approvals.bp,
    purchase_orders.bp,
    payments.bp,
    # Later modules add their blueprint here (catalog, cycles, payments...).
]


class IdConverter(IntegerConverter):
    """``<id:name>``: a database id, 1 to 2**31 - 1 (anything else is a 404, not a database error)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
