"""Price sheets through the services: all or nothing, versions, diff, scope, terms, instances."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import utcnow
from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import (
    AuditEvent,
    Offer,
    OfferTier,
    OfferVersion,
    OrgKind,
    PriceSheet,
    SheetStatus,
)
from marketplace.services import delivery_terms, offers, price_sheets
from marketplace.services.delivery_terms import TermsInput, parse_regions
from marketplace.services.price_sheets import NO_ROWS, Upload
from marketplace.services.sheet_diff import diff_price_sheet
from optimizer.instance import load_instance
from tests.factories import (
    make_category,
    make_item,
    make_organization,
    make_price_sheet,
    make_terms,
    make_user,
    sheet_csv,
)

TODAY = date(2026, 3, 2)


def milk(sku="MILK-4", price="15.96", **changes):
    return {"vendor_sku": sku, "item": "milk-whole-gal", "description": "Whole milk, 4 x 1 gal",
            "pack_size": 4, "unit": "gal", "tier1_min_packs": 1, "tier1_price": price,
            "tier2_min_packs": 10, "tier2_price": "14.80", **changes}


def eggs(sku="EGGS-15", price="40.00", **changes):
    return {"vendor_sku": sku, "item": "eggs-large-dozen", "pack_size": 15, "unit": "dozen",
            "tier1_min_packs": 1, "tier1_price": price, **changes}


@pytest.fixture
def shop(session, world):
    """World A with a catalog (milk per gal, eggs per dozen) and a second vendor B."""
    food = make_category(session, world.hub.organization.alliance)
    make_item(session, food, "milk-whole-gal", name="Milk, whole", unit="gal")
    make_item(session, food, "eggs-large-dozen", name="Eggs, large", unit="dozen")
    vendor_b = make_organization(session, world.hub.organization.alliance, OrgKind.VENDOR, "Vendor B")
    return make_user(session, vendor_b)


def offer_count(session, sheet_id=None):
    query = select(func.count(Offer.id))
    if sheet_id is not None:
        query = query.where(Offer.price_sheet_id == sheet_id)
    return session.scalar(query)


def upload(session, actor, rows, name="prices.csv", **kwargs):
    return price_sheets.upload_price_sheet(session, actor, Upload(sheet_csv(rows), name), **kwargs)


def test_one_bad_row_stores_nothing_but_the_rejected_upload_with_every_error(session, world, shop):
    rows = [milk(), eggs(), milk("MILK-QT", unit="lb", tier1_price="abc"), eggs("EGGS-2", item="egs-large-dozen")]
    sheet = upload(session, world.vendor, rows, "SECRET-prices.csv")
    assert sheet.status is SheetStatus.INVALID and sheet.offer_count == 0 and sheet.row_count == 4
    assert offer_count(session) == 0
    assert [(e["row"], e["column"]) for e in sheet.errors] == [(4, "unit"), (4, "tier1_price"), (5, "item")]
    assert "did you mean 'eggs-large-dozen'" in sheet.errors[2]["message"]
    assert sheet.error_count == 3 and sheet.filename == "SECRET-prices.csv" and len(sheet.sha256) == 64
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "price_sheet.rejected"))
    assert event.object_id == sheet.id and event.after["errors"] == 3
    with pytest.raises(ConflictError):
        price_sheets.activate_price_sheet(session, world.vendor, sheet.id, today=TODAY)


def test_a_sheet_refused_only_by_its_last_row_leaves_no_offer_and_the_next_upload_works(session, world, shop):
    # Every row is good on its own until a late duplicate SKU: rows already sent are undone.
    rows = [milk(), eggs(), milk("MILK-QT", unit="qt", pack_size=8), eggs("milk-4")]
    sheet = upload(session, world.vendor, rows)
    assert (sheet.status, sheet.offer_count, offer_count(session)) == (SheetStatus.INVALID, 0, 0)
    assert sorted(e["row"] for e in sheet.errors) == [2, 5]
    again = upload(session, world.vendor, rows[:3])
    assert (again.status, again.offer_count, offer_count(session, again.id)) == (SheetStatus.VALIDATED, 3, 3)
    assert session.scalar(select(func.count(OfferTier.offer_id))) == 5
    assert session.scalar(select(func.count(PriceSheet.id))) == 2


def test_a_clean_sheet_stores_exact_offers_and_waits_for_activation(session, world, shop):
    rows = [milk(price="$1,234.5678", tier2_price="1,000.00", max_packs=500, discount="incremental"),
            eggs(price="0.0550"), milk("MILK-QT", unit="qt", pack_size=8)]
    sheet = upload(session, world.vendor, rows)
    assert (sheet.status, sheet.offer_count, sheet.error_count) == (SheetStatus.VALIDATED, 3, 0)
    stored = {o.vendor_sku: o for o in session.scalars(select(Offer).where(Offer.price_sheet_id == sheet.id))}
    first = stored["MILK-4"]
    assert [(t.min_packs, t.price) for t in first.tiers] == [(1, Decimal("1234.5678")), (10, Decimal("1000"))]
    assert (first.max_packs, first.discount.value, first.row_number) == (500, "incremental", 2)
    assert stored["EGGS-15"].tiers[0].price == Decimal("0.0550")
    assert (stored["MILK-QT"].pack_size, stored["MILK-QT"].sheet_pack_size, stored["MILK-QT"].sheet_unit) == (
        Decimal(2), Decimal(8), "qt")
    assert offers_for(session, world, TODAY).offers == []  # not in force until activated


def offers_for(session, world, day):
    return offers.offers_for_instance(session, world.hub.alliance_id, day)


def test_activation_makes_versions_that_follow_each_other_in_time(session, world, shop):
    make_terms(session, world.vendor_org, ["55372"])
    v1 = price_sheets.activate_price_sheet(session, world.vendor, upload(session, world.vendor, [milk()]).id,
                                           today=TODAY)
    assert (v1.number, v1.effective_from, v1.effective_to) == (1, TODAY, None)
    later = TODAY + timedelta(days=30)
    sheet2 = upload(session, world.vendor, [milk(price="16.50", valid_from=later.isoformat()), eggs(valid_from=later.isoformat())])
    v2 = price_sheets.activate_price_sheet(session, world.vendor, sheet2.id, today=TODAY)
    session.refresh(v1)
    assert (v2.number, v2.effective_from, v1.effective_to) == (2, later, later - timedelta(days=1))
    assert session.get(PriceSheet, v1.price_sheet_id).status is SheetStatus.SUPERSEDED
    assert [o["tiers"][0]["price"] for o in offers_for(session, world, TODAY).offers] == ["15.96"]
    assert [o["tiers"][0]["price"] for o in offers_for(session, world, later).offers] == ["16.5", "40"]
    assert offers_for(session, world, later).versions == [v2.id]
    v3 = price_sheets.activate_price_sheet(session, world.vendor, upload(session, world.vendor, [eggs()]).id,
                                           today=TODAY + timedelta(days=1))
    session.refresh(v1), session.refresh(v2)
    assert (v1.effective_to, v2.effective_to, v3.effective_to) == (TODAY, TODAY, None)
    assert not v2.in_force(later) and v3.in_force(later)
    assert price_sheets.version_in_force(session, world.vendor_org.id, TODAY).id == v1.id
    assert [v.number for v in price_sheets.list_versions(session, world.hub, world.vendor_org.id)] == [3, 2, 1]
    with pytest.raises(ConflictError):
        price_sheets.activate_price_sheet(session, world.vendor, sheet2.id, today=TODAY)


def test_a_past_start_date_starts_today(session, world, shop):
    sheet = upload(session, world.vendor, [milk(valid_from="2020-01-01")])
    version = price_sheets.activate_price_sheet(session, world.vendor, sheet.id, today=TODAY)
    assert version.effective_from == TODAY


def test_diff_against_the_active_version(session, world, shop):
    make_price_sheet(session, world.vendor_org, [milk(), eggs(), milk("GONE")], activate=True)
    sheet = upload(session, world.vendor, [milk(price="17.56"), eggs(pack_size=30, price="80.00"),
                                           milk("NEW", unit="qt", pack_size=4)])
    changes = diff_price_sheet(session, world.hub, sheet.id)
    assert (changes.count("new"), changes.count("dropped"), changes.count("changed")) == (1, 1, 2)
    assert [r.kind for r in changes.rows] == ["dropped", "new", "changed", "changed"]
    rise = changes.rows[2]
    assert (rise.vendor_sku, rise.old_price, rise.new_price, rise.percent) == (
        "MILK-4", Decimal("15.96"), Decimal("17.56"), Decimal("10.0"))
    bigger_pack = changes.rows[3]
    assert bigger_pack.pack_changed and bigger_pack.percent == Decimal("100.0") and bigger_pack.unit_percent == 0
    assert (changes.rises, changes.falls) == (1, 0)
    first = diff_price_sheet(session, world.hub, session.scalar(select(OfferVersion.price_sheet_id)))
    assert first.baseline is None and first.count("new") == 3


def test_nothing_to_import_and_unsafe_files_are_rejected_uploads(session, world, shop):
    empty = upload(session, world.vendor, [])
    assert empty.status is SheetStatus.INVALID and empty.errors[0]["message"] == NO_ROWS
    pdf = price_sheets.upload_price_sheet(session, world.vendor, Upload(b"%PDF-1.7 rest", "../../etc/passwd.csv"))
    assert pdf.status is SheetStatus.INVALID and pdf.errors[0]["row"] is None
    assert "PDF" in pdf.errors[0]["message"] and pdf.filename == "passwd.csv"


def test_vendors_see_only_their_own_sheets_and_directors_none(session, world, shop):
    sheet = upload(session, world.vendor, [milk()], "SECRET-prices.csv")
    for outsider in (shop, world.dx, world.other_hub, world.dz):
        with pytest.raises(NotFoundError):
            price_sheets.get_price_sheet(session, outsider, sheet.id)
        with pytest.raises(NotFoundError):
            diff_price_sheet(session, outsider, sheet.id)
        with pytest.raises((NotFoundError, PermissionDeniedError)):
            price_sheets.activate_price_sheet(session, outsider, sheet.id, today=TODAY)
        assert sheet.id not in [s.id for s in price_sheets.list_price_sheets(session, outsider).rows]
    assert price_sheets.get_price_sheet(session, world.hub, sheet.id).id == sheet.id
    assert session.get(PriceSheet, sheet.id).status is SheetStatus.VALIDATED


def test_the_hub_uploads_for_a_vendor_and_directors_cannot_upload(session, world, shop):
    sheet = upload(session, world.hub, [milk()], vendor_id=shop.organization_id)
    assert sheet.organization_id == shop.organization_id and sheet.uploaded_by_id == world.hub.id
    with pytest.raises(NotFoundError):
        upload(session, world.hub, [milk()], vendor_id=world.member_x.id)
    with pytest.raises(NotFoundError):
        upload(session, world.other_hub, [milk()], vendor_id=shop.organization_id)
    with pytest.raises(PermissionDeniedError):
        upload(session, world.dx, [milk()])


def test_offers_for_instance_is_a_valid_optimizer_fragment(session, world, shop):
    make_terms(session, world.vendor_org, ["55372"], free_delivery_over=Decimal("300.00"))
    make_price_sheet(session, world.vendor_org, [milk(max_packs=50), eggs(discount="incremental")], activate=True)
    make_price_sheet(session, shop.organization, [milk("B-MILK")], activate=True)  # no terms: left out
    found = offers_for(session, world, utcnow().date())
    assert found.without_terms == ["Vendor B"] and len(found.versions) == 1
    instance = load_instance({
        "members": [{"id": "m1"}], "sites": [{"id": "s1", "member": "m1", "region": "55372"}],
        "items": [{"id": "milk-whole-gal", "unit": "gal"}, {"id": "eggs-large-dozen", "unit": "dozen"}],
        "vendors": found.vendors, "offers": found.offers,
        "demands": [{"site": "s1", "item": "milk-whole-gal", "quantity": 40}]})
    assert instance.vendors[0].regions == {"55372"} and instance.vendors[0].free_delivery_over == Decimal(300)
    milk_offer = next(o for o in instance.offers if o.item == "milk-whole-gal")
    assert (milk_offer.pack_size, milk_offer.max_packs, milk_offer.tiers[1].price) == (4, 50, Decimal("14.80"))
    assert offers.offers_for_instance(session, world.hub.alliance_id, utcnow().date(), ["eggs-large-dozen"]).offers[0][
        "discount"] == "incremental"


def test_offer_tiers_are_stored_in_order(session, world, shop):
    header = ["vendor_sku", "item", "pack_size", "unit", "tier1_min_packs", "tier1_price", "tier2_min_packs",
              "tier2_price", "tier3_min_packs", "tier3_price"]
    data = sheet_csv([milk(tier3_min_packs=50, tier3_price="13.00")], header)
    stored = price_sheets.upload_price_sheet(session, world.vendor, Upload(data, "t.csv"))
    tiers = session.execute(select(OfferTier.position, OfferTier.min_packs, OfferTier.price)
                            .join(Offer).where(Offer.price_sheet_id == stored.id)
                            .order_by(OfferTier.position)).all()
    assert [tuple(t) for t in tiers] == [(1, 1, Decimal("15.96")), (2, 10, Decimal("14.80")), (3, 50, Decimal("13"))]


def test_delivery_terms_are_checked_kept_and_audited(session, world, shop):
    assert parse_regions("55379, 55372\nmn-scott;55379 bad!code") == (["55379", "55372", "MN-SCOTT"], ["BAD!CODE"])
    good = TermsInput("55372 55379", False, Decimal("25.00"), Decimal("300"), None)
    terms = delivery_terms.update_delivery_terms(session, world.vendor, world.vendor_org.id, good)
    assert (terms.regions, terms.delivery_fee, terms.min_order) == (["55372", "55379"], Decimal("25.00"), None)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_terms.updated")).after[
        "delivery_fee"] == "25.00"
    with pytest.raises(ValidationError) as refused:
        delivery_terms.update_delivery_terms(session, world.vendor, world.vendor_org.id,
                                             TermsInput("", False, Decimal("-1"), None, Decimal("0.001")))
    assert set(refused.value.field_errors) == {"regions", "delivery_fee", "min_order"}
    for outsider in (shop, world.dx, world.other_hub):
        with pytest.raises((NotFoundError, PermissionDeniedError)):
            delivery_terms.update_delivery_terms(session, outsider, world.vendor_org.id, good)
    everywhere = delivery_terms.update_delivery_terms(session, world.hub, world.vendor_org.id,
                                                      TermsInput("ignored", True, None, None, None))
    assert everywhere.regions is None and everywhere.delivery_fee == 0
    coverage = delivery_terms.region_coverage(session, world.hub, terms)
    assert coverage.served == ["55372", "55379"] and coverage.not_served == []
    with pytest.raises(PermissionDeniedError):
        delivery_terms.region_coverage(session, world.vendor, terms)


def test_an_xlsx_sheet_with_number_and_date_cells_is_stored_like_a_csv(session, world, shop):
    from catalog.records import OfferRecord, Tier
    from catalog.template import offers_to_xlsx

    record = OfferRecord(vendor_sku="X-MILK", item="milk-whole-gal", description="Milk", pack_size=Decimal(4),
                         unit="gal", discount="all_units", tiers=(Tier(1, Decimal("15.96")), Tier(10, Decimal("14.8"))),
                         valid_from=TODAY, row=2)
    sheet = price_sheets.upload_price_sheet(session, world.vendor, Upload(offers_to_xlsx([record]), "prices.xlsx"))
    assert (sheet.status, sheet.kind, sheet.offer_count) == (SheetStatus.VALIDATED, "xlsx", 1)
    offer = session.scalar(select(Offer).where(Offer.price_sheet_id == sheet.id))
    assert offer.valid_from == TODAY and [t.price for t in offer.tiers] == [Decimal("15.96"), Decimal("14.8")]
