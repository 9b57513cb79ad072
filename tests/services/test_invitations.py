from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.db import utcnow
from marketplace.errors import (
    ConflictError,
    InvalidTokenError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.models import AuditEvent, OrgKind, User
from marketplace.services import invitations
from marketplace.services.tokens import TokenSigner


def accept(session, world, token, password="a-good-password"):
    return invitations.accept_invitation(session, world.signer, token, name="New Person",
                                         password=password, password_confirm=password)


def test_accepting_creates_the_user_once(session, world):
    user = accept(session, world, world.invitation.token)
    assert (user.email, user.role.value, user.organization_id) == (
        "invitee-secret@example.org", "director", world.member_x.id)
    assert world.invitation.invitation.accepted_at is not None
    with pytest.raises(InvalidTokenError, match="already used"):
        accept(session, world, world.invitation.token)


def test_forged_and_foreign_tokens_are_refused(session, world):
    with pytest.raises(InvalidTokenError):
        accept(session, world, world.invitation.token[:-2] + "xx")
    other_app = TokenSigner("another-secret-key-of-another-installation", 3600)
    forged = other_app.sign_invitation(world.invitation.invitation.id, world.invitation.invitation.nonce)
    with pytest.raises(InvalidTokenError):
        accept(session, world, forged)
    wrong_nonce = world.signer.sign_invitation(world.invitation.invitation.id, "guessed")
    with pytest.raises(InvalidTokenError):
        accept(session, world, wrong_nonce)


def test_expired_invitation_is_refused(session, world):
    world.invitation.invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    with pytest.raises(InvalidTokenError, match="expired"):
        accept(session, world, world.invitation.token)


def test_signature_older_than_max_age_is_refused(session, world, monkeypatch):
    import itsdangerous.timed

    real_now = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real_now(self) + 8 * 24 * 3600)
    with pytest.raises(InvalidTokenError, match="expired"):
        accept(session, world, world.invitation.token)


def test_weak_password_is_refused_and_nothing_is_created(session, world):
    with pytest.raises(ValidationError) as error:
        accept(session, world, world.invitation.token, password="short")
    assert "password" in error.value.field_errors
    assert session.scalar(select(User).where(User.email == "invitee-secret@example.org")) is None


def test_only_the_hub_invites(session, world):
    with pytest.raises(PermissionDeniedError):
        invitations.invite_organization(session, world.dx, world.signer, kind=OrgKind.MEMBER,
                                        organization_name="Mine", email="m@example.org", name="M")


def test_a_hub_cannot_invite_into_another_alliance(session, world):
    from marketplace.errors import NotFoundError

    with pytest.raises(NotFoundError):
        invitations.invite_user(session, world.other_hub, world.signer, world.member_x.id,
                                email="spy@example.org", name="Spy")


def test_invitations_are_audited(session, world):
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.alliance_id == world.hub.alliance_id))
    assert "invitation.created" in set(actions)
    accept(session, world, world.invitation.token)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.accepted")) is not None


def test_revoked_invitation_cannot_be_resent(session, world):
    invitations.revoke_invitation(session, world.hub, world.invitation.invitation.id)
    with pytest.raises(ConflictError):
        invitations.resend_invitation(session, world.hub, world.signer, world.invitation.invitation.id)
