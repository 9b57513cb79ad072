"""Vendors upload price sheets, see every error by row, the diff, and activate; the hub watches."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from marketplace.models import Role, SheetStatus
from marketplace.services import offers, price_sheets, sheet_files
from marketplace.services.paging import paginate_list
from marketplace.services.price_sheets import MAX_SHEET_BYTES, Upload
from marketplace.services.scope import require_role
from marketplace.services.sheet_diff import diff_price_sheet
from marketplace.web.catalog_forms import UploadForm
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, db, page_number, search_text

bp = Blueprint("price_sheets", __name__)
ERRORS_PER_PAGE = 200
CHANGES_PER_PAGE = 100


@bp.app_template_filter("price")
def price(value: Decimal | None) -> str:
    """US dollars with 2 to 4 decimals: $1,234.50, $0.0550."""
    if value is None:
        return ""
    places = max(2, min(4, -value.normalize().as_tuple().exponent))  # type: ignore[operator]
    return f"${value:,.{places}f}"


@bp.get("/price-sheets")
@login_required
def index() -> str:
    require_role(actor(), Role.VENDOR, Role.HUB_MANAGER)
    vendor_id = request.args.get("vendor", type=int) if actor().role is Role.HUB_MANAGER else None
    sheets = price_sheets.list_price_sheets(db(), actor(), vendor_id=vendor_id, page=page_number())
    vendors = offers.list_vendors(db(), actor()) if actor().role is Role.HUB_MANAGER else []
    return render_template("price_sheets/index.html", sheets=sheets, vendors=vendors, vendor_id=vendor_id)


@bp.get("/price-sheets/template.<any(csv, xlsx):kind>")
@login_required
def template(kind: str) -> Response:
    download = sheet_files.sheet_template(db(), actor(), kind)
    return Response(download.data, mimetype=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})


@bp.route("/price-sheets/upload", methods=["GET", "POST"])
@login_required
def upload() -> BaseResponse | tuple[str, int]:
    require_role(actor(), Role.VENDOR, Role.HUB_MANAGER)
    form = UploadForm()
    is_hub = actor().role is Role.HUB_MANAGER
    if is_hub:
        form.vendor_id.choices = [(v.vendor.id, v.vendor.name) for v in offers.list_vendors(db(), actor())]
        if request.method == "GET" and request.args.get("vendor", type=int):
            form.vendor_id.data = request.args.get("vendor", type=int)
    if form.validate_on_submit():
        if is_hub and not form.vendor_id.data:
            form.vendor_id.errors = ["Choose the vendor whose sheet this is."]
        else:
            file = form.file.data
            data = file.stream.read(MAX_SHEET_BYTES + 1)
            sheet = price_sheets.upload_price_sheet(db(), actor(), Upload(data, file.filename),
                                                    vendor_id=form.vendor_id.data if is_hub else None)
            if sheet.status is SheetStatus.INVALID:
                flash(f"{sheet.filename} has {sheet.error_count} problem"
                      f"{'s' if sheet.error_count != 1 else ''}: nothing was imported. "
                      "Fix every row listed below and upload the file again.", "error")
            else:
                flash(f"{sheet.filename} is valid: {sheet.offer_count} offers. Check the changes, "
                      "then activate it.", "success")
            return redirect(url_for("price_sheets.detail", sheet_id=sheet.id))
    status = 422 if form.errors else 200
    return render_template("price_sheets/upload.html", form=form, is_hub=is_hub,
                           limit_mb=MAX_SHEET_BYTES // (1024 * 1024)), status


@bp.get("/price-sheets/<id:sheet_id>")
@login_required
def detail(sheet_id: int) -> str:
    sheet = price_sheets.get_price_sheet(db(), actor(), sheet_id)
    errors = price_sheets.sheet_errors(sheet, page=page_number(), per_page=ERRORS_PER_PAGE)
    diff = diff_price_sheet(db(), actor(), sheet.id)
    changes = paginate_list(diff.rows, page_number("changes"), CHANGES_PER_PAGE)
    return render_template("price_sheets/detail.html", sheet=sheet, errors=errors, diff=diff,
                           changes=changes, confirm=ConfirmForm())


@bp.get("/price-sheets/<id:sheet_id>/offers")
@login_required
def sheet_offers(sheet_id: int) -> str:
    sheet = price_sheets.get_price_sheet(db(), actor(), sheet_id)
    search = search_text()
    found = price_sheets.list_sheet_offers(db(), actor(), sheet.id, search=search, page=page_number())
    return render_template("price_sheets/offers.html", sheet=sheet, offers=found, search=search)


@bp.post("/price-sheets/<id:sheet_id>/activate")
@login_required
def activate(sheet_id: int) -> BaseResponse:
    version = price_sheets.activate_price_sheet(db(), actor(), sheet_id)
    flash(f"Version {version.number} is active: these prices apply from "
          f"{version.effective_from.strftime('%b %d, %Y')}.", "success")
    return redirect(url_for("price_sheets.detail", sheet_id=sheet_id))
