"""API tokens on the account page: make one (its secret shown once), revoke one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from marketplace.errors import ConflictError, ValidationError
from marketplace.services import api_tokens
from marketplace.web.forms import ChangePasswordForm, ConfirmForm, Form
from marketplace.web.helpers import actor, apply_errors, db

bp = Blueprint("api_tokens", __name__)


class ApiTokenForm(Form):
    name = StringField("What is it for?", validators=[
        DataRequired(message="Enter a name that says what the token is for."),
        Length(max=api_tokens.MAX_NAME, message=f"Use at most {api_tokens.MAX_NAME} characters.")])


def account_context(token_form: ApiTokenForm | None = None) -> dict[str, object]:
    """What the account page needs for its API-token section."""
    return {"tokens": api_tokens.list_tokens(db(), actor()), "token_form": token_form or ApiTokenForm(),
            "confirm": ConfirmForm()}


@bp.post("/account/tokens")
@login_required
def create() -> tuple[str, int]:
    form = ApiTokenForm()
    issued = None
    if form.validate_on_submit():
        try:
            issued = api_tokens.create_token(db(), actor(), form.name.data)
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            form.form_errors.append(error.message)
    # The secret is shown in this response only (never stored in the session or a redirect).
    context = account_context(ApiTokenForm(formdata=None) if issued else form)
    return render_template("account/index.html", form=ChangePasswordForm(formdata=None), issued=issued,
                           **context), 200 if issued else 422


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    token = api_tokens.revoke_token(db(), actor(), token_id)
    flash(f"The token \u201c{token.name}\u201d ({token.prefix}\u2026) is revoked: it no longer works.", "success")
    return redirect(url_for("account.index") + "#api-tokens")
