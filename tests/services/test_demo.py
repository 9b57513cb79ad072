from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from marketplace.models import Organization, OrgKind, Role, Site, User
from marketplace.services import accounts
from marketplace.services.demo import PASSWORDS, demo_centers, seed_demo

REFERENCE = Path(__file__).resolve().parents[2] / "catalog" / "reference" / "mn_child_care_centers_2023.csv"


def counts(session):
    return (session.scalar(select(func.count(Organization.id))), session.scalar(select(func.count(User.id))),
            session.scalar(select(func.count(Site.id))))


def test_demo_is_built_from_the_real_centers_and_is_idempotent(session):
    logins = seed_demo(session)
    first = counts(session)
    again = seed_demo(session)
    assert counts(session) == first
    assert again == logins
    roles = Counter(login.role for login in logins)
    assert roles[Role.HUB_MANAGER] == 1 and roles[Role.VENDOR] == 3 and roles[Role.DIRECTOR] >= 25
    assert len({login.email for login in logins}) == len(logins)
    sites = session.scalars(select(Site)).all()
    assert len(sites) == len(demo_centers()) >= 40
    multi = session.scalars(select(Organization).where(Organization.name == "New Horizon Academy")).one()
    assert len(multi.sites) == 3 and multi.kind is OrgKind.MEMBER


def test_demo_rows_are_copied_unchanged_from_the_reference_file():
    with REFERENCE.open(encoding="utf-8") as file:
        reference = {row["license_number"]: row for row in csv.DictReader(file)}
    for row in demo_centers():
        original = reference[row["license_number"]]
        assert {k: v for k, v in row.items() if k != "member"} == original
        assert original["county"] in ("Scott", "Rice")


def test_every_demo_login_works(session):
    for login in seed_demo(session):
        assert PASSWORDS[login.role] == login.password
        result = accounts.log_in(session, login.email, login.password, lifetime_s=60)
        assert result.user.organization.name == login.organization
