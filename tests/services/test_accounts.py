from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from marketplace.errors import AuthenticationError, ConflictError, ValidationError
from marketplace.models import LoginSession, Role, User
from marketplace.services import accounts, passwords
from tests.factories import PASSWORD


def test_log_in_opens_a_session_that_loads_the_user(session, world):
    result = accounts.log_in(session, "  DX-Secret@Example.org ", PASSWORD, lifetime_s=3600)
    assert result.user.id == world.dx.id and world.dx.last_login_at is not None
    assert accounts.load_session_user(session, world.dx.id, result.session_token).id == world.dx.id
    assert accounts.load_session_user(session, world.dy.id, result.session_token) is None
    assert accounts.load_session_user(session, world.dx.id, "made-up") is None
    stored = session.scalars(select(LoginSession.token_hash)).all()
    assert result.session_token not in stored  # only its hash is kept


def test_expired_login_session_does_not_load(session, world):
    result = accounts.log_in(session, world.dx.email, PASSWORD, lifetime_s=-1)
    assert accounts.load_session_user(session, world.dx.id, result.session_token) is None


def test_wrong_password_and_inactive_user(session, world):
    with pytest.raises(AuthenticationError):
        accounts.log_in(session, world.dx.email, "wrong-password", lifetime_s=60)
    world.dx.active = False
    session.flush()
    with pytest.raises(AuthenticationError, match="not active"):
        accounts.log_in(session, world.dx.email, PASSWORD, lifetime_s=60)


def test_weak_hashes_are_upgraded_at_login(session, world):
    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    world.dx.password_hash = old
    session.flush()
    accounts.log_in(session, world.dx.email, PASSWORD, lifetime_s=60)
    assert world.dx.password_hash != old
    assert world.dx.password_hash.startswith("$argon2id$")
    assert passwords.verify_password(world.dx.password_hash, PASSWORD)


def test_password_policy():
    assert passwords.check_password("short") is not None
    assert passwords.check_password("aaaaaaaaaaaaaaa") is not None
    assert passwords.check_password("me@example.org", "me@example.org") is not None
    assert passwords.check_password("plenty-long-and-fine") is None
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not-a-hash", "anything")


def test_create_hub_manager_makes_the_alliance_and_refuses_duplicates(session):
    user = accounts.create_hub_manager(session, alliance_name="Lane County Alliance", email="Hub@Lane.example.org",
                                       name="Hub", password="lane-county-hub")
    assert user.role is Role.HUB_MANAGER and user.email == "hub@lane.example.org"
    assert user.organization.alliance.name == "Lane County Alliance"
    second = accounts.create_hub_manager(session, alliance_name="Lane County Alliance",
                                         email="hub2@lane.example.org", name="Hub 2", password="lane-county-hub")
    assert second.organization_id == user.organization_id
    with pytest.raises(ConflictError):
        accounts.create_hub_manager(session, alliance_name="X", email="HUB@lane.example.org", name="H",
                                    password="lane-county-hub")
    with pytest.raises(ValidationError):
        accounts.create_hub_manager(session, alliance_name="X", email="new@lane.example.org", name="H",
                                    password="short")


def test_email_is_unique_whatever_its_case(session, world):
    from sqlalchemy.exc import IntegrityError

    session.add(User(organization=world.member_y, email="DY@EXAMPLE.ORG", name="Dup", role=Role.DIRECTOR))
    with pytest.raises(IntegrityError):
        session.flush()
