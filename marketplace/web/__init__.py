"""The web layer: one blueprint per module, thin views, templates/<blueprint>/."""

from __future__ import annotations

from flask import Flask

from marketplace.web import (
    account,
    audit,
    auth,
    dashboard,
    health,
    invitations,
    organizations,
    sites,
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
    # Later modules add their blueprint here (catalog, cycles, payments...).
]


def register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
