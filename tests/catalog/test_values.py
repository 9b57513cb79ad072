from datetime import date
from decimal import Decimal

import pytest

from catalog.values import (
    BadValue,
    check_text,
    decimal_text,
    parse_date,
    parse_discount,
    parse_money,
    parse_quantity,
    parse_whole,
)


@pytest.mark.parametrize(("text", "value"), [
    ("$1,234.50", Decimal("1234.50")), ("1234.5", Decimal("1234.5")), ("12", Decimal(12)),
    ("$12", Decimal(12)), ("$ 12.00", Decimal(12)), ("1,000", Decimal(1000)),
    ("1,234,567.8", Decimal("1234567.8")), ("0.5", Decimal("0.5")), (".5", Decimal("0.5")),
    ("12.", Decimal(12)), ("+3", Decimal(3)),
    ("14.799999999999999", Decimal("14.8")),  # an Excel float, rounded to 4 places
    ("0.00005", Decimal("0.0001")),  # half up
    ("3.14159", Decimal("3.1416")),
])
def test_money_people_type_is_read_exactly(text, value):
    assert parse_money(text) == value


@pytest.mark.parametrize(("text", "reason"), [
    ("12.3.4", "not a number"), ("abc", "not a number"), ("-5", "greater than 0"),
    ("$-5", "greater than 0"), ("-$5", "greater than 0"), ("0", "greater than 0"),
    ("0.00004", "greater than 0"), ("1,23", "commas only between thousands"),
    ("1.234,50", "not a number"), ("12 34", "not a number"), ("1e3", "not a number"),
    ("$", "not a number"), ("USD 12", "not a number"), ("20,000,000", "too large"),
    ("١٢", "not a number"),
])
def test_money_that_is_wrong_is_refused_never_zero(text, reason):
    with pytest.raises(BadValue, match=reason):
        parse_money(text)


def test_pack_sizes_allow_six_places_but_no_currency():
    assert parse_quantity("0.125") == Decimal("0.125")
    assert parse_quantity("1.0000004") == Decimal("1")
    assert parse_quantity("2,000") == Decimal(2000)
    with pytest.raises(BadValue, match="not a number"):
        parse_quantity("$4")
    with pytest.raises(BadValue, match="greater than 0"):
        parse_quantity("0")


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("12.0", 12), ("1,200", 1200),
                                             ("007", 7)])
def test_whole_numbers(text, value):
    assert parse_whole(text) == value


@pytest.mark.parametrize(("text", "reason"), [
    ("12.5", "whole number"), ("0", "greater than 0"), ("-3", "greater than 0"),
    ("many", "not a number"), ("2000000000", "too large"),
])
def test_whole_numbers_refused(text, reason):
    with pytest.raises(BadValue, match=reason):
        parse_whole(text)


def test_dates_are_iso_and_midnight_times_are_tolerated():
    assert parse_date("2026-03-01") == date(2026, 3, 1)
    assert parse_date("2026-03-01 00:00:00") == date(2026, 3, 1)
    assert parse_date("2026-03-01T00:00") == date(2026, 3, 1)


@pytest.mark.parametrize(("text", "reason"), [
    ("2026-02-30", "not a real date"), ("03/01/2026", "ambiguous"), ("1.3.2026", "ambiguous"),
    ("46082", "Excel date number"), ("next monday", "not a date"),
    ("2026-03-01 12:30:00", "not a date"), ("2026-3-1", "not a date"),
])
def test_dates_refused(text, reason):
    with pytest.raises(BadValue, match=reason):
        parse_date(text)


@pytest.mark.parametrize(("text", "value"), [
    ("", "all_units"), ("all_units", "all_units"), ("All Units", "all_units"),
    ("all-units", "all_units"), ("INCREMENTAL", "incremental"),
])
def test_discount_spellings(text, value):
    assert parse_discount(text) == value


def test_discount_refused():
    with pytest.raises(BadValue, match="all_units or incremental"):
        parse_discount("bulk")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)"])
def test_text_that_a_spreadsheet_would_run_is_refused(text):
    with pytest.raises(BadValue, match="formulas are not accepted"):
        check_text(text, "description")


def test_text_limits_and_control_characters():
    assert check_text("VD-1", "vendor_sku") == "VD-1"
    with pytest.raises(BadValue, match="too long"):
        check_text("x" * 65, "vendor_sku")
    with pytest.raises(BadValue, match="control characters"):
        check_text("a\x07b", "item")


def test_decimal_text_never_uses_exponents():
    assert decimal_text(Decimal("4E+1")) == "40"
    assert decimal_text(Decimal("14.800")) == "14.8"
    assert decimal_text(Decimal("0.000001")) == "0.000001"
