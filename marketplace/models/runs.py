"""Optimization runs of a cycle and the plan a successful run produced.

A run stores what went into the optimizer (``instance_json``, the spec's instance), what came
out (``plan_json``, the spec's plan) and the solver's log; a successful run also writes its plan
as rows (:class:`PlanLine`, :class:`PlanDelivery`) so shares and purchase orders can be queried.
Money: integer cents, except per-pack prices (``unit_price``, dollars with 4 places).

The three texts are large (a 300-site run holds about 2 MB) and load only when read; their
SHA-256 digests (``instance_sha256``, ``plan_sha256``), kept up to date on every assignment,
name their content for the caches of what is computed from them.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column, str_enum
from marketplace.models.catalog import Item
from marketplace.models.cycles import Cycle
from marketplace.models.offers import Offer
from marketplace.models.organizations import Organization
from marketplace.models.sites import Site
from marketplace.models.users import User


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # the optimizer answered (its plan may still be infeasible: plan_status)
    FAILED = "failed"  # an error; see ``error``
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"queued": "Waiting to start", "running": "Running", "succeeded": "Finished",
                "failed": "Failed", "cancelled": "Cancelled"}[self.value]

    @property
    def finished(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class OptimizationRun(Base):
    """One optimizer job for a cycle; ``number`` counts the cycle's runs from 1.

    ``options`` holds the optimizer options used (spec names: ``max_overbuy_fraction``,
    ``max_vendors_per_site``, ``time_limit_s``, ``mip_gap``). ``progress`` is the last report
    while running: ``{"phase", "elapsed_s", "best_cost", "bound"}`` (money as decimal strings).
    ``plan_status`` is the plan's ``status`` (optimal, feasible, infeasible)."""

    __tablename__ = "optimization_runs"
    __table_args__ = (UniqueConstraint("cycle_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "run_status"), default=RunStatus.QUEUED)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    excluded_member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    excluded_vendor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    instance_json: Mapped[str | None] = mapped_column(Text, deferred=True)
    plan_json: Mapped[str | None] = mapped_column(Text, deferred=True)
    instance_sha256: Mapped[str | None] = mapped_column(String(64))
    plan_sha256: Mapped[str | None] = mapped_column(String(64))
    solver_log: Mapped[str] = mapped_column(Text, default="", deferred=True)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    plan_status: Mapped[str | None] = mapped_column(String(20))
    total_cents: Mapped[int | None]
    standalone_cents: Mapped[int | None]
    savings_cents: Mapped[int | None]
    job_id: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cycle: Mapped[Cycle] = relationship(foreign_keys=[cycle_id])
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<OptimizationRun {self.id} cycle {self.cycle_id} #{self.number} {self.status.value}>"


def sha256_of(text: str | None) -> str | None:
    """The hex SHA-256 of a run's stored text (None for None)."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


@event.listens_for(OptimizationRun.instance_json, "set")
def _instance_set(run: OptimizationRun, value: str | None, _old: Any, _initiator: Any) -> None:
    run.instance_sha256 = sha256_of(value)


@event.listens_for(OptimizationRun.plan_json, "set")
def _plan_set(run: OptimizationRun, value: str | None, _old: Any, _initiator: Any) -> None:
    run.plan_sha256 = sha256_of(value)


class PlanLine(Base):
    """Whole packs of one offer delivered to one site, as the run's plan says.

    ``unit_price`` is the price per pack reached on the pooled quantity (the average price per
    pack for incremental discounts); ``tier_position`` is the tier reached, 1 for the base tier
    (as ``OfferTier.position`` and the plan's ``lines[].tier``); ``amount_cents`` is the site's
    share of the offer's cost (the plan's ``lines[].amount``)."""

    __tablename__ = "plan_lines"
    __table_args__ = (
        UniqueConstraint("run_id", "site_id", "offer_id"),
        CheckConstraint("packs > 0", name="packs_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("optimization_runs.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    packs: Mapped[int]
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 6))  # packs x pack size, item's unit
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    amount_cents: Mapped[int]
    tier_position: Mapped[int] = mapped_column(default=1)

    run: Mapped[OptimizationRun] = relationship()
    site: Mapped[Site] = relationship()
    member: Mapped[Organization] = relationship(foreign_keys=[member_id])
    vendor: Mapped[Organization] = relationship(foreign_keys=[vendor_id])
    offer: Mapped[Offer] = relationship()
    item: Mapped[Item] = relationship()


class PlanDelivery(Base):
    """One vendor's drop at one site in the run's plan, with the fee charged (0 when waived)."""

    __tablename__ = "plan_deliveries"
    __table_args__ = (
        UniqueConstraint("run_id", "site_id", "vendor_id"),
        CheckConstraint("fee_cents >= 0", name="fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("optimization_runs.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    fee_cents: Mapped[int] = mapped_column(default=0)

    run: Mapped[OptimizationRun] = relationship()
    site: Mapped[Site] = relationship()
    member: Mapped[Organization] = relationship(foreign_keys=[member_id])
    vendor: Mapped[Organization] = relationship(foreign_keys=[vendor_id])
