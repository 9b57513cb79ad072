"""The reference data loaders: staples, Minnesota centers, the CACFP meal pattern."""

from __future__ import annotations

from decimal import Decimal

from catalog.reference import (
    AGE_GROUPS,
    ATTRIBUTES,
    COMPONENT_UNITS,
    load_centers,
    load_meal_pattern,
    load_staples,
    parse_ages_served,
)


def test_staples_are_a_catalog_of_distinct_priced_items_across_the_categories():
    staples = load_staples()
    assert 60 <= len(staples) <= 120
    assert len({s.id for s in staples}) == len(staples)
    assert {s.category for s in staples} == {"food", "cleaning", "paper", "classroom", "infant"}
    for s in staples:
        assert isinstance(s.base_price_2026, Decimal) and s.base_price_2026 > 0, s.id
        assert s.attributes <= ATTRIBUTES, s.id
        assert s.pack_sizes and list(s.pack_sizes) == sorted(s.pack_sizes), s.id
        assert s.ages and s.ages <= set(AGE_GROUPS), s.id


def test_every_price_names_its_source_and_estimates_say_so():
    for s in load_staples():
        assert s.price_source.startswith(("BLS APU", "USDA ERS 2022", "estimate: ")), s.id
        assert "CPI-U" in s.price_source, s.id
    milk = next(s for s in load_staples() if s.id == "milk-whole-gal")
    # BLS 2022-08 whole milk $4.194/gal x CPI milk 2022-08 -> 2026-08 (1.041): about $4.37
    assert milk.price_source.startswith("BLS APU0000709112 2022-08")
    assert Decimal("4.30") < milk.base_price_2026 < Decimal("4.45")
    assert not milk.is_estimate
    assert all(s.is_estimate for s in load_staples() if s.category in ("cleaning", "classroom"))


def test_meal_pattern_staples_say_how_much_of_their_component_a_unit_supplies():
    for s in load_staples():
        if s.component:
            assert s.pattern_unit == COMPONENT_UNITS[s.component], s.id
            assert s.per_unit and s.per_unit > 0 and s.menu_share > 0, s.id
        else:
            assert s.per_child_week is not None and s.per_child_week > 0, s.id
    attrs = {s.id: s.attributes for s in load_staples()}
    assert "epa_registered" in attrs["disinfectant-quat-concentrate-gal"]
    assert "whole_grain_rich" in attrs["bread-whole-wheat-lb"]
    assert "peanut_free" not in attrs["peanut-butter-lb"]


def test_centers_are_the_1775_minnesota_centers_with_capacity_and_ages():
    centers = load_centers()
    assert len(centers) == 1775
    assert all(c.capacity > 0 and len(c.zip) == 5 and c.zip.startswith("5") for c in centers)
    assert sum(1 for c in centers if c.county == "Hennepin") == 502
    assert all(c.ages_served for c in centers)


def test_ages_served_text_becomes_age_groups():
    assert parse_ages_served("Infants Toddlers Preschool School-Age") == set(AGE_GROUPS)
    assert parse_ages_served("Service: Drop-In child care Ages Served: Toddlers Preschool") == {
        "toddler", "preschool"}
    assert parse_ages_served("Preschool") == {"preschool"}


def test_meal_pattern_has_the_three_meals_and_milk_for_every_age():
    rows = load_meal_pattern()
    assert {r.meal for r in rows} == {"breakfast", "lunch_supper", "snack"}
    milk = [r for r in rows if r.component == "fluid_milk"]
    assert len(milk) == 3
    assert all(r.unit == "fl_oz" and r.amounts["age_6_12"] == 8 for r in milk)
