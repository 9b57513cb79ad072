"""A health check for load balancers and the process supervisor."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from marketplace.services.health import check_database
from marketplace.web.helpers import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def index() -> Response:
    return jsonify(status="ok", database=check_database(db()))
