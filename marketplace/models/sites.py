"""The places where a member organization runs care and receives deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models._types import created_at_column, updated_at_column
from marketplace.models.organizations import Organization


class Site(Base):
    """A center of a member; ``region_code`` is what vendors' service areas are made of."""

    __tablename__ = "sites"
    __table_args__ = (CheckConstraint("licensed_capacity > 0", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(100))
    zip_code: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str] = mapped_column(String(20), index=True)
    licensed_capacity: Mapped[int]
    license_number: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    organization: Mapped[Organization] = relationship(back_populates="sites")

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name!r}>"
