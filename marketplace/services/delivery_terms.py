"""Vendors' delivery terms: regions served, fee per drop, free delivery over, minimum order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.errors import ValidationError
from marketplace.models import DeliveryTerms, Organization, Role, Site, User
from marketplace.services.audit import record_event
from marketplace.services.catalog import is_price, json_snapshot
from marketplace.services.price_sheets import get_vendor
from marketplace.services.scope import require_role, scoped_select

REGION = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
MAX_REGIONS = 2000
MAX_AMOUNT = Decimal("1000000")
_SEPARATORS = re.compile(r"[\s,;]+")
_FIELDS = ["regions", "delivery_fee", "free_delivery_over", "min_order", "accepts_cxml"]


@dataclass(frozen=True)
class TermsInput:
    """What a vendor types. ``regions`` is free text: codes separated by commas, spaces or lines."""

    regions: str
    every_region: bool
    delivery_fee: Decimal | None
    free_delivery_over: Decimal | None
    min_order: Decimal | None
    accepts_cxml: bool = False  # purchase orders also as cXML OrderRequest documents


def parse_regions(text: str) -> tuple[list[str], list[str]]:
    """(region codes, upper-cased and without repeats, in the order typed; the codes refused)."""
    codes: list[str] = []
    bad: list[str] = []
    for token in _SEPARATORS.split(text.upper()):
        if not token:
            continue
        (codes if REGION.match(token) else bad).append(token)
    return list(dict.fromkeys(codes)), bad


def check_terms_input(data: TermsInput) -> dict[str, str]:
    """Every problem with ``data``, by field name."""
    errors: dict[str, str] = {}
    codes, bad = parse_regions(data.regions)
    if not data.every_region:
        if bad:
            shown = ", ".join(bad[:5]) + (" ..." if len(bad) > 5 else "")
            errors["regions"] = (f"These are not region codes: {shown}. Use ZIP codes or county "
                                 "codes (letters, digits, dashes), like 55379 or MN-SCOTT.")
        elif not codes:
            errors["regions"] = "List the ZIP codes or counties you deliver to, or tick every region."
        elif len(codes) > MAX_REGIONS:
            errors["regions"] = f"List at most {MAX_REGIONS} regions."
    for name in ("delivery_fee", "free_delivery_over", "min_order"):
        value = getattr(data, name)
        if value is not None and value != 0 and not is_price(value, MAX_AMOUNT, places=2):
            errors[name] = "Enter an amount in dollars and cents, like 25 or 25.00 (0 or more)."
    return errors


def get_delivery_terms(session: Session, actor: User, vendor_id: int) -> DeliveryTerms | None:
    """The vendor's terms, or None while it has not set any (its offers cannot be used then)."""
    vendor = get_vendor(session, actor, vendor_id)
    return session.scalar(scoped_select(actor, DeliveryTerms, DeliveryTerms.organization_id == vendor.id))


def update_delivery_terms(session: Session, actor: User, vendor_id: int, data: TermsInput) -> DeliveryTerms:
    """Set a vendor's terms (the vendor itself or its hub)."""
    vendor = get_vendor(session, actor, vendor_id)
    require_role(actor, Role.VENDOR, Role.HUB_MANAGER)
    errors = check_terms_input(data)
    if errors:
        raise ValidationError(field_errors=errors)
    terms = session.scalar(select(DeliveryTerms).where(DeliveryTerms.organization_id == vendor.id))
    before = json_snapshot(terms, _FIELDS) if terms is not None else None
    if terms is None:
        terms = DeliveryTerms(organization_id=vendor.id)
        session.add(terms)
    apply_terms(terms, data)
    terms.updated_by_id = actor.id
    session.flush()
    after = json_snapshot(terms, _FIELDS)
    if after != before:
        record_event(session, actor, "delivery_terms.updated", terms, alliance_id=vendor.alliance_id,
                     before=before, after=after)
    session.commit()
    return terms


def apply_terms(terms: DeliveryTerms, data: TermsInput) -> None:
    terms.regions = None if data.every_region else parse_regions(data.regions)[0]
    terms.delivery_fee = data.delivery_fee or Decimal(0)
    terms.free_delivery_over = data.free_delivery_over
    terms.min_order = data.min_order
    terms.accepts_cxml = data.accepts_cxml


@dataclass(frozen=True)
class Coverage:
    """Which of the alliance's delivery regions (where active sites are) a vendor serves."""

    served: list[str]
    not_served: list[str]


def region_coverage(session: Session, actor: User, terms: DeliveryTerms | None) -> Coverage:
    """Coverage of the alliance's site regions by ``terms`` (hub only: vendors do not see sites)."""
    require_role(actor, Role.HUB_MANAGER)
    regions = sorted(set(session.scalars(scoped_select(actor, Site, Site.active.is_(True))
                                         .with_only_columns(Site.region_code))))
    if terms is None:
        return Coverage([], regions)
    if terms.regions is None:
        return Coverage(regions, [])
    offered = set(terms.regions)
    return Coverage([r for r in regions if r in offered], [r for r in regions if r not in offered])


def vendors_terms(session: Session, actor: User) -> dict[int, DeliveryTerms]:
    """Vendor organization id -> its terms, for the vendors ``actor`` may see."""
    rows = session.scalars(scoped_select(actor, DeliveryTerms).join(
        Organization, Organization.id == DeliveryTerms.organization_id))
    return {terms.organization_id: terms for terms in rows}
