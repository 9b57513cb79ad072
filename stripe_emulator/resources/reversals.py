"""Transfer reversals and the Balance."""

from __future__ import annotations

from typing import Any

from stripe_emulator import errors
from stripe_emulator.params import Params
from stripe_emulator.rendering import embedded_list, page
from stripe_emulator.resources.charges import money
from stripe_emulator.resources.connect import available_balance
from stripe_emulator.store import RequestContext, Store


def _reversals_of(store: Store, transfer_id: str) -> list[dict[str, Any]]:
    return [r for r in store.all("transfer_reversal") if r["transfer"] == transfer_id]


def create_reversal(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only("amount", "description", "metadata", "refund_application_fee")
    transfer = store.get("transfer", id)
    metadata = params.metadata()
    remaining = transfer["amount"] - transfer["amount_reversed"]
    if remaining == 0:
        raise errors.state_error(f"Transfer {id} has already been fully reversed.",
                                 code="transfer_already_reversed")
    amount = params.integer("amount", minimum=1)
    if amount is not None and amount > remaining:
        currency = transfer["currency"]
        raise errors.state_error(
            f"Transfer reversal amount ({money(amount, currency)}) is greater than the "
            f"unreversed amount of the transfer ({money(remaining, currency)}).",
            param="amount", code="amount_too_large")
    amount = remaining if amount is None else amount
    reversal = store.add({
        "id": store.new_id("trr"), "object": "transfer_reversal", "amount": amount,
        "balance_transaction": store.new_id("txn"), "created": store.now(),
        "currency": transfer["currency"], "destination_payment_refund": store.new_id("pyr"),
        "metadata": metadata, "source_refund": None, "transfer": id,
    })
    previous = {"amount_reversed": transfer["amount_reversed"], "reversed": transfer["reversed"]}
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    transfer["reversals"] = embedded_list(transfer["reversals"]["url"], _reversals_of(store, id))
    store.emit("transfer.reversed", transfer, ctx, previous=previous)
    return reversal


def _reversal(store: Store, transfer_id: str, reversal_id: str) -> dict[str, Any]:
    store.get("transfer", transfer_id)
    reversal = store.get("transfer_reversal", reversal_id)
    if reversal["transfer"] != transfer_id:
        raise errors.resource_missing("transfer reversal", reversal_id)
    return reversal


def retrieve_reversal(store: Store, ctx: RequestContext, params: Params, id: str,
                      reversal: str) -> dict[str, Any]:
    params.only()
    return _reversal(store, id, reversal)


def update_reversal(store: Store, ctx: RequestContext, params: Params, id: str,
                    reversal: str) -> dict[str, Any]:
    params.only("metadata")
    obj = _reversal(store, id, reversal)
    obj["metadata"] = params.metadata(obj["metadata"])
    transfer = store.get("transfer", id)
    transfer["reversals"] = embedded_list(transfer["reversals"]["url"], _reversals_of(store, id))
    return obj


def list_reversals(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only("limit", "starting_after", "ending_before")
    store.get("transfer", id)
    return page(store, _reversals_of(store, id), params, f"/v1/transfers/{id}/reversals")


def retrieve_balance(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    """The platform's balance, or a connected account's with the Stripe-Account header."""
    params.only()
    if ctx.stripe_account is not None:
        store.get("account", ctx.stripe_account, "Stripe-Account")
    available = available_balance(store, ctx.stripe_account)
    pending: dict[str, int] = {}
    if ctx.stripe_account is None:
        for charge in store.all("charge"):
            if charge["status"] == "pending":
                pending[charge["currency"]] = pending.get(charge["currency"], 0) + charge["amount"]
    currencies = sorted(set(available) | set(pending)) or ["usd"]

    def funds(totals: dict[str, int]) -> list[dict[str, Any]]:
        return [{"amount": totals.get(c, 0), "currency": c,
                 "source_types": {"card": totals.get(c, 0)}} for c in currencies]

    return {"object": "balance", "available": funds(available),
            "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
            "livemode": False, "pending": funds(pending)}


ROUTES = [
    ("POST", "/v1/transfers/{id}/reversals", create_reversal),
    ("GET", "/v1/transfers/{id}/reversals", list_reversals),
    ("GET", "/v1/transfers/{id}/reversals/{reversal}", retrieve_reversal),
    ("POST", "/v1/transfers/{id}/reversals/{reversal}", update_reversal),
    ("GET", "/v1/balance", retrieve_balance),
]
