"""Reading the alliance's organizations and switching them on or off."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.errors import NotFoundError, PermissionDeniedError
from marketplace.models import Organization, OrgKind, Role, Site, User
from marketplace.services.audit import record_event, snapshot
from marketplace.services.scope import get_scoped, require_role, scoped_select


@dataclass(frozen=True)
class OrganizationSummary:
    organization: Organization
    users: int
    sites: int
    capacity: int


def list_organizations(session: Session, actor: User, *, kind: OrgKind | None = None,
                       search: str = "") -> list[OrganizationSummary]:
    """Organizations ``actor`` may see with their user and active-site counts."""
    users = (select(User.organization_id, func.count(User.id).label("n"))
             .group_by(User.organization_id).subquery())
    sites = (select(Site.organization_id, func.count(Site.id).label("n"),
                    func.sum(Site.licensed_capacity).label("capacity"))
             .where(Site.active.is_(True)).group_by(Site.organization_id).subquery())
    query = (scoped_select(actor, Organization)
             .add_columns(func.coalesce(users.c.n, 0), func.coalesce(sites.c.n, 0),
                          func.coalesce(sites.c.capacity, 0))
             .outerjoin(users, users.c.organization_id == Organization.id)
             .outerjoin(sites, sites.c.organization_id == Organization.id)
             .order_by(Organization.kind, Organization.name))
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if search.strip():
        query = query.where(func.lower(Organization.name).like(f"%{search.strip().lower()}%"))
    return [OrganizationSummary(org, n_users, n_sites, int(capacity))
            for org, n_users, n_sites, capacity in session.execute(query)]


def get_organization(session: Session, actor: User, organization_id: int) -> Organization:
    """One organization of ``actor``'s scope (its users and sites load with it)."""
    query = scoped_select(actor, Organization, Organization.id == organization_id).options(
        selectinload(Organization.users), selectinload(Organization.sites))
    organization = session.scalar(query)
    if organization is None:
        raise NotFoundError()
    return organization


def set_organization_active(session: Session, actor: User, organization_id: int, active: bool) -> Organization:
    """Switch a member or vendor off (its users can no longer log in) or back on; hub only."""
    organization = get_scoped(session, actor, Organization, organization_id)
    require_role(actor, Role.HUB_MANAGER)
    if organization.kind is OrgKind.HUB:
        raise PermissionDeniedError("The hub organization cannot be deactivated.")
    if organization.active != active:
        before = snapshot(organization, ["active"])
        organization.active = active
        record_event(session, actor, "organization.activated" if active else "organization.deactivated",
                     organization, alliance_id=actor.alliance_id, before=before,
                     after=snapshot(organization, ["active"]))
    session.commit()
    return organization
