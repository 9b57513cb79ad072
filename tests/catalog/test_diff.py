from decimal import Decimal

import pytest

from catalog import Tier, diff_offers, validate_sheet
from catalog.diff import percent_change
from tests.catalog.sheetmaker import ITEMS, raw_sheet, row


def _offers(*rows):
    result = validate_sheet(raw_sheet(*rows), ITEMS)
    assert result.ok, result.errors
    return result.offers


OLD = _offers(row(vendor_sku="MILK"), row(vendor_sku="EGGS", item="eggs-large-dozen",
                                          unit="dozen", pack_size="15", tier1_price="40.00",
                                          tier2_price="38.00"),
              row(vendor_sku="GONE"), row(vendor_sku="SAME", description="same"))


def test_price_changes_per_sku_and_tier_with_percentages():
    new = _offers(row(vendor_sku="milk", tier1_price="16.76", tier2_min_packs="200",
                      tier2_price="14.80"),
                  row(vendor_sku="EGGS", item="eggs-large-dozen", unit="dozen", pack_size="15",
                      tier1_price="36.00", tier2_price="35.00"),
                  row(vendor_sku="SAME", description="same"), row(vendor_sku="NEW"))
    diff = diff_offers(OLD, new)
    assert [c.vendor_sku for c in diff.changed] == ["EGGS", "milk"]
    eggs, milk = diff.changed
    assert (milk.old_price, milk.new_price, milk.percent) == (
        Decimal("15.96"), Decimal("16.76"), Decimal("5.0"))
    assert milk.fields == ("tiers",)
    assert [(t.min_packs, t.old_price, t.new_price, t.percent) for t in milk.tiers] == [
        (1, Decimal("15.96"), Decimal("16.76"), Decimal("5.0")),
        (100, Decimal("14.80"), None, None),
        (200, None, Decimal("14.80"), None),
    ]
    assert eggs.percent == Decimal("-10.0")
    assert [o.vendor_sku for o in diff.added] == ["NEW"]
    assert [o.vendor_sku for o in diff.dropped] == ["GONE"]
    assert diff.unchanged == 1 and diff.has_changes


def test_a_new_pack_size_shows_the_price_per_unit_change():
    new = _offers(row(vendor_sku="MILK", pack_size="6", tier1_price="23.94"))
    change = diff_offers(OLD[:1], new).changed[0]
    assert set(change.fields) == {"pack_size", "tiers"}
    assert change.percent == Decimal("50.0")
    assert change.unit_price_percent == Decimal("0.0")


def test_identical_sheets_have_no_changes():
    diff = diff_offers(OLD, OLD)
    assert not diff.has_changes and diff.unchanged == len(OLD)
    assert diff.to_json() == {"changed": [], "added": [], "dropped": [], "unchanged": 4}


def test_json_summary_has_money_as_strings():
    new = _offers(row(vendor_sku="MILK", tier1_price="15.00"))
    summary = diff_offers(OLD[:1], new).to_json()["changed"][0]
    assert (summary["old_price"], summary["new_price"], summary["percent"]) == (
        "15.96", "15", "-6")
    assert summary["tiers"][0] == {"min_packs": 1, "old_price": "15.96", "new_price": "15",
                                   "percent": "-6"}


def test_percent_change_rounds_half_up_to_a_tenth():
    assert percent_change(Decimal(3), Decimal(4)) == Decimal("33.3")
    assert percent_change(Decimal(8), Decimal("8.004")) == Decimal("0.1")
    assert percent_change(Decimal(0), Decimal(1)) is None


def test_a_repeated_sku_is_refused():
    with pytest.raises(ValueError, match="twice in the new offers"):
        diff_offers(OLD, OLD + OLD[:1])
    assert OLD[0].tiers[0] == Tier(1, Decimal("15.96"))
