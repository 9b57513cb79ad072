"""The fast path for clean rows: same parsers, no error bookkeeping.

Most rows of a real sheet are clean, and collecting errors cell by cell costs
more than parsing them. `quick_offer` tries a row in one go and returns its
offer, or None at the first doubt; validation then re-checks that row
carefully and reports every problem. It must never accept a row the careful
path would reject: tests/catalog/test_quick.py checks the two agree on
generated rows.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from catalog.errors import CatalogError
from catalog.records import ALL_UNITS, OfferRecord, Tier
from catalog.units import canonical_unit
from catalog.values import (
    QUANTITY_PLACES,
    BadValue,
    check_text,
    decimal_text,
    parse_date,
    parse_discount,
    parse_money,
    parse_quantity,
    parse_whole,
)

_DOUBT = (BadValue, CatalogError, IndexError, KeyError, TypeError)


def quick_offer(values: dict[str, str], number: int, tier_columns: tuple,
                catalog: Any) -> OfferRecord | None:
    """The offer of a clean row (trimmed cells by column name), or None if anything is off."""
    try:
        sku, item = values["vendor_sku"], values["item"]
        description = values.get("description", "")
        if sku[0] == "#" or item[0] == "#" or description[:1] == "#":
            return None  # maybe an Excel error value: the careful path names it
        check_text(sku, "vendor_sku")
        check_text(item, "item")
        if description:
            description = check_text(" ".join(description.split()), "description")
        typed = parse_quantity(values["pack_size"])
        unit_text = values["unit"]
        pack = _pack(typed, unit_text, item, catalog)
        if pack is None:
            return None
        tiers = _tiers(values, tier_columns)
        if tiers is None:
            return None
        limits = _limits(values, tiers[0].min_packs)
        if limits is None:
            return None
        discount = parse_discount(values.get("discount", ""))
    except _DOUBT:
        return None
    size, pack_unit, item_id = pack
    max_packs, valid_from, valid_to = limits
    return OfferRecord(
        vendor_sku=sku, item=item_id, description=description, pack_size=size,
        unit=unit_text, discount=discount or ALL_UNITS, tiers=tiers, max_packs=max_packs,
        valid_from=valid_from, valid_to=valid_to, row=number, sheet_pack_size=typed,
        pack_unit=pack_unit,
    )


def _pack(typed: Decimal, unit_text: str, item: str, catalog: Any):
    if catalog is None:
        return typed, canonical_unit(unit_text), item
    if not unit_text:
        return None
    resolved = catalog.resolve(item)
    if resolved is None:
        return None
    item_id, item_unit = resolved
    fit = catalog.fit(unit_text, item_unit)
    if isinstance(fit, str):
        return None
    factor, pack_unit = fit
    if factor == 1:
        return typed, pack_unit, item_id
    converted = (typed * factor).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
    if converted <= 0:
        return None
    return Decimal(decimal_text(converted)), pack_unit, item_id


def _tiers(values: dict[str, str], tier_columns: tuple) -> tuple[Tier, ...] | None:
    tiers: list[Tier] = []
    for k, min_col, price_col in tier_columns:
        min_text, price_text = values.get(min_col, ""), values.get(price_col, "")
        if not (min_text or price_text) and k > 1:
            continue
        tier = Tier(parse_whole(min_text), parse_money(price_text))
        if tiers and (tier.min_packs <= tiers[-1].min_packs or tier.price > tiers[-1].price):
            return None
        tiers.append(tier)
    return tuple(tiers) if tiers else None


def _limits(values: dict[str, str], first_min: int):
    max_text = values.get("max_packs", "")
    max_packs = parse_whole(max_text) if max_text else None
    if max_packs is not None and max_packs < first_min:
        return None
    from_text, to_text = values.get("valid_from", ""), values.get("valid_to", "")
    valid_from = parse_date(from_text) if from_text else None
    valid_to = parse_date(to_text) if to_text else None
    if valid_from and valid_to and valid_to < valid_from:
        return None
    return max_packs, valid_from, valid_to
