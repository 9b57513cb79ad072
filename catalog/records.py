"""What a price sheet turns into: frozen records, no DataFrame, no ORM.

`OfferRecord` is one valid sheet row, `RowError` one problem (with the row the
vendor sees in a spreadsheet: header = row 1, first data row = row 2), and
`SheetResult` everything a check or an import needs to show or store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

ALL_UNITS = "all_units"
INCREMENTAL = "incremental"
DISCOUNTS = (ALL_UNITS, INCREMENTAL)


class Tier(NamedTuple):
    """From `min_packs` pooled packs on, each pack costs `price` (see the optimizer spec, rule 4)."""

    min_packs: int
    price: Decimal


class ItemRef(NamedTuple):
    """What validation needs to know of a catalog item: its unit and its name."""

    unit: str
    name: str


@dataclass(frozen=True, slots=True)
class OfferRecord:
    """One valid row of a price sheet.

    `pack_size` is in `pack_unit`: the catalog item's unit when the sheet was
    validated against the catalog (a case of 4 gal of milk is 4 for a `gal`
    item, 16 for a `qt` item), otherwise the sheet's own unit. `unit` and
    `sheet_pack_size` are what the vendor typed (`unit` trimmed), so a sheet
    can be written back as it came. Prices are per pack, at most 4 places.
    """

    vendor_sku: str
    item: str
    description: str
    pack_size: Decimal
    unit: str
    discount: str
    tiers: tuple[Tier, ...]
    max_packs: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    row: int = 0
    sheet_pack_size: Decimal | None = None
    pack_unit: str = ""

    @property
    def typed_pack_size(self) -> Decimal:
        """The pack size as written in the sheet, in `unit`."""
        return self.pack_size if self.sheet_pack_size is None else self.sheet_pack_size

    @property
    def base_price(self) -> Decimal:
        """The first tier's price per pack: what one pack costs at the minimum order."""
        return self.tiers[0].price

    def to_offer_json(self, offer_id: str, vendor_id: str) -> dict[str, Any]:
        """This offer in the optimizer's instance format (`offers[]` entry, money as strings)."""
        data: dict[str, Any] = {
            "id": offer_id,
            "vendor": vendor_id,
            "item": self.item,
            "pack_size": str(self.pack_size),
            "discount": self.discount,
            "tiers": [{"min_packs": t.min_packs, "price": str(t.price)} for t in self.tiers],
        }
        if self.max_packs is not None:
            data["max_packs"] = self.max_packs
        return data


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: `row` as the vendor sees it (1 = header, None = the whole file).

    `column` is the canonical column name (`tier2_price`) or None when the
    problem is not one cell's. `suggestion` holds close matches, if any.
    """

    row: int | None
    column: str | None
    message: str
    suggestion: str | None = None

    @property
    def full_message(self) -> str:
        """The message with the suggestion appended: what a person should read."""
        if not self.suggestion:
            return self.message
        return f"{self.message}; did you mean {self.suggestion}?"


@dataclass(frozen=True, slots=True)
class SheetResult:
    """The outcome of reading and validating one sheet.

    `rows` counts non-blank data rows. `offers` holds the rows that passed every
    check and `rejected_rows` the data rows (2, 3, ...) that did not, so
    `rows == len(offers) + len(rejected_rows)` (a header without a required
    column rejects every row). `kind` is "csv" or "xlsx" when read from a file.
    Storing is all or nothing: store only when `ok`.
    """

    offers: tuple[OfferRecord, ...]
    errors: tuple[RowError, ...] = ()
    warnings: tuple[RowError, ...] = ()
    rows: int = 0
    kind: str = ""
    rejected_rows: frozenset[int] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong: the sheet may be stored as a new version."""
        return not self.errors
