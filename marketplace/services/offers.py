"""Offers in force: browsing them, and handing them to a purchasing cycle.

An offer is in force on a day when its sheet's version is (see ``price_sheets``) and the
day is within the offer's own ``valid_from``/``valid_to``. :func:`offers_for_instance`
gives the ``vendors`` and ``offers`` entries of the optimizer's instance and the versions
they came from, which a cycle records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.db import utcnow
from marketplace.models import (
    DeliveryTerms,
    Item,
    Offer,
    OfferVersion,
    Organization,
    OrgKind,
    PriceSheet,
    User,
)
from marketplace.services.paging import Page, paginate
from marketplace.services.scope import scoped_select
from marketplace.services.sheet_storage import plain_decimal


def in_force(day: date) -> ColumnElement[bool]:
    """Offers whose version and own dates cover ``day`` (join Offer to OfferVersion first)."""
    return and_(OfferVersion.effective_from <= day,
                or_(OfferVersion.effective_to.is_(None), OfferVersion.effective_to >= day),
                or_(Offer.valid_from.is_(None), Offer.valid_from <= day),
                or_(Offer.valid_to.is_(None), Offer.valid_to >= day))


def search_offers(session: Session, actor: User, *, day: date | None = None, vendor_id: int | None = None,
                  item_id: int | None = None, search: str = "", page: int = 1,
                  per_page: int = 50) -> Page[Offer]:
    """Offers in force on ``day`` (today) that ``actor`` may see, by item then vendor."""
    day = day or utcnow().date()
    query = (scoped_select(actor, Offer)
             .join(OfferVersion, OfferVersion.price_sheet_id == Offer.price_sheet_id)
             .join(Item, Item.id == Offer.item_id)
             .join(Organization, Organization.id == Offer.organization_id)
             .where(in_force(day), Organization.active.is_(True))
             .options(joinedload(Offer.item), selectinload(Offer.tiers),
                      joinedload(Offer.price_sheet).joinedload(PriceSheet.organization))
             .order_by(Item.name, Organization.name, Offer.vendor_sku))
    if vendor_id is not None:
        query = query.where(Offer.organization_id == vendor_id)
    if item_id is not None:
        query = query.where(Offer.item_id == item_id)
    for word in search.lower().split()[:8]:
        pattern = f"%{word}%"
        query = query.where(or_(func.lower(Offer.vendor_sku).like(pattern),
                                func.lower(Offer.description).like(pattern),
                                func.lower(Item.name).like(pattern), Item.slug.like(pattern)))
    return paginate(session, query, page, per_page)


@dataclass(frozen=True)
class VendorSummary:
    """A vendor as the hub's vendor list shows it."""

    vendor: Organization
    terms: DeliveryTerms | None
    version: OfferVersion | None
    offers: int
    pending_sheets: int


def list_vendors(session: Session, actor: User, *, day: date | None = None) -> list[VendorSummary]:
    """The vendors ``actor`` may see with their terms, version in force and offers in force."""
    day = day or utcnow().date()
    vendors = list(session.scalars(scoped_select(actor, Organization, Organization.kind == OrgKind.VENDOR)
                                   .order_by(Organization.name)))
    ids = [v.id for v in vendors]
    terms = {t.organization_id: t for t in session.scalars(
        scoped_select(actor, DeliveryTerms, DeliveryTerms.organization_id.in_(ids)))}
    versions = {v.organization_id: v for v in session.scalars(scoped_select(
        actor, OfferVersion, OfferVersion.organization_id.in_(ids), OfferVersion.effective_from <= day,
        or_(OfferVersion.effective_to.is_(None), OfferVersion.effective_to >= day)))}
    counts = dict(session.execute(
        select(Offer.organization_id, func.count(Offer.id))
        .join(OfferVersion, OfferVersion.price_sheet_id == Offer.price_sheet_id)
        .where(Offer.organization_id.in_(ids), in_force(day)).group_by(Offer.organization_id)).all())
    pending = dict(session.execute(
        select(PriceSheet.organization_id, func.count(PriceSheet.id))
        .where(PriceSheet.organization_id.in_(ids), PriceSheet.status == "validated")
        .group_by(PriceSheet.organization_id)).all())
    return [VendorSummary(v, terms.get(v.id), versions.get(v.id), counts.get(v.id, 0), pending.get(v.id, 0))
            for v in vendors]


@dataclass
class InstanceOffers:
    """The ``vendors`` and ``offers`` of an optimizer instance, and where they came from.

    Ids are ``v<organization id>`` and ``o<offer id>``; items are referred to by their slug.
    ``versions`` are the offer versions used (a cycle records them); ``without_terms`` names
    vendors left out because they have offers but no delivery terms.
    """

    vendors: list[dict[str, Any]] = field(default_factory=list)
    offers: list[dict[str, Any]] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    without_terms: list[str] = field(default_factory=list)


def offers_for_instance(session: Session, alliance_id: int, day: date,
                        items: Iterable[str] | None = None) -> InstanceOffers:
    """Offers in force on ``day`` from the alliance's active vendors, optionally only for ``items``
    (slugs). A trusted read for the cycle service: it is not scoped to a user."""
    query = (select(Offer, OfferVersion.id, Item.slug)
             .join(OfferVersion, OfferVersion.price_sheet_id == Offer.price_sheet_id)
             .join(Item, Item.id == Offer.item_id)
             .join(Organization, Organization.id == Offer.organization_id)
             .where(Organization.alliance_id == alliance_id, Organization.active.is_(True),
                    Organization.kind == OrgKind.VENDOR, in_force(day))
             .options(selectinload(Offer.tiers)).order_by(Offer.organization_id, Offer.row_number))
    if items is not None:
        query = query.where(Item.slug.in_(list(items)))
    rows = session.execute(query).all()
    vendor_ids = sorted({offer.organization_id for offer, _, _ in rows})
    terms = {t.organization_id: t for t in session.scalars(
        select(DeliveryTerms).where(DeliveryTerms.organization_id.in_(vendor_ids)))}
    names = dict(session.execute(select(Organization.id, Organization.name)
                                 .where(Organization.id.in_(vendor_ids))).all())
    result = InstanceOffers()
    for vendor_id in vendor_ids:
        if vendor_id in terms:
            result.vendors.append(terms[vendor_id].to_vendor_json(f"v{vendor_id}", names[vendor_id]))
        else:
            result.without_terms.append(names[vendor_id])
    versions: set[int] = set()
    for offer, version_id, slug in rows:
        if offer.organization_id in terms:
            result.offers.append(offer_json(offer, slug))
            versions.add(version_id)
    result.versions = sorted(versions)
    return result


def offer_json(offer: Offer, item_slug: str) -> dict[str, Any]:
    """One offer as an ``offers[]`` entry of the optimizer's instance (money as strings)."""
    data: dict[str, Any] = {
        "id": f"o{offer.id}", "vendor": f"v{offer.organization_id}", "item": item_slug,
        "pack_size": str(plain_decimal(offer.pack_size)), "discount": offer.discount.value,
        "tiers": [{"min_packs": t.min_packs, "price": str(plain_decimal(t.price))} for t in offer.tiers],
    }
    if offer.max_packs is not None:
        data["max_packs"] = offer.max_packs
    return data
