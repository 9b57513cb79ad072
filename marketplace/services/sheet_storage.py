"""Writing a validated sheet's offers in bulk, and reading a sheet's offers back as records.

A 100,000-row sheet must be stored in seconds, so no ORM object is made per row. The offers'
ids are taken first (PostgreSQL: from the table's sequence; SQLite: after the largest id,
the transaction already holding SQLite's write lock), so offers and tiers can then be
written without reading anything back: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.
On PostgreSQL, :class:`OfferStream` goes further: offers go into one ``COPY`` while the sheet
is still being validated (the database checks and indexes them meanwhile), their tiers after.
Helpers here flush nothing and commit nothing: they run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from catalog.records import OfferRecord, Tier
from marketplace.models import Item, Offer, OfferTier, PriceSheet

CHUNK = 10_000
_OFFERS = Offer.__table__
_TIERS = OfferTier.__table__
OFFER_COLUMNS = ("id", "price_sheet_id", "organization_id", "item_id", "vendor_sku", "description",
                 "pack_size", "sheet_pack_size", "sheet_unit", "discount", "max_packs", "valid_from",
                 "valid_to", "row_number")
TIER_COLUMNS = ("offer_id", "position", "min_packs", "price")


def store_offers(session: Session, sheet: PriceSheet, offers: Sequence[OfferRecord],
                 item_ids: Mapping[str, int]) -> int:
    """Insert ``offers`` (all valid, item ids resolved by ``item_ids``) under ``sheet``."""
    write = _copy if session.get_bind().dialect.name == "postgresql" else _insert
    for chunk in _chunks(offers, CHUNK):
        ids = _new_ids(session, len(chunk))
        rows = [(offer_id, sheet.id, sheet.organization_id, item_ids[o.item], o.vendor_sku, o.description,
                 o.pack_size, o.typed_pack_size, o.unit, o.discount, o.max_packs, o.valid_from, o.valid_to,
                 o.row) for offer_id, o in zip(ids, chunk, strict=True)]
        tiers = [(offer_id, position, tier.min_packs, tier.price)
                 for offer_id, o in zip(ids, chunk, strict=True)
                 for position, tier in enumerate(o.tiers, start=1)]
        write(session, rows, tiers)
    return len(offers)


def _chunks(offers: Sequence[OfferRecord], size: int) -> Iterator[Sequence[OfferRecord]]:
    for start in range(0, len(offers), size):
        yield offers[start:start + size]


def _new_ids(session: Session, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('offers', 'id')) FROM generate_series(1, :n)"),
            {"n": count}))
    first = (session.scalar(select(func.max(Offer.id))) or 0) + 1
    return list(range(first, first + count))


def _insert(session: Session, rows: list[tuple[Any, ...]], tiers: list[tuple[Any, ...]]) -> None:
    session.execute(insert(_OFFERS), [dict(zip(OFFER_COLUMNS, row, strict=True)) for row in rows])
    session.execute(insert(_TIERS), [dict(zip(TIER_COLUMNS, row, strict=True)) for row in tiers])


def _copy(session: Session, rows: list[tuple[Any, ...]], tiers: list[tuple[Any, ...]]) -> None:
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor:
        for table, columns, values in (("offers", OFFER_COLUMNS, rows), ("offer_tiers", TIER_COLUMNS, tiers)):
            if not values:
                continue
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)


class OfferStream:
    """PostgreSQL: a sheet's offers written by ``COPY`` one by one as validation passes them.

    Use as a context manager around the validation, giving :meth:`write` as its sink; then,
    only if the sheet is good, :meth:`finish` writes the tiers. Offers take their ids from the
    table's default; :meth:`finish` reads them back by row number (unique within a sheet).
    Offers of a sheet found bad later are the caller's to discard (e.g. by a savepoint).
    """

    def __init__(self, session: Session, sheet: PriceSheet, item_ids: Mapping[str, int]):
        self.session, self.sheet, self.item_ids = session, sheet, item_ids
        self.tiers: dict[int, tuple[Tier, ...]] = {}
        self._cursor: Any = None
        self._copy: Any = None

    def __enter__(self) -> OfferStream:
        self._cursor = self.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        columns = ", ".join(OFFER_COLUMNS[1:])
        self._copy = self._cursor.copy(f"COPY offers ({columns}) FROM STDIN")
        self._writer = self._copy.__enter__()
        return self

    def write(self, o: OfferRecord) -> None:
        """Send one offer (a good row) to the database."""
        self._writer.write_row((self.sheet.id, self.sheet.organization_id, self.item_ids[o.item], o.vendor_sku,
                                o.description, o.pack_size, o.typed_pack_size, o.unit, o.discount,
                                o.max_packs, o.valid_from, o.valid_to, o.row))
        self.tiers[o.row] = o.tiers

    def __exit__(self, *exc: Any) -> None:
        try:
            self._copy.__exit__(*exc)
        finally:
            self._cursor.close()

    def finish(self) -> int:
        """Write the tiers of every offer sent; returns the number of offers."""
        ids = self.session.execute(select(_OFFERS.c.row_number, _OFFERS.c.id)
                                   .where(_OFFERS.c.price_sheet_id == self.sheet.id)).all()
        tiers = [(offer_id, position, tier.min_packs, tier.price)
                 for row, offer_id in ids for position, tier in enumerate(self.tiers[row], start=1)]
        _copy(self.session, [], tiers)
        return len(ids)


def load_records(session: Session, sheet_id: int) -> list[OfferRecord]:
    """The offers stored for a sheet as catalog records (in sheet order), e.g. to diff or export.

    Decimals keep the column's scale (4.000000): equal to the sheet's values, not the same text.
    """
    offers, tiers_table, items = _OFFERS.c, _TIERS.c, Item.__table__.c
    tiers: dict[int, list[Tier]] = {}
    tier_rows = session.execute(
        select(tiers_table.offer_id, tiers_table.min_packs, tiers_table.price)
        .join(_OFFERS, offers.id == tiers_table.offer_id)
        .where(offers.price_sheet_id == sheet_id)
        .order_by(tiers_table.offer_id, tiers_table.position)).all()
    for offer_id, min_packs, price in tier_rows:
        tiers.setdefault(offer_id, []).append(Tier(min_packs, price))
    rows = session.execute(
        select(offers.id, offers.vendor_sku, items.slug, items.unit, offers.description, offers.pack_size,
               offers.sheet_pack_size, offers.sheet_unit, offers.discount, offers.max_packs,
               offers.valid_from, offers.valid_to, offers.row_number)
        .join(Item.__table__, items.id == offers.item_id)
        .where(offers.price_sheet_id == sheet_id)
        .order_by(offers.row_number)).all()
    return [OfferRecord(sku, slug, description, pack, sheet_unit, discount.value,
                        tuple(tiers.get(offer_id, ())), max_packs, valid_from, valid_to, row, sheet_pack,
                        item_unit)
            for (offer_id, sku, slug, item_unit, description, pack, sheet_pack, sheet_unit, discount,
                 max_packs, valid_from, valid_to, row) in rows]


def plain_decimal(value: Decimal) -> Decimal:
    """A stored decimal without the column's trailing zeros (4.000000 -> 4, 14.8000 -> 14.8)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal
