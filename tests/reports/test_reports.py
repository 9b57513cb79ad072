"""Spend and savings reports: the right figures, to the cent, for each person's slice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.errors import NotFoundError, PermissionDeniedError
from marketplace.services import reports, sales_reports
from tests.report_factories import build_report_world


@pytest.fixture
def rw(session, world):
    return build_report_world(session, world)


def by_name(rows):
    return {row.name: row for row in rows}


def test_hub_cycle_report_adds_up_to_the_cent(session, rw):
    report = reports.cycle_report(session, rw.world.hub, rw.march.id)
    assert report.is_alliance and report.scope_label == "Alliance A"
    members = by_name(report.members)
    assert set(members) == {"SECRET-Member-X", "Member Y"}, "rejected and superseded shares do not count"
    x, y = members["SECRET-Member-X"], members["Member Y"]
    # X's 2 packs short on PO-2026-0001 (31.92 at the order's prices) come back in proportion to
    # what X paid vendor V: 178.00 of the 184.60 ordered, so 30.78; its cost alone shrinks alike.
    assert (x.charged_cents, x.refund_cents, x.spend_cents) == (17800, 3078, 14722)
    assert (x.standalone_cents, x.savings_cents, x.savings_percent) == (16542, 1820, Decimal("11.0"))
    assert (y.spend_cents, y.standalone_cents, y.savings_cents, y.savings_percent) == (13630, 14000, 370, Decimal("2.6"))
    assert (report.charged_cents, report.refund_cents, report.spend_cents) == (31430, 3078, 28352)
    assert (report.standalone_cents, report.savings_cents, report.savings_percent) == (30542, 2190, Decimal("7.2"))
    assert (report.goods_cents, report.fees_cents, report.short_cents) == (28930 - 3192, 2500, 3192)
    assert report.charged_cents == report.goods_cents + report.fees_cents + report.short_cents, \
        "over the alliance, charges are exactly goods plus fees, delivered or not"
    assert report.adjustment_cents == 3192 - 3078, "refunds follow what X paid, not the list price"
    food = by_name(report.categories)["Food"]
    assert (food.goods_cents, food.base_cents, food.discount_cents) == (25738, 31536 - 3192, 2606)
    vendor = by_name(report.vendors)["SECRET-Vendor-V"]
    assert (vendor.goods_cents, vendor.fees_cents, vendor.total_cents, vendor.short_cents) == (25738, 2500, 28238, 3192)
    assert report.sites == 2


def test_director_sees_only_their_member(session, rw):
    report = reports.cycle_report(session, rw.world.dx, rw.march.id)
    assert not report.is_alliance and report.scope_label == "SECRET-Member-X"
    assert [m.name for m in report.members] == ["SECRET-Member-X"]
    assert (report.charged_cents, report.spend_cents, report.savings_cents) == (17800, 14722, 1820)
    assert (report.goods_cents, report.fees_cents, report.short_cents) == (17950 - 3192, 0, 3192)
    assert report.charged_cents - report.goods_cents - report.short_cents == -150, \
        "the fair split moved 1.50 of X's cost onto Y"
    assert report.sites == 1
    other = reports.cycle_report(session, rw.world.dy, rw.march.id)
    assert [m.name for m in other.members] == ["Member Y"] and other.fees_cents == 2500


def test_year_report_counts_cycles_with_a_published_plan(session, rw):
    report = reports.year_report(session, rw.world.hub, 2026)
    assert [c.cycle.name for c in report.cycles] == ["SECRET-Cycle", "April cycle"]
    assert (report.charged_cents, report.refund_cents, report.spend_cents) == (41430, 3078, 38352)
    assert report.standalone_cents == 30542 and report.comparable_cents == 28352
    assert report.savings_cents == 2190 and report.savings_percent == Decimal("7.2")
    x = by_name(report.members)["SECRET-Member-X"]
    assert (x.cycles, x.spend_cents, x.comparable_cents, x.savings_cents) == (2, 24722, 14722, 1820)
    assert sum(c.spend_cents for c in report.cycles) == report.spend_cents
    assert by_name(report.vendors)["Vendor W"].total_cents == 10000
    april = report.cycles[1]
    assert april.spend_cents == 10000 and april.standalone_cents is None and april.savings_cents is None
    assert reports.year_report(session, rw.world.hub, 2025).is_empty


def test_member_who_cannot_buy_alone_is_left_out_of_savings(session, rw):
    report = reports.cycle_report(session, rw.world.dx, rw.april.id)
    (x,) = report.members
    assert x.standalone_cents is None and x.savings_cents is None and x.savings_percent is None
    assert report.members_alone_impossible == [x]
    assert report.savings_cents is None and report.spend_cents == 10000


def test_open_cycle_report_is_empty_and_foreign_cycles_are_404(session, rw):
    assert reports.cycle_report(session, rw.world.hub, rw.may.id).is_empty
    for user in (rw.world.other_hub, rw.world.dz):
        with pytest.raises(NotFoundError):
            reports.cycle_report(session, user, rw.march.id)
    with pytest.raises(NotFoundError):
        reports.cycle_report(session, rw.world.vendor, rw.march.id)
    with pytest.raises(PermissionDeniedError):
        reports.year_report(session, rw.world.vendor, 2026)
    b = reports.year_report(session, rw.world.other_hub, 2026)
    assert [m.spend_cents for m in b.members] == [55555]


def test_reported_cycles_and_years(session, rw):
    cycles = reports.reported_cycles(session, rw.world.dy)
    assert [c.name for c in cycles] == ["April cycle", "SECRET-Cycle"]
    assert reports.report_years(cycles) == [2026]


def test_vendor_sales(session, rw):
    vendor = rw.world.vendor
    assert [c.name for c in sales_reports.sales_cycles(session, vendor)] == ["SECRET-Cycle"]
    report = sales_reports.cycle_sales(session, vendor, rw.march.id)
    assert [o.number for o in report.orders] == ["PO-2026-0001"]
    assert (report.goods_cents, report.fees_cents, report.total_cents, report.shortage_cents) == (15960, 2500, 18460, 3192)
    (customer,) = report.customers
    assert (customer.name, customer.goods_cents, customer.fees_cents, customer.shortage_cents, customer.packs) == \
        ("SECRET-Member-X", 15960, 2500, 3192, 10)
    assert [c.name for c in report.categories] == ["Food"]
    with pytest.raises(NotFoundError):
        sales_reports.cycle_sales(session, vendor, rw.april.id)  # vendor W's order, not V's
    year = sales_reports.year_sales(session, vendor, 2026)
    assert [o.number for o in year.orders] == ["PO-2026-0001"]
    assert sales_reports.year_sales(session, vendor, 2025).is_empty
    with pytest.raises(PermissionDeniedError):
        sales_reports.cycle_sales(session, rw.world.hub, rw.march.id)


def test_draft_orders_are_not_sales(session, rw):
    from marketplace.models import POStatus

    rw.po_v.status = POStatus.DRAFT
    session.flush()
    assert sales_reports.sales_cycles(session, rw.world.vendor) == []
    with pytest.raises(NotFoundError):
        sales_reports.cycle_sales(session, rw.world.vendor, rw.march.id)


def test_report_of_a_real_plan_adds_up_to_the_run(session, world):
    from tests.plan_factories import build_plan_world, finalized

    pw = build_plan_world(session, world)
    run = finalized(session, pw)
    report = reports.cycle_report(session, world.hub, pw.cycle.id)
    assert report.spend_cents == run.total_cents, "members' charges are the plan's total, to the cent"
    assert report.goods_cents + report.fees_cents == run.total_cents and report.adjustment_cents == 0
    assert report.savings_cents == run.savings_cents and report.standalone_cents == run.standalone_cents
    assert sum(c.goods_cents for c in report.categories) == report.goods_cents
    assert report.discount_cents > 0, "pooling reached the apples' second tier"
    assert len(report.members) == 3 and report.sites == 3
