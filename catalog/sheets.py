"""Reading CSV and XLSX price sheets into text cells (`RawSheet`), nothing interpreted yet.

Every cell stays a string until validation, so "$1,234.50" and " 12.5 " can be
read tolerantly there. Row numbers are the spreadsheet's: the header is row 1
and `rows[i]` is row `i + 2` (blank rows are kept, so numbering never shifts).

- CSV: the delimiter is sniffed among `,` `;` tab `|` from the header line;
  text arrives decoded by `catalog.safety.decode_text` (BOM, UTF-8,
  Windows-1252); CRLF, LF and CR line ends all work. pandas' C parser does the
  bulk work; a row with more cells than the header falls back to the stdlib
  parser so the row can be named in an error.
- XLSX: openpyxl in read-only, values-only mode on the cached values Excel
  saved. Formulas are never evaluated: a formula cell without a cached value is
  an error for that cell. Number cells become plain decimal text
  (repr-exact floats, no exponent), date cells ISO dates.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from catalog.columns import column_letter, is_known_header
from catalog.errors import FileRejectedError, UnreadableFileError, UnsafeFileError
from catalog.records import RowError
from catalog.safety import decode_text, require_xml_protection
from catalog.xlsx_parts import choose_worksheet, uncached_formula_cells

DEFAULT_MAX_ROWS = 250_000
DELIMITERS = (",", ";", "\t", "|")
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class RawSheet:
    """A sheet as text cells. `rows[i]` is spreadsheet row `i + 2`.

    `cell_errors[i][j]` is a reason why cell (row `i + 2`, 0-based column `j`)
    has no usable value (a formula without a cached value), and `row_errors[i]`
    why row `i + 2` as a whole is broken (more cells than the header); validation
    reports these instead of parsing. `warnings` are reading notes for the vendor.
    """

    header: tuple[str, ...]
    rows: list[list[str]]
    kind: str = ""
    cell_errors: dict[int, dict[int, str]] = field(default_factory=dict)
    warnings: tuple[RowError, ...] = ()
    row_errors: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[object]], kind: str = "") -> RawSheet:
        """Build from a header row then data rows; None becomes "", anything else str()."""
        it = iter(rows)
        header = tuple("" if c is None else str(c) for c in next(it, ()))
        body = [["" if c is None else str(c) for c in row] for row in it]
        return cls(header, body, kind)


def read_csv(data: bytes | str, *, max_rows: int = DEFAULT_MAX_ROWS) -> RawSheet:
    """Read CSV bytes (decoded by `decode_text`) or already decoded text."""
    text = decode_text(data)[0] if isinstance(data, bytes) else data
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise UnreadableFileError("the file is empty")
    delimiter = sniff_delimiter(text)
    table = _parse_with_pandas(text, delimiter)
    ragged = table is None  # pandas refuses rows longer than the header; the stdlib keeps them
    if table is None:
        table = _parse_with_stdlib(text, delimiter)
    _trim_trailing_blank_rows(table)
    if len(table) - 1 > max_rows:
        raise UnsafeFileError(f"the sheet has {len(table) - 1:,} rows; the limit is {max_rows:,}")
    header = tuple(table[0])
    rows = table[1:]
    row_errors = _overlong_rows(rows, len(header), delimiter) if ragged else {}
    return RawSheet(header, rows, "csv", row_errors=row_errors)


def sniff_delimiter(text: str) -> str:
    """The delimiter among `, ; tab |` that makes the header line yield the most known columns."""
    line = _LINE_END.split(text, maxsplit=1)[0]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        known = sum(1 for c in cells if is_known_header(c))
        score = (known, len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _parse_with_pandas(text: str, delimiter: str) -> list[list[str]] | None:
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.read_csv(
                io.BytesIO(text.encode("utf-8")), sep=delimiter, header=None, dtype=str,
                encoding="utf-8", keep_default_na=False, na_filter=False,
                skip_blank_lines=False, engine="c", quotechar='"', doublequote=True,
            )
    except pd.errors.ParserError:
        return None  # ragged rows: the stdlib parser keeps them so they can be reported
    except pd.errors.EmptyDataError:
        raise UnreadableFileError("the file is empty") from None
    return frame.to_numpy().tolist()


def _parse_with_stdlib(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise UnreadableFileError(f"the CSV cannot be read: {exc}") from None
    width = len(table[0]) if table else 0
    for row in table:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    return table


def _trim_trailing_blank_rows(table: list[list[str]]) -> None:
    while len(table) > 1 and not any(c.strip() for c in table[-1]):
        table.pop()


def _overlong_rows(rows: list[list[str]], width: int, delimiter: str) -> dict[int, str]:
    """Rows with non-empty cells past the header's width, which are cut off."""
    name = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "bar"}[delimiter]
    errors: dict[int, str] = {}
    for index, row in enumerate(rows):
        if len(row) > width and any(c.strip() for c in row[width:]):
            errors[index] = (
                f"row has {len(row)} cells but the header has {width}: a value containing a "
                f"{name} must be in double quotes (extra cells from column "
                f"{column_letter(width)})"
            )
        del row[width:]
    return errors


def read_xlsx(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS) -> RawSheet:
    """Read the price sheet of an XLSX workbook (already checked by `safety.inspect_upload`).

    The sheet read is the one named "prices" or "offers" (any case) if there is
    one, else the first visible worksheet.
    """
    require_xml_protection()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            name, path, note = choose_worksheet(archive)
            formulas = uncached_formula_cells(archive, path)
        header, rows = _read_cells(data, name, max_rows)
    except FileRejectedError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise _rejection(exc) from None
    cell_errors: dict[int, dict[int, str]] = {}
    for row, col in formulas:
        if row >= 2 and col <= len(header):
            cell_errors.setdefault(row - 2, {})[col - 1] = (
                "formula without a saved result: open the file in Excel, let it recalculate, "
                "save, and upload again (formulas are never run here)"
            )
    warn = (RowError(None, None, note),) if note else ()
    return RawSheet(header, rows, "xlsx", cell_errors, warn)


def _rejection(exc: Exception) -> FileRejectedError:
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    for _depth in range(20):  # openpyxl wraps what it hits; chains are short
        if cause is None or isinstance(cause, DefusedXmlException):
            break
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, DefusedXmlException):
        return UnsafeFileError("the workbook's XML declares entities or DTDs (an XML bomb?): "
                               "refused")
    return UnreadableFileError(f"the workbook cannot be read: {type(exc).__name__}: {exc}"[:300])


def _read_cells(data: bytes, sheet_name: str, max_rows: int) -> tuple[tuple[str, ...], list]:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # style and extension notices; nothing a vendor can fix
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                      keep_links=False, keep_vba=False)
        try:
            sheet = book[sheet_name]
            sheet.reset_dimensions()  # never trust the saved dimension: read what is there
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            header = _header_cells(first)
            rows = _data_rows(sheet, max(len(header), 1), max_rows)
        finally:
            book.close()
    _trim_trailing_blank_rows(rows)
    return header, rows


def _data_rows(sheet: Any, width: int, max_rows: int) -> list[list[str]]:
    """Rows 2... as text; empty rows (formatting only) share one empty list and are not counted."""
    rows: list[list[str]] = []
    empty: list[str] = []
    count = 0
    for values in sheet.iter_rows(min_row=2, max_col=width, values_only=True):
        if all(v is None or v == "" for v in values):
            rows.append(empty)
            continue
        count += 1
        if count > max_rows:
            raise UnsafeFileError(f"the sheet has more than {max_rows:,} rows")
        rows.append([_cell_text(v) for v in values])
    return rows


def _header_cells(values: Sequence[object]) -> tuple[str, ...]:
    cells = [_cell_text(v) for v in values]
    while cells and not cells[-1].strip():
        cells.pop()
    return tuple(cells)


def _cell_text(value: object) -> str:
    """One XLSX cell value as the text validation parses."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is float:
        return float_text(value)  # type: ignore[arg-type]
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is datetime:
        stamp: datetime = value  # type: ignore[assignment]
        return stamp.date().isoformat() if stamp.time() == time(0) else stamp.isoformat(" ")
    if kind is date or kind is time:
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


def float_text(value: float) -> str:
    """A float as plain decimal text, exactly its shortest repr ("14.8", "1e-05" -> "0.00001")."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(repr(value)), "f")
