"""Reading member shares: a director's share with its lines, and the hub's approval board."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, joinedload

from marketplace.db import utcnow
from marketplace.errors import ConflictError, NotFoundError
from marketplace.models import (
    Cycle,
    Item,
    MemberShare,
    Offer,
    OptimizationRun,
    Organization,
    PlanDelivery,
    PlanLine,
    Role,
    ShareStatus,
    Site,
    User,
)
from marketplace.services.approvals import (
    current_shares,
    organization_names,
    require_decidable,
    share_problems,
)
from marketplace.services.plan_figures import alone_price, load_run_instance, percent
from marketplace.services.scope import get_scoped, require_role, scoped_select, visible


@dataclass(frozen=True)
class ShareLine:
    """One line of a member's share: ``pooled_price`` per pack reached by pooling,
    ``alone_price`` what the same offer costs for the member's packs alone (None: below the
    vendor's minimum)."""

    site: str
    item: str
    unit: str
    vendor: str
    sku: str
    packs: int
    quantity: Decimal
    tier: int
    pooled_price: Decimal
    alone_price: Decimal | None
    amount_cents: int


@dataclass(frozen=True)
class ShareFee:
    site: str
    vendor: str
    fee_cents: int


@dataclass
class ShareDetail:
    share: MemberShare
    member: Organization
    run_number: int
    lines: list[ShareLine]
    fees: list[ShareFee]
    previous: MemberShare | None
    decidable: bool
    why_not: str
    current: MemberShare | None = None  # the member's share of the plan published now, when not this one

    @property
    def lines_cents(self) -> int:
        return sum(x.amount_cents for x in self.lines)

    @property
    def fees_cents(self) -> int:
        return sum(f.fee_cents for f in self.fees)

    @property
    def adjustment_cents(self) -> int:
        """The fair split's move: what the member pays beyond (or below) its own lines and fees."""
        return self.share.cost_cents - self.lines_cents - self.fees_cents

    @property
    def savings_percent(self) -> Decimal | None:
        return percent(self.share.savings_cents, self.share.standalone_cents)

    @property
    def change_cents(self) -> int | None:
        return None if self.previous is None else self.share.cost_cents - self.previous.cost_cents


def share_detail(session: Session, actor: User, share_id: int, *, now: datetime | None = None) -> ShareDetail:
    """A share with each line (pooled and alone prices), its fees and the share it replaced."""
    share = session.scalar(scoped_select(actor, MemberShare, MemberShare.id == share_id).options(
        joinedload(MemberShare.member), joinedload(MemberShare.run), joinedload(MemberShare.cycle)))
    if share is None:
        raise NotFoundError()
    mine = (PlanLine.run_id == share.run_id, PlanLine.member_id == share.member_id)
    # Columns, not objects: a member's share has a hundred lines or more, each with four names.
    lines = session.execute(
        select(PlanLine.offer_id, Site.name, Item.name, Item.unit, Organization.name, Offer.vendor_sku, PlanLine.packs,
               PlanLine.quantity, PlanLine.tier_position, PlanLine.unit_price, PlanLine.amount_cents)
        .join(Site, Site.id == PlanLine.site_id).join(Item, Item.id == PlanLine.item_id)
        .join(Offer, Offer.id == PlanLine.offer_id).join(Organization, Organization.id == PlanLine.vendor_id)
        .where(visible(actor, PlanLine), *mine)).all()
    fees = session.execute(
        select(Site.name, Organization.name, PlanDelivery.fee_cents)
        .join(Site, Site.id == PlanDelivery.site_id).join(Organization, Organization.id == PlanDelivery.vendor_id)
        .where(visible(actor, PlanDelivery), PlanDelivery.run_id == share.run_id,
               PlanDelivery.member_id == share.member_id)).all()
    why_not = ""
    try:
        require_decidable(share, share.cycle, now or utcnow())
    except ConflictError as error:
        why_not = error.message
    return ShareDetail(share, share.member, share.run.number, _share_lines(share.run, lines),
                       sorted((ShareFee(*fee) for fee in fees), key=lambda f: (f.site.lower(), f.vendor.lower())),
                       _previous(session, share), not why_not, why_not, _current(session, share))


def _share_lines(run: OptimizationRun, lines: Sequence[Row[Any]]) -> list[ShareLine]:
    instance = load_run_instance(run)
    member_packs: dict[int, int] = defaultdict(int)
    for x in lines:
        member_packs[x.offer_id] += x.packs
    rows = []
    for offer_id, site, item, unit, vendor, sku, packs, quantity, tier, price, amount in lines:
        offer = instance.offer_by_id.get(f"o{offer_id}") if instance else None
        rows.append(ShareLine(site, item, unit, vendor, sku, packs, quantity, tier, price,
                              alone_price(offer, member_packs[offer_id]) if offer else None, amount))
    return sorted(rows, key=lambda r: (r.site.lower(), r.item.lower(), r.vendor.lower()))


def _previous(session: Session, share: MemberShare) -> MemberShare | None:
    """The member's share of the plan published before this one (None for the first)."""
    return session.scalar(select(MemberShare).where(
        MemberShare.cycle_id == share.cycle_id, MemberShare.member_id == share.member_id,
        MemberShare.id != share.id, MemberShare.created_at <= share.created_at)
        .order_by(MemberShare.created_at.desc(), MemberShare.id.desc()).limit(1))


def _previous_costs(session: Session, cycle_id: int, shares: list[MemberShare]) -> dict[int, int]:
    """:func:`_previous`'s cost for each share that has one, in one query (the board lists every member)."""
    earlier: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
    for share_id, member_id, created_at, cost in session.execute(
            select(MemberShare.id, MemberShare.member_id, MemberShare.created_at, MemberShare.cost_cents)
            .where(MemberShare.cycle_id == cycle_id)):
        earlier[member_id].append((created_at, share_id, cost))
    costs = {}
    for share in shares:
        found = max(((at, i, cost) for at, i, cost in earlier[share.member_id]
                     if i != share.id and at <= share.created_at), default=None)
        if found is not None:
            costs[share.id] = found[2]
    return costs


def _current(session: Session, share: MemberShare) -> MemberShare | None:
    published = share.cycle.published_run_id
    if published is None or published == share.run_id:
        return None
    return session.scalar(select(MemberShare).where(MemberShare.run_id == published,
                                                    MemberShare.member_id == share.member_id))


def list_my_shares(session: Session, actor: User) -> list[MemberShare]:
    """A director's shares of published plans (newest cycle first), superseded ones left out."""
    require_role(actor, Role.DIRECTOR)
    return list(session.scalars(scoped_select(actor, MemberShare, MemberShare.status != ShareStatus.SUPERSEDED)
                                .options(joinedload(MemberShare.cycle))
                                .order_by(MemberShare.created_at.desc(), MemberShare.id.desc())))


# ---------------------------------------------------------------- the hub's board

@dataclass(frozen=True)
class BoardRow:
    share: MemberShare
    name: str
    decided_by: str
    previous_cents: int | None


@dataclass
class ApprovalBoard:
    """Who approved, rejected or has not answered the published plan of a cycle."""

    cycle: Cycle
    run: OptimizationRun | None
    rows: list[BoardRow]
    left_out: list[str]
    newer_runs: list[OptimizationRun]
    problems: list[str]
    deadline_passed: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_cents(self) -> int:
        return sum(r.share.cost_cents for r in self.rows)


def approval_board(session: Session, actor: User, cycle_id: int, *, now: datetime | None = None) -> ApprovalBoard:
    now = now or utcnow()
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    require_role(actor, Role.HUB_MANAGER)
    shares = current_shares(session, cycle)
    run = cycle.published_run
    users = {s.decided_by_id for s in shares if s.decided_by_id}
    names = organization_names(session, cycle)
    people = dict(session.execute(select(User.id, User.name).where(User.id.in_(users))).all()) if users else {}
    previous = _previous_costs(session, cycle.id, shares)
    rows = [BoardRow(s, names.get(s.member_id, ""), people.get(s.decided_by_id or 0, ""), previous.get(s.id))
            for s in shares]
    rows.sort(key=lambda r: r.name.lower())
    counts = {status.value: sum(1 for s in shares if s.status is status) for status in ShareStatus}
    newer = [] if run is None else list(session.scalars(scoped_select(
        actor, OptimizationRun, OptimizationRun.cycle_id == cycle.id, OptimizationRun.number > run.number)
        .order_by(OptimizationRun.number.desc())))
    passed = cycle.approval_deadline_at is not None and now >= cycle.approval_deadline_at
    return ApprovalBoard(cycle, run, rows, sorted(names[m] for m in (run.excluded_member_ids if run else [])
                                                  if m in names),
                         newer, share_problems(shares, names) if shares else [], passed, counts)
