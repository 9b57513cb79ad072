"""Payments: what each member pays for its share, the ledger of money moved through Stripe,
vendors' Stripe accounts, the hub's fee, webhook events and reconciliation reports.

Money is in integer cents. Every call to Stripe has an idempotency key made from our own ids
and stored (unique) before the call; a retry sends the same key, so Stripe does it once.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, UTCDateTime
from marketplace.models._types import created_at_column, str_enum, updated_at_column
from marketplace.models.cycles import Cycle
from marketplace.models.organizations import Organization
from marketplace.models.shares import MemberShare
from marketplace.models.users import User

KEY_LENGTH = 120
STRIPE_ID_LENGTH = 100


class HubFeeSetting(Base):
    """The hub's fee on each member's share of a cycle: ``percent`` of the goods plus
    ``fixed_cents``, charged on top of the share and kept by the platform."""

    __tablename__ = "hub_fee_settings"
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_in_range"),
        CheckConstraint("fixed_cents >= 0", name="fixed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), unique=True)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    fixed_cents: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = updated_at_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class StripeAccount(Base):
    """A vendor's Stripe Connect (express) account; transfers need ``transfers_active``."""

    __tablename__ = "stripe_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    stripe_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH), unique=True)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    transfers_active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    organization: Mapped[Organization] = relationship()


class PaymentStatus(enum.StrEnum):
    UNPAID = "unpaid"  # nothing tried yet
    PENDING = "pending"  # a try is on its way to Stripe (or its answer was lost: resumed later)
    PROCESSING = "processing"  # a bank debit waits for the bank
    PAID = "paid"
    FAILED = "failed"  # the last try failed: the director may try another method

    @property
    def label(self) -> str:
        return {"unpaid": "Not paid yet", "pending": "Being processed", "processing": "Bank debit in progress",
                "paid": "Paid", "failed": "Payment failed"}[self.value]


class SharePayment(Base):
    """The payment of one member share: one PaymentIntent (``intent_key``), confirmed by one
    or more attempts. ``amount_cents = goods_cents + fee_cents`` is fixed when it is made."""

    __tablename__ = "share_payments"
    __table_args__ = (
        CheckConstraint("amount_cents = goods_cents + fee_cents", name="amount_adds_up"),
        CheckConstraint("goods_cents >= 0 AND fee_cents >= 0", name="parts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("member_shares.id"), unique=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    goods_cents: Mapped[int]
    fee_cents: Mapped[int]
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, "payment_status"),
                                                  default=PaymentStatus.UNPAID)
    intent_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH), unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH), unique=True)
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    share: Mapped[MemberShare] = relationship()
    cycle: Mapped[Cycle] = relationship()
    member: Mapped[Organization] = relationship()
    attempts: Mapped[list[PaymentAttempt]] = relationship(
        back_populates="payment", order_by="PaymentAttempt.number")


class AttemptStatus(enum.StrEnum):
    PENDING = "pending"  # stored, sent or about to be sent
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": "Sent", "processing": "Processing", "succeeded": "Succeeded",
                "failed": "Failed"}[self.value]


class PaymentAttempt(Base):
    """One confirmation of a share's PaymentIntent with one payment method."""

    __tablename__ = "payment_attempts"
    __table_args__ = (UniqueConstraint("payment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("share_payments.id", ondelete="CASCADE"))
    number: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    method_type: Mapped[str] = mapped_column(String(20))
    payment_method: Mapped[str] = mapped_column(String(STRIPE_ID_LENGTH))
    status: Mapped[AttemptStatus] = mapped_column(str_enum(AttemptStatus, "attempt_status"),
                                                  default=AttemptStatus.PENDING)
    charge_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH))
    failure_code: Mapped[str] = mapped_column(String(60), default="")
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    payment: Mapped[SharePayment] = relationship(back_populates="attempts")
    created_by: Mapped[User | None] = relationship()


class EntryKind(enum.StrEnum):
    CHARGE = "charge"  # a member paid (money in)
    HUB_FEE = "hub_fee"  # the part of a charge the platform keeps
    REFUND = "refund"  # money back to a member (shortages)
    TRANSFER = "transfer"  # money out to a vendor
    REVERSAL = "reversal"  # money back from a vendor's transfer
    FEE_REFUND = "fee_refund"  # the hub's fee back to a member whose goods were all refunded

    @property
    def label(self) -> str:
        return {"charge": "Charge", "hub_fee": "Hub fee", "refund": "Refund", "transfer": "Transfer",
                "reversal": "Transfer reversal", "fee_refund": "Hub fee refund"}[self.value]


class EntryStatus(enum.StrEnum):
    PENDING = "pending"  # stored with its key, Stripe's answer not recorded yet
    DONE = "done"
    FAILED = "failed"  # Stripe refused it for good: not money, a new entry (new key) may follow


class LedgerEntry(Base):
    """One movement of money of a cycle, in cents, with its Stripe id. Only ``done`` entries
    are money; ``pending`` ones are calls whose outcome is being confirmed (same key)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("share_payments.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "entry_kind"))
    status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus, "entry_status"),
                                                default=EntryStatus.PENDING)
    amount_cents: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    stripe_id: Mapped[str | None] = mapped_column(String(STRIPE_ID_LENGTH), unique=True)
    transfer_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = created_at_column()
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    payment: Mapped[SharePayment] = relationship()
    member: Mapped[Organization] = relationship(foreign_keys=[member_id])
    vendor: Mapped[Organization | None] = relationship(foreign_keys=[vendor_id])


class WebhookEvent(Base):
    """A Stripe event we processed: its id is unique, and the row is written in the same
    transaction as the event's effect, so each event has its effect once."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(STRIPE_ID_LENGTH), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = created_at_column()


class ReconciliationReport(Base):
    """Our ledger against Stripe's charges, refunds and transfers for one cycle."""

    __tablename__ = "reconciliation_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    discrepancies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = created_at_column()

    cycle: Mapped[Cycle] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def ok(self) -> bool:
        return not self.discrepancies


class PaymentJobKind(enum.StrEnum):
    PAYOUTS = "payouts"  # refunds, transfers and reversals of one cycle
    RECONCILE = "reconcile"  # the ledger against Stripe, for one cycle

    @property
    def label(self) -> str:
        return {"payouts": "Pay vendors", "reconcile": "Reconcile with Stripe"}[self.value]


class PaymentJobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed"}[self.value]


class PaymentJob(Base):
    """A payout or reconciliation run the hub started from the cycle's money page, done in the
    background; ``result`` is what it did (payouts) and ``report`` what it found (reconcile)."""

    __tablename__ = "payment_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    kind: Mapped[PaymentJobKind] = mapped_column(str_enum(PaymentJobKind, "payment_job_kind"))
    status: Mapped[PaymentJobStatus] = mapped_column(str_enum(PaymentJobStatus, "payment_job_status"),
                                                     default=PaymentJobStatus.QUEUED)
    job_id: Mapped[str | None] = mapped_column(String(100))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(500), default="")
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_reports.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cycle: Mapped[Cycle] = relationship()
    report: Mapped[ReconciliationReport | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.status in (PaymentJobStatus.QUEUED, PaymentJobStatus.RUNNING)
