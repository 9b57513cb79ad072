"""Connect: Accounts, AccountLinks (onboarding), Transfers, Transfer reversals, Balance."""

from __future__ import annotations

import copy
from typing import Any

from stripe_emulator import errors
from stripe_emulator.params import Params
from stripe_emulator.rendering import created_filter, embedded_list, page
from stripe_emulator.resources.charges import money
from stripe_emulator.store import RequestContext, Store

LINK_LIFETIME = 300
_DUE = ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
_ACCOUNT_PARAMS = ("type", "country", "email", "business_type", "capabilities", "metadata",
                   "business_profile", "controller", "default_currency")


def _requirements(due: list[str]) -> dict[str, Any]:
    return {"alternatives": [], "current_deadline": None, "currently_due": list(due),
            "disabled_reason": "requirements.past_due" if due else None, "errors": [],
            "eventually_due": list(due), "past_due": list(due), "pending_verification": []}


def _capabilities(params: Params, current: dict[str, str]) -> dict[str, str]:
    result = dict(current)
    for name, settings in (params.mapping("capabilities") or {}).items():
        requested = Params(settings if isinstance(settings, dict) else {}).only("requested")
        if requested.boolean("requested"):
            result.setdefault(name, "inactive")
        else:
            result.pop(name, None)
    return result


def create_account(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only(*_ACCOUNT_PARAMS)
    type_ = params.text("type", choices=("express", "standard", "custom"))
    if type_ is None and params.mapping("controller") is None:
        raise errors.missing_param("type")
    capabilities = _capabilities(params, {}) or {"transfers": "inactive"}
    account_id = store.new_id("acct", 16)
    profile = {"mcc": None, "name": None, "product_description": None, "support_email": None,
               "support_phone": None, "support_url": None, "url": None}
    profile.update(Params(params.mapping("business_profile") or {}).only(*profile).data)
    account = {
        "id": account_id, "object": "account", "business_profile": profile,
        "business_type": params.text("business_type"), "capabilities": capabilities,
        "charges_enabled": False,
        "controller": {"type": "application", "is_controller": True,
                       "stripe_dashboard": {"type": type_ or "none"}},
        "country": (params.text("country") or "US").upper(), "created": store.now(),
        "default_currency": params.text("default_currency") or "usd",
        "details_submitted": False, "email": params.text("email"),
        "external_accounts": embedded_list(f"/v1/accounts/{account_id}/external_accounts", []),
        "future_requirements": _requirements([]), "metadata": params.metadata(),
        "payouts_enabled": False, "requirements": _requirements(_DUE),
        "settings": {"payouts": {"schedule": {"delay_days": 2, "interval": "daily"}}},
        "tos_acceptance": {"date": None}, "type": type_ or "none",
    }
    return store.add(account)


def onboard_account(store: Store, account_id: str) -> dict[str, Any]:
    """What finishing Stripe's hosted onboarding does: everything enabled, nothing due."""
    with store.lock:
        account = store.get("account", account_id)
        if account["details_submitted"]:
            return account
        fields = ("capabilities", "charges_enabled", "payouts_enabled", "details_submitted",
                  "requirements")
        previous = copy.deepcopy({k: account[k] for k in fields})
        bank = {"id": store.new_id("ba"), "object": "bank_account", "account": account_id,
                "account_holder_name": None, "account_holder_type": None,
                "bank_name": "STRIPE TEST BANK", "country": "US",
                "currency": account["default_currency"], "default_for_currency": True,
                "last4": "6789", "routing_number": "110000000", "status": "new"}
        account.update(
            capabilities={name: "active" for name in account["capabilities"]},
            charges_enabled=True, payouts_enabled=True, details_submitted=True,
            requirements=_requirements([]), tos_acceptance={"date": store.now()},
            external_accounts=embedded_list(account["external_accounts"]["url"], [bank]),
        )
        store.emit("account.updated", account, None, previous=previous)
        return account


def retrieve_account(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    return store.get("account", id)


def update_account(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only("email", "metadata", "business_profile", "capabilities")
    account = store.get("account", id)
    previous = copy.deepcopy({k: account[k] for k in ("email", "metadata", "capabilities")})
    metadata = params.metadata(account["metadata"])
    profile = Params(params.mapping("business_profile") or {}).only(*account["business_profile"])
    capabilities = _capabilities(params, account["capabilities"])
    if params.has("email"):
        account["email"] = params.text("email")
    account["business_profile"].update(profile.data)
    account.update(metadata=metadata, capabilities=capabilities)
    if account["details_submitted"]:
        account["capabilities"] = {name: "active" for name in account["capabilities"]}
    store.emit("account.updated", account, ctx,
               previous={k: v for k, v in previous.items() if account[k] != v})
    return account


def list_accounts(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("created", "limit", "starting_after", "ending_before")
    in_range = created_filter(params)
    return page(store, [a for a in store.all("account") if in_range(a)], params, "/v1/accounts")


def create_account_link(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("account", "type", "refresh_url", "return_url", "collect", "collection_options")
    account = store.get("account", params.text("account", required=True), "account")
    params.text("type", required=True, choices=("account_onboarding", "account_update"))
    token = store.token(32)
    created = store.now()
    store.links[token] = {"account": account["id"], "expires_at": created + LINK_LIFETIME,
                          "used": False, "refresh_url": params.text("refresh_url"),
                          "return_url": params.text("return_url")}
    return {"object": "account_link", "created": created,
            "expires_at": created + LINK_LIFETIME,
            "url": f"{ctx.base_url}/_emulator/onboarding/{token}"}


def follow_account_link(store: Store, token: str) -> tuple[bool, str | None]:
    """Visit a link: (onboarded?, where to redirect). Links are single-use and expire."""
    with store.lock:
        link = store.links.get(token)
        if link is None:
            return False, None
        if link["used"] or store.now() > link["expires_at"]:
            return False, link["refresh_url"]
        link["used"] = True
        onboard_account(store, link["account"])
        return True, link["return_url"]


# -- Transfers ------------------------------------------------------------------------------


def transferred_from(store: Store, charge_id: str) -> int:
    """Net amount already transferred out of one charge (transfers less reversals)."""
    return sum(t["amount"] - t["amount_reversed"] for t in store.all("transfer")
               if t["source_transaction"] == charge_id)


def _check_source(store: Store, charge_id: str, amount: int, currency: str) -> None:
    charge = store.get("charge", charge_id, "source_transaction")
    if charge["status"] not in ("succeeded", "pending"):
        raise errors.state_error(
            f"The source_transaction {charge_id} has status {charge['status']}; transfers "
            "need a succeeded or pending charge.", param="source_transaction")
    if charge["currency"] != currency:
        raise errors.invalid_request(
            f"The currency of the transfer ({currency}) must match the currency of the "
            f"source_transaction ({charge['currency']}).", param="currency")
    available = charge["amount"] - charge["amount_refunded"] - transferred_from(store, charge_id)
    if amount > available:
        raise errors.state_error(
            f"The transfer amount ({money(amount, currency)}) exceeds what remains of "
            f"source_transaction {charge_id} ({money(available, currency)}) after its refunds "
            "and earlier transfers.", param="amount", code="balance_insufficient")


def _check_destination(store: Store, destination: str) -> None:
    account = store.find(destination)
    if account is None or account["object"] != "account":
        raise errors.resource_missing("destination", destination, "destination")
    if account["capabilities"].get("transfers") != "active":
        raise errors.invalid_request(
            "Your destination account needs to have at least one of the following capabilities "
            "enabled: transfers, crypto_transfers, legacy_payments", param="destination",
            code="insufficient_capabilities_for_transfer", stored=True)


def create_transfer(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("amount", "currency", "destination", "transfer_group", "source_transaction",
                "description", "metadata", "source_type")
    amount = params.integer("amount", required=True, minimum=1) or 0
    currency = (params.text("currency", required=True) or "").lower()
    destination = params.text("destination", required=True) or ""
    source = params.text("source_transaction")
    metadata = params.metadata()
    _check_destination(store, destination)
    if source is not None:
        _check_source(store, source, amount, currency)
    elif amount > available_balance(store).get(currency, 0):
        raise errors.state_error(
            "You have insufficient available funds in your Stripe account. Try adding funds "
            "directly to your available balance by creating Charges using the "
            "4000000000000077 test card.", code="balance_insufficient")
    transfer_id = store.new_id("tr")
    transfer = store.add({
        "id": transfer_id, "object": "transfer", "amount": amount, "amount_reversed": 0,
        "balance_transaction": store.new_id("txn"), "created": store.now(),
        "currency": currency, "description": params.text("description"),
        "destination": destination, "destination_payment": store.new_id("py"),
        "livemode": False, "metadata": metadata,
        "reversals": embedded_list(f"/v1/transfers/{transfer_id}/reversals", []),
        "reversed": False, "source_transaction": source, "source_type": "card",
        "transfer_group": params.text("transfer_group"),
    })
    store.emit("transfer.created", transfer, ctx)
    return transfer


def retrieve_transfer(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    return store.get("transfer", id)


def update_transfer(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only("description", "metadata")
    transfer = store.get("transfer", id)
    previous = {"description": transfer["description"], "metadata": transfer["metadata"]}
    metadata = params.metadata(transfer["metadata"])
    if params.has("description"):
        transfer["description"] = params.text("description")
    transfer["metadata"] = metadata
    store.emit("transfer.updated", transfer, ctx,
               previous={k: v for k, v in previous.items() if transfer[k] != v})
    return transfer


def list_transfers(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("destination", "transfer_group", "created", "limit", "starting_after",
                "ending_before")
    wanted = {k: params.text(k) for k in ("destination", "transfer_group")}
    in_range = created_filter(params)
    rows = [t for t in store.all("transfer") if in_range(t)
            and all(v is None or t[k] == v for k, v in wanted.items())]
    return page(store, rows, params, "/v1/transfers")


def available_balance(store: Store, account: str | None = None) -> dict[str, int]:
    """Available funds per currency: the platform's, or a connected account's."""
    totals: dict[str, int] = {}
    for transfer in store.all("transfer"):
        net = transfer["amount"] - transfer["amount_reversed"]
        sign = 1 if account is not None else -1
        if account in (None, transfer["destination"]):
            totals[transfer["currency"]] = totals.get(transfer["currency"], 0) + sign * net
    if account is None:
        for charge in store.all("charge"):
            if charge["status"] == "succeeded":
                net = charge["amount"] - charge["amount_refunded"]
                totals[charge["currency"]] = totals.get(charge["currency"], 0) + net
    return totals


ROUTES = [
    ("POST", "/v1/accounts", create_account),
    ("GET", "/v1/accounts", list_accounts),
    ("GET", "/v1/accounts/{id}", retrieve_account),
    ("POST", "/v1/accounts/{id}", update_account),
    ("POST", "/v1/account_links", create_account_link),
    ("POST", "/v1/transfers", create_transfer),
    ("GET", "/v1/transfers", list_transfers),
    ("GET", "/v1/transfers/{id}", retrieve_transfer),
    ("POST", "/v1/transfers/{id}", update_transfer),
]
