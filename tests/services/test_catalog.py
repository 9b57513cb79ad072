"""The catalog service: the hub keeps items, everyone in the alliance browses them."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.errors import NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import AuditEvent, Item
from marketplace.services import catalog
from marketplace.services.catalog import ItemInput, check_item_input
from tests.factories import build_catalog_world, make_category, make_item, make_price_sheet


def item_input(category_id, **changes):
    values = {"slug": "yogurt-cup-each", "name": "Yogurt, low fat, 4 oz cup", "unit": "Each",
              "category_id": category_id, "attributes": frozenset({"cacfp_creditable", "peanut_free"}),
              "reference_price": Decimal("0.6250")}
    return ItemInput(**(values | changes))


def test_check_item_input_names_each_bad_field():
    assert check_item_input(item_input(1)) == {}
    errors = check_item_input(item_input(None, slug="Bad Slug!", name=" ", unit="2 gallons",
                                         attributes=frozenset({"gluten_free"}),
                                         reference_price=Decimal("0.12345")))
    assert set(errors) == {"slug", "name", "unit", "category_id", "attributes", "reference_price"}
    assert "reference_price" in check_item_input(item_input(1, reference_price=Decimal("-1")))
    assert "reference_price" in check_item_input(item_input(1, reference_price=Decimal("NaN")))
    assert check_item_input(item_input(1, reference_price=Decimal("1.50000"))) == {}


def test_hub_creates_an_item_with_a_canonical_unit_and_an_audit_event(session, world):
    food = make_category(session, world.hub.organization.alliance)
    item = catalog.create_item(session, world.hub, item_input(food.id))
    assert (item.slug, item.unit, item.reference_price) == ("yogurt-cup-each", "each", Decimal("0.6250"))
    assert item.cacfp_creditable and item.peanut_free and not item.infant
    assert item.attributes == ["CACFP-creditable", "Peanut-free"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "item.created"))
    assert event.object_id == item.id and event.actor_id == world.hub.id
    with pytest.raises(ValidationError) as duplicate:
        catalog.create_item(session, world.hub, item_input(food.id))
    assert "slug" in duplicate.value.field_errors


@pytest.mark.parametrize("who", ["dx", "vendor"])
def test_only_the_hub_edits_items(session, world, who):
    food = make_category(session, world.hub.organization.alliance)
    item = make_item(session, food, "milk-whole-gal", name="Milk")
    with pytest.raises(PermissionDeniedError):
        catalog.create_item(session, getattr(world, who), item_input(food.id))
    with pytest.raises(PermissionDeniedError):
        catalog.update_item(session, getattr(world, who), item.id, item_input(food.id, name="Changed"))
    assert session.scalar(select(Item.name).where(Item.id == item.id)) == "Milk"


def test_another_alliance_cannot_see_or_edit_an_item(session, world):
    food = make_category(session, world.hub.organization.alliance)
    item = make_item(session, food, "milk-whole-gal")
    with pytest.raises(NotFoundError):
        catalog.get_item(session, world.dz, item.id)
    with pytest.raises(NotFoundError):
        catalog.update_item(session, world.other_hub, item.id, item_input(food.id))
    assert catalog.search_items(session, world.other_hub).total == 0
    assert catalog.search_items(session, world.dx).total == 1


def test_update_keeps_the_id_and_refuses_a_new_unit_once_offers_use_the_item(session, world):
    cat = build_catalog_world(session, world)  # milk-whole-gal with vendor V's offer
    food = cat.category
    changed = catalog.update_item(session, world.hub, cat.item.id,
                                  item_input(food.id, slug="renamed", name="Whole milk", unit="gal"))
    assert (changed.slug, changed.name) == ("milk-whole-gal", "Whole milk")
    with pytest.raises(ValidationError) as refused:
        catalog.update_item(session, world.hub, cat.item.id, item_input(food.id, unit="qt"))
    assert "1 vendor offer" in refused.value.field_errors["unit"]
    unused = make_item(session, food, "juice-gal")
    assert catalog.update_item(session, world.hub, unused.id, item_input(food.id, unit="quarts")).unit == "qt"


def test_search_filters_and_pages(session, world):
    alliance = world.hub.organization.alliance
    food, cleaning = make_category(session, alliance), make_category(session, alliance, "cleaning", "Cleaning")
    for n in range(7):
        make_item(session, food, f"apple-{n}", name=f"Apples {n}", unit="lb")
    make_item(session, cleaning, "bleach-gal", name="Bleach", epa_registered=True, cacfp_creditable=False)
    make_item(session, food, "old-item", name="Apples discontinued", active=False)
    page = catalog.search_items(session, world.dx, search="apples", per_page=3, page=3)
    assert (page.total, page.pages, page.number, [i.slug for i in page.rows]) == (7, 3, 3, ["apple-6"])
    assert catalog.search_items(session, world.dx, search="apples", include_inactive=True).total == 8
    assert [i.slug for i in catalog.search_items(session, world.dx, category="cleaning").rows] == ["bleach-gal"]
    assert [i.slug for i in catalog.search_items(session, world.vendor, attribute="epa_registered").rows] == [
        "bleach-gal"]
    assert catalog.search_items(session, world.dx, search="100%_").total == 0
    past_the_end = catalog.search_items(session, world.dx, search="apples", per_page=3, page=99)
    assert past_the_end.number == 3


def test_catalog_csv_lists_active_items_and_neutralises_formulas(session, world):
    food = make_category(session, world.hub.organization.alliance)
    make_item(session, food, "milk-whole-gal", name="Milk, whole", peanut_free=True)
    make_item(session, food, "evil", name="=HYPERLINK(\"http://x\")")
    make_item(session, food, "gone", name="Gone", active=False)
    rows = list(csv.DictReader(catalog.catalog_csv(session, world.vendor).decode("utf-8-sig").splitlines()))
    assert [r["item"] for r in rows] == ["evil", "milk-whole-gal"]
    assert rows[0]["name"].startswith("'=")
    assert rows[1]["unit"] == "gal" and rows[1]["peanut_free"] == "yes" and rows[1]["infant"] == ""


def test_catalog_refs_are_what_validation_needs(session, world):
    food = make_category(session, world.hub.organization.alliance)
    make_item(session, food, "milk-whole-gal", name="Milk")
    make_item(session, food, "gone", active=False)
    refs = catalog.catalog_refs(session, food.alliance_id)
    assert set(refs) == {"milk-whole-gal"} and tuple(refs["milk-whole-gal"]) == ("gal", "Milk")
    sheet = make_price_sheet(session, world.vendor_org, [
        {"vendor_sku": "A", "item": "gone", "pack_size": 1, "unit": "gal", "tier1_min_packs": 1,
         "tier1_price": "2.00"}])
    assert sheet.errors[0]["column"] == "item" and "unknown item 'gone'" in sheet.errors[0]["message"]
