"""People who log in, and their login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column, str_enum
from marketplace.models.organizations import Organization, OrgKind


class Role(enum.StrEnum):
    DIRECTOR = "director"
    HUB_MANAGER = "hub_manager"
    VENDOR = "vendor"

    @property
    def label(self) -> str:
        return {"director": "Center director", "hub_manager": "Hub manager", "vendor": "Vendor"}[self.value]


#: The only role each kind of organization has.
ROLE_FOR_KIND = {OrgKind.HUB: Role.HUB_MANAGER, OrgKind.MEMBER: Role.DIRECTOR, OrgKind.VENDOR: Role.VENDOR}


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(Base):
    """A person of one organization. Emails are stored lower-cased, so unique without case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship(back_populates="users")

    @validates("email")
    def _lower_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def alliance_id(self) -> int:
        return self.organization.alliance_id

    @property
    def is_hub_manager(self) -> bool:
        return self.role is Role.HUB_MANAGER

    # Flask-Login's user protocol, without importing Flask into the models.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active and self.organization.active

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class LoginSession(Base):
    """One logged-in browser. The cookie holds a random id whose hash is stored here,
    so logging out (or deactivating a user) ends the session on the server side."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
