"""A vendor's delivery terms, with the semantics of the optimizer's instance (rule 5).

``regions`` lists the region codes (ZIP codes or counties, as the alliance's sites use them)
the vendor delivers to; ``None`` means every region. Money is in US dollars.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models._types import updated_at_column
from marketplace.models.organizations import Organization
from marketplace.models.users import User


class DeliveryTerms(Base):
    """One row per vendor: where it delivers, the fee per drop, when it is waived, the minimum."""

    __tablename__ = "delivery_terms"
    __table_args__ = (
        CheckConstraint("delivery_fee >= 0", name="fee_not_negative"),
        CheckConstraint("free_delivery_over IS NULL OR free_delivery_over >= 0", name="free_over_not_negative"),
        CheckConstraint("min_order IS NULL OR min_order >= 0", name="min_order_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    regions: Mapped[list[str] | None] = mapped_column(JSON)
    delivery_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    free_delivery_over: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    min_order: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # The vendor takes purchase orders as cXML OrderRequest documents (besides PDF and CSV).
    accepts_cxml: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = updated_at_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def serves_every_region(self) -> bool:
        return self.regions is None

    def to_vendor_json(self, vendor_id: str, name: str) -> dict[str, object]:
        """These terms as a ``vendors[]`` entry of the optimizer's instance (money as strings)."""
        data: dict[str, object] = {"id": vendor_id, "name": name, "regions": self.regions,
                                   "delivery_fee": str(self.delivery_fee)}
        if self.free_delivery_over is not None:
            data["free_delivery_over"] = str(self.free_delivery_over)
        if self.min_order is not None:
            data["min_order"] = str(self.min_order)
        return data
