"""Units of measure: canonical names, the aliases people type, exact conversions.

Every unit belongs to one family. Units of the same measurable family (mass,
volume, count) convert into each other by exact `Decimal` factors (US customary
units by their legal definitions: 1 lb = 453.59237 g, 1 US gal = 3.785411784 l).
Package units (box, case, ream, roll...) have no fixed content, so each is its
own family: a box equals only a box.

    canonical_unit("Gallons") == "gal"
    convert(Decimal(1), "gal", "qt") == Decimal(4)
    conversion_factor("lb", "gal")        # raises IncompatibleUnitsError
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from catalog.errors import IncompatibleUnitsError, UnknownUnitError

MASS = "mass"
VOLUME = "volume"
COUNT = "count"

_FL_OZ_ML = Decimal("29.5735295625")  # exact: 1/128 of 231 cubic inches


@dataclass(frozen=True)
class Unit:
    """A canonical unit: `factor` is how many base units (g, ml, each) one of it holds."""

    name: str
    family: str
    factor: Decimal
    label: str


_MEASURED = (
    Unit("g", MASS, Decimal(1), "gram"),
    Unit("kg", MASS, Decimal(1000), "kilogram"),
    Unit("oz", MASS, Decimal("28.349523125"), "ounce (weight)"),
    Unit("lb", MASS, Decimal("453.59237"), "pound"),
    Unit("ml", VOLUME, Decimal(1), "millilitre"),
    Unit("l", VOLUME, Decimal(1000), "litre"),
    Unit("fl_oz", VOLUME, _FL_OZ_ML, "US fluid ounce"),
    Unit("cup", VOLUME, _FL_OZ_ML * 8, "US cup (8 fl oz)"),
    Unit("pt", VOLUME, _FL_OZ_ML * 16, "US pint"),
    Unit("qt", VOLUME, _FL_OZ_ML * 32, "US quart"),
    Unit("gal", VOLUME, _FL_OZ_ML * 128, "US gallon"),
    Unit("each", COUNT, Decimal(1), "each (one piece)"),
    Unit("pair", COUNT, Decimal(2), "pair (2 pieces)"),
    Unit("dozen", COUNT, Decimal(12), "dozen (12 pieces)"),
)

# Containers and packages: no fixed content, so each converts only to itself
# (can_10 is the food-service "#10 can", about 3 qt, whose net weight varies).
_PACKAGES = (
    "bag", "bottle", "box", "bucket", "bundle", "can", "can_10", "carton", "case", "jar",
    "jug", "pack", "pail", "ream", "roll", "sheet", "sleeve", "tray", "tub", "tube",
)

UNITS: dict[str, Unit] = {u.name: u for u in _MEASURED}
UNITS.update({p: Unit(p, p, Decimal(1), p) for p in _PACKAGES})

_ALIASES = {
    "g": ("gram", "grams", "gm", "gms"),
    "kg": ("kilo", "kilos", "kilogram", "kilograms", "kgs"),
    "oz": ("ounce", "ounces", "oz wt", "ozs", "net wt oz"),
    "lb": ("lbs", "pound", "pounds"),
    "ml": ("millilitre", "milliliter", "millilitres", "milliliters", "mls"),
    "l": ("litre", "liter", "litres", "liters", "ltr", "lt"),
    "fl_oz": ("fl oz", "fl. oz", "fl. oz.", "floz", "fluid ounce", "fluid ounces", "fl ozs"),
    "cup": ("cups",),
    "pt": ("pint", "pints", "pts"),
    "qt": ("quart", "quarts", "qts"),
    "gal": ("gallon", "gallons", "gals", "gl"),
    "each": ("ea", "ea.", "unit", "units", "piece", "pieces", "pc", "pcs", "ct", "count"),
    "pair": ("pairs", "pr", "prs"),
    "dozen": ("dz", "doz", "dozens", "dzn"),
    "bag": ("bags",), "bottle": ("bottles", "btl"), "box": ("boxes", "bx"),
    "bucket": ("buckets",), "bundle": ("bundles",), "can": ("cans",),
    "can_10": ("#10 can", "#10 cans", "#10", "can #10", "no 10 can", "no. 10 can", "number 10 can"),
    "carton": ("cartons", "ctn"), "case": ("cases", "cs"), "jar": ("jars",),
    "jug": ("jugs",), "pack": ("packs", "pk", "pkg", "package", "packages"),
    "pail": ("pails",), "ream": ("reams", "rm"), "roll": ("rolls", "rl"),
    "sheet": ("sheets",), "sleeve": ("sleeves",), "tray": ("trays",),
    "tub": ("tubs",), "tube": ("tubes",),
}

_SPACES = re.compile(r"[\s_]+")


def _key(text: str) -> str:
    return _SPACES.sub(" ", text.strip().casefold())


_LOOKUP: dict[str, str] = {}
for _name, _spellings in _ALIASES.items():
    for _spelling in (_name, *_spellings):
        _LOOKUP[_key(_spelling)] = _name


@lru_cache(maxsize=1024)
def canonical_unit(text: str) -> str:
    """The canonical name of a unit as people type it ("Gallons" -> "gal").

    Case, surrounding spaces, underscores and a trailing dot do not matter.
    Raises `UnknownUnitError` for a unit this module does not know.
    """
    key = _key(text)
    name = _LOOKUP.get(key) or _LOOKUP.get(key.rstrip("."))
    if name is None:
        raise UnknownUnitError(text)
    return name


def is_known_unit(text: str) -> bool:
    """True when `canonical_unit(text)` would succeed."""
    try:
        canonical_unit(text)
    except UnknownUnitError:
        return False
    return True


def unit_family(text: str) -> str:
    """`mass`, `volume`, `count`, or the package's own name for a package unit."""
    return UNITS[canonical_unit(text)].family


@lru_cache(maxsize=1024)
def conversion_factor(from_unit: str, to_unit: str) -> Decimal:
    """How many `to_unit` one `from_unit` is, exactly (e.g. ("gal", "qt") -> 4).

    Raises `UnknownUnitError` or `IncompatibleUnitsError` (lb to gal, box to case).
    The result is exact for every pair except where a division does not
    terminate (l to gal), where it carries 28 significant digits.
    """
    source = UNITS[canonical_unit(from_unit)]
    target = UNITS[canonical_unit(to_unit)]
    if source.family != target.family:
        raise IncompatibleUnitsError(from_unit, to_unit, source.family, target.family)
    return source.factor / target.factor


def convert(quantity: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """`quantity` expressed in `from_unit`, converted to `to_unit` (unrounded)."""
    return quantity * conversion_factor(from_unit, to_unit)


def known_units() -> tuple[str, ...]:
    """Every canonical unit name, measured units first."""
    return tuple(UNITS)
