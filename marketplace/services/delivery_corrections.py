"""Correcting a delivery report: the receiving clerk miscounted.

**Who, and until when.** The vendor of the order and the director of the receiving site's
member may correct a reported delivery until the vendor's payout for it has started: once the
payout job has made (or is making) a refund or a transfer between that member's payment and
that vendor, money has moved on the old count, and only the hub may correct it. The hub may
correct at any time, within the money rule below.

**The money.** The refunds follow the corrected count: the payout job (``services.payouts``)
plans from the delivery's lines, so a correction that *raises* the shortage is refunded to the
member (the difference only; taken back from the vendor's transfer by a reversal when the
vendor was paid already), and one that *lowers* it before any refund simply means less to
refund. A correction that would lower the shortage below what has already been refunded to
the member is refused: SharedBuy never takes money back from a member's card, so that money
is settled between the member and the vendor outside the app (the hub records how in the
delivery's note). The same holds for the hub's fee, given back when nothing arrived.

Every correction needs a reason, is an audit event (old counts -> new counts), and tells the
other side (the vendor or the member) and the hub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.errors import ConflictError, ValidationError
from marketplace.models import (
    DeliveryStatus,
    EntryKind,
    MemberShare,
    Organization,
    PaymentStatus,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Role,
    SharePayment,
    SiteDelivery,
    User,
)
from marketplace.payments import ledger
from marketplace.payments.money import format_cents
from marketplace.services import payouts
from marketplace.services.audit import record_event
from marketplace.services.notifications import DELIVERY_CORRECTED, hub_organizations, notify
from marketplace.services.payment_outcomes import lock_payment
from marketplace.services.purchase_orders import (
    check_received,
    delivery_lines,
    lock_delivery,
    record_counts,
)
from marketplace.services.scope import get_scoped

MAX_REASON = 500
REPORTED = (DeliveryStatus.RECEIVED, DeliveryStatus.SHORT)


@dataclass(frozen=True)
class Window:
    """Whether ``actor`` may correct the delivery now, why not, and what was refunded already
    (the member's refunds from this vendor, the hub's fee given back) that a correction may not
    undo."""

    allowed: bool
    why_not: str = ""
    paid_out: bool = False
    refunded_cents: int = 0
    fee_refunded_cents: int = 0


def correction_window(session: Session, actor: User, delivery: SiteDelivery) -> Window:
    """Whether ``actor`` may correct this delivery report now (a read; no lock)."""
    po = delivery.purchase_order
    if delivery.status not in REPORTED:
        return Window(False, "This delivery has not been reported yet: record it first.")
    if po.status is POStatus.CANCELLED:
        return Window(False, f"{po.number} was cancelled.")
    payment = _payment(session, po, delivery.member_id)
    book = ledger.pair_book(session, payment.id, po.vendor_id) if payment is not None else None
    fees = ledger.pair_book(session, payment.id, None) if payment is not None else None
    refunded = (book.refunded + _pending(book, EntryKind.REFUND)) if book else 0
    fee_refunded = (fees.fee_refunded + _pending(fees, EntryKind.FEE_REFUND)) if fees else 0
    paid_out = book is not None and bool(book.transfers or book.refunded or book.pending)
    if paid_out and actor.role is not Role.HUB_MANAGER:
        return Window(False, f"{po.vendor.name} has been paid for this delivery (or the member refunded): "
                             "ask the hub to correct the report.", paid_out, refunded, fee_refunded)
    return Window(True, "", paid_out, refunded, fee_refunded)


def _payment(session: Session, po: PurchaseOrder, member_id: int) -> SharePayment | None:
    return session.scalar(select(SharePayment).join(MemberShare, MemberShare.id == SharePayment.share_id).where(
        MemberShare.run_id == po.run_id, MemberShare.member_id == member_id))


def _pending(book: ledger.PairBook, kind: EntryKind) -> int:
    return sum(entry.amount_cents for entry in book.pending if entry.kind is kind)


def correct_delivery(session: Session, actor: User, delivery_id: int, received: Mapping[int, int | None], *,
                     reason: str, now: datetime | None = None) -> SiteDelivery:
    """Correct a reported delivery: packs received per PO line id, and why. Refused (nothing
    stored) when ``actor`` may no longer correct it or it would undo a refund already made."""
    now = now or utcnow()
    delivery, po, lines = lock_delivery(session, actor, delivery_id)
    counts = check_received(lines, received)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(field_errors={"reason": "Say what was wrong with the first count: "
                                                      "the other side and the hub read it."})
    if len(reason) > MAX_REASON:
        raise ValidationError(field_errors={"reason": f"Use at most {MAX_REASON} characters."})
    payment = _payment(session, po, delivery.member_id)
    if payment is not None:
        lock_payment(session, payment.id)  # the payout job plans this member's money one at a time
    window = correction_window(session, actor, delivery)
    if not window.allowed:
        raise ConflictError(window.why_not)
    before = _state(delivery, lines)
    if all(line.received_packs == counts[line.id] for line in lines):
        return delivery  # nothing changes (a second click)
    record_counts(delivery, lines, counts)
    session.flush()
    if payment is not None and payment.status is PaymentStatus.PAID:
        _refuse_unrefunding(session, po, payment, window)
    if po.status in (POStatus.DELIVERED, POStatus.SHORT):
        po.status = POStatus.SHORT if any(d.status is DeliveryStatus.SHORT for d in po.deliveries) \
            else POStatus.DELIVERED
    delivery.corrected_at, delivery.corrected_by_id, delivery.note = now, actor.id, reason
    after = _state(delivery, lines)
    record_event(session, actor, "delivery.corrected", delivery, alliance_id=po.alliance_id,
                 before=before, after={**after, "reason": reason, "po": po.number,
                                       "paid_out_before": window.paid_out})
    _notify(session, actor, po, delivery, lines, before, after, reason)
    session.commit()
    return delivery


def _refuse_unrefunding(session: Session, po: PurchaseOrder, payment: SharePayment, window: Window) -> None:
    """Roll back and refuse when the corrected counts owe the member less than it got back."""
    target = next((t for t in payouts.payout_plan(session, po.cycle_id)
                   if t.payment_id == payment.id and t.vendor_id == po.vendor_id), None)
    owed = target.refund if target is not None else 0
    fee_owed = any(f.payment_id == payment.id for f in payouts.fee_refund_plan(session, po.cycle_id))
    if owed < window.refunded_cents or (window.fee_refunded_cents and not fee_owed):
        session.rollback()
        got = format_cents(window.refunded_cents + window.fee_refunded_cents)
        raise ConflictError(
            f"The member has already been refunded {got} for what was missing from {po.number}; with these "
            f"counts it would be owed {format_cents(owed)} back. SharedBuy does not take a refund back from a "
            "member: settle the difference between the member and the vendor, and record it in a correction "
            "that keeps the shortage.")


def _state(delivery: SiteDelivery, lines: list[PurchaseOrderLine]) -> dict[str, object]:
    return {"status": delivery.status.value, "received": {str(x.id): x.received_packs for x in lines},
            "shortage_cents": sum(x.shortage_cents for x in lines)}


def _notify(session: Session, actor: User, po: PurchaseOrder, delivery: SiteDelivery, lines: list[PurchaseOrderLine],
            before: dict[str, object], after: dict[str, object], reason: str) -> None:
    old = before["received"]
    assert isinstance(old, dict)
    changes = "\n".join(f"- {x.item.name}: {old[str(x.id)]} -> {x.received_packs} of {x.packs} packs received"
                        for x in lines if old[str(x.id)] != x.received_packs)
    was, now = before["shortage_cents"], after["shortage_cents"]
    assert isinstance(was, int) and isinstance(now, int)
    money = (f"Shortage ${Decimal(was) / 100:,.2f} -> ${Decimal(now) / 100:,.2f}: the refunds follow the new count "
             "at the next payout.")
    member = session.get(Organization, delivery.member_id)
    others: list[Organization] = [*hub_organizations(session, po.alliance_id)]
    if actor.role is not Role.VENDOR:
        others.append(po.vendor)
    if actor.role is not Role.DIRECTOR and member is not None:
        others.append(member)
    notify(session, [o for o in others if o.id != actor.organization_id], DELIVERY_CORRECTED,
           f"{po.number}: the delivery to {delivery.site.name} was corrected by {actor.name}",
           f"{changes}\n{money}\nWhy: {reason}", f"/deliveries/{delivery.id}")


def correctable(session: Session, actor: User, delivery_id: int) -> tuple[SiteDelivery, list[PurchaseOrderLine],
                                                                         Window]:
    """The delivery, its lines and ``actor``'s correction window (for the page)."""
    delivery = get_scoped(session, actor, SiteDelivery, delivery_id)
    return delivery, delivery_lines(session, delivery), correction_window(session, actor, delivery)
