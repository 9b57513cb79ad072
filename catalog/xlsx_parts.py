"""The few XLSX parts we read ourselves, always through defusedxml.

- which worksheet holds the prices (`xl/workbook.xml` and its relationships);
- which cells hold a formula without a cached result, so that the reader can
  report them instead of silently reading them as empty (openpyxl's values-only
  mode cannot tell the two apart). A cheap byte scan skips the XML parse for
  the usual sheet that has no formula at all.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from typing import Any

from defusedxml import ElementTree as SafeET

from catalog.errors import UnreadableFileError

PREFERRED_SHEETS = ("prices", "offers", "price sheet")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CHUNK = 1 << 20


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def choose_worksheet(archive: zipfile.ZipFile) -> tuple[str, str, str]:
    """(sheet name, zip path, note) of the worksheet to read; note is "" or why it was chosen."""
    sheets = _worksheets(archive)
    if not sheets:
        raise UnreadableFileError("the workbook has no worksheet")
    for name, path, _hidden in sheets:
        if name.strip().casefold() in PREFERRED_SHEETS:
            return name, path, ""
    visible = [s for s in sheets if not s[2]] or sheets
    name, path, _hidden = visible[0]
    note = f"read the worksheet {name!r}; the other sheets are ignored" if len(sheets) > 1 else ""
    return name, path, note


def _worksheets(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    book = SafeET.fromstring(archive.read("xl/workbook.xml"))
    try:
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise UnreadableFileError("the workbook has no sheet relationships") from None
    targets = {}
    for rel in rels:
        if _local(rel.tag) == "Relationship" and rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            targets[rel.get("Id")] = path
    found = []
    for element in book.iter():
        if _local(element.tag) == "sheet" and element.get(_REL_ID) in targets:
            hidden = element.get("state", "visible") != "visible"
            found.append((element.get("name", ""), targets[element.get(_REL_ID)], hidden))
    return found


def _has_formula_tag(archive: zipfile.ZipFile, path: str) -> bool:
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(_CHUNK):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def uncached_formula_cells(archive: zipfile.ZipFile, path: str) -> set[tuple[int, int]]:
    """1-based (row, column) of every formula cell saved without a result."""
    if not _has_formula_tag(archive, path):
        return set()
    found: set[tuple[int, int]] = set()
    row_number, column = 0, 0
    with archive.open(path) as stream:
        for event, element in SafeET.iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row_number = int(element.get("r") or row_number + 1)
                    column = 0
                continue
            if tag == "c":
                column = _column_of(element.get("r"), column + 1)
                if _uncached(element):
                    found.add((row_number, column))
            elif tag == "row":
                element.clear()
    return found


def _uncached(cell: Any) -> bool:
    """A formula cell whose saved value is missing (an empty <v/> counts, except for text)."""
    children = {_local(child.tag): child for child in cell}
    if "f" not in children:
        return False
    value = children.get("v")
    if value is None:
        return cell.get("t") != "inlineStr"
    return not value.text and cell.get("t") not in ("str", "inlineStr")


def _column_of(reference: str | None, fallback: int) -> int:
    match = _CELL_REF.match(reference or "")
    if not match:
        return fallback
    number = 0
    for letter in match[1]:
        number = number * 26 + ord(letter) - 64
    return number
