"""Parsing what people type into one cell: tolerant of form, strict about meaning.

Each `parse_*` takes the cell's text (already trimmed, never empty) and returns
the value or raises `BadValue` with a message a vendor can act on. Accepted:
"$1,234.50", "1234.5", "12", " 12.5 " (trimmed by the caller), Excel numbers
written as text by the readers ("14.799999999999999" rounds to 14.8).
Rejected: "12.3.4", "abc", "1,23", negatives, zero where > 0 is required.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from catalog.records import ALL_UNITS, DISCOUNTS

MONEY_PLACES = Decimal("0.0001")
QUANTITY_PLACES = Decimal("0.000001")
MAX_NUMBER = Decimal(1_000_000_000)  # pack sizes and pack counts
MAX_PRICE = Decimal(10_000_000)  # per pack; fits a NUMERIC(12, 4) column
MAX_LENGTHS = {"vendor_sku": 64, "item": 100, "description": 500}

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"}
)

_NUMBER = re.compile(
    r"(?P<sign>[-+]?)\s*(?P<cur>\$?)\s*(?P<sign2>[-+]?)"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<frac>\d*))?",
    re.ASCII,
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?", re.ASCII)
_SLASH_DATE = re.compile(r"\d{1,4}[/.]\d{1,2}[/.]\d{1,4}", re.ASCII)
_SERIAL = re.compile(r"\d{5}(?:\.0+)?", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORMULA_START = frozenset("=+-@")
_DISCOUNT_SPELLING = re.compile(r"[\s\-]+")


class BadValue(ValueError):
    """A cell whose text does not mean what its column needs; `str()` says why."""


def _number(text: str, *, money: bool) -> Decimal:
    match = _NUMBER.fullmatch(text)
    if match is None or (match["cur"] and not money) or not (match["int"] or match["frac"]):
        if "," in text and "." not in text and re.fullmatch(r"[$0-9,]+", text):
            raise BadValue(f"not a number: {text!r} (write decimals with a dot; commas "
                           "only between thousands, as in 1,234.50)")
        raise BadValue(f"not a number: {text!r}")
    digits = match["int"].replace(",", "") or "0"
    value = Decimal(f"{digits}.{match['frac'] or '0'}")
    if "-" in (match["sign"], match["sign2"]) and value != 0:
        raise BadValue(f"must be greater than 0 (got {text!r})")
    if value > MAX_NUMBER:
        raise BadValue(f"too large: {text!r}")
    return value


def _trim(value: Decimal, places: Decimal) -> Decimal:
    if value.as_tuple().exponent < places.as_tuple().exponent:  # type: ignore[operator]
        value = _plain(value.quantize(places, rounding=ROUND_HALF_UP))
    return value


def _plain_digits(text: str) -> bool:
    return text.isdigit() and text.isascii()


def _decimal(text: str, *, money: bool, places: int, quantum: Decimal,
             limit: Decimal = MAX_NUMBER) -> Decimal:
    """Fast path for plain "123" / "123.45" / "$12.5" text; anything else goes through `_number`."""
    plain = text[1:] if money and text[0] == "$" else text
    head, _dot, tail = plain.partition(".")
    if head.isdigit() and head.isascii() and (not tail or (tail.isdigit() and tail.isascii())):
        value = Decimal(plain)
        if len(tail) > places:
            value = _plain(value.quantize(quantum, rounding=ROUND_HALF_UP))
    else:
        value = _trim(_number(text, money=money), quantum)
    if value <= 0:
        raise BadValue(f"must be greater than 0 (got {text!r})")
    if value > limit:
        raise BadValue(f"too large: {text!r} (at most {limit:,})")
    return value


def parse_money(text: str) -> Decimal:
    """A price per pack: > 0, rounded half up to 4 places, "$" and thousands commas allowed."""
    return _decimal(text, money=True, places=4, quantum=MONEY_PLACES, limit=MAX_PRICE)


def parse_quantity(text: str) -> Decimal:
    """A pack size: > 0, rounded half up to 6 places."""
    return _decimal(text, money=False, places=6, quantum=QUANTITY_PLACES)


def parse_whole(text: str) -> int:
    """A whole number > 0 ("12", "12.0", "1,200"; not "12.5")."""
    if text.isdigit() and text.isascii():
        number = int(text)
        if 0 < number <= MAX_NUMBER:
            return number
    value = _number(text, money=False)
    if value != value.to_integral_value():
        raise BadValue(f"must be a whole number (got {text!r})")
    if value <= 0:
        raise BadValue(f"must be greater than 0 (got {text!r})")
    return int(value)


def parse_date(text: str) -> date:
    """An ISO date, YYYY-MM-DD (a time part of exactly midnight is tolerated)."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and _plain_digits(text[:4]):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # the slow path says why
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        if _SLASH_DATE.fullmatch(text):
            raise BadValue(f"ambiguous date {text!r}: write it as YYYY-MM-DD")
        if _SERIAL.fullmatch(text):
            raise BadValue(f"{text!r} looks like an Excel date number: format the cell as a "
                           "date or write YYYY-MM-DD")
        raise BadValue(f"not a date: {text!r} (write YYYY-MM-DD)")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise BadValue(f"not a real date: {text!r}") from None


def parse_discount(text: str) -> str:
    """`all_units` or `incremental` (case, spaces and hyphens tolerated); empty means all_units."""
    if not text:
        return ALL_UNITS
    value = _DISCOUNT_SPELLING.sub("_", text.casefold())
    if value not in DISCOUNTS:
        raise BadValue(f"must be all_units or incremental (got {text!r})")
    return value


def check_text(text: str, column: str) -> str:
    """A text cell: no control characters, nothing a spreadsheet would run as a formula."""
    if text[0] in _FORMULA_START:
        raise BadValue(f"must not start with {text[0]!r}: spreadsheet formulas are not accepted")
    if _CONTROL.search(text):
        raise BadValue("contains control characters (tabs, line breaks...)")
    limit = MAX_LENGTHS.get(column)
    if limit is not None and len(text) > limit:
        raise BadValue(f"too long: {len(text)} characters, at most {limit}")
    return text


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (40, not 4E+1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def decimal_text(value: Decimal) -> str:
    """A Decimal as a plain string for sheets and JSON ("40", "14.8", never "4E+1")."""
    return format(_plain(value), "f")
