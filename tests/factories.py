"""Factories: they add and flush, never commit (the test's transaction is rolled back)."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from marketplace.models import (
    ROLE_FOR_KIND,
    Alliance,
    Category,
    DeliveryTerms,
    Item,
    Organization,
    OrgKind,
    PriceSheet,
    Site,
    User,
)
from marketplace.services import passwords
from marketplace.services.invitations import IssuedInvitation, invite_user
from marketplace.services.price_sheets import Upload, activate_sheet, ingest_sheet
from marketplace.services.tokens import TokenSigner

PASSWORD = "correct-horse-battery"
TEST_SECRET = "test-secret-key-with-enough-entropy-0123456789"
_numbers = itertools.count(1)


def _n() -> int:
    return next(_numbers)


def make_alliance(session: Session, name: str | None = None) -> Alliance:
    alliance = Alliance(name=name or f"Alliance {_n()}")
    session.add(alliance)
    session.flush()
    return alliance


def make_organization(session: Session, alliance: Alliance, kind: OrgKind = OrgKind.MEMBER,
                      name: str | None = None, **values: Any) -> Organization:
    organization = Organization(alliance=alliance, kind=kind, name=name or f"{kind.value.title()} {_n()}",
                                **values)
    session.add(organization)
    session.flush()
    return organization


def make_user(session: Session, organization: Organization, *, email: str | None = None,
              name: str | None = None, password: str = PASSWORD, **values: Any) -> User:
    number = _n()
    user = User(organization=organization, role=ROLE_FOR_KIND[organization.kind],
                email=email or f"user{number}@example.org", name=name or f"User {number}",
                password_hash=passwords.hash_password(password), **values)
    session.add(user)
    session.flush()
    return user


def make_site(session: Session, organization: Organization, **values: Any) -> Site:
    number = _n()
    defaults: dict[str, Any] = {"name": f"Site {number}", "city": "Shakopee", "zip_code": "55379",
                                "region_code": "55379", "licensed_capacity": 80}
    site = Site(organization=organization, **(defaults | values))
    session.add(site)
    session.flush()
    return site


@dataclass
class World:
    """Two alliances. In A: hub manager ``hub``, members X and Y with directors ``dx`` and
    ``dy`` and a site each, vendor V with user ``vendor``, a pending invitation into X.
    In B: hub manager ``other_hub`` and member Z with director ``dz``. Names contain
    markers (``SECRET-...``) that must never appear on a page of someone who may not see them."""

    hub: User
    dx: User
    dy: User
    vendor: User
    other_hub: User
    dz: User
    member_x: Organization
    member_y: Organization
    vendor_org: Organization
    site_x: Site
    site_y: Site
    site_z: Site
    invitation: IssuedInvitation
    signer: TokenSigner


def build_world(session: Session, signer: TokenSigner | None = None) -> World:
    signer = signer or TokenSigner(TEST_SECRET, 7 * 24 * 3600)
    a, b = make_alliance(session, "Alliance A"), make_alliance(session, "Alliance B")
    hub = make_user(session, make_organization(session, a, OrgKind.HUB, "Hub A"), name="Hannah Hub")
    member_x = make_organization(session, a, name="SECRET-Member-X")
    member_y = make_organization(session, a, name="Member Y")
    vendor_org = make_organization(session, a, OrgKind.VENDOR, "SECRET-Vendor-V")
    dx = make_user(session, member_x, email="dx-secret@example.org", name="SECRET-Director-X")
    dy = make_user(session, member_y, email="dy@example.org", name="Director Y")
    vendor = make_user(session, vendor_org, email="vendor-secret@example.org", name="SECRET-Vendor-User")
    other_hub = make_user(session, make_organization(session, b, OrgKind.HUB, "Hub B"), name="Bob Hub")
    member_z = make_organization(session, b, name="SECRET-Member-Z")
    dz = make_user(session, member_z, email="dz-secret@example.org", name="SECRET-Director-Z")
    site_x = make_site(session, member_x, name="SECRET-Site-X", zip_code="55372", region_code="55372")
    site_y = make_site(session, member_y, name="Site Y")
    site_z = make_site(session, member_z, name="SECRET-Site-Z", city="Faribault", zip_code="55021",
                       region_code="55021")
    invitation = invite_user(session, hub, signer, member_x.id, email="invitee-secret@example.org",
                             name="SECRET-Invitee")
    return World(hub, dx, dy, vendor, other_hub, dz, member_x, member_y, vendor_org,
                 site_x, site_y, site_z, invitation, signer)


# ---------------------------------------------------------------- catalog and price sheets

SHEET_HEADER = ["vendor_sku", "item", "description", "pack_size", "unit", "discount",
                "tier1_min_packs", "tier1_price", "tier2_min_packs", "tier2_price", "max_packs",
                "valid_from", "valid_to"]


def make_category(session: Session, alliance: Alliance, slug: str = "food", name: str = "Food") -> Category:
    category = Category(alliance=alliance, slug=slug, name=name)
    session.add(category)
    session.flush()
    return category


def make_item(session: Session, category: Category, slug: str | None = None, *, unit: str = "gal",
              **values: Any) -> Item:
    number = _n()
    defaults: dict[str, Any] = {"name": f"Item {number}", "cacfp_creditable": True}
    item = Item(alliance_id=category.alliance_id, category=category, slug=slug or f"item-{number}",
                unit=unit, **(defaults | values))
    session.add(item)
    session.flush()
    return item


def sheet_csv(rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    """A CSV price sheet: ``rows`` are cells by column name (missing ones are empty)."""
    header = header or SHEET_HEADER
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[str(row.get(name, "")) for name in header] for row in rows])
    return out.getvalue().encode()


def make_terms(session: Session, vendor: Organization, regions: list[str] | None = None,
               **values: Any) -> DeliveryTerms:
    terms = DeliveryTerms(organization_id=vendor.id, regions=regions,
                          **({"delivery_fee": Decimal("25.00")} | values))
    session.add(terms)
    session.flush()
    return terms


def make_price_sheet(session: Session, vendor: Organization, rows: list[dict[str, Any]], *,
                     filename: str = "prices.csv", activate: bool = False,
                     uploaded_by: User | None = None) -> PriceSheet:
    """A sheet through the real intake (validated or rejected), activated when asked."""
    sheet = ingest_sheet(session, vendor, Upload(sheet_csv(rows), filename), uploaded_by=uploaded_by)
    if activate:
        activate_sheet(session, sheet, activated_by=uploaded_by)
    return sheet


@dataclass
class CatalogWorld:
    """World A's catalog: item ``SECRET-Item`` (milk, gal) and vendor V's validated sheet
    ``SECRET-prices.csv`` with terms; the objects the access matrix needs."""

    category: Category
    item: Item
    sheet: PriceSheet
    terms: DeliveryTerms


def build_catalog_world(session: Session, world: World) -> CatalogWorld:
    alliance = world.hub.organization.alliance
    category = make_category(session, alliance)
    item = make_item(session, category, "milk-whole-gal", name="SECRET-Item whole milk")
    terms = make_terms(session, world.vendor_org, ["55372", "55379"])
    sheet = make_price_sheet(session, world.vendor_org, [
        {"vendor_sku": "SECRET-SKU-1", "item": item.slug, "pack_size": 4, "unit": "gal",
         "tier1_min_packs": 1, "tier1_price": "15.96", "tier2_min_packs": 10, "tier2_price": "14.80"}],
        filename="SECRET-prices.csv", uploaded_by=world.vendor)
    return CatalogWorld(category, item, sheet, terms)
