"""What can go wrong talking to Stripe, in the marketplace's error tree.

The adapter (``payments.gateway``) turns every ``stripe`` exception into one of these, so no
service ever handles a ``stripe`` class:

- :class:`StripeUnavailableError`: the outcome is unknown (no answer, a 5xx, rate limited even
  after our retries). Whatever was asked may or may not have happened: ask again later with the
  same idempotency key, and Stripe answers with the first outcome.
- :class:`StripeRefusedError`: Stripe answered and said no, for good (a declined card, a
  transfer to an account that cannot receive one...). Asking again with the same key gives
  the same refusal: a new try needs a new key.
"""

from __future__ import annotations

from typing import Any

from marketplace.errors import MarketplaceError


class PaymentsError(MarketplaceError):
    """Base of the payments errors."""

    code = "payments_error"
    status = 502


class StripeUnavailableError(PaymentsError):
    """No definite answer from Stripe: retry later with the same idempotency key."""

    code = "payments_unavailable"
    status = 503


class StripeRefusedError(PaymentsError):
    """Stripe refused the request. ``stripe_code`` is Stripe's error code (``card_declined``,
    ``insufficient_capabilities_for_transfer``...); ``payment_intent`` the intent Stripe sent
    back with a refused confirmation, as a dict."""

    code = "payments_refused"
    status = 402

    def __init__(self, message: str, *, stripe_code: str = "", http_status: int | None = None,
                 payment_intent: dict[str, Any] | None = None, charge_id: str | None = None):
        super().__init__(message)
        self.stripe_code = stripe_code
        self.http_status = http_status
        self.payment_intent = payment_intent
        self.charge_id = charge_id


class CardDeclinedError(StripeRefusedError):
    """The bank declined the payment method (HTTP 402 ``card_error``)."""

    code = "payment_declined"


class WebhookSignatureError(PaymentsError):
    """A webhook whose signature does not verify (forged, altered, stale or unsigned)."""

    code = "bad_signature"
    status = 400


class PaymentsNotConfiguredError(PaymentsError):
    """No Stripe key is configured: payments are off."""

    code = "payments_not_configured"
    status = 503

    def __init__(self, message: str = "Payments are not set up on this server (STRIPE_API_KEY is empty)."):
        super().__init__(message)
