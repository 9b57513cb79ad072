"""Recurring needs: what a member's site buys again and again (milk weekly, wipes monthly).

``quantity`` is in the item's unit (gal, lb, each...) *per cadence period*: opening a cycle
converts it to the cycle's length (see ``services.cycles``). ``max_unit_price`` is per unit of
the item (dollars, 4 places), not per pack. ``avoided_vendor_ids`` lists vendor organization ids
the site would rather not buy this item from.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models._types import created_at_column, str_enum, updated_at_column
from marketplace.models.catalog import Item
from marketplace.models.organizations import Organization
from marketplace.models.sites import Site


class Cadence(enum.StrEnum):
    EVERY_CYCLE = "every_cycle"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return {"every_cycle": "Every cycle", "weekly": "Weekly", "biweekly": "Every other week",
                "monthly": "Monthly"}[self.value]


class RecurringNeed(Base):
    """One item a site needs regularly; at most one need per site and item.

    ``organization_id`` is the site's member (copied for scoping: directors see their own)."""

    __tablename__ = "recurring_needs"
    __table_args__ = (
        UniqueConstraint("site_id", "item_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("max_unit_price IS NULL OR max_unit_price > 0", name="max_price_positive"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    cadence: Mapped[Cadence] = mapped_column(str_enum(Cadence, "need_cadence"))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    max_unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    avoided_vendor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    organization: Mapped[Organization] = relationship()
    site: Mapped[Site] = relationship()
    item: Mapped[Item] = relationship()

    def applies_on(self, day: date) -> bool:
        """Whether the need is active and its date range covers ``day``."""
        return self.active and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def __repr__(self) -> str:
        return f"<RecurringNeed {self.id} site {self.site_id} item {self.item_id} {self.quantity} {self.cadence.value}>"
