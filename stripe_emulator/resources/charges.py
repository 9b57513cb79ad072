"""Charges (made by confirming PaymentIntents), bank-debit settlement and Refunds."""

from __future__ import annotations

import copy
from typing import Any

from stripe_emulator import errors, testcards
from stripe_emulator.params import Params
from stripe_emulator.rendering import created_filter, page
from stripe_emulator.store import RequestContext, Store


def money(amount: int, currency: str) -> str:
    """``$12.34`` for 1234 usd cents (integer arithmetic, no floats)."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    symbol = "$" if currency == "usd" else ""
    return f"{sign}{symbol}{amount // 100}.{amount % 100:02d}"


def _outcome(decline: testcards.Decline | None) -> dict[str, Any]:
    base = {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
            "risk_level": "normal", "risk_score": 20}
    if decline is None:
        return {**base, "network_status": "approved_by_network", "reason": None,
                "seller_message": "Payment complete.", "type": "authorized"}
    return {**base, "network_status": "declined_by_network", "reason": decline.decline_code,
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined"}


def _method_details(pm: dict[str, Any]) -> dict[str, Any]:
    if pm["type"] == "card":
        card = pm["card"]
        details = {k: card[k] for k in ("brand", "checks", "country", "exp_month", "exp_year",
                                        "fingerprint", "funding", "last4", "wallet")}
        details.update(network=card["brand"], three_d_secure=None, amount_authorization=None)
        return {"card": details, "type": "card"}
    bank = pm["us_bank_account"]
    details = {k: bank[k] for k in ("account_holder_type", "account_type", "bank_name",
                                    "fingerprint", "last4", "routing_number")}
    details["payment_reference"] = None
    return {"type": "us_bank_account", "us_bank_account": details}


def new_charge(store: Store, pi: dict[str, Any], pm: dict[str, Any], status: str,
               decline: testcards.Decline | None = None) -> dict[str, Any]:
    """The Charge one confirmation attempt of ``pi`` makes: succeeded, pending or failed."""
    charge_id = store.new_id("ch")
    failed = status == "failed"
    charge = {
        "id": charge_id, "object": "charge", "amount": pi["amount"],
        "amount_captured": pi["amount"] if status == "succeeded" else 0, "amount_refunded": 0,
        "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": None if failed else store.new_id("txn"),
        "billing_details": copy.deepcopy(pm["billing_details"]),
        "calculated_statement_descriptor": "SHAREDBUY", "captured": status == "succeeded",
        "created": store.now(), "currency": pi["currency"], "customer": pi["customer"],
        "description": pi["description"], "disputed": False, "failure_balance_transaction": None,
        "failure_code": decline.code if decline else None,
        "failure_message": decline.message if decline else None,
        "fraud_details": {}, "livemode": False, "metadata": dict(pi["metadata"]),
        "on_behalf_of": None, "outcome": _outcome(decline if failed else None),
        "paid": status == "succeeded", "payment_intent": pi["id"], "payment_method": pm["id"],
        "payment_method_details": _method_details(pm), "receipt_email": pi["receipt_email"],
        "receipt_url": f"https://pay.stripe.com/receipts/emulator/{charge_id}",
        "refunded": False, "review": None, "shipping": None, "source_transfer": None,
        "statement_descriptor": pi["statement_descriptor"],
        "statement_descriptor_suffix": pi["statement_descriptor_suffix"], "status": status,
        "transfer_data": None, "transfer_group": pi["transfer_group"],
    }
    return store.add(charge)


def payment_error(store: Store, charge: dict[str, Any], pm: dict[str, Any],
                  decline: testcards.Decline) -> dict[str, Any]:
    """The ``last_payment_error`` of a PaymentIntent whose charge failed."""
    error = {"charge": charge["id"], "code": decline.code,
             "doc_url": f"https://stripe.com/docs/error-codes/{decline.code.replace('_', '-')}",
             "message": decline.message, "payment_method": copy.deepcopy(pm), "type": "card_error"}
    if decline.decline_code:
        error["decline_code"] = decline.decline_code
    return error


def succeed(store: Store, ctx: RequestContext | None, pi: dict[str, Any],
            charge: dict[str, Any]) -> None:
    charge.update(status="succeeded", paid=True, captured=True, amount_captured=charge["amount"])
    pi.update(status="succeeded", amount_received=pi["amount"], processing=None,
              last_payment_error=None, latest_charge=charge["id"])
    store.emit("charge.succeeded", charge, ctx)
    store.emit("payment_intent.succeeded", pi, ctx)


def fail(store: Store, ctx: RequestContext | None, pi: dict[str, Any], charge: dict[str, Any],
         pm: dict[str, Any], decline: testcards.Decline) -> None:
    charge.update(status="failed", paid=False, captured=False, amount_captured=0,
                  failure_code=decline.code, failure_message=decline.message,
                  outcome=_outcome(decline))
    if charge["balance_transaction"] is not None:
        charge["failure_balance_transaction"] = store.new_id("txn")
    pi.update(status="requires_payment_method", processing=None, latest_charge=charge["id"],
              last_payment_error=payment_error(store, charge, pm, decline))
    store.emit("charge.failed", charge, ctx)
    store.emit("payment_intent.payment_failed", pi, ctx)


def settle_processing(store: Store, payment_intent: str | None = None) -> list[str]:
    """Finish bank debits in ``processing``: succeed or fail as their account dictates."""
    settled = []
    with store.lock:
        for pi in store.all("payment_intent"):
            if pi["status"] != "processing" or payment_intent not in (None, pi["id"]):
                continue
            charge = store.get("charge", pi["latest_charge"])
            pm = store.get("payment_method", pi["payment_method"])
            decline = store.hidden[pm["id"]]["behaviour"].decline
            if decline is None:
                succeed(store, None, pi, charge)
            else:
                fail(store, None, pi, charge, pm, decline)
            settled.append(pi["id"])
    return settled


def retrieve_charge(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    return store.get("charge", id)


def list_charges(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("customer", "payment_intent", "transfer_group", "created", "limit",
                "starting_after", "ending_before")
    wanted = {k: params.text(k) for k in ("customer", "payment_intent", "transfer_group")}
    in_range = created_filter(params)
    rows = [c for c in store.all("charge") if in_range(c)
            and all(v is None or c[k] == v for k, v in wanted.items())]
    return page(store, rows, params, "/v1/charges")


# -- Refunds --------------------------------------------------------------------------------


def _refund_target(store: Store, params: Params) -> dict[str, Any]:
    charge_id, pi_id = params.text("charge"), params.text("payment_intent")
    if charge_id is None and pi_id is None:
        raise errors.invalid_request(
            "One of the following params should be provided for this request: payment_intent "
            "or charge.")
    if pi_id is None:
        return store.get("charge", charge_id, "charge")
    pi = store.get("payment_intent", pi_id, "payment_intent")
    if pi["status"] != "succeeded":
        raise errors.state_error(
            f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
            param="payment_intent", code="charge_not_refundable")
    if charge_id is not None and charge_id != pi["latest_charge"]:
        raise errors.invalid_request(
            f"The charge {charge_id} does not belong to the PaymentIntent {pi_id}.",
            param="charge")
    return store.get("charge", pi["latest_charge"])


def _refundable(charge: dict[str, Any], params: Params) -> int:
    if charge["status"] != "succeeded":
        raise errors.state_error(
            f"Charge {charge['id']} has status {charge['status']}; only a succeeded charge "
            "can be refunded.", param="charge", code="charge_not_refundable")
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining == 0:
        raise errors.state_error(f"Charge {charge['id']} has already been refunded.",
                                 code="charge_already_refunded")
    amount = params.integer("amount", minimum=1)
    if amount is not None and amount > remaining:
        raise errors.state_error(
            f"Refund amount ({money(amount, charge['currency'])}) is greater than unrefunded "
            f"amount on charge ({money(remaining, charge['currency'])})",
            param="amount", code="amount_too_large")
    return remaining if amount is None else amount


def create_refund(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("charge", "payment_intent", "amount", "reason", "metadata", "instructions_email")
    reason = params.text("reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
    metadata = params.metadata()
    charge = _refund_target(store, params)
    amount = _refundable(charge, params)
    method = charge["payment_method_details"]["type"]
    refund = store.add({
        "id": store.new_id("re"), "object": "refund", "amount": amount,
        "balance_transaction": store.new_id("txn"), "charge": charge["id"],
        "created": store.now(), "currency": charge["currency"],
        "destination_details": {method: {}, "type": method}, "metadata": metadata,
        "payment_intent": charge["payment_intent"], "reason": reason, "receipt_number": None,
        "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
    })
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    store.emit("refund.created", refund, ctx)
    store.emit("charge.refunded", charge, ctx, previous=previous)
    return refund


def retrieve_refund(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    return store.get("refund", id)


def update_refund(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only("metadata")
    refund = store.get("refund", id)
    refund["metadata"] = params.metadata(refund["metadata"])
    return refund


def list_refunds(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("charge", "payment_intent", "created", "limit", "starting_after", "ending_before")
    wanted = {k: params.text(k) for k in ("charge", "payment_intent")}
    in_range = created_filter(params)
    rows = [r for r in store.all("refund") if in_range(r)
            and all(v is None or r[k] == v for k, v in wanted.items())]
    return page(store, rows, params, "/v1/refunds")


ROUTES = [
    ("GET", "/v1/charges", list_charges),
    ("GET", "/v1/charges/{id}", retrieve_charge),
    ("POST", "/v1/refunds", create_refund),
    ("GET", "/v1/refunds", list_refunds),
    ("GET", "/v1/refunds/{id}", retrieve_refund),
    ("POST", "/v1/refunds/{id}", update_refund),
]
