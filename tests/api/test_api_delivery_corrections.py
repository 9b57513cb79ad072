"""Correcting a delivery report through the API (``POST /api/v1/deliveries/{id}/correct``): the
same service and rules as the page. The vendor and the site's director correct until the
vendor's payout started, the hub after; a reason is required; a correction that would owe the
member less than it was refunded already is a 409 that says the amounts. Every answer is
checked against the OpenAPI document (``tests.api.client``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.models import AuditEvent, DeliveryStatus
from marketplace.services import payments, payouts
from tests.api.client import data
from tests.payments.conftest import _emulator, emu, gateway  # noqa: F401  (fixtures)
from tests.payments.factories import build_pay_world, deliver, onboard

URL = "/api/v1/deliveries/{}/correct"


@pytest.fixture
def payw(session, world):
    """The payments' cycle (``tests.payments.factories``): V delivered, 2 of X's 10 packs short."""
    pw = build_pay_world(session, world)
    deliver(session, pw.po_v, {world.member_x.id: 2})
    return pw


def x_drop(pw):
    drop = next(d for d in pw.po_v.deliveries if d.member_id == pw.world.member_x.id)
    return drop, pw.line(pw.po_v, pw.world.member_x.id)


def test_the_vendor_corrects_a_count_with_a_reason(session, payw, as_):
    drop, line = x_drop(payw)
    answer = data(as_(payw.world.vendor).post(URL.format(drop.id), {
        "received": {str(line.id): 9}, "reason": "  one crate was found   behind the door "}))
    (got,) = answer["lines"]
    assert (got["received_packs"], got["shortage_packs"], got["shortage"]) == (9, 1, "14.80")
    assert (answer["status"], answer["note"]) == ("short", "one crate was found behind the door")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "delivery.corrected")).one()
    assert event.actor_id == payw.world.vendor.id
    everything = data(as_(payw.world.dx).post(URL.format(drop.id), {"received": {str(line.id): 10},
                                                                     "reason": "all ten were there"}))
    assert (everything["status"], everything["lines"][0]["shortage"]) == ("received", "0.00")


def test_a_reason_is_required_and_bad_counts_are_named(session, payw, as_):
    drop, line = x_drop(payw)
    vendor = as_(payw.world.vendor)
    missing = data(vendor.post(URL.format(drop.id), {"received": {str(line.id): 9}}), 422)
    assert missing["details"] == [{"field": "reason", "message": "This field is required."}]
    blank = data(vendor.post(URL.format(drop.id), {"received": {str(line.id): 9}, "reason": "   "}), 422)
    assert [d["field"] for d in blank["details"]] == ["reason"] and "first count" in blank["details"][0]["message"]
    too_many = data(vendor.post(URL.format(drop.id), {"received": {str(line.id): 11}, "reason": "recount"}), 422)
    assert too_many["details"] and "10" in str(too_many["details"])
    bad = data(vendor.post(URL.format(drop.id), {"received": {"milk": "nine"}, "reason": "recount"}), 422)
    assert bad["details"][0]["field"] == "received.milk"
    assert data(vendor.post(URL.format(drop.id), {"reason": "recount"}), 400)["error"] == "bad_request"
    session.expire_all()
    assert (line.received_packs, drop.status, drop.corrected_at) == (8, DeliveryStatus.SHORT, None)


def test_who_may_correct_and_a_foreign_delivery_is_a_404(session, payw, as_):
    drop, line = x_drop(payw)
    body = {"received": {str(line.id): 9}, "reason": "recount"}
    for outsider in (payw.world.dy, payw.world.other_hub, payw.world.dz, payw.vendor_w_user):
        assert data(as_(outsider).post(URL.format(drop.id), body), 404)["error"] == "not_found"
    session.expire_all()
    assert line.received_packs == 8 and drop.corrected_at is None


def test_after_the_payout_only_the_hub_corrects_and_never_below_the_refund_made(session, payw, as_, gateway, emu):  # noqa: F811
    pw = payw
    payments.pay_share(session, pw.world.dx, gateway, pw.share_x.id, "pm_card_visa")
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    payouts.run_payouts(session, gateway)
    assert [r["amount"] for r in emu.objects("refund")] == [2960]
    drop, line = x_drop(pw)
    for clerk in (pw.world.vendor, pw.world.dx):
        refused = data(as_(clerk).post(URL.format(drop.id), {"received": {str(line.id): 7}, "reason": "recount"}), 409)
        assert refused["error"] == "conflict" and "ask the hub" in refused["message"]
    hub = as_(pw.world.hub)
    lower = data(hub.post(URL.format(drop.id), {"received": {str(line.id): 9}, "reason": "found one"}), 409)
    assert "already been refunded $29.60" in lower["message"] and "owed $14.80 back" in lower["message"]
    raised = data(hub.post(URL.format(drop.id), {"received": {str(line.id): 7}, "reason": "signed sheet says 7"}))
    assert raised["lines"][0]["shortage"] == "44.40" and raised["note"] == "signed sheet says 7"
    assert payouts.run_payouts(session, gateway).done == {"reversal": 1, "refund": 1}
    assert sorted(r["amount"] for r in emu.objects("refund")) == [1480, 2960]
