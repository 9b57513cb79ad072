"""The alliance's catalog: everyone in the alliance browses it, the hub keeps it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from catalog.errors import CatalogError
from catalog.records import ItemRef
from catalog.units import canonical_unit
from marketplace.errors import ValidationError
from marketplace.models import ITEM_ATTRIBUTES, Category, Item, Offer, Role, User
from marketplace.services.audit import record_event, snapshot
from marketplace.services.paging import Page, paginate
from marketplace.services.scope import get_scoped, require_role, scoped_select

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,99}$")
CUSTOM_UNIT = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
MAX_REFERENCE_PRICE = Decimal("99999999")
_FIELDS = ["slug", "name", "unit", "category_id", "description", *ITEM_ATTRIBUTES,
           "reference_price", "active"]


@dataclass(frozen=True)
class ItemInput:
    """What the hub types for an item. ``attributes`` holds names of ``ITEM_ATTRIBUTES``."""

    slug: str
    name: str
    unit: str
    category_id: int | None
    description: str = ""
    attributes: frozenset[str] = field(default_factory=frozenset)
    reference_price: Decimal | None = None
    active: bool = True


def normalise_unit(text: str) -> str:
    """A known unit's canonical name ("Gallons" -> "gal"), else the text as typed (lower case)."""
    try:
        return canonical_unit(text)
    except CatalogError:
        return text.strip().lower()


def check_item_input(data: ItemInput) -> dict[str, str]:
    """Every problem with ``data`` that needs no database, by field name."""
    errors: dict[str, str] = {}
    if not SLUG.match(data.slug.strip()):
        errors["slug"] = ("Use 2 to 100 lower-case letters, digits and dashes, starting with a "
                          "letter or digit, like milk-whole-gal.")
    if not data.name.strip():
        errors["name"] = "Enter the item's name."
    elif len(data.name.strip()) > 200:
        errors["name"] = "Use at most 200 characters."
    if not CUSTOM_UNIT.match(normalise_unit(data.unit)):
        errors["unit"] = "Enter a unit such as gal, lb, dozen, each, roll, box or ream."
    if data.category_id is None:
        errors["category_id"] = "Choose a category."
    if len(data.description) > 500:
        errors["description"] = "Use at most 500 characters."
    unknown = set(data.attributes) - set(ITEM_ATTRIBUTES)
    if unknown:
        errors["attributes"] = f"Unknown attributes: {', '.join(sorted(unknown))}."
    if data.reference_price is not None and not is_price(data.reference_price, MAX_REFERENCE_PRICE):
        errors["reference_price"] = "Enter a price above 0 with at most 4 decimals, or leave it empty."
    return errors


def json_snapshot(obj: object, fields: list[str]) -> dict[str, Any]:
    """``audit.snapshot`` with money as text (the audit log stores JSON)."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in snapshot(obj, fields).items()}


def is_price(value: Decimal, maximum: Decimal, places: int = 4) -> bool:
    """A finite amount above 0, at most ``maximum``, with at most ``places`` decimals."""
    if not value.is_finite() or not 0 < value <= maximum:
        return False
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -places


def list_categories(session: Session, actor: User) -> list[Category]:
    return list(session.scalars(scoped_select(actor, Category).order_by(Category.position, Category.name)))


def category_counts(session: Session, actor: User) -> list[tuple[Category, int]]:
    """The alliance's categories with how many active items each holds."""
    counts = (select(Item.category_id, func.count(Item.id).label("n")).where(Item.active.is_(True))
              .group_by(Item.category_id).subquery())
    query = (scoped_select(actor, Category).add_columns(func.coalesce(counts.c.n, 0))
             .outerjoin(counts, counts.c.category_id == Category.id).order_by(Category.position, Category.name))
    return [(category, n) for category, n in session.execute(query)]


def create_category(session: Session, actor: User, name: str) -> Category:
    """Add a category to the alliance's catalog (hub only); its id is made from the name."""
    require_role(actor, Role.HUB_MANAGER)
    name = " ".join(name.split())
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    if not slug or len(name) > 100:
        raise ValidationError(field_errors={"name": "Enter a name of at most 100 characters, with letters."})
    taken = session.scalar(scoped_select(actor, Category, or_(Category.slug == slug,
                                                               func.lower(Category.name) == name.lower())))
    if taken is not None:
        raise ValidationError(field_errors={"name": f"There is already a category {taken.name!r}."})
    last = session.scalar(select(func.max(Category.position)).where(Category.alliance_id == actor.alliance_id))
    category = Category(alliance_id=actor.alliance_id, slug=slug, name=name, position=(last or 0) + 1)
    session.add(category)
    session.flush()
    record_event(session, actor, "category.created", category, alliance_id=actor.alliance_id,
                 after={"slug": slug, "name": name})
    session.commit()
    return category


def search_items(session: Session, actor: User, *, search: str = "", category: str = "",
                 attribute: str = "", include_inactive: bool = False, page: int = 1,
                 per_page: int = 50) -> Page[Item]:
    """The alliance's items by category then name; ``search`` matches the id, name or description."""
    query = scoped_select(actor, Item).join(Item.category).options(joinedload(Item.category))
    if not include_inactive:
        query = query.where(Item.active.is_(True))
    if category:
        query = query.where(Category.slug == category)
    if attribute in ITEM_ATTRIBUTES:
        query = query.where(getattr(Item, attribute).is_(True))
    for word in search.lower().split()[:8]:
        pattern = f"%{_escape_like(word)}%"
        query = query.where(or_(func.lower(Item.name).like(pattern, escape="\\"),
                                Item.slug.like(pattern, escape="\\"),
                                func.lower(Item.description).like(pattern, escape="\\")))
    query = query.order_by(Category.position, Category.name, Item.name, Item.id)
    return paginate(session, query, page, per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_item(session: Session, actor: User, item_id: int) -> Item:
    return get_scoped(session, actor, Item, item_id)


def create_item(session: Session, actor: User, data: ItemInput) -> Item:
    """Add an item to the alliance's catalog (hub only)."""
    require_role(actor, Role.HUB_MANAGER)
    _raise_if_invalid(session, actor, data, None)
    item = Item(alliance_id=actor.alliance_id, slug=data.slug.strip())
    _apply(item, data)
    session.add(item)
    session.flush()
    record_event(session, actor, "item.created", item, alliance_id=actor.alliance_id,
                 after=json_snapshot(item, _FIELDS))
    session.commit()
    return item


def update_item(session: Session, actor: User, item_id: int, data: ItemInput) -> Item:
    """Change an item (hub only). Its id stays (vendors' sheets use it); its unit may change
    only while no offer uses the item, since every offer's pack size is in that unit."""
    item = get_scoped(session, actor, Item, item_id)
    require_role(actor, Role.HUB_MANAGER)
    data = ItemInput(**{**data.__dict__, "slug": item.slug})
    _raise_if_invalid(session, actor, data, item)
    before = json_snapshot(item, _FIELDS)
    _apply(item, data)
    session.flush()
    after = json_snapshot(item, _FIELDS)
    if after != before:
        record_event(session, actor, "item.updated", item, alliance_id=actor.alliance_id,
                     before=before, after=after)
    session.commit()
    return item


def _raise_if_invalid(session: Session, actor: User, data: ItemInput, item: Item | None) -> None:
    errors = check_item_input(data)
    if "category_id" not in errors and session.scalar(scoped_select(
            actor, Category, Category.id == data.category_id)) is None:
        errors["category_id"] = "Choose a category."
    if item is None and "slug" not in errors and session.scalar(scoped_select(
            actor, Item, Item.slug == data.slug.strip())) is not None:
        errors["slug"] = "Another item already has this id."
    if item is not None and "unit" not in errors and normalise_unit(data.unit) != item.unit:
        used = session.scalar(select(func.count(Offer.id)).where(Offer.item_id == item.id))
        if used:
            errors["unit"] = (f"{used} vendor offer{'s' if used != 1 else ''} price this item per "
                              f"{item.unit}: keep the unit, or add a new item with the new unit.")
    if errors:
        raise ValidationError(field_errors=errors)


def _apply(item: Item, data: ItemInput) -> None:
    item.name = " ".join(data.name.split())
    item.unit = normalise_unit(data.unit)
    assert data.category_id is not None
    item.category_id = data.category_id
    item.description = data.description.strip()
    for name in ITEM_ATTRIBUTES:
        setattr(item, name, name in data.attributes)
    item.reference_price = data.reference_price
    item.active = data.active


def catalog_csv(session: Session, actor: User) -> bytes:
    """The active items as CSV (id, name, unit, category, attributes) for vendors filling a sheet."""
    items = session.scalars(scoped_select(actor, Item, Item.active.is_(True)).join(Item.category)
                            .options(joinedload(Item.category))
                            .order_by(Category.position, Category.name, Item.name))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["item", "name", "unit", "category", *ITEM_ATTRIBUTES])
    for item in items:
        writer.writerow([item.slug, _cell(item.name), item.unit, item.category.slug,
                         *("yes" if getattr(item, name) else "" for name in ITEM_ATTRIBUTES)])
    return out.getvalue().encode("utf-8-sig")


def _cell(text: str) -> str:
    # A spreadsheet must never read a name as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def catalog_refs(session: Session, alliance_id: int) -> dict[str, ItemRef]:
    """What sheet validation needs: active item id -> (unit, name) of one alliance."""
    rows = session.execute(select(Item.slug, Item.unit, Item.name)
                           .where(Item.alliance_id == alliance_id, Item.active.is_(True)))
    return {slug: ItemRef(unit, name) for slug, unit, name in rows}


def item_ids(session: Session, alliance_id: int) -> dict[str, int]:
    """Item id (slug) -> database id, for one alliance."""
    return dict(session.execute(select(Item.slug, Item.id).where(Item.alliance_id == alliance_id)).all())
