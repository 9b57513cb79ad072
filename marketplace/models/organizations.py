"""Alliances and the organizations in them (the hub, members, vendors)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models._types import created_at_column, str_enum

if TYPE_CHECKING:
    from marketplace.models.sites import Site
    from marketplace.models.users import User


class OrgKind(enum.StrEnum):
    HUB = "hub"
    MEMBER = "member"
    VENDOR = "vendor"


class Alliance(Base):
    """A shared services alliance: one hub, its members and its vendors."""

    __tablename__ = "alliances"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = created_at_column()

    organizations: Mapped[list[Organization]] = relationship(back_populates="alliance")


class Organization(Base):
    """Every organization belongs to exactly one alliance; rows it owns are scoped by it."""

    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("alliance_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()

    alliance: Mapped[Alliance] = relationship(back_populates="organizations")
    users: Mapped[list[User]] = relationship(back_populates="organization", order_by="User.email")
    sites: Mapped[list[Site]] = relationship(back_populates="organization", order_by="Site.name")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.kind.value} {self.name!r}>"
