"""Reconciliation: our ledger against Stripe's charges, refunds and transfers, per cycle.

First every undecided thing is settled the only safe way, by asking Stripe again with the
same idempotency keys (a payment whose answer was lost, a refund or transfer never answered);
then both sides are listed and compared, and every difference is reported: a charge, refund,
transfer or reversal on one side only, an amount that differs, anything still undecided, and
money paid out beyond what the payout plan allows. The report is stored for the hub's page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import begin_write
from marketplace.models import (
    Cycle,
    EntryKind,
    EntryStatus,
    LedgerEntry,
    PaymentStatus,
    ReconciliationReport,
    Role,
    SharePayment,
    User,
)
from marketplace.payments import ledger, money
from marketplace.payments.errors import StripeUnavailableError
from marketplace.payments.gateway import StripeGateway, require_gateway
from marketplace.services.payments import resume_payment, transfer_group
from marketplace.services.payouts import fee_refund_plan, payout_plan, resume_entry
from marketplace.services.scope import get_scoped, require_role, scoped_select


@dataclass(frozen=True)
class Discrepancy:
    """One difference. ``kind`` is a code, ``message`` says it in words for the hub."""

    kind: str
    message: str
    stripe_id: str | None = None
    entry_id: int | None = None
    ours: int | None = None
    stripe: int | None = None


@dataclass
class StripeSide:
    charges: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    transfers: list[dict[str, Any]]
    reversals: list[dict[str, Any]]


def reconcile_cycle(session: Session, gateway: StripeGateway | None, cycle_id: int, *,
                    actor: User | None = None) -> ReconciliationReport:
    """Settle what is undecided, compare both sides and store the report (the hub, or a job)."""
    if actor is not None:
        get_scoped(session, actor, Cycle, cycle_id)
        require_role(actor, Role.HUB_MANAGER)
    gateway = require_gateway(gateway)
    _settle_undecided(session, gateway, cycle_id)
    entries = list(session.scalars(select(LedgerEntry).where(LedgerEntry.cycle_id == cycle_id)
                                   .order_by(LedgerEntry.id)))
    session.commit()  # a read only: end it before the (long) listing at Stripe
    try:
        stripe = _stripe_side(gateway, cycle_id, entries)
    except StripeUnavailableError:
        stripe = None
    found = _compare(stripe, entries) if stripe else [Discrepancy(
        "stripe_unavailable", "Stripe did not answer: nothing could be compared. Run it again later.")]
    found += _undecided(session, cycle_id, entries)
    plan_problems, totals = _against_plan(session, cycle_id, entries)
    found += plan_problems
    if stripe:
        totals.update(_stripe_totals(stripe))
    session.commit()  # the comparison only read: the report is written in a transaction of its own
    begin_write(session)
    report = ReconciliationReport(cycle_id=cycle_id, created_by_id=actor.id if actor else None, totals=totals,
                                  discrepancies=[asdict(d) for d in found])
    session.add(report)
    session.commit()
    return report


def reconcile_all(session: Session, gateway: StripeGateway) -> list[ReconciliationReport]:
    """Reconcile every cycle that has payments (the job and ``sharedbuy reconcile``)."""
    cycles = session.scalars(select(SharePayment.cycle_id).distinct().order_by(SharePayment.cycle_id)).all()
    return [reconcile_cycle(session, gateway, cycle_id) for cycle_id in cycles]


def latest_report(session: Session, actor: User, cycle_id: int) -> ReconciliationReport | None:
    get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    return session.scalar(scoped_select(actor, ReconciliationReport, ReconciliationReport.cycle_id == cycle_id)
                          .order_by(ReconciliationReport.id.desc()).limit(1))


@dataclass
class CycleLedger:
    """The hub's view of one cycle's money: payments, ledger rows and their totals."""

    cycle: Cycle
    totals: ledger.CycleTotals
    payments: list[SharePayment]
    entries: list[LedgerEntry]


def cycle_ledger(session: Session, actor: User, cycle_id: int) -> CycleLedger:
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    rows = list(session.scalars(scoped_select(actor, SharePayment, SharePayment.cycle_id == cycle.id)
                                .order_by(SharePayment.id)))
    entries = list(session.scalars(scoped_select(actor, LedgerEntry, LedgerEntry.cycle_id == cycle.id)
                                   .order_by(LedgerEntry.id)))
    return CycleLedger(cycle, ledger.cycle_totals(session, cycle.id), rows, entries)


def _settle_undecided(session: Session, gateway: StripeGateway, cycle_id: int) -> None:
    undecided = session.scalars(select(SharePayment.id).where(  # paid in a browser, unheard of: asked too
        SharePayment.cycle_id == cycle_id, SharePayment.status != PaymentStatus.PAID,
        (SharePayment.status.in_([PaymentStatus.PENDING, PaymentStatus.PROCESSING])
         | SharePayment.payment_intent_id.is_not(None)))).all()
    for payment_id in undecided:
        resume_payment(session, gateway, payment_id)
    pending = session.scalars(select(LedgerEntry.id).where(
        LedgerEntry.cycle_id == cycle_id, LedgerEntry.status == EntryStatus.PENDING)
        .order_by(LedgerEntry.id)).all()
    for entry_id in pending:
        resume_entry(session, gateway, entry_id)


def _stripe_side(gateway: StripeGateway, cycle_id: int, entries: list[LedgerEntry]) -> StripeSide:
    group = transfer_group(cycle_id)
    charges = gateway.list_charges(group)
    refunds = [r for c in charges if c.get("amount_refunded") for r in gateway.list_refunds(c["id"])]
    transfers = gateway.list_transfers(group)
    ours_reversed = {e.transfer_entry_id for e in entries if e.kind is EntryKind.REVERSAL}
    transfer_ids = {e.id: e.stripe_id for e in entries if e.kind is EntryKind.TRANSFER}
    wanted = {t["id"] for t in transfers if t.get("amount_reversed")} | {
        transfer_ids.get(i) for i in ours_reversed if transfer_ids.get(i)}
    reversals = [r for t in sorted(x for x in wanted if x) for r in gateway.list_reversals(t)]
    return StripeSide(charges, refunds, transfers, reversals)


def _compare(stripe: StripeSide, entries: list[LedgerEntry]) -> list[Discrepancy]:
    done = [e for e in entries if e.status is EntryStatus.DONE]
    found = _match("charge", [c for c in stripe.charges if c.get("status") == "succeeded"],
                   [e for e in done if e.kind is EntryKind.CHARGE])
    pending_charges = {c["id"] for c in stripe.charges if c.get("status") == "pending"}
    found += [Discrepancy("charge_not_final", f"Charge {e.stripe_id} is still pending at Stripe but paid here.",
                          e.stripe_id, e.id) for e in done if e.kind is EntryKind.CHARGE and e.stripe_id in pending_charges]
    found += _match("refund", stripe.refunds, [e for e in done if e.kind in (EntryKind.REFUND, EntryKind.FEE_REFUND)])
    found += _match("transfer", stripe.transfers, [e for e in done if e.kind is EntryKind.TRANSFER])
    found += _match("reversal", stripe.reversals, [e for e in done if e.kind is EntryKind.REVERSAL])
    return found


def _match(kind: str, theirs: list[dict[str, Any]], ours: list[LedgerEntry]) -> list[Discrepancy]:
    found = []
    by_id = {e.stripe_id: e for e in ours}
    for obj in theirs:
        entry = by_id.pop(obj["id"], None)
        if entry is None:
            found.append(Discrepancy(f"unknown_{kind}", f"Stripe has a {kind} of {money.format_cents(obj['amount'])} "
                                     f"({obj['id']}) that our ledger does not know.", obj["id"], None, None,
                                     obj["amount"]))
        elif entry.amount_cents != obj["amount"]:
            found.append(Discrepancy("amount_mismatch", f"The {kind} {obj['id']} is {money.format_cents(obj['amount'])} "
                                     f"at Stripe and {money.format_cents(entry.amount_cents)} in our ledger.",
                                     obj["id"], entry.id, entry.amount_cents, obj["amount"]))
    for entry in by_id.values():
        found.append(Discrepancy(f"{kind}_missing_at_stripe", f"Our ledger has a {kind} of "
                                 f"{money.format_cents(entry.amount_cents)} ({entry.stripe_id}) that Stripe does not.",
                                 entry.stripe_id, entry.id, entry.amount_cents, None))
    return found


def _undecided(session: Session, cycle_id: int, entries: list[LedgerEntry]) -> list[Discrepancy]:
    found = [Discrepancy("undecided_call", f"A {e.kind.label.lower()} of {money.format_cents(e.amount_cents)} "
                         "is still unanswered by Stripe: it is re-sent with its key on the next run.", None, e.id,
                         e.amount_cents) for e in entries if e.status is EntryStatus.PENDING]
    charged = {e.payment_id for e in entries if e.kind is EntryKind.CHARGE and e.status is EntryStatus.DONE}
    for payment in session.scalars(select(SharePayment).where(SharePayment.cycle_id == cycle_id)):
        if payment.status is PaymentStatus.PENDING:
            found.append(Discrepancy("undecided_payment", f"The payment of {payment.member.name} is still "
                                     "unanswered by Stripe.", payment.payment_intent_id))
        elif payment.status is PaymentStatus.PAID and payment.id not in charged:
            found.append(Discrepancy("paid_without_charge", f"{payment.member.name}'s share is marked paid but "
                                     "our ledger has no charge for it.", payment.charge_id))
    return found


def _against_plan(session: Session, cycle_id: int, entries: list[LedgerEntry]) -> tuple[list[Discrepancy], dict[str, Any]]:
    """Nothing refunded or paid out beyond the plan; what is still owed; the identity."""
    found: list[Discrepancy] = []
    owed = to_refund = to_reverse = 0
    unfinished = False
    targets = payout_plan(session, cycle_id)
    fee_problems, to_refund = _fees_against_plan(session, cycle_id, entries, targets)
    found += fee_problems
    for target in targets:
        book = ledger.pair_book(session, target.payment_id, target.vendor_id)
        if book.transferred + book.refunded > target.allocated:
            found.append(Discrepancy("overpaid", f"Vendor {target.vendor_id} and member refunds got "
                                     f"{money.format_cents(book.transferred + book.refunded - target.allocated)} "
                                     f"more than payment {target.payment_id} owes them.", None, None,
                                     book.transferred + book.refunded, target.allocated))
        if book.refunded > target.refund:
            found.append(Discrepancy("over_refunded", f"Payment {target.payment_id} was refunded "
                                     f"{money.format_cents(book.refunded - target.refund)} more than its shortages."))
        if not target.ready:
            unfinished = True
            continue
        owed += max(target.transfer - book.transferred, 0)
        to_refund += max(target.refund - book.refunded, 0)
        to_reverse += max(book.transferred - target.transfer, 0)  # a shortage found after the payout
    totals = ledger.cycle_totals(session, cycle_id)
    settled = not unfinished and owed == to_refund == to_reverse == 0
    if settled and totals.held != 0:
        found.append(Discrepancy("money_held", f"Every order is finished and settled, yet the ledger holds "
                                 f"{money.format_cents(totals.held)}: charges must equal payouts, fee and refunds.",
                                 ours=totals.held, stripe=0))
    by_kind: dict[str, int] = defaultdict(int)
    for e in entries:
        if e.status is EntryStatus.FAILED:
            by_kind[e.kind.value] += 1
    return found, {"charges": totals.charges, "fees": totals.fees, "refunds": totals.refunds,
                   "fee_refunds": totals.fee_refunds,
                   "transfers": totals.transfers, "reversals": totals.reversals, "payouts": totals.payouts,
                   "held": totals.held, "owed_to_vendors": owed, "to_refund": to_refund, "to_reverse": to_reverse,
                   "settled": settled,
                   "failed_calls": dict(by_kind)}


def _fees_against_plan(session: Session, cycle_id: int, entries: list[LedgerEntry],
                       targets: list[Any]) -> tuple[list[Discrepancy], int]:
    """The hub's fee goes back only to members whose goods were all refunded, once: what was
    refunded beyond that, and what is still to refund."""
    due = {t.payment_id: t.fee for t in fee_refund_plan(session, cycle_id, targets)}
    refunded: dict[int, int] = defaultdict(int)
    for e in entries:
        if e.kind is EntryKind.FEE_REFUND and e.status is EntryStatus.DONE:
            refunded[e.payment_id] += e.amount_cents
    found = [Discrepancy("fee_over_refunded", f"Payment {payment_id} got {money.format_cents(amount - due.get(payment_id, 0))} "
                         "of the hub's fee back beyond the rule (only members whose goods were all refunded get it back).",
                         ours=amount, stripe=due.get(payment_id, 0))
             for payment_id, amount in sorted(refunded.items()) if amount > due.get(payment_id, 0)]
    return found, sum(max(fee - refunded[payment_id], 0) for payment_id, fee in due.items())


def _stripe_totals(stripe: StripeSide) -> dict[str, int]:
    charged = sum(c["amount"] for c in stripe.charges if c.get("status") == "succeeded")
    transferred = sum(t["amount"] - t.get("amount_reversed", 0) for t in stripe.transfers)
    return {"stripe_charges": charged, "stripe_refunds": sum(r["amount"] for r in stripe.refunds),
            "stripe_payouts": transferred}
