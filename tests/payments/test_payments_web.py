"""The payment pages: a director pays, a vendor sets up payouts, the hub sets its fee, pays
vendors out and reconciles."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from marketplace.models import HubFeeSetting, PaymentStatus, SharePayment, StripeAccount
from tests.payments.factories import deliver, onboard


@pytest.fixture
def paying_app(app, gateway):
    app.extensions["sharedbuy.payments"] = gateway
    yield app
    app.extensions["sharedbuy.payments"] = None


def test_a_director_pays_from_the_share_page(paying_app, session, pw, make_client, emu):
    director = make_client(pw.world.dx)
    page = director.get(f"/payments/shares/{pw.share_x.id}").get_data(as_text=True)
    assert "$263.00" in page and "$6.76" in page and "Pay $269.76" in page and "Visa card ending 4242" in page
    assert "SECRET-Member-X" in page
    response = director.post(f"/payments/shares/{pw.share_x.id}/pay", {"payment_method": "pm_card_visa"})
    assert response.status_code == 302
    page = director.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: $269.76 was paid." in page and "Pay $269.76" not in page
    assert len(emu.objects("charge")) == 1


def test_a_declined_card_says_so_and_offers_another_try(paying_app, session, pw, make_client):
    director = make_client(pw.world.dx)
    response = director.post(f"/payments/shares/{pw.share_x.id}/pay", {"payment_method": "pm_card_chargeDeclined"},
                             follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "did not go through" in page and "Your card was declined." in page
    assert "Pay $269.76" in page  # the form is there again


def test_the_pay_form_refuses_an_unknown_method(paying_app, session, pw, make_client, emu):
    response = make_client(pw.world.dx).post(f"/payments/shares/{pw.share_x.id}/pay", {"payment_method": "tok_x"})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert emu.objects("payment_intent") == []


def test_payments_off_is_a_clear_503_not_a_crash(app, session, pw, make_client):
    app.extensions["sharedbuy.payments"] = None
    response = make_client(pw.world.dx).post(f"/payments/shares/{pw.share_x.id}/pay",
                                             {"payment_method": "pm_card_visa"})
    assert response.status_code == 503 and "not set up" in response.get_data(as_text=True)


def test_directors_see_their_bills_and_the_hub_all(paying_app, session, pw, make_client):
    mine = make_client(pw.world.dx).get("/payments").get_data(as_text=True)
    assert "$269.76" in mine and "$86.87" not in mine  # Y pays 84.20 + 2% (1.68) + 1.50 + ...
    everyone = make_client(pw.world.hub).get("/payments").get_data(as_text=True)
    assert "SECRET-Member-X" in everyone and "Member Y" in everyone


def test_the_hub_sets_its_fee(paying_app, session, pw, make_client):
    hub = make_client(pw.world.hub)
    assert 'value="2.00"' in hub.get("/payments/fee").get_data(as_text=True)
    bad = hub.post("/payments/fee", {"percent": "abc", "fixed": "1"})
    assert bad.status_code == 422 and "Enter a percentage" in bad.get_data(as_text=True)
    assert hub.post("/payments/fee", {"percent": "1.5", "fixed": "3.00"}).status_code == 302
    setting = session.scalars(select(HubFeeSetting)).one()
    assert (str(setting.percent), setting.fixed_cents) == ("1.50", 300)
    assert make_client(pw.world.dx).get("/payments/fee").status_code == 403


def test_a_vendor_sets_up_payouts_through_stripes_onboarding(paying_app, session, pw, make_client, emu):
    vendor = make_client(pw.world.vendor)
    assert "Set up payouts" in vendor.get("/payments").get_data(as_text=True)
    page = vendor.post("/payments/connect").get_data(as_text=True)
    link = re.search(r'href="(http://127\.0\.0\.1:\d+/_emulator/onboarding/[^"]+)"', page).group(1)
    assert len(emu.objects("account")) == 1
    vendor.post("/payments/connect")  # a second click: the same account, a fresh link
    assert len(emu.objects("account")) == 1
    back = requests.get(link, allow_redirects=False, timeout=5)
    assert back.status_code in (302, 303) and back.headers["Location"].endswith("/payments/connect/return")
    response = vendor.get("/payments/connect/return", follow_redirects=True)
    assert "Your payout account is ready" in response.get_data(as_text=True)
    account = session.scalars(select(StripeAccount)).one()
    assert account.transfers_active and account.organization_id == pw.world.vendor_org.id
    assert make_client(pw.world.dx).post("/payments/connect").status_code == 403


def test_the_hub_pays_vendors_out_and_reconciles_from_the_cycle_page(paying_app, session, pw, make_client,
                                                                      gateway, emu, queue):
    make_client(pw.world.dx).post(f"/payments/shares/{pw.share_x.id}/pay", {"payment_method": "pm_card_visa"})
    onboard(session, gateway, emu, pw.world.vendor_org.id)
    deliver(session, pw.po_v, {pw.world.member_x.id: 2})
    hub = make_client(pw.world.hub)
    page = hub.post(f"/payments/cycles/{pw.cycle.id}/payouts", follow_redirects=True).get_data(as_text=True)
    assert "Pay vendors: queued." in page and "Working on it" in page and emu.objects("transfer") == []
    queue.run_all()  # the job, on the worker
    page = hub.get(f"/payments/cycles/{pw.cycle.id}").get_data(as_text=True)
    assert "Payouts: 1 refund, 1 transfer." in page
    hub.post(f"/payments/cycles/{pw.cycle.id}/reconcile")
    queue.run_all()
    page = hub.get(f"/payments/cycles/{pw.cycle.id}").get_data(as_text=True)
    assert "Our ledger and Stripe agree" in page and "$269.76" in page and "$29.60" in page
    assert "$90.00 still owed to vendors" not in page  # W's order is not delivered: nothing owed yet
    payment = session.scalars(select(SharePayment)).one()
    assert payment.status is PaymentStatus.PAID


def test_every_role_finds_payments_in_the_navigation_and_vendors_from_their_page(paying_app, session, pw,
                                                                                 make_client):
    for user, label in ((pw.world.dx, "Payments"), (pw.world.hub, "Payments"), (pw.world.vendor, "Payouts")):
        page = make_client(user).get("/").get_data(as_text=True)
        nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
        assert f'href="/payments">{label}</a>' in nav
    vendor_page = make_client(pw.world.vendor).get(f"/vendors/{pw.world.vendor_org.id}").get_data(as_text=True)
    assert 'href="/payments">Payout account</a>' in vendor_page


def test_the_approved_share_of_a_finalized_cycle_links_to_paying_it(paying_app, session, pw, make_client):
    page = make_client(pw.world.dx).get(f"/shares/{pw.share_x.id}").get_data(as_text=True)
    assert f'href="/payments/shares/{pw.share_x.id}">Pay your share</a>' in page
