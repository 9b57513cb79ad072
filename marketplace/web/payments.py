"""Payments: directors pay shares, vendors set up payouts, the hub sets its fee, pays vendors
out and reconciles; and Stripe's webhook, the one POST without a CSRF token (it is signed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from marketplace import jobs
from marketplace.errors import ValidationError
from marketplace.models import PaymentJobKind, Role
from marketplace.payments import money
from marketplace.payments.errors import PaymentsError, StripeUnavailableError, WebhookSignatureError
from marketplace.payments.gateway import StripeGateway, require_gateway
from marketplace.services import (
    card_payments,
    payment_events,
    payment_jobs,
    payments,
    reconciliation,
    vendor_accounts,
)
from marketplace.services.scope import require_role
from marketplace.web.forms import ConfirmForm, Form
from marketplace.web.helpers import actor, apply_errors, db
from marketplace.web.security import csrf, stripe_js_policy

bp = Blueprint("payments", __name__)
EXTENSION = "sharedbuy.payments"


def gateway() -> StripeGateway | None:
    return current_app.extensions.get(EXTENSION)


class PayForm(Form):
    payment_method = RadioField("Pay with", choices=[SelectChoice(m, label) for m, _kind, label in payments.TEST_METHODS],
                                validators=[DataRequired(message="Choose a card or a bank account.")])


class LivePayForm(Form):
    payment_method = StringField("Saved payment method (pm_...)", validators=[
        DataRequired(message="Enter the id of a saved payment method."), Length(max=100)])


class BrowserPayForm(Form):
    """What the pay page's script posts once Stripe.js confirmed the share's PaymentIntent."""

    payment_intent = HiddenField(validators=[DataRequired(message="The payment did not start: try again."),
                                             Length(max=100)])


class FeeForm(Form):
    percent = StringField("Percentage of each share", validators=[Length(max=10)])
    fixed = StringField("Fixed amount per member per cycle ($)", validators=[Length(max=12)])


def _pay_form() -> Form:
    current = gateway()
    return LivePayForm() if current is not None and not current.test_mode else PayForm()


@bp.get("/payments")
@login_required
def index() -> str:
    if actor().role is Role.VENDOR:
        account = vendor_accounts.get_vendor_account(db(), actor(), actor().organization_id)
        received = vendor_accounts.vendor_entries(db(), actor())
        return render_template("payments/vendor.html", account=account, received=received, confirm=ConfirmForm(),
                               money=money)
    bills = payments.list_bills(db(), actor())
    return render_template("payments/index.html", bills=bills, money=money)


@dataclass(frozen=True)
class CardEntry:
    """Stripe.js on the pay page: its address and the publishable key (None: not configured)."""

    js_url: str
    publishable_key: str


def card_entry() -> CardEntry | None:
    config = current_app.extensions["sharedbuy.config"]
    if gateway() is None or not config.stripe_publishable_key:
        return None
    return CardEntry(config.stripe_js_url, config.stripe_publishable_key)


def _share_page(share_id: int, *, form: Form | None = None, status: int = 200) -> Response:
    bill = payments.get_bill(db(), actor(), share_id)
    entries = payments.payment_entries(db(), actor(), bill.payment) if bill.payment else []
    card = card_entry()
    response = make_response(render_template(
        "payments/share.html", bill=bill, entries=entries, form=form or _pay_form(), card=card,
        card_form=BrowserPayForm(formdata=None), money=money), status)
    if card is not None and bill.can_pay and actor().role is Role.DIRECTOR:  # the pages that load Stripe.js
        response.headers["Content-Security-Policy"] = stripe_js_policy(card.js_url)
    return response


@bp.get("/payments/shares/<id:share_id>")
@login_required
def share(share_id: int) -> Response:
    return _share_page(share_id)


@bp.post("/payments/shares/<id:share_id>/pay")
@login_required
def pay(share_id: int) -> Response:
    """Pay with a saved payment method (in test mode, one of Stripe's test methods)."""
    bill = payments.get_bill(db(), actor(), share_id)
    form = _pay_form()
    if form.validate_on_submit():
        try:
            payment = payments.pay_share(db(), actor(), gateway(), bill.share.id, form.payment_method.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(*_paid_message(payment))
            return redirect(url_for("payments.share", share_id=bill.share.id))
    return _share_page(share_id, form=form, status=422)


@bp.post("/payments/shares/<id:share_id>/intent")
@login_required
def intent(share_id: int) -> Response:
    """For the pay page's script (JSON; the CSRF token in ``X-CSRFToken``): the client secret
    of the share's PaymentIntent, for Stripe.js to confirm with the card typed in the page."""
    started = card_payments.start_browser_payment(db(), actor(), gateway(), share_id)
    return jsonify(payment_intent=started.payment_intent, client_secret=started.client_secret,
                   amount_cents=started.amount_cents, currency=started.currency)


@bp.post("/payments/shares/<id:share_id>/confirmed")
@login_required
def confirmed(share_id: int) -> Response:
    """Stripe.js has confirmed the PaymentIntent in the page: record what Stripe says of it."""
    share_id = payments.get_bill(db(), actor(), share_id).share.id  # a foreign share is not found
    form = BrowserPayForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("payments.share", share_id=share_id))
    payment = card_payments.record_browser_payment(db(), actor(), gateway(), share_id, form.payment_intent.data or "")
    flash(*_paid_message(payment))
    return redirect(url_for("payments.share", share_id=share_id))


def _paid_message(payment: payments.SharePayment) -> tuple[str, str]:
    amount = money.format_cents(payment.amount_cents)
    return {
        "paid": (f"Thank you: {amount} was paid.", "success"),
        "processing": (f"Your bank debit of {amount} is on its way; it takes a few days.", "info"),
        "pending": ("We are waiting for the payment service's answer: this page shows it soon. "
                    "Do not pay again, you will not be charged twice.", "info"),
    }.get(payment.status.value, (f"The payment did not go through: {payment.failure_message} "
                                 "Try another card or bank account.", "error"))


@bp.post("/payments/connect")
@login_required
def connect() -> str:
    require_role(actor(), Role.VENDOR)
    url = vendor_accounts.start_onboarding(db(), actor(), gateway(),
                                   return_url=url_for("payments.connect_return", _external=True),
                                   refresh_url=url_for("payments.connect_refresh", _external=True))
    return render_template("payments/connect.html", url=url)


@bp.get("/payments/connect/refresh")
@login_required
def connect_refresh() -> str:
    """Stripe sends the vendor here when the onboarding link expired: offer a fresh one."""
    require_role(actor(), Role.VENDOR)
    return render_template("payments/connect.html", url=None, confirm=ConfirmForm())


@bp.get("/payments/connect/return")
@login_required
def connect_return() -> Response:
    account = vendor_accounts.refresh_vendor_account(db(), actor(), gateway())
    if account is not None and account.transfers_active:
        flash("Your payout account is ready: delivered orders are paid out to it.", "success")
    else:
        flash("Stripe still needs some details before you can be paid: continue the setup.", "info")
    return redirect(url_for("payments.index"))


@bp.route("/payments/fee", methods=["GET", "POST"])
@login_required
def fee() -> Response | tuple[str, int]:
    require_role(actor(), Role.HUB_MANAGER)
    current = payments.get_fee_setting(db(), actor().alliance_id)
    form = FeeForm(data={"percent": str(current.percent), "fixed": money.format_cents(current.fixed_cents)[1:]}
                   if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            payments.set_fee(db(), actor(), form.percent.data or "", form.fixed.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash("The hub's fee is saved: it applies to shares paid from now on.", "success")
            return redirect(url_for("payments.index"))
    return render_template("payments/fee.html", form=form), 422 if form.errors else 200


@bp.get("/payments/cycles/<id:cycle_id>")
@login_required
def cycle(cycle_id: int) -> str:
    report = reconciliation.latest_report(db(), actor(), cycle_id)
    view = reconciliation.cycle_ledger(db(), actor(), cycle_id)
    latest = payment_jobs.latest_payment_jobs(db(), actor(), cycle_id)
    return render_template("payments/cycle.html", view=view, report=report, confirm=ConfirmForm(), money=money,
                           jobs=latest, kinds=list(PaymentJobKind), describe=payment_jobs.describe)


def enqueue_payment_job() -> Callable[[int], str]:
    """Hand a payment job to the queue: an RQ worker (its own Stripe settings) or, without
    Redis, the app's worker thread with the app's gateway."""
    queue = current_app.extensions["sharedbuy.jobs"]
    url = current_app.extensions["sharedbuy.config"].database_url
    if isinstance(queue, jobs.RedisQueue):
        return lambda job_id: queue.enqueue(jobs.run_payment_job, url, job_id).id
    current = gateway()
    return lambda job_id: queue.enqueue(_run_in_process, current, url, job_id).id


def _run_in_process(current: StripeGateway | None, database_url: str, job_id: int) -> str:
    with jobs.job_session(database_url) as session:
        job = payment_jobs.execute_payment_job(session, current, job_id)
        return job.status.value if job is not None else "missing"


def _start_job(cycle_id: int, kind: PaymentJobKind) -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        job, new = payment_jobs.start_payment_job(db(), actor(), cycle_id, kind, enqueue_payment_job())
        flash(f"{kind.label}: {'queued' if new else 'already ' + job.status.label.lower()}. This page shows "
              "the result when it is done.", "info")
    return redirect(url_for("payments.cycle", cycle_id=cycle_id))


@bp.post("/payments/cycles/<id:cycle_id>/reconcile")
@login_required
def reconcile(cycle_id: int) -> Response:
    return _start_job(cycle_id, PaymentJobKind.RECONCILE)


@bp.post("/payments/cycles/<id:cycle_id>/payouts")
@login_required
def pay_out(cycle_id: int) -> Response:
    return _start_job(cycle_id, PaymentJobKind.PAYOUTS)


@bp.get("/payments/jobs/<id:job_id>")
@login_required
def job(job_id: int) -> Response:
    """A payment job's state, for the money page's script (JSON)."""
    found = payment_jobs.get_payment_job(db(), actor(), job_id)
    return jsonify(id=found.id, kind=found.kind.value, status=found.status.value, active=found.active,
                   cycle={"id": found.cycle_id, "name": found.cycle.name}, result=found.result,
                   error=found.error, summary=payment_jobs.describe(found), report_id=found.report_id)


@bp.post("/payments/webhook")
@csrf.exempt
def webhook() -> tuple[Response, int]:
    """Stripe's events: verified by signature (no login, no CSRF token), each applied once."""
    try:
        current = require_gateway(gateway())
        event = current.construct_event(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
        outcome = payment_events.handle_event(db(), current, event)
    except WebhookSignatureError as error:
        return jsonify(error=error.code, message=error.message, details=[]), 400
    except StripeUnavailableError as error:
        return jsonify(error=error.code, message=error.message, details=[]), 503  # Stripe sends it again
    except PaymentsError as error:
        return jsonify(error=error.code, message=error.message, details=[]), error.status
    return jsonify(received=True, outcome=outcome), 200
