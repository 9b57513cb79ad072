"""XLSX as Excel saves it: number and date cells, formulas (never run), several sheets."""

import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
from openpyxl.styles import Font

from catalog import check_file, read_xlsx
from catalog.sheets import float_text
from tests.catalog.sheetmaker import HEADER, rewrite_entry, xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"


def _cells(**changes: object) -> list[object]:
    values: dict[str, object] = {
        "vendor_sku": "VD-1", "item": "milk-whole-gal", "description": "Whole milk",
        "pack_size": 4, "unit": "gal", "discount": "all_units", "tier1_min_packs": 1,
        "tier1_price": 15.96, "tier2_min_packs": 100.0, "tier2_price": 14.799999999999999,
        "max_packs": 5000, "valid_from": datetime(2026, 1, 1), "valid_to": date(2026, 12, 31),
    }
    values.update(changes)
    return [values[name] for name in HEADER]


def test_number_and_date_cells_become_exact_values():
    data = xlsx_bytes([HEADER, _cells(), _cells(vendor_sku="VD-2", pack_size=12.5,
                                                tier1_price=1234.5)])
    result = check_file(data, "prices.xlsx")
    assert result.ok, result.errors
    first, second = result.offers
    assert first.tiers[0].price == Decimal("15.96")
    assert first.tiers[1].min_packs == 100
    assert first.tiers[1].price == Decimal("14.8")  # an Excel float, rounded to 4 places
    assert (first.valid_from, first.valid_to) == (date(2026, 1, 1), date(2026, 12, 31))
    assert (second.pack_size, second.tiers[0].price) == (Decimal("12.5"), Decimal("1234.5"))
    assert result.kind == "xlsx"


def test_a_date_typed_as_a_plain_number_is_explained():
    result = check_file(xlsx_bytes([HEADER, _cells(valid_from=46023)]), "p.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(2, "valid_from")]
    assert "Excel date number" in result.errors[0].message


def test_a_date_cell_with_a_time_of_day_is_refused():
    result = check_file(xlsx_bytes([HEADER, _cells(valid_to=datetime(2026, 12, 31, 13, 30))]),
                        "p.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(2, "valid_to")]


def test_excel_error_and_boolean_cells_are_errors_of_their_cell():
    data = xlsx_bytes([HEADER, _cells(), _cells(vendor_sku="VD-2", tier1_price="#DIV/0!",
                                                pack_size=True)])
    result = check_file(data, "p.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(3, "pack_size"), (3, "tier1_price")]
    assert "Excel error #DIV/0!" in result.errors[1].message


def test_a_formula_without_a_saved_result_is_an_error_and_never_run():
    # openpyxl writes formulas without results, as a script (not Excel) would
    data = xlsx_bytes([HEADER, _cells(), _cells(vendor_sku="VD-2", tier1_price="=16-0.04",
                                                description='=HYPERLINK("http://x")')])
    result = check_file(data, "p.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(3, "description"), (3, "tier1_price")]
    assert all("formula without a saved result" in e.message for e in result.errors)
    assert [o.vendor_sku for o in result.offers] == ["VD-1"]


def test_a_formula_with_a_saved_result_is_read_as_its_value():
    data = xlsx_bytes([HEADER, _cells(tier1_price="=16-0.04")])
    data = rewrite_entry(data, SHEET, lambda xml: xml.replace(
        b"<f>16-0.04</f><v />", b"<f>16-0.04</f><v>15.96</v>"))
    result = check_file(data, "p.xlsx")
    assert result.ok, result.errors
    assert result.offers[0].tiers[0].price == Decimal("15.96")


def test_the_prices_sheet_is_found_behind_an_instructions_sheet():
    data = xlsx_bytes([HEADER, _cells()], before=["Instructions"])
    result = check_file(data, "p.xlsx")
    assert result.ok and result.warnings == ()


def test_otherwise_the_first_sheet_is_read_and_the_vendor_told():
    data = xlsx_bytes([HEADER, _cells()], title="Sheet2", before=["Sheet1"])
    result = check_file(data, "p.xlsx")
    assert not result.ok  # Sheet1 is empty: every required column is missing
    assert any("'Sheet1'" in w.message for w in result.warnings)


def test_a_wrong_saved_dimension_does_not_hide_rows():
    data = xlsx_bytes([HEADER, _cells(), _cells(vendor_sku="VD-2", pack_size="x")])
    data = rewrite_entry(data, SHEET, lambda xml: re.sub(
        rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B2"', xml))
    result = check_file(data, "p.xlsx")
    assert result.rows == 2
    assert [(e.row, e.column) for e in result.errors] == [(3, "pack_size")]


def test_empty_rows_in_the_middle_keep_row_numbers():
    data = xlsx_bytes([HEADER, _cells(), [None] * len(HEADER), [],
                       _cells(vendor_sku="VD-2", unit="crate")])
    result = check_file(data, "p.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(5, "unit")]


def test_cells_beyond_the_header_are_ignored():
    sheet = read_xlsx(xlsx_bytes([HEADER, [*_cells(), None, "note"]]))
    assert all(len(r) == len(HEADER) for r in sheet.rows)


def test_float_text_is_the_shortest_exact_decimal():
    assert float_text(15.96) == "15.96"
    assert float_text(100.0) == "100"
    assert float_text(1e-05) == "0.00001"
    assert float_text(14.799999999999999) == "14.799999999999999"
    assert float_text(1e20) == "100000000000000000000"


def test_formatting_far_below_the_data_is_not_counted_as_rows():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([HEADER, _cells()])))
    book.active.cell(row=5000, column=3).font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    result = check_file(out.getvalue(), "p.xlsx", max_rows=10)
    assert result.ok and result.rows == 1
    too_many = xlsx_bytes([HEADER] + [_cells(vendor_sku=f"S{i}") for i in range(11)])
    assert "more than 10 rows" in check_file(too_many, "p.xlsx", max_rows=10).errors[0].message
