"""The hub invites members and vendors; invitees set their own password from the link."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.errors import ConflictError, InvalidTokenError, ValidationError
from marketplace.models import (
    ROLE_FOR_KIND,
    Invitation,
    Organization,
    OrgKind,
    Role,
    User,
    normalise_email,
)
from marketplace.services import passwords
from marketplace.services.audit import record_event, snapshot
from marketplace.services.scope import get_scoped, require_role, scoped_select
from marketplace.services.tokens import TokenSigner


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation and the token of its link (shown once, never stored)."""

    invitation: Invitation
    token: str


def invite_organization(session: Session, actor: User, signer: TokenSigner, *, kind: OrgKind,
                        organization_name: str, email: str, name: str) -> IssuedInvitation:
    """Create a member or vendor organization and invite its first user (hub only)."""
    require_role(actor, Role.HUB_MANAGER)
    if kind not in (OrgKind.MEMBER, OrgKind.VENDOR):
        raise ValidationError(field_errors={"kind": "Choose a member or a vendor."})
    organization_name = organization_name.strip()
    errors = _invitee_errors(session, email, name)
    if not organization_name:
        errors["organization_name"] = "Enter the organization's name."
    taken = session.scalar(select(Organization.id).where(
        Organization.alliance_id == actor.alliance_id, Organization.name == organization_name))
    if taken is not None:
        errors["organization_name"] = "An organization with this name is already in the alliance."
    if errors:
        raise ValidationError(field_errors=errors)
    organization = Organization(alliance_id=actor.alliance_id, kind=kind, name=organization_name)
    session.add(organization)
    session.flush()
    record_event(session, actor, "organization.created", organization, alliance_id=actor.alliance_id,
                 after=snapshot(organization, ["name", "kind"]))
    return _issue(session, actor, signer, organization, email, name)


def invite_user(session: Session, actor: User, signer: TokenSigner, organization_id: int, *,
                email: str, name: str) -> IssuedInvitation:
    """Invite one more user into an existing organization of the alliance (hub only)."""
    organization = get_scoped(session, actor, Organization, organization_id)
    require_role(actor, Role.HUB_MANAGER)
    errors = _invitee_errors(session, email, name)
    if errors:
        raise ValidationError(field_errors=errors)
    return _issue(session, actor, signer, organization, email, name)


def resend_invitation(session: Session, actor: User, signer: TokenSigner, invitation_id: int) -> IssuedInvitation:
    """A new link (older links stop working) with a new expiry date."""
    invitation = get_scoped(session, actor, Invitation, invitation_id)
    require_role(actor, Role.HUB_MANAGER)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ConflictError("This invitation was already accepted or revoked.")
    invitation.nonce = secrets.token_urlsafe(16)
    invitation.expires_at = utcnow() + timedelta(seconds=signer.max_age_s)
    record_event(session, actor, "invitation.resent", invitation, alliance_id=actor.alliance_id)
    session.commit()
    return IssuedInvitation(invitation, signer.sign_invitation(invitation.id, invitation.nonce))


def revoke_invitation(session: Session, actor: User, invitation_id: int) -> Invitation:
    invitation = get_scoped(session, actor, Invitation, invitation_id)
    require_role(actor, Role.HUB_MANAGER)
    if invitation.accepted_at is not None:
        raise ConflictError("This invitation was already accepted.")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record_event(session, actor, "invitation.revoked", invitation, alliance_id=actor.alliance_id)
    session.commit()
    return invitation


def list_invitations(session: Session, actor: User) -> list[Invitation]:
    require_role(actor, Role.HUB_MANAGER)
    query = scoped_select(actor, Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc())
    return list(session.scalars(query))


def read_invitation(session: Session, signer: TokenSigner, token: str) -> Invitation:
    """The pending invitation of a link; :class:`InvalidTokenError` for anything else."""
    invitation_id, nonce = signer.read_invitation(token)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or not hmac.compare_digest(invitation.nonce, nonce):
        raise InvalidTokenError("This invitation link is no longer valid. Ask your hub manager for a new one.")
    status = invitation.status(utcnow())
    if status == "accepted":
        raise InvalidTokenError("This invitation was already used. Log in with your email and password.")
    if status != "pending":
        raise InvalidTokenError(f"This invitation was {status}. Ask your hub manager for a new one.")
    return invitation


def accept_invitation(session: Session, signer: TokenSigner, token: str, *, name: str,
                      password: str, password_confirm: str) -> User:
    """Create the invitee's account with the password they chose."""
    invitation = read_invitation(session, signer, token)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter your name."
    problem = passwords.check_password(password, invitation.email)
    if problem:
        errors["password"] = problem
    elif password != password_confirm:
        errors["password_confirm"] = "The two passwords do not match."  # noqa: S105 (a message)
    if errors:
        raise ValidationError(field_errors=errors)
    if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise ConflictError("An account with this email already exists. Log in instead.")
    user = User(organization=invitation.organization, email=invitation.email, name=name.strip(),
                role=invitation.role, password_hash=passwords.hash_password(password))
    session.add(user)
    invitation.accepted_at = utcnow()
    session.flush()
    invitation.user_id = user.id
    record_event(session, user, "invitation.accepted", invitation,
                 alliance_id=invitation.organization.alliance_id, after=snapshot(user, ["email", "role"]))
    session.commit()
    return user


def _invitee_errors(session: Session, email: str, name: str) -> dict[str, str]:
    errors = {"name": "Enter the person's name."} if not name.strip() else {}
    return errors | _email_errors(session, email)


def _email_errors(session: Session, email: str) -> dict[str, str]:
    try:
        email = normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError:
        return {"email": "Enter a valid email address, like name@example.org."}
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        return {"email": "Someone already has an account with this email."}
    pending = session.scalar(select(Invitation.id).where(
        Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow()))
    if pending is not None:
        return {"email": "This email already has a pending invitation; resend or revoke it first."}
    return {}


def _issue(session: Session, actor: User, signer: TokenSigner, organization: Organization,
           email: str, name: str) -> IssuedInvitation:
    invitation = Invitation(
        organization=organization, email=email, name=name.strip(), role=ROLE_FOR_KIND[organization.kind],
        nonce=secrets.token_urlsafe(16), invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(seconds=signer.max_age_s))
    session.add(invitation)
    session.flush()
    record_event(session, actor, "invitation.created", invitation, alliance_id=actor.alliance_id,
                 after=snapshot(invitation, ["email", "role", "organization_id"]))
    session.commit()
    return IssuedInvitation(invitation, signer.sign_invitation(invitation.id, invitation.nonce))
