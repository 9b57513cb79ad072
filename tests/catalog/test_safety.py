"""Hostile and mistaken uploads: refused by content, before any parser runs where it matters."""

import io
import re
import zipfile

import openpyxl
import openpyxl.xml
import pytest

from catalog import UnsafeFileError, ZipLimits, check_file, inspect_upload
from catalog.errors import UnreadableFileError, UnsupportedFileError
from catalog.safety import display_name
from tests.catalog.sheetmaker import (
    HEADER,
    csv_bytes,
    rewrite_entry,
    row,
    rows_to_table,
    xlsx_bytes,
)

CSV = csv_bytes(rows_to_table([row()]))
XLSX = xlsx_bytes(rows_to_table([row()]))


def _only_error(result) -> str:
    assert not result.ok and result.offers == ()
    assert [(e.row, e.column) for e in result.errors] == [(None, None)]
    return result.errors[0].message


@pytest.fixture
def no_openpyxl(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl must not be reached")
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_zip_bomb_is_refused_from_the_central_directory_before_parsing(no_openpyxl):
    padding = b" " * (30 * 1024 * 1024)  # 30 MiB of blanks deflate about 1000:1
    bomb = rewrite_entry(XLSX, "xl/worksheets/sheet1.xml",
                         lambda xml: xml.replace(b"<sheetData>", padding + b"<sheetData>"))
    assert len(bomb) < 200_000
    message = _only_error(check_file(bomb, "prices.xlsx"))
    assert "zip bomb" in message


@pytest.mark.parametrize(("limits", "reason"), [
    (ZipLimits(max_entries=5), "entries; the limit is 5"),
    (ZipLimits(max_total_bytes=2000), "would inflate to more than"),
])
def test_declared_entries_and_sizes_are_limited(no_openpyxl, limits, reason):
    assert reason in _only_error(check_file(XLSX, "p.xlsx", limits=limits))


def test_the_size_limit_applies_to_bytes_and_to_local_files(tmp_path):
    assert "the limit is 100" in _only_error(check_file(CSV, "p.csv", max_bytes=100))
    path = tmp_path / "p.csv"
    path.write_bytes(CSV)
    assert "the limit is 100" in _only_error(check_file(path, max_bytes=100))


def _body(xml: bytes) -> bytes:
    """The XML without its declaration, if it has one."""
    return re.sub(rb"^<\?xml[^>]*\?>", b"", xml)


@pytest.mark.parametrize("where", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_billion_laughs_is_refused(where):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    bomb = rewrite_entry(XLSX, where, lambda xml: laughs + _body(xml))
    assert "declares entities" in _only_error(check_file(bomb, "p.xlsx"))


def test_external_entities_are_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    bomb = rewrite_entry(XLSX, "xl/worksheets/sheet1.xml",
                         lambda xml: xxe + _body(xml).replace(
                             b"<t>VD-MILK-4G</t>", b"<t>&e;</t>"))
    assert "declares entities" in _only_error(check_file(bomb, "p.xlsx"))


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG picture"),
    (b"%PDF-1.7\n" + bytes(50), "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old Excel .xls"),
    (_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}), "Word document"),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
           "content.xml": b"<x/>"}), "OpenDocument"),
    (_zip({"a.txt": b"hello"}), "zip archive, not an Excel workbook"),
    (b"vendor_sku,item\x00\x01\x02,x\n", "binary data"),
    (b"<html><table><tr><td>vendor_sku</td></tr></table></html>", "HTML"),
    (XLSX[: len(XLSX) // 2], "damaged"),
    (b"", "empty"),
])
def test_files_that_are_not_price_sheets_are_refused_by_content(data, reason, no_openpyxl):
    assert reason in _only_error(check_file(data, "prices.xlsx"))


def test_a_csv_named_xlsx_is_read_as_what_it_is():
    result = check_file(CSV, "prices.xlsx")
    assert result.ok and result.kind == "csv"
    assert "read as CSV" in result.warnings[0].message


def test_an_xlsx_named_csv_is_read_as_a_workbook():
    result = check_file(XLSX, "prices.csv")
    assert result.ok and result.kind == "xlsx"


@pytest.mark.parametrize("name", ["/etc/passwd", "../../../etc/shadow", "C:\\boot.ini", None])
def test_the_upload_filename_is_never_opened(name):
    assert check_file(CSV, name).ok


def test_display_names_are_stripped_of_paths_and_markup():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\x\\evil<script>.csv") == "evilscript.csv"
    assert display_name("a\x00b\nc.csv") == "abc.csv"
    assert display_name("") == "upload"
    assert len(display_name("x" * 500)) == 100


@pytest.mark.parametrize(("cell", "column", "reason"), [
    ("=cmd|' /C calc'!A0", "description", "formulas are not accepted"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "vendor_sku", "formulas are not accepted"),
    ("+1+cmd|' /C calc'!A0", "item", "formulas are not accepted"),
    ("=1+1", "tier1_price", "not a number"),
])
def test_csv_formulas_are_refused_as_data(cell, column, reason):
    result = check_file(csv_bytes(rows_to_table([row(**{column: cell})])), "p.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert reason in result.errors[0].message


def test_xlsx_is_refused_when_openpyxl_would_parse_without_defusedxml(monkeypatch):
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    assert "defusedxml" in _only_error(check_file(XLSX, "p.xlsx"))


def test_inspect_upload_raises_the_error_tree():
    with pytest.raises(UnsafeFileError):
        inspect_upload(CSV, max_bytes=10)
    with pytest.raises(UnsupportedFileError):
        inspect_upload(b"%PDF-1.4")
    with pytest.raises(UnreadableFileError):
        inspect_upload(b"")
    upload = inspect_upload(CSV, "p.csv")
    assert (upload.kind, upload.encoding) == ("csv", "utf-8")
    assert inspect_upload(XLSX).kind == "xlsx"
    assert HEADER[0] in upload.text
