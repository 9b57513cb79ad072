"""A site's needs at once through the API: bulk edit, export, import (all or nothing, problems by
row and column) and the suggestion from licensed capacity and the CACFP meal pattern."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.models import Cadence, RecurringNeed
from tests.api.client import data
from tests.cycle_factories import make_need
from tests.factories import build_catalog_world, make_item


@pytest.fixture
def cw(session, world):
    return build_catalog_world(session, world)


def stored(session, site):
    session.expire_all()
    return sorted((n.item.slug, n.quantity, n.cadence.value, n.active) for n in
                  session.scalars(select(RecurringNeed).where(RecurringNeed.site_id == site.id)))


def test_export_as_csv_and_xlsx(session, world, cw, as_):
    make_need(session, world.site_x, cw.item, "7", note="@SUM(A1)")
    csv_file = as_(world.dx).get(f"/api/v1/sites/{world.site_x.id}/needs.csv")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert csv_file.headers["Content-Disposition"] == 'attachment; filename="needs-secret-site-x.csv"'
    (row,) = list(csv.DictReader(io.StringIO(csv_file.get_data(as_text=True).lstrip("\ufeff"))))
    assert (row["item"], row["quantity"], row["note"]) == ("milk-whole-gal", "7", "'@SUM(A1)")
    book = load_workbook(io.BytesIO(as_(world.hub).get(f"/api/v1/sites/{world.site_x.id}/needs.xlsx").data))
    assert book.active["D2"].value == 7, "the quantity stays a number"
    for outsider in (world.dy, world.vendor, world.other_hub):
        assert as_(outsider).get(f"/api/v1/sites/{world.site_x.id}/needs.csv").status_code == 404
    assert as_(world.dx).get(f"/api/v1/sites/{world.site_x.id}/needs.pdf").status_code == 404


def test_import_is_all_or_nothing_with_problems_by_row_and_column(session, world, cw, as_):
    other = make_item(session, cw.category, "milk-1pct-gal", name="Milk 1%", unit="gal")
    make_need(session, world.site_x, cw.item, "7")
    dx, url = as_(world.dx), f"/api/v1/sites/{world.site_x.id}/needs/import"
    bad = b"item,quantity,cadence\r\nmilk-1pct-gal,3,weekly\r\nnope,1,weekly\r\nmilk-whole-gal,lots,sometimes\r\n"
    refused = data(dx.upload(url, {"file": (io.BytesIO(bad), "needs.csv")}), 422)
    assert "nothing was imported" in refused["message"]
    assert sorted((p["row"], p["column"]) for p in refused["details"]) == [
        (3, "item"), (4, "cadence"), (4, "quantity")]
    assert stored(session, world.site_x) == [("milk-whole-gal", Decimal("7"), "weekly", True)]
    good = b"item,quantity,cadence\r\nmilk-1pct-gal,3,monthly\r\nmilk-whole-gal,9,weekly\r\n"
    assert data(dx.upload(url, {"file": (io.BytesIO(good), "needs.csv")})) == {"created": 1, "updated": 1, "removed": 0}
    assert stored(session, world.site_x) == [("milk-1pct-gal", Decimal("3"), "monthly", True),
                                             ("milk-whole-gal", Decimal("9"), "weekly", True)]
    only = b"item,quantity\r\nmilk-1pct-gal,4\r\n"
    replaced = data(dx.upload(url, {"file": (io.BytesIO(only), "needs.csv"), "replace": "true"}))
    assert replaced == {"created": 0, "updated": 1, "removed": 1}
    assert [slug for slug, *_ in stored(session, world.site_x)] == [other.slug]


def test_import_refuses_what_is_not_a_file_and_other_people(session, world, cw, as_):
    dx, url = as_(world.dx), f"/api/v1/sites/{world.site_x.id}/needs/import"
    file = b"item,quantity\r\nmilk-whole-gal,4\r\n"
    assert data(dx.post(url, {"file": "item,quantity"}), 400)["error"] == "bad_request"
    assert data(dx.upload(url, {"replace": "true"}), 422)["details"][0]["field"] == "file"
    assert data(dx.upload(url, {"file": (io.BytesIO(file), "n.csv"), "replace": "maybe"}), 422)["details"][0]["field"] \
        == "replace"
    picture = data(dx.upload(url, {"file": (io.BytesIO(b"GIF89a"), "needs.gif")}), 422)
    assert picture["details"][0]["row"] is None and picture["details"][0]["message"]
    assert data(as_(world.hub).upload(url, {"file": (io.BytesIO(file), "n.csv")}), 403)["error"] == "forbidden"
    for outsider in (world.dy, world.other_hub):
        assert as_(outsider).upload(url, {"file": (io.BytesIO(file), "n.csv")}).status_code == 404
    assert stored(session, world.site_x) == []


def test_bulk_edit_names_the_row_or_saves_every_one(session, world, cw, as_):
    first = make_need(session, world.site_x, cw.item, "10")
    second = make_need(session, world.site_x, make_item(session, cw.category, "milk-1pct-gal", unit="gal"), "2")
    before = stored(session, world.site_x)
    dx, url = as_(world.dx), f"/api/v1/sites/{world.site_x.id}/needs/bulk"
    for changes, field in (([{"need_id": first.id, "quantity": "-3"}], "changes[0].quantity"),
                           ([{"need_id": first.id}, {"need_id": second.id, "quantity": "lots"}], "changes[1].quantity"),
                           ([{"need_id": first.id, "cadence": "hourly"}], "changes[0].cadence"),
                           ([{"need_id": first.id, "active": "yes"}], "changes[0].active"),
                           ([{"quantity": 1}], "changes[0].need_id"),
                           ([{"need_id": 99999999}], "changes[0].need_id"),
                           (["x"], "changes[0]"), ("all", "changes")):
        refused = data(dx.post(url, {"changes": changes}), 422)
        assert [d["field"] for d in refused["details"]] == [field], changes
    assert stored(session, world.site_x) == before, "nothing was saved"
    saved = dx.post(url, {"changes": [{"need_id": first.id, "quantity": 14, "cadence": "monthly", "active": False},
                                      {"need_id": second.id, "remove": True}]})
    assert data(saved) == {"changed": 2}
    assert stored(session, world.site_x) == [("milk-whole-gal", Decimal("14"), "monthly", False)]
    assert data(as_(world.hub).post(url, {"changes": []}), 403)["error"] == "forbidden"
    assert as_(world.dy).post(url, {"changes": [{"need_id": first.id, "remove": True}]}).status_code == 404
    assert stored(session, world.site_x) == [("milk-whole-gal", Decimal("14"), "monthly", False)]


def test_suggestions_from_capacity_add_weekly_needs(session, world, cw, as_):
    skim = make_item(session, cw.category, "milk-1pct-gal", name="Milk 1%", unit="gal")
    make_item(session, cw.category, "paper-towels", name="Paper towels", unit="roll")  # not food
    url = f"/api/v1/sites/{world.site_x.id}/needs/suggestions"
    dx = as_(world.dx)
    got = data(dx.get(url))
    assert (got["licensed_capacity"], got["enrolment"], got["age_group"]) == (world.site_x.licensed_capacity, "0.85",
                                                                               "preschool")
    rows = {s["item_id"]: s for s in got["suggestions"]}
    assert set(rows) == {skim.id}, "preschoolers' staples only: not whole milk (toddlers), not towels"
    assert all(Decimal(s["weekly_quantity"]) > 0 and "children" in s["basis"] for s in rows.values())
    assert data(as_(world.hub).get(url))["suggestions"] == got["suggestions"]
    assert data(dx.post(url, {"item_ids": [skim.id, 99999]}), 422)["details"][0]["field"] == "item_ids"
    assert data(dx.post(url, {"item_ids": "milk"}), 422)["details"][0]["field"] == "item_ids"
    assert data(dx.post(url, {}), 422)["details"][0]["field"] == "item_ids"
    assert data(as_(world.hub).post(url, {"item_ids": [skim.id]}), 403)["error"] == "forbidden"
    assert as_(world.dy).post(url, {"item_ids": [skim.id]}).status_code == 404
    assert as_(world.vendor).get(url).status_code == 404
    assert stored(session, world.site_x) == []
    assert data(dx.post(url, {"item_ids": [skim.id]})) == {"added": 1}
    assert data(dx.post(url, {"item_ids": [skim.id]})) == {"added": 0}, "an item with a need is left as it is"
    need = session.scalars(select(RecurringNeed).where(RecurringNeed.site_id == world.site_x.id)).one()
    assert (need.item_id, need.cadence, str(need.quantity.normalize())) == \
        (skim.id, Cadence.WEEKLY, rows[skim.id]["weekly_quantity"])
    again = {s["item_id"]: s for s in data(dx.get(url))["suggestions"]}
    assert (again[skim.id]["current_need_id"], again[skim.id]["current_cadence"]) == (need.id, "weekly")
