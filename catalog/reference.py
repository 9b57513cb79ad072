"""Reference data shipped with the catalog: staples, Minnesota centers, the CACFP meal pattern.

Pure stdlib (csv + Decimal). Every loader returns plain frozen dataclasses read
from the CSV files in `catalog/reference/` (see `SOURCES.md` there for who
published what). Prices are exact `Decimal`s.

`staples.csv` is derived, not typed by hand: `python -m bench.staples` rebuilds
it from `staples_inputs.csv` (the stated assumptions per item) and the public
BLS, ERS and CPI tables, so every price says where it came from.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

REFERENCE_DIR = Path(__file__).with_name("reference")

#: Age groups of the Minnesota licensing list, and the CACFP column each one eats from.
AGE_GROUPS = ("infant", "toddler", "preschool", "school_age")
PATTERN_COLUMN = {"toddler": "age_1_2", "preschool": "age_3_5", "school_age": "age_6_12"}

#: The unit each CACFP component is counted in, as the staples' `per_unit` uses it.
COMPONENT_UNITS = {
    "fluid_milk": "fl_oz",
    "meat_alt": "oz_eq",
    "grains": "oz_eq",
    "fruits": "cup",
    "vegetables": "cup",
}

ATTRIBUTES = frozenset(
    {"cacfp_creditable", "whole_grain_rich", "peanut_free", "epa_registered", "infant"}
)


@dataclass(frozen=True)
class Staple:
    """One catalog staple with its 2026 base price and what it is used for.

    - `base_price_2026`: US dollars per `unit` (retail level, before vendor markups).
    - `component`: the CACFP meal-pattern component it serves (None for non-food and
      cooking ingredients); `per_unit` is how many component units (`pattern_unit`:
      fl_oz, oz_eq or cup) one `unit` supplies; `menu_share` is its relative weight
      among the staples of that component for the same ages.
    - `per_child_week`: for staples outside the meal pattern, `unit`s used per child
      of `ages` per week (a stated estimate).
    - `order_weeks`: weeks of use bought in one purchasing cycle (1 for perishables).
    - `pack_sizes`: typical pack sizes in `unit`s, smallest first.
    """

    id: str
    name: str
    unit: str
    category: str
    attributes: frozenset[str]
    base_price_2026: Decimal
    price_source: str
    component: str | None
    pattern_unit: str | None
    per_unit: Decimal | None
    menu_share: Decimal
    per_child_week: Decimal | None
    ages: frozenset[str]
    order_weeks: int
    pack_sizes: tuple[int, ...]

    @property
    def is_estimate(self) -> bool:
        return self.price_source.startswith("estimate")


@dataclass(frozen=True)
class Center:
    """A licensed Minnesota child care center (2023 licensing list)."""

    license_number: str
    name: str
    city: str
    zip: str
    county: str
    capacity: int
    ages_served: frozenset[str]


@dataclass(frozen=True)
class MealPatternRow:
    """Minimum serving of one food item of one component at one meal, by age column."""

    meal: str
    component: str
    food_item: str
    amounts: dict[str, Decimal]  # "age_1_2" ... "adult" -> amount in `unit`
    unit: str
    note: str


def _rows(name: str) -> Iterator[dict[str, str]]:
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _decimal_or_none(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def load_staples(path: Path | None = None) -> list[Staple]:
    """The staples catalog (`staples.csv`, or another file of its columns), in file order."""
    out = []
    for row in _rows(str(path) if path is not None else "staples.csv"):
        out.append(
            Staple(
                id=row["id"],
                name=row["name"],
                unit=row["unit"],
                category=row["category"],
                attributes=frozenset(_split(row["attributes"])),
                base_price_2026=Decimal(row["base_price_2026"]),
                price_source=row["price_source"],
                component=row["component"] or None,
                pattern_unit=row["pattern_unit"] or None,
                per_unit=_decimal_or_none(row["per_unit"]),
                menu_share=Decimal(row["menu_share"] or "0"),
                per_child_week=_decimal_or_none(row["per_child_week"]),
                ages=frozenset(_split(row["ages"])),
                order_weeks=int(row["order_weeks"]),
                pack_sizes=tuple(int(p) for p in _split(row["pack_sizes"])),
            )
        )
    return out


def parse_ages_served(text: str) -> frozenset[str]:
    """Age groups named in a licensing `ages_served` field ("Infants Toddlers Preschool ...")."""
    words = set(text.replace("-", " ").split())
    found = set()
    if "Infants" in words:
        found.add("infant")
    if "Toddlers" in words:
        found.add("toddler")
    if "Preschool" in words:
        found.add("preschool")
    if "School" in words:
        found.add("school_age")
    return frozenset(found)


def load_centers() -> list[Center]:
    """The 1,775 licensed Minnesota child care centers of 2023, in file order."""
    return [
        Center(
            license_number=row["license_number"],
            name=row["name"].strip(),
            city=row["city"].strip(),
            zip=row["zip"].strip()[:5],
            county=row["county"].strip(),
            capacity=int(row["capacity"]),
            ages_served=parse_ages_served(row["ages_served"]),
        )
        for row in _rows("mn_child_care_centers_2023.csv")
    ]


def load_meal_pattern() -> list[MealPatternRow]:
    """The CACFP child meal pattern (7 CFR 226.20(c)) as transcribed in the reference CSV."""
    columns = ("age_1_2", "age_3_5", "age_6_12", "age_13_18", "adult")
    out = []
    for row in _rows("cacfp_child_meal_pattern.csv"):
        amounts = {c: Decimal(row[c]) for c in columns if row[c].strip()}
        out.append(
            MealPatternRow(
                meal=row["meal"],
                component=row["component"],
                food_item=row["food_item"],
                amounts=amounts,
                unit=row["unit"],
                note=row["note"],
            )
        )
    return out


def load_cpi() -> dict[str, dict[tuple[int, int], Decimal]]:
    """CPI-U indexes: item code (e.g. "SEFJ01") -> (year, month) -> index value."""
    out: dict[str, dict[tuple[int, int], Decimal]] = {}
    for row in _rows("bls_cpi_u_indexes.csv"):
        month = int(row["period"].lstrip("M"))
        out.setdefault(row["item_code"], {})[(int(row["year"]), month)] = Decimal(
            row["index_value"]
        )
    return out


def load_bls_prices() -> dict[str, tuple[str, dict[tuple[int, int], Decimal]]]:
    """BLS average prices: series id -> (item and unit text, (year, month) -> US dollars)."""
    out: dict[str, tuple[str, dict[tuple[int, int], Decimal]]] = {}
    for row in _rows("bls_average_prices_food.csv"):
        value = row["avg_price_usd"].strip()
        if not row["period"].startswith("M") or not value.replace(".", "", 1).isdigit():
            continue  # BLS marks a missing month with "-"
        label, series = out.setdefault(row["series_id"], (row["item_and_unit"], {}))
        series[(int(row["year"]), int(row["period"][1:]))] = Decimal(row["avg_price_usd"])
    return out


@dataclass(frozen=True)
class ProducePrice:
    """One USDA ERS 2022 fruit or vegetable price row."""

    name: str
    form: str
    retail_price: Decimal
    price_unit: str  # "per pound" or "per pint"
    yield_fraction: Decimal
    cup_equivalent_size: Decimal
    cup_equivalent_unit: str  # "pounds" or "fluid ounces"


def load_ers_prices() -> dict[str, ProducePrice]:
    """ERS Fruit and Vegetable Prices 2022, keyed "Name|Form" (e.g. "Bananas|Fresh")."""
    out = {}
    for name, kind in (("ers_fruit_prices_2022.csv", "Fruit"),
                       ("ers_vegetable_prices_2022.csv", "Vegetable")):
        for row in _rows(name):
            price = ProducePrice(
                name=row[kind],
                form=row["Form"],
                retail_price=Decimal(row["RetailPrice"]),
                price_unit=row["RetailPriceUnit"],
                yield_fraction=Decimal(row["Yield"]),
                cup_equivalent_size=Decimal(row["CupEquivalentSize"]),
                cup_equivalent_unit=row["CupEquivalentUnit"],
            )
            out[f"{price.name}|{price.form}"] = price
    return out


#: Days of care a week the meal-pattern estimates assume.
DAYS_PER_WEEK = 5
#: (meal, pattern component) -> (staple component, servings per day); a CACFP snack serves
#: two of its five components, so each counts 2/5 of a serving.
MEAL_COMPONENTS = {
    ("breakfast", "fluid_milk"): ("fluid_milk", Decimal(1)),
    ("breakfast", "veg_fruit"): ("fruits", Decimal(1)),
    ("breakfast", "grains"): ("grains", Decimal(1)),
    ("lunch_supper", "fluid_milk"): ("fluid_milk", Decimal(1)),
    ("lunch_supper", "meat_alt"): ("meat_alt", Decimal(1)),
    ("lunch_supper", "vegetables"): ("vegetables", Decimal(1)),
    ("lunch_supper", "fruits"): ("fruits", Decimal(1)),
    ("lunch_supper", "grains"): ("grains", Decimal(1)),
    ("snack", "fluid_milk"): ("fluid_milk", Decimal("0.4")),
    ("snack", "meat_alt"): ("meat_alt", Decimal("0.4")),
    ("snack", "vegetables"): ("vegetables", Decimal("0.4")),
    ("snack", "fruits"): ("fruits", Decimal("0.4")),
    ("snack", "grains"): ("grains", Decimal("0.4")),
}


def weekly_servings(pattern: list[MealPatternRow]) -> dict[str, dict[str, Decimal]]:
    """Age group -> component -> component units per child per week (fl_oz, oz_eq or cup).

    Each meal component is measured by its first (reference) row in the pattern:
    fluid milk, lean meat, vegetables, fruits, and bread slices for grains (one
    slice is one ounce equivalent).
    """
    first: dict[tuple[str, str], MealPatternRow] = {}
    for row in pattern:
        first.setdefault((row.meal, row.component), row)
    out: dict[str, dict[str, Decimal]] = {}
    for age, column in PATTERN_COLUMN.items():
        per_day: dict[str, Decimal] = defaultdict(Decimal)
        for (meal, pattern_component), (component, weight) in MEAL_COMPONENTS.items():
            if age == "school_age" and meal == "lunch_supper":
                continue
            amount = first[(meal, pattern_component)].amounts[column]
            per_day[component] += amount * weight
        out[age] = {c: v * DAYS_PER_WEEK for c, v in per_day.items()}
    return out
