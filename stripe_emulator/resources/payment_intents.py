"""PaymentIntents: create, confirm, update, cancel, retrieve, list."""

from __future__ import annotations

import copy
from typing import Any

from stripe_emulator import errors
from stripe_emulator.errors import ApiError
from stripe_emulator.params import Params
from stripe_emulator.rendering import created_filter, page
from stripe_emulator.resources import charges
from stripe_emulator.resources.customers import behaviour_of, resolve_payment_method
from stripe_emulator.store import RequestContext, Store

METHOD_TYPES = ("card", "us_bank_account")
AUTOMATIC_TYPES = ["card", "us_bank_account"]
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
CANCELABLE = ("requires_payment_method", "requires_confirmation", "requires_action",
              "requires_capture")
_CONFIRM = ("payment_method", "return_url", "off_session", "mandate_data", "receipt_email",
            "setup_future_usage", "error_on_requires_action", "payment_method_options")
#: What a publishable key sees of a PaymentIntent (Stripe.js): no metadata, customer or charges.
PUBLIC_FIELDS = ("id", "object", "amount", "canceled_at", "cancellation_reason", "capture_method",
                 "client_secret", "confirmation_method", "created", "currency", "description",
                 "last_payment_error", "livemode", "next_action", "payment_method",
                 "payment_method_types", "processing", "receipt_email", "setup_future_usage",
                 "shipping", "status")


def public_view(pi: dict[str, Any]) -> dict[str, Any]:
    """The PaymentIntent as Stripe shows it to a publishable key."""
    return {name: copy.deepcopy(pi.get(name)) for name in PUBLIC_FIELDS}


def _check_client_secret(ctx: RequestContext, params: Params, pi: dict[str, Any]) -> None:
    """A publishable key acts on an intent only with its client_secret (a secret key may too)."""
    secret = params.text("client_secret", required=ctx.publishable)
    if secret is not None and secret != pi["client_secret"]:
        raise errors.invalid_request(
            "The client_secret provided does not match the client_secret associated with the "
            "PaymentIntent.", param="client_secret")
_CREATE = (*_CONFIRM, "amount", "currency", "customer", "confirm", "transfer_group", "metadata",
           "payment_method_types", "automatic_payment_methods", "description",
           "statement_descriptor", "statement_descriptor_suffix", "capture_method")
_UPDATE = ("amount", "currency", "customer", "description", "metadata", "payment_method",
           "payment_method_types", "receipt_email", "transfer_group", "setup_future_usage",
           "statement_descriptor", "statement_descriptor_suffix")


def _amount(params: Params, currency: str, required: bool) -> int | None:
    amount = params.integer("amount", required=required, minimum=1)
    minimum = 50 if currency == "usd" else 1
    if amount is not None and amount < minimum:
        raise errors.invalid_value(
            "amount", f"Amount must be at least {charges.money(minimum, currency)} {currency}",
            "amount_too_small")
    return amount


def _method_types(params: Params) -> tuple[list[str], dict[str, Any] | None]:
    types = params.strings("payment_method_types")
    for name in types or []:
        if name not in METHOD_TYPES:
            raise errors.invalid_value(
                "payment_method_types",
                f"The payment method type \"{name}\" is invalid (this emulator supports "
                f"{', '.join(METHOD_TYPES)}).", "payment_method_invalid_parameter")
    automatic = params.mapping("automatic_payment_methods")
    if types:
        return types, None
    settings = Params(automatic or {}).only("enabled", "allow_redirects")
    redirects = settings.text("allow_redirects", choices=("always", "never")) or "always"
    return list(AUTOMATIC_TYPES), {"allow_redirects": redirects, "enabled": True}


def _unexpected_state(pi: dict[str, Any], action: str, allowed: tuple[str, ...]) -> ApiError:
    done = {"confirm": "confirmed", "cancel": "canceled", "update": "updated"}[action]
    error = errors.state_error(
        f"You cannot {action} this PaymentIntent because it has a status of {pi['status']}. "
        f"Only a PaymentIntent with one of the following statuses may be {done}: "
        f"{', '.join(allowed)}.", code="payment_intent_unexpected_state")
    error.extra["payment_intent"] = copy.deepcopy(pi)
    return error


def _check_confirmable(store: Store, pi: dict[str, Any], pm: dict[str, Any] | None,
                       params: Params) -> dict[str, Any]:
    """Validation of a confirmation; nothing is changed when it fails."""
    if pm is None:
        raise errors.invalid_request(
            "You cannot confirm this PaymentIntent because it's missing a payment method. "
            "Specify a payment method with the payment_method parameter.",
            code="payment_intent_unexpected_state")
    auto = pi["automatic_payment_methods"]
    if auto and auto["allow_redirects"] != "never" and not params.text("return_url"):
        raise errors.invalid_request(
            "This PaymentIntent is configured to accept payment methods enabled in your "
            "Dashboard. Because some of these payment methods might redirect your customer "
            "off of your page, you must provide a `return_url`. If you don't want to accept "
            "redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` "
            "and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup "
            "Intents and Payment Intents.")
    if pm["type"] not in pi["payment_method_types"]:
        raise errors.invalid_request(
            f"The PaymentMethod provided ({pm['type']}) is not allowed for this PaymentIntent. "
            f"Please attach a PaymentMethod of one of the following types: "
            f"{', '.join(pi['payment_method_types'])}.",
            param="payment_method", code="payment_intent_incompatible_payment_method")
    if pm["customer"] is not None and pm["customer"] != pi["customer"]:
        raise errors.invalid_request(
            f"The provided PaymentMethod was previously attached to a Customer "
            f"({pm['customer']}) other than this PaymentIntent's.", param="payment_method")
    return pm


def _confirm(store: Store, ctx: RequestContext, pi: dict[str, Any], pm: dict[str, Any]) -> None:
    """Attempt the payment; a card decline raises the 402 card_error Stripe returns."""
    pi["payment_method"] = pm["id"]
    behaviour = behaviour_of(store, pm)
    if behaviour.type == "us_bank_account":
        charge = charges.new_charge(store, pi, pm, "pending")
        pi.update(status="processing", latest_charge=charge["id"], last_payment_error=None,
                  processing=None)
        store.emit("charge.pending", charge, ctx)
        store.emit("payment_intent.processing", pi, ctx)
        if store.on_processing is not None:
            store.on_processing(pi["id"])
        return
    if behaviour.decline is None:
        charges.succeed(store, ctx, pi, charges.new_charge(store, pi, pm, "succeeded"))
        return
    charge = charges.new_charge(store, pi, pm, "failed", behaviour.decline)
    charges.fail(store, ctx, pi, charge, pm, behaviour.decline)
    error = pi["last_payment_error"]
    raise ApiError(402, "card_error", error["message"], code=error["code"], stored=True,
                   extra={k: copy.deepcopy(v) for k, v in error.items()
                          if k in ("charge", "decline_code", "payment_method")}
                   | {"payment_intent": copy.deepcopy(pi)})


def _customer(store: Store, params: Params) -> str | None:
    customer = params.text("customer")
    if customer is not None:
        store.get("customer", customer, "customer")
    return customer


def create_payment_intent(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only(*_CREATE)
    currency = (params.text("currency", required=True) or "").lower()
    amount = _amount(params, currency, required=True)
    customer = _customer(store, params)
    types, automatic = _method_types(params)
    params.text("capture_method", choices=("automatic", "automatic_async"))
    metadata = params.metadata()
    pm_id = params.text("payment_method")
    pm = resolve_payment_method(store, pm_id, "payment_method") if pm_id else None
    pi_id = store.new_id("pi")
    pi: dict[str, Any] = {
        "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None,
        "application_fee_amount": None, "automatic_payment_methods": automatic,
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic_async",
        "client_secret": f"{pi_id}_secret_{store.token(25)}", "confirmation_method": "automatic",
        "created": store.now(), "currency": currency, "customer": customer,
        "description": params.text("description"), "last_payment_error": None,
        "latest_charge": None, "livemode": False, "metadata": metadata, "next_action": None,
        "on_behalf_of": None, "payment_method": pm["id"] if pm else None,
        "payment_method_configuration_details": None,
        "payment_method_options": params.mapping("payment_method_options") or {},
        "payment_method_types": types, "processing": None,
        "receipt_email": params.text("receipt_email"), "review": None,
        "setup_future_usage": params.text("setup_future_usage"), "shipping": None,
        "source": None, "statement_descriptor": params.text("statement_descriptor"),
        "statement_descriptor_suffix": params.text("statement_descriptor_suffix"),
        "status": "requires_confirmation" if pm else "requires_payment_method",
        "transfer_data": None, "transfer_group": params.text("transfer_group"),
    }
    confirm = params.boolean("confirm")
    if confirm:
        pm = _check_confirmable(store, pi, pm, params)
    store.add(pi)
    store.emit("payment_intent.created", pi, ctx)
    if confirm and pm is not None:
        _confirm(store, ctx, pi, pm)
    return pi


def confirm_payment_intent(store: Store, ctx: RequestContext, params: Params,
                           id: str) -> dict[str, Any]:
    params.only(*_CONFIRM, "client_secret")
    pi = store.get("payment_intent", id)
    _check_client_secret(ctx, params, pi)
    if pi["status"] not in CONFIRMABLE:
        raise _unexpected_state(pi, "confirm", (*CONFIRMABLE, "requires_action"))
    pm_id = params.text("payment_method") or pi["payment_method"]
    pm = resolve_payment_method(store, pm_id, "payment_method") if pm_id else None
    pm = _check_confirmable(store, pi, pm, params)
    for name in ("receipt_email", "setup_future_usage"):
        if params.has(name):
            pi[name] = params.text(name)
    _confirm(store, ctx, pi, pm)
    return pi


def update_payment_intent(store: Store, ctx: RequestContext, params: Params,
                          id: str) -> dict[str, Any]:
    if ctx.publishable:  # Stripe.js only sets the method it collected (a bank account)
        params.only("payment_method", "client_secret")
    else:
        params.only(*_UPDATE)
    pi = store.get("payment_intent", id)
    _check_client_secret(ctx, params, pi)
    money_fields = {"amount", "currency", "customer", "payment_method", "payment_method_types"}
    if money_fields & params.data.keys() and pi["status"] not in CONFIRMABLE:
        raise _unexpected_state(pi, "update", CONFIRMABLE)
    currency = (params.text("currency") or pi["currency"]).lower()
    amount = _amount(params, currency, required=False)
    updates: dict[str, Any] = {"currency": currency, "metadata": params.metadata(pi["metadata"])}
    if amount is not None:
        updates["amount"] = amount
    if params.has("customer"):
        updates["customer"] = _customer(store, params)
    if params.has("payment_method_types"):
        updates["payment_method_types"], updates["automatic_payment_methods"] = \
            _method_types(params)
    for name in ("description", "receipt_email", "transfer_group", "setup_future_usage",
                 "statement_descriptor", "statement_descriptor_suffix"):
        if params.has(name):
            updates[name] = params.text(name)
    pm_id = params.text("payment_method")
    if pm_id:
        updates["payment_method"] = resolve_payment_method(store, pm_id, "payment_method")["id"]
        updates["status"] = "requires_confirmation"
    pi.update(updates)
    return pi


def cancel_payment_intent(store: Store, ctx: RequestContext, params: Params,
                          id: str) -> dict[str, Any]:
    params.only("cancellation_reason")
    reason = params.text("cancellation_reason", choices=(
        "duplicate", "fraudulent", "requested_by_customer", "abandoned"))
    pi = store.get("payment_intent", id)
    if pi["status"] not in CANCELABLE:
        raise _unexpected_state(pi, "cancel", CANCELABLE)
    pi.update(status="canceled", canceled_at=store.now(), cancellation_reason=reason)
    store.emit("payment_intent.canceled", pi, ctx)
    return pi


def retrieve_payment_intent(store: Store, ctx: RequestContext, params: Params,
                            id: str) -> dict[str, Any]:
    params.only("client_secret")
    pi = store.get("payment_intent", id)
    _check_client_secret(ctx, params, pi)
    return pi


def list_payment_intents(store: Store, ctx: RequestContext, params: Params) -> dict[str, Any]:
    params.only("customer", "created", "limit", "starting_after", "ending_before")
    customer, in_range = params.text("customer"), created_filter(params)
    rows = [p for p in store.all("payment_intent")
            if in_range(p) and customer in (None, p["customer"])]
    return page(store, rows, params, "/v1/payment_intents")


ROUTES = [
    ("POST", "/v1/payment_intents", create_payment_intent),
    ("GET", "/v1/payment_intents", list_payment_intents),
    ("GET", "/v1/payment_intents/{id}", retrieve_payment_intent),
    ("POST", "/v1/payment_intents/{id}", update_payment_intent),
    ("POST", "/v1/payment_intents/{id}/confirm", confirm_payment_intent),
    ("POST", "/v1/payment_intents/{id}/cancel", cancel_payment_intent),
]
