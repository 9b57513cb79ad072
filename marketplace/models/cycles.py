"""Purchasing cycles, the offer versions they used, and their demand lines.

A cycle moves ``draft -> open -> closed -> published -> finalized -> ordered -> delivered``
(or ``cancelled``). While it is open, directors edit demand lines; at cutoff the lines freeze and
the hub runs the optimizer (``models.runs``); publishing picks one run (``published_run_id``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column, str_enum, updated_at_column
from marketplace.models.catalog import Item
from marketplace.models.needs import RecurringNeed
from marketplace.models.offers import OfferVersion
from marketplace.models.organizations import Alliance
from marketplace.models.sites import Site
from marketplace.models.users import User

if TYPE_CHECKING:
    from marketplace.models.runs import OptimizationRun


class CycleStatus(enum.StrEnum):
    DRAFT = "draft"  # dates set, not open yet
    OPEN = "open"  # directors add and change demand lines until cutoff
    CLOSED = "closed"  # lines frozen; the hub runs the optimizer
    PUBLISHED = "published"  # one plan published; directors approve or reject their shares
    FINALIZED = "finalized"  # every remaining share approved
    ORDERED = "ordered"  # purchase orders sent
    DELIVERED = "delivered"  # every delivery received (or short)
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "open": "Open for needs", "closed": "Closed (cutoff passed)",
                "published": "Plan published", "finalized": "Finalized", "ordered": "Ordered",
                "delivered": "Delivered", "cancelled": "Cancelled"}[self.value]

    @property
    def lines_editable(self) -> bool:
        return self is CycleStatus.OPEN


class Cycle(Base):
    """One purchasing round of an alliance. ``length_days`` is the period the order covers
    (recurring needs are scaled to it); ``delivery_on`` is the planned delivery day."""

    __tablename__ = "cycles"
    __table_args__ = (
        CheckConstraint("length_days > 0", name="length_positive"),
        CheckConstraint("cutoff_at > opens_at", name="cutoff_after_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[CycleStatus] = mapped_column(str_enum(CycleStatus, "cycle_status"),
                                                default=CycleStatus.DRAFT)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivery_on: Mapped[date]
    approval_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    length_days: Mapped[int] = mapped_column(default=28)
    # A draft the scheduler opens at ``opens_at`` (otherwise the hub opens it by hand).
    opens_automatically: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A cycle and its runs point at each other: this key is added after both tables exist.
    published_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("optimization_runs.id", use_alter=True, ondelete="SET NULL"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    alliance: Mapped[Alliance] = relationship()
    created_by: Mapped[User | None] = relationship()
    published_run: Mapped[OptimizationRun | None] = relationship(foreign_keys=[published_run_id],
                                                                 post_update=True)

    def __repr__(self) -> str:
        return f"<Cycle {self.id} {self.status.value} {self.name!r}>"


class CycleOfferVersion(Base):
    """An offer version a run of the cycle priced its instance with (the record of which
    prices were in force when the plan was made)."""

    __tablename__ = "cycle_offer_versions"
    __table_args__ = (UniqueConstraint("run_id", "offer_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("optimization_runs.id", ondelete="CASCADE"))
    offer_version_id: Mapped[int] = mapped_column(ForeignKey("offer_versions.id"), index=True)

    offer_version: Mapped[OfferVersion] = relationship()


class DemandSource(enum.StrEnum):
    RECURRING = "recurring"  # made from a recurring need when the cycle opened
    ADDED = "added"  # added by a director while the cycle was open

    @property
    def label(self) -> str:
        return {"recurring": "Recurring need", "added": "Added for this cycle"}[self.value]


class DemandLine(Base):
    """What one site asks for in one cycle: ``quantity`` in the item's unit for the whole cycle.

    ``organization_id`` is the site's member (copied for scoping). ``max_unit_price`` (per unit
    of the item) and ``avoided_vendor_ids`` come from the recurring need or the director."""

    __tablename__ = "demand_lines"
    __table_args__ = (
        UniqueConstraint("cycle_id", "site_id", "item_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("max_unit_price IS NULL OR max_unit_price > 0", name="max_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    source: Mapped[DemandSource] = mapped_column(str_enum(DemandSource, "demand_source"))
    recurring_need_id: Mapped[int | None] = mapped_column(
        ForeignKey("recurring_needs.id", ondelete="SET NULL"))
    max_unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    avoided_vendor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cycle: Mapped[Cycle] = relationship()
    site: Mapped[Site] = relationship()
    item: Mapped[Item] = relationship()
    recurring_need: Mapped[RecurringNeed | None] = relationship()

    def __repr__(self) -> str:
        return f"<DemandLine {self.id} cycle {self.cycle_id} site {self.site_id} item {self.item_id}>"
