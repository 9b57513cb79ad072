"""The alliance's activity log (hub only)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from marketplace.services.audit import list_events
from marketplace.web.helpers import actor, db, page_number

bp = Blueprint("audit", __name__)
PAGE_SIZE = 50


@bp.get("/activity")
@login_required
def index() -> str:
    page = page_number()
    events = list_events(db(), actor(), limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("audit/index.html", events=events[:PAGE_SIZE], page=page,
                           has_next=len(events) > PAGE_SIZE)
