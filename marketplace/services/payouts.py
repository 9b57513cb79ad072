"""Paying vendors: Stripe Connect accounts, and the payout job (refunds, transfers, reversals).

For each paid share and each vendor of the cycle, the payout plan says what the member's
money owes that vendor (:func:`payout_plan`): the member's part of the vendor's purchase
orders, less what the vendor did not deliver, which goes back to the member as a refund
(``services.refunds``, which the reports use too).
The job moves the ledger towards the plan, one Stripe call per difference:

- a reversal when the vendor was paid more than it is now owed (a shortage found late),
- a refund of the undelivered part to the member, on the member's charge,
- a transfer of the rest to the vendor, from that charge (``source_transaction``),
- the hub's fee back to a member none of whose goods came (every order cancelled or short of
  everything: :func:`fee_refund_plan`); a partial shortage keeps the fee.

Each call is a ledger entry stored ``pending`` with its key before the call, so running the
job again, or two at once, resumes the same calls with the same keys and never pays twice.
The plan made at the start of a run only says where to look: each step re-reads its target
under the payment's lock (:func:`current_target`), the lock a delivery correction takes too,
so a correction committed after the plan counts, and one after the step sees its entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.db import begin_write
from marketplace.models import (
    Cycle,
    EntryKind,
    EntryStatus,
    LedgerEntry,
    Organization,
    PaymentStatus,
    Role,
    SharePayment,
    StripeAccount,
    User,
)
from marketplace.payments import ledger, money
from marketplace.payments.errors import StripeRefusedError, StripeUnavailableError
from marketplace.payments.gateway import StripeGateway, require_gateway
from marketplace.services import refunds
from marketplace.services.payment_outcomes import lock_payment
from marketplace.services.payments import transfer_group
from marketplace.services.purchase_orders import FINISHED
from marketplace.services.scope import get_scoped, require_role


@dataclass(frozen=True)
class PairTarget:
    """What one paid share owes one vendor: ``allocated`` of the member's goods, of which
    ``refund`` was not delivered. ``ready`` once the vendor's purchase order is finished.
    ``member_id``, ``purchase_order_id`` and ``bought`` (what the member's lines and fees of
    that order cost) let :func:`current_target` recompute it."""

    payment_id: int
    vendor_id: int
    allocated: int
    refund: int
    ready: bool
    member_id: int
    purchase_order_id: int
    bought: int

    @property
    def transfer(self) -> int:
        return self.allocated - self.refund


def payout_plan(session: Session, cycle_id: int) -> list[PairTarget]:
    """The targets of every paid share of the cycle with every vendor it owes (a trusted read)."""
    payments = {p.share_id: p for p in session.scalars(select(SharePayment).where(
        SharePayment.cycle_id == cycle_id, SharePayment.status == PaymentStatus.PAID))}
    if not payments:
        return []
    missing = refunds.undelivered(session, cycle_id)
    targets = []
    for run_id in sorted({p.share.run_id for p in payments.values()}):
        targets += [PairTarget(payments[part.share_id].id, part.vendor_id, part.allocated, part.refund, part.ready,
                               part.member_id, part.purchase_order_id, part.bought)
                    for part in refunds.run_parts(session, run_id, missing) if part.share_id in payments]
    return targets


def current_target(session: Session, target: PairTarget) -> PairTarget:
    """``target`` as the vendor's order stands now, read afresh from the database. Called under
    the payment's lock, the lock a delivery correction takes before it changes the counts."""
    status, short = refunds.order_now(session, target.purchase_order_id, target.member_id)
    return replace(target, refund=refunds.part_refund(target.allocated, target.bought, short, status),
                   ready=status in FINISHED)


def _all_refunded(pairs: list[PairTarget]) -> bool:
    return all(t.ready for t in pairs) and sum(t.refund for t in pairs) == sum(t.allocated for t in pairs) > 0


@dataclass(frozen=True)
class FeeTarget:
    """The hub's fee ``fee`` of a payment whose goods are all refunded: it goes back too.
    ``pairs``: the payment's targets with each vendor, re-read before the fee goes back."""

    payment_id: int
    fee: int
    pairs: tuple[PairTarget, ...] = ()


def fee_refund_plan(session: Session, cycle_id: int, targets: list[PairTarget] | None = None) -> list[FeeTarget]:
    """Paid shares of the cycle with nothing delivered: every vendor's order finished and the
    whole of what the member paid for goods refunded (cancelled orders, every pack short)."""
    targets = payout_plan(session, cycle_id) if targets is None else targets
    by_payment: dict[int, list[PairTarget]] = defaultdict(list)
    for target in targets:
        by_payment[target.payment_id].append(target)
    refunded = [pid for pid, pairs in by_payment.items() if _all_refunded(pairs)]
    if not refunded:
        return []
    fees = dict(session.execute(select(SharePayment.id, SharePayment.fee_cents).where(
        SharePayment.id.in_(refunded), SharePayment.fee_cents > 0)).all())
    return [FeeTarget(pid, fees[pid], tuple(by_payment[pid])) for pid in sorted(fees)]


# ---------------------------------------------------------------- the job

@dataclass
class PayoutSummary:
    """What one run of the job did: Stripe objects made, calls still unanswered, refusals."""

    done: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pending: int = 0
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # vendors not able to receive transfers yet

    @property
    def total_done(self) -> int:
        return sum(self.done.values())


def pay_out_cycle(session: Session, actor: User, gateway: StripeGateway | None, cycle_id: int) -> PayoutSummary:
    """The hub runs the payout job for one cycle now (it also runs from ``sharedbuy payouts``)."""
    get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    return run_payouts(session, require_gateway(gateway), cycle_id=cycle_id)


def payout_cycles(session: Session) -> list[int]:
    """Cycles with paid shares: where the job has something to look at."""
    return list(session.scalars(select(SharePayment.cycle_id).where(SharePayment.status == PaymentStatus.PAID)
                                .distinct().order_by(SharePayment.cycle_id)))


def run_payouts(session: Session, gateway: StripeGateway, *, cycle_id: int | None = None) -> PayoutSummary:
    """Refund shortages and pay vendors for every finished purchase order of paid shares.

    Safe to run at any time, again, or twice at once. Commits after each step."""
    summary = PayoutSummary()
    for cycle in [cycle_id] if cycle_id is not None else payout_cycles(session):
        targets = payout_plan(session, cycle)
        fees = fee_refund_plan(session, cycle, targets)
        session.commit()  # a read: each step below is a short transaction of its own
        for target in targets:
            if target.ready:
                _settle(session, gateway, lambda t=target: _next_step(session, t, summary), summary)
        for fee in fees:
            _settle(session, gateway, lambda f=fee: _next_fee_step(session, f), summary)
    session.commit()
    return summary


def _settle(session: Session, gateway: StripeGateway, next_step: Callable[[], tuple[int, Call] | None],
            summary: PayoutSummary) -> None:
    for _round in range(4):  # each round makes or resumes one call; a settled target stops early
        step = next_step()
        if step is None:
            return
        entry_id, call = step
        if not _perform(session, gateway, entry_id, call, summary):
            return  # unanswered (resumed with the same key) or refused (a new key next run)


#: Reads what a stored call needs (in the open transaction); the request it returns runs after
#: that transaction ends, so no database lock or snapshot is held while Stripe answers.
Call = Callable[[Session, LedgerEntry], Callable[[StripeGateway], dict[str, Any]]]


def _next_step(session: Session, target: PairTarget, summary: PayoutSummary) -> tuple[int, Call] | None:
    """The next call towards the target, stored and committed with its key (None: settled).

    A pending entry is re-sent as stored (same key, same amount: it may have reached Stripe).
    Otherwise the target is recomputed under the lock, and a new entry gets the next number:
    a new key for a new amount, never an old key with other parameters."""
    payment = lock_payment(session, target.payment_id)  # one planner per payment at a time
    book = ledger.pair_book(session, payment.id, target.vendor_id)
    if book.pending:
        entry = book.pending[0]
        session.commit()
        return entry.id, _CALLS[entry.kind]
    target = current_target(session, target)
    if not target.ready:
        session.commit()
        return None
    account = session.scalar(select(StripeAccount).where(StripeAccount.organization_id == target.vendor_id))
    if book.transferred > target.transfer:
        transfer = next(t for t in reversed(book.transfers) if t.amount_cents > book.reversed_of[t.id])
        amount = min(book.transferred - target.transfer, transfer.amount_cents - book.reversed_of[transfer.id])
        return _store(session, payment, target.vendor_id, EntryKind.REVERSAL, amount, book, transfer.id)
    if book.refunded < target.refund:
        return _store(session, payment, target.vendor_id, EntryKind.REFUND, target.refund - book.refunded, book)
    if book.transferred < target.transfer:
        if account is None or account.stripe_id is None or not account.transfers_active:
            vendor = session.get_one(Organization, target.vendor_id).name
            summary.waiting.append(f"{vendor}: no Stripe account able to receive transfers yet")
            session.commit()
            return None
        return _store(session, payment, target.vendor_id, EntryKind.TRANSFER, target.transfer - book.transferred,
                      book)
    session.commit()
    return None


def _next_fee_step(session: Session, target: FeeTarget) -> tuple[int, Call] | None:
    """The refund of the hub's fee, stored with its key (None: refunded already)."""
    payment = lock_payment(session, target.payment_id)
    book = ledger.pair_book(session, payment.id, None)
    if book.pending:
        entry = book.pending[0]
        session.commit()
        return entry.id, _CALLS[entry.kind]
    if target.pairs and not _all_refunded([current_target(session, pair) for pair in target.pairs]):
        session.commit()  # a correction since the plan: something came after all, the fee is kept
        return None
    if book.fee_refunded < target.fee:
        return _store(session, payment, None, EntryKind.FEE_REFUND, target.fee - book.fee_refunded, book)
    session.commit()
    return None


def _store(session: Session, payment: SharePayment, vendor_id: int | None, kind: EntryKind, amount: int,
           book: ledger.PairBook, transfer_entry_id: int | None = None) -> tuple[int, Call] | None:
    try:
        entry = ledger.add_entry(session, payment, kind, amount, vendor_id=vendor_id,
                                 number=book.next_number(kind), transfer_entry_id=transfer_entry_id)
        session.commit()
    except IntegrityError:
        session.rollback()  # another run stored this very call: it will make it
        return None
    return entry.id, _CALLS[kind]


def _perform(session: Session, gateway: StripeGateway, entry_id: int, call: Call, summary: PayoutSummary) -> bool:
    """Make (or re-send) one stored call and record Stripe's answer; True when it was done."""
    request = call(session, session.get_one(LedgerEntry, entry_id))
    session.commit()
    try:
        answer = request(gateway)
    except StripeUnavailableError:
        session.rollback()
        summary.pending += 1
        return False
    except StripeRefusedError as error:
        entry = _lock_entry(session, entry_id)
        if ledger.mark_failed(entry, error.message):
            summary.failed.append(f"{entry.kind.label} of {money.format_cents(entry.amount_cents)}: {error.message}")
        session.commit()
        return False
    entry = _lock_entry(session, entry_id)
    if ledger.mark_done(entry, answer["id"]):
        summary.done[entry.kind.value] += 1
    session.commit()
    return True


def resume_entry(session: Session, gateway: StripeGateway, entry_id: int) -> bool:
    """Re-send one pending call with its key (reconciliation); True once it is decided."""
    entry = session.get_one(LedgerEntry, entry_id)
    if entry.status is EntryStatus.PENDING:
        _perform(session, gateway, entry_id, _CALLS[entry.kind], PayoutSummary())
    return session.get_one(LedgerEntry, entry_id).status is not EntryStatus.PENDING


def _lock_entry(session: Session, entry_id: int) -> LedgerEntry:
    begin_write(session)
    return session.scalars(select(LedgerEntry).where(LedgerEntry.id == entry_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def entry_metadata(entry: LedgerEntry) -> dict[str, str]:
    vendor = {} if entry.vendor_id is None else {"vendor_id": str(entry.vendor_id)}
    return {"ledger_entry_id": str(entry.id), "share_payment_id": str(entry.payment_id),
            "cycle_id": str(entry.cycle_id), **vendor}


def _refund(session: Session, entry: LedgerEntry) -> Callable[[StripeGateway], dict[str, Any]]:
    key, charge, amount, metadata = (entry.idempotency_key, entry.payment.charge_id or "", entry.amount_cents,
                                     entry_metadata(entry))
    return lambda gateway: gateway.create_refund(key, charge=charge, amount=amount, metadata=metadata)


def _transfer(session: Session, entry: LedgerEntry) -> Callable[[StripeGateway], dict[str, Any]]:
    destination = session.scalar(select(StripeAccount.stripe_id).where(
        StripeAccount.organization_id == entry.vendor_id)) or ""
    params = {"amount": entry.amount_cents, "currency": entry.payment.currency, "destination": destination,
              "source_transaction": entry.payment.charge_id or "", "transfer_group": transfer_group(entry.cycle_id),
              "metadata": entry_metadata(entry)}
    key = entry.idempotency_key
    return lambda gateway: gateway.create_transfer(key, **params)


def _reverse(session: Session, entry: LedgerEntry) -> Callable[[StripeGateway], dict[str, Any]]:
    transfer = session.get_one(LedgerEntry, entry.transfer_entry_id or 0)
    key, transfer_id, amount, metadata = (entry.idempotency_key, transfer.stripe_id or "", entry.amount_cents,
                                          entry_metadata(entry))
    return lambda gateway: gateway.create_reversal(key, transfer=transfer_id, amount=amount, metadata=metadata)


_CALLS: dict[EntryKind, Call] = {EntryKind.REFUND: _refund, EntryKind.FEE_REFUND: _refund,
                                 EntryKind.TRANSFER: _transfer, EntryKind.REVERSAL: _reverse}
