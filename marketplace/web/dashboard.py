"""Each role's home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from marketplace.services.dashboards import get_overview
from marketplace.web.helpers import actor, db

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index() -> str:
    user = actor()
    overview = get_overview(db(), user)
    return render_template(f"dashboard/{user.role.value}.html", overview=overview)
