"""Vendor price-sheet intake, pure: no database, no web. The API the app builds on.

Check or import an upload (all or nothing is the caller's transaction)::

    from catalog import check_file, ItemRef

    items = {"milk-whole-gal": ItemRef("gal", "Milk, whole")}     # from the catalog tables
    result = check_file(upload_bytes, filename="prices.xlsx", items=items)
    result.ok            # True: store every offer as a new version; False: store nothing
    result.rows          # non-blank data rows read
    result.offers        # tuple[OfferRecord]: the rows that passed (all of them when ok)
    result.errors        # tuple[RowError(row, column, message, suggestion)], sorted by row
    result.warnings      # unknown columns ignored, which worksheet was read...

Entry points (signatures):

- `check_file(source: bytes | str | PathLike, filename=None, items=None, *,
  max_bytes=DEFAULT_MAX_BYTES, max_rows=DEFAULT_MAX_ROWS, limits=None) -> SheetResult`:
  safety checks, reading and validation in one call; never raises for a bad
  file (a refused file is one error with `row=None`).
- `read_upload(data: bytes, filename=None, *, max_bytes, max_rows, limits) -> RawSheet`
  and `validate_sheet(table: RawSheet, items=None) -> SheetResult`: the two halves,
  e.g. to read once and validate against several catalogs.
- `inspect_upload(data, filename=None, *, max_bytes, limits) -> Upload`: type by
  content, size limit, zip-bomb guard; raises `FileRejectedError` subclasses.
- `report_json(result) -> {"ok": bool, "rows": N, "errors": [{"row", "column", "message"}]}`,
  `dumps_report(result) -> str` and `report_text(result, name) -> str`: what
  `sharedbuy check-sheet FILE [--json]` prints (exit 0 if `result.ok`, else 1).
- `diff_offers(old: Sequence[OfferRecord], new: Sequence[OfferRecord]) -> SheetDiff`:
  per SKU old -> new tier-1 price and percent, per-tier changes, added and
  dropped SKUs, unchanged count; `SheetDiff.to_json()` for pages.
- `template_csv(example=None) -> bytes`, `template_xlsx(example=None) -> bytes`:
  the downloadable template (pass a row with a real catalog item id as
  `example`); `offers_to_csv(offers)`, `offers_to_xlsx(offers)` write offers
  back in the same format.
- `catalog.units`: `canonical_unit(text) -> str`, `conversion_factor(a, b) -> Decimal`,
  `convert(q, a, b)`, `is_known_unit(text)`, `known_units()`; validate item
  units with these when the hub edits the catalog.

Records (frozen): `OfferRecord(vendor_sku, item, description, pack_size, unit,
discount, tiers: tuple[Tier(min_packs, price)], max_packs, valid_from,
valid_to, row, sheet_pack_size, pack_unit)` where `pack_size` is in the
catalog item's unit when `items` were given (`pack_unit` says which unit);
`OfferRecord.to_offer_json(offer_id, vendor_id)` gives the optimizer's
`offers[]` entry. Money is `Decimal` (<= 4 places), never float.

`items` is any mapping of item id -> `(unit, name)` (`ItemRef` or a tuple).
Without it, item ids and unit fit are not checked (what `check-sheet` does),
and `pack_size` stays in the sheet's unit. Item ids match exactly, else
ignoring case (the record then carries the catalog's spelling).

Command line now: `python -m catalog check FILE [--json]`. The sheet format,
safety limits and messages are described in `catalog/README.md`.
"""

from catalog.diff import OfferChange, SheetDiff, TierChange, diff_offers
from catalog.errors import (
    CatalogError,
    FileRejectedError,
    IncompatibleUnitsError,
    UnknownUnitError,
    UnreadableFileError,
    UnsafeFileError,
    UnsupportedFileError,
)
from catalog.intake import check_file, read_upload
from catalog.records import (
    ALL_UNITS,
    INCREMENTAL,
    ItemRef,
    OfferRecord,
    RowError,
    SheetResult,
    Tier,
)
from catalog.report import dumps_report, report_json, report_text
from catalog.safety import DEFAULT_MAX_BYTES, Upload, ZipLimits, inspect_upload
from catalog.sheets import DEFAULT_MAX_ROWS, RawSheet, read_csv, read_xlsx
from catalog.template import (
    EXAMPLE_ROW,
    offers_to_csv,
    offers_to_xlsx,
    template_csv,
    template_xlsx,
)
from catalog.validation import validate_sheet

__all__ = [
    "ALL_UNITS", "CatalogError", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_ROWS", "EXAMPLE_ROW",
    "FileRejectedError", "INCREMENTAL", "IncompatibleUnitsError", "ItemRef", "OfferChange",
    "OfferRecord", "RawSheet", "RowError", "SheetDiff", "SheetResult", "Tier", "TierChange",
    "UnknownUnitError", "UnreadableFileError", "UnsafeFileError", "UnsupportedFileError",
    "Upload", "ZipLimits", "check_file", "diff_offers", "dumps_report", "inspect_upload",
    "offers_to_csv", "offers_to_xlsx", "read_csv", "read_upload", "read_xlsx", "report_json",
    "report_text", "template_csv", "template_xlsx", "validate_sheet",
]
