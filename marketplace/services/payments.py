"""Directors pay their member's share of a finalized cycle; the hub sets its fee.

Each share has one payment (one Stripe PaymentIntent, in the cycle's ``transfer_group``),
confirmed by one attempt per payment method tried. Exactly once, by construction:

1. the payment row and the attempt, each with its idempotency key, are committed first
   (the payment row is unique per share and locked while an attempt is chosen, so twenty
   simultaneous clicks agree on one attempt and one key);
2. Stripe is called with those keys: a retry (a lost answer, a crash, a second click, the
   reconciliation job) sends the same key and gets the first outcome back, never a new charge;
3. the outcome is committed; recording it twice, or from a webhook as well, changes nothing
   (the charge's ledger entry is unique per payment).

So these services commit more than once: every commit is a point a retry can resume from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.db import begin_write
from marketplace.errors import ConflictError, ValidationError
from marketplace.models import (
    AttemptStatus,
    CycleStatus,
    EntryStatus,
    HubFeeSetting,
    LedgerEntry,
    MemberShare,
    PaymentAttempt,
    PaymentStatus,
    Role,
    SharePayment,
    ShareStatus,
    User,
)
from marketplace.payments import ledger, money
from marketplace.payments.errors import (
    StripeRefusedError,
    StripeUnavailableError,
)
from marketplace.payments.gateway import METHOD_TYPES, StripeGateway, require_gateway
from marketplace.services.audit import record_event
from marketplace.services.payment_outcomes import apply_intent, fail_attempt, lock_payment
from marketplace.services.scope import get_scoped, require_role, scoped_select

CURRENCY = "usd"
MIN_CHARGE_CENTS = 50  # Stripe's smallest USD charge
PAYABLE_CYCLES = (CycleStatus.FINALIZED, CycleStatus.ORDERED, CycleStatus.DELIVERED)
#: Stripe's test payment methods, offered in test mode (live mode takes a saved method's id).
TEST_METHODS = [
    ("pm_card_visa", "card", "Visa card ending 4242"),
    ("pm_card_mastercard", "card", "Mastercard ending 4444"),
    ("pm_card_chargeDeclined", "card", "Card that the bank declines"),
    ("pm_card_chargeDeclinedInsufficientFunds", "card", "Card without enough funds"),
    ("pm_usBankAccount", "us_bank_account", "Bank account (ACH debit, a few days)"),
    ("pm_usBankAccount_insufficientFunds", "us_bank_account", "Bank account without enough funds"),
]


# ---------------------------------------------------------------- the hub's fee

def get_fee_setting(session: Session, alliance_id: int) -> HubFeeSetting:
    """The alliance's fee (none until the hub sets one: 0% and $0.00); a trusted read."""
    setting = session.scalar(select(HubFeeSetting).where(HubFeeSetting.alliance_id == alliance_id))
    return setting or HubFeeSetting(alliance_id=alliance_id, percent=Decimal("0"), fixed_cents=0)


def check_fee_input(percent: str, fixed: str) -> tuple[dict[str, str], Decimal, int]:
    """Parse the fee form: a percentage (0 to 100, 2 decimals) and a fixed amount in dollars."""
    errors: dict[str, str] = {}
    value, cents = Decimal(0), 0
    try:
        value = Decimal((percent or "0").strip().rstrip("%"))
        if not Decimal(0) <= value <= Decimal(100) or value != value.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        errors["percent"] = "Enter a percentage from 0 to 100 with at most 2 decimals, like 1.5."
    try:
        dollars = Decimal((fixed or "0").strip().lstrip("$").replace(",", ""))
        if dollars < 0 or dollars > 10_000 or dollars != dollars.quantize(Decimal("0.01")):
            raise InvalidOperation
        cents = int(dollars * 100)
    except InvalidOperation:
        errors["fixed"] = "Enter an amount in dollars from 0 to 10,000, like 5.00."
    return errors, value, cents


def set_fee(session: Session, actor: User, percent: str, fixed: str) -> HubFeeSetting:
    """The hub sets its fee on each member's share of each cycle (new payments only)."""
    require_role(actor, Role.HUB_MANAGER)
    errors, value, cents = check_fee_input(percent, fixed)
    if errors:
        raise ValidationError(field_errors=errors)
    setting = session.scalar(scoped_select(actor, HubFeeSetting))
    before = None if setting is None else {"percent": str(setting.percent), "fixed_cents": setting.fixed_cents}
    if setting is None:
        setting = HubFeeSetting(alliance_id=actor.alliance_id)
        session.add(setting)
    setting.percent, setting.fixed_cents, setting.updated_by_id = value, cents, actor.id
    record_event(session, actor, "hub_fee.set", setting, alliance_id=actor.alliance_id, before=before,
                 after={"percent": str(value), "fixed_cents": cents})
    session.commit()
    return setting


def seed_hub_fee(context: Any) -> None:
    """Demo step: the hub keeps 1.5% of each share plus $2.00 per member per cycle (an existing
    setting is kept)."""
    session, alliance_id = context.session, context.alliance.id
    if session.scalar(select(HubFeeSetting.id).where(HubFeeSetting.alliance_id == alliance_id)) is None:
        session.add(HubFeeSetting(alliance_id=alliance_id, percent=Decimal("1.5"), fixed_cents=200))
        session.flush()


# ---------------------------------------------------------------- what a share costs

@dataclass(frozen=True)
class Quote:
    goods_cents: int
    fee_cents: int

    @property
    def amount_cents(self) -> int:
        return self.goods_cents + self.fee_cents


def quote_share(session: Session, share: MemberShare) -> Quote:
    """The share's goods plus the hub's fee as it stands now (a payment keeps its own)."""
    setting = get_fee_setting(session, share.cycle.alliance_id)
    return Quote(share.cost_cents, money.hub_fee(share.cost_cents, setting.percent, setting.fixed_cents))


def payable_problem(share: MemberShare) -> str | None:
    """Why the share cannot be paid now (None: it can)."""
    cycle = share.cycle
    if cycle.status not in PAYABLE_CYCLES:
        return f"{cycle.name} is {cycle.status.label.lower()}: shares are paid once the cycle is finalized."
    if share.run_id != cycle.published_run_id or share.status is not ShareStatus.APPROVED:
        return "Only the approved share of the cycle's final plan is paid."
    return None


@dataclass
class ShareBill:
    """A share with its payment (None until the first try) and what paying it costs."""

    share: MemberShare
    payment: SharePayment | None
    quote: Quote

    @property
    def status(self) -> PaymentStatus:
        return self.payment.status if self.payment else PaymentStatus.UNPAID

    @property
    def can_pay(self) -> bool:
        return (payable_problem(self.share) is None and self.quote.amount_cents >= MIN_CHARGE_CENTS
                and self.status in (PaymentStatus.UNPAID, PaymentStatus.FAILED))


def list_bills(session: Session, actor: User) -> list[ShareBill]:
    """Approved shares of finalized cycles the actor may see (a director: their member's)."""
    require_role(actor, Role.DIRECTOR, Role.HUB_MANAGER)
    shares = session.scalars(scoped_select(actor, MemberShare, MemberShare.status == ShareStatus.APPROVED)
                             .order_by(MemberShare.cycle_id.desc(), MemberShare.member_id)).all()
    payments = {p.share_id: p for p in session.scalars(scoped_select(
        actor, SharePayment, SharePayment.share_id.in_([s.id for s in shares])))}
    return [_bill(session, share, payments.get(share.id)) for share in shares
            if share.run_id == share.cycle.published_run_id and share.cycle.status in PAYABLE_CYCLES]


def get_bill(session: Session, actor: User, share_id: int) -> ShareBill:
    share = get_scoped(session, actor, MemberShare, share_id)
    require_role(actor, Role.DIRECTOR, Role.HUB_MANAGER)
    payment = session.scalar(scoped_select(actor, SharePayment, SharePayment.share_id == share.id))
    return _bill(session, share, payment)


def _bill(session: Session, share: MemberShare, payment: SharePayment | None) -> ShareBill:
    quote = Quote(payment.goods_cents, payment.fee_cents) if payment else quote_share(session, share)
    return ShareBill(share, payment, quote)


# ---------------------------------------------------------------- paying

def method_type_of(payment_method: str) -> str:
    """The type of one of Stripe's test methods (live methods: card unless the form says)."""
    for method, kind, _label in TEST_METHODS:
        if method == payment_method:
            return kind
    return "us_bank_account" if payment_method.startswith("pm_usBankAccount") else "card"


def pay_share(session: Session, actor: User, gateway: StripeGateway | None, share_id: int, payment_method: str,
              method_type: str | None = None) -> SharePayment:
    """The director pays the member's share with a payment method (``pm_...``).

    Returns the payment: ``paid``, ``processing`` (bank debit), ``failed`` (declined: try
    another method) or ``pending`` (Stripe did not answer: it is completed later, once).
    A second request while a try is under way joins that try instead of starting another."""
    share = get_scoped(session, actor, MemberShare, share_id)
    require_role(actor, Role.DIRECTOR)
    method_type = method_type or method_type_of(payment_method)
    if method_type not in METHOD_TYPES or not payment_method.startswith("pm_") or len(payment_method) > 100:
        raise ValidationError(field_errors={"payment_method": "Choose a card or a bank account."})
    problem = payable_problem(share)
    if problem:
        raise ConflictError(problem)
    gateway = require_gateway(gateway)
    session.commit()  # end the reading; choosing the attempt is a writing transaction of its own
    begin_write(session)
    attempt_id = _choose_attempt(session, actor, share, payment_method, method_type)
    return drive_attempt(session, gateway, attempt_id)


def _choose_attempt(session: Session, actor: User, share: MemberShare, payment_method: str,
                    method_type: str) -> int:
    """Commit the payment and the attempt to send (a new one, or the one already under way)."""
    payment = payment_for(session, share)
    if payment.status is PaymentStatus.PAID:
        session.rollback()
        raise ConflictError("This share is paid already.")
    attempts = session.scalars(select(PaymentAttempt).where(PaymentAttempt.payment_id == payment.id)
                               .order_by(PaymentAttempt.number)).all()
    if any(a.status is AttemptStatus.PROCESSING for a in attempts):
        session.rollback()
        raise ConflictError("A bank debit for this share is in progress: wait for the bank's answer.")
    under_way = next((a for a in attempts if a.status is AttemptStatus.PENDING), None)
    if under_way is not None:
        session.commit()
        return under_way.id
    number = len(attempts) + 1
    attempt = PaymentAttempt(payment_id=payment.id, number=number, idempotency_key=ledger.attempt_key(payment, number),
                             method_type=method_type, payment_method=payment_method, created_by_id=actor.id)
    session.add(attempt)
    payment.status, payment.failure_message = PaymentStatus.PENDING, ""
    record_event(session, actor, "payment.attempted", payment, alliance_id=actor.alliance_id,
                 after={"share_id": share.id, "attempt": number, "method_type": method_type,
                        "amount_cents": payment.amount_cents})
    session.commit()
    return attempt.id


def payment_for(session: Session, share: MemberShare) -> SharePayment:
    """The share's payment, locked (made on the first try, at the fee in force then)."""
    found = session.scalar(select(SharePayment.id).where(SharePayment.share_id == share.id))
    if found is None:
        quote = quote_share(session, share)
        if quote.amount_cents < MIN_CHARGE_CENTS:
            raise ConflictError(f"{money.format_cents(quote.amount_cents)} is below the smallest amount a card "
                                "or bank can be charged: the hub settles it another way.")
        try:
            with session.begin_nested():
                session.add(SharePayment(
                    share_id=share.id, cycle_id=share.cycle_id, member_id=share.member_id,
                    goods_cents=quote.goods_cents, fee_cents=quote.fee_cents, amount_cents=quote.amount_cents,
                    currency=CURRENCY, intent_key=f"{ledger.new_key_base('share', share.id)}:intent"))
        except IntegrityError:
            pass  # another request made it first: use theirs
        found = session.scalar(select(SharePayment.id).where(SharePayment.share_id == share.id))
    return lock_payment(session, found)


def drive_attempt(session: Session, gateway: StripeGateway, attempt_id: int) -> SharePayment:
    """Send one attempt to Stripe (its PaymentIntent first, when it has none) and commit the
    outcome. Safe to call again for the same attempt: Stripe replays the first answers.

    No database transaction stays open while Stripe is called (a reader waiting on the network
    would block, or be refused by, the writer of a webhook meanwhile)."""
    attempt = session.get_one(PaymentAttempt, attempt_id)
    payment = attempt.payment
    payment_id, intent_id, key, method = payment.id, payment.payment_intent_id, attempt.idempotency_key, \
        attempt.payment_method
    create = intent_params(payment)
    session.commit()
    try:
        if intent_id is None:
            intent_id = gateway.create_payment_intent(payment.intent_key, **create)["id"]  # type: ignore[arg-type]
            store_intent(session, payment_id, intent_id)
        intent = gateway.confirm_payment_intent(key, intent_id, method)
    except StripeUnavailableError:
        session.rollback()
        return session.get_one(SharePayment, payment_id)  # stays pending; resumed with the same keys
    except StripeRefusedError as error:
        return _refused(session, attempt_id, error)
    apply_intent(session, payment_id, intent, attempt_id=attempt_id)
    session.commit()
    return session.get_one(SharePayment, payment_id)


def _refused(session: Session, attempt_id: int, error: StripeRefusedError) -> SharePayment:
    attempt = session.get_one(PaymentAttempt, attempt_id)
    if error.payment_intent is not None and error.payment_intent.get("status") != "requires_payment_method":
        # Refused because the intent moved on (paid by an earlier try): take the intent's word.
        apply_intent(session, attempt.payment_id, error.payment_intent, attempt_id=None)
    fail_attempt(session, attempt.payment_id, attempt_id, error.stripe_code or "refused", error.message,
                 charge_id=error.charge_id)
    session.commit()
    return session.get_one(SharePayment, attempt.payment_id)


def store_intent(session: Session, payment_id: int, intent_id: str) -> None:
    payment = lock_payment(session, payment_id)
    if payment.payment_intent_id is None:
        payment.payment_intent_id = intent_id
    elif payment.payment_intent_id != intent_id:  # impossible with one key per payment
        raise ConflictError(f"Payment {payment_id} has two PaymentIntents: {payment.payment_intent_id}, {intent_id}.")
    session.commit()


def resume_payment(session: Session, gateway: StripeGateway, payment_id: int) -> SharePayment:
    """Finish what a lost answer left undecided: re-send a pending attempt with its key; ask
    Stripe about a bank debit still processing, or about an intent a browser may have
    confirmed without telling us (Stripe.js). Used by reconciliation; safe at any time."""
    pending = session.scalars(select(PaymentAttempt.id).where(
        PaymentAttempt.payment_id == payment_id, PaymentAttempt.status == AttemptStatus.PENDING)).all()
    for attempt_id in pending:
        drive_attempt(session, gateway, attempt_id)
    payment = session.scalars(select(SharePayment).where(SharePayment.id == payment_id)
                              .execution_options(populate_existing=True)).one()
    if payment.payment_intent_id and payment.status is not PaymentStatus.PAID:
        try:
            intent = gateway.retrieve_payment_intent(payment.payment_intent_id)
        except StripeUnavailableError:
            return payment
        apply_intent(session, payment.id, intent, attempt_id=None)
        session.commit()
    return session.get_one(SharePayment, payment_id)


def intent_params(payment: SharePayment) -> dict[str, Any]:
    """What the share's PaymentIntent is created with (always the same: its key is stored)."""
    return dict(amount=payment.amount_cents, currency=payment.currency, metadata=intent_metadata(payment),
                transfer_group=transfer_group(payment.cycle_id),
                description=f"{payment.cycle.name}: share of {payment.member.name}")


def transfer_group(cycle_id: int) -> str:
    return f"cycle-{cycle_id}"


def intent_metadata(payment: SharePayment) -> dict[str, str]:
    return {"share_payment_id": str(payment.id), "share_id": str(payment.share_id),
            "cycle_id": str(payment.cycle_id), "member_id": str(payment.member_id)}


def payment_entries(session: Session, actor: User, payment: SharePayment) -> list[LedgerEntry]:
    """The ledger rows of one payment the actor may see (failed calls left out), oldest first."""
    return list(session.scalars(scoped_select(actor, LedgerEntry, LedgerEntry.payment_id == payment.id,
                                              LedgerEntry.status != EntryStatus.FAILED)
                                .order_by(LedgerEntry.id)))
