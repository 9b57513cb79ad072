"""What a sheet changes, per SKU, against the version it replaces (or would replace).

The comparison is ``catalog.diff_offers`` on the offers stored for both sheets. Rises and
falls are counted per item unit (a SKU whose pack grew from 4 to 6 gal at the same pack
price got cheaper); with an unchanged pack that is the pack price's percent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.diff import SheetDiff, diff_offers
from catalog.records import OfferRecord
from marketplace.models import OfferVersion, PriceSheet, SheetStatus, User
from marketplace.services.scope import get_scoped
from marketplace.services.sheet_storage import load_records, plain_decimal


@dataclass(frozen=True)
class ChangeRow:
    """One line of the diff table: ``kind`` is new, dropped or changed; prices are tier 1's."""

    kind: str
    vendor_sku: str
    item: str
    description: str
    old_price: Decimal | None = None
    new_price: Decimal | None = None
    old_pack: str = ""
    new_pack: str = ""
    percent: Decimal | None = None  # per pack
    unit_percent: Decimal | None = None  # per item unit
    fields: tuple[str, ...] = ()

    @property
    def pack_changed(self) -> bool:
        return bool(self.old_pack and self.new_pack and self.old_pack != self.new_pack)


@dataclass(frozen=True)
class SheetChanges:
    """The diff of ``sheet`` against ``baseline`` (None: nothing to compare with)."""

    sheet: PriceSheet
    baseline: PriceSheet | None
    diff: SheetDiff | None

    def count(self, kind: str) -> int:
        if self.diff is None:
            return 0
        return {"new": len(self.diff.added), "dropped": len(self.diff.dropped),
                "changed": len(self.diff.changed), "same": self.diff.unchanged}[kind]

    @property
    def rises(self) -> int:
        return sum(1 for row in self.rows if (row.unit_percent or 0) > 0)

    @property
    def falls(self) -> int:
        return sum(1 for row in self.rows if (row.unit_percent or 0) < 0)

    @cached_property
    def rows(self) -> list[ChangeRow]:
        """Dropped and new SKUs first, then the changes, biggest (per unit) first."""
        if self.diff is None:
            return []
        dropped = [_row("dropped", o, old=True) for o in self.diff.dropped]
        added = [_row("new", o, old=False) for o in self.diff.added]
        changed = [ChangeRow("changed", c.vendor_sku, c.new.item, c.new.description, c.old_price,
                             c.new_price, _pack(c.old), _pack(c.new), c.percent, c.unit_price_percent,
                             c.fields) for c in self.diff.changed]
        changed.sort(key=lambda r: (-abs(r.unit_percent or 0), r.vendor_sku))
        return dropped + added + changed


def _row(kind: str, offer: OfferRecord, *, old: bool) -> ChangeRow:
    price, pack = offer.base_price, _pack(offer)
    if old:
        return ChangeRow(kind, offer.vendor_sku, offer.item, offer.description, old_price=price, old_pack=pack)
    return ChangeRow(kind, offer.vendor_sku, offer.item, offer.description, new_price=price, new_pack=pack)


def _pack(offer: OfferRecord) -> str:
    return f"{plain_decimal(offer.pack_size)} {offer.pack_unit}".strip()


def diff_price_sheet(session: Session, actor: User, sheet_id: int) -> SheetChanges:
    """The diff of a validated sheet against the active version, or of an activated sheet
    against the version before it."""
    return diff_sheet(session, get_scoped(session, actor, PriceSheet, sheet_id))


def diff_sheet(session: Session, sheet: PriceSheet) -> SheetChanges:
    """The diff of a sheet the caller may already see (see :func:`diff_price_sheet`)."""
    if sheet.status in (SheetStatus.INVALID, SheetStatus.UPLOADED):
        return SheetChanges(sheet, None, None)
    baseline = _baseline(session, sheet)
    old = load_records(session, baseline.id) if baseline is not None else []
    return SheetChanges(sheet, baseline, diff_offers(old, load_records(session, sheet.id)))


def _baseline(session: Session, sheet: PriceSheet) -> PriceSheet | None:
    if sheet.status is SheetStatus.VALIDATED:
        return session.scalar(select(PriceSheet).where(PriceSheet.organization_id == sheet.organization_id,
                                                       PriceSheet.status == SheetStatus.ACTIVE))
    version = sheet.version
    if version is None or version.number == 1:
        return None
    return session.scalar(select(PriceSheet).join(OfferVersion, OfferVersion.price_sheet_id == PriceSheet.id)
                          .where(OfferVersion.organization_id == sheet.organization_id,
                                 OfferVersion.number == version.number - 1))
