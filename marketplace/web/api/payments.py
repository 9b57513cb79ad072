"""Payments: a director's share payment (its state; paying with a saved method, or the client
secret to confirm in a browser with Stripe.js); the hub's cycle ledger, reconciliation, and
the payout and reconciliation jobs. The same services, scope and exactly-once rules as the
pages (``services.payments``, ``card_payments``, ``reconciliation``, ``payment_jobs``)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from marketplace.models import (
    LedgerEntry,
    PaymentAttempt,
    PaymentJob,
    PaymentJobKind,
    ReconciliationReport,
    SharePayment,
)
from marketplace.payments.ledger import CycleTotals
from marketplace.services import card_payments, payment_jobs, payments, reconciliation
from marketplace.services.payments import ShareBill
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    api_actor,
    as_text,
    body,
    field_value,
    raise_field_errors,
    route,
)
from marketplace.web.api.schemas import (
    BOOL,
    DATETIME,
    DATETIME_OR_NULL,
    INT,
    INT_OR_NULL,
    MONEY,
    MONEY_OR_NULL,
    SCHEMAS,
    STRING,
    TEXT_OR_NULL,
    enum,
    nullable,
    obj,
    ref,
)
from marketplace.web.helpers import db
from marketplace.web.payments import enqueue_payment_job, gateway

TAG = "Payments"
PAYMENT_STATUS = enum("unpaid", "pending", "processing", "paid", "failed")
JOB_STATUS = enum("queued", "running", "done", "failed")
SCHEMAS.update({
    "SharePayment": obj({
        "share_id": INT, "cycle_id": INT, "member_id": INT, "status": PAYMENT_STATUS, "can_pay": BOOL,
        "goods": MONEY, "fee": MONEY, "amount": MONEY, "currency": STRING, "payment_intent": TEXT_OR_NULL,
        "paid_at": DATETIME_OR_NULL, "failure_message": STRING,
        "attempts": {"type": "array", "items": obj({
            "number": INT, "method_type": enum("card", "us_bank_account"),
            "status": enum("pending", "processing", "succeeded", "failed"), "failure_message": STRING,
            "created_at": DATETIME, "finished_at": DATETIME_OR_NULL})},
        "entries": {"type": "array", "items": ref("LedgerRow")}}),
    "LedgerRow": obj({
        "kind": enum("charge", "hub_fee", "refund", "transfer", "reversal", "fee_refund"), "member_id": INT,
        "vendor_id": INT_OR_NULL, "amount": MONEY, "status": enum("pending", "done", "failed"),
        "stripe_id": TEXT_OR_NULL, "done_at": DATETIME_OR_NULL}),
    "PayInput": obj({"payment_method": {**STRING, "description": "a saved PaymentMethod's id (pm_...)"}}),
    "PaymentIntentStart": obj({
        "payment_intent": STRING, "amount": MONEY, "currency": STRING,
        "client_secret": {**STRING, "description": "for Stripe.js in the director's browser only"}}),
    "ConfirmedInput": obj({"payment_intent": STRING}),
    "CycleLedger": obj({
        "cycle_id": INT, "totals": ref("LedgerTotals"),
        "payments": {"type": "array", "items": obj({
            "share_id": INT, "member_id": INT, "member_name": STRING, "status": PAYMENT_STATUS,
            "goods": MONEY, "fee": MONEY, "amount": MONEY})}}),
    "LedgerTotals": obj({
        "charges": MONEY, "fees": {**MONEY, "description": "the hub's fee kept (charged less given back)"},
        "refunds": {**MONEY, "description": "all money back to members, fees given back included"},
        "fee_refunds": MONEY, "payouts": MONEY, "held": MONEY}),
    "Reconciliation": obj({"cycle_id": INT, "report": nullable(ref("ReconciliationReport")),
                           "job": nullable(ref("PaymentJob"))}),
    "ReconciliationReport": obj({
        "id": INT, "created_at": DATETIME, "ok": BOOL, "settled": BOOL, "owed_to_vendors": MONEY_OR_NULL,
        "to_refund": MONEY_OR_NULL, "stripe_charges": MONEY_OR_NULL, "stripe_refunds": MONEY_OR_NULL,
        "stripe_payouts": MONEY_OR_NULL,
        "discrepancies": {"type": "array", "items": obj({
            "kind": STRING, "message": STRING, "stripe_id": TEXT_OR_NULL, "entry_id": INT_OR_NULL,
            "ours": MONEY_OR_NULL, "stripe": MONEY_OR_NULL})}}),
    "PaymentJob": obj({
        "id": INT, "cycle_id": INT, "kind": enum("payouts", "reconcile"), "status": JOB_STATUS, "active": BOOL,
        "summary": STRING, "report_id": INT_OR_NULL, "created_at": DATETIME, "started_at": DATETIME_OR_NULL,
        "finished_at": DATETIME_OR_NULL}),
})


# ---------------------------------------------------------------- a director's share

def payment_json(bill: ShareBill, entries: list[LedgerEntry]) -> dict[str, Any]:
    payment: SharePayment | None = bill.payment
    attempts: list[PaymentAttempt] = payment.attempts if payment else []
    return {"share_id": bill.share.id, "cycle_id": bill.share.cycle_id, "member_id": bill.share.member_id,
            "status": bill.status.value, "can_pay": bill.can_pay, "goods": serialize.money(bill.quote.goods_cents),
            "fee": serialize.money(bill.quote.fee_cents), "amount": serialize.money(bill.quote.amount_cents),
            "currency": payment.currency if payment else payments.CURRENCY,
            "payment_intent": payment.payment_intent_id if payment else None,
            "paid_at": serialize.when(payment.paid_at) if payment else None,
            "failure_message": payment.failure_message if payment else "",
            "attempts": [{"number": a.number, "method_type": a.method_type, "status": a.status.value,
                          "failure_message": a.failure_message, "created_at": serialize.when(a.created_at),
                          "finished_at": serialize.when(a.finished_at)} for a in attempts],
            "entries": [ledger_row(e) for e in entries]}


def ledger_row(entry: LedgerEntry) -> dict[str, Any]:
    return {"kind": entry.kind.value, "member_id": entry.member_id, "vendor_id": entry.vendor_id,
            "amount": serialize.money(entry.amount_cents), "status": entry.status.value,
            "stripe_id": entry.stripe_id, "done_at": serialize.when(entry.done_at)}


def _share_payment(share_id: int) -> Response:
    bill = payments.get_bill(db(), api_actor(), share_id)
    entries = payments.payment_entries(db(), api_actor(), bill.payment) if bill.payment else []
    return jsonify(payment_json(bill, entries))


@route("/shares/<id:share_id>/payment", "GET", summary="The payment of a share: what it costs, its state, "
       "attempts and the money moved", response="SharePayment", roles="director, hub_manager", tag=TAG)
def get_share_payment(share_id: int) -> Response:
    return _share_payment(share_id)


@route("/shares/<id:share_id>/payment", "POST", summary="Pay your member's share with a saved payment method "
       "(charged once, however often it is sent)", body="PayInput", response="SharePayment", roles="director",
       tag=TAG)
def pay_share(share_id: int) -> Response:
    share = payments.get_bill(db(), api_actor(), share_id).share
    payments.pay_share(db(), api_actor(), gateway(), share.id, _required_text("payment_method"))
    return _share_payment(share.id)


@route("/shares/<id:share_id>/payment/intent", "POST", summary="The client secret of your share's one "
       "PaymentIntent, to confirm with Stripe.js in your browser (the amount is the server's)",
       response="PaymentIntentStart", roles="director", tag=TAG)
def start_share_payment(share_id: int) -> Response:
    started = card_payments.start_browser_payment(db(), api_actor(), gateway(), share_id)
    return jsonify(payment_intent=started.payment_intent, client_secret=started.client_secret,
                   amount=serialize.money(started.amount_cents), currency=started.currency)


@route("/shares/<id:share_id>/payment/confirmed", "POST", summary="After Stripe.js confirmed it: record what "
       "the payment service says of the share's PaymentIntent", body="ConfirmedInput", response="SharePayment",
       roles="director", tag=TAG)
def confirm_share_payment(share_id: int) -> Response:
    share = payments.get_bill(db(), api_actor(), share_id).share
    card_payments.record_browser_payment(db(), api_actor(), gateway(), share.id,
                                         _required_text("payment_intent"))
    return _share_payment(share.id)


def _required_text(name: str) -> str:
    """The body's text field ``name``; a 422 naming it when it is missing or blank."""
    errors: dict = {}
    value = field_value(body(), name, as_text, errors, "", required=True)
    raise_field_errors(errors)
    return value


# ---------------------------------------------------------------- the hub's cycle

def totals_json(totals: CycleTotals) -> dict[str, Any]:
    return {name: serialize.money(getattr(totals, name))
            for name in ("charges", "fees", "refunds", "fee_refunds", "payouts", "held")}


@route("/cycles/<id:cycle_id>/ledger", "GET", summary="The cycle's money: charges, hub fee, refunds, payouts "
       "and what is held (charges = payouts + fee + refunds + held), and each member's payment",
       response="CycleLedger", roles="hub_manager", tag=TAG)
def cycle_ledger(cycle_id: int) -> Response:
    view = reconciliation.cycle_ledger(db(), api_actor(), cycle_id)
    return jsonify(cycle_id=view.cycle.id, totals=totals_json(view.totals), payments=[
        {"share_id": p.share_id, "member_id": p.member_id, "member_name": p.member.name, "status": p.status.value,
         "goods": serialize.money(p.goods_cents), "fee": serialize.money(p.fee_cents),
         "amount": serialize.money(p.amount_cents)} for p in view.payments])


def report_json(report: ReconciliationReport) -> dict[str, Any]:
    totals = report.totals or {}

    def cents(name: str) -> str | None:
        return serialize.money(totals[name]) if isinstance(totals.get(name), int) else None

    return {"id": report.id, "created_at": serialize.when(report.created_at), "ok": report.ok,
            "settled": bool(totals.get("settled")), "owed_to_vendors": cents("owed_to_vendors"),
            "to_refund": cents("to_refund"), "stripe_charges": cents("stripe_charges"),
            "stripe_refunds": cents("stripe_refunds"), "stripe_payouts": cents("stripe_payouts"),
            "discrepancies": [{"kind": d.get("kind", ""), "message": d.get("message", ""),
                               "stripe_id": d.get("stripe_id"), "entry_id": d.get("entry_id"),
                               "ours": serialize.money(d.get("ours")), "stripe": serialize.money(d.get("stripe"))}
                              for d in report.discrepancies or []]}


def job_json(job: PaymentJob) -> dict[str, Any]:
    return {"id": job.id, "cycle_id": job.cycle_id, "kind": job.kind.value, "status": job.status.value,
            "active": job.active, "summary": payment_jobs.describe(job), "report_id": job.report_id,
            "created_at": serialize.when(job.created_at), "started_at": serialize.when(job.started_at),
            "finished_at": serialize.when(job.finished_at)}


@route("/cycles/<id:cycle_id>/reconciliation", "GET", summary="The cycle's latest reconciliation with Stripe "
       "(null before the first) and its latest reconciliation job", response="Reconciliation",
       roles="hub_manager", tag=TAG)
def get_reconciliation(cycle_id: int) -> Response:
    report = reconciliation.latest_report(db(), api_actor(), cycle_id)
    job = payment_jobs.latest_payment_jobs(db(), api_actor(), cycle_id).get(PaymentJobKind.RECONCILE)
    return jsonify(cycle_id=cycle_id, report=report_json(report) if report else None,
                   job=job_json(job) if job else None)


def _start(cycle_id: int, kind: PaymentJobKind) -> tuple[Response, int]:
    job, _new = payment_jobs.start_payment_job(db(), api_actor(), cycle_id, kind, enqueue_payment_job())
    return jsonify(job_json(job)), 202


@route("/cycles/<id:cycle_id>/reconciliation", "POST", summary="Reconcile the cycle with Stripe in the "
       "background (joins the job already under way)", response="PaymentJob", status=202, roles="hub_manager",
       tag=TAG)
def reconcile_cycle(cycle_id: int) -> tuple[Response, int]:
    return _start(cycle_id, PaymentJobKind.RECONCILE)


@route("/cycles/<id:cycle_id>/payouts", "POST", summary="Refund shortages and pay vendors for the cycle in the "
       "background (safe to repeat: nothing is paid twice)", response="PaymentJob", status=202,
       roles="hub_manager", tag=TAG)
def pay_out_cycle(cycle_id: int) -> tuple[Response, int]:
    return _start(cycle_id, PaymentJobKind.PAYOUTS)


@route("/payment-jobs/<id:job_id>", "GET", summary="A payout or reconciliation job: queued, running, done "
       "(with what it did) or failed (with why)", response="PaymentJob", roles="hub_manager", tag=TAG)
def get_payment_job(job_id: int) -> Response:
    return jsonify(job_json(payment_jobs.get_payment_job(db(), api_actor(), job_id)))
