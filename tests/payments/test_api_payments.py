"""The payments API: a director reads its share's payment, pays it with a saved method or gets
the client secret to confirm in a browser, and reports back; the hub reads the cycle's ledger
and reconciliation and queues the payout and reconciliation jobs. Every answer is checked
against the OpenAPI document (``tests.api.client``)."""

from __future__ import annotations

import pytest

from marketplace.models import PaymentJob
from tests.api.client import ApiClient, make_token
from tests.payments.test_card_payments import browser_pays, card_app  # noqa: F401  (a fixture)

X = "/api/v1/shares/{}/payment"


@pytest.fixture
def as_(card_app, session):  # noqa: F811
    return lambda user: ApiClient(card_app, make_token(session, user))


def test_a_director_pays_in_the_browser_through_the_api(as_, pw, emu):
    director = as_(pw.world.dx)
    before = director.get(X.format(pw.share_x.id)).get_json()
    assert (before["status"], before["can_pay"], before["amount"], before["fee"]) == ("unpaid", True, "269.76", "6.76")
    started = director.post(X.format(pw.share_x.id) + "/intent").get_json()
    assert started["amount"] == "269.76" and started == director.post(X.format(pw.share_x.id) + "/intent").get_json()
    assert browser_pays(emu, started["client_secret"], "4242424242424242")["status"] == "succeeded"
    paid = director.post(X.format(pw.share_x.id) + "/confirmed", {"payment_intent": started["payment_intent"]})
    payment = paid.get_json()
    assert payment["status"] == "paid" and payment["payment_intent"] == started["payment_intent"]
    assert [(a["number"], a["status"], a["method_type"]) for a in payment["attempts"]] == [(1, "succeeded", "card")]
    assert sorted((e["kind"], e["amount"]) for e in payment["entries"]) == [("charge", "269.76"), ("hub_fee", "6.76")]
    assert director.post(X.format(pw.share_x.id) + "/intent").status_code == 409
    assert len(emu.objects("payment_intent")) == 1


def test_a_director_pays_with_a_saved_method_and_a_decline_is_an_answer(as_, pw, emu):
    director = as_(pw.world.dx)
    missing = director.post(X.format(pw.share_x.id), {})
    assert missing.status_code == 422 and missing.get_json()["details"]
    declined = director.post(X.format(pw.share_x.id), {"payment_method": "pm_card_chargeDeclined"}).get_json()
    assert declined["status"] == "failed" and declined["failure_message"] == "Your card was declined."
    assert director.post(X.format(pw.share_x.id), {"payment_method": "pm_card_visa"}).get_json()["status"] == "paid"
    again = director.post(X.format(pw.share_x.id), {"payment_method": "pm_card_visa"})
    assert again.status_code == 409 and "paid already" in again.get_json()["message"]
    assert [c["status"] for c in emu.objects("charge")] == ["failed", "succeeded"]


def test_a_share_payment_is_its_directors_and_the_hubs_to_read_and_the_directors_to_pay(as_, pw, emu):
    x, hub = as_(pw.world.dx), as_(pw.world.hub)
    for url in (X.format(pw.share_y.id), X.format(pw.share_y.id) + "/intent"):
        assert (x.get(url) if url.endswith("payment") else x.post(url)).status_code == 404
    assert x.post(X.format(pw.share_y.id), {"payment_method": "pm_card_visa"}).status_code == 404
    assert hub.get(X.format(pw.share_y.id)).get_json()["amount"] == "87.38"  # 84.20 + 2% + 1.50
    assert hub.post(X.format(pw.share_y.id) + "/intent").status_code == 403
    assert emu.objects("payment_intent") == []


def test_the_hub_reads_the_ledger_and_runs_payouts_and_reconciliation_as_jobs(as_, session, pw, gateway, emu, queue):
    as_(pw.world.dx).post(X.format(pw.share_x.id), {"payment_method": "pm_card_visa"})
    hub, cycle = as_(pw.world.hub), f"/api/v1/cycles/{pw.cycle.id}"
    ledger = hub.get(f"{cycle}/ledger").get_json()
    assert ledger["totals"] == {"charges": "269.76", "fees": "6.76", "refunds": "0.00", "fee_refunds": "0.00",
                                "payouts": "0.00", "held": "263.00"}
    assert [(p["member_name"], p["status"]) for p in ledger["payments"]] == [(pw.world.member_x.name, "paid")]
    assert hub.get(f"{cycle}/reconciliation").get_json() == {"cycle_id": pw.cycle.id, "report": None, "job": None}
    job = hub.post(f"{cycle}/reconciliation").get_json()
    assert (job["status"], job["active"], job["kind"]) == ("queued", True, "reconcile")
    assert hub.post(f"{cycle}/reconciliation").get_json()["id"] == job["id"]  # joined
    queue.run_all()
    done = hub.get(f"/api/v1/payment-jobs/{job['id']}").get_json()
    assert done["status"] == "done" and done["summary"] == "Our ledger and Stripe agree."
    state = hub.get(f"{cycle}/reconciliation").get_json()
    assert state["report"]["ok"] is True and state["report"]["id"] == done["report_id"]
    assert state["report"]["stripe_charges"] == "269.76" and state["job"]["id"] == job["id"]
    payouts = hub.post(f"{cycle}/payouts")
    assert payouts.status_code == 202 and payouts.get_json()["kind"] == "payouts"
    queue.run_all()
    assert session.get(PaymentJob, payouts.get_json()["id"]).result["done"] == {}  # nothing delivered yet
    assert as_(pw.world.dx).get(f"{cycle}/ledger").status_code == 403
    assert as_(pw.world.dx).get(f"/api/v1/payment-jobs/{job['id']}").status_code == 404
