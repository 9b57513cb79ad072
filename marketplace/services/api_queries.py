"""Reads the JSON API needs that the pages' services do not offer (each scoped to the actor)."""

from __future__ import annotations

from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.errors import NotFoundError
from marketplace.models import (
    Cycle,
    DemandLine,
    Item,
    MemberShare,
    Offer,
    PriceSheet,
    ShareStatus,
    User,
)
from marketplace.services.scope import get_scoped, scoped_select


def get_offer(session: Session, actor: User, offer_id: int) -> Offer:
    """One offer (the hub, and the offer's vendor) with its item, tiers and vendor."""
    offer = session.scalar(scoped_select(actor, Offer, Offer.id == offer_id).options(
        joinedload(Offer.item), selectinload(Offer.tiers),
        joinedload(Offer.price_sheet).joinedload(PriceSheet.organization)))
    if offer is None:
        raise NotFoundError()
    return offer


def get_share(session: Session, actor: User, share_id: int) -> MemberShare:
    """One share (its member's directors and the hub)."""
    return get_scoped(session, actor, MemberShare, share_id)


def list_cycle_lines(session: Session, actor: User, cycle_id: int, *, site_id: int | None = None
                     ) -> list[DemandLine]:
    """The cycle's demand lines ``actor`` may see (a director: the member's sites; the hub: all)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    query = (scoped_select(actor, DemandLine, DemandLine.cycle_id == cycle.id)
             .join(Item, Item.id == DemandLine.item_id)
             .order_by(DemandLine.site_id, Item.name, DemandLine.id))
    if site_id is not None:
        query = query.where(DemandLine.site_id == site_id)
    return list(session.scalars(query))


def list_cycle_shares(session: Session, actor: User, cycle_id: int) -> list[MemberShare]:
    """The shares of the cycle's published plan ``actor`` may see (a director: the member's)."""
    cycle = get_scoped(session, actor, Cycle, cycle_id)
    if cycle.published_run_id is None:
        return []
    return list(session.scalars(
        scoped_select(actor, MemberShare, MemberShare.run_id == cycle.published_run_id,
                      MemberShare.status != ShareStatus.SUPERSEDED)
        .options(joinedload(MemberShare.member)).order_by(MemberShare.member_id)))
