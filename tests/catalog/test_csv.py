"""CSV as vendors' tools write it: delimiters, BOMs, line ends, encodings, quoting."""

import codecs
from decimal import Decimal

import pytest

from catalog import check_file, read_csv
from catalog.sheets import _parse_with_pandas, _parse_with_stdlib
from tests.catalog.sheetmaker import csv_bytes, row, rows_to_table

TABLE = rows_to_table([row(vendor_sku="A", description="Milk; whole, 4|1 gal\tcase"),
                       row(vendor_sku="B", tier1_price="$1,234.50", tier2_price="1,000")])


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_every_common_delimiter_and_line_end_reads_the_same(delimiter, newline):
    result = check_file(csv_bytes(TABLE, delimiter=delimiter, newline=newline), "p.csv")
    assert result.ok, result.errors
    assert [o.vendor_sku for o in result.offers] == ["A", "B"]
    assert result.offers[0].description == "Milk; whole, 4|1 gal case"
    assert result.offers[1].tiers[0].price == Decimal("1234.50")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_and_byte_order_marks(encoding):
    table = rows_to_table([row(description="Crème fraîche – 4 × 1 gal")])
    data = csv_bytes(table, encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    result = check_file(data, "p.csv")
    assert result.ok, result.errors
    assert result.offers[0].description == "Crème fraîche – 4 × 1 gal"


def test_cells_with_spaces_are_trimmed_and_excel_style_numbers_accepted():
    table = rows_to_table([row(pack_size=" 12.5 ", unit=" Gallons ", tier1_price=" $15.96 ",
                               tier1_min_packs="1.0", max_packs="5,000")])
    offer = check_file(csv_bytes(table), "p.csv").offers[0]
    assert (offer.pack_size, offer.unit, offer.tiers[0].price, offer.max_packs) == (
        Decimal("12.5"), "Gallons", Decimal("15.96"), 5000)


def test_an_unquoted_delimiter_inside_a_value_is_named_on_its_row():
    table = rows_to_table([row(description="Whole milk"),
                           row(vendor_sku="B", description="Whole milk, 4 x 1 gal")])
    lines = [",".join(cells) for cells in table]  # no quoting at all
    data = ("\r\n".join(lines) + "\r\n").encode()
    result = check_file(data, "p.csv")
    assert not result.ok
    first = result.errors[0]
    assert (first.row, first.column) == (3, None)
    assert "must be in double quotes" in first.message
    assert result.rejected_rows == {3} and len(result.offers) == 1


def test_blank_lines_keep_spreadsheet_row_numbers():
    table = rows_to_table([row(vendor_sku="A")]) + [[""] * 13, ["", ""], rows_to_table(
        [row(vendor_sku="B", tier1_price="free")])[1]]
    result = check_file(csv_bytes(table) + b"\r\n\r\n", "p.csv")
    assert result.rows == 2
    assert [(e.row, e.column) for e in result.errors] == [(5, "tier1_price")]


def test_quoted_line_breaks_stay_in_one_row():
    table = rows_to_table([row(vendor_sku="A", description="two\nlines"),
                           row(vendor_sku="B", pack_size="x")])
    result = check_file(csv_bytes(table), "p.csv")
    assert result.offers[0].description == "two lines"
    assert [(e.row, e.column) for e in result.errors] == [(3, "pack_size")]


def test_header_only_sheet_has_zero_rows_and_is_clean():
    result = check_file(csv_bytes(rows_to_table([])), "p.csv")
    assert (result.ok, result.rows, result.offers) == (True, 0, ())


def test_pandas_and_stdlib_parsers_agree():
    text = csv_bytes(TABLE + [["x", '"quoted"', "", "a,b"]], delimiter=",").decode()
    text = text.replace('"x"', "x")
    assert _parse_with_pandas(text, ",") is not None
    assert _parse_with_pandas(text, ",") == _parse_with_stdlib(text, ",")


def test_read_csv_accepts_bytes_and_text():
    data = csv_bytes(TABLE, delimiter=";")
    assert read_csv(data).rows == read_csv(data.decode()).rows
