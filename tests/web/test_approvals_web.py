"""The middle of the journey through the pages: publish, two directors approve and one rejects,
the hub re-runs without the rejecter, a cost that rose must be approved again, finalize; then
the purchase orders: sent, confirmed, shipped, delivered with one shortage."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.models import (
    CycleStatus,
    DeliveryStatus,
    MemberShare,
    OptimizationRun,
    POStatus,
    PurchaseOrder,
    ShareStatus,
)
from marketplace.services.run_execution import execute_run
from tests.plan_factories import build_plan_world, share_of, solved_run


@pytest.fixture
def pw(session, world):
    return build_plan_world(session, world)


def minutes(value):
    return value.strftime("%Y-%m-%dT%H:%M")


def publish(hub, run, pw):
    response = hub.post(f"/runs/{run.id}/publish", {"deadline": minutes(pw.deadline), "tolerance": "2"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def text(response):
    return response.get_data(as_text=True)


def test_the_journey_from_publish_to_delivery(session, world, pw, make_client, queue):
    hub, dx, dy, dq = (make_client(u) for u in (world.hub, world.dx, world.dy, pw.dq))
    first = solved_run(session, pw)
    publish(hub, first, pw)

    # Directors read their share: lines, pooled and alone prices, the total alone.
    y_share = share_of(session, pw, world.member_y)
    page = text(dy.get(f"/shares/{y_share.id}"))
    assert "$77.92" in page and "$80.92" in page and "Apples P" in page
    assert re.search(r"\$10\.50<br><span class=\"small muted\">tier 2</span></td>\s*<td class=\"num\">\$12\.00", page)
    assert "Approve $77.92" in page
    assert dy.post(f"/shares/{y_share.id}/approve").status_code == 302
    assert dq.post(f"/shares/{share_of(session, pw, pw.member_q).id}/approve").status_code == 302
    x_share = share_of(session, pw, world.member_x)
    assert dx.post(f"/shares/{x_share.id}/reject", {"reason": ""}).status_code == 422
    assert dx.post(f"/shares/{x_share.id}/reject", {"reason": "We found milk cheaper"}).status_code == 302

    # The hub sees who said what, cannot finalize, and re-runs without the rejecter.
    board = text(hub.get(f"/cycles/{pw.cycle.id}/approvals"))
    assert "We found milk cheaper" in board and board.count(">Approved<") == 2 and board.count(">Rejected<") == 1
    refused = hub.post(f"/cycles/{pw.cycle.id}/finalize")
    assert refused.status_code == 409 and "SECRET-Member-X rejected its share" in text(refused)
    response = hub.post(f"/cycles/{pw.cycle.id}/approvals/rerun")
    assert response.status_code == 302 and len(queue.jobs) == 1
    rerun = session.scalars(select(OptimizationRun).where(OptimizationRun.number == 2)).one()
    assert response.headers["Location"].endswith(f"/runs/{rerun.id}")
    assert rerun.excluded_member_ids == [world.member_x.id]
    execute_run(session, rerun.id, workers=1)
    publish(hub, rerun, pw)

    # Y's cost rose 3.9% (beyond 2%): Y approves again; Q's approval carried over.
    session.expire_all()
    y_new, q_new = share_of(session, pw, world.member_y), share_of(session, pw, pw.member_q)
    assert (y_new.status, q_new.status) == (ShareStatus.PENDING, ShareStatus.APPROVED)
    assert "+$3.00" in text(dy.get(f"/shares/{y_new.id}"))
    old_page = text(dy.get(f"/shares/{y_share.id}"))
    assert "is of an earlier plan" in old_page and "Approve $" not in old_page
    assert f'href="/shares/{y_new.id}">Your share of the current plan' in old_page
    assert "not part of the plan published now" in text(dx.get(f"/shares/{x_share.id}"))
    assert dy.post(f"/shares/{y_share.id}/approve").status_code == 409
    assert dy.post(f"/shares/{y_new.id}/approve").status_code == 302
    finalize = hub.post(f"/cycles/{pw.cycle.id}/finalize")
    assert finalize.status_code == 302 and finalize.headers["Location"].endswith(f"/cycles/{pw.cycle.id}/purchase-orders")
    assert hub.post(f"/cycles/{pw.cycle.id}/finalize").status_code == 302  # a double click is harmless
    assert dx.post(f"/shares/{x_share.id}/approve").status_code == 409

    # Purchase orders: one per vendor, adding up to the plan of the remaining members.
    session.expire_all()
    pos = {po.vendor_id: po for po in session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == pw.cycle.id))}
    assert sum(po.total_cents for po in pos.values()) == rerun.total_cents
    assert len(pos) == 2 and len(session.scalars(select(PurchaseOrder)).all()) == 2
    listing = text(hub.get(f"/cycles/{pw.cycle.id}/purchase-orders"))
    assert f"${rerun.total_cents // 100}.{rerun.total_cents % 100:02d}" in listing
    assert hub.post(f"/cycles/{pw.cycle.id}/purchase-orders/send").status_code == 302
    p = pos[pw.vendor_p.id]
    vendor = make_client(pw.vendor_p_user)
    assert p.number in text(vendor.get("/purchase-orders")) and pos[pw.vendor_u.id].number not in text(vendor.get("/purchase-orders"))
    assert vendor.post(f"/purchase-orders/{p.id}/ship").status_code == 409  # no ship before confirm
    assert vendor.post(f"/purchase-orders/{p.id}/confirm").status_code == 302
    assert vendor.post(f"/purchase-orders/{p.id}/ship").status_code == 302
    csv_rows = list(csv.DictReader(io.StringIO(vendor.get(f"/purchase-orders/{p.id}/csv").data.decode("utf-8-sig"))))
    assert {r["site"] for r in csv_rows if r["line_type"] == "item"} == {"Site Y"}

    # Site Y's director reports the delivery with one line short.
    (drop,) = p.deliveries
    lines = {x.item_id: x for x in p.lines}
    form = {f"line_{lines[pw.milk.id].id}": "1", f"line_{lines[pw.apples.id].id}": "2", "note": "one crate missing"}
    assert dy.post(f"/deliveries/{drop.id}", form).status_code == 302
    u = pos[pw.vendor_u.id]
    assert make_client(pw.vendor_u_user).post(f"/purchase-orders/{u.id}/confirm").status_code == 302
    assert dq.post(f"/deliveries/{u.deliveries[0].id}", {f"line_{u.lines[0].id}": "3"}).status_code == 302
    session.expire_all()
    assert drop.status is DeliveryStatus.SHORT and lines[pw.milk.id].shortage_packs == 1
    assert (p.status, u.status, pw.cycle.status) == (POStatus.SHORT, POStatus.DELIVERED, CycleStatus.DELIVERED)
    report = text(dy.get(f"/deliveries/{drop.id}"))
    assert "one crate missing" in report and "Received short" in report
    refunds = text(hub.get(f"/cycles/{pw.cycle.id}/purchase-orders"))
    assert "Shortages to refund" in refunds and "Milk P: 1 pack(s)" in refunds and "$15.96" in refunds
    assert session.scalar(select(MemberShare.status).where(MemberShare.id == x_share.id)) is ShareStatus.REJECTED


def test_deadline_is_enforced_with_a_clear_message(session, world, pw, make_client):
    run = solved_run(session, pw)
    hub = make_client(world.hub)
    publish(hub, run, pw)
    pw.cycle.approval_deadline_at = pw.now - timedelta(minutes=5)
    session.flush()
    share = share_of(session, pw, world.member_y)
    dy = make_client(world.dy)
    response = dy.post(f"/shares/{share.id}/approve")
    assert response.status_code == 409 and "approval deadline passed" in text(response)
    page = text(dy.get(f"/shares/{share.id}"))
    assert "approval deadline passed" in page and "Approve $" not in page
    board = text(hub.get(f"/cycles/{pw.cycle.id}/approvals"))
    assert "deadline passed" in board and "Also leave out the members who did not answer" in board
    moved = hub.post(f"/cycles/{pw.cycle.id}/approvals/deadline", {"deadline": minutes(pw.now + timedelta(days=1))})
    assert moved.status_code == 302
    assert dy.post(f"/shares/{share.id}/approve").status_code == 302


def test_directors_see_their_shares_and_nothing_of_the_hubs_pages(session, world, pw, make_client):
    run = solved_run(session, pw)
    publish(make_client(world.hub), run, pw)
    dx = make_client(world.dx)
    listing = text(dx.get("/approvals"))
    assert "SECRET-Plan-Cycle" in listing and "$216.10" in listing and "Member Y" not in listing
    for url in (f"/cycles/{pw.cycle.id}/approvals", f"/cycles/{pw.cycle.id}/purchase-orders"):
        assert dx.get(url).status_code == 403
    assert dx.post(f"/cycles/{pw.cycle.id}/finalize").status_code == 403
    assert dx.get(f"/shares/{share_of(session, pw, world.member_y).id}").status_code == 404
