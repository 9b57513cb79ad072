"""The vendor's journey through the pages: template, upload with errors, fix, diff, activate."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from marketplace.models import Item, Offer, OrgKind, PriceSheet, SheetStatus
from tests.factories import (
    build_catalog_world,
    make_item,
    make_organization,
    make_price_sheet,
    make_user,
    sheet_csv,
)


def milk(sku="NS-MILK-4", price="15.96", **changes):
    return {"vendor_sku": sku, "item": "milk-whole-gal", "description": "Whole milk, case of 4",
            "pack_size": 4, "unit": "gal", "tier1_min_packs": 1, "tier1_price": price,
            "tier2_min_packs": 10, "tier2_price": "14.80", **changes}


def eggs(sku="NS-EGGS-15", price="40.00", **changes):
    return {"vendor_sku": sku, "item": "eggs-large-dozen", "pack_size": 15, "unit": "dozen",
            "tier1_min_packs": 1, "tier1_price": price, **changes}


def post_file(client, data, name="prices.csv", **fields):
    return client.post("/price-sheets/upload", {"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def text(response):
    return html.unescape(response.get_data(as_text=True))


def error_rows(page):
    table = re.search(r'<table class="table" id="errors">(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td><td>(?:<code>([^<]*)</code>)?</td><td>([^<]*)</td>', table)
    return [(row, column, message) for row, column, message in cells]


@pytest.fixture
def shop(session, world):
    cat = build_catalog_world(session, world)  # milk-whole-gal and vendor V's validated sheet
    make_item(session, cat.category, "eggs-large-dozen", name="Eggs, large", unit="dozen")
    return cat


def test_vendor_journey_from_template_to_activation_and_the_hub_sees_the_offers(session, world, shop,
                                                                                  make_client):
    vendor = make_client(world.vendor)
    template = vendor.get("/price-sheets/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    rows = list(csv.DictReader(template.get_data().decode("utf-8-sig").splitlines()))
    assert rows[0]["item"] == "milk-whole-gal" and rows[0]["tier1_price"]
    book = openpyxl.load_workbook(io.BytesIO(vendor.get("/price-sheets/template.xlsx").get_data()))
    assert [c.value for c in book.worksheets[0][1]][:3] == ["vendor_sku", "item", "description"]

    bad = sheet_csv([milk(), eggs(price="abc"), milk("NS-MILK-2", item="milk-whole", unit="lb"),
                     eggs("NS-EGGS-2", tier2_min_packs=5, tier2_price="41.00")])
    response = post_file(vendor, bad, "march.csv")
    assert response.status_code == 302
    page = text(vendor.get(response.headers["Location"]))
    assert "nothing was imported" in page
    assert error_rows(page) == [
        ("3", "tier1_price", "not a number: 'abc'"),
        ("4", "item", "unknown item 'milk-whole'; did you mean 'milk-whole-gal'?"),
        ("5", "tier2_price", "tier2_price 41.00 is higher than tier1_price 40.00: a price must not rise with volume"),
    ]
    assert session.scalar(select(func.count(Offer.id)).join(PriceSheet).where(
        PriceSheet.filename == "march.csv")) == 0

    fixed = sheet_csv([milk(price="16.50"), eggs(), eggs("NS-EGGS-2", tier2_min_packs=5, tier2_price="39.00")])
    response = post_file(vendor, fixed, "march-fixed.csv")
    sheet = session.scalar(select(PriceSheet).where(PriceSheet.filename == "march-fixed.csv"))
    assert sheet.status is SheetStatus.VALIDATED and response.headers["Location"].endswith(f"/{sheet.id}")
    page = text(vendor.get(f"/price-sheets/{sheet.id}"))
    assert "Activate these prices" in page and "Your first price sheet" in page
    activated = vendor.post(f"/price-sheets/{sheet.id}/activate", follow_redirects=True)
    assert "Version 1 is active" in text(activated)

    second = sheet_csv([milk(price="18.15"), eggs("NS-EGGS-NEW", price="38.00")])
    response = post_file(vendor, second, "april.csv")
    page = text(vendor.get(response.headers["Location"]))
    assert "Changes against your active prices (march-fixed.csv)" in page
    changes = re.search(r'<table class="table" id="changes">(.*?)</table>', page, re.S).group(1)
    assert "NS-MILK-4" in changes and "$16.50" in changes and "$18.15" in changes and "+10.0 %" in changes
    assert "NS-EGGS-2" in changes and "Dropped" in changes and "NS-EGGS-NEW" in changes and "New" in changes
    april = session.scalar(select(PriceSheet).where(PriceSheet.filename == "april.csv"))
    hub = make_client(world.hub)
    assert "+10.0 %" in text(hub.get(f"/price-sheets/{april.id}"))  # the hub previews the diff too
    vendor.post(f"/price-sheets/{april.id}/activate")

    offers_page = text(hub.get("/offers?q=milk"))
    assert "NS-MILK-4" in offers_page and "$18.15" in offers_page and "$16.50" not in offers_page
    eggs_id = session.scalar(select(Item.id).where(Item.slug == "eggs-large-dozen"))
    item_page = text(hub.get(f"/catalog/items/{eggs_id}"))
    assert "NS-EGGS-NEW" in item_page and "NS-EGGS-15" not in item_page and "$38.00" in item_page
    vendors_page = text(hub.get("/vendors"))
    assert "v2 since" in vendors_page
    versions = text(hub.get(f"/vendors/{world.vendor_org.id}"))
    assert "april.csv" in versions and "march-fixed.csv" in versions


def test_another_vendor_and_directors_cannot_see_a_sheet(session, world, shop, make_client):
    other = make_user(session, make_organization(session, world.hub.organization.alliance, OrgKind.VENDOR,
                                                 "Vendor B"))
    url = f"/price-sheets/{shop.sheet.id}"
    for user in (other, world.dx, world.other_hub):
        client = make_client(user)
        response = client.get(url)
        assert response.status_code == 404 and "SECRET-prices" not in response.get_data(as_text=True)
        assert client.post(f"{url}/activate").status_code == 404
    assert make_client(other).get("/price-sheets").status_code == 200
    assert "SECRET-prices.csv" not in text(make_client(other).get("/price-sheets"))
    for page in ("/price-sheets", "/vendors", "/offers", "/price-sheets/upload"):
        assert make_client(world.dx).get(page).status_code == 403
    session.expire_all()
    assert session.get(PriceSheet, shop.sheet.id).status is SheetStatus.VALIDATED


def test_bad_uploads_get_clear_answers_never_a_500(session, world, shop, make_client):
    vendor = make_client(world.vendor)
    assert vendor.post("/price-sheets/upload", {}).status_code == 422
    too_big = post_file(vendor, b"x" * (300 * 1024))
    assert too_big.status_code == 413 and "larger than the limit" in text(too_big)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    hostile = {
        "bomb.xlsx": (bomb.getvalue(), "zip bomb"),
        "scan.pdf": (b"%PDF-1.4 not a sheet", "PDF"),
        "formula.csv": (sheet_csv([milk(description="=cmd|' /C calc'!A0")]), "formula"),
        "empty.csv": (b"", "empty"),
        "binary.csv": (bytes(range(256)) * 4, "binary"),
    }
    for name, (data, expected) in hostile.items():
        response = post_file(vendor, data, name)
        assert response.status_code == 302, name
        page = text(vendor.get(response.headers["Location"]))
        assert "nothing was imported" in page, name
        assert expected.lower() in page.lower(), (name, error_rows(page))
    assert session.scalar(select(func.count(Offer.id))) == 1  # the fixture's own sheet


def test_the_hub_uploads_a_sheet_for_a_vendor(session, world, shop, make_client):
    hub = make_client(world.hub)
    form = text(hub.get(f"/price-sheets/upload?vendor={world.vendor_org.id}"))
    chosen = re.search(r"<option([^>]*)>SECRET-Vendor-V</option>", form).group(1)
    assert "selected" in chosen and f'value="{world.vendor_org.id}"' in chosen
    assert post_file(hub, sheet_csv([milk()])).status_code == 422  # no vendor chosen
    response = post_file(hub, sheet_csv([milk()]), "by-email.csv", vendor_id=str(world.vendor_org.id))
    assert response.status_code == 302
    sheet = session.scalar(select(PriceSheet).where(PriceSheet.filename == "by-email.csv"))
    assert sheet.organization_id == world.vendor_org.id and sheet.uploaded_by_id == world.hub.id


def test_errors_page_through_a_long_table(session, world, shop, make_client):
    rows = [milk(f"SKU-{n}", price="abc") for n in range(250)]
    sheet = make_price_sheet(session, world.vendor_org, rows, uploaded_by=world.vendor)
    assert sheet.error_count == 250
    vendor = make_client(world.vendor)
    first = error_rows(text(vendor.get(f"/price-sheets/{sheet.id}")))
    second = error_rows(text(vendor.get(f"/price-sheets/{sheet.id}?page=2")))
    assert len(first) == 200 and len(second) == 50
    assert first[0][0] == "2" and second[-1][0] == "251"


def test_vendor_keeps_its_delivery_terms_and_the_hub_sees_coverage(session, world, shop, make_client):
    vendor = make_client(world.vendor)
    url = f"/vendors/{world.vendor_org.id}/terms"
    assert "55372" in text(vendor.get(url))
    refused = vendor.post(url, {"regions": "55372, not a zip!", "delivery_fee": "abc"})
    assert refused.status_code == 422
    page = text(refused)
    assert "Enter an amount in dollars" in page and "These are not region codes" in page
    saved = vendor.post(url, {"regions": "55372\n55379", "delivery_fee": "$35", "free_delivery_over": "1,250.00",
                              "min_order": "150", "accepts_cxml": "y"})
    assert saved.status_code == 302
    session.expire_all()
    shop_terms = shop.terms
    session.refresh(shop_terms)
    assert (shop_terms.regions, str(shop_terms.delivery_fee), str(shop_terms.free_delivery_over)) == (
        ["55372", "55379"], "35.00", "1250.00")
    assert shop_terms.accepts_cxml and "PDF and CSV, cXML" in text(vendor.get(f"/vendors/{world.vendor_org.id}"))
    hub_page = text(make_client(world.hub).get(f"/vendors/{world.vendor_org.id}"))
    assert "Delivers to every region where the alliance has a site" in hub_page
    assert "$1,250.00 or more" in hub_page
    assert "where the alliance has a site" not in text(vendor.get(f"/vendors/{world.vendor_org.id}"))


def test_sheet_offers_page_searches_and_pages(session, world, shop, make_client):
    sheet = make_price_sheet(session, world.vendor_org, [milk(f"SKU-{n:03d}") for n in range(60)] + [eggs()],
                             uploaded_by=world.vendor)
    vendor = make_client(world.vendor)
    page = text(vendor.get(f"/price-sheets/{sheet.id}/offers"))
    assert "SKU-000" in page and "SKU-049" in page and "SKU-050" not in page and "Page 1 of 2" in page
    assert "SKU-059" in text(vendor.get(f"/price-sheets/{sheet.id}/offers?page=2"))
    found = text(vendor.get(f"/price-sheets/{sheet.id}/offers?q=eggs"))
    assert "NS-EGGS-15" in found and "SKU-000" not in found
