"""What a sheet changes, per SKU, against the version it replaces (or would replace).

Prices are compared per item unit (the pack price divided by the pack size in the item's
unit), so a SKU whose pack grew from 4 to 6 gal is not shown as 50 % dearer. With an
unchanged pack size the percent is the same as the pack price's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.records import OfferRecord
from marketplace.models import OfferVersion, PriceSheet, SheetStatus, User
from marketplace.services.scope import get_scoped
from marketplace.services.sheet_storage import load_records

PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class SkuChange:
    """One SKU: ``kind`` is new, dropped, changed or same. Prices are the first tier's, per pack."""

    kind: str
    vendor_sku: str
    item: str
    description: str
    old_price: Decimal | None = None
    new_price: Decimal | None = None
    old_pack: str = ""
    new_pack: str = ""
    change_pct: Decimal | None = None  # per item unit
    tiers_changed: bool = False

    @property
    def pack_changed(self) -> bool:
        return bool(self.old_pack and self.new_pack and self.old_pack != self.new_pack)


@dataclass(frozen=True)
class SheetDiff:
    """The changes of ``sheet`` against ``baseline`` (None: the vendor's first sheet)."""

    sheet: PriceSheet
    baseline: PriceSheet | None
    changes: list[SkuChange] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def rises(self) -> int:
        return sum(1 for c in self.changes if c.change_pct is not None and c.change_pct > 0)

    @property
    def falls(self) -> int:
        return sum(1 for c in self.changes if c.change_pct is not None and c.change_pct < 0)

    def shown(self) -> list[SkuChange]:
        """Everything but unchanged SKUs: new and dropped first, then the biggest changes."""
        order = {"dropped": 0, "new": 1, "changed": 2}
        rows = [c for c in self.changes if c.kind != "same"]
        return sorted(rows, key=lambda c: (order[c.kind], -abs(c.change_pct or 0), c.vendor_sku))


def diff_price_sheet(session: Session, actor: User, sheet_id: int) -> SheetDiff:
    """The diff of a validated sheet against the active version, or of an activated sheet
    against the version before it."""
    return diff_sheet(session, get_scoped(session, actor, PriceSheet, sheet_id))


def diff_sheet(session: Session, sheet: PriceSheet) -> SheetDiff:
    """The diff of a sheet the caller may already see (see :func:`diff_price_sheet`)."""
    if sheet.status in (SheetStatus.INVALID, SheetStatus.UPLOADED):
        return SheetDiff(sheet, None)
    baseline = _baseline(session, sheet)
    new = load_records(session, sheet.id)
    old = load_records(session, baseline.id) if baseline is not None else []
    return SheetDiff(sheet, baseline, compare(old, new))


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


def compare(old: list[OfferRecord], new: list[OfferRecord]) -> list[SkuChange]:
    """Per SKU (matched ignoring case): new, dropped, changed or the same."""
    before = {o.vendor_sku.casefold(): o for o in old}
    after = {o.vendor_sku.casefold(): o for o in new}
    changes = []
    for key, offer in after.items():
        previous = before.get(key)
        if previous is None:
            changes.append(SkuChange("new", offer.vendor_sku, offer.item, offer.description,
                                     new_price=offer.base_price, new_pack=_pack(offer)))
        else:
            changes.append(_change(previous, offer))
    for key, offer in before.items():
        if key not in after:
            changes.append(SkuChange("dropped", offer.vendor_sku, offer.item, offer.description,
                                     old_price=offer.base_price, old_pack=_pack(offer)))
    return changes


def _change(old: OfferRecord, new: OfferRecord) -> SkuChange:
    old_unit = old.base_price / old.pack_size
    new_unit = new.base_price / new.pack_size
    pct = ((new_unit - old_unit) / old_unit * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)
    tiers_changed = old.tiers != new.tiers or old.discount != new.discount
    same = (not tiers_changed and old.pack_size == new.pack_size and old.item == new.item
            and old.max_packs == new.max_packs)
    return SkuChange("same" if same else "changed", new.vendor_sku, new.item, new.description,
                     old_price=old.base_price, new_price=new.base_price, old_pack=_pack(old),
                     new_pack=_pack(new), change_pct=pct, tiers_changed=tiers_changed)


def _pack(offer: OfferRecord) -> str:
    return f"{offer.pack_size} {offer.pack_unit}".strip()
