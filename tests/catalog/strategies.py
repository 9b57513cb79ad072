"""Hypothesis strategies: valid price-sheet rows with the offers they must become."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import strategies as st

from catalog import OfferRecord, Tier
from catalog.columns import TIER_COUNT

# item -> (item unit, {typed unit: exact factor into the item unit, independent of catalog.units})
UNITS = {
    "milk-whole-gal": ("gal", {"gal": Decimal(1), "Gallons": Decimal(1), "GAL": Decimal(1),
                               "qt": Decimal("0.25"), "Quarts": Decimal("0.25"),
                               "pt": Decimal("0.125")}),
    "flour-ap-lb": ("lb", {"lb": Decimal(1), "lbs": Decimal(1), "oz": Decimal("0.0625"),
                           "kg": Decimal("2.204622621848775807229738013")}),
    "eggs-large-dozen": ("dozen", {"dozen": Decimal(1), "dz": Decimal(1), "Doz": Decimal(1)}),
    "paper-copy-ream": ("ream", {"ream": Decimal(1), "Reams": Decimal(1)}),
}
SKU_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_./ "


def _money_text(value: Decimal, style: int) -> str:
    plain = format(value, "f")
    if style == 1:
        return "$" + plain
    if style == 2 and value >= 1000:
        whole, _dot, frac = plain.partition(".")
        return f"{int(whole):,}" + ("." + frac if frac else "")
    if style == 3:
        return f"  {plain} "
    return plain


@st.composite
def tiers(draw) -> tuple[Tier, ...]:
    count = draw(st.integers(1, TIER_COUNT) if draw(st.booleans()) else st.integers(1, 3))
    mins = sorted(draw(st.sets(st.integers(1, 1_000_000), min_size=count, max_size=count)))
    cents = draw(st.lists(st.integers(1, 50_000_000), min_size=count, max_size=count))
    prices = sorted((Decimal(c) / 10_000 for c in cents), reverse=True)  # 4 places, never rising
    return tuple(Tier(m, p) for m, p in zip(mins, prices, strict=True))


@st.composite
def offer_rows(draw, sku: str, number: int) -> tuple[dict[str, str], OfferRecord]:
    """One valid row as text cells, and the offer it must become (validated with ITEMS)."""
    item = draw(st.sampled_from(sorted(UNITS)))
    item_unit, typed_units = UNITS[item]
    unit = draw(st.sampled_from(sorted(typed_units)))
    typed = Decimal(draw(st.integers(1, 100_000))) / (1 if unit == "kg" else draw(
        st.sampled_from([1, 2, 4, 10])))
    converted = (typed * typed_units[unit]).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    offer_tiers = draw(tiers())
    max_packs = draw(st.none() | st.integers(offer_tiers[0].min_packs, 2_000_000_000 // 2))
    start = draw(st.none() | st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    end = draw(st.none() | st.integers(0, 800).map(lambda d: (start or date(2020, 1, 1))
                                                   + timedelta(days=d)))
    description = draw(st.text(alphabet="abcdefgh xyz,;|\"'", max_size=30)).strip()
    description = "" if description[:1] in {"=", "+", "-", "@", "#"} else description
    discount = draw(st.sampled_from(["", "all_units", "incremental", "Incremental",
                                     "all-units"]))
    style = draw(st.integers(0, 3))
    cells = {"vendor_sku": sku, "item": item, "description": description,
             "pack_size": format(typed, "f"), "unit": unit, "discount": discount,
             "max_packs": "" if max_packs is None else str(max_packs),
             "valid_from": start.isoformat() if start else "",
             "valid_to": end.isoformat() if end else ""}
    for k, tier in enumerate(offer_tiers, start=1):
        cells[f"tier{k}_min_packs"] = str(tier.min_packs)
        cells[f"tier{k}_price"] = _money_text(tier.price, style)
    offer = OfferRecord(
        vendor_sku=sku, item=item, description=" ".join(description.split()),
        pack_size=converted, unit=unit,
        discount="incremental" if discount.lower() == "incremental" else "all_units",
        tiers=offer_tiers, max_packs=max_packs, valid_from=start, valid_to=end, row=number,
        sheet_pack_size=typed, pack_unit=item_unit,
    )
    return cells, offer


@st.composite
def sheets(draw, max_rows: int = 12) -> tuple[list[str], list[dict[str, str]], list[OfferRecord]]:
    """(header in a shuffled order and spelling, rows of cells, expected offers)."""
    count = draw(st.integers(0, max_rows))
    skus = draw(st.lists(st.text(SKU_ALPHABET, min_size=1, max_size=20).map(str.strip).filter(
        lambda s: s and s[0] not in "-"), min_size=count, max_size=count,
        unique_by=str.casefold))
    rows, offers = [], []
    for index, sku in enumerate(skus):
        cells, offer = draw(offer_rows(sku, index + 2))
        rows.append(cells)
        offers.append(offer)
    depth = max((len(o.tiers) for o in offers), default=1)
    header = ["vendor_sku", "item", "description", "pack_size", "unit", "discount", "max_packs",
              "valid_from", "valid_to"]
    header += [f"tier{k}_{part}" for k in range(1, depth + 1) for part in ("min_packs", "price")]
    shuffle = random.Random(draw(st.integers(0, 2**16)))
    shuffle.shuffle(header)
    spelled = [_respell(name, draw(st.integers(0, 2))) for name in header]
    rows = [{spelled[i]: r.get(name, "") for i, name in enumerate(header)} for r in rows]
    return spelled, rows, offers


def _respell(name: str, style: int) -> str:
    if style == 1:
        return name.upper()
    if style == 2:
        return name.replace("_", " ").title()
    return name
