"""Building price sheets for the tests: rows as dicts, CSV and XLSX bytes, zip surgery."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence

import openpyxl

from catalog import ItemRef, RawSheet

HEADER = [
    "vendor_sku", "item", "description", "pack_size", "unit", "discount",
    "tier1_min_packs", "tier1_price", "tier2_min_packs", "tier2_price",
    "max_packs", "valid_from", "valid_to",
]

GOOD = {
    "vendor_sku": "VD-MILK-4G", "item": "milk-whole-gal", "description": "Whole milk, 4 x 1 gal",
    "pack_size": "4", "unit": "gal", "discount": "all_units",
    "tier1_min_packs": "1", "tier1_price": "15.96", "tier2_min_packs": "100",
    "tier2_price": "14.80", "max_packs": "5000", "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
}

ITEMS = {
    "milk-whole-gal": ItemRef("gal", "Milk, whole, unflavored"),
    "milk-1pct-gal": ItemRef("gal", "Milk, 1% low fat"),
    "eggs-large-dozen": ItemRef("dozen", "Eggs, grade A large"),
    "flour-ap-lb": ("lb", "Flour, all purpose"),
    "paper-copy-ream": ItemRef("ream", "Copy paper, letter"),
    "beans-black-canned-can10": ItemRef("can_10", "Black beans, #10 can"),
    "crayons-crate": ItemRef("crate", "Crayons, classroom crate"),
}


def row(**changes: str) -> dict[str, str]:
    """The good example row with some cells changed (sku defaults stay unique per call site)."""
    return {**GOOD, **changes}


def rows_to_table(rows: Sequence[dict[str, str]], header: Sequence[str] = HEADER) -> list[list[str]]:
    return [list(header)] + [[r.get(name, "") for name in header] for r in rows]


def raw_sheet(*rows: dict[str, str], header: Sequence[str] = HEADER) -> RawSheet:
    return RawSheet.from_rows(rows_to_table(rows, header))


def csv_bytes(table: Sequence[Sequence[str]], *, delimiter: str = ",", encoding: str = "utf-8",
              newline: str = "\r\n") -> bytes:
    """CSV with minimal quoting (quotes only where a cell needs them)."""
    lines = []
    for cells in table:
        out = []
        for cell in cells:
            if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
                cell = '"' + cell.replace('"', '""') + '"'
            out.append(cell)
        lines.append(delimiter.join(out))
    return (newline.join(lines) + newline).encode(encoding)


def xlsx_bytes(table: Sequence[Sequence[object]], *, title: str = "Prices",
               before: Sequence[str] = (), number_formats: dict[str, str] | None = None) -> bytes:
    """An XLSX whose worksheet `title` holds `table`; `before` adds sheets in front of it."""
    book = openpyxl.Workbook()
    names = [*before, title]
    book.active.title = names[0]
    for name in names[1:]:
        book.create_sheet(name)
    sheet = book[title]
    for cells in table:
        sheet.append(list(cells))
    for ref, fmt in (number_formats or {}).items():
        sheet[ref].number_format = fmt
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite_entry(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """A copy of the zip `data` with entry `name` passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == name:
                changed = change(content)
                assert changed != content, f"the change to {name} matched nothing"
                content = changed
            target.writestr(info.filename, content)
    return out.getvalue()
