from decimal import Decimal

import pytest

from catalog.errors import IncompatibleUnitsError, UnknownUnitError
from catalog.units import (
    canonical_unit,
    conversion_factor,
    convert,
    is_known_unit,
    known_units,
    unit_family,
)


@pytest.mark.parametrize(("typed", "canonical"), [
    ("Gallon", "gal"), ("gallons", "gal"), ("GAL", "gal"), (" gal ", "gal"),
    ("fl oz", "fl_oz"), ("Fl. Oz.", "fl_oz"), ("FL_OZ", "fl_oz"), ("fluid ounces", "fl_oz"),
    ("lbs", "lb"), ("Pounds", "lb"), ("oz", "oz"), ("kg", "kg"), ("grams", "g"),
    ("ea", "each"), ("EA.", "each"), ("pcs", "each"), ("dz", "dozen"), ("doz", "dozen"),
    ("pair", "pair"), ("Liters", "l"), ("ml", "ml"), ("quarts", "qt"), ("pint", "pt"),
    ("Reams", "ream"), ("cs", "case"), ("rolls", "roll"), ("#10 can", "can_10"),
])
def test_typed_spellings_map_to_one_canonical_unit(typed, canonical):
    assert canonical_unit(typed) == canonical


def test_an_unknown_unit_is_refused_by_name():
    with pytest.raises(UnknownUnitError, match="'crate'"):
        canonical_unit("crate")
    assert not is_known_unit("crate")
    assert is_known_unit("Gallons")


@pytest.mark.parametrize(("source", "target", "factor"), [
    ("gal", "qt", Decimal(4)), ("gal", "pt", Decimal(8)), ("gal", "fl_oz", Decimal(128)),
    ("qt", "gal", Decimal("0.25")), ("gal", "l", Decimal("3.785411784")),
    ("l", "ml", Decimal(1000)), ("lb", "oz", Decimal(16)), ("kg", "g", Decimal(1000)),
    ("lb", "g", Decimal("453.59237")), ("dozen", "each", Decimal(12)),
    ("pair", "each", Decimal(2)), ("each", "dozen", Decimal(1) / Decimal(12)),
    ("ream", "ream", Decimal(1)), ("Gallons", "QT", Decimal(4)),
])
def test_conversion_factors_are_exact_decimals(source, target, factor):
    assert conversion_factor(source, target) == factor


def test_a_round_trip_through_another_unit_is_exact_where_factors_terminate():
    assert convert(convert(Decimal("2.5"), "gal", "fl_oz"), "fl_oz", "gal") == Decimal("2.5")
    assert convert(Decimal(3), "lb", "oz") == Decimal(48)


@pytest.mark.parametrize(("source", "target"), [
    ("lb", "gal"), ("gal", "each"), ("box", "case"), ("ream", "each"), ("case", "gal"),
    ("dozen", "box"),
])
def test_units_of_different_families_do_not_convert(source, target):
    with pytest.raises(IncompatibleUnitsError):
        conversion_factor(source, target)


def test_every_canonical_unit_is_its_own_spelling_and_family_is_stable():
    for name in known_units():
        assert canonical_unit(name) == name
    assert unit_family("quarts") == "volume"
    assert unit_family("oz") == "mass"
    assert unit_family("box") == "box"
