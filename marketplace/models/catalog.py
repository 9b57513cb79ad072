"""The alliance's catalog: categories and items, kept by the hub.

An item's ``slug`` is the id vendors type in the ``item`` column of their price sheets and
the id the optimizer's instance uses; it is unique within the alliance.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models._types import created_at_column, updated_at_column
from marketplace.models.organizations import Alliance

#: The child-care attributes an item may carry, with the label people read.
ITEM_ATTRIBUTES = {
    "cacfp_creditable": "CACFP-creditable",
    "whole_grain_rich": "Whole-grain rich",
    "peanut_free": "Peanut-free",
    "epa_registered": "EPA-registered disinfectant",
    "infant": "Infant item",
}


class Category(Base):
    """A shelf of the catalog (food, cleaning, classroom, infant care...)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("alliance_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    alliance: Mapped[Alliance] = relationship()

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.slug}>"


class Item(Base):
    """Something members buy, counted in ``unit`` (gal, lb, dozen, each, roll, box, ream...).

    ``reference_price`` is a public base price per unit (for people: what a unit costs at
    retail), never what a vendor charges.
    """

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("alliance_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    cacfp_creditable: Mapped[bool] = mapped_column(default=False)
    whole_grain_rich: Mapped[bool] = mapped_column(default=False)
    peanut_free: Mapped[bool] = mapped_column(default=False)
    epa_registered: Mapped[bool] = mapped_column(default=False)
    infant: Mapped[bool] = mapped_column(default=False)
    reference_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    category: Mapped[Category] = relationship()

    @property
    def attributes(self) -> list[str]:
        """The labels of the attributes this item carries."""
        return [label for name, label in ITEM_ATTRIBUTES.items() if getattr(self, name)]

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.slug}>"
