"""The price-sheet template vendors download, and writing offers back out as a sheet.

`template_csv()` and `template_xlsx()` give the documented columns with one
example row (the XLSX adds an "Instructions" sheet explaining every column).
`offers_to_csv(offers)` and `offers_to_xlsx(offers)` write validated offers in
the same format, so a sheet survives parse -> export -> parse unchanged.
Both validate cleanly: text that a spreadsheet would run as a formula never
gets in (validation refuses it) and is never written as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from catalog.columns import COLUMNS, TIER_COUNT
from catalog.records import OfferRecord
from catalog.values import decimal_text

TEMPLATE_TIERS = 3
PRICES_SHEET = "Prices"
INSTRUCTIONS_SHEET = "Instructions"

EXAMPLE_ROW: dict[str, str] = {c.name: c.example for c in COLUMNS if c.example}


def sheet_header(tiers: int = TEMPLATE_TIERS) -> list[str]:
    """The column names of a sheet with `tiers` tier pairs, in the template's order."""
    names = []
    for column in COLUMNS:
        if column.name.startswith("tier"):
            k = int(column.name[4:].split("_", 1)[0])
            if k > tiers:
                continue
        names.append(column.name)
    return names


def offer_row(offer: OfferRecord) -> dict[str, object]:
    """One offer as sheet cells by column name (prices as Decimal, dates as date)."""
    row: dict[str, object] = {
        "vendor_sku": offer.vendor_sku, "item": offer.item, "description": offer.description,
        "pack_size": offer.typed_pack_size, "unit": offer.unit, "discount": offer.discount,
        "max_packs": offer.max_packs, "valid_from": offer.valid_from, "valid_to": offer.valid_to,
    }
    for k, tier in enumerate(offer.tiers, start=1):
        row[f"tier{k}_min_packs"] = tier.min_packs
        row[f"tier{k}_price"] = tier.price
    return row


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv(header: list[str], rows: Sequence[Mapping[str, object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(row.get(name)) for name in header])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8 correctly


def template_csv(example: Mapping[str, str] | None = None) -> bytes:
    """The template as CSV bytes (UTF-8 with BOM, CRLF): header and one example row.

    `example` replaces the built-in example row (use a real item id of the
    catalog, e.g. `{**EXAMPLE_ROW, "item": "milk-whole-gal"}`).
    """
    return _csv(sheet_header(), [example if example is not None else EXAMPLE_ROW])


def offers_to_csv(offers: Sequence[OfferRecord]) -> bytes:
    """Offers as a CSV price sheet, with as many tier columns as the longest offer needs."""
    tiers = max((len(o.tiers) for o in offers), default=1)
    return _csv(sheet_header(max(tiers, 1)), [offer_row(o) for o in offers])


def template_xlsx(example: Mapping[str, str] | None = None) -> bytes:
    """The template as XLSX bytes: a "Prices" sheet (header, example row) and "Instructions"."""
    row = _typed_example(example if example is not None else EXAMPLE_ROW)
    return _xlsx(sheet_header(), [row], instructions=True)


def offers_to_xlsx(offers: Sequence[OfferRecord]) -> bytes:
    """Offers as an XLSX price sheet (numbers as number cells, dates as date cells)."""
    tiers = max((len(o.tiers) for o in offers), default=1)
    return _xlsx(sheet_header(max(tiers, 1)), [offer_row(o) for o in offers], instructions=False)


def _typed_example(example: Mapping[str, str]) -> dict[str, object]:
    """The example's numbers and dates as real cell values, as a vendor would type them."""
    row: dict[str, object] = dict(example)
    for name, value in example.items():
        if not value:
            continue
        if name.endswith(("_min_packs", "max_packs")) and value.isdigit():
            row[name] = int(value)
        elif name.endswith("_price") or name == "pack_size":
            row[name] = Decimal(value.lstrip("$").replace(",", ""))
        elif name.startswith("valid_"):
            row[name] = date.fromisoformat(value)
    return row


def _xlsx(header: list[str], rows: Sequence[Mapping[str, object]], *, instructions: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = PRICES_SHEET
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell_value(row.get(name)) for name in header])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            _keep_text(cell)
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 2)
    sheet.freeze_panes = "A2"
    discount = get_column_letter(header.index("discount") + 1)
    choice = DataValidation(type="list", formula1='"all_units,incremental"', allow_blank=True)
    choice.add(f"{discount}2:{discount}10000")
    sheet.add_data_validation(choice)
    if instructions:
        _add_instructions(book.create_sheet(INSTRUCTIONS_SHEET))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_value(value: object) -> object:
    return "" if value is None else value


def _keep_text(cell) -> None:  # openpyxl treats any "=..." string as a formula: never let it
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"


def _add_instructions(sheet) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.append(["column", "required", "what to write", "example"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        if column.name.startswith("tier") and not column.name.startswith(("tier1_", "tier2_")):
            continue
        sheet.append([column.name, "yes" if column.required else "no", column.help,
                      column.example])
    sheet.append([f"tier3_min_packs ... tier{TIER_COUNT}_price", "no",
                  f"More tiers, up to tier{TIER_COUNT}, work like tier 2: add both columns of "
                  "a pair, keep min packs increasing and prices never rising.", ""])
    notes = [
        "Row 1 is the header. Column names may be in any order and any case; unknown "
        "columns are ignored with a warning.",
        "Every problem is reported with its row and column, and nothing is imported until "
        "the whole sheet is clean. Formulas are never run: save the file after Excel has "
        "calculated it.",
        "Prices are per pack in US dollars; pack_size is how much of `unit` one pack holds.",
    ]
    sheet.append([])
    for note in notes:
        sheet.append([note])
    for letter, width in zip("ABCD", (30, 10, 90, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2, max_col=3):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
