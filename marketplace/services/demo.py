"""The demo alliance: real Minnesota centers as members, invented vendors and people.

``seed_demo`` is idempotent: every row is looked up by a natural key first, so running it
twice adds nothing. Later parts of the product add their own step to ``DEMO_STEPS``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.models import (
    Alliance,
    Organization,
    OrgKind,
    Role,
    SharePayment,
    Site,
    StripeAccount,
    User,
)
from marketplace.services.audit import record_event
from marketplace.services.catalog_demo import seed_catalog, seed_vendor_offers
from marketplace.services.cycles_demo import seed_needs
from marketplace.services.demo_cycles import seed_cycles
from marketplace.services.passwords import hash_password
from marketplace.services.payments import seed_hub_fee

ALLIANCE_NAME = "Scott-Rice Child Care Alliance"
PASSWORDS = {Role.HUB_MANAGER: "hub-demo-pass", Role.DIRECTOR: "director-demo-pass",
             Role.VENDOR: "vendor-demo-pass"}
VENDORS = [  # invented suppliers; their offers come with the catalog
    ("North Star Dairy & Foods", "sales@northstar-foods.example.org", "Sam Okafor"),
    ("Prairie Clean Supply", "orders@prairie-clean.example.org", "Jordan Reyes"),
    ("Lakes Classroom Supply", "service@lakes-classroom.example.org", "Riley Chen"),
]
#: The demo's history starts this many days back: its prices and needs are in force from then, so
#: the cycles of the past weeks have them too.
HISTORY_DAYS = 90
_STOP = {"a", "the", "inc", "llc", "and", "of", "at", "center", "child", "care", "childcare",
         "daycare", "learning", "preschool", "school", "academy", "&"}


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    organization: str
    email: str
    password: str


@dataclass
class DemoContext:
    """What the steps share: the alliance, its hub manager and the logins to print."""

    session: Session
    alliance: Alliance
    hub_manager: User | None = None
    logins: list[DemoLogin] = field(default_factory=list)
    today: date = field(default_factory=lambda: utcnow().date())
    _hashes: dict[Role, str] = field(default_factory=dict)

    @property
    def history_from(self) -> date:
        """The first day of the demo's prices and recurring needs."""
        return self.today - timedelta(days=HISTORY_DAYS)

    def password_hash(self, role: Role) -> str:
        # One hash per demo password: Argon2 is slow on purpose, and these passwords are public.
        if role not in self._hashes:
            self._hashes[role] = hash_password(PASSWORDS[role])
        return self._hashes[role]


def seed_demo(session: Session) -> list[DemoLogin]:
    """Create whatever part of the demo alliance is missing; return every demo login."""
    alliance = session.scalar(select(Alliance).where(Alliance.name == ALLIANCE_NAME))
    if alliance is None:
        alliance = Alliance(name=ALLIANCE_NAME)
        session.add(alliance)
        session.flush()
    context = DemoContext(session, alliance)
    for step in DEMO_STEPS:
        step(context)
    session.commit()
    return context.logins


def knows_stripe(session: Session) -> bool:
    """Whether this database has met Stripe (a payment begun, a vendor's Connect account): the
    demo keeps its Stripe emulator's state for it; a database that has not starts it afresh."""
    return bool(session.scalar(select(exists().where(SharePayment.id.isnot(None))))
                or session.scalar(select(exists().where(StripeAccount.id.isnot(None)))))


def demo_centers() -> list[dict[str, str]]:
    """The rows of ``seed/demo_centers.csv`` (see seed/SOURCES.md)."""
    text = resources.files("marketplace.seed").joinpath("demo_centers.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def email_slug(name: str) -> str:
    words = [w for w in re.sub(r"[^a-z0-9& ]", "", name.lower()).split() if w not in _STOP]
    return "-".join(words[:2]) or "member"


def _organization(context: DemoContext, kind: OrgKind, name: str) -> Organization:
    session = context.session
    org = session.scalar(select(Organization).where(Organization.alliance_id == context.alliance.id,
                                                    Organization.name == name))
    if org is None:
        org = Organization(alliance_id=context.alliance.id, kind=kind, name=name)
        session.add(org)
        session.flush()
        record_event(session, context.hub_manager, "organization.created", org,
                     alliance_id=context.alliance.id, after={"name": name, "kind": kind.value})
    return org


def _user(context: DemoContext, org: Organization, role: Role, email: str, name: str) -> User:
    user = context.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(organization=org, role=role, email=email, name=name,
                    password_hash=context.password_hash(role))
        context.session.add(user)
        context.session.flush()
    context.logins.append(DemoLogin(role, org.name, email, PASSWORDS[role]))
    return user


def seed_hub(context: DemoContext) -> None:
    hub = _organization(context, OrgKind.HUB, "Scott-Rice Alliance Hub")
    context.hub_manager = _user(context, hub, Role.HUB_MANAGER, "hub@example.org", "Morgan Lee")


def seed_members(context: DemoContext) -> None:
    """One member per operator in demo_centers.csv, each center a site, region = ZIP code."""
    session = context.session
    known = set(session.scalars(select(Site.license_number).join(Site.organization)
                                .where(Organization.alliance_id == context.alliance.id)))
    rows = demo_centers()
    per_member: dict[str, int] = {}
    for row in rows:
        per_member[row["member"]] = per_member.get(row["member"], 0) + 1
    for row in rows:
        member = _organization(context, OrgKind.MEMBER, row["member"])
        if not any(login.organization == member.name for login in context.logins):
            _user(context, member, Role.DIRECTOR, f"director.{email_slug(member.name)}@example.org",
                  f"Director, {member.name}")
        if row["license_number"] in known:
            continue
        name = row["name"] if per_member[row["member"]] == 1 else f"{row['name']} ({row['city']})"
        session.add(Site(organization=member, name=name, city=row["city"], zip_code=row["zip"],
                         region_code=row["zip"], licensed_capacity=int(row["capacity"]),
                         license_number=row["license_number"]))
    session.flush()


def seed_vendors(context: DemoContext) -> None:
    for name, email, person in VENDORS:
        vendor = _organization(context, OrgKind.VENDOR, name)
        _user(context, vendor, Role.VENDOR, email, person)


#: Each step gets the shared context; add catalog, cycles and payments steps after these.
DEMO_STEPS: list[Callable[[DemoContext], None]] = [seed_hub, seed_members, seed_vendors,
                                                    seed_catalog, seed_vendor_offers, seed_needs, seed_cycles,
                                                    seed_hub_fee]
