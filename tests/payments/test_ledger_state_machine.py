"""A Hypothesis state machine over the payment life of a cycle: approve, finalize, charge
(cards that pay or are declined, bank debits that settle or bounce; cards typed into Stripe.js
in the director's browser, reported back or not), deliver with shortages
(refunds; found after the payout: reversals), cancel either order (member Y buys from V only,
X from both: cancelling V gives Y everything back, cancelling both gives X everything back),
onboard vendors, pay out, webhooks delivered at random (duplicates, any order), injected faults
and reconciliation.

After every step: the ledger agrees with Stripe as far as answers have come in, the hub's fee
is what the fee rule says (kept, unless none of the member's goods came: then given back, at
most once), nothing is refunded or paid out beyond the plan, and
``member charges = vendor payouts + hub fee + refunds + held`` with ``held`` exactly what paid
shares still owe their vendors; once everything is delivered and paid out, ``held`` is 0.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.errors import ConflictError
from marketplace.models import (
    CycleStatus,
    EntryStatus,
    LedgerEntry,
    PaymentStatus,
    POStatus,
    SharePayment,
    ShareStatus,
)
from marketplace.payments import ledger, money
from marketplace.payments.errors import StripeUnavailableError
from marketplace.services import card_payments, payments, payouts, reconciliation
from marketplace.services.payment_events import HANDLERS, handle_event
from tests.factories import build_world
from tests.payments.conftest import make_gateway
from tests.payments.factories import build_pay_world, deliver, onboard
from tests.payments.test_card_payments import browser_pays

CARDS = ["4242424242424242", "4000000000000002"]  # typed into Stripe.js: pays, declined
METHODS = ["pm_card_visa", "pm_card_chargeDeclined", "pm_usBankAccount", "pm_usBankAccount_insufficientFunds"]
ENDPOINTS = ["/v1/payment_intents", "/v1/payment_intents/*/confirm", "/v1/transfers", "/v1/refunds",
             "/v1/transfers/*/reversals"]
FAULTS = ["error_500", "error_429", "reset", "timeout_after_commit", "reset_after_commit"]


class PaymentLife(RuleBasedStateMachine):
    engine = None
    emulator = None

    def __init__(self) -> None:
        super().__init__()
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint",
                               expire_on_commit=False)
        self.emulator.reset()
        self.emulator.clear_faults()
        self.gateway = make_gateway(self.emulator)
        world = build_world(self.session)
        self.pw = build_pay_world(self.session, world)
        self.pw.cycle.status = CycleStatus.PUBLISHED
        for share in (self.pw.share_x, self.pw.share_y):
            share.status = ShareStatus.PENDING
        self.session.flush()
        self.directors = {"x": world.dx, "y": world.dy}
        self.shares = {"x": self.pw.share_x, "y": self.pw.share_y}
        self.members = {"x": world.member_x.id, "y": world.member_y.id}
        self.orders = {"v": self.pw.po_v, "w": self.pw.po_w}
        self.vendors = {"v": world.vendor_org.id, "w": self.pw.vendor_w.id}
        self.onboarded: set[str] = set()
        self.short: dict[str, dict[int, int]] = {"v": {}, "w": {}}

    def teardown(self) -> None:
        self.emulator.clear_faults()
        self.session.close()
        self.transaction.rollback()
        self.connection.close()

    # ------------------------------------------------------------ the cycle

    @rule(who=st.sampled_from(["x", "y"]))
    def approve(self, who):
        if self.pw.cycle.status is CycleStatus.PUBLISHED:
            self.shares[who].status = ShareStatus.APPROVED
            self.session.flush()

    @rule()
    def finalize(self):
        if self.pw.cycle.status is CycleStatus.PUBLISHED and all(
                s.status is ShareStatus.APPROVED for s in self.shares.values()):
            self.pw.cycle.status = CycleStatus.ORDERED
            self.session.flush()

    @rule(who=st.sampled_from(["x", "y"]), method=st.sampled_from(METHODS))
    def charge(self, who, method):
        try:
            payments.pay_share(self.session, self.directors[who], self.gateway, self.shares[who].id, method)
        except ConflictError:
            payment = self.payment(who)
            assert self.pw.cycle.status is CycleStatus.PUBLISHED or (
                payment is not None and payment.status in (PaymentStatus.PAID, PaymentStatus.PROCESSING))

    @rule(who=st.sampled_from(["x", "y"]), number=st.sampled_from(CARDS), report=st.booleans())
    def charge_in_browser(self, who, number, report):
        """Stripe.js pays with a typed card; the page reports back, or its report is lost."""
        try:
            started = card_payments.start_browser_payment(self.session, self.directors[who], self.gateway,
                                                          self.shares[who].id)
        except (ConflictError, StripeUnavailableError):
            return  # not payable now, paid, under way, or Stripe did not answer (the same intent next time)
        try:
            browser_pays(self.emulator, started.client_secret, number)
        except requests.RequestException:
            return  # the browser lost Stripe's answer: the webhook or reconciliation tells us
        if report:
            card_payments.record_browser_payment(self.session, self.directors[who], self.gateway,
                                                 self.shares[who].id, started.payment_intent)

    @rule()
    def settle_bank_debits(self):
        self.emulator.settle()

    @rule(data=st.data())
    def webhook(self, data):
        events = [e for e in self.emulator.events() if e["type"] in HANDLERS]
        if events:
            handle_event(self.session, self.gateway, data.draw(st.sampled_from(events)))

    @rule(order=st.sampled_from(["v", "w"]), who=st.sampled_from(["x", "y"]), packs=st.integers(0, 3))
    def deliver(self, order, who, packs):
        po = self.orders[order]
        line = next((ln for ln in po.lines if ln.member_id == self.members[who]), None)
        if po.status is POStatus.CANCELLED or self.pw.cycle.status is CycleStatus.PUBLISHED or line is None:
            return
        missing = self.short[order]
        missing[line.member_id] = min(max(missing.get(line.member_id, 0), packs), line.packs)  # found, never undone
        deliver(self.session, po, missing)

    @rule(order=st.sampled_from(["v", "w"]))
    def cancel_order(self, order):
        if self.orders[order].status not in (POStatus.DELIVERED, POStatus.SHORT):
            self.orders[order].status = POStatus.CANCELLED
            self.session.flush()

    @rule(vendor=st.sampled_from(["v", "w"]))
    def onboard_vendor(self, vendor):
        if vendor not in self.onboarded:
            onboard(self.session, self.gateway, self.emulator, self.vendors[vendor])
            self.onboarded.add(vendor)

    @rule()
    def pay_out(self):
        payouts.run_payouts(self.session, self.gateway)

    @rule(endpoint=st.sampled_from(ENDPOINTS), fault=st.sampled_from(FAULTS), times=st.sampled_from([1, 5]))
    def fault(self, endpoint, fault, times):
        self.emulator.inject_fault("POST", endpoint, fault, times=times)

    @rule()
    def reconcile(self):
        self.emulator.clear_faults()
        report = reconciliation.reconcile_cycle(self.session, self.gateway, self.pw.cycle.id)
        assert report.discrepancies == []

    @rule()
    def finish_everything(self):
        """Heal, approve, pay, deliver, onboard, pay out: then the cycle holds nothing."""
        self.emulator.clear_faults()
        for who in ("x", "y"):
            self.approve(who)
        self.finalize()
        self.emulator.settle()
        reconciliation.reconcile_cycle(self.session, self.gateway, self.pw.cycle.id)
        for who in ("x", "y"):
            payment = self.payment(who)
            if payment is None or payment.status is PaymentStatus.FAILED:
                payments.pay_share(self.session, self.directors[who], self.gateway, self.shares[who].id,
                                   "pm_card_visa")
        for order, po in self.orders.items():
            if po.status not in (POStatus.CANCELLED, POStatus.DELIVERED, POStatus.SHORT):
                deliver(self.session, po, self.short[order])
        for vendor in ("v", "w"):
            self.onboard_vendor(vendor)
        payouts.run_payouts(self.session, self.gateway)
        report = reconciliation.reconcile_cycle(self.session, self.gateway, self.pw.cycle.id)
        assert report.discrepancies == [] and report.totals["settled"] is True
        totals = ledger.cycle_totals(self.session, self.pw.cycle.id)
        assert totals.held == 0
        assert totals.charges == totals.payouts + totals.fees + totals.refunds
        due = {f.payment_id: f.fee for f in payouts.fee_refund_plan(self.session, self.pw.cycle.id)}
        for payment in self.session.scalars(select(SharePayment)):
            fee_back = ledger.pair_book(self.session, payment.id, None).fee_refunded
            assert fee_back == due.get(payment.id, 0)
            # Shortages here are at most 3 packs of a line: only cancelled orders refund everything.
            nothing_came = all(self.orders[o].status is POStatus.CANCELLED for o in self.bought_from(payment))
            assert fee_back == (payment.fee_cents if nothing_came and payment.status is PaymentStatus.PAID else 0)

    # ------------------------------------------------------------ what must always hold

    def bought_from(self, payment: SharePayment) -> list[str]:
        return [o for o, po in self.orders.items() if any(ln.member_id == payment.member_id for ln in po.lines)]

    def payment(self, who) -> SharePayment | None:
        self.session.expire_all()
        return self.session.scalar(select(SharePayment).where(SharePayment.share_id == self.shares[who].id))

    @invariant()
    def ledger_identity_holds(self):
        self.session.expire_all()
        totals = ledger.cycle_totals(self.session, self.pw.cycle.id)
        paid = self.session.scalars(select(SharePayment).where(SharePayment.status == PaymentStatus.PAID)).all()
        assert totals.charges == sum(p.amount_cents for p in paid)
        plan = payouts.payout_plan(self.session, self.pw.cycle.id)
        due = {f.payment_id: f.fee for f in payouts.fee_refund_plan(self.session, self.pw.cycle.id, plan)}
        fee_back = {p.id: ledger.pair_book(self.session, p.id, None).fee_refunded for p in paid}
        assert all(fee_back[p.id] in (0, due.get(p.id, 0)) for p in paid)  # all of it, once, or nothing
        assert totals.fee_refunds == sum(fee_back.values())
        assert totals.fees == sum(money.hub_fee(p.goods_cents, Decimal("2"), 150) - fee_back[p.id] for p in paid)
        outstanding = 0
        targets = {(t.payment_id, t.vendor_id): t for t in plan}
        for payment in paid:
            for vendor in self.vendors.values():
                book = ledger.pair_book(self.session, payment.id, vendor)
                target = targets.get((payment.id, vendor))
                allocated = target.allocated if target else 0
                assert 0 <= book.refunded <= (target.refund if target and target.ready else 0)
                assert 0 <= book.transferred <= allocated - book.refunded
                outstanding += allocated - book.refunded - book.transferred
        assert totals.held == outstanding >= 0
        assert totals.charges == totals.payouts + totals.fees + totals.refunds + totals.held

    @invariant()
    def stripe_never_has_more_than_one_of_anything(self):
        intents = Counter(pi["metadata"].get("share_payment_id") for pi in self.emulator.objects("payment_intent"))
        assert all(n == 1 for n in intents.values())
        charges = Counter(c["payment_intent"] for c in self.emulator.objects("charge") if c["status"] == "succeeded")
        assert all(n == 1 for n in charges.values())
        transfers = Counter((t["source_transaction"], t["destination"]) for t in self.emulator.objects("transfer"))
        assert all(n == 1 for n in transfers.values())

    @invariant()
    def the_ledger_agrees_with_stripe_once_answers_are_in(self):
        entries = self.session.scalars(select(LedgerEntry).where(LedgerEntry.cycle_id == self.pw.cycle.id)).all()
        undecided = any(e.status is EntryStatus.PENDING for e in entries) or self.session.scalar(
            select(SharePayment.id).where(SharePayment.status.in_([PaymentStatus.PENDING, PaymentStatus.PROCESSING])))
        ours_paid = set(self.session.scalars(select(SharePayment.payment_intent_id).where(
            SharePayment.status == PaymentStatus.PAID)))
        undecided = undecided or any(  # a browser paid and we have not heard yet
            pi["status"] == "succeeded" and pi["id"] not in ours_paid for pi in self.emulator.objects("payment_intent"))
        totals = ledger.cycle_totals(self.session, self.pw.cycle.id)
        stripe = (sum(c["amount"] for c in self.emulator.objects("charge") if c["status"] == "succeeded"),
                  sum(r["amount"] for r in self.emulator.objects("refund")),
                  sum(t["amount"] - t["amount_reversed"] for t in self.emulator.objects("transfer")))
        ours = (totals.charges, totals.refunds, totals.payouts)
        if undecided:
            assert ours[0] <= stripe[0]
        else:
            assert ours == stripe


def test_the_ledger_identity_holds_after_every_step(engine, _emulator):
    PaymentLife.engine, PaymentLife.emulator = engine, _emulator
    run_state_machine_as_test(PaymentLife, settings=settings(
        max_examples=20, stateful_step_count=20, deadline=None, print_blob=True,  # a failure prints how to replay it
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
