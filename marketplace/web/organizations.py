"""The alliance's organizations and their people."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from marketplace.errors import ValidationError
from marketplace.models import OrgKind, Role
from marketplace.services import accounts, invitations, organizations
from marketplace.services.scope import require_role
from marketplace.web.forms import ConfirmForm, InviteUserForm
from marketplace.web.helpers import actor, apply_errors, db, mailer, search_text, signer
from marketplace.web.invitations import announce

bp = Blueprint("organizations", __name__)


@bp.get("/organizations")
@login_required
def index() -> str:
    kind_arg = request.args.get("kind", "")
    kind = OrgKind(kind_arg) if kind_arg in {k.value for k in OrgKind} else None
    search = search_text()
    rows = organizations.list_organizations(db(), actor(), kind=kind, search=search)
    return render_template("organizations/index.html", rows=rows, kind=kind, search=search)


@bp.get("/organizations/<id:organization_id>")
@login_required
def detail(organization_id: int) -> str:
    organization = organizations.get_organization(db(), actor(), organization_id)
    return render_template("organizations/detail.html", organization=organization, confirm=ConfirmForm())


@bp.route("/organizations/<id:organization_id>/invite", methods=["GET", "POST"])
@login_required
def invite_user(organization_id: int) -> Response | tuple[str, int] | str:
    organization = organizations.get_organization(db(), actor(), organization_id)
    require_role(actor(), Role.HUB_MANAGER)
    form = InviteUserForm()
    if form.validate_on_submit():
        try:
            issued = invitations.invite_user(db(), actor(), signer(), organization.id,
                                             email=form.email.data, name=form.name.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            announce(issued, mailer())
            return redirect(url_for("invitations.index"))
    status = 422 if form.errors else 200
    return render_template("organizations/invite_user.html", form=form, organization=organization), status


@bp.post("/organizations/<id:organization_id>/deactivate")
@login_required
def deactivate(organization_id: int) -> Response:
    return _set_active(organization_id, False)


@bp.post("/organizations/<id:organization_id>/reactivate")
@login_required
def reactivate(organization_id: int) -> Response:
    return _set_active(organization_id, True)


def _set_active(organization_id: int, active: bool) -> Response:
    organization = organizations.set_organization_active(db(), actor(), organization_id, active)
    flash(f"{organization.name} is {'active again' if active else 'deactivated: its users cannot log in'}.",
          "success")
    return redirect(url_for("organizations.detail", organization_id=organization.id))


@bp.post("/users/<id:user_id>/deactivate")
@login_required
def deactivate_user(user_id: int) -> Response:
    return _set_user_active(user_id, False)


@bp.post("/users/<id:user_id>/reactivate")
@login_required
def reactivate_user(user_id: int) -> Response:
    return _set_user_active(user_id, True)


def _set_user_active(user_id: int, active: bool) -> Response:
    user = accounts.set_user_active(db(), actor(), user_id, active)
    flash(f"{user.name} {'can log in again' if active else 'can no longer log in'}.", "success")
    return redirect(url_for("organizations.detail", organization_id=user.organization_id))
