"""The logged-in user's own account."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from marketplace.errors import ValidationError
from marketplace.services import accounts
from marketplace.web.api_tokens import account_context
from marketplace.web.forms import ChangePasswordForm
from marketplace.web.helpers import actor, apply_errors, db
from marketplace.web.security import SESSION_KEY

bp = Blueprint("account", __name__)


@bp.get("/account")
@login_required
def index() -> str:
    return render_template("account/index.html", form=ChangePasswordForm(), **account_context())


@bp.post("/account/password")
@login_required
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db(), actor(), form.current_password.data, form.new_password.data,
                                     keep_token=session.get(SESSION_KEY))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash("Your password was changed. Other browsers where you were logged in are logged out.",
                  "success")
            return redirect(url_for("account.index"))
    return render_template("account/index.html", form=form, **account_context()), 422
