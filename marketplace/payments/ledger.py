"""The ledger: every charge, hub fee, refund, transfer and reversal of a cycle, in cents.

Rows are written by the payment services (add and flush, never commit). An entry is stored
``pending`` with its idempotency key before Stripe is called and becomes ``done`` with
Stripe's id once the answer is known, so only ``done`` entries count as money. Keys are made
from our ids (``sharedbuy:share-12:7f3a...:vendor-5:transfer-1``): the key of a share
payment carries a random part chosen once, so two databases never send the same key.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.models import EntryKind, EntryStatus, LedgerEntry, SharePayment

KEY_PREFIX = "sharedbuy"


def new_key_base(kind: str, object_id: int) -> str:
    """``sharedbuy:<kind>-<id>:<random>``: the stem of every key about one of our objects."""
    return f"{KEY_PREFIX}:{kind}-{object_id}:{secrets.token_hex(6)}"


def key_base(payment: SharePayment) -> str:
    return payment.intent_key.rsplit(":", 1)[0]


def attempt_key(payment: SharePayment, number: int) -> str:
    return f"{key_base(payment)}:attempt-{number}"


def entry_key(payment: SharePayment, kind: EntryKind, vendor_id: int | None = None, number: int = 1) -> str:
    vendor = f":vendor-{vendor_id}" if vendor_id is not None else ""
    return f"{key_base(payment)}{vendor}:{kind.value}-{number}"


def add_entry(session: Session, payment: SharePayment, kind: EntryKind, amount_cents: int, *,
              vendor_id: int | None = None, number: int = 1, status: EntryStatus = EntryStatus.PENDING,
              stripe_id: str | None = None, transfer_entry_id: int | None = None) -> LedgerEntry:
    """Add one entry of ``payment`` (flushes: a duplicate key raises ``IntegrityError`` here)."""
    entry = LedgerEntry(cycle_id=payment.cycle_id, payment_id=payment.id, member_id=payment.member_id,
                        vendor_id=vendor_id, kind=kind, status=status, amount_cents=amount_cents,
                        idempotency_key=entry_key(payment, kind, vendor_id, number), stripe_id=stripe_id,
                        transfer_entry_id=transfer_entry_id,
                        done_at=utcnow() if status is EntryStatus.DONE else None)
    session.add(entry)
    session.flush()
    return entry


def mark_done(entry: LedgerEntry, stripe_id: str | None) -> bool:
    """Record Stripe's answer on a pending entry; False when it was already decided."""
    if entry.status is not EntryStatus.PENDING:
        return False
    entry.status, entry.stripe_id, entry.done_at = EntryStatus.DONE, stripe_id, utcnow()
    return True


def mark_failed(entry: LedgerEntry, message: str) -> bool:
    if entry.status is not EntryStatus.PENDING:
        return False
    entry.status, entry.failure_message, entry.done_at = EntryStatus.FAILED, message[:500], utcnow()
    return True


@dataclass
class PairBook:
    """What the ledger says about one member's payment and one vendor."""

    refunded: int = 0
    transferred: int = 0  # transfers less reversals
    fee_refunded: int = 0  # the hub's fee given back (entries without a vendor)
    pending: list[LedgerEntry] = field(default_factory=list)
    count: dict[EntryKind, int] = field(default_factory=lambda: defaultdict(int))
    transfers: list[LedgerEntry] = field(default_factory=list)  # done transfers, oldest first
    reversed_of: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def next_number(self, kind: EntryKind) -> int:
        return self.count[kind] + 1


def pair_book(session: Session, payment_id: int, vendor_id: int | None) -> PairBook:
    """Every entry of one payment with one vendor, summed (failed ones only count for numbering);
    ``vendor_id=None``: the payment's own entries (its charge, the hub's fee and its refund)."""
    book = PairBook()
    vendor = LedgerEntry.vendor_id.is_(None) if vendor_id is None else LedgerEntry.vendor_id == vendor_id
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.payment_id == payment_id, vendor)
                           .order_by(LedgerEntry.id))
    for entry in rows:
        book.count[entry.kind] += 1
        if entry.status is EntryStatus.PENDING:
            book.pending.append(entry)
        elif entry.status is EntryStatus.DONE:
            if entry.kind is EntryKind.REFUND:
                book.refunded += entry.amount_cents
            elif entry.kind is EntryKind.FEE_REFUND:
                book.fee_refunded += entry.amount_cents
            elif entry.kind is EntryKind.TRANSFER:
                book.transferred += entry.amount_cents
                book.transfers.append(entry)
            elif entry.kind is EntryKind.REVERSAL:
                book.transferred -= entry.amount_cents
                book.reversed_of[entry.transfer_entry_id or 0] += entry.amount_cents
    return book


@dataclass(frozen=True)
class CycleTotals:
    """Done entries of one cycle, summed. ``held`` is what the platform still holds for vendors:
    ``charges = payouts + fees + refunds + held`` by construction, where ``fees`` is the hub's
    fee kept (charged less given back) and ``refunds`` all money back to members (goods and
    fees); the payout plan says what ``held`` should be, and a settled cycle holds nothing."""

    charges: int
    fees_charged: int
    goods_refunds: int
    transfers: int
    reversals: int
    fee_refunds: int = 0

    @property
    def fees(self) -> int:
        return self.fees_charged - self.fee_refunds

    @property
    def refunds(self) -> int:
        return self.goods_refunds + self.fee_refunds

    @property
    def payouts(self) -> int:
        return self.transfers - self.reversals

    @property
    def held(self) -> int:
        return self.charges - self.fees - self.refunds - self.payouts


def cycle_totals(session: Session, cycle_id: int) -> CycleTotals:
    sums = dict(session.execute(
        select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
        .where(LedgerEntry.cycle_id == cycle_id, LedgerEntry.status == EntryStatus.DONE)
        .group_by(LedgerEntry.kind)).all())
    return CycleTotals(*(int(sums.get(kind, 0)) for kind in (
        EntryKind.CHARGE, EntryKind.HUB_FEE, EntryKind.REFUND, EntryKind.TRANSFER, EntryKind.REVERSAL,
        EntryKind.FEE_REFUND)))
