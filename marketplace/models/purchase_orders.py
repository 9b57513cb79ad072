"""Purchase orders: one per vendor per published plan, with a delivery per site.

``number`` is unique within the alliance (e.g. ``PO-2026-0007``). Money in integer cents,
per-pack prices in dollars with 4 places. Shortages are recorded per line
(``shortage_packs``, ``shortage_cents``) for the payments to refund.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column, str_enum
from marketplace.models.catalog import Item
from marketplace.models.cycles import Cycle
from marketplace.models.offers import Offer
from marketplace.models.organizations import Organization
from marketplace.models.runs import OptimizationRun
from marketplace.models.sites import Site
from marketplace.models.users import User


class POStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    SHORT = "short"  # delivered with at least one shortage
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "sent": "Sent", "confirmed": "Confirmed", "shipped": "Shipped",
                "delivered": "Delivered", "short": "Delivered short", "cancelled": "Cancelled"}[self.value]


class PurchaseOrder(Base):
    """What one vendor delivers for one cycle: goods + fees = total."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        UniqueConstraint("alliance_id", "number"),
        UniqueConstraint("run_id", "vendor_id"),
        CheckConstraint("total_cents = goods_cents + fees_cents", name="total_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("optimization_runs.id"))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    number: Mapped[str] = mapped_column(String(30))
    status: Mapped[POStatus] = mapped_column(str_enum(POStatus, "po_status"), default=POStatus.DRAFT)
    goods_cents: Mapped[int] = mapped_column(default=0)
    fees_cents: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where the PO was emailed when sent (empty: email off, the vendor sees it in the app).
    sent_to: Mapped[str] = mapped_column(String(500), default="", server_default="")

    cycle: Mapped[Cycle] = relationship()
    run: Mapped[OptimizationRun] = relationship()
    vendor: Mapped[Organization] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order", order_by="PurchaseOrderLine.id",
        cascade="all, delete-orphan", passive_deletes=True)
    deliveries: Mapped[list[SiteDelivery]] = relationship(
        back_populates="purchase_order", order_by="SiteDelivery.id",
        cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<PurchaseOrder {self.id} {self.number} {self.status.value}>"


class PurchaseOrderLine(Base):
    """Packs of one offer for one site. ``received_packs`` is empty until the site reports."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "site_id", "offer_id"),
        CheckConstraint("packs > 0", name="packs_positive"),
        CheckConstraint("shortage_packs >= 0 AND shortage_packs <= packs", name="shortage_in_range"),
        CheckConstraint("received_packs IS NULL OR received_packs >= 0", name="received_not_negative"),
        CheckConstraint("shortage_cents >= 0 AND shortage_cents <= amount_cents", name="shortage_cents_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    packs: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    amount_cents: Mapped[int]
    received_packs: Mapped[int | None]
    shortage_packs: Mapped[int] = mapped_column(default=0)
    # The part of ``amount_cents`` not delivered (the payments refund it to the member).
    shortage_cents: Mapped[int] = mapped_column(default=0, server_default="0")

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    site: Mapped[Site] = relationship()
    offer: Mapped[Offer] = relationship()
    item: Mapped[Item] = relationship()


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    RECEIVED = "received"
    SHORT = "short"

    @property
    def label(self) -> str:
        return {"pending": "Expected", "received": "Received", "short": "Received short"}[self.value]


class SiteDelivery(Base):
    """The drop of one purchase order at one site, with its delivery fee."""

    __tablename__ = "site_deliveries"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "site_id"),
        CheckConstraint("fee_cents >= 0", name="fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, "delivery_status"),
                                                   default=DeliveryStatus.PENDING)
    fee_cents: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last correction
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="deliveries")
    site: Mapped[Site] = relationship()
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    corrected_by: Mapped[User | None] = relationship(foreign_keys=[corrected_by_id])
