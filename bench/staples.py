"""Derive `catalog/reference/staples.csv` from `staples_inputs.csv` and the public price tables.

    python -m bench.staples            # rewrite staples.csv
    python -m bench.staples --check    # exit 1 if staples.csv is not what the inputs give

Prices are brought to 2026-08 dollars:
- `bls`: the latest BLS average price of the series (2022-08 for most), times the
  CPI-U factor of `cpi_series` from that month to 2026-08;
- `ers`: the USDA ERS 2022 retail price (an annual average), times the CPI-U factor
  from the 2022 annual average to 2026-08;
- `estimate`: a stated 2022-08 retail price (no public price in the data), times the
  CPI-U factor from 2022-08 to 2026-08. A `premium` other than 1 on a bls/ers row
  (whole-wheat pasta priced as 1.35 x enriched pasta, say) makes it an estimate too.
`price_factor` only converts units (per pint -> per gal, per lb -> per #10 can).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from decimal import ROUND_HALF_UP, Decimal

from catalog.reference import (
    COMPONENT_UNITS,
    REFERENCE_DIR,
    load_bls_prices,
    load_cpi,
    load_ers_prices,
)

TARGET = (2026, 8)
ESTIMATE_MONTH = (2022, 8)
AGE_CODES = {"I": "infant", "T": "toddler", "P": "preschool", "S": "school_age"}
OUT_COLUMNS = [
    "id", "name", "unit", "category", "attributes", "base_price_2026", "price_source",
    "component", "pattern_unit", "per_unit", "menu_share", "per_child_week", "ages",
    "order_weeks", "pack_sizes",
]


def _q(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


class Pricer:
    """Turns one input row into (2026 price per unit, source text)."""

    def __init__(self):
        self.cpi = load_cpi()
        self.bls = load_bls_prices()
        self.ers = load_ers_prices()

    def factor(self, code: str, start: tuple[int, int] | None) -> tuple[Decimal, str]:
        series = self.cpi[code]
        if start is None:  # the 2022 annual average
            base = sum(series[(2022, m)] for m in range(1, 13)) / 12
            label = "2022avg"
        else:
            base = series[start]
            label = f"{start[0]}-{start[1]:02d}"
        f = series[TARGET] / base
        return f, f"CPI-U {code} {label}->{TARGET[0]}-{TARGET[1]:02d} ({_q(f, '0.001')})"

    def price(self, row: dict[str, str]) -> tuple[Decimal, str]:
        basis, ref = row["price_basis"], row["price_ref"]
        unit_factor = Decimal(row["price_factor"] or "1")
        premium = Decimal(row["premium"] or "1")
        if basis == "bls":
            label, series = self.bls[ref]
            month = max(k for k in series if k <= ESTIMATE_MONTH)
            base = series[month]
            cpi, cpi_text = self.factor(row["cpi_series"], month)
            what = f"BLS {ref} {month[0]}-{month[1]:02d} ${base} ({label.split(',')[0]})"
        elif basis == "ers":
            produce = self.ers[ref]
            base = produce.retail_price
            cpi, cpi_text = self.factor(row["cpi_series"], None)
            what = f"USDA ERS 2022 {produce.name} ({produce.form}) ${base} {produce.price_unit}"
        elif basis == "estimate":
            base = Decimal(ref)
            cpi, cpi_text = self.factor(row["cpi_series"], ESTIMATE_MONTH)
            return _q(base * unit_factor * cpi, "0.0001"), (
                f"estimate: ${base}/{row['unit']} retail at 2022-08 x {cpi_text}"
            )
        else:
            raise ValueError(f"{row['id']}: unknown price_basis {basis!r}")
        parts = [what]
        if unit_factor != 1:
            parts.append(f"x {unit_factor} per {row['unit']}")
        parts.append(f"x {cpi_text}")
        text = " ".join(parts)
        if premium != 1:
            text = f"estimate: {premium} x {text}"
        return _q(base * unit_factor * premium * cpi, "0.0001"), text

    def per_unit(self, row: dict[str, str]) -> str:
        if row["per_unit"].strip() or not row["yield_ref"].strip():
            return row["per_unit"].strip()
        produce = self.ers[row["yield_ref"]]
        cups_per_lb = produce.yield_fraction / produce.cup_equivalent_size
        value = cups_per_lb * Decimal(row["lb_per_unit"] or "1")
        if row["component"] == "meat_alt":  # 1/4 cup cooked beans = 1 oz equivalent
            value *= 4
        return str(_q(value, "0.01"))


def derive(inputs: list[dict[str, str]]) -> list[dict[str, str]]:
    """The staples.csv rows for the input rows."""
    pricer = Pricer()
    out = []
    for row in inputs:
        price, source = pricer.price(row)
        component = row["component"].strip()
        out.append({
            "id": row["id"], "name": row["name"], "unit": row["unit"],
            "category": row["category"], "attributes": row["attributes"],
            "base_price_2026": str(price), "price_source": source,
            "component": component, "pattern_unit": COMPONENT_UNITS.get(component, ""),
            "per_unit": pricer.per_unit(row),
            "menu_share": row["menu_share"] if component else "",
            "per_child_week": row["per_child_week"],
            "ages": ";".join(AGE_CODES[c] for c in row["ages"]),
            "order_weeks": row["order_weeks"], "pack_sizes": row["pack_sizes"],
        })
    return out


def render(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=OUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    with open(REFERENCE_DIR / "staples_inputs.csv", newline="", encoding="utf-8") as handle:
        inputs = list(csv.DictReader(handle))
    text = render(derive(inputs))
    target = REFERENCE_DIR / "staples.csv"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target.name} is out of date: run python -m bench.staples", file=sys.stderr)
            return 1
        print(f"{target.name} matches its inputs ({len(inputs)} staples)")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.name}: {len(inputs)} staples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
