"""Stripe's webhook events: each one has its effect once, whatever the order they come in.

The event's id is stored (unique) in the same transaction as its effect: a duplicate finds
the row and does nothing, and two copies processed at the same moment cannot both commit.
Every effect is idempotent and monotonic (a decided attempt or ledger entry never changes
again), so a late or out-of-order event cannot undo a newer state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.db import begin_write
from marketplace.models import EntryKind, EntryStatus, LedgerEntry, SharePayment, WebhookEvent
from marketplace.payments import ledger
from marketplace.payments.errors import StripeUnavailableError
from marketplace.payments.gateway import StripeGateway
from marketplace.services.payment_outcomes import apply_intent
from marketplace.services.vendor_accounts import apply_account

Handler = Callable[[Session, StripeGateway, dict[str, Any]], str]


def handle_event(session: Session, gateway: StripeGateway, event: dict[str, Any]) -> str:
    """Process one verified event; returns what happened (``duplicate``, ``ignored``...).

    Raises :class:`StripeUnavailableError` when the effect needs Stripe and Stripe does not
    answer: nothing is stored, and Stripe delivers the event again later."""
    event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_id.startswith("evt_"):
        return "ignored: not an event"
    session.commit()
    begin_write(session)
    if session.scalar(select(WebhookEvent.id).where(WebhookEvent.event_id == event_id)) is not None:
        session.rollback()
        return "duplicate"
    handler = HANDLERS.get(kind)
    try:
        outcome = handler(session, gateway, event) if handler else "ignored"
    except StripeUnavailableError:
        session.rollback()
        raise
    session.add(WebhookEvent(event_id=event_id, type=kind[:100], outcome=outcome[:40], detail=""))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the same event, processed by another request at the same moment
        return "duplicate"
    return outcome


def _object(event: dict[str, Any]) -> dict[str, Any]:
    return ((event.get("data") or {}).get("object")) or {}


def _request_key(event: dict[str, Any]) -> str | None:
    request = event.get("request")
    return request.get("idempotency_key") if isinstance(request, dict) else None


def _payment_intent(session: Session, gateway: StripeGateway, event: dict[str, Any]) -> str:
    intent = _object(event)
    payment = session.scalar(select(SharePayment).where(SharePayment.payment_intent_id == intent.get("id")))
    if payment is None:  # our answer from Stripe was lost: the intent's metadata names the payment
        metadata = intent.get("metadata") or {}
        wanted = str(metadata.get("share_payment_id") or "")
        payment = session.get(SharePayment, int(wanted)) if wanted.isdigit() else None
        if (payment is None or payment.payment_intent_id is not None
                or metadata.get("share_id") != str(payment.share_id) or intent.get("amount") != payment.amount_cents):
            return "ignored: unknown payment intent"
    return apply_intent(session, payment.id, intent, attempt_id=None, request_key=_request_key(event))


REFUNDS = (EntryKind.REFUND, EntryKind.FEE_REFUND)  # both are Stripe refunds of a member's charge


def _pending_entries(session: Session, kinds: tuple[EntryKind, ...], **where: Any) -> dict[int, LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.kind.in_(kinds), LedgerEntry.status == EntryStatus.PENDING)
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return {e.id: e for e in session.scalars(query.with_for_update())}


def _settle_from(objects: list[dict[str, Any]], pending: dict[int, LedgerEntry]) -> int:
    """Mark done the pending entries these Stripe objects were made for (by their metadata)."""
    settled = 0
    for obj in objects:
        wanted = str((obj.get("metadata") or {}).get("ledger_entry_id") or "")
        entry = pending.get(int(wanted)) if wanted.isdigit() else None
        if entry is not None and entry.amount_cents == obj.get("amount") and ledger.mark_done(entry, obj["id"]):
            settled += 1
    return settled


def _refund(session: Session, gateway: StripeGateway, event: dict[str, Any]) -> str:
    refund = _object(event)
    return f"settled {_settle_from([refund], _pending_entries(session, REFUNDS))}"


def _charge_refunded(session: Session, gateway: StripeGateway, event: dict[str, Any]) -> str:
    charge = _object(event)
    payment = session.scalar(select(SharePayment).where(SharePayment.charge_id == charge.get("id")))
    if payment is None:
        return "ignored: unknown charge"
    if not _pending_entries(session, REFUNDS, payment_id=payment.id):
        return "nothing pending"
    payment_id = payment.id
    session.commit()  # a read only: end it before asking Stripe (the event is stored with the effect)
    refunds = gateway.list_refunds(charge["id"])
    begin_write(session)
    return f"settled {_settle_from(refunds, _pending_entries(session, REFUNDS, payment_id=payment_id))}"


def _transfer(session: Session, gateway: StripeGateway, event: dict[str, Any]) -> str:
    transfer = _object(event)
    settled = _settle_from([transfer], _pending_entries(session, (EntryKind.TRANSFER,)))
    reversals = ((transfer.get("reversals") or {}).get("data")) or []
    if reversals:
        settled += _settle_from(reversals, _pending_entries(session, (EntryKind.REVERSAL,)))
    return f"settled {settled}"


def _account(session: Session, gateway: StripeGateway, event: dict[str, Any]) -> str:
    return "updated" if apply_account(session, _object(event)) is not None else "ignored: unknown account"


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _payment_intent,
    "payment_intent.payment_failed": _payment_intent,
    "payment_intent.processing": _payment_intent,
    "charge.refunded": _charge_refunded,
    "refund.created": _refund,
    "transfer.created": _transfer,
    "transfer.updated": _transfer,
    "transfer.reversed": _transfer,
    "account.updated": _account,
}
