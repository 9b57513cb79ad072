"""What a new price sheet changes, per SKU, before it is activated.

    diff = diff_offers(current_offers, uploaded_offers)
    for change in diff.changed:
        print(change.vendor_sku, change.old_price, "->", change.new_price, change.percent, "%")

SKUs match ignoring case (as duplicate detection does). Percentages are
(new - old) / old * 100, rounded half up to one decimal place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from catalog.records import OfferRecord
from catalog.values import decimal_text

PERCENT_PLACES = Decimal("0.1")
COMPARED = ("item", "description", "pack_size", "pack_unit", "discount", "tiers", "max_packs",
            "valid_from", "valid_to")


def percent_change(old: Decimal, new: Decimal) -> Decimal | None:
    """(new - old) / old in percent, rounded half up to 0.1; None when old is 0."""
    if old == 0:
        return None
    return ((new - old) * 100 / old).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TierChange:
    """The price per pack at `min_packs`, before and after (None: no such tier then)."""

    min_packs: int
    old_price: Decimal | None
    new_price: Decimal | None
    percent: Decimal | None


@dataclass(frozen=True)
class OfferChange:
    """A SKU in both sheets whose offer differs; `fields` names what differs."""

    vendor_sku: str
    old: OfferRecord
    new: OfferRecord
    fields: tuple[str, ...]
    tiers: tuple[TierChange, ...]

    @property
    def old_price(self) -> Decimal:
        """Tier 1 price per pack before."""
        return self.old.tiers[0].price

    @property
    def new_price(self) -> Decimal:
        """Tier 1 price per pack after."""
        return self.new.tiers[0].price

    @property
    def percent(self) -> Decimal | None:
        """Tier 1 price change in percent."""
        return percent_change(self.old_price, self.new_price)

    @property
    def unit_price_percent(self) -> Decimal | None:
        """Tier 1 price change per unit of the item: differs from `percent` when the pack changed."""
        old = self.old_price / self.old.pack_size
        return percent_change(old, self.new_price / self.new.pack_size)


@dataclass(frozen=True)
class SheetDiff:
    """Per-SKU differences between the active offers and a new sheet."""

    changed: tuple[OfferChange, ...]
    added: tuple[OfferRecord, ...]
    dropped: tuple[OfferRecord, ...]
    unchanged: int

    @property
    def has_changes(self) -> bool:
        return bool(self.changed or self.added or self.dropped)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary; money and percentages as strings."""
        def money(value: Decimal | None) -> str | None:
            return None if value is None else decimal_text(value)

        return {
            "changed": [{
                "vendor_sku": c.vendor_sku, "item": c.new.item, "fields": list(c.fields),
                "old_price": money(c.old_price), "new_price": money(c.new_price),
                "percent": money(c.percent), "unit_price_percent": money(c.unit_price_percent),
                "tiers": [{"min_packs": t.min_packs, "old_price": money(t.old_price),
                           "new_price": money(t.new_price), "percent": money(t.percent)}
                          for t in c.tiers],
            } for c in self.changed],
            "added": [o.vendor_sku for o in self.added],
            "dropped": [o.vendor_sku for o in self.dropped],
            "unchanged": self.unchanged,
        }


def diff_offers(old: Sequence[OfferRecord], new: Sequence[OfferRecord]) -> SheetDiff:
    """Compare the offers in force (`old`) with a new sheet's (`new`), SKU by SKU.

    Raises ValueError if either side repeats a SKU (validated sheets never do).
    Results are sorted by SKU.
    """
    before, after = _by_sku(old, "old"), _by_sku(new, "new")
    changed, unchanged = [], 0
    for key in sorted(before.keys() & after.keys()):
        fields = tuple(f for f in COMPARED
                       if getattr(before[key], f) != getattr(after[key], f))
        if fields:
            changed.append(OfferChange(after[key].vendor_sku, before[key], after[key], fields,
                                       _tier_changes(before[key], after[key])))
        else:
            unchanged += 1
    return SheetDiff(
        changed=tuple(changed),
        added=tuple(after[k] for k in sorted(after.keys() - before.keys())),
        dropped=tuple(before[k] for k in sorted(before.keys() - after.keys())),
        unchanged=unchanged,
    )


def _by_sku(offers: Sequence[OfferRecord], side: str) -> dict[str, OfferRecord]:
    found: dict[str, OfferRecord] = {}
    for offer in offers:
        key = offer.vendor_sku.casefold()
        if key in found:
            raise ValueError(f"SKU {offer.vendor_sku!r} appears twice in the {side} offers")
        found[key] = offer
    return found


def _tier_changes(old: OfferRecord, new: OfferRecord) -> tuple[TierChange, ...]:
    before = {t.min_packs: t.price for t in old.tiers}
    after = {t.min_packs: t.price for t in new.tiers}
    changes = []
    for min_packs in sorted(before.keys() | after.keys()):
        a, b = before.get(min_packs), after.get(min_packs)
        percent = percent_change(a, b) if a is not None and b is not None else None
        changes.append(TierChange(min_packs, a, b, percent))
    return tuple(changes)
