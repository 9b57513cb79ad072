"""In-app notifications, addressed to one user or to every user of an organization."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column


class Notification(Base):
    """``kind`` names the event (``cycle_opened``, ``plan_published``, ``po_sent``...);
    ``link`` is a path inside the app. Unread while ``read_at`` is empty. ``dedupe_key``
    (optional) makes a notification once-only per user (a cutoff reminder per cycle);
    ``emailed_at`` records when its email left (see ``services.notifications``)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR organization_id IS NOT NULL", name="has_recipient"),
        UniqueConstraint("user_id", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dedupe_key: Mapped[str | None] = mapped_column(String(100))
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
