"""The Stripe adapter: the only module that imports ``stripe``.

Every call that creates or changes something takes the idempotency key the caller stored
before calling. Transient failures (no answer, 5xx, 409 "in progress", 429) are retried here
with the same key, a few times with a growing pause; what is still unanswered then raises
:class:`StripeUnavailableError`, and the caller asks again later, again with the same key.
Answers are plain dicts (Stripe's JSON), never ``stripe`` objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe

from marketplace.payments.errors import (
    CardDeclinedError,
    PaymentsError,
    PaymentsNotConfiguredError,
    StripeRefusedError,
    StripeUnavailableError,
    WebhookSignatureError,
)

T = TypeVar("T")
#: Payment method types every share's PaymentIntent accepts (cards and ACH direct debit).
METHOD_TYPES = ("card", "us_bank_account")


@dataclass(frozen=True)
class GatewaySettings:
    """How to reach Stripe. ``api_base`` points the client elsewhere (a test server);
    ``attempts`` and ``backoff_s`` rule our own retries with the same key."""

    api_key: str
    api_base: str | None = None
    webhook_secret: str | None = None
    timeout_s: float = 30.0
    attempts: int = 4
    backoff_s: float = 0.5
    webhook_tolerance_s: int = 300

    @property
    def test_mode(self) -> bool:
        return self.api_key.startswith(("sk_test_", "rk_test_"))


class StripeGateway:
    """Calls Stripe through the official client (``stripe.StripeClient``)."""

    def __init__(self, settings: GatewaySettings, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self._sleep = sleep
        self._client = stripe.StripeClient(
            settings.api_key,
            base_addresses={"api": settings.api_base} if settings.api_base else {},
            max_network_retries=0,  # our own loop retries, always with the caller's key
            http_client=stripe.RequestsClient(timeout=settings.timeout_s),
        )

    @property
    def test_mode(self) -> bool:
        return self.settings.test_mode

    # ------------------------------------------------------------ payments

    def create_payment_intent(self, key: str, *, amount: int, currency: str, transfer_group: str,
                              metadata: dict[str, str], description: str) -> dict[str, Any]:
        """A PaymentIntent for cards and ACH debits, not confirmed yet."""
        params = {"amount": amount, "currency": currency, "transfer_group": transfer_group,
                  "payment_method_types": list(METHOD_TYPES), "metadata": metadata,
                  "description": description}
        return self._call(lambda: self._client.v1.payment_intents.create(
            params=params, options={"idempotency_key": key}))  # type: ignore[arg-type]

    def confirm_payment_intent(self, key: str, payment_intent: str, payment_method: str) -> dict[str, Any]:
        """Confirm with a payment method: ``succeeded``, ``processing`` (bank debits) or
        :class:`CardDeclinedError` carrying the intent."""
        return self._call(lambda: self._client.v1.payment_intents.confirm(
            payment_intent, params={"payment_method": payment_method},
            options={"idempotency_key": key}))

    def retrieve_payment_intent(self, payment_intent: str) -> dict[str, Any]:
        return self._call(lambda: self._client.v1.payment_intents.retrieve(payment_intent))

    def create_refund(self, key: str, *, charge: str, amount: int, metadata: dict[str, str]) -> dict[str, Any]:
        params = {"charge": charge, "amount": amount, "metadata": metadata}
        return self._call(lambda: self._client.v1.refunds.create(
            params=params, options={"idempotency_key": key}))  # type: ignore[arg-type]

    def create_transfer(self, key: str, *, amount: int, currency: str, destination: str,
                        source_transaction: str, transfer_group: str,
                        metadata: dict[str, str]) -> dict[str, Any]:
        params = {"amount": amount, "currency": currency, "destination": destination,
                  "source_transaction": source_transaction, "transfer_group": transfer_group,
                  "metadata": metadata}
        return self._call(lambda: self._client.v1.transfers.create(
            params=params, options={"idempotency_key": key}))  # type: ignore[arg-type]

    def create_reversal(self, key: str, *, transfer: str, amount: int,
                        metadata: dict[str, str]) -> dict[str, Any]:
        params = {"amount": amount, "metadata": metadata}
        return self._call(lambda: self._client.v1.transfers.reversals.create(
            transfer, params=params, options={"idempotency_key": key}))  # type: ignore[arg-type]

    # ------------------------------------------------------------ Connect

    def create_account(self, key: str, *, email: str | None, metadata: dict[str, str]) -> dict[str, Any]:
        """An express account able to receive transfers."""
        params: dict[str, Any] = {"type": "express", "metadata": metadata,
                                  "capabilities": {"transfers": {"requested": True}}}
        if email:
            params["email"] = email
        return self._call(lambda: self._client.v1.accounts.create(
            params=params, options={"idempotency_key": key}))  # type: ignore[arg-type]

    def retrieve_account(self, account: str) -> dict[str, Any]:
        return self._call(lambda: self._client.v1.accounts.retrieve(account))

    def create_account_link(self, account: str, *, refresh_url: str, return_url: str) -> str:
        """The URL of Stripe's hosted onboarding for ``account`` (single use, short-lived)."""
        params = {"account": account, "type": "account_onboarding", "refresh_url": refresh_url,
                  "return_url": return_url}
        link = self._call(lambda: self._client.v1.account_links.create(params=params))  # type: ignore[arg-type]
        return str(link["url"])

    # ------------------------------------------------------------ reading, for reconciliation

    def list_charges(self, transfer_group: str) -> list[dict[str, Any]]:
        return self._list(lambda: self._client.v1.charges.list(
            params={"transfer_group": transfer_group, "limit": 100}))

    def list_refunds(self, charge: str) -> list[dict[str, Any]]:
        return self._list(lambda: self._client.v1.refunds.list(params={"charge": charge, "limit": 100}))

    def list_transfers(self, transfer_group: str) -> list[dict[str, Any]]:
        return self._list(lambda: self._client.v1.transfers.list(
            params={"transfer_group": transfer_group, "limit": 100}))

    def list_reversals(self, transfer: str) -> list[dict[str, Any]]:
        return self._list(lambda: self._client.v1.transfers.reversals.list(transfer, params={"limit": 100}))

    # ------------------------------------------------------------ webhooks

    def construct_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The verified event of a webhook request; :class:`WebhookSignatureError` otherwise."""
        if not self.settings.webhook_secret:
            raise PaymentsNotConfiguredError("No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).")
        if not signature:
            raise WebhookSignatureError("The Stripe-Signature header is missing.")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.settings.webhook_secret,
                                                   tolerance=self.settings.webhook_tolerance_s)
        except stripe.SignatureVerificationError as error:
            raise WebhookSignatureError(f"The webhook signature does not verify: {error.user_message}") from error
        except ValueError as error:
            raise WebhookSignatureError("The webhook body is not an event.") from error
        return event.to_dict()

    # ------------------------------------------------------------ plumbing

    def _list(self, fetch: Callable[[], Any]) -> list[dict[str, Any]]:
        def every() -> list[dict[str, Any]]:
            return [item.to_dict() for item in fetch().auto_paging_iter()]

        return self._retrying(every)

    def _call(self, request: Callable[[], Any]) -> dict[str, Any]:
        return self._retrying(lambda: request().to_dict())

    def _retrying(self, request: Callable[[], T]) -> T:
        pause = self.settings.backoff_s
        for attempt in range(1, self.settings.attempts + 1):
            try:
                return request()
            except stripe.StripeError as error:
                transient = _is_transient(error)
                if not transient:
                    raise _translate(error) from error
                if attempt == self.settings.attempts:
                    raise StripeUnavailableError(
                        "Stripe did not answer in time. Nothing is lost: the request will be checked "
                        "and completed once (it carries the same idempotency key).") from error
                self._sleep(pause)
                pause *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def _is_transient(error: stripe.StripeError) -> bool:
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    status = error.http_status or 0
    return status >= 500 or status == 409  # 409: a request with the same key is still in progress


def _error_body(error: stripe.StripeError) -> dict[str, Any]:
    body = error.json_body if isinstance(error.json_body, dict) else {}
    detail = body.get("error")
    return detail if isinstance(detail, dict) else {}


def _translate(error: stripe.StripeError) -> PaymentsError:
    detail = _error_body(error)
    message = str(detail.get("message") or error.user_message or "Stripe refused the request.")
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return PaymentsNotConfiguredError(f"Stripe refused our API key: {message}")
    if isinstance(error, stripe.IdempotencyError):
        # The same key with other parameters: a bug on our side, never retried blindly.
        return PaymentsError(f"Stripe refused a reused idempotency key: {message}")
    pi = detail.get("payment_intent")
    charge = detail.get("charge")
    kind = CardDeclinedError if isinstance(error, stripe.CardError) else StripeRefusedError
    return kind(message, stripe_code=str(detail.get("decline_code") or detail.get("code") or ""),
                http_status=error.http_status, payment_intent=pi if isinstance(pi, dict) else None,
                charge_id=charge if isinstance(charge, str) else None)


def make_gateway(api_key: str | None, api_base: str | None = None,
                 webhook_secret: str | None = None) -> StripeGateway | None:
    """The app's gateway, or None when no Stripe key is configured (payments are off)."""
    if not api_key:
        return None
    return StripeGateway(GatewaySettings(api_key=api_key, api_base=api_base or None,
                                         webhook_secret=webhook_secret or None))


def require_gateway(gateway: StripeGateway | None) -> StripeGateway:
    """The gateway, or :class:`PaymentsNotConfiguredError` when payments are off."""
    if gateway is None:
        raise PaymentsNotConfiguredError()
    return gateway
