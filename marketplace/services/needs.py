"""Recurring needs: each director keeps what their sites buy again and again.

A need is one item at one site: a quantity in the item's unit per cadence period (every
cycle, weekly, every other week, monthly), the dates it applies, and optionally the highest
price per unit the site accepts and vendors it would rather avoid. Opening a cycle turns the
needs into demand lines (``services.cycles``). The hub may read every site's needs; only the
site's director changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from marketplace.db import utcnow
from marketplace.errors import ValidationError
from marketplace.models import (
    Cadence,
    Item,
    Organization,
    OrgKind,
    RecurringNeed,
    Role,
    Site,
    User,
)
from marketplace.services.audit import record_event
from marketplace.services.catalog import is_price, json_snapshot
from marketplace.services.scope import get_scoped, require_role, scoped_select

MAX_QUANTITY = Decimal("1000000")
MAX_UNIT_PRICE = Decimal("100000")
MAX_NOTE = 500
_FIELDS = ["item_id", "quantity", "cadence", "starts_on", "ends_on", "max_unit_price",
           "avoided_vendor_ids", "note", "active"]


@dataclass(frozen=True)
class NeedInput:
    """What a director enters for one need. ``quantity`` is in the item's unit per period;
    ``max_unit_price`` is dollars per unit of the item (not per pack)."""

    item_id: int | None
    quantity: Decimal | None
    cadence: str = Cadence.WEEKLY.value
    starts_on: date | None = None
    ends_on: date | None = None
    max_unit_price: Decimal | None = None
    avoided_vendor_ids: tuple[int, ...] = field(default_factory=tuple)
    note: str = ""
    active: bool = True


def check_quantity(value: Decimal | None, what: str = "quantity") -> str | None:
    """Why ``value`` is not a usable quantity (None when it is)."""
    if value is None:
        return f"Enter the {what}."
    if not value.is_finite() or not 0 < value <= MAX_QUANTITY:
        return f"Enter a {what} above 0 and at most {MAX_QUANTITY:,}."
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        return "Use at most 4 decimals."
    return None


def check_need_input(data: NeedInput) -> dict[str, str]:
    """Every problem of ``data`` that needs no database, by field name."""
    errors: dict[str, str] = {}
    if data.item_id is None:
        errors["item_id"] = "Choose an item."
    problem = check_quantity(data.quantity)
    if problem:
        errors["quantity"] = problem
    if data.cadence not in {c.value for c in Cadence}:
        errors["cadence"] = "Choose how often: every cycle, weekly, every other week or monthly."
    if data.starts_on is None:
        errors["starts_on"] = "Enter the first day the need applies."
    elif data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = "The end date must be on or after the start date."
    if data.max_unit_price is not None and not is_price(data.max_unit_price, MAX_UNIT_PRICE):
        errors["max_unit_price"] = "Enter a price above 0 with at most 4 decimals, or leave it empty."
    if len(data.note) > MAX_NOTE:
        errors["note"] = f"Use at most {MAX_NOTE} characters."
    return errors


def vendor_choices(session: Session, actor: User) -> list[tuple[int, str]]:
    """The alliance's active vendors as (id, name): what a need may avoid. Every member of
    the alliance may know who its vendors are, so this is read for any role."""
    rows = session.execute(select(Organization.id, Organization.name)
                           .where(Organization.alliance_id == actor.alliance_id,
                                  Organization.kind == OrgKind.VENDOR, Organization.active.is_(True))
                           .order_by(Organization.name))
    return [(vendor_id, name) for vendor_id, name in rows]


def item_choices(session: Session, actor: User) -> list[Item]:
    """The alliance's active items, by name (what a need or a demand line may ask for)."""
    return list(session.scalars(scoped_select(actor, Item, Item.active.is_(True))
                                .options(joinedload(Item.category)).order_by(Item.name)))


def list_needs(session: Session, actor: User, site_id: int, *, include_inactive: bool = True
               ) -> list[RecurringNeed]:
    """The needs of one site ``actor`` may see, by item name."""
    site = get_scoped(session, actor, Site, site_id)
    query = (scoped_select(actor, RecurringNeed, RecurringNeed.site_id == site.id)
             .join(Item, Item.id == RecurringNeed.item_id)
             .options(joinedload(RecurringNeed.item)).order_by(Item.name, RecurringNeed.id))
    if not include_inactive:
        query = query.where(RecurringNeed.active.is_(True))
    return list(session.scalars(query))


def get_need(session: Session, actor: User, need_id: int) -> RecurringNeed:
    return get_scoped(session, actor, RecurringNeed, need_id)


def create_need(session: Session, actor: User, site_id: int, data: NeedInput) -> RecurringNeed:
    """Add a need to one of the director's own sites."""
    site = _own_site(session, actor, site_id)
    raise_if_invalid(session, actor, site, data, None)
    need = RecurringNeed(organization_id=site.organization_id, site_id=site.id)
    apply_input(need, data)
    session.add(need)
    session.flush()
    record_event(session, actor, "need.created", need, alliance_id=actor.alliance_id,
                 after=json_snapshot(need, _FIELDS))
    session.commit()
    return need


def update_need(session: Session, actor: User, need_id: int, data: NeedInput) -> RecurringNeed:
    """Change a need (its site's director only)."""
    need = get_scoped(session, actor, RecurringNeed, need_id)
    site = _own_site(session, actor, need.site_id)
    raise_if_invalid(session, actor, site, data, need)
    before = json_snapshot(need, _FIELDS)
    apply_input(need, data)
    session.flush()
    after = json_snapshot(need, _FIELDS)
    if after != before:
        record_event(session, actor, "need.updated", need, alliance_id=actor.alliance_id,
                     before=before, after=after)
    session.commit()
    return need


def delete_need(session: Session, actor: User, need_id: int) -> None:
    """Remove a need. Demand lines already made from it in open cycles stay."""
    need = get_scoped(session, actor, RecurringNeed, need_id)
    _own_site(session, actor, need.site_id)
    record_event(session, actor, "need.deleted", need, alliance_id=actor.alliance_id,
                 before=json_snapshot(need, _FIELDS))
    session.delete(need)
    session.commit()


@dataclass(frozen=True)
class NeedChange:
    """One row of the bulk editor: new quantity, cadence and active flag, or removal."""

    need_id: int
    quantity: Decimal | None
    cadence: str
    active: bool
    remove: bool = False


def bulk_update_needs(session: Session, actor: User, site_id: int, changes: list[NeedChange]) -> int:
    """Apply every row of the bulk editor at once, or none: errors are keyed
    ``"<need id>.<field>"``. Returns how many needs changed or were removed."""
    site = _own_site(session, actor, site_id)
    needs = {n.id: n for n in session.scalars(select(RecurringNeed).where(RecurringNeed.site_id == site.id))}
    errors: dict[str, str] = {}
    for change in changes:
        if change.need_id not in needs:
            errors[f"{change.need_id}.need"] = "This need is not one of the site's (reload the page)."
            continue
        if change.remove:
            continue
        problem = check_quantity(change.quantity)
        if problem:
            errors[f"{change.need_id}.quantity"] = problem
        if change.cadence not in {c.value for c in Cadence}:
            errors[f"{change.need_id}.cadence"] = "Choose how often."
    if errors:
        raise ValidationError("Some rows need correcting; nothing was saved.", errors)
    changed = 0
    for change in changes:
        need = needs[change.need_id]
        before = json_snapshot(need, _FIELDS)
        if change.remove:
            session.delete(need)
            changed += 1
            continue
        need.quantity, need.cadence, need.active = change.quantity, Cadence(change.cadence), change.active
        session.flush()
        changed += json_snapshot(need, _FIELDS) != before
    if changed:
        record_event(session, actor, "needs.bulk_updated", site, alliance_id=actor.alliance_id,
                     after={"changed": changed})
    session.commit()
    return changed


def _own_site(session: Session, actor: User, site_id: int) -> Site:
    """The site, if ``actor`` is its director (others: not found, or not allowed)."""
    site = get_scoped(session, actor, Site, site_id)
    require_role(actor, Role.DIRECTOR)
    return site


def raise_if_invalid(session: Session, actor: User, site: Site, data: NeedInput,
                     need: RecurringNeed | None) -> None:
    """Check ``data`` for ``site`` against the catalog, the vendors and the site's other needs."""
    errors = check_need_input(data)
    if "item_id" not in errors:
        item = session.scalar(scoped_select(actor, Item, Item.id == data.item_id))
        if item is None or (not item.active and (need is None or need.item_id != item.id)):
            errors["item_id"] = "Choose an item of the catalog."
        else:
            clash = session.scalar(select(RecurringNeed.id).where(
                RecurringNeed.site_id == site.id, RecurringNeed.item_id == item.id))
            if clash is not None and (need is None or clash != need.id):
                errors["item_id"] = "This site already has a need for this item: change that one instead."
    vendors = {vendor_id for vendor_id, _ in vendor_choices(session, actor)}
    if set(data.avoided_vendor_ids) - vendors:
        errors["avoided_vendor_ids"] = "Choose vendors of the alliance."
    if errors:
        raise ValidationError(field_errors=errors)


def apply_input(need: RecurringNeed, data: NeedInput) -> None:
    assert data.item_id is not None and data.quantity is not None and data.starts_on is not None
    need.item_id = data.item_id
    need.quantity = data.quantity
    need.cadence = Cadence(data.cadence)
    need.starts_on = data.starts_on
    need.ends_on = data.ends_on
    need.max_unit_price = data.max_unit_price
    need.avoided_vendor_ids = sorted(set(data.avoided_vendor_ids))
    need.note = data.note.strip()
    need.active = data.active


def today() -> date:
    return utcnow().date()
