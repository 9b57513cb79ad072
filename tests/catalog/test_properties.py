"""Properties over generated sheets: what goes in comes out, and bad rows are named exactly."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import check_file, offers_to_csv, offers_to_xlsx
from tests.catalog.sheetmaker import ITEMS, csv_bytes
from tests.catalog.strategies import sheets

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _table(header, rows):
    return [header] + [[r[name] for name in header] for r in rows]


@FAST
@given(sheets(), st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "utf-8-sig",
                                                                            "cp1252"]))
def test_any_valid_csv_sheet_parses_back_to_the_same_offers(sheet, delimiter, encoding):
    header, rows, offers = sheet
    data = csv_bytes(_table(header, rows), delimiter=delimiter, encoding=encoding)
    result = check_file(data, "p.csv", items=ITEMS)
    assert result.errors == ()
    assert list(result.offers) == offers
    assert result.rows == len(offers)


def _typed(name: str, text: str) -> object:
    """A cell as Excel would hold it: numbers as numbers, dates as dates."""
    plain = text.strip().lstrip("$").replace(",", "")
    if name.replace(" ", "_").lower().startswith("valid") and text:
        return date.fromisoformat(text)
    if plain and plain.replace(".", "", 1).isdigit() and "sku" not in name.lower():
        return int(plain) if plain.isdigit() else float(plain)
    return text


@SLOW
@given(sheets(max_rows=6))
def test_any_valid_xlsx_sheet_with_number_and_date_cells_parses_back(sheet):
    header, rows, offers = sheet
    book = openpyxl.Workbook()
    book.active.append(header)
    for cells in rows:
        book.active.append([_typed(name, cells[name]) for name in header])
    out = io.BytesIO()
    book.save(out)
    result = check_file(out.getvalue(), "p.xlsx", items=ITEMS)
    assert result.errors == ()
    assert list(result.offers) == offers


CORRUPTIONS = [
    ("vendor_sku", ""), ("item", "no-such-item"), ("pack_size", "0"), ("pack_size", "x"),
    ("unit", "crate"), ("discount", "bulk"), ("tier1_price", "abc"), ("tier1_price", "-1"),
    ("tier1_price", "0"), ("tier1_min_packs", "2.5"), ("max_packs", "0"),
    ("valid_from", "31/12/2026"), ("tier1_price", "12.3.4"),
]


PLANS = st.lists(st.tuples(st.integers(0, 2), st.none() | st.none() | st.sampled_from(CORRUPTIONS)),
                 min_size=12, max_size=12)


@FAST
@given(sheets(max_rows=12), PLANS)
def test_rows_in_equal_rows_imported_plus_rows_rejected_by_their_row_numbers(sheet, plans):
    header, rows, offers = sheet
    spelled = {name.replace(" ", "_").lower(): name for name in header}
    bad: dict[int, str] = {}
    kept: dict[int, str] = {}
    table = [header]
    for cells, offer, (blanks, corruption) in zip(rows, offers, plans, strict=False):
        table += [[""] * len(header)] * blanks  # blank rows keep the numbers after them
        number = len(table) + 1
        cells = dict(cells)
        if corruption is None:
            kept[number] = offer.vendor_sku
        else:
            column, value = corruption
            cells[spelled[column]] = value
            bad[number] = column
        table.append([cells[name] for name in header])
    result = check_file(csv_bytes(table), "p.csv", items=ITEMS)
    assert result.rows == len(rows) == len(result.offers) + len(result.rejected_rows)
    assert result.rejected_rows == set(bad)
    assert {(e.row, e.column) for e in result.errors} == set(bad.items())
    assert {o.row: o.vendor_sku for o in result.offers} == kept


@SLOW
@given(sheets(max_rows=8), st.booleans())
def test_parse_export_parse_is_a_fixed_point(sheet, as_xlsx):
    header, rows, _offers = sheet
    first = check_file(csv_bytes(_table(header, rows)), "p.csv", items=ITEMS)
    export = offers_to_xlsx if as_xlsx else offers_to_csv
    second = check_file(export(first.offers), "again", items=ITEMS)
    assert second.errors == ()
    assert second.offers == first.offers
