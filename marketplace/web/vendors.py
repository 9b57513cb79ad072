"""Vendors, their delivery terms, offer versions and offers in force."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from marketplace.errors import ValidationError
from marketplace.models import Role
from marketplace.services import delivery_terms, offers, price_sheets
from marketplace.services.delivery_terms import TermsInput, check_terms_input
from marketplace.services.scope import require_role
from marketplace.web.catalog_forms import TermsForm
from marketplace.web.helpers import actor, apply_errors, db, page_number, search_text

bp = Blueprint("vendors", __name__)


@bp.get("/vendors")
@login_required
def index() -> Response | str:
    require_role(actor(), Role.VENDOR, Role.HUB_MANAGER)
    if actor().role is Role.VENDOR:
        return redirect(url_for("vendors.detail", vendor_id=actor().organization_id))
    return render_template("vendors/index.html", vendors=offers.list_vendors(db(), actor()))


@bp.get("/vendors/<id:vendor_id>")
@login_required
def detail(vendor_id: int) -> str:
    vendor = price_sheets.get_vendor(db(), actor(), vendor_id)
    terms = delivery_terms.get_delivery_terms(db(), actor(), vendor.id)
    coverage = (delivery_terms.region_coverage(db(), actor(), terms)
                if actor().role is Role.HUB_MANAGER else None)
    versions = price_sheets.list_versions(db(), actor(), vendor.id)
    pending = price_sheets.list_price_sheets(db(), actor(), vendor_id=vendor.id, per_page=10)
    return render_template("vendors/detail.html", vendor=vendor, terms=terms, coverage=coverage,
                           versions=versions, sheets=pending)


@bp.route("/vendors/<id:vendor_id>/terms", methods=["GET", "POST"])
@login_required
def terms(vendor_id: int) -> Response | tuple[str, int]:
    vendor = price_sheets.get_vendor(db(), actor(), vendor_id)
    require_role(actor(), Role.VENDOR, Role.HUB_MANAGER)
    current = delivery_terms.get_delivery_terms(db(), actor(), vendor.id)
    form = TermsForm()
    if request.method == "GET" and current is not None:
        form.every_region.data = current.regions is None
        form.regions.data = "\n".join(current.regions or [])
        form.delivery_fee.data = str(current.delivery_fee)
        form.free_delivery_over.data = "" if current.free_delivery_over is None else str(current.free_delivery_over)
        form.min_order.data = "" if current.min_order is None else str(current.min_order)
        form.accepts_cxml.data = current.accepts_cxml
    if form.is_submitted():
        data = TermsInput(regions=form.regions.data or "", every_region=bool(form.every_region.data),
                          delivery_fee=form.delivery_fee.amount,
                          free_delivery_over=form.free_delivery_over.amount, min_order=form.min_order.amount,
                          accepts_cxml=bool(form.accepts_cxml.data))
        if not form.validate():
            # Show the service's findings on the other fields too: every problem at once.
            others = {k: v for k, v in check_terms_input(data).items() if not getattr(form, k).errors}
            apply_errors(form, ValidationError(field_errors=others))
        else:
            try:
                delivery_terms.update_delivery_terms(db(), actor(), vendor.id, data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash("Delivery terms saved.", "success")
                return redirect(url_for("vendors.detail", vendor_id=vendor.id))
    return render_template("vendors/terms.html", form=form, vendor=vendor), 422 if form.errors else 200


@bp.get("/offers")
@login_required
def offer_index() -> str:
    require_role(actor(), Role.VENDOR, Role.HUB_MANAGER)
    is_hub = actor().role is Role.HUB_MANAGER
    vendor_id = request.args.get("vendor", type=int) if is_hub else None
    search = search_text()
    found = offers.search_offers(db(), actor(), vendor_id=vendor_id, search=search, page=page_number())
    vendors = offers.list_vendors(db(), actor()) if is_hub else []
    return render_template("vendors/offers.html", offers=found, search=search, vendor_id=vendor_id,
                           vendors=vendors)
