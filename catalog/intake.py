"""One call from uploaded bytes (or a local file) to a `SheetResult`: safety, reading, validation.

    result = check_file(upload_bytes, filename="prices.xlsx", items=catalog_items)
    if result.ok:
        store(result.offers)          # all or nothing: the caller's transaction
    else:
        show(result.errors)           # every problem, by row and column

A refused file (too big, a zip bomb, not a spreadsheet) is not an exception
here: it comes back as a result with one error on row None (the whole file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from catalog.errors import FileRejectedError, UnreadableFileError, UnsafeFileError
from catalog.records import OfferRecord, RowError, SheetResult
from catalog.safety import DEFAULT_MAX_BYTES, ZipLimits, inspect_upload
from catalog.sheets import DEFAULT_MAX_ROWS, RawSheet, read_csv, read_xlsx
from catalog.validation import Items, validate_sheet


def read_upload(
    data: bytes,
    filename: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    limits: ZipLimits | None = None,
) -> RawSheet:
    """Judge `data` by content and read it into a `RawSheet`; raises `FileRejectedError`."""
    upload = inspect_upload(data, filename, max_bytes=max_bytes, limits=limits)
    if upload.kind == "xlsx":
        sheet = read_xlsx(upload.data, max_rows=max_rows)
    else:
        sheet = read_csv(upload.text or "", max_rows=max_rows)
    notes = tuple(RowError(None, None, w) for w in upload.warnings)
    if notes:
        sheet = RawSheet(sheet.header, sheet.rows, sheet.kind, sheet.cell_errors,
                         notes + sheet.warnings, sheet.row_errors)
    return sheet


def check_file(
    source: bytes | str | os.PathLike[str],
    filename: str | None = None,
    items: Items | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    limits: ZipLimits | None = None,
    sink: Callable[[OfferRecord], None] | None = None,
) -> SheetResult:
    """Read and validate a price sheet given as bytes (an upload) or a local path (the CLI).

    `filename` only names the upload in messages; the type is judged by content.
    `items` is the catalog (item id -> (unit, name)); without it the item ids and
    units are not checked against a catalog. Never raises for a bad file: a
    refused file is a result with one whole-file error (`row` None). `sink` receives each
    good row's offer during validation (see :func:`catalog.validation.validate_sheet`).
    """
    try:
        if isinstance(source, bytes):
            data = source
        else:
            data = _read_local(Path(source), max_bytes)
            filename = filename or Path(source).name
        sheet = read_upload(data, filename, max_bytes=max_bytes, max_rows=max_rows,
                            limits=limits)
    except FileRejectedError as exc:
        return SheetResult(offers=(), errors=(RowError(None, None, str(exc)),))
    return validate_sheet(sheet, items, sink=sink)


def _read_local(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnsafeFileError(f"the file is {size:,} bytes; the limit is {max_bytes:,}")
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"cannot read {path.name}: {exc.strerror}") from None
