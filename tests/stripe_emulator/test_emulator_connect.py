"""Connect accounts, onboarding links, transfers from a charge, reversals, balances."""

from __future__ import annotations

import pytest
import requests
import stripe


def paid_charge(client: stripe.StripeClient, amount: int, group: str = "cycle_1") -> str:
    pi = client.v1.payment_intents.create(params={
        "amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "payment_method_types": ["card"], "transfer_group": group})
    return str(pi.latest_charge)


def onboarded_vendor(client: stripe.StripeClient) -> stripe.Account:
    account = client.v1.accounts.create(params={
        "type": "express", "email": "sales@vendor.example", "metadata": {"vendor_id": "v-3"}})
    link = client.v1.account_links.create(params={
        "account": account.id, "type": "account_onboarding",
        "refresh_url": "http://127.0.0.1/vendor/refresh", "return_url": "http://127.0.0.1/vendor/done"})
    with requests.get(link.url, allow_redirects=False, timeout=5) as visit:
        assert visit.status_code == 302
    return client.v1.accounts.retrieve(account.id)


def test_express_account_is_created_not_yet_able_to_receive(client):
    account = client.v1.accounts.create(params={
        "type": "express", "email": "sales@vendor.example", "metadata": {"vendor_id": "v-3"}})
    assert account.id.startswith("acct_") and account.type == "express"
    assert account.email == "sales@vendor.example" and account.metadata["vendor_id"] == "v-3"
    assert not account.charges_enabled and not account.payouts_enabled
    assert not account.details_submitted and account.capabilities.transfers == "inactive"
    assert [a.id for a in client.v1.accounts.list().data] == [account.id]


def test_onboarding_link_enables_the_account_and_is_single_use(emu, client):
    account = client.v1.accounts.create(params={"type": "express"})
    link = client.v1.account_links.create(params={
        "account": account.id, "type": "account_onboarding",
        "refresh_url": "http://127.0.0.1/refresh", "return_url": "http://127.0.0.1/done"})
    assert link.url.startswith(emu.url) and link.expires_at > link.created
    with requests.get(link.url, allow_redirects=False, timeout=5) as visit:
        assert (visit.status_code, visit.headers["Location"]) == (302, "http://127.0.0.1/done")
    account = client.v1.accounts.retrieve(account.id)
    assert account.charges_enabled and account.payouts_enabled and account.details_submitted
    assert account.capabilities.transfers == "active"
    updated = emu.events("account.updated")
    assert updated[-1]["data"]["previous_attributes"]["charges_enabled"] is False
    with requests.get(link.url, allow_redirects=False, timeout=5) as again:
        assert again.headers["Location"] == "http://127.0.0.1/refresh"


def test_transfer_to_an_account_not_onboarded_fails(client):
    charge = paid_charge(client, 50_00)
    account = client.v1.accounts.create(params={"type": "express"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 10_00, "currency": "usd",
                                           "destination": account.id,
                                           "source_transaction": charge})
    assert caught.value.code == "insufficient_capabilities_for_transfer"
    assert client.v1.transfers.list().data == []


def test_transfer_from_a_charge_then_partial_and_full_reversal(emu, client):
    vendor = onboarded_vendor(client)
    charge = paid_charge(client, 50_00, "cycle_7")
    transfer = client.v1.transfers.create(params={
        "amount": 30_00, "currency": "usd", "destination": vendor.id,
        "source_transaction": charge, "transfer_group": "cycle_7", "metadata": {"po": "PO-1"}})
    assert transfer.id.startswith("tr_") and transfer.source_transaction == charge
    assert [t.id for t in client.v1.transfers.list(params={"transfer_group": "cycle_7"}).data] \
        == [transfer.id]
    assert client.v1.transfers.list(params={"destination": vendor.id}).data[0].amount == 30_00

    partial = client.v1.transfers.reversals.create(transfer.id, params={"amount": 5_00})
    assert partial.id.startswith("trr_") and partial.transfer == transfer.id
    after = client.v1.transfers.retrieve(transfer.id)
    assert after.amount_reversed == 5_00 and after.reversed is False
    rest = client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 25_00
    after = client.v1.transfers.retrieve(transfer.id)
    assert after.amount_reversed == 30_00 and after.reversed is True
    listed = client.v1.transfers.reversals.list(transfer.id)
    assert [r.id for r in listed.data] == [rest.id, partial.id]
    assert [e["type"] for e in emu.events() if e["type"].startswith("transfer.")] == [
        "transfer.created", "transfer.reversed", "transfer.reversed"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 1})


def test_transfers_cannot_exceed_what_remains_of_the_source_charge(client):
    vendor = onboarded_vendor(client)
    charge = paid_charge(client, 40_00)
    client.v1.refunds.create(params={"charge": charge, "amount": 5_00})
    first = client.v1.transfers.create(params={"amount": 30_00, "currency": "usd",
                                               "destination": vendor.id,
                                               "source_transaction": charge})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 5_01, "currency": "usd",
                                           "destination": vendor.id,
                                           "source_transaction": charge})
    assert caught.value.code == "balance_insufficient" and caught.value.param == "amount"
    client.v1.transfers.reversals.create(first.id, params={"amount": 1_00})
    again = client.v1.transfers.create(params={"amount": 6_00, "currency": "usd",
                                               "destination": vendor.id,
                                               "source_transaction": charge})
    assert again.amount == 6_00
    assert len(client.v1.transfers.list().data) == 2


def test_balance_of_platform_and_connected_account(client):
    vendor = onboarded_vendor(client)
    charge = paid_charge(client, 20_00)
    client.v1.transfers.create(params={"amount": 15_00, "currency": "usd",
                                       "destination": vendor.id, "source_transaction": charge})
    platform = client.v1.balance.retrieve()
    assert platform.available[0].amount == 5_00 and platform.available[0].currency == "usd"
    connected = client.v1.balance.retrieve(options={"stripe_account": vendor.id})
    assert connected.available[0].amount == 15_00
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 5_01, "currency": "usd",
                                           "destination": vendor.id})
    assert caught.value.code == "balance_insufficient"
