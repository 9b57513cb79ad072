"""The notification list, the bell in the navigation, and the emails after commit."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from marketplace import jobs
from marketplace.services import notifications
from marketplace.services.mail import Mailer
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, db, page_number

bp = Blueprint("notifications", __name__)
log = logging.getLogger(__name__)


@bp.get("/notifications")
@login_required
def index() -> str:
    unread_only = request.args.get("unread") == "1"
    page = notifications.list_notifications(db(), actor(), page=page_number(), unread_only=unread_only)
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           kinds=notifications.KINDS, confirm=ConfirmForm(), unread=_unread_notifications())


@bp.post("/notifications/<id:notification_id>/open")
@login_required
def open_(notification_id: int) -> Response:
    notification = notifications.mark_read(db(), actor(), notification_id)
    return redirect(notifications.safe_link(notification) or url_for("notifications.index"))


@bp.post("/notifications/<id:notification_id>/read")
@login_required
def read(notification_id: int) -> Response:
    notifications.mark_read(db(), actor(), notification_id)
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all() -> Response:
    count = notifications.mark_all_read(db(), actor())
    flash(f"{count} notification{'' if count == 1 else 's'} marked as read." if count
          else "Nothing was unread.", "success")
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    return {"unread_notifications": _unread_notifications}


def _unread_notifications() -> int:
    """The bell's number for the logged-in user: read with the login at the start of the
    request when it can be (0 when the database cannot say: the page still renders, e.g. the
    error page after a failed transaction)."""
    if not current_user.is_authenticated:
        return 0
    if g.get("unread_notifications") is not None:
        return g.unread_notifications
    try:
        return notifications.unread_count(db(), actor())
    except SQLAlchemyError:
        log.warning("could not count unread notifications", exc_info=True)
        return 0


# ---------------------------------------------------------------- emails

@bp.record_once
def _register_email_sender(state: BlueprintSetupState) -> None:
    register_email_sender(state.app)


def register_email_sender(app: Flask) -> None:
    """Make ``app`` the one that emails the notifications committed on its database."""
    config = app.extensions["sharedbuy.config"]
    notifications.register_email_sender(config.database_url, lambda ids: queue_emails(app, ids))


def queue_emails(app: Flask, notification_ids: list[int]) -> jobs.JobHandle | None:
    """After a commit: hand the new notifications' emails to the job queue (when SMTP is on)."""
    mailer: Mailer = app.extensions["sharedbuy.mailer"]
    if not mailer.enabled:
        return None
    config = app.extensions["sharedbuy.config"]
    base_url = request.url_root if has_request_context() else None
    queue = app.extensions["sharedbuy.jobs"]
    if isinstance(queue, jobs.RedisQueue):
        return queue.enqueue(jobs.send_notification_emails, config.database_url, notification_ids, base_url)
    return queue.enqueue(_send_in_process, mailer, config.database_url, notification_ids, base_url)


def _send_in_process(mailer: Mailer, database_url: str, notification_ids: list[int],
                     base_url: str | None) -> int:
    with jobs.job_session(database_url) as session:
        return notifications.email_notifications(session, mailer, notification_ids, base_url=base_url)
