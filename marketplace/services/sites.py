"""Member sites: directors keep them; the hub sees the alliance's."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlalchemy.orm import Session

from marketplace.errors import ValidationError
from marketplace.models import Organization, Role, Site, User
from marketplace.services.audit import record_event, snapshot
from marketplace.services.scope import get_scoped, require_role, scoped_select

MAX_CAPACITY = 2000
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_REGION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
_FIELDS = ["name", "address", "city", "zip_code", "region_code", "licensed_capacity", "active"]


@dataclass(frozen=True)
class SiteInput:
    """What a director types for a site. ``region_code`` defaults to the ZIP code."""

    name: str
    city: str
    zip_code: str
    licensed_capacity: int | None
    address: str = ""
    region_code: str = ""


def check_site_input(data: SiteInput) -> dict[str, str]:
    """Every problem with ``data``, by field name (empty when it is fine)."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "Enter the site's name."
    elif len(data.name.strip()) > 200:
        errors["name"] = "Use at most 200 characters."
    if not data.city.strip():
        errors["city"] = "Enter the city."
    if len(data.address) > 300:
        errors["address"] = "Use at most 300 characters."
    if not _ZIP.match(data.zip_code.strip()):
        errors["zip_code"] = "Enter a 5-digit ZIP code, like 55379 (or ZIP+4, like 55379-1234)."
    region = data.region_code.strip()
    if region and not _REGION.match(region):
        errors["region_code"] = "Use letters, digits and dashes only (at most 20), like 55379 or MN-SCOTT."
    capacity = data.licensed_capacity
    if capacity is None:
        errors["licensed_capacity"] = "Enter the licensed capacity as a whole number of children."
    elif not 0 < capacity <= MAX_CAPACITY:
        errors["licensed_capacity"] = f"Licensed capacity must be between 1 and {MAX_CAPACITY} children."
    return errors


def list_sites(session: Session, actor: User, *, search: str = "", include_inactive: bool = False) -> list[Site]:
    """The sites ``actor`` may see, by member then name."""
    query = scoped_select(actor, Site).join(Site.organization)
    if not include_inactive:
        query = query.where(Site.active.is_(True))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(Site.name).like(pattern), func.lower(Site.city).like(pattern),
                                Site.zip_code.like(pattern), func.lower(Organization.name).like(pattern)))
    return list(session.scalars(query.order_by(Organization.name, Site.name)))


def get_site(session: Session, actor: User, site_id: int) -> Site:
    return get_scoped(session, actor, Site, site_id)


def create_site(session: Session, actor: User, data: SiteInput) -> Site:
    """Add a site to the director's own member organization."""
    require_role(actor, Role.DIRECTOR)
    _raise_if_invalid(data)
    site = Site(organization_id=actor.organization_id)
    _apply(site, data)
    session.add(site)
    session.flush()
    record_event(session, actor, "site.created", site, alliance_id=actor.alliance_id,
                 after=snapshot(site, _FIELDS))
    session.commit()
    return site


def update_site(session: Session, actor: User, site_id: int, data: SiteInput) -> Site:
    site = get_scoped(session, actor, Site, site_id)
    require_role(actor, Role.DIRECTOR)
    _raise_if_invalid(data)
    before = snapshot(site, _FIELDS)
    _apply(site, data)
    session.flush()
    after = snapshot(site, _FIELDS)
    if after != before:
        record_event(session, actor, "site.updated", site, alliance_id=actor.alliance_id,
                     before=before, after=after)
    session.commit()
    return site


def set_site_active(session: Session, actor: User, site_id: int, active: bool) -> Site:
    """Deactivate a site (it keeps its history) or bring it back."""
    site = get_scoped(session, actor, Site, site_id)
    require_role(actor, Role.DIRECTOR)
    if site.active != active:
        before = snapshot(site, ["active"])
        site.active = active
        record_event(session, actor, "site.reactivated" if active else "site.deactivated", site,
                     alliance_id=actor.alliance_id, before=before, after=snapshot(site, ["active"]))
    session.commit()
    return site


def _raise_if_invalid(data: SiteInput) -> None:
    errors = check_site_input(data)
    if errors:
        raise ValidationError(field_errors=errors)


def _apply(site: Site, data: SiteInput) -> None:
    site.name = data.name.strip()
    site.address = data.address.strip()
    site.city = data.city.strip()
    site.zip_code = data.zip_code.strip()
    site.region_code = (data.region_code.strip() or data.zip_code.strip()[:5]).upper()
    assert data.licensed_capacity is not None
    site.licensed_capacity = data.licensed_capacity
