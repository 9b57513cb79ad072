"""Customers and PaymentMethods (test tokens, cards and US bank accounts)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from stripe_emulator import errors, testcards
from stripe_emulator.params import Params
from stripe_emulator.rendering import created_filter, page
from stripe_emulator.store import RequestContext, Store

_CUSTOMER_FIELDS = ("email", "name", "description", "phone")


def _customer_updates(store: Store, params: Params, obj: dict[str, Any],
                      attaching: str | None = None) -> dict[str, Any]:
    """The validated changes ``params`` make to customer ``obj`` (nothing is changed yet)."""
    updates: dict[str, Any] = {n: params.text(n) for n in _CUSTOMER_FIELDS if params.has(n)}
    updates["metadata"] = params.metadata(obj["metadata"])
    settings = params.mapping("invoice_settings")
    if settings is not None:
        default = Params(settings).only("default_payment_method").text("default_payment_method")
        if default is not None:
            pm = store.get("payment_method", default, "invoice_settings[default_payment_method]")
            if pm["customer"] != obj["id"] and default != attaching:
                raise errors.invalid_request(
                    f"The customer does not have a payment method with the ID {default}. The "
                    "payment method must be attached to the customer.",
                    param="invoice_settings[default_payment_method]")
        updates["invoice_settings"] = {**obj["invoice_settings"],
                                       "default_payment_method": default}
    return updates


_CUSTOMER_PARAMS = (*_CUSTOMER_FIELDS, "metadata", "invoice_settings", "payment_method")


def create_customer(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only(*_CUSTOMER_PARAMS)
    obj: dict[str, Any] = {
        "id": store.new_id("cus", 14), "object": "customer", "address": None, "balance": 0,
        "created": store.now(), "currency": None, "default_source": None, "delinquent": False,
        "description": None, "discount": None, "email": None,
        "invoice_prefix": store.token(8).upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": False, "metadata": {}, "name": None, "next_invoice_sequence": 1,
        "phone": None, "preferred_locales": [], "shipping": None, "tax_exempt": "none",
        "test_clock": None,
    }
    pm_id = params.text("payment_method")
    pm = resolve_payment_method(store, pm_id, "payment_method") if pm_id else None
    if pm is not None:
        _check_attachable(pm, obj)
    obj.update(_customer_updates(store, params, obj, pm["id"] if pm else None))
    store.add(obj)
    store.emit("customer.created", obj, ctx)
    if pm is not None:
        _attach(store, ctx, pm, obj)
    return obj


def retrieve_customer(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    return store.get("customer", id)


def update_customer(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only(*_CUSTOMER_FIELDS, "metadata", "invoice_settings")
    obj = store.get("customer", id)
    updates = _customer_updates(store, params, obj)
    changed = {k: obj[k] for k, v in updates.items() if obj[k] != v}
    obj.update(updates)
    store.emit("customer.updated", obj, ctx, previous=changed)
    return obj


def delete_customer(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    obj = store.get("customer", id)
    store.delete(id)
    store.emit("customer.deleted", obj, ctx)
    return {"id": id, "object": "customer", "deleted": True}


def list_customers(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("email", "created", "limit", "starting_after", "ending_before")
    email, in_range = params.text("email"), created_filter(params)
    rows = [c for c in store.all("customer") if in_range(c) and email in (None, c["email"])]
    return page(store, rows, params, "/v1/customers")


# -- PaymentMethods -------------------------------------------------------------------------


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _billing(details: dict[str, Any] | None) -> dict[str, Any]:
    details = details or {}
    return {
        "address": {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")},
        "email": details.get("email"), "name": details.get("name"),
        "phone": details.get("phone"), "tax_id": None,
    }


def _payment_method(store: Store, behaviour: testcards.Behaviour, billing: dict[str, Any] | None,
                    routing: str = "110000000") -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": store.new_id("pm"), "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": _billing(billing), "created": store.now(), "customer": None,
        "livemode": False, "metadata": {}, "type": behaviour.type,
    }
    if behaviour.type == "card":
        year = dt.datetime.now(dt.UTC).year + 3
        obj["card"] = {
            "brand": behaviour.brand, "checks": {"address_line1_check": None,
            "address_postal_code_check": None, "cvc_check": "pass"}, "country": "US",
            "display_brand": behaviour.brand, "exp_month": 12, "exp_year": year,
            "fingerprint": _fingerprint(behaviour.brand, behaviour.last4),
            "funding": behaviour.funding, "generated_from": None, "last4": behaviour.last4,
            "networks": {"available": [behaviour.brand], "preferred": None},
            "three_d_secure_usage": {"supported": True}, "wallet": None,
        }
    else:
        obj["us_bank_account"] = {
            "account_holder_type": "individual", "account_type": "checking",
            "bank_name": "STRIPE TEST BANK", "financial_connections_account": None,
            "fingerprint": _fingerprint(routing, behaviour.last4), "last4": behaviour.last4,
            "networks": {"preferred": "ach", "supported": ["ach"]},
            "routing_number": routing, "status_details": {},
        }
    return store.add(obj, {"behaviour": behaviour})


def resolve_payment_method(store: Store, pm_id: str, param: str) -> dict[str, Any]:
    """A stored PaymentMethod, or a fresh one made from a test token such as ``pm_card_visa``."""
    card = testcards.card_for_token(pm_id)
    if card is not None:
        return _payment_method(store, card, None)
    if pm_id in testcards.BANK_TOKENS:
        return _payment_method(
            store, testcards.bank_account(testcards.BANK_TOKENS[pm_id]), {"name": "Jenny Rosen"}
        )
    return store.get("payment_method", pm_id, param)


def behaviour_of(store: Store, pm: dict[str, Any]) -> testcards.Behaviour:
    return store.hidden[pm["id"]]["behaviour"]


def create_payment_method(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("type", "card", "us_bank_account", "billing_details", "metadata")
    type_ = params.text("type", required=True, choices=("card", "us_bank_account"))
    billing = params.mapping("billing_details")
    metadata = params.metadata()
    if type_ == "card":
        card = Params(params.mapping("card") or {}).only("token", "number", "exp_month", "exp_year",
                                                         "cvc")
        if card.has("number"):
            obj = _typed_card(store, card, billing)
        else:
            behaviour = testcards.card_for_token(card.text("token") or "")
            if behaviour is None:
                raise errors.invalid_request(
                    "This emulator accepts test card tokens (card[token]=tok_visa ...) and "
                    "Stripe's test card numbers (card[number]=4242424242424242 ...).",
                    param="card[token]",
                )
            obj = _payment_method(store, behaviour, billing)
    else:
        bank = Params(params.mapping("us_bank_account") or {}).only(
            "account_number", "routing_number", "account_holder_type", "account_type")
        number = bank.text("account_number", required=True) or ""
        if not (billing or {}).get("name"):
            raise errors.missing_param("billing_details[name]")
        routing = bank.text("routing_number", required=True) or ""
        obj = _payment_method(store, testcards.bank_account(number), billing, routing)
        for name in ("account_holder_type", "account_type"):
            if bank.has(name):
                obj["us_bank_account"][name] = bank.text(name)
    obj["metadata"] = metadata
    return obj


def _card_error(code: str, message: str, param: str, decline_code: str | None = None) -> errors.ApiError:
    extra = {"decline_code": decline_code} if decline_code else {}
    return errors.ApiError(402, "card_error", message, code=code, param=param, extra=extra)


def _typed_card(store: Store, card: Params, billing: dict[str, Any] | None) -> dict[str, Any]:
    """A card PaymentMethod from a typed number, expiry and CVC, checked as Stripe checks them."""
    number = (card.text("number") or "").replace(" ", "")
    if not testcards.luhn_valid(number):
        raise _card_error("incorrect_number", "Your card number is incorrect.", "card[number]")
    month = card.integer("exp_month", required=True)
    year = card.integer("exp_year", required=True)
    if month is None or not 1 <= month <= 12:
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                          "card[exp_month]")
    year = year + 2000 if year is not None and year < 100 else year
    now = dt.datetime.now(dt.UTC)
    if year is None or (year, month) < (now.year, now.month) or year > now.year + 50:
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.",
                          "card[exp_year]")
    cvc = card.text("cvc") or ""
    if not cvc.isdigit() or len(cvc) not in (3, 4):
        raise _card_error("invalid_cvc", "Your card's security code is invalid.", "card[cvc]")
    if number in testcards.THREE_D_SECURE:
        raise errors.invalid_request(
            "This emulator does not emulate 3-D Secure: use a test card that needs no "
            "authentication (4242424242424242 pays, 4000000000000002 is declined).",
            param="card[number]")
    behaviour = testcards.card_for_number(number)
    if behaviour is None:
        raise _card_error(
            "card_declined", "Your card was declined. Your request was in test mode, but used a "
            "non test (live) card. For a list of valid test cards, visit: "
            "https://stripe.com/docs/testing.", "card[number]", "test_mode_live_card")
    obj = _payment_method(store, behaviour, billing)
    obj["card"].update(exp_month=month, exp_year=year, last4=number[-4:],
                       fingerprint=_fingerprint(behaviour.brand, number))
    return obj


def retrieve_payment_method(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    return resolve_payment_method(store, id, "payment_method")


def _check_attachable(pm: dict[str, Any], customer: dict[str, Any]) -> None:
    if pm["customer"] not in (None, customer["id"]):
        raise errors.invalid_request(
            "The payment method you provided has already been attached to a customer.",
            param="payment_method", code="payment_method_unexpected_state",
        )


def _attach(store: Store, ctx: RequestContext, pm: dict[str, Any], customer: dict[str, Any]) -> None:
    _check_attachable(pm, customer)
    if pm["customer"] is None:
        pm["customer"] = customer["id"]
        store.emit("payment_method.attached", pm, ctx)


def attach_payment_method(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only("customer")
    customer = store.get("customer", params.text("customer", required=True), "customer")
    pm = resolve_payment_method(store, id, "payment_method")
    _attach(store, ctx, pm, customer)
    return pm


def detach_payment_method(store: Store, ctx: RequestContext, params: Params, id: str) -> dict[str, Any]:
    params.only()
    pm = store.get("payment_method", id)
    if pm["customer"] is None:
        raise errors.invalid_request(
            "The payment method you provided is not attached to a customer so detachment is "
            "impossible.", param="payment_method", code="payment_method_unexpected_state")
    pm["customer"] = None
    store.emit("payment_method.detached", pm, ctx)
    return pm


def list_payment_methods(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("customer", "type", "limit", "starting_after", "ending_before")
    customer = params.text("customer")
    if customer is not None:
        store.get("customer", customer, "customer")
    type_ = params.text("type")
    rows = [pm for pm in store.all("payment_method")
            if pm["customer"] is not None and customer in (None, pm["customer"])
            and type_ in (None, pm["type"])]
    return page(store, rows, params, "/v1/payment_methods")


def list_customer_payment_methods(store: Store, ctx: RequestContext, params: Params,
                                  id: str) -> dict[str, Any]:
    params.only("type", "limit", "starting_after", "ending_before")
    store.get("customer", id)
    params.data["customer"] = id
    result = list_payment_methods(store, ctx, params)
    result["url"] = f"/v1/customers/{id}/payment_methods"
    return result


ROUTES = [
    ("POST", "/v1/customers", create_customer),
    ("GET", "/v1/customers", list_customers),
    ("GET", "/v1/customers/{id}", retrieve_customer),
    ("POST", "/v1/customers/{id}", update_customer),
    ("DELETE", "/v1/customers/{id}", delete_customer),
    ("GET", "/v1/customers/{id}/payment_methods", list_customer_payment_methods),
    ("POST", "/v1/payment_methods", create_payment_method),
    ("GET", "/v1/payment_methods", list_payment_methods),
    ("GET", "/v1/payment_methods/{id}", retrieve_payment_method),
    ("POST", "/v1/payment_methods/{id}/attach", attach_payment_method),
    ("POST", "/v1/payment_methods/{id}/detach", detach_payment_method),
]
