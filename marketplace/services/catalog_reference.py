"""Starting a catalog from the reference staples (``catalog/reference/staples.csv``).

About 120 child-care staples with real units and 2026 base prices (BLS/ERS retail prices
brought to 2026 with CPI-U, or labelled estimates). The demo uses them, and a new alliance's
hub can add them in one step instead of typing its catalog.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.reference import Staple, load_staples
from marketplace.models import ITEM_ATTRIBUTES, Category, Item, Role, User
from marketplace.services.audit import record_event
from marketplace.services.catalog import normalise_unit
from marketplace.services.scope import require_role

CATEGORIES = [("food", "Food"), ("infant", "Infant care"), ("cleaning", "Cleaning & sanitation"),
              ("paper", "Paper & disposables"), ("classroom", "Classroom supplies")]


def add_staples(session: Session, alliance_id: int) -> int:
    """Add the categories and staples the alliance lacks (by id); flushes; returns items added."""
    categories = {c.slug: c for c in session.scalars(select(Category).where(Category.alliance_id == alliance_id))}
    for position, (slug, name) in enumerate(CATEGORIES, start=1):
        if slug not in categories:
            categories[slug] = Category(alliance_id=alliance_id, slug=slug, name=name, position=position)
            session.add(categories[slug])
    session.flush()
    known = set(session.scalars(select(Item.slug).where(Item.alliance_id == alliance_id)))
    added = [_item(alliance_id, categories[s.category], s) for s in load_staples() if s.id not in known]
    session.add_all(added)
    session.flush()
    return len(added)


def _item(alliance_id: int, category: Category, staple: Staple) -> Item:
    flags = {name: name in staple.attributes for name in ITEM_ATTRIBUTES}
    source = "estimate" if staple.is_estimate else "public price"
    return Item(alliance_id=alliance_id, slug=staple.id, name=staple.name, unit=normalise_unit(staple.unit),
                category=category, reference_price=staple.base_price_2026,
                description=f"Reference price per {staple.unit} ({source}): {staple.price_source}"[:500],
                **flags)


def add_reference_items(session: Session, actor: User) -> int:
    """The hub adds the reference staples its catalog lacks; returns how many were added."""
    require_role(actor, Role.HUB_MANAGER)
    added = add_staples(session, actor.alliance_id)
    if added:
        record_event(session, actor, "catalog.staples_added", actor.organization.alliance,
                     alliance_id=actor.alliance_id, after={"items": added})
    session.commit()
    return added
