"""Upload safety: decide what a file is by its bytes, and refuse the dangerous ones early.

`inspect_upload(data, filename)` runs before any parser sees the file:

- size: more than `max_bytes` is refused;
- type by content, never by name: an XLSX is a zip holding `[Content_Types].xml`
  and `xl/workbook.xml`; a CSV is text (UTF-8, UTF-8 with BOM, UTF-16 with BOM
  or Windows-1252) without NULs or other binary control bytes. Anything else
  (.xls, .ods, PDF, pictures, a .docx renamed .xlsx) is refused with a message
  saying what it looks like;
- zip-bomb guard: the zip central directory is read first and the workbook is
  refused when it declares too many entries, too many uncompressed bytes, or a
  suspicious compression ratio. Python's zipfile never inflates an entry past
  its declared size (it stops and fails the CRC), so the declared sizes bound
  what any later parser can allocate;
- XML: openpyxl parses through defusedxml (entity declarations refused); we
  check that it does, and parse any XML of our own with defusedxml;
- the filename is only ever shown (`display_name`) and used as a hint, never
  joined into a path.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass

from catalog.errors import UnreadableFileError, UnsafeFileError, UnsupportedFileError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_MIB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """What an XLSX may declare in its central directory before anything is inflated."""

    max_entries: int = 1000
    max_total_bytes: int = 512 * _MIB
    max_entry_bytes: int = 400 * _MIB
    max_ratio: int = 200  # uncompressed / compressed, for entries above ratio_floor
    ratio_floor: int = 1 * _MIB


@dataclass(frozen=True)
class Upload:
    """A file judged safe to parse: `kind` is "csv" (with its decoded `text`) or "xlsx"."""

    kind: str
    data: bytes
    text: str | None = None
    encoding: str | None = None
    warnings: tuple[str, ...] = ()


_SIGNATURES = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls file or a password-protected "
     "workbook: save it as .xlsx (without a password) or as CSV"),
    (b"%PDF", "a PDF document, not a spreadsheet"),
    (b"\x89PNG", "a PNG picture, not a spreadsheet"),
    (b"\xff\xd8\xff", "a JPEG picture, not a spreadsheet"),
    (b"GIF8", "a GIF picture, not a spreadsheet"),
    (b"MZ", "a program, not a spreadsheet"),
    (b"\x7fELF", "a program, not a spreadsheet"),
    (b"\x1f\x8b", "a gzip archive, not a spreadsheet"),
)
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EXCEL_NAME = re.compile(r"\.(xlsx|xlsm|xls)$", re.IGNORECASE)


def inspect_upload(
    data: bytes,
    filename: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: ZipLimits | None = None,
) -> Upload:
    """Judge an uploaded file by its content; raise a `FileRejectedError` subclass if refused.

    `filename` is used only in messages and warnings. XLSX archives are checked
    against `limits` (defaults: `ZipLimits()`) before any entry is inflated.
    """
    if not data:
        raise UnreadableFileError("the file is empty")
    if len(data) > max_bytes:
        raise UnsafeFileError(f"the file is {len(data):,} bytes; the limit is {max_bytes:,}")
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        check_xlsx_archive(data, limits or ZipLimits())
        return Upload("xlsx", data)
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise UnsupportedFileError(f"this is {what}")
    text, encoding = decode_text(data)
    warnings = ()
    if filename and _EXCEL_NAME.search(filename):
        warnings = (f"{display_name(filename)!r} is named like an Excel workbook but holds "
                    "text: it was read as CSV",)
    return Upload("csv", data, text, encoding, warnings)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: BOMs first, then UTF-8, then Windows-1252. Refuse binary content."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "cp1252")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise UnsupportedFileError("not a spreadsheet: the bytes are neither an XLSX workbook "
                                   "nor text in UTF-8 or Windows-1252")
    if _BINARY.search(text):
        raise UnsupportedFileError("not a spreadsheet: the file holds binary data (NUL or "
                                   "control bytes), so it is neither CSV text nor an XLSX workbook")
    if text.lstrip().startswith("<"):
        raise UnsupportedFileError("this is an HTML or XML document, not CSV: export the sheet "
                                   "as CSV or save it as .xlsx")
    return text, encoding


def check_xlsx_archive(data: bytes, limits: ZipLimits | None = None) -> None:
    """Check an XLSX's zip central directory against `limits` without inflating anything."""
    limits = limits or ZipLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableFileError(f"the workbook is damaged: not a readable zip ({exc})") from None
    with archive:
        infos = archive.infolist()
        _check_entries(infos, limits)
        names = {info.filename for info in infos}
    if len(names) != len(infos):
        raise UnsafeFileError("the workbook repeats entry names: refused")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnsupportedFileError(_what_zip(names))


def _check_entries(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.max_entries:
        raise UnsafeFileError(f"the workbook holds {len(infos):,} entries; the limit is "
                              f"{limits.max_entries:,}")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsupportedFileError("the workbook is encrypted: save it without a password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsupportedFileError("the workbook uses a compression Excel never writes")
        size = info.file_size
        total += size
        if size > limits.max_entry_bytes or total > limits.max_total_bytes:
            raise UnsafeFileError("the workbook would inflate to more than "
                                  f"{limits.max_total_bytes // _MIB} MiB: refused")
        if size > limits.ratio_floor and size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafeFileError("the workbook is compressed more than "
                                  f"{limits.max_ratio}:1 (a zip bomb?): refused")


def _what_zip(names: set[str]) -> str:
    if "mimetype" in names and any(n.startswith("content.xml") for n in names):
        return ("this is an OpenDocument file (.ods), not an Excel workbook: save it as "
                ".xlsx or CSV")
    if "word/document.xml" in names:
        return "this is a Word document, not a spreadsheet"
    if "ppt/presentation.xml" in names:
        return "this is a PowerPoint presentation, not a spreadsheet"
    return "this is a zip archive, not an Excel workbook (.xlsx)"


def require_xml_protection() -> None:
    """Refuse to read XLSX unless openpyxl parses through defusedxml."""
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise UnsafeFileError("XML protection (defusedxml) is not active in openpyxl "
                              "(OPENPYXL_DEFUSEDXML is off): refusing to read XLSX")


_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f<>\"]")


def display_name(filename: str | None) -> str:
    """A filename fit to show in a message: last path part, no control characters, <= 100."""
    if not filename:
        return "upload"
    name = re.split(r"[\\/]", filename)[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip() or "upload"
    return name[:100]
