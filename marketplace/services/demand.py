"""A cycle's demand lines: directors add, change and remove their sites' lines until cutoff.

Every change checks that the cycle is open and its cutoff has not passed
(:func:`services.cycles.require_lines_open`); after that the lines are frozen and each service
here refuses with a :class:`ConflictError` that says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from marketplace.errors import ValidationError
from marketplace.models import (
    Cycle,
    DemandLine,
    DemandSource,
    Item,
    Organization,
    Role,
    Site,
    User,
)
from marketplace.services.audit import record_event
from marketplace.services.catalog import is_price, json_snapshot
from marketplace.services.cycles import require_lines_open
from marketplace.services.needs import MAX_NOTE, MAX_UNIT_PRICE, check_quantity, vendor_choices
from marketplace.services.scope import get_scoped, require_role, scoped_select, visible

_FIELDS = ["item_id", "quantity", "max_unit_price", "avoided_vendor_ids", "note"]


@dataclass(frozen=True)
class LineInput:
    """What a director enters for a line: the quantity for the whole cycle, in the item's unit."""

    item_id: int | None
    quantity: Decimal | None
    max_unit_price: Decimal | None = None
    avoided_vendor_ids: tuple[int, ...] = field(default_factory=tuple)
    note: str = ""


def list_site_lines(session: Session, actor: User, cycle_id: int, site_id: int) -> list[DemandLine]:
    """One site's lines in one cycle, by item name (its director and the hub)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    site = get_scoped(session, actor, Site, site_id)
    return list(session.scalars(
        scoped_select(actor, DemandLine, DemandLine.cycle_id == cycle.id, DemandLine.site_id == site.id)
        .join(Item, Item.id == DemandLine.item_id).options(joinedload(DemandLine.item))
        .order_by(Item.name)))


def get_line(session: Session, actor: User, line_id: int) -> DemandLine:
    return get_scoped(session, actor, DemandLine, line_id)


def add_line(session: Session, actor: User, cycle_id: int, site_id: int, data: LineInput, *,
             now: datetime | None = None) -> DemandLine:
    """Add a one-off line for one of the director's sites to an open cycle."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    site = get_scoped(session, actor, Site, site_id)
    require_role(actor, Role.DIRECTOR)
    require_lines_open(cycle, now)
    _raise_if_invalid(session, actor, data)
    clash = session.scalar(select(DemandLine.id).where(DemandLine.cycle_id == cycle.id,
                                                       DemandLine.site_id == site.id,
                                                       DemandLine.item_id == data.item_id))
    if clash is not None:
        raise ValidationError(field_errors={"item_id": "This site already has a line for this item: "
                                            "change its quantity instead."})
    line = DemandLine(cycle_id=cycle.id, organization_id=site.organization_id, site_id=site.id,
                      source=DemandSource.ADDED, updated_by_id=actor.id)
    _apply(line, data)
    session.add(line)
    session.flush()
    record_event(session, actor, "demand_line.added", line, alliance_id=actor.alliance_id,
                 after=json_snapshot(line, _FIELDS))
    session.commit()
    return line


def update_line(session: Session, actor: User, line_id: int, data: LineInput, *,
                now: datetime | None = None) -> DemandLine:
    """Change a line's quantity, price limit, avoided vendors or note (the item stays)."""
    line = get_scoped(session, actor, DemandLine, line_id)
    require_role(actor, Role.DIRECTOR)
    require_lines_open(line.cycle, now)
    data = LineInput(line.item_id, data.quantity, data.max_unit_price, data.avoided_vendor_ids, data.note)
    _raise_if_invalid(session, actor, data)
    before = json_snapshot(line, _FIELDS)
    _apply(line, data)
    line.updated_by_id = actor.id
    session.flush()
    record_event(session, actor, "demand_line.updated", line, alliance_id=actor.alliance_id,
                 before=before, after=json_snapshot(line, _FIELDS))
    session.commit()
    return line


def remove_line(session: Session, actor: User, line_id: int, *, now: datetime | None = None) -> None:
    """Remove a line from an open cycle (the recurring need it came from stays)."""
    line = get_scoped(session, actor, DemandLine, line_id)
    require_role(actor, Role.DIRECTOR)
    require_lines_open(line.cycle, now)
    record_event(session, actor, "demand_line.removed", line, alliance_id=actor.alliance_id,
                 before=json_snapshot(line, _FIELDS))
    session.delete(line)
    session.commit()


@dataclass(frozen=True)
class ItemTotal:
    """One item's pooled quantity in a cycle."""

    item: Item
    quantity: Decimal
    sites: int


@dataclass(frozen=True)
class SiteTotal:
    """One site's lines in a cycle (names only: the hub's list holds every site of the alliance)."""

    site_id: int
    site: str
    member: str
    lines: int


@dataclass
class CycleDemand:
    """What the alliance asks for in a cycle (as far as ``actor`` may see)."""

    items: list[ItemTotal]
    sites: list[SiteTotal]

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self.sites)


def cycle_demand(session: Session, actor: User, cycle_id: int) -> CycleDemand:
    """Pooled quantities per item and line counts per site ``actor`` may see."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    # Summed in the database: an alliance's cycle holds thousands of lines.
    lines = (select(DemandLine.item_id, func.sum(DemandLine.quantity), func.count(DemandLine.id))
             .where(visible(actor, DemandLine), DemandLine.cycle_id == cycle.id).group_by(DemandLine.item_id))
    per_item = {item_id: (quantity, count) for item_id, quantity, count in session.execute(lines)}
    per_site: dict[int, int] = dict(session.execute(  # type: ignore[arg-type]
        select(DemandLine.site_id, func.count(DemandLine.id))
        .where(visible(actor, DemandLine), DemandLine.cycle_id == cycle.id).group_by(DemandLine.site_id)).all())
    found = session.scalars(select(Item).where(Item.id.in_(per_item))) if per_item else []
    items = sorted((ItemTotal(item, Decimal(per_item[item.id][0]), per_item[item.id][1]) for item in found),
                   key=lambda t: t.item.name)
    visible_sites = (select(Site.id, Site.name, Organization.name).join(Site.organization)
                     .where(visible(actor, Site), Site.active.is_(True)))
    if actor.role is Role.HUB_MANAGER:
        visible_sites = visible_sites.where(Organization.alliance_id == cycle.alliance_id)
    sites = [SiteTotal(site_id, site, member, per_site.get(site_id, 0))
             for site_id, site, member in session.execute(visible_sites.order_by(Organization.name, Site.name))]
    return CycleDemand(items, sites)


def count_lines(session: Session, cycle_id: int) -> int:
    return session.scalar(select(func.count(DemandLine.id)).where(DemandLine.cycle_id == cycle_id)) or 0


def _raise_if_invalid(session: Session, actor: User, data: LineInput) -> None:
    errors: dict[str, str] = {}
    if data.item_id is None or session.scalar(
            scoped_select(actor, Item, Item.id == data.item_id, Item.active.is_(True))) is None:
        errors["item_id"] = "Choose an item of the catalog."
    problem = check_quantity(data.quantity)
    if problem:
        errors["quantity"] = problem
    if data.max_unit_price is not None and not is_price(data.max_unit_price, MAX_UNIT_PRICE):
        errors["max_unit_price"] = "Enter a price above 0 with at most 4 decimals, or leave it empty."
    if set(data.avoided_vendor_ids) - {vid for vid, _ in vendor_choices(session, actor)}:
        errors["avoided_vendor_ids"] = "Choose vendors of the alliance."
    if len(data.note) > MAX_NOTE:
        errors["note"] = f"Use at most {MAX_NOTE} characters."
    if errors:
        raise ValidationError(field_errors=errors)


def _apply(line: DemandLine, data: LineInput) -> None:
    assert data.item_id is not None and data.quantity is not None
    line.item_id, line.quantity = data.item_id, data.quantity
    line.max_unit_price = data.max_unit_price
    line.avoided_vendor_ids = sorted(set(data.avoided_vendor_ids))
    line.note = data.note.strip()
