"""Logging in and out, and accepting an invitation."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    InvalidTokenError,
    ValidationError,
)
from marketplace.services import accounts, invitations
from marketplace.web.forms import AcceptInvitationForm, LoginForm
from marketplace.web.helpers import apply_errors, db, is_safe_next, signer
from marketplace.web.security import SESSION_KEY

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    throttle = current_app.extensions["sharedbuy.login_throttle"]
    address = request.remote_addr or "unknown"
    if throttle.blocked(address, form.email.data):
        form.form_errors.append("Too many failed attempts. Wait 15 minutes, then try again.")
        return render_template("auth/login.html", form=form), 429
    try:
        result = accounts.log_in(db(), form.email.data, form.password.data,
                                 lifetime_s=int(current_app.permanent_session_lifetime.total_seconds()))
    except AuthenticationError as error:
        throttle.failed(address, form.email.data)
        form.form_errors.append(error.message)
        return render_template("auth/login.html", form=form), 401
    throttle.succeeded(address, form.email.data)
    _start_session(result)
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("dashboard.index"))


def _start_session(result: accounts.LoggedIn) -> None:
    # A brand-new session: nothing from before the login survives (no session fixation).
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = result.session_token
    login_user(result.user)


@bp.post("/logout")
@login_required
def logout() -> Response:
    accounts.log_out(db(), session.get(SESSION_KEY))
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitations/accept/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return render_template("auth/logged_in_already.html"), 409
    try:
        invitation = invitations.read_invitation(db(), signer(), token)
    except InvalidTokenError as error:
        return render_template("auth/invalid_link.html", message=error.message), 400
    form = AcceptInvitationForm(name=invitation.name)
    if form.validate_on_submit():
        try:
            invitations.accept_invitation(db(), signer(), token, name=form.name.data,
                                          password=form.password.data,
                                          password_confirm=form.password_confirm.data)
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:
            form.form_errors.append(error.message)
        else:
            flash("Your account is ready. Log in with your email and the password you chose.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation), status
