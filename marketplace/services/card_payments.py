"""Paying a share with details typed into the page (Stripe.js and its Elements).

The server makes the share's one PaymentIntent (the same one, with the same stored key, as a
payment with a saved method: :mod:`services.payments`) at the amount it computes itself, and
hands its ``client_secret`` to the director's browser, which confirms it with the card or
bank account typed there; card details go from the browser to Stripe only. The browser then
reports back, and the outcome is read from Stripe, never from the browser, and recorded like
any other (:func:`services.payment_outcomes.apply_intent`): by the page, the webhook and the
reconciliation job alike, once. Exactly one charge per share still holds: a PaymentIntent
succeeds at most once, and every request for a client secret returns the same intent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import begin_write
from marketplace.errors import ConflictError, NotFoundError
from marketplace.models import (
    AttemptStatus,
    MemberShare,
    PaymentAttempt,
    PaymentStatus,
    Role,
    SharePayment,
    User,
)
from marketplace.payments.gateway import StripeGateway, require_gateway
from marketplace.services.payment_outcomes import apply_intent
from marketplace.services.payments import intent_params, payable_problem, payment_for, store_intent
from marketplace.services.scope import get_scoped, require_role, scoped_select

#: Where an intent is already decided: the browser has nothing to confirm.
SETTLED = {"succeeded": "This share is paid already.",
           "processing": "A bank debit for this share is in progress: wait for the bank's answer.",
           "canceled": "This share's payment was cancelled at the payment service: ask the hub."}


@dataclass(frozen=True)
class BrowserIntent:
    """What the pay page's script needs to confirm the share's PaymentIntent with Stripe.js."""

    share_id: int
    payment_intent: str
    client_secret: str
    amount_cents: int
    currency: str


def start_browser_payment(session: Session, actor: User, gateway: StripeGateway | None,
                          share_id: int) -> BrowserIntent:
    """The client secret of the share's PaymentIntent, made on the first request (its key is
    committed first) and the same one on every later request. Only the share's own director
    gets it: another member's share is not found."""
    share = get_scoped(session, actor, MemberShare, share_id)
    require_role(actor, Role.DIRECTOR)
    problem = payable_problem(share)
    if problem:
        raise ConflictError(problem)
    gateway = require_gateway(gateway)
    session.commit()  # end the reading; choosing the payment is a writing transaction
    begin_write(session)
    payment = payment_for(session, share)
    refusal = _refusal(session, payment)
    if refusal:
        session.rollback()
        raise ConflictError(refusal)
    payment_id, intent_id, key, create = payment.id, payment.payment_intent_id, payment.intent_key, \
        intent_params(payment)
    session.commit()  # no transaction stays open while Stripe is called
    if intent_id is None:
        intent = gateway.create_payment_intent(key, **create)
        store_intent(session, payment_id, intent["id"])
    else:
        intent = gateway.retrieve_payment_intent(intent_id)
    if intent.get("status") in SETTLED:
        apply_intent(session, payment_id, intent, attempt_id=None)  # a webhook may not have come yet
        session.commit()
        raise ConflictError(SETTLED[str(intent["status"])])
    return BrowserIntent(share.id, intent["id"], intent["client_secret"], intent["amount"], intent["currency"])


def _refusal(session: Session, payment: SharePayment) -> str | None:
    if payment.status is PaymentStatus.PAID:
        return SETTLED["succeeded"]
    states = set(session.scalars(select(PaymentAttempt.status).where(PaymentAttempt.payment_id == payment.id)))
    if AttemptStatus.PROCESSING in states:
        return SETTLED["processing"]
    if AttemptStatus.PENDING in states:
        return ("A payment of this share is on its way to the payment service: wait for its answer "
                "(this page shows it) before paying another way.")
    return None


def record_browser_payment(session: Session, actor: User, gateway: StripeGateway | None, share_id: int,
                           payment_intent: str) -> SharePayment:
    """The browser says it confirmed the share's PaymentIntent: ask Stripe how it stands and
    record that (paid, processing, or failed with the bank's reason). Safe to repeat."""
    share = get_scoped(session, actor, MemberShare, share_id)
    require_role(actor, Role.DIRECTOR)
    payment = session.scalar(scoped_select(actor, SharePayment, SharePayment.share_id == share.id))
    if payment is None or payment.payment_intent_id is None or payment.payment_intent_id != payment_intent:
        raise NotFoundError("This share has no such payment.")
    gateway = require_gateway(gateway)
    payment_id = payment.id
    session.commit()  # no transaction stays open while Stripe is called
    intent: dict[str, Any] = gateway.retrieve_payment_intent(payment_intent)
    apply_intent(session, payment_id, intent, attempt_id=None)
    session.commit()
    return session.get_one(SharePayment, payment_id)
