"""Each member's share of a run's plan: what it is charged, what it would have paid alone,
and the director's decision. Payments charge approved shares of finalized cycles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column, str_enum
from marketplace.models.cycles import Cycle
from marketplace.models.organizations import Organization
from marketplace.models.runs import OptimizationRun
from marketplace.models.users import User


class ShareStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the director
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # replaced by the share of a newer run

    @property
    def label(self) -> str:
        return {"pending": "Waiting for approval", "approved": "Approved", "rejected": "Rejected",
                "superseded": "Superseded"}[self.value]


class MemberShare(Base):
    """A member's part of one run: ``cost_cents`` (the plan's ``members[].cost``) and
    ``standalone_cents`` (empty when the member cannot buy alone). ``version`` grows each time
    the share is offered again for approval."""

    __tablename__ = "member_shares"
    __table_args__ = (
        UniqueConstraint("run_id", "member_id"),
        CheckConstraint("cost_cents >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("optimization_runs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    cost_cents: Mapped[int]
    standalone_cents: Mapped[int | None]
    status: Mapped[ShareStatus] = mapped_column(str_enum(ShareStatus, "share_status"),
                                                default=ShareStatus.PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = created_at_column()

    cycle: Mapped[Cycle] = relationship()
    run: Mapped[OptimizationRun] = relationship()
    member: Mapped[Organization] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def savings_cents(self) -> int | None:
        return None if self.standalone_cents is None else self.standalone_cents - self.cost_cents
