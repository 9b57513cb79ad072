"""What a sheet changes, per SKU, against the version it replaces (or would replace).

The comparison is ``catalog.diff_offers`` on the offers stored for both sheets. Rises and
falls are counted per item unit (a SKU whose pack grew from 4 to 6 gal at the same pack
price got cheaper); with an unchanged pack that is the pack price's percent.

A 100,000-row comparison takes seconds, so each process keeps the summaries it computed
(rows and counts, about 1 KB a row; at most ``CACHED_ROWS`` rows in all, least recently
used dropped first). A summary is keyed by both sheets' stamps (id, creation time, file
hash, offer count): a sheet's offers never change once stored, a new baseline (another
version activated) is a new key, and an id reused after a rolled-back upload (SQLite) comes
with another creation time. Callers look the sheet up in the actor's scope first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.diff import SheetDiff, diff_offers
from catalog.records import OfferRecord
from marketplace.models import OfferVersion, PriceSheet, SheetStatus, User
from marketplace.services.scope import get_scoped
from marketplace.services.sheet_storage import load_records, plain_decimal

CACHED_ROWS = 150_000  # diff rows kept per process, over all cached summaries
CACHED_SUMMARIES = 32


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
class DiffSummary:
    """What the sheet page shows of a :class:`SheetDiff`: its rows and counts (no ORM rows)."""

    rows: tuple[ChangeRow, ...]
    counts: dict[str, int]
    rises: int
    falls: int


@dataclass(frozen=True)
class SheetChanges:
    """The diff of ``sheet`` against ``baseline`` (None: nothing to compare with)."""

    sheet: PriceSheet
    baseline: PriceSheet | None
    summary: DiffSummary | None

    def count(self, kind: str) -> int:
        return 0 if self.summary is None else self.summary.counts[kind]

    @property
    def rises(self) -> int:
        return 0 if self.summary is None else self.summary.rises

    @property
    def falls(self) -> int:
        return 0 if self.summary is None else self.summary.falls

    @property
    def rows(self) -> tuple[ChangeRow, ...]:
        """Dropped and new SKUs first, then the changes, biggest (per unit) first."""
        return () if self.summary is None else self.summary.rows


def summarise(diff: SheetDiff) -> DiffSummary:
    """The rows (dropped, new, then changed by size of the per-unit change) and counts."""
    dropped = [_row("dropped", o, old=True) for o in diff.dropped]
    added = [_row("new", o, old=False) for o in diff.added]
    changed = [ChangeRow("changed", c.vendor_sku, c.new.item, c.new.description, c.old_price,
                         c.new_price, _pack(c.old), _pack(c.new), c.percent, c.unit_price_percent,
                         c.fields) for c in diff.changed]
    changed.sort(key=lambda r: (-abs(r.unit_percent or 0), r.vendor_sku))
    rows = tuple(dropped + added + changed)
    counts = {"new": len(diff.added), "dropped": len(diff.dropped), "changed": len(diff.changed),
              "same": diff.unchanged}
    return DiffSummary(rows, counts, rises=sum(1 for r in rows if (r.unit_percent or 0) > 0),
                       falls=sum(1 for r in rows if (r.unit_percent or 0) < 0))


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
    key = (_stamp(sheet), _stamp(baseline) if baseline is not None else None)
    summary = _CACHE.get(key)
    if summary is None:
        old = load_records(session, baseline.id) if baseline is not None else []
        summary = summarise(diff_offers(old, load_records(session, sheet.id)))
        _CACHE.put(key, summary)
    return SheetChanges(sheet, baseline, summary)


_Stamp = tuple[int, datetime, str, int]


def _stamp(sheet: PriceSheet) -> _Stamp:
    return (sheet.id, sheet.created_at, sheet.sha256, sheet.offer_count)


class _SummaryCache:
    """Least recently used summaries, bounded by their rows in all and by count; thread-safe."""

    def __init__(self, max_rows: int, max_entries: int):
        self.max_rows, self.max_entries = max_rows, max_entries
        self._entries: OrderedDict[tuple[_Stamp, _Stamp | None], DiffSummary] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[_Stamp, _Stamp | None]) -> DiffSummary | None:
        with self._lock:
            summary = self._entries.get(key)
            if summary is not None:
                self._entries.move_to_end(key)
            return summary

    def put(self, key: tuple[_Stamp, _Stamp | None], summary: DiffSummary) -> None:
        if len(summary.rows) > self.max_rows:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = summary
            self._rows += len(summary.rows)
            while self._rows > self.max_rows or len(self._entries) > self.max_entries:
                _, dropped = self._entries.popitem(last=False)
                self._rows -= len(dropped.rows)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._rows = 0


_CACHE = _SummaryCache(CACHED_ROWS, CACHED_SUMMARIES)


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
