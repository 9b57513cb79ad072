"""Spreadsheet-safe exports: one :class:`Document` written as CSV or XLSX (PDF: ``exports_pdf``).

A document is a title, a few facts (label and value), tables and paragraphs of notes. Every
cell has a kind: text cells are neutralised, so a spreadsheet never reads a name such as
``=HYPERLINK(...)`` as a formula (a leading apostrophe is added to text starting with
``= + - @``, a tab or a carriage return), while money stays numeric: integer cents in,
a number with two decimals out (a currency number format in XLSX), negative amounts included.

Pure: no database and no web code, so any service can hand its rows to it.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = '"$"#,##0.00'
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.####"
DATE_FORMAT = "yyyy-mm-dd"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"


class Kind(enum.StrEnum):
    """What a cell holds, which decides how each format writes it."""

    TEXT = "text"
    MONEY = "money"  # integer cents
    PERCENT = "percent"  # Decimal percentage points (12.5 means 12.5 %)
    COUNT = "count"  # whole number
    DECIMAL = "decimal"  # a quantity
    DATE = "date"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.TEXT
    width: int = 16


@dataclass(frozen=True)
class Table:
    """Rows of cells in column order; ``total`` is an optional last row set in bold."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    total: Sequence[Any] | None = None


@dataclass(frozen=True)
class Fact:
    label: str
    value: Any
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Document:
    """What an export holds; ``filename`` has no extension (each writer adds its own)."""

    title: str
    filename: str
    subtitle: str = ""
    facts: Sequence[Fact] = ()
    tables: Sequence[Table] = ()
    notes: Sequence[str] = ()
    generated_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def safe_text(value: Any) -> str:
    """``value`` as text a spreadsheet shows as is: a leading apostrophe before a formula start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def money_text(cents: int | None) -> str:
    """Cents as a plain decimal number (``-1234.50``), empty for None."""
    if cents is None:
        return ""
    return str((Decimal(int(cents)) / 100).quantize(Decimal("0.01")))


def money_label(cents: int | None) -> str:
    """Cents as people read them: ``$1,234.50``, ``-$12.00``, an en dash for None."""
    if cents is None:
        return "\u2013"
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(Decimal(int(cents)) / 100):,.2f}"


def percent_text(value: Decimal | None) -> str:
    return "" if value is None else str(Decimal(value).quantize(Decimal("0.1")))


def cell_text(value: Any, kind: Kind) -> str:
    """One cell as CSV text: numbers plain, dates ISO, text neutralised."""
    if value is None:
        return ""
    if kind is Kind.MONEY:
        return money_text(value)
    if kind is Kind.PERCENT:
        return percent_text(value)
    if kind in (Kind.COUNT, Kind.DECIMAL):
        return str(value)
    if kind is Kind.DATE and isinstance(value, date | datetime):
        return value.isoformat()
    return safe_text(value)


# ---------------------------------------------------------------- CSV

def write_csv(document: Document) -> bytes:
    """The document as one CSV file (UTF-8 with a byte-order mark, so Excel reads accents):
    title lines, the facts as label/value rows, each table under its title, then the notes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(document.title)])
    if document.subtitle:
        writer.writerow([safe_text(document.subtitle)])
    if document.facts:
        writer.writerow([])
        for fact in document.facts:
            writer.writerow([safe_text(fact.label), cell_text(fact.value, fact.kind)])
    for table in document.tables:
        writer.writerow([])
        writer.writerow([safe_text(table.title)])
        writer.writerow([safe_text(column.title) for column in table.columns])
        for row in [*table.rows, *([table.total] if table.total is not None else [])]:
            writer.writerow([cell_text(value, column.kind) for value, column in zip(row, table.columns, strict=True)])
    if document.notes:
        writer.writerow([])
        for note in document.notes:
            writer.writerow([safe_text(note)])
    return out.getvalue().encode("utf-8-sig")


def write_table_csv(table: Table) -> bytes:
    """A single table as a plain CSV (header row, then rows): for loading into other tools."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(column.title) for column in table.columns])
    for row in table.rows:
        writer.writerow([cell_text(value, column.kind) for value, column in zip(row, table.columns, strict=True)])
    return out.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- XLSX

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(document: Document) -> bytes:
    """The document as a workbook: a *Summary* sheet (title, facts, notes), then one sheet per
    table with a frozen header row. Money cells are numbers in dollars with a currency format."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Summary"
    _write_summary(summary, document)
    used = {"summary"}
    for table in document.tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        _write_table(sheet, table)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_summary(sheet: Worksheet, document: Document) -> None:
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 22
    _put(sheet, 1, 1, document.title, Kind.TEXT).font = _TITLE
    row = 2
    if document.subtitle:
        _put(sheet, row, 1, document.subtitle, Kind.TEXT)
        row += 1
    row += 1
    for fact in document.facts:
        _put(sheet, row, 1, fact.label, Kind.TEXT).font = _BOLD
        _put(sheet, row, 2, fact.value, fact.kind)
        row += 1
    row += 1
    for note in document.notes:
        cell = _put(sheet, row, 1, note, Kind.TEXT)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        sheet.row_dimensions[row].height = max(15, 15 * (len(note) // 110 + 1))
        row += 1


def _write_table(sheet: Worksheet, table: Table) -> None:
    for index, column in enumerate(table.columns, start=1):
        _put(sheet, 1, index, column.title, Kind.TEXT).font = _BOLD
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for number, row in enumerate(table.rows, start=2):
        for index, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
            _put(sheet, number, index, value, column.kind)
    if table.total is not None:
        number = len(table.rows) + 2
        for index, (value, column) in enumerate(zip(table.total, table.columns, strict=True), start=1):
            _put(sheet, number, index, value, column.kind).font = _BOLD
    sheet.freeze_panes = "A2"


def _put(sheet: Worksheet, row: int, column: int, value: Any, kind: Kind) -> Any:
    """Write one typed cell. Text is always stored as a string (never as a formula)."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if kind is Kind.MONEY:
        cell.value = Decimal(int(value)) / 100
        cell.number_format = MONEY_FORMAT
    elif kind is Kind.PERCENT:
        cell.value = Decimal(value) / 100
        cell.number_format = PERCENT_FORMAT
    elif kind is Kind.COUNT:
        cell.value = int(value)
        cell.number_format = COUNT_FORMAT
    elif kind is Kind.DECIMAL:
        cell.value = Decimal(value)
        cell.number_format = DECIMAL_FORMAT
    elif kind is Kind.DATE and isinstance(value, date | datetime):
        cell.value = value.replace(tzinfo=None) if isinstance(value, datetime) else value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = safe_text(value)
        cell.data_type = "s"  # openpyxl would otherwise store text starting with "=" as a formula
    return cell


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub(" ", title).strip().strip("'")[:28] or "Table"
    name, number = base, 2
    while name.lower() in used:
        name, number = f"{base[:25]} {number}", number + 1
    used.add(name.lower())
    return name
