"""Validating a read sheet into offers, with every problem named by row, column and reason.

`validate_sheet(table, items=None)` checks each data row on its own, then the
sheet as a whole (duplicate SKUs), and never stops at the first problem. With
`items` (the catalog: item id -> (unit, name)) it also checks that each item
exists (suggesting the closest ids and names) and that the sheet's unit is the
item's or converts to it; the pack size is then converted into the item's unit.
Without `items` it checks everything else (what `check-sheet` does).
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from catalog.columns import COLUMN_NAMES, TIER_COUNT, HeaderMap, map_header
from catalog.errors import CatalogError
from catalog.quick import quick_offer
from catalog.records import OfferRecord, RowError, SheetResult, Tier
from catalog.sheets import RawSheet
from catalog.units import canonical_unit, conversion_factor
from catalog.values import (
    EXCEL_ERRORS,
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

Items = Mapping[str, Any]  # item id -> ItemRef(unit, name) or any (unit, name) pair

_ORDER = {name: i for i, name in enumerate(COLUMN_NAMES)}
_TIERS = tuple((k, f"tier{k}_min_packs", f"tier{k}_price") for k in range(1, TIER_COUNT + 1))


def validate_sheet(table: RawSheet, items: Items | None = None, *,
                   sink: Callable[[OfferRecord], None] | None = None) -> SheetResult:
    """Check every row of `table`; return the valid offers and every problem found.

    `items` maps catalog item ids to `(unit, name)` (an `ItemRef` or any pair).
    `sink`, if given, receives each row's offer as soon as the row is good on its own, before
    the whole-sheet checks: when the result is not ``ok`` the caller must discard them.
    Errors and warnings are sorted by row, then by column order. A header
    missing a required column rejects every row (no row can be complete).
    """
    plan = _Plan(map_header(table.header), _Catalog(items) if items is not None else None)
    errors = list(plan.header.errors)
    offers: list[OfferRecord] = []
    rejected: set[int] = set()
    skus: dict[str, list[int]] = {}
    count = 0
    for index, cells in enumerate(table.rows):
        if not "".join(cells).strip():
            continue
        count += 1
        values = plan.values(cells)
        offer, problems = plan.check(index, values, table)
        if offer is None:
            rejected.add(index + 2)
            errors.extend(problems)
        else:
            offers.append(offer)
            if sink is not None:
                sink(offer)
        if values.get("vendor_sku"):
            skus.setdefault(values["vendor_sku"].casefold(), []).append(index + 2)
    duplicates = _duplicate_errors(skus, table, plan.header.positions)
    if duplicates:
        errors.extend(duplicates)
        rejected |= {e.row for e in duplicates if e.row}
        offers = [o for o in offers if o.row not in rejected]
    errors.sort(key=lambda e: (e.row or 0, _ORDER.get(e.column or "", -1)))
    return SheetResult(
        offers=tuple(offers), errors=tuple(errors),
        warnings=tuple(table.warnings) + plan.header.warnings, rows=count, kind=table.kind,
        rejected_rows=frozenset(rejected),
    )


class _Plan:
    """What the header decides once for every row: where each column is, which tiers exist."""

    def __init__(self, header: HeaderMap, catalog: _Catalog | None):
        self.header = header
        self.complete = header.complete  # a property: asked once, not once per row
        self.catalog = catalog
        self.names = tuple(header.positions)
        positions = list(header.positions.values())
        self.pick = operator.itemgetter(*positions) if positions else None
        self.width = max(positions, default=-1) + 1
        self.tiers = tuple(t for t in _TIERS
                           if t[1] in header.positions or t[2] in header.positions)

    def values(self, cells: list[str]) -> dict[str, str]:
        """The row's trimmed cells by column name."""
        if self.pick is None:
            return {}
        if len(cells) < self.width:
            cells = list(cells) + [""] * (self.width - len(cells))
        picked = self.pick(cells) if len(self.names) > 1 else (self.pick(cells),)
        return dict(zip(self.names, map(str.strip, picked), strict=True))

    def check(self, index: int, values: dict[str, str],
              table: RawSheet) -> tuple[OfferRecord | None, list[RowError]]:
        """The row's offer (fast path first), or None and every problem of the row."""
        if not self.complete:
            return None, _careful(index, values, table, self.header, self.catalog, self.tiers)[1]
        if index not in table.cell_errors and index not in table.row_errors:
            offer = quick_offer(values, index + 2, self.tiers, self.catalog)
            if offer is not None:
                return offer, []
        offer, problems = _careful(index, values, table, self.header, self.catalog, self.tiers)
        return (None, problems) if problems or offer is None else (offer, [])


class _Row:
    """One data row being checked: its trimmed cells by column name, and its problems."""

    __slots__ = ("number", "values", "errors", "broken")

    def __init__(self, number: int, values: dict[str, str]):
        self.number = number
        self.values = values
        self.errors: list[RowError] = []
        self.broken: dict[str, str] = {}

    def fail(self, column: str | None, message: str, suggestion: str | None = None) -> None:
        self.errors.append(RowError(self.number, column, message, suggestion))

    def has(self, column: str) -> bool:
        return bool(self.values.get(column)) or (bool(self.broken) and column in self.broken)

    def get(self, column: str, parse: Callable[[str], Any], required: bool = False) -> Any:
        """The parsed cell, or None when empty or bad (a bad or missing required one is reported)."""
        text = self.values.get(column)
        if not text or text[0] == "#" or self.broken:
            return self._get_special(column, text, parse, required)
        try:
            return parse(text)
        except BadValue as exc:
            self.fail(column, str(exc))
            return None

    def _get_special(self, column: str, text: str | None, parse: Callable[[str], Any],
                     required: bool) -> Any:
        if column in self.broken:
            self.fail(column, self.broken[column])
            return None
        if not text:
            if required:
                self.fail(column, "missing value")
            return None
        if text in EXCEL_ERRORS:
            self.fail(column, f"the cell holds the Excel error {text}")
            return None
        try:
            return parse(text)
        except BadValue as exc:
            self.fail(column, str(exc))
            return None


def _careful(index: int, values: dict[str, str], table: RawSheet, header: HeaderMap,
             catalog: _Catalog | None, tiers: tuple) -> tuple[OfferRecord | None, list[RowError]]:
    """Check one row cell by cell, collecting every problem."""
    row = _Row(index + 2, values)
    _mark_unreadable(row, index, table, header.positions)
    offer = _check_row(row, catalog, tiers) if header.complete else None
    return offer, row.errors


def _mark_unreadable(row: _Row, index: int, table: RawSheet, positions: dict[str, int]) -> None:
    if index in table.row_errors:
        row.fail(None, table.row_errors[index])
    cells = table.cell_errors.get(index)
    if cells:
        for name, pos in positions.items():
            if pos in cells:
                row.broken[name] = cells[pos]


def _check_row(row: _Row, catalog: _Catalog | None, tier_columns: tuple) -> OfferRecord | None:
    sku = row.get("vendor_sku", lambda t: check_text(t, "vendor_sku"), required=True)
    item = row.get("item", lambda t: check_text(t, "item"), required=True)
    description = row.get("description", _description) or ""
    pack_size, typed_size, unit_text, pack_unit, item_id = _pack(row, item, catalog)
    discount = row.get("discount", parse_discount) or "all_units"
    numbered = _tiers(row, tier_columns)
    tiers = tuple(tier for _k, tier in numbered)
    max_packs = row.get("max_packs", parse_whole)
    first = numbered[0][1].min_packs if numbered and numbered[0][0] == 1 else None
    if max_packs is not None and first is not None and max_packs < first:
        row.fail("max_packs", f"max_packs {max_packs} is below tier1_min_packs {first}: "
                 "the offer could never be bought")
    valid_from, valid_to = _dates(row)
    if row.errors:
        return None
    return OfferRecord(
        vendor_sku=sku, item=item_id, description=description, pack_size=pack_size,
        unit=unit_text, discount=discount, tiers=tiers, max_packs=max_packs,
        valid_from=valid_from, valid_to=valid_to, row=row.number,
        sheet_pack_size=typed_size, pack_unit=pack_unit,
    )


def _description(text: str) -> str:
    return check_text(" ".join(text.split()), "description")


def _pack(row: _Row, item: str | None, catalog: _Catalog | None) -> tuple[Any, ...]:
    """(pack size in the item's unit, as typed, unit as typed, unit of pack size, item id)."""
    typed = row.get("pack_size", parse_quantity, required=True)
    unit_text = row.get("unit", str, required=True)
    if catalog is None:
        try:
            pack_unit = canonical_unit(unit_text) if unit_text else ""
        except CatalogError as exc:
            row.fail("unit", str(exc))
            pack_unit = ""
        return typed, typed, unit_text, pack_unit, item
    resolved = catalog.resolve(item) if item else None
    if item and resolved is None:
        row.fail("item", f"unknown item {item!r}", catalog.suggest(item))
    if resolved is None or unit_text is None:
        return None, typed, unit_text, "", item
    item_id, item_unit = resolved
    fit = catalog.fit(unit_text, item_unit)
    if isinstance(fit, str):
        row.fail("unit", fit)
        return None, typed, unit_text, "", item_id
    factor, pack_unit = fit
    if typed is None or factor == 1:
        return typed, typed, unit_text, pack_unit, item_id
    converted = (typed * factor).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
    if converted <= 0:
        row.fail("pack_size", f"{typed} {unit_text} is too small to express in {item_unit}")
    return Decimal(decimal_text(converted)), typed, unit_text, pack_unit, item_id


def _tiers(row: _Row, tier_columns: tuple) -> list[tuple[int, Tier]]:
    """The tiers that parsed, each with its number k (tierk_...)."""
    tiers: list[tuple[int, Tier]] = []
    previous: tuple[int, Tier] | None = None
    for k, min_col, price_col in tier_columns:
        if k > 1:
            has_min, has_price = row.has(min_col), row.has(price_col)
            if not (has_min or has_price):
                continue
            if not (has_min and has_price):
                given, missing = (min_col, price_col) if has_min else (price_col, min_col)
                row.fail(missing, f"{missing} is missing while {given} is given "
                         f"(tier {k} needs both)")
        min_packs = row.get(min_col, parse_whole, required=k == 1)
        price = row.get(price_col, parse_money, required=k == 1)
        if min_packs is None or price is None:
            previous = None  # no comparison across a broken tier: its own error says enough
            continue
        tier = Tier(min_packs, price)
        if previous is not None:
            _compare_tiers(row, previous, k, tier)
        tiers.append((k, tier))
        previous = (k, tier)
    return tiers


def _compare_tiers(row: _Row, previous: tuple[int, Tier], k: int, tier: Tier) -> None:
    j, before = previous
    if tier.min_packs <= before.min_packs:
        row.fail(f"tier{k}_min_packs", f"tier{k}_min_packs {tier.min_packs} must be greater "
                 f"than tier{j}_min_packs {before.min_packs} (tiers strictly increase)")
    if tier.price > before.price:
        row.fail(f"tier{k}_price", f"tier{k}_price {tier.price} is higher than tier{j}_price "
                 f"{before.price}: a price must not rise with volume")


def _dates(row: _Row) -> tuple[date | None, date | None]:
    valid_from = row.get("valid_from", parse_date)
    valid_to = row.get("valid_to", parse_date)
    if valid_from and valid_to and valid_to < valid_from:
        row.fail("valid_to", f"valid_to {valid_to} is before valid_from {valid_from}")
    return valid_from, valid_to


def _duplicate_errors(skus: dict[str, list[int]], table: RawSheet,
                      positions: dict[str, int]) -> list[RowError]:
    errors = []
    for rows in skus.values():
        if len(rows) < 2:
            continue
        sku = table.rows[rows[0] - 2][positions["vendor_sku"]].strip()
        for number in rows:
            others = ", ".join(str(r) for r in rows if r != number)
            errors.append(RowError(number, "vendor_sku", f"duplicate vendor_sku {sku!r}: "
                                   f"also on row{'s' if len(rows) > 2 else ''} {others}"))
    return errors


class _Catalog:
    """The catalog as validation needs it, with per-sheet caches."""

    def __init__(self, items: Items):
        self.units = {item_id: str(ref[0]) for item_id, ref in items.items()}
        self.names = {item_id: str(ref[1]) for item_id, ref in items.items()}
        self.folded = {item_id.casefold(): item_id for item_id in items}
        self._fits: dict[tuple[str, str], tuple[Decimal, str] | str] = {}
        self._suggestions: dict[str, str | None] = {}

    def resolve(self, text: str) -> tuple[str, str] | None:
        item_id = text if text in self.units else self.folded.get(text.casefold())
        return None if item_id is None else (item_id, self.units[item_id])

    def fit(self, unit_text: str, item_unit: str) -> tuple[Decimal, str] | str:
        """(factor from the sheet's unit to the item's, item's unit name), or why there is none."""
        key = (unit_text, item_unit)
        if key not in self._fits:
            self._fits[key] = self._find_fit(unit_text, item_unit)
        return self._fits[key]

    @staticmethod
    def _find_fit(unit_text: str, item_unit: str) -> tuple[Decimal, str] | str:
        try:
            name = canonical_unit(item_unit)
        except CatalogError:
            name = item_unit  # a unit only the catalog knows: it must be typed as it is
        if unit_text.strip().casefold() == item_unit.strip().casefold():
            return Decimal(1), name
        try:
            return conversion_factor(unit_text, item_unit), name
        except CatalogError as exc:
            return f"unit {unit_text!r} does not fit the item's unit {item_unit!r}: {exc}"

    def suggest(self, text: str) -> str | None:
        """The closest catalog item ids (by id or by name), as "a, b or c"."""
        if text not in self._suggestions:
            self._suggestions[text] = self._closest(text)
        return self._suggestions[text]

    def _closest(self, text: str) -> str | None:
        choices: dict[str, str] = {}
        for item_id, name in self.names.items():
            choices.setdefault(item_id.casefold(), item_id)
            if name:
                choices.setdefault(name.casefold(), item_id)
        matches = difflib.get_close_matches(text.casefold(), list(choices), n=6, cutoff=0.6)
        ids = list(dict.fromkeys(choices[m] for m in matches))[:3]
        if not ids:
            return None
        quoted = [repr(i) for i in ids]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
