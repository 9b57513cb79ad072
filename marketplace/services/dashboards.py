"""What each role's home page shows."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.models import AuditEvent, Invitation, Organization, OrgKind, Role, Site, User
from marketplace.services.audit import list_events
from marketplace.services.scope import scoped_select, visible


@dataclass(frozen=True)
class Overview:
    """Counts and lists for one user's dashboard."""

    organization: Organization
    members: int = 0
    vendors: int = 0
    sites: int = 0
    capacity: int = 0
    regions: list[str] = field(default_factory=list)
    pending_invitations: int = 0
    own_sites: list[Site] = field(default_factory=list)
    colleagues: list[User] = field(default_factory=list)
    recent_events: list[AuditEvent] = field(default_factory=list)


def get_overview(session: Session, actor: User) -> Overview:
    """The dashboard figures of ``actor``'s role, all within its scope."""
    site_filter = (visible(actor, Site), Site.active.is_(True))
    sites, capacity = session.execute(
        select(func.count(Site.id), func.coalesce(func.sum(Site.licensed_capacity), 0)).where(*site_filter)
    ).one()
    regions = list(session.scalars(select(Site.region_code).where(*site_filter).distinct().order_by(Site.region_code)))
    colleagues = list(session.scalars(scoped_select(actor, User, User.organization_id == actor.organization_id)
                                      .order_by(User.name)))
    base = Overview(organization=actor.organization, sites=sites, capacity=int(capacity),
                    regions=regions, colleagues=colleagues)
    if actor.role is Role.HUB_MANAGER:
        return _hub_overview(session, actor, base)
    if actor.role is Role.DIRECTOR:
        own = list(session.scalars(scoped_select(actor, Site, Site.active.is_(True)).order_by(Site.name)))
        return replace(base, own_sites=own)
    return base


def _hub_overview(session: Session, actor: User, base: Overview) -> Overview:
    counts = dict(session.execute(
        select(Organization.kind, func.count(Organization.id))
        .where(visible(actor, Organization), Organization.active.is_(True)).group_by(Organization.kind)).all())
    pending = session.scalar(select(func.count(Invitation.id)).where(
        visible(actor, Invitation), Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow()))
    return replace(base, members=counts.get(OrgKind.MEMBER, 0), vendors=counts.get(OrgKind.VENDOR, 0),
                   pending_invitations=pending or 0, recent_events=list_events(session, actor, limit=8))
