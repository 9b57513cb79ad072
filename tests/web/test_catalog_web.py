"""The catalog pages: everyone in the alliance browses, only the hub edits."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from marketplace.models import AuditEvent, Item
from tests.factories import make_category, make_item


def text(response):
    return html.unescape(response.get_data(as_text=True))


def item_links(page):
    return re.findall(r'<a href="/catalog/items/\d+">([^<]+)</a>', page)


def test_browse_search_filter_and_page(session, world, make_client):
    alliance = world.hub.organization.alliance
    food, paper = make_category(session, alliance), make_category(session, alliance, "paper", "Paper")
    for n in range(55):
        make_item(session, food, f"apple-{n:02d}", name=f"Apples {n:02d}", unit="lb")
    make_item(session, paper, "towels-roll", name="Paper towels", unit="roll", cacfp_creditable=False)
    make_item(session, food, "peanut-butter-lb", name="Peanut butter", unit="lb", peanut_free=False)
    director = make_client(world.dx)
    first = text(director.get("/catalog"))
    assert len(item_links(first)) == 50 and "Page 1 of 2" in first
    second = text(director.get("/catalog?page=2"))
    assert item_links(second) == ["Apples 50", "Apples 51", "Apples 52", "Apples 53", "Apples 54", "Peanut butter",
                                  "Paper towels"]
    assert item_links(text(director.get("/catalog?q=towel"))) == ["Paper towels"]
    assert item_links(text(director.get("/catalog?category=paper"))) == ["Paper towels"]
    assert item_links(text(director.get("/catalog?q=apples+07"))) == ["Apples 07"]
    assert "Add an item" not in first
    assert item_links(text(make_client(world.dz).get("/catalog"))) == []
    assert director.get("/catalog?page=abc&attribute=nonsense&q=%00").status_code == 200


def test_hub_adds_and_edits_items_others_may_not(session, world, make_client):
    food = make_category(session, world.hub.organization.alliance)
    hub = make_client(world.hub)
    form = {"slug": "yogurt-cup", "name": "Yogurt cup, 4 oz", "unit": "Each", "category_id": str(food.id),
            "reference_price": "$0.62", "cacfp_creditable": "y", "peanut_free": "y", "active": "y"}
    response = hub.post("/catalog/items/new", form)
    assert response.status_code == 302
    item = session.scalar(select(Item).where(Item.slug == "yogurt-cup"))
    assert (item.unit, str(item.reference_price), item.peanut_free, item.infant) == ("each", "0.6200", True, False)
    page = text(hub.get(response.headers["Location"]))
    assert "Yogurt cup, 4 oz" in page and "CACFP-creditable, Peanut-free" in page and "$0.62 per each" in page

    refused = hub.post("/catalog/items/new", {**form, "reference_price": "12.3.4", "slug": "Bad Id"})
    assert refused.status_code == 422
    assert "Enter an amount in dollars" in text(refused)
    duplicate = hub.post("/catalog/items/new", form)
    assert duplicate.status_code == 422 and "Another item already has this id" in text(duplicate)

    edited = hub.post(f"/catalog/items/{item.id}/edit", {**form, "name": "Yogurt, 4 oz cup", "infant": "y"})
    assert edited.status_code == 302
    session.expire_all()
    assert (item.name, item.infant, item.slug) == ("Yogurt, 4 oz cup", True, "yogurt-cup")
    assert session.scalar(select(AuditEvent.before).where(AuditEvent.action == "item.updated"))["infant"] is False

    for who in ("dx", "vendor"):
        client = make_client(getattr(world, who))
        assert client.get("/catalog/items/new").status_code == 403
        assert client.get(f"/catalog/items/{item.id}/edit").status_code == 403
        assert client.post(f"/catalog/items/{item.id}/edit", {**form, "name": "Hacked"}).status_code == 403
        assert client.get(f"/catalog/items/{item.id}").status_code == 200
    session.expire_all()
    assert item.name == "Yogurt, 4 oz cup"


def test_item_ids_download_for_vendors(session, world, make_client):
    food = make_category(session, world.hub.organization.alliance)
    make_item(session, food, "milk-whole-gal", name="Milk, whole")
    response = make_client(world.vendor).get("/catalog/items.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("item,name,unit,category") and lines[1].startswith('milk-whole-gal,"Milk, whole",gal')


def test_a_new_hub_starts_its_catalog_from_categories_and_the_reference_staples(session, world, make_client):
    hub = make_client(world.hub)
    assert "The catalog is empty" in text(hub.get("/catalog"))
    assert hub.post("/catalog/categories", {"name": "  Art   supplies "}).status_code == 302
    assert "art-supplies" in text(hub.get("/catalog/categories"))
    again = hub.post("/catalog/categories", {"name": "ART SUPPLIES"})
    assert again.status_code == 422 and "There is already a category 'Art supplies'" in text(again)
    added = text(hub.post("/catalog/staples", follow_redirects=True))
    assert re.search(r"1[0-9]{2} reference staples added", added)
    assert "The catalog already has every reference staple" in text(hub.post("/catalog/staples", follow_redirects=True))
    milk = session.scalar(select(Item).where(Item.slug == "milk-whole-gal", Item.alliance_id == food_alliance(world)))
    assert milk.unit == "gal" and milk.reference_price > 0 and milk.category.slug == "food"
    for who in ("dx", "vendor"):
        client = make_client(getattr(world, who))
        assert client.get("/catalog/categories").status_code == 403
        assert client.post("/catalog/staples").status_code == 403
    assert session.scalar(select(func.count(Item.id)).where(Item.alliance_id != food_alliance(world))) == 0
    assert "Art supplies" not in text(make_client(world.other_hub).get("/catalog/categories"))


def food_alliance(world):
    return world.hub.organization.alliance_id
