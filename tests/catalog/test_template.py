"""The template vendors download validates cleanly, and offers survive export and re-import."""

import io
from decimal import Decimal

import openpyxl
import pytest

from catalog import (
    EXAMPLE_ROW,
    check_file,
    offers_to_csv,
    offers_to_xlsx,
    template_csv,
    template_xlsx,
    validate_sheet,
)
from catalog.columns import COLUMN_NAMES, REQUIRED_COLUMNS
from tests.catalog.sheetmaker import ITEMS, raw_sheet, row


@pytest.mark.parametrize("make", [template_csv, template_xlsx])
def test_the_template_round_trips_through_validation_clean(make):
    result = check_file(make(), "template")
    assert result.ok and result.warnings == () and result.rows == 1
    offer = result.offers[0]
    assert (offer.vendor_sku, offer.item, offer.pack_size) == (
        EXAMPLE_ROW["vendor_sku"], EXAMPLE_ROW["item"], Decimal(EXAMPLE_ROW["pack_size"]))
    assert [t.min_packs for t in offer.tiers] == [1, 100]
    assert check_file(make(), "template", items=ITEMS).ok


@pytest.mark.parametrize("make", [template_csv, template_xlsx])
def test_the_app_can_put_a_real_catalog_item_in_the_example(make):
    example = {**EXAMPLE_ROW, "item": "eggs-large-dozen", "unit": "dozen", "pack_size": "15"}
    offer = check_file(make(example), "template", items=ITEMS).offers[0]
    assert (offer.item, offer.pack_size) == ("eggs-large-dozen", Decimal(15))


def test_the_csv_template_opens_in_excel_as_utf8():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    header = data[3:].split(b"\r\n", 1)[0].decode().split(",")
    assert set(REQUIRED_COLUMNS) <= set(header)


def test_the_xlsx_template_explains_every_column():
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert book.sheetnames == ["Prices", "Instructions"]
    explained = {r[0] for r in book["Instructions"].iter_rows(min_row=2, values_only=True)}
    shown = {c.value for c in book["Prices"][1]}
    assert shown - {"tier3_min_packs", "tier3_price"} <= explained
    assert {"vendor_sku", "item", "pack_size", "unit", "discount", "valid_to"} <= explained
    prices = book["Prices"]
    valid_from = [c.value for c in prices[1]].index("valid_from")
    assert prices[2][valid_from].is_date


def test_offers_round_trip_through_csv_and_xlsx():
    cells = row(vendor_sku="Q", unit="qt", pack_size="16", description='Milk "whole", 4 gal',
                tier2_min_packs="", tier2_price="", valid_from="", max_packs="")
    many = row(vendor_sku="M", tier2_min_packs="10", tier2_price="$14.5",
               tier3_min_packs="20", tier3_price="14.2500", tier4_min_packs="40",
               tier4_price="13", discount="incremental")
    header = [*row().keys(), "tier3_min_packs", "tier3_price", "tier4_min_packs", "tier4_price"]
    first = validate_sheet(raw_sheet(cells, many, header=header), ITEMS)
    assert first.ok, first.errors
    for export in (offers_to_csv, offers_to_xlsx):
        again = check_file(export(first.offers), "again", items=ITEMS)
        assert again.ok, again.errors
        assert again.offers == first.offers


def test_the_template_header_lists_known_columns_only():
    header = template_csv()[3:].split(b"\r\n", 1)[0].decode().split(",")
    assert set(header) <= set(COLUMN_NAMES)
