"""A director pays the demo's delivered cycle by typing a card into the pay page, in Chromium:
the page loads Stripe.js (the demo's emulator serves its test double), the card fields are
Stripe's frame, a declined card says why and leaves the form ready, a good card pays, and the
payment service's webhook reaches the demo. Another director links a bank account instead."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_demo_cycles import log_in

pytestmark = pytest.mark.browser


def open_bill(page, server) -> str:
    """Go to the director's payments and open the bill of the delivered cycle; its amount."""
    page.goto(server.url + "payments")
    row = page.locator("table tbody tr").filter(has=page.get_by_role("link", name="Pay")).first
    amount = row.locator("td.num strong").inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name="Pay").click()
    return amount


def type_card(page, number: str) -> None:
    fields = page.frame_locator("iframe[name^=__privateStripeFrame]")
    for name, value in (("cardnumber", number), ("exp-date", "1234"), ("cvc", "123")):
        field = fields.locator(f"input[name={name}]")
        field.fill("")
        field.press_sequentially(value, delay=5)


def pay(page, amount: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=f"Pay {amount}").click()


def emulator_origin(page) -> str:
    """The demo's emulator: the address of the pay page's Stripe.js script."""
    script = page.locator("script[src$='/v3/']").get_attribute("src")
    return re.match(r"(http://127\.0\.0\.1:\d+)/v3/", script).group(1)


def deliveries(origin: str) -> list[dict]:
    """The webhook deliveries the demo's emulator made."""
    with urllib.request.urlopen(origin + "/_emulator/webhooks/deliveries", timeout=5) as answer:  # noqa: S310
        return json.load(answer)["deliveries"]


def test_a_director_types_a_declined_card_then_a_good_one_and_sees_the_share_paid(page, demo_server):
    log_in(page, demo_server, "Center director")
    amount = open_bill(page, demo_server)
    policy = page.context.request.get(page.url).headers["content-security-policy"]
    assert re.search(r"script-src 'self' http://127\.0\.0\.1:\d+;", policy)
    emulator = emulator_origin(page)
    deliveries_before = len(deliveries(emulator))

    errors: list[str] = []  # script errors and CSP refusals (the decline's 402 is logged, rightly)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.get_by_role("button", name=f"Pay {amount}").click()  # nothing typed yet: Stripe.js says so
    expect(page.locator("[data-pay-message]")).to_have_text("Your card number is incomplete.")
    type_card(page, "4000000000000002")
    pay(page, amount)
    expect(page.get_by_role("alert").filter(has_text="Your card was declined.").first).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Payment failed")
    screenshot(page, "pay-01-card-declined")

    type_card(page, "4242424242424242")
    pay(page, amount)
    expect(page.get_by_text(f"Thank you: {amount} was paid.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Paid")
    assert page.get_by_role("button", name=f"Pay {amount}").count() == 0
    money = page.locator("table").last.inner_text()
    assert "Charge" in money and amount in money
    screenshot(page, "pay-02-card-paid")

    def delivered(kind):
        return [d for d in deliveries(emulator)[deliveries_before:]
                if d["event_type"] == kind and d.get("status") == 200]

    page.wait_for_timeout(200)
    for _ in range(50):  # the emulator delivers webhooks from its own thread
        if delivered("payment_intent.succeeded"):
            break
        page.wait_for_timeout(200)
    assert delivered("payment_intent.payment_failed") and delivered("payment_intent.succeeded")
    page.reload()
    expect(page.locator("h1 .badge")).to_have_text("Paid")
    assert errors == []  # no CSP violation, no script error


def test_another_director_links_a_bank_account_and_the_debit_is_on_its_way(page, demo_server):
    director = [login for login in demo_server.logins if login.role == "Center director"][1]
    log_in(page, demo_server, "Center director", director.organization)
    amount = open_bill(page, demo_server)
    page.get_by_role("radio", name="US bank account (ACH debit", exact=False).check()
    page.get_by_role("button", name=f"Link a bank account and pay {amount}").click()
    dialog = page.frame_locator("iframe[name^=__privateStripeFrame]").last
    dialog.get_by_label("Account number").fill("000123456789")
    screenshot(page, "pay-03-bank-dialog")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Link account").click()
    expect(page.get_by_text(f"Your bank debit of {amount} is on its way")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Bank debit in progress")


def test_the_hub_pays_vendors_out_in_the_background_and_the_page_shows_the_result(page, demo_server):
    log_in(page, demo_server, "Hub manager")
    page.goto(demo_server.url + "payments")
    paid = page.locator("table tbody tr").filter(has=page.locator(".badge", has_text="Paid")).first
    with page.expect_navigation():
        paid.locator("td").first.get_by_role("link").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Pay vendors now").click()
    row = page.locator("#job-payouts")
    expect(page.get_by_text("Pay vendors: queued.")).to_be_visible()
    expect(row.locator(".badge")).to_have_text("Done", timeout=30_000)  # the page reloads itself when done
    expect(row).to_contain_text("Payouts:")
    screenshot(page, "pay-04-hub-payout-job")
