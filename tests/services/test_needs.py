"""Recurring needs: directors keep them per site; files go out and come back; suggestions."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from marketplace.errors import NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import Cadence, RecurringNeed
from marketplace.services import need_suggestions, needs, needs_files
from marketplace.services.needs import NeedChange, NeedInput
from tests.cycle_factories import make_need
from tests.factories import build_catalog_world, make_category, make_item


@pytest.fixture
def cw(session, world):
    return build_catalog_world(session, world)


def milk_need(cw, **changes):
    values = {"item_id": cw.item.id, "quantity": Decimal("34"), "cadence": "weekly",
              "starts_on": date(2026, 1, 5)}
    return NeedInput(**(values | changes))


def test_director_adds_changes_and_removes_a_need(session, world, cw):
    need = needs.create_need(session, world.dx, world.site_x.id,
                             milk_need(cw, max_unit_price=Decimal("4.40"), avoided_vendor_ids=(world.vendor_org.id,)))
    assert (need.quantity, need.cadence, need.avoided_vendor_ids) == (Decimal("34"), Cadence.WEEKLY,
                                                                      [world.vendor_org.id])
    needs.update_need(session, world.dx, need.id, milk_need(cw, quantity=Decimal("12.5"), cadence="monthly"))
    assert [(n.quantity, n.cadence) for n in needs.list_needs(session, world.dx, world.site_x.id)] == \
        [(Decimal("12.5"), Cadence.MONTHLY)]
    needs.delete_need(session, world.dx, need.id)
    assert needs.list_needs(session, world.dx, world.site_x.id) == []


def test_every_problem_is_named_next_to_its_field(session, world, cw):
    bad = NeedInput(item_id=None, quantity=Decimal("0"), cadence="daily", starts_on=date(2026, 5, 2),
                    ends_on=date(2026, 5, 1), max_unit_price=Decimal("1.23456"))
    with pytest.raises(ValidationError) as caught:
        needs.create_need(session, world.dx, world.site_x.id, bad)
    assert set(caught.value.field_errors) == {"item_id", "quantity", "cadence", "ends_on", "max_unit_price"}
    assert session.scalars(select(RecurringNeed)).all() == []


def test_one_need_per_item_and_only_vendors_of_the_alliance(session, world, cw):
    needs.create_need(session, world.dx, world.site_x.id, milk_need(cw))
    with pytest.raises(ValidationError) as caught:
        needs.create_need(session, world.dx, world.site_x.id, milk_need(cw))
    assert "already has a need" in caught.value.field_errors["item_id"]
    other_vendor = world.other_hub.organization.id  # not a vendor of alliance A
    with pytest.raises(ValidationError) as caught:
        needs.create_need(session, world.dy, world.site_y.id, milk_need(cw, avoided_vendor_ids=(other_vendor,)))
    assert "avoided_vendor_ids" in caught.value.field_errors


def test_only_the_sites_director_changes_its_needs(session, world, cw):
    need = make_need(session, world.site_x, cw.item)
    with pytest.raises(PermissionDeniedError):
        needs.update_need(session, world.hub, need.id, milk_need(cw))
    assert [n.id for n in needs.list_needs(session, world.hub, world.site_x.id)] == [need.id]
    for outsider in (world.dy, world.vendor, world.other_hub):
        with pytest.raises(NotFoundError):
            needs.update_need(session, outsider, need.id, milk_need(cw))
        with pytest.raises(NotFoundError):
            needs.create_need(session, outsider, world.site_x.id, milk_need(cw))


def test_bulk_edit_is_all_or_nothing(session, world, cw):
    eggs = make_item(session, cw.category, "eggs-dozen", unit="dozen")
    milk, egg = make_need(session, world.site_x, cw.item, "10"), make_need(session, world.site_x, eggs, "5")
    with pytest.raises(ValidationError) as caught:
        needs.bulk_update_needs(session, world.dx, world.site_x.id, [
            NeedChange(milk.id, Decimal("20"), "weekly", True), NeedChange(egg.id, Decimal("-1"), "weekly", True)])
    assert list(caught.value.field_errors) == [f"{egg.id}.quantity"]
    session.refresh(milk)
    assert milk.quantity == Decimal("10")
    changed = needs.bulk_update_needs(session, world.dx, world.site_x.id, [
        NeedChange(milk.id, Decimal("20"), "biweekly", False), NeedChange(egg.id, Decimal("5"), "weekly", True,
                                                                          remove=True)])
    assert changed == 2
    assert [(n.quantity, n.cadence, n.active) for n in needs.list_needs(session, world.dx, world.site_x.id)] == \
        [(Decimal("20"), Cadence.BIWEEKLY, False)]


def test_csv_export_imports_back_unchanged_and_neutralises_formulas(session, world, cw):
    needs.create_need(session, world.dx, world.site_x.id, milk_need(
        cw, quantity=Decimal("12.25"), note="=HYPERLINK(\"http://evil\")", avoided_vendor_ids=(world.vendor_org.id,),
        max_unit_price=Decimal("4.4")))
    data = needs_files.export_needs_csv(session, world.dx, world.site_x.id)
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "12.25" in text and "SECRET-Vendor-V" in text
    result = needs_files.import_needs(session, world.dy, world.site_y.id, data, "needs.csv")
    assert (result.created, result.updated, result.removed) == (1, 0, 0)
    copy = needs.list_needs(session, world.dy, world.site_y.id)[0]
    assert (copy.quantity, copy.note, copy.max_unit_price, copy.avoided_vendor_ids) == (
        Decimal("12.25"), "=HYPERLINK(\"http://evil\")", Decimal("4.4"), [world.vendor_org.id])


def test_xlsx_export_keeps_numbers_numeric_and_text_as_text(session, world, cw):
    needs.create_need(session, world.dx, world.site_x.id, milk_need(cw, note="+1 extra on Mondays"))
    book = load_workbook(io.BytesIO(needs_files.export_needs_xlsx(session, world.dx, world.site_x.id)))
    header, row = [c.value for c in book.active[1]], [c for c in book.active[2]]
    cells = dict(zip(header, row, strict=True))
    assert cells["quantity"].value == 34 and cells["quantity"].data_type == "n"
    assert cells["note"].value == "'+1 extra on Mondays" and cells["note"].data_type == "s"


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_reports_every_bad_row_and_stores_nothing(session, world, cw):
    data = xlsx([["item", "quantity", "cadence", "starts_on", "avoid_vendors"],
                 [cw.item.slug, 10, "weekly", "2026-01-05", ""],
                 ["no-such-item", 3, "weekly", "", ""],
                 [cw.item.slug, "lots", "daily", "05/01/2026", "Nobody Inc"]])
    with pytest.raises(needs_files.NeedsFileError) as caught:
        needs_files.import_needs(session, world.dx, world.site_x.id, data, "needs.xlsx")
    found = {(d["row"], d["column"]) for d in caught.value.details}
    assert {(3, "item"), (4, "quantity"), (4, "cadence"), (4, "starts_on"), (4, "avoid_vendors")} <= found
    assert session.scalars(select(RecurringNeed)).all() == []


def test_import_updates_by_item_and_replace_removes_the_rest(session, world, cw):
    eggs = make_item(session, cw.category, "eggs-dozen", unit="dozen")
    make_need(session, world.site_x, cw.item, "10")
    make_need(session, world.site_x, eggs, "5")
    data = f"item,quantity,cadence\r\n{cw.item.slug},\"1,200\",every other week\r\n".encode()
    result = needs_files.import_needs(session, world.dx, world.site_x.id, data, "n.csv", replace=True)
    assert (result.created, result.updated, result.removed) == (0, 1, 1)
    assert [(n.item_id, n.quantity, n.cadence) for n in needs.list_needs(session, world.dx, world.site_x.id)] == \
        [(cw.item.id, Decimal("1200"), Cadence.BIWEEKLY)]


def test_file_that_is_not_a_spreadsheet_is_refused(session, world, cw):
    with pytest.raises(needs_files.NeedsFileError) as caught:
        needs_files.import_needs(session, world.dx, world.site_x.id, b"%PDF-1.4 ...", "needs.csv")
    assert "PDF" in caught.value.details[0]["message"]


def test_suggestions_follow_capacity_and_the_meal_pattern(session, world):
    food = make_category(session, world.hub.organization.alliance, "food-s", "Food")
    milk = make_item(session, food, "milk-1pct-gal", name="Milk 1%", unit="gal")
    make_item(session, food, "paper-towels-roll", name="Paper towels", unit="roll")  # not food: no suggestion
    world.site_x.licensed_capacity = 72
    suggestions = need_suggestions.suggest_needs(session, world.dx, world.site_x.id)
    assert [s.item.slug for s in suggestions] == ["milk-1pct-gal"]
    # 72 x 0.85 children x (6 + 6 + 0.4 x 4) fl oz x 5 days / 128 fl oz per gal = 32.5 gal a week
    assert suggestions[0].weekly_quantity == Decimal("32.6")
    assert need_suggestions.add_suggested_needs(session, world.dx, world.site_x.id, [milk.id]) == 1
    assert need_suggestions.add_suggested_needs(session, world.dx, world.site_x.id, [milk.id]) == 0
    need = needs.list_needs(session, world.dx, world.site_x.id)[0]
    assert (need.quantity, need.cadence) == (Decimal("32.6"), Cadence.WEEKLY)
