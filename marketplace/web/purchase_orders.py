"""Purchase orders: the hub sends them, vendors confirm and ship, sites report deliveries."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from marketplace.errors import ConflictError, ValidationError
from marketplace.models import Role
from marketplace.services import cycles, delivery_corrections, po_documents, shortages
from marketplace.services import purchase_orders as orders
from marketplace.services.scope import require_role
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, apply_errors, db, mailer
from marketplace.web.plan_forms import delivery_form

bp = Blueprint("purchase_orders", __name__)


@bp.get("/purchase-orders")
@login_required
def index() -> str:
    """The hub's and a vendor's orders; a director's deliveries."""
    if actor().role is Role.DIRECTOR:
        return render_template("purchase_orders/deliveries.html",
                               deliveries=orders.list_site_deliveries(db(), actor()))
    return render_template("purchase_orders/index.html", orders=orders.list_purchase_orders(db(), actor()),
                           cycle=None, confirm=ConfirmForm(), shortages=[])


@bp.get("/cycles/<id:cycle_id>/purchase-orders")
@login_required
def cycle(cycle_id: int) -> str:
    found = cycles.get_cycle(db(), actor(), cycle_id)
    require_role(actor(), Role.HUB_MANAGER)
    return render_template("purchase_orders/index.html", cycle=found, confirm=ConfirmForm(),
                           orders=orders.list_purchase_orders(db(), actor(), cycle_id=found.id),
                           shortages=shortages.list_shortages(db(), actor(), found.id))


@bp.post("/cycles/<id:cycle_id>/purchase-orders/send")
@login_required
def send(cycle_id: int) -> BaseResponse:
    result = orders.send_purchase_orders(db(), actor(), cycle_id, email_enabled=mailer().enabled)
    if not result.sent:
        flash("Every purchase order of this cycle was already sent.", "success")
    else:
        how = "and emailed to their vendors" if mailer().enabled else "email is off: vendors see them in the app"
        flash(f"{len(result.sent)} purchase order(s) sent ({how}).", "success")
    return redirect(url_for("purchase_orders.cycle", cycle_id=cycle_id))


@bp.get("/purchase-orders/<id:po_id>")
@login_required
def detail(po_id: int) -> str:
    po = orders.get_purchase_order(db(), actor(), po_id)
    return render_template("purchase_orders/detail.html", po=po, confirm=ConfirmForm(),
                           cxml=po_documents.accepts_cxml(db(), po.vendor_id))


@bp.get("/purchase-orders/<id:po_id>/<any(pdf, csv, xml):kind>")
@login_required
def download(po_id: int, kind: str) -> Response:
    file = po_documents.po_document(db(), orders.get_purchase_order(db(), actor(), po_id), kind)
    return Response(file.data, mimetype=file.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{file.filename}"'})


@bp.post("/purchase-orders/<id:po_id>/confirm")
@login_required
def confirm(po_id: int) -> BaseResponse:
    po = orders.confirm_purchase_order(db(), actor(), po_id)
    flash(f"{po.number} is confirmed. Mark it shipped when it leaves.", "success")
    return redirect(url_for("purchase_orders.detail", po_id=po.id))


@bp.post("/purchase-orders/<id:po_id>/ship")
@login_required
def ship(po_id: int) -> BaseResponse:
    po = orders.ship_purchase_order(db(), actor(), po_id)
    flash(f"{po.number} is marked shipped.", "success")
    return redirect(url_for("purchase_orders.detail", po_id=po.id))


@bp.route("/deliveries/<id:delivery_id>", methods=["GET", "POST"])
@login_required
def delivery(delivery_id: int) -> BaseResponse | tuple[str, int]:
    view = orders.get_delivery(db(), actor(), delivery_id)
    form = delivery_form(view.lines)
    if form.validate_on_submit():
        try:
            done = orders.report_delivery(db(), actor(), delivery_id, form.received(),
                                          note=form.note.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            short = sum(line.shortage_packs for line in view.lines)
            flash(f"Delivery to {done.site.name} recorded" + (f" with {short} pack(s) short." if short else "."),
                  "success")
            return redirect(url_for("purchase_orders.delivery", delivery_id=done.id))
    window = delivery_corrections.correction_window(db(), actor(), view.delivery)
    return render_template("purchase_orders/delivery.html", v=view, form=form, window=window), \
        422 if form.errors else 200


@bp.route("/deliveries/<id:delivery_id>/correct", methods=["GET", "POST"])
@login_required
def correct(delivery_id: int) -> BaseResponse | tuple[str, int]:
    """Correct a delivery report (the vendor and the site's director until the payout, the hub)."""
    found, lines, window = delivery_corrections.correctable(db(), actor(), delivery_id)
    form, problem = delivery_form(lines, correcting=True), "" if window.allowed else window.why_not
    if window.allowed and form.validate_on_submit():
        try:
            done = delivery_corrections.correct_delivery(db(), actor(), delivery_id, form.received(),
                                                         reason=form.reason.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        except ConflictError as error:  # nothing was stored: the form keeps what was typed
            problem = error.message
            found, lines, window = delivery_corrections.correctable(db(), actor(), delivery_id)
        else:
            flash(f"The delivery to {done.site.name} was corrected; the other side and the hub were told.",
                  "success")
            return redirect(url_for("purchase_orders.delivery", delivery_id=done.id))
    status = 422 if form.errors else (409 if problem and request.method == "POST" else 200)
    return render_template("purchase_orders/correct.html", d=found, lines=lines, form=form, window=window,
                           problem=problem), status
