"""Every kind of problem, reported with the row and column the vendor sees."""

from decimal import Decimal

import pytest

from catalog import RowError, Tier, validate_sheet
from tests.catalog.sheetmaker import GOOD, HEADER, ITEMS, raw_sheet, row


def _with_bad_third_row(bad: dict[str, str], items=None):
    sheet = raw_sheet(row(vendor_sku="A1"), row(vendor_sku="A2"), {**GOOD, "vendor_sku": "A3",
                                                                   **bad})
    return validate_sheet(sheet, items)


@pytest.mark.parametrize(("bad", "column", "reason"), [
    ({"vendor_sku": ""}, "vendor_sku", "missing value"),
    ({"vendor_sku": "=HYPERLINK(\"x\")"}, "vendor_sku", "formulas are not accepted"),
    ({"vendor_sku": "S" * 65}, "vendor_sku", "too long"),
    ({"item": ""}, "item", "missing value"),
    ({"description": "@SUM(A1)"}, "description", "formulas are not accepted"),
    ({"pack_size": ""}, "pack_size", "missing value"),
    ({"pack_size": "0"}, "pack_size", "greater than 0"),
    ({"pack_size": "-4"}, "pack_size", "greater than 0"),
    ({"pack_size": "four"}, "pack_size", "not a number"),
    ({"unit": ""}, "unit", "missing value"),
    ({"unit": "crate"}, "unit", "unknown unit 'crate'"),
    ({"discount": "bulk"}, "discount", "all_units or incremental"),
    ({"tier1_min_packs": ""}, "tier1_min_packs", "missing value"),
    ({"tier1_min_packs": "1.5"}, "tier1_min_packs", "whole number"),
    ({"tier1_price": ""}, "tier1_price", "missing value"),
    ({"tier1_price": "abc"}, "tier1_price", "not a number"),
    ({"tier1_price": "12.3.4"}, "tier1_price", "not a number"),
    ({"tier1_price": "0"}, "tier1_price", "greater than 0"),
    ({"tier1_price": "-15.96"}, "tier1_price", "greater than 0"),
    ({"tier1_price": "#DIV/0!"}, "tier1_price", "Excel error #DIV/0!"),
    ({"tier2_price": ""}, "tier2_price", "tier2_price is missing while tier2_min_packs"),
    ({"tier2_min_packs": ""}, "tier2_min_packs", "tier2_min_packs is missing while tier2_price"),
    ({"tier2_min_packs": "1"}, "tier2_min_packs", "must be greater than tier1_min_packs 1"),
    ({"tier2_min_packs": "0"}, "tier2_min_packs", "greater than 0"),
    ({"tier2_price": "16.00"}, "tier2_price", "must not rise with volume"),
    ({"max_packs": "0"}, "max_packs", "greater than 0"),
    ({"max_packs": "2.5"}, "max_packs", "whole number"),
    ({"max_packs": "lots"}, "max_packs", "not a number"),
    ({"tier1_min_packs": "10", "max_packs": "5"}, "max_packs", "could never be bought"),
    ({"valid_from": "2026-13-01"}, "valid_from", "not a real date"),
    ({"valid_from": "soon"}, "valid_from", "not a date"),
    ({"valid_from": "2026-02-30"}, "valid_from", "not a real date"),
    ({"valid_from": "03/01/2026"}, "valid_from", "ambiguous"),
    ({"valid_to": "46082"}, "valid_to", "Excel date number"),
    ({"valid_from": "2026-06-01", "valid_to": "2026-05-31"}, "valid_to", "before valid_from"),
])
def test_each_problem_names_its_row_and_column(bad, column, reason):
    result = _with_bad_third_row(bad)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(4, column)]
    assert reason in result.errors[0].message
    assert [o.vendor_sku for o in result.offers] == ["A1", "A2"]
    assert result.rows == 3 and result.rejected_rows == {4}


@pytest.mark.parametrize(("bad", "column", "reason", "suggestion"), [
    ({"item": "milk-whole-gallon"}, "item", "unknown item 'milk-whole-gallon'",
     "'milk-whole-gal'"),
    ({"item": "whole milk unflavored"}, "item", "unknown item", "'milk-whole-gal'"),
    ({"item": "zzz"}, "item", "unknown item 'zzz'", None),
    ({"unit": "lb"}, "unit", "'lb' does not fit the item's unit 'gal'", None),
    ({"item": "paper-copy-ream", "unit": "box"}, "unit", "does not fit", None),
    ({"item": "crayons-crate", "unit": "box"}, "unit", "does not fit", None),
])
def test_catalog_checks_name_the_closest_items(bad, column, reason, suggestion):
    result = _with_bad_third_row(bad, ITEMS)
    assert [(e.row, e.column) for e in result.errors] == [(4, column)]
    error = result.errors[0]
    assert reason in error.message
    if suggestion is None:
        assert error.suggestion is None
    else:
        assert error.suggestion.startswith(suggestion)
        assert f"did you mean {suggestion}" in error.full_message


def test_without_a_catalog_item_ids_are_not_checked():
    assert validate_sheet(raw_sheet(row(item="anything-at-all"))).ok


def test_pack_size_is_converted_into_the_items_unit():
    sheet = raw_sheet(row(vendor_sku="Q", pack_size="16", unit="quarts"),
                      row(vendor_sku="F", pack_size="1,280", unit="fl oz"),
                      row(vendor_sku="E", item="eggs-large-dozen", pack_size="180", unit="ea"),
                      row(vendor_sku="L", item="Flour-AP-LB", pack_size="400", unit="oz"),
                      row(vendor_sku="C", item="crayons-crate", pack_size="1", unit="Crate"))
    result = validate_sheet(sheet, ITEMS)
    assert result.ok, result.errors
    got = {o.vendor_sku: (o.item, o.pack_size, o.pack_unit, o.unit, o.sheet_pack_size)
           for o in result.offers}
    assert got == {
        "Q": ("milk-whole-gal", Decimal(4), "gal", "quarts", Decimal(16)),
        "F": ("milk-whole-gal", Decimal(10), "gal", "fl oz", Decimal(1280)),
        "E": ("eggs-large-dozen", Decimal(15), "dozen", "ea", Decimal(180)),
        "L": ("flour-ap-lb", Decimal(25), "lb", "oz", Decimal(400)),
        "C": ("crayons-crate", Decimal(1), "crate", "Crate", Decimal(1)),
    }


def test_a_conversion_that_does_not_terminate_is_rounded_to_six_places():
    result = validate_sheet(raw_sheet(row(pack_size="1", unit="l")), ITEMS)
    assert result.offers[0].pack_size == Decimal("0.264172")


def test_a_pack_too_small_for_the_items_unit_is_an_error():
    result = validate_sheet(raw_sheet(row(pack_size="0.001", unit="ml")), ITEMS)
    assert [(e.row, e.column) for e in result.errors] == [(2, "pack_size")]
    assert "too small" in result.errors[0].message


def test_every_problem_of_a_row_is_reported_not_just_the_first():
    bad = row(vendor_sku="", pack_size="0", unit="lb", tier1_price="abc", tier2_price="99",
              valid_from="2026-02-01", valid_to="2026-01-01")
    result = validate_sheet(raw_sheet(bad), ITEMS)
    assert [e.column for e in result.errors] == [
        "vendor_sku", "pack_size", "unit", "tier1_price", "valid_to"]
    assert all(e.row == 2 for e in result.errors)


def test_duplicate_skus_name_every_row_involved_ignoring_case():
    sheet = raw_sheet(row(vendor_sku="A"), row(vendor_sku="B"), row(vendor_sku="a "),
                      row(vendor_sku="C"), row(vendor_sku="A"))
    result = validate_sheet(sheet)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "vendor_sku"), (4, "vendor_sku"), (6, "vendor_sku")]
    assert "also on rows 4, 6" in result.errors[0].message
    assert "also on rows 2, 6" in result.errors[1].message
    assert [o.vendor_sku for o in result.offers] == ["B", "C"]
    assert result.rejected_rows == {2, 4, 6}


def test_blank_rows_are_skipped_without_shifting_row_numbers():
    sheet = raw_sheet(row(vendor_sku="A"), {}, {"description": "   "}, row(vendor_sku="B",
                                                                           tier1_price="x"))
    result = validate_sheet(sheet)
    assert result.rows == 2
    assert [(e.row, e.column) for e in result.errors] == [(5, "tier1_price")]


def test_headers_match_ignoring_case_spaces_and_order():
    header = ["Tier 1 Price", " ITEM ", "Pack-Size", "unit", "Vendor SKU", "tier1_MIN_packs"]
    values = {"Tier 1 Price": "$2.50", " ITEM ": "flour-ap-lb", "Pack-Size": "25",
              "unit": "lb", "Vendor SKU": "F25", "tier1_MIN_packs": "1"}
    result = validate_sheet(raw_sheet(values, header=header), ITEMS)
    assert result.ok and result.warnings == ()
    offer = result.offers[0]
    assert (offer.vendor_sku, offer.tiers, offer.discount) == (
        "F25", (Tier(1, Decimal("2.50")),), "all_units")


def test_unknown_columns_are_ignored_with_a_warning_and_a_suggestion():
    result = validate_sheet(raw_sheet(row(), header=[*HEADER, "notes", "tier2_prize"]))
    assert result.ok
    assert [(w.row, w.column, w.suggestion) for w in result.warnings] == [
        (1, "notes", None), (1, "tier2_prize", "tier2_price")]
    assert "column N" in result.warnings[0].message


def test_missing_and_repeated_columns_are_header_errors_and_reject_every_row():
    header = [h for h in HEADER if h not in ("unit", "tier1_price")] + ["item"]
    result = validate_sheet(raw_sheet(row(vendor_sku="A"), row(vendor_sku="B"), header=header))
    assert [(e.row, e.column) for e in result.errors] == [
        (1, "item"), (1, "unit"), (1, "tier1_price")]
    assert "appears twice (columns B and L)" in result.errors[0].message
    assert "required column 'unit' is missing" in result.errors[1].message
    assert result.offers == () and result.rows == 2 and result.rejected_rows == {2, 3}


def test_more_tiers_and_incremental_discounts():
    cells = row(discount="Incremental", tier2_min_packs="10", tier2_price="14",
                tier3_min_packs="50", tier3_price="14", tier9_min_packs="900", tier9_price="9")
    header = [*HEADER, "tier3_min_packs", "tier3_price", "tier9_min_packs", "tier9_price"]
    offer = validate_sheet(raw_sheet(cells, header=header)).offers[0]
    assert offer.discount == "incremental"
    assert offer.tiers == (Tier(1, Decimal("15.96")), Tier(10, Decimal(14)), Tier(50, Decimal(14)),
                           Tier(900, Decimal(9)))


def test_offer_records_carry_what_the_optimizer_needs():
    offer = validate_sheet(raw_sheet(row()), ITEMS).offers[0]
    assert offer.to_offer_json("o1", "v1") == {
        "id": "o1", "vendor": "v1", "item": "milk-whole-gal", "pack_size": "4",
        "discount": "all_units",
        "tiers": [{"min_packs": 1, "price": "15.96"}, {"min_packs": 100, "price": "14.80"}],
        "max_packs": 5000,
    }
    assert offer.row == 2 and offer.base_price == Decimal("15.96")


def test_result_ok_is_false_whenever_there_is_any_error():
    clean = validate_sheet(raw_sheet(row()))
    assert clean.ok and clean.errors == ()
    dirty = validate_sheet(raw_sheet(row(), row(vendor_sku="B", unit="")))
    assert not dirty.ok and len(dirty.offers) == 1
    assert dirty.errors == (RowError(3, "unit", "missing value"),)
