"""The demo catalog and the demo vendors' offers (steps of ``services.demo``).

Items are the ~120 child-care staples of ``catalog/reference/staples.csv``, with their real
units and 2026 base prices (BLS/ERS prices brought to 2026 with CPI-U, or labelled
estimates). The vendors' offers are **synthetic tiers on real base prices**: pack sizes come
from the staples' typical packs, while markups, tier breakpoints, discounts and delivery
terms are invented here (deterministically, so the demo is the same every time). The demo
sheets go through the same validation and activation as a vendor's upload, and their file
names say that they are synthetic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.records import OfferRecord, Tier
from catalog.reference import Staple, load_staples
from catalog.template import offers_to_csv
from marketplace.models import (
    DeliveryTerms,
    Organization,
    OrgKind,
    PriceSheet,
    Site,
    User,
)
from marketplace.services.catalog_reference import add_staples
from marketplace.services.price_sheets import Upload, activate_sheet, ingest_sheet

CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoVendor:
    """What one demo vendor carries and its (invented) terms. ``regions`` None: everywhere."""

    name: str
    carries: frozenset[str]  # categories
    infant_food: bool  # whether it carries the infant items that are food
    markup: tuple[float, float]
    fee: str
    free_over: str | None
    min_order: str | None
    every_region: bool


DEMO_VENDORS = [
    DemoVendor("North Star Dairy & Foods", frozenset({"food"}), True, (0.84, 0.94), "35.00", "400.00",
               "150.00", False),
    DemoVendor("Prairie Clean Supply", frozenset({"cleaning", "paper"}), False, (0.76, 0.88), "25.00",
               "250.00", "100.00", False),
    DemoVendor("Lakes Classroom Supply", frozenset({"classroom", "paper", "infant"}), False, (0.74, 0.90),
               "15.00", "150.00", None, True),
]


def seed_catalog(context: Any) -> None:
    """Categories and items from the staples (missing ones only; items already there are kept)."""
    add_staples(context.session, context.alliance.id)


def seed_vendor_offers(context: Any) -> None:
    """Delivery terms and one active synthetic price sheet per demo vendor (once)."""
    session: Session = context.session
    regions = sorted(set(session.scalars(
        select(Site.region_code).join(Organization, Organization.id == Site.organization_id)
        .where(Organization.alliance_id == context.alliance.id, Site.active.is_(True)))))
    staples = load_staples()
    for spec in DEMO_VENDORS:
        vendor = session.scalar(select(Organization).where(
            Organization.alliance_id == context.alliance.id, Organization.name == spec.name,
            Organization.kind == OrgKind.VENDOR))
        if vendor is None:
            continue
        _terms(session, vendor, spec, regions)
        if session.scalar(select(PriceSheet.id).where(PriceSheet.organization_id == vendor.id).limit(1)):
            continue
        user = session.scalar(select(User).where(User.organization_id == vendor.id).order_by(User.id))
        offers = demo_offers(spec, staples)
        filename = f"demo-{vendor.name.split()[0].lower()}-synthetic-tiers-on-real-base-prices.csv"
        sheet = ingest_sheet(session, vendor, Upload(offers_to_csv(offers), filename), uploaded_by=user)
        if sheet.error_count:
            raise RuntimeError(f"the demo sheet of {vendor.name} does not validate: {sheet.errors[:3]}")
        # In force from the start of the demo's history (its past cycles are priced with them).
        activate_sheet(session, sheet, activated_by=user, today=getattr(context, "history_from", None))


def _terms(session: Session, vendor: Organization, spec: DemoVendor, regions: list[str]) -> None:
    if session.scalar(select(DeliveryTerms.id).where(DeliveryTerms.organization_id == vendor.id)):
        return
    session.add(DeliveryTerms(
        organization_id=vendor.id, regions=None if spec.every_region else regions,
        delivery_fee=Decimal(spec.fee), free_delivery_over=_money(spec.free_over),
        min_order=_money(spec.min_order)))
    session.flush()


def _money(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def demo_offers(spec: DemoVendor, staples: list[Staple]) -> list[OfferRecord]:
    """The vendor's offers: one SKU per carried staple in its largest typical pack, plus a
    single-pack SKU where the staple also sells by smaller packs. Synthetic tiers."""
    prefix = "".join(word[0] for word in spec.name.split() if word[0].isalpha())[:3].upper()
    offers: list[OfferRecord] = []
    for staple in staples:
        if not _carries(spec, staple):
            continue
        rng = random.Random(f"{spec.name}|{staple.id}")
        packs = sorted(set(staple.pack_sizes)) or [1]
        chosen = [packs[-1]] + ([packs[0]] if len(packs) > 1 and rng.random() < 0.35 else [])
        for pack in chosen:
            offers.append(_offer(prefix, staple, pack, rng, spec, len(offers) + 2))
    return offers


def _carries(spec: DemoVendor, staple: Staple) -> bool:
    if staple.category == "infant":
        is_food = "cacfp_creditable" in staple.attributes
        return spec.infant_food if is_food else "infant" in spec.carries
    return staple.category in spec.carries


def _offer(prefix: str, staple: Staple, pack: int, rng: random.Random, spec: DemoVendor,
           row: int) -> OfferRecord:
    markup = Decimal(str(round(rng.uniform(*spec.markup), 3)))
    first = (staple.base_price_2026 * pack * markup).quantize(CENT, rounding=ROUND_HALF_UP)
    first = max(first, CENT)
    tiers = [Tier(1, first)]
    breaks = rng.choice([(10,), (10, 40), (5, 25), (20, 80)])
    for step, min_packs in enumerate(breaks, start=1):
        cut = Decimal(str(round(rng.uniform(0.03, 0.06) * step, 3)))
        price = (first * (1 - cut)).quantize(CENT, rounding=ROUND_HALF_UP)
        if CENT <= price < tiers[-1].price:
            tiers.append(Tier(min_packs, price))
    unit = staple.unit
    what = f"{staple.name}, pack of {pack} {unit}" if pack > 1 else f"{staple.name}, 1 {unit}"
    sku = f"{prefix}-{staple.id.upper()}-{pack}"[:64]
    return OfferRecord(vendor_sku=sku, item=staple.id, description=what[:500], pack_size=Decimal(pack),
                       unit=unit, discount="incremental" if rng.random() < 0.15 else "all_units",
                       tiers=tuple(tiers), row=row)
