"""What each member gets back for the goods a cycle's vendors did not deliver: the one
computation the payout job (``services.payouts``) and the reports (``services.reports``) share.

A member's charge for goods is spread over the vendors of the plan it bought from
(``payments.money.allocate``: each member's row adds up to its charge, each vendor's column to
its orders), so that each vendor is paid from the charges of the members it served. What a
vendor did not deliver to a member (``services.shortages``: the missing packs at the order's
prices, and the fee of a delivery that brought nothing) goes back to that member in proportion
to what the member paid that vendor: ``refund = part * missing / bought``, half up. A cancelled
order refunds the member's whole part.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.models import MemberShare, POStatus, PurchaseOrder, ShareStatus
from marketplace.payments import money
from marketplace.services.purchase_orders import FINISHED
from marketplace.services.shortages import (
    cycles_with_shortages,
    order_shortages,
    shortages_for_cycle,
)

#: Cents not delivered per (member id, purchase order id).
Undelivered = dict[tuple[int, int], int]


@dataclass(frozen=True)
class Part:
    """What one approved share pays one vendor of its run (``allocated``), of which ``refund``
    goes back for what was not delivered; ``ready`` once the vendor's order is finished.
    ``bought``: what the member's own lines and delivery fees of that order cost."""

    share_id: int
    member_id: int
    purchase_order_id: int
    vendor_id: int
    allocated: int
    refund: int
    ready: bool
    bought: int


def undelivered(session: Session, cycle_id: int) -> Undelivered:
    """The cents each member did not receive from each purchase order of the cycle."""
    totals: Undelivered = defaultdict(int)
    for shortage in shortages_for_cycle(session, cycle_id):
        totals[(shortage.member_id, shortage.purchase_order_id)] += shortage.amount_cents
    return dict(totals)


def run_parts(session: Session, run_id: int, missing: Undelivered) -> list[Part]:
    """Every approved share of the run with every vendor it pays (a trusted read)."""
    shares = list(session.scalars(select(MemberShare).where(
        MemberShare.run_id == run_id, MemberShare.status == ShareStatus.APPROVED).order_by(MemberShare.member_id)))
    pos = list(session.scalars(select(PurchaseOrder).where(PurchaseOrder.run_id == run_id)
                               .options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.deliveries))
                               .order_by(PurchaseOrder.vendor_id)))
    if not pos or not shares:
        return []
    direct = [[_direct(po, share.member_id) for po in pos] for share in shares]
    rows = [share.cost_cents for share in shares]
    columns = [po.total_cents for po in pos]
    if sum(columns) != sum(rows):  # POs that do not add up to the plan: vendors share what was charged
        columns = money.split(sum(rows), columns)
    allocation = money.allocate(direct, rows, columns)
    parts = []
    for m, share in enumerate(shares):
        for v, po in enumerate(pos):
            if allocation[m][v] == 0:
                continue
            part, bought = allocation[m][v], direct[m][v]
            refund = part_refund(part, bought, missing.get((share.member_id, po.id), 0), po.status)
            parts.append(Part(share.id, share.member_id, po.id, po.vendor_id, part, refund, po.status in FINISHED,
                              bought))
    return parts


def part_refund(part: int, bought: int, short: int, status: POStatus) -> int:
    """What goes back of ``part`` when ``short`` of the ``bought`` cents did not come: in
    proportion, half up; all of it when the order was cancelled."""
    if status is POStatus.CANCELLED:
        return part
    short = min(short, bought)
    return money.scale(part, short, bought) if bought else 0


def order_now(session: Session, purchase_order_id: int, member_id: int) -> tuple[POStatus, int]:
    """A purchase order's status and the cents it did not deliver to the member, read afresh
    from the database (not from rows the session holds): what a correction committed since
    counts."""
    po = session.scalars(select(PurchaseOrder).where(PurchaseOrder.id == purchase_order_id)
                         .options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.deliveries))
                         .execution_options(populate_existing=True)).one()
    return po.status, sum(s.amount_cents for s in order_shortages(po) if s.member_id == member_id)


def _direct(po: PurchaseOrder, member_id: int) -> int:
    return (sum(line.amount_cents for line in po.lines if line.member_id == member_id)
            + sum(d.fee_cents for d in po.deliveries if d.member_id == member_id))


def member_refunds(session: Session, runs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Refunds per (cycle id, member id) for the published runs ``(cycle id, run id)`` whose
    deliveries came short (a trusted read: callers keep the members they may show)."""
    out: dict[tuple[int, int], int] = defaultdict(int)
    runs = list(runs)
    short = cycles_with_shortages(session, [cycle_id for cycle_id, _ in runs])
    for cycle_id, run_id in runs:
        if cycle_id not in short:
            continue
        for part in run_parts(session, run_id, undelivered(session, cycle_id)):
            out[(cycle_id, part.member_id)] += part.refund
    return dict(out)
