"""Recording what Stripe says about a share's PaymentIntent, from any source, in any order.

The same outcome may arrive three times (the confirmation's answer, a webhook, the
reconciliation job) and webhooks may arrive late or out of order. So: the payment row is
locked, a decided attempt never changes again, the payment's status is recomputed from its
attempts, and a paid payment has exactly one charge entry (its key is unique).
These are helpers: they flush, the calling service commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import begin_write, utcnow
from marketplace.models import (
    AttemptStatus,
    EntryKind,
    EntryStatus,
    LedgerEntry,
    Organization,
    PaymentAttempt,
    PaymentStatus,
    SharePayment,
)
from marketplace.payments import ledger, money
from marketplace.services.audit import record_event
from marketplace.services.notifications import PAYMENT_FAILED, notify

FINAL = (AttemptStatus.SUCCEEDED, AttemptStatus.FAILED)


def lock_payment(session: Session, payment_id: int) -> SharePayment:
    """The payment, re-read under its row lock (PostgreSQL; SQLite: the write lock when it
    starts the transaction): one writer at a time."""
    begin_write(session)
    return session.scalars(select(SharePayment).where(SharePayment.id == payment_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _attempts(session: Session, payment: SharePayment) -> list[PaymentAttempt]:
    return list(session.scalars(select(PaymentAttempt).where(PaymentAttempt.payment_id == payment.id)
                                .order_by(PaymentAttempt.number).execution_options(populate_existing=True)))


def _object_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, str) else None


def _find_attempt(attempts: list[PaymentAttempt], attempt_id: int | None, key: str | None,
                  charge_id: str | None) -> PaymentAttempt | None:
    """The attempt an outcome is about: named, or by its request's key, or by its charge; else
    the one attempt still undecided (there is never more than one)."""
    for attempt in attempts:
        if attempt.id == attempt_id or (key and attempt.idempotency_key == key):
            return attempt
    for attempt in attempts:
        if charge_id and attempt.charge_id == charge_id:
            return attempt
    return next((a for a in attempts if a.status not in FINAL), None)


def apply_intent(session: Session, payment_id: int, intent: dict[str, Any], *, attempt_id: int | None,
                 request_key: str | None = None) -> str:
    """Apply a PaymentIntent as Stripe sent it (an answer or an event's snapshot)."""
    payment = lock_payment(session, payment_id)
    if payment.payment_intent_id is None:
        payment.payment_intent_id = intent["id"]
    elif payment.payment_intent_id != intent["id"]:
        return "ignored: another payment intent"
    attempts = _attempts(session, payment)
    status, charge = intent.get("status"), _object_id(intent.get("latest_charge"))
    error = intent.get("last_payment_error") or {}
    if status == "requires_payment_method" and error:
        charge = _object_id(error.get("charge")) or charge
    attempt = _find_attempt(attempts, attempt_id, request_key, charge)
    decided = status in ("succeeded", "processing") or (status == "requires_payment_method" and bool(error))
    if attempt is None and decided:
        attempt = _browser_attempt(session, payment, attempts, intent, charge)
    if status == "succeeded":
        _decide(attempt, AttemptStatus.SUCCEEDED, charge)
        _mark_paid(session, payment, charge or "")
    elif status == "processing":
        if attempt is not None and attempt.status is AttemptStatus.PENDING:
            attempt.status, attempt.charge_id = AttemptStatus.PROCESSING, charge
    elif status == "requires_payment_method" and error:
        if _decide(attempt, AttemptStatus.FAILED, charge, str(error.get("decline_code") or error.get("code") or ""),
                   str(error.get("message") or "The payment was declined.")) and payment.status is not PaymentStatus.PAID:
            _tell_member(session, payment, attempt)  # (a late report of a try before the one that paid: no news)
    _refresh_status(session, payment, attempts)
    return f"payment {payment.status.value}"


def _browser_attempt(session: Session, payment: SharePayment, attempts: list[PaymentAttempt],
                     intent: dict[str, Any], charge_id: str | None) -> PaymentAttempt | None:
    """An attempt made in the director's browser (Stripe.js confirmed the intent with what
    was typed there): recorded when its outcome first arrives, known by its charge (or, for a
    failed 3-D Secure check that left none, by its payment method: the browser makes a new
    one for each try), so the page's report, the webhook and reconciliation find the same one."""
    error = intent.get("last_payment_error") or {}
    method = intent.get("payment_method") if intent.get("status") != "requires_payment_method" else None
    method = method or error.get("payment_method") or ""
    method_id = _object_id(method) or ""
    known_by = charge_id or method_id
    if not known_by:
        return None
    for attempt in attempts:
        if attempt.payment_method == known_by or attempt.idempotency_key.endswith(f":browser-{known_by}"):
            return attempt
    kind = method.get("type") if isinstance(method, dict) else None
    kind = kind or ("us_bank_account" if intent.get("status") == "processing" else "card")
    attempt = PaymentAttempt(payment_id=payment.id, number=len(attempts) + 1,
                             idempotency_key=f"{ledger.key_base(payment)}:browser-{known_by}"[:120],
                             method_type=kind[:20], payment_method=method_id[:100])
    session.add(attempt)
    attempts.append(attempt)
    session.flush()
    return attempt


def fail_attempt(session: Session, payment_id: int, attempt_id: int, code: str, message: str, *,
                 charge_id: str | None = None) -> None:
    """Stripe refused an attempt outright (a decline, a method it would not take)."""
    payment = lock_payment(session, payment_id)
    attempts = _attempts(session, payment)
    attempt = next(a for a in attempts if a.id == attempt_id)
    if _decide(attempt, AttemptStatus.FAILED, charge_id, code, message):
        _tell_member(session, payment, attempt)
    _refresh_status(session, payment, attempts)


def _decide(attempt: PaymentAttempt | None, status: AttemptStatus, charge_id: str | None,
            code: str = "", message: str = "") -> bool:
    if attempt is None or attempt.status in FINAL:
        return False
    attempt.status, attempt.finished_at = status, utcnow()
    attempt.charge_id = charge_id or attempt.charge_id
    attempt.failure_code, attempt.failure_message = code[:60], message[:500]
    return True


def _refresh_status(session: Session, payment: SharePayment, attempts: list[PaymentAttempt]) -> None:
    if payment.status is not PaymentStatus.PAID:
        states = {a.status for a in attempts}
        if AttemptStatus.PROCESSING in states:
            payment.status = PaymentStatus.PROCESSING
        elif AttemptStatus.PENDING in states:
            payment.status = PaymentStatus.PENDING
        elif attempts:
            payment.status = PaymentStatus.FAILED
            payment.failure_message = attempts[-1].failure_message
    session.flush()


def _mark_paid(session: Session, payment: SharePayment, charge_id: str) -> None:
    """The share's money arrived: its charge and the hub's fee go into the ledger, once."""
    if payment.status is PaymentStatus.PAID:
        return
    payment.status, payment.charge_id, payment.paid_at, payment.failure_message = (
        PaymentStatus.PAID, charge_id, utcnow(), "")
    already = session.scalar(select(LedgerEntry.id).where(LedgerEntry.payment_id == payment.id,
                                                          LedgerEntry.kind == EntryKind.CHARGE))
    if already is None:
        ledger.add_entry(session, payment, EntryKind.CHARGE, payment.amount_cents, status=EntryStatus.DONE,
                         stripe_id=charge_id)
        if payment.fee_cents:
            ledger.add_entry(session, payment, EntryKind.HUB_FEE, payment.fee_cents, status=EntryStatus.DONE)
    record_event(session, None, "payment.paid", payment, alliance_id=payment.cycle.alliance_id,
                 after={"share_id": payment.share_id, "charge": charge_id, "amount_cents": payment.amount_cents,
                        "fee_cents": payment.fee_cents})


def _tell_member(session: Session, payment: SharePayment, attempt: PaymentAttempt | None) -> None:
    """The director learns that the payment failed, and that another method can be tried."""
    member = session.get_one(Organization, payment.member_id)
    reason = attempt.failure_message if attempt is not None else ""
    notify(session, [member], PAYMENT_FAILED, f"Payment failed: {payment.cycle.name}",
           f"Your payment of {money.format_cents(payment.amount_cents)} for {payment.cycle.name} did not go "
           f"through. {reason} Nothing was charged: pay again with another card or bank account.",
           f"/payments/shares/{payment.share_id}",
           dedupe_key=f"payment-failed-{attempt.id}" if attempt is not None else None)
