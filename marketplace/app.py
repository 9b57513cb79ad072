"""The application factory: ``create_app`` reads as the table of contents of the app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from marketplace import db, jobs
from marketplace.config import Config
from marketplace.models import Role
from marketplace.payments.gateway import make_gateway
from marketplace.services.mail import Mailer
from marketplace.services.tokens import TokenSigner
from marketplace.web import register_blueprints
from marketplace.web.errors import register_errors
from marketplace.web.formatting import TEMPLATE_FILTERS, TEMPLATE_GLOBALS
from marketplace.web.security import register_security


def create_app(config: Config | Mapping[str, Any] | None = None, *,
               session_factory: Callable[[], Session] | None = None) -> Flask:
    """Build the app. ``config`` is a :class:`Config`, or overrides of the environment's settings;
    ``session_factory`` replaces the database sessions (tests bind them to one transaction)."""
    config = _resolve(config)
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    register_config(app, config)
    register_database(app, config, session_factory)
    register_security(app, config)
    register_services(app, config)
    register_blueprints(app)
    register_errors(app)
    register_templates(app)
    return app


def _resolve(config: Config | Mapping[str, Any] | None) -> Config:
    if isinstance(config, Config):
        return config.checked()
    return Config.from_env(**dict(config or {}))


def register_config(app: Flask, config: Config) -> None:
    app.config.from_mapping(config.flask_settings())
    app.extensions["sharedbuy.config"] = config


def register_database(app: Flask, config: Config, session_factory: Callable[[], Session] | None) -> None:
    database = db.Database(db.make_engine(config.database_url), session_factory)
    db.init_app(app, database)
    # Looked up at each job, so a replaced factory (tests) is the one jobs use too.
    jobs.register_database(config.database_url, lambda: database.session_factory())


def register_services(app: Flask, config: Config) -> None:
    app.extensions["sharedbuy.tokens"] = TokenSigner(config.secret_key, config.invitation_max_age_s)
    app.extensions["sharedbuy.mailer"] = Mailer(
        host=config.smtp_host, port=config.smtp_port, user=config.smtp_user, password=config.smtp_password,
        sender=config.smtp_from, starttls=config.smtp_starttls)
    app.extensions["sharedbuy.jobs"] = jobs.make_queue(config)
    app.extensions["sharedbuy.payments"] = make_gateway(config.stripe_api_key, config.stripe_api_base,
                                                       config.stripe_webhook_secret)


def register_templates(app: Flask) -> None:
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
    app.jinja_env.globals.update(Role=Role, product_name="SharedBuy",
                                 is_development=app.extensions["sharedbuy.config"].env == "development")
    app.jinja_env.filters["when"] = lambda value: value.strftime("%b %d, %Y %H:%M UTC") if value else ""
    app.jinja_env.filters["day"] = lambda value: value.strftime("%b %d, %Y") if value else ""
