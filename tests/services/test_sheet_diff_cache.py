"""The sheet diff is computed once per pair of sheets, never served stale or out of scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.diff import diff_offers
from marketplace.errors import NotFoundError
from marketplace.services import sheet_diff
from marketplace.services.sheet_diff import ChangeRow, DiffSummary, diff_price_sheet
from tests.factories import make_category, make_item, make_price_sheet


def milk(sku: str, price: str) -> dict[str, object]:
    return {"vendor_sku": sku, "item": "milk-whole-gal", "pack_size": 4, "unit": "gal",
            "tier1_min_packs": 1, "tier1_price": price}


@pytest.fixture
def computed(session, world, monkeypatch):
    """A fresh cache and the list of comparisons actually computed (new offers' SKUs)."""
    make_item(session, make_category(session, world.hub.organization.alliance), "milk-whole-gal", unit="gal")
    sheet_diff._CACHE.clear()
    calls: list[list[str]] = []

    def counting(old, new):
        calls.append([o.vendor_sku for o in new])
        return diff_offers(old, new)

    monkeypatch.setattr(sheet_diff, "diff_offers", counting)
    yield calls
    sheet_diff._CACHE.clear()


def test_a_second_view_reuses_the_diff_and_another_pair_computes_its_own(session, world, computed):
    april = make_price_sheet(session, world.vendor_org, [milk("A", "10.00"), milk("B", "20.00")],
                             activate=True)
    may = make_price_sheet(session, world.vendor_org, [milk("A", "11.00"), milk("C", "5.00")])
    first = diff_price_sheet(session, world.vendor, may.id)
    again = diff_price_sheet(session, world.hub, may.id)
    assert len(computed) == 1
    assert again.rows == first.rows and [r.vendor_sku for r in again.rows] == ["B", "C", "A"]
    assert (again.rises, again.count("new"), again.count("dropped")) == (1, 1, 1)
    assert diff_price_sheet(session, world.vendor, april.id).count("new") == 2  # april alone
    assert len(computed) == 2
    for outsider in (world.other_hub, world.dx):
        with pytest.raises(NotFoundError):
            diff_price_sheet(session, outsider, may.id)
    assert len(computed) == 2


def test_a_new_active_version_is_a_new_baseline_not_a_stale_diff(session, world, computed):
    make_price_sheet(session, world.vendor_org, [milk("A", "10.00")], activate=True)
    may = make_price_sheet(session, world.vendor_org, [milk("A", "11.00")])
    assert diff_price_sheet(session, world.vendor, may.id).rises == 1
    make_price_sheet(session, world.vendor_org, [milk("A", "12.00")], activate=True)
    now = diff_price_sheet(session, world.vendor, may.id)
    assert (now.rises, now.falls, now.baseline.status.value) == (0, 1, "active")
    assert len(computed) == 2


def test_an_id_reused_after_a_rolled_back_upload_gets_its_own_diff(session, world, computed):
    undone = session.begin_nested()
    gone = make_price_sheet(session, world.vendor_org, [milk("GONE", "1.00")])
    gone_id = gone.id
    assert diff_price_sheet(session, world.vendor, gone_id).rows[0].vendor_sku == "GONE"
    undone.rollback()
    kept = make_price_sheet(session, world.vendor_org, [milk("KEPT", "1.00")])  # SQLite: same id
    assert [r.vendor_sku for r in diff_price_sheet(session, world.vendor, kept.id).rows] == ["KEPT"]
    assert len(computed) == 2


def summary(size: int) -> DiffSummary:
    rows = tuple(ChangeRow("new", f"S{i}", "milk", "", new_price=Decimal(1)) for i in range(size))
    return DiffSummary(rows, {"new": size, "dropped": 0, "changed": 0, "same": 0}, 0, 0)


def test_the_cache_keeps_at_most_its_rows_dropping_the_least_recently_used():
    cache = sheet_diff._SummaryCache(max_rows=5, max_entries=3)
    a, b, c = summary(3), summary(2), summary(2)
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # a is now the most recently used
    cache.put("c", c)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (a, None, c)
    cache.put("huge", summary(6))
    assert cache.get("huge") is None and cache.get("c") is c
    for key in "def":
        cache.put(key, summary(0))
    assert cache.get("a") is None and cache.get("f") is not None
