"""The price-sheet columns: names, what each means, and how a header row maps onto them.

Header names are matched ignoring case, spaces, underscores and punctuation
("Vendor SKU", "vendor_sku" and "VENDOR-SKU" are the same column), in any
order. Unknown columns are ignored with a warning; missing required columns
and columns given twice are errors on row 1.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from catalog.records import RowError

TIER_COUNT = 9


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    example: str = ""


def _tier_columns() -> list[Column]:
    cols = []
    for k in range(1, TIER_COUNT + 1):
        need = k == 1
        note = "required" if need else f"optional; give both tier{k} columns or neither"
        cols.append(Column(
            f"tier{k}_min_packs", need,
            f"Tier {k}: from this many packs (pooled over the alliance) on, tier {k}'s price "
            f"applies. Whole number; strictly greater than the previous tier's ({note}).",
            {1: "1", 2: "100"}.get(k, ""),
        ))
        cols.append(Column(
            f"tier{k}_price", need,
            f"Tier {k}: price per pack in US dollars, > 0, at most 4 decimals ('$1,234.50' "
            f"is fine); never higher than the previous tier's price ({note}).",
            {1: "15.96", 2: "14.80"}.get(k, ""),
        ))
    return cols


COLUMNS: tuple[Column, ...] = (
    Column("vendor_sku", True, "Your own product code. Unique within the sheet.", "VD-MILK-4G"),
    Column("item", True, "The catalog item id this product supplies (from the catalog page).",
           "milk-whole-gal"),
    Column("description", False, "Free text shown to buyers.", "Whole milk, case of 4 x 1 gal"),
    Column("pack_size", True, "How much of `unit` one pack holds; > 0 ('4' for a case of "
           "4 gallons).", "4"),
    Column("unit", True, "Unit of pack_size: the item's unit or one convertible to it "
           "(gal, qt, pt, fl_oz, l, ml; lb, oz, kg, g; each, pair, dozen; box, case, ream...).",
           "gal"),
    Column("discount", False, "How tiers price an order: all_units (default: every pack at "
           "the tier reached) or incremental (each tier prices only the packs within it).",
           "all_units"),
    *_tier_columns(),
    Column("max_packs", False, "Most packs you can supply per purchasing cycle; whole "
           "number > 0, at least tier1_min_packs. Empty: no limit.", "5000"),
    Column("valid_from", False, "First day the prices apply, YYYY-MM-DD or a date cell. "
           "Empty: from activation.", "2026-01-01"),
    Column("valid_to", False, "Last day the prices apply, YYYY-MM-DD or a date cell, not "
           "before valid_from. Empty: until replaced.", "2026-12-31"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)

_ALIASES = {"sku": "vendor_sku", "itemid": "item", "discountkind": "discount"}
_PUNCT = re.compile(r"[^0-9a-z]+")


def normalize_header(text: str) -> str:
    """The comparison key of a header cell: lower case, letters and digits only."""
    return _PUNCT.sub("", text.casefold())


_BY_KEY = {normalize_header(name): name for name in COLUMN_NAMES}
_BY_KEY.update(_ALIASES)


def is_known_header(text: str) -> bool:
    """True when a header cell names one of the known columns (or an alias)."""
    return normalize_header(text) in _BY_KEY


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class HeaderMap:
    """Where each known column sits in the header row (0-based), and what was wrong."""

    positions: dict[str, int]
    errors: tuple[RowError, ...] = ()
    warnings: tuple[RowError, ...] = ()
    width: int = 0
    ignored: frozenset[int] = field(default_factory=frozenset)

    @property
    def complete(self) -> bool:
        return all(name in self.positions for name in REQUIRED_COLUMNS)


def map_header(header: list[str] | tuple[str, ...]) -> HeaderMap:
    """Map a header row onto the known columns, reporting every header problem on row 1."""
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    warnings: list[RowError] = []
    ignored: set[int] = set()
    for index, raw in enumerate(header):
        text = (raw or "").strip()
        if not text:
            ignored.add(index)
            continue
        name = _BY_KEY.get(normalize_header(text))
        if name is None:
            ignored.add(index)
            warnings.append(_unknown_column(text, index))
        elif name in positions:
            ignored.add(index)
            errors.append(RowError(1, name, f"column {name!r} appears twice (columns "
                                   f"{column_letter(positions[name])} and {column_letter(index)})"))
        else:
            positions[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            errors.append(RowError(1, name, f"required column {name!r} is missing"))
    return HeaderMap(positions, tuple(errors), tuple(warnings), len(header), frozenset(ignored))


def _unknown_column(text: str, index: int) -> RowError:
    close = difflib.get_close_matches(text.casefold(), COLUMN_NAMES, n=1, cutoff=0.75)
    return RowError(
        1, text,
        f"unknown column {text!r} (column {column_letter(index)}) is ignored",
        close[0] if close else None,
    )
