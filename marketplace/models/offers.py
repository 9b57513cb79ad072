"""Vendors' price sheets, the offer versions they become, the offers and their volume tiers.

A sheet is stored whatever happens to it (its status says what did); only a sheet without a
single bad row gets offers. Activating a validated sheet creates an :class:`OfferVersion`
effective from a date; the previous version stays for history (``effective_to`` set), and a
purchasing cycle records the versions it used. Semantics of the offers are those of the
optimizer's instance format (pack size in the item's unit, tiers by pooled packs).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column, str_enum
from marketplace.models.catalog import Item
from marketplace.models.organizations import Organization
from marketplace.models.users import User


class SheetStatus(enum.StrEnum):
    UPLOADED = "uploaded"  # received, not checked yet
    INVALID = "invalid"  # refused: see ``errors``; nothing else was stored
    VALIDATED = "validated"  # every row is good: offers stored, waiting for activation
    ACTIVE = "active"  # the vendor's newest version
    SUPERSEDED = "superseded"  # replaced by a newer version (kept for history)

    @property
    def label(self) -> str:
        return {"uploaded": "Uploaded", "invalid": "Has errors", "validated": "Ready to activate",
                "active": "Active", "superseded": "Superseded"}[self.value]


class Discount(enum.StrEnum):
    ALL_UNITS = "all_units"
    INCREMENTAL = "incremental"


class PriceSheet(Base):
    """One uploaded file of a vendor. ``filename`` is shown, never used as a path."""

    __tablename__ = "price_sheets"
    # The target of offers' (price_sheet_id, organization_id) foreign key.
    __table_args__ = (UniqueConstraint("id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[SheetStatus] = mapped_column(str_enum(SheetStatus, "sheet_status"))
    row_count: Mapped[int] = mapped_column(default=0)
    offer_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = created_at_column()
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    version: Mapped[OfferVersion | None] = relationship(back_populates="price_sheet")

    def __repr__(self) -> str:
        return f"<PriceSheet {self.id} {self.status.value} {self.filename!r}>"


class OfferVersion(Base):
    """An activated sheet: the vendor's offers in force from ``effective_from`` to
    ``effective_to`` (inclusive; open-ended while it is the newest)."""

    __tablename__ = "offer_versions"
    __table_args__ = (UniqueConstraint("organization_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    price_sheet_id: Mapped[int] = mapped_column(ForeignKey("price_sheets.id"), unique=True)
    number: Mapped[int]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    activated_at: Mapped[datetime] = created_at_column()
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    price_sheet: Mapped[PriceSheet] = relationship(back_populates="version")
    activated_by: Mapped[User | None] = relationship()

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def __repr__(self) -> str:
        return f"<OfferVersion {self.id} v{self.number} from {self.effective_from}>"


class Offer(Base):
    """One row of a validated sheet: ``pack_size`` is in the item's unit (what the optimizer
    uses); ``sheet_pack_size`` and ``sheet_unit`` are what the vendor typed."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("price_sheet_id", "vendor_sku"),
        # One foreign key says both "the sheet exists" and "the offer's vendor is the sheet's
        # vendor" (price_sheets.organization_id references organizations): one check per row
        # where a key on each column took two.
        ForeignKeyConstraint(["price_sheet_id", "organization_id"],
                             ["price_sheets.id", "price_sheets.organization_id"], ondelete="CASCADE"),
        CheckConstraint("pack_size > 0", name="pack_size_positive"),
        CheckConstraint("max_packs IS NULL OR max_packs > 0", name="max_packs_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # (price_sheet_id, vendor_sku) is unique, so its index serves lookups by sheet too.
    price_sheet_id: Mapped[int]
    organization_id: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    vendor_sku: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    pack_size: Mapped[Decimal] = mapped_column(Numeric(16, 6))
    sheet_pack_size: Mapped[Decimal] = mapped_column(Numeric(16, 6))
    sheet_unit: Mapped[str] = mapped_column(String(20))
    discount: Mapped[Discount] = mapped_column(str_enum(Discount, "offer_discount"))
    max_packs: Mapped[int | None]
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    row_number: Mapped[int]

    price_sheet: Mapped[PriceSheet] = relationship()
    item: Mapped[Item] = relationship()
    tiers: Mapped[list[OfferTier]] = relationship(order_by="OfferTier.position",
                                                  cascade="all, delete-orphan", passive_deletes=True)

    @property
    def base_price(self) -> Decimal:
        """The price of one pack at the first tier."""
        return self.tiers[0].price

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.vendor_sku}>"


class OfferTier(Base):
    """From ``min_packs`` pooled packs on, a pack costs ``price`` (US dollars, 4 places)."""

    __tablename__ = "offer_tiers"
    __table_args__ = (
        CheckConstraint("min_packs > 0", name="min_packs_positive"),
        CheckConstraint("price > 0", name="price_positive"),
    )

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    min_packs: Mapped[int]
    price: Mapped[Decimal] = mapped_column(Numeric(12, 4))

    def __repr__(self) -> str:
        return f"<OfferTier {self.offer_id}#{self.position} {self.min_packs}+ at {self.price}>"
