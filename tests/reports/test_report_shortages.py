"""Reports of a cycle delivered short: spend drops by exactly what goes back to the members,
savings are measured on what was received, totals still add up, the files agree with the page."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.models import PurchaseOrder
from marketplace.services import purchase_orders as orders
from marketplace.services import reports
from marketplace.services.report_documents import export_report
from tests.plan_factories import build_plan_world, finalized


@pytest.fixture
def pw(session, world):
    return build_plan_world(session, world)


def by_name(rows):
    return {row.name: row for row in rows}


def deliver_short(session, world, pw):
    """The finalized cycle's orders sent; X's drop from vendor P: 3 of its milk packs missing;
    Y's drop from P: nothing came."""
    orders.send_purchase_orders(session, world.hub, pw.cycle.id, email_enabled=False, now=pw.now)
    p = session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == pw.cycle.id,
                                                    PurchaseOrder.vendor_id == pw.vendor_p.id)).one()
    orders.confirm_purchase_order(session, pw.vendor_p_user, p.id)
    x_drop = next(d for d in p.deliveries if d.site_id == world.site_x.id)
    y_drop = next(d for d in p.deliveries if d.site_id == world.site_y.id)
    counts = {line.id: line.packs - (3 if line.item_id == pw.milk.id else 0)
              for line in p.lines if line.site_id == world.site_x.id}
    orders.report_delivery(session, world.dx, x_drop.id, counts, now=pw.now)
    orders.report_delivery(session, pw.vendor_p_user, y_drop.id,
                           {line.id: 0 for line in p.lines if line.site_id == world.site_y.id}, now=pw.now)
    return p


def direct_cents(po, member_id):
    return (sum(x.amount_cents for x in po.lines if x.member_id == member_id)
            + sum(d.fee_cents for d in po.deliveries if d.member_id == member_id))


def test_spend_drops_by_exactly_the_refunds_and_totals_add_up(session, world, pw):
    finalized(session, pw)
    before = reports.cycle_report(session, world.hub, pw.cycle.id)
    assert before.refund_cents == 0 and before.short_cents == 0
    p = deliver_short(session, world, pw)
    after = reports.cycle_report(session, world.hub, pw.cycle.id)
    x_before, x = by_name(before.members)["SECRET-Member-X"], by_name(after.members)["SECRET-Member-X"]
    y_before, y = by_name(before.members)["Member Y"], by_name(after.members)["Member Y"]
    # Each member pays its own lines and fees here (no fair-split move), so what goes back is
    # the list value of what is missing: 3 x 15.96 for X; Y's milk, apples and delivery fee.
    assert y_before.charged_cents == direct_cents(p, world.member_y.id), "Y buys from P only"
    assert x.refund_cents == 3 * 1596 and x.spend_cents == x_before.spend_cents - 3 * 1596
    y_missing = direct_cents(p, world.member_y.id)
    assert y.refund_cents == y_missing and y.spend_cents == y_before.spend_cents - y_missing
    assert after.spend_cents == before.spend_cents - x.refund_cents - y.refund_cents
    assert after.charged_cents == before.charged_cents, "what was charged does not change"
    # Savings on what was received: the cost alone shrinks in the proportion the spend did.
    assert x.standalone_cents == round(x_before.standalone_cents * x.spend_cents / x_before.spend_cents)
    assert x.savings_percent == x_before.savings_percent
    # Totals add up: members, cycles, categories and vendors.
    assert after.spend_cents == sum(m.spend_cents for m in after.members) == sum(c.spend_cents for c in after.cycles)
    assert sum(c.goods_cents for c in after.categories) == after.goods_cents
    assert after.goods_cents + after.fees_cents + after.adjustment_cents == after.spend_cents
    assert after.short_cents == x.refund_cents + y.refund_cents == before.goods_cents + before.fees_cents \
        - after.goods_cents - after.fees_cents
    vendor_p = by_name(after.vendors)["SECRET-Vendor-P"]
    assert vendor_p.short_cents == after.short_cents and vendor_p.fees_cents == by_name(before.vendors)[
        "SECRET-Vendor-P"].fees_cents - 2500, "nothing reached Y: its delivery fee is not spent"
    assert sum(c.packs for c in after.categories) == sum(c.packs for c in before.categories) - 3 - sum(
        line.packs for line in p.lines if line.site_id == world.site_y.id)


def test_a_director_sees_their_own_refund_only(session, world, pw):
    finalized(session, pw)
    deliver_short(session, world, pw)
    mine = reports.cycle_report(session, world.dx, pw.cycle.id)
    assert [m.name for m in mine.members] == ["SECRET-Member-X"]
    assert mine.refund_cents == 3 * 1596 and mine.short_cents == 3 * 1596, "Y's shortage is not X's business"


def test_the_files_agree_with_the_page(session, world, pw, make_client):
    finalized(session, pw)
    deliver_short(session, world, pw)
    report = reports.cycle_report(session, world.hub, pw.cycle.id)
    money = f"{report.spend_cents / 100:,.2f}"
    page = make_client(world.hub).get(f"/reports/cycles/{pw.cycle.id}").get_data(as_text=True)
    assert f"${money}" in page and f"${report.refund_cents / 100:,.2f}" in page
    assert "Short deliveries." in page
    summary = export_report(session, world.hub, "savings-summary", "csv", cycle_id=pw.cycle.id)
    rows = list(csv.reader(io.StringIO(summary.data.decode("utf-8-sig"))))
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Spend (charged less refunds)"] == f"{report.spend_cents / 100:.2f}"
    assert facts["Refunded for short deliveries"] == f"{report.refund_cents / 100:.2f}"
    assert facts["Savings"] == f"{report.savings_cents / 100:.2f}"
    total = next(row for row in rows if row and row[0] == "Total")
    assert total[2:5] == [f"{c / 100:.2f}" for c in (report.charged_cents, report.refund_cents, report.spend_cents)]
    assert any(row and row[0].startswith("Short deliveries.") for row in rows)
    book = load_workbook(io.BytesIO(export_report(session, world.hub, "savings-summary", "xlsx",
                                                  cycle_id=pw.cycle.id).data))
    sheet = book["Savings by member"]
    header = [c.value for c in sheet[1]]
    totals = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Total"][0]
    assert round(float(totals[header.index("Spend")]) * 100) == report.spend_cents
    pdf = export_report(session, world.hub, "savings-summary", "pdf", cycle_id=pw.cycle.id)
    assert pdf.data.startswith(b"%PDF-")
