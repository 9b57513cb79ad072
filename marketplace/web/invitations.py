"""The hub invites members and vendors."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from marketplace.db import utcnow
from marketplace.errors import ValidationError
from marketplace.models import OrgKind, Role
from marketplace.services import invitations
from marketplace.services.invitations import IssuedInvitation
from marketplace.services.mail import Mailer
from marketplace.services.scope import require_role
from marketplace.web.forms import ConfirmForm, InviteOrganizationForm
from marketplace.web.helpers import actor, apply_errors, db, mailer, signer

bp = Blueprint("invitations", __name__)
_LINK_KEY = "last_invitation_link"


def announce(issued: IssuedInvitation, mail: Mailer) -> None:
    """Email the link when email is on; show it once to the hub manager in any case."""
    invitation = issued.invitation
    link = url_for("auth.accept_invitation", token=issued.token, _external=True)
    sent = mail.send(invitation.email, f"You are invited to {invitation.organization.alliance.name}",
                     f"Hello {invitation.name},\n\nYou are invited to join "
                     f"{invitation.organization.name} on SharedBuy. Choose your password here:\n\n"
                     f"{link}\n\nThe link expires on {invitation.expires_at:%B %d, %Y}.\n")
    session[_LINK_KEY] = {"email": invitation.email, "link": link, "sent": sent}
    flash(f"Invitation created for {invitation.email}.", "success")


@bp.get("/invitations")
@login_required
def index() -> str:
    rows = invitations.list_invitations(db(), actor())
    last = session.pop(_LINK_KEY, None)
    return render_template("invitations/index.html", rows=rows, last=last, confirm=ConfirmForm(), now=utcnow())


@bp.route("/invitations/new/<any(member, vendor):kind>", methods=["GET", "POST"])
@login_required
def new(kind: str) -> Response | tuple[str, int] | str:
    require_role(actor(), Role.HUB_MANAGER)
    form = InviteOrganizationForm()
    if form.validate_on_submit():
        try:
            issued = invitations.invite_organization(
                db(), actor(), signer(), kind=OrgKind(kind), organization_name=form.organization_name.data,
                email=form.email.data, name=form.name.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            announce(issued, mailer())
            return redirect(url_for("invitations.index"))
    status = 422 if form.errors else 200
    return render_template("invitations/new.html", form=form, kind=kind), status


@bp.post("/invitations/<id:invitation_id>/resend")
@login_required
def resend(invitation_id: int) -> Response:
    issued = invitations.resend_invitation(db(), actor(), signer(), invitation_id)
    announce(issued, mailer())
    return redirect(url_for("invitations.index"))


@bp.post("/invitations/<id:invitation_id>/revoke")
@login_required
def revoke(invitation_id: int) -> Response:
    invitation = invitations.revoke_invitation(db(), actor(), invitation_id)
    flash(f"The invitation for {invitation.email} was revoked; its link no longer works.", "success")
    return redirect(url_for("invitations.index"))
