"""Writing a validated sheet's offers in bulk, and reading a sheet's offers back as records.

Offers go in with one multi-row ``INSERT ... RETURNING`` per chunk (ids in parameter order),
then their tiers with one bulk ``INSERT``: no ORM object per row, so a 100,000-row sheet is
stored in seconds. Helpers here flush nothing and commit nothing: they run inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from catalog.records import OfferRecord, Tier
from marketplace.models import Discount, Item, Offer, OfferTier, PriceSheet

CHUNK = 5000
_DISCOUNTS = {d.value: d for d in Discount}


def store_offers(session: Session, sheet: PriceSheet, offers: Sequence[OfferRecord],
                 item_ids: Mapping[str, int]) -> int:
    """Insert ``offers`` (all valid, item ids resolved by ``item_ids``) under ``sheet``."""
    stored = 0
    for chunk in _chunks(offers, CHUNK):
        rows = [_offer_row(sheet, offer, item_ids) for offer in chunk]
        ids = session.scalars(insert(Offer).returning(Offer.id, sort_by_parameter_order=True), rows).all()
        tiers = [{"offer_id": offer_id, "position": position, "min_packs": tier.min_packs,
                  "price": tier.price}
                 for offer_id, offer in zip(ids, chunk, strict=True)
                 for position, tier in enumerate(offer.tiers, start=1)]
        session.execute(insert(OfferTier), tiers)
        stored += len(rows)
    return stored


def _chunks(offers: Sequence[OfferRecord], size: int) -> Iterator[Sequence[OfferRecord]]:
    for start in range(0, len(offers), size):
        yield offers[start:start + size]


def _offer_row(sheet: PriceSheet, offer: OfferRecord, item_ids: Mapping[str, int]) -> dict[str, Any]:
    return {
        "price_sheet_id": sheet.id,
        "organization_id": sheet.organization_id,
        "item_id": item_ids[offer.item],
        "vendor_sku": offer.vendor_sku,
        "description": offer.description,
        "pack_size": offer.pack_size,
        "sheet_pack_size": offer.typed_pack_size,
        "sheet_unit": offer.unit,
        "discount": _DISCOUNTS[offer.discount],
        "max_packs": offer.max_packs,
        "valid_from": offer.valid_from,
        "valid_to": offer.valid_to,
        "row_number": offer.row,
    }


def load_records(session: Session, sheet_id: int) -> list[OfferRecord]:
    """The offers stored for a sheet as catalog records (in sheet order), e.g. to diff or export."""
    tiers: dict[int, list[Tier]] = {}
    tier_rows = session.execute(
        select(OfferTier.offer_id, OfferTier.min_packs, OfferTier.price)
        .join(Offer, Offer.id == OfferTier.offer_id)
        .where(Offer.price_sheet_id == sheet_id)
        .order_by(OfferTier.offer_id, OfferTier.position))
    for offer_id, min_packs, price in tier_rows:
        tiers.setdefault(offer_id, []).append(Tier(min_packs, plain_decimal(price)))
    rows = session.execute(
        select(Offer.id, Offer.vendor_sku, Item.slug, Item.unit, Offer.description, Offer.pack_size,
               Offer.sheet_pack_size, Offer.sheet_unit, Offer.discount, Offer.max_packs,
               Offer.valid_from, Offer.valid_to, Offer.row_number)
        .join(Item, Item.id == Offer.item_id)
        .where(Offer.price_sheet_id == sheet_id)
        .order_by(Offer.row_number))
    return [OfferRecord(vendor_sku=sku, item=slug, description=description, pack_size=plain_decimal(pack),
                        unit=sheet_unit, discount=discount.value, tiers=tuple(tiers.get(offer_id, ())),
                        max_packs=max_packs, valid_from=valid_from, valid_to=valid_to, row=row,
                        sheet_pack_size=plain_decimal(sheet_pack), pack_unit=item_unit)
            for (offer_id, sku, slug, item_unit, description, pack, sheet_pack, sheet_unit, discount,
                 max_packs, valid_from, valid_to, row) in rows]


def plain_decimal(value: Decimal) -> Decimal:
    """A stored decimal without the column's trailing zeros (4.000000 -> 4, 14.8000 -> 14.8)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal
