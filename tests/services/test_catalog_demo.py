"""The demo catalog: real staples, three vendors with synthetic tiers, terms covering every site."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.reference import load_staples
from marketplace.db import utcnow
from marketplace.models import Item, Offer, OfferVersion, PriceSheet, SheetStatus, Site
from marketplace.services import offers
from marketplace.services.demo import seed_demo
from optimizer.instance import load_instance


def counts(session):
    return tuple(session.scalar(select(func.count(m.id))) for m in (Item, PriceSheet, Offer, OfferVersion))


def test_demo_catalog_is_the_staples_with_active_vendor_offers_and_is_idempotent(session):
    seed_demo(session)
    first = counts(session)
    seed_demo(session)
    assert counts(session) == first
    staples = {s.id: s for s in load_staples()}
    items = session.scalars(select(Item)).all()
    assert {i.slug for i in items} == set(staples)
    milk = next(i for i in items if i.slug == "milk-whole-gal")
    assert (milk.unit, milk.reference_price, milk.cacfp_creditable) == ("gal", staples["milk-whole-gal"].base_price_2026, True)
    sheets = session.scalars(select(PriceSheet)).all()
    assert len(sheets) == 3 and {s.status for s in sheets} == {SheetStatus.ACTIVE}
    assert all("synthetic-tiers-on-real-base-prices" in s.filename for s in sheets)

    alliance_id = sheets[0].organization.alliance_id
    found = offers.offers_for_instance(session, alliance_id, utcnow().date())
    assert found.without_terms == [] and len(found.versions) == 3 and len(found.offers) == first[2]
    regions = set(session.scalars(select(Site.region_code)))
    for vendor in found.vendors:
        assert vendor["regions"] is None or regions <= set(vendor["regions"])
    instance = load_instance({
        "members": [{"id": "m"}], "sites": [{"id": "s", "member": "m", "region": sorted(regions)[0]}],
        "items": [{"id": slug} for slug in staples], "vendors": found.vendors, "offers": found.offers,
        "demands": [{"site": "s", "item": "milk-whole-gal", "quantity": 40}]})
    assert len(instance.offers) == len(found.offers)
    for offer in instance.offers:  # volume tiers only ever lower a price
        prices = [t.price for t in offer.tiers]
        assert prices == sorted(prices, reverse=True) and prices[0] > 0
