"""The catalog: everyone in the alliance browses it; the hub adds and edits items."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from marketplace.errors import ValidationError
from marketplace.models import ITEM_ATTRIBUTES, Role
from marketplace.services import catalog, catalog_reference, offers
from marketplace.services.catalog import ItemInput
from marketplace.services.scope import require_role
from marketplace.web.catalog_forms import CategoryForm, ItemForm
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, apply_errors, db, page_number, search_text

bp = Blueprint("catalog", __name__)
PAGE_SIZE = 50


@bp.get("/catalog")
@login_required
def index() -> str:
    category = request.args.get("category", "")[:40]
    attribute = request.args.get("attribute", "")
    attribute = attribute if attribute in ITEM_ATTRIBUTES else ""
    include_inactive = request.args.get("inactive") == "1"
    search = search_text()
    items = catalog.search_items(db(), actor(), search=search, category=category, attribute=attribute,
                                 include_inactive=include_inactive, page=page_number(), per_page=PAGE_SIZE)
    return render_template("catalog/index.html", items=items, search=search, category=category,
                           attribute=attribute, include_inactive=include_inactive,
                           categories=catalog.list_categories(db(), actor()), attributes=ITEM_ATTRIBUTES)


@bp.route("/catalog/categories", methods=["GET", "POST"])
@login_required
def categories() -> BaseResponse | tuple[str, int]:
    require_role(actor(), Role.HUB_MANAGER)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = catalog.create_category(db(), actor(), form.name.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"The category {category.name} was added.", "success")
            return redirect(url_for("catalog.categories"))
    return render_template("catalog/categories.html", form=form, confirm=ConfirmForm(),
                           rows=catalog.category_counts(db(), actor())), 422 if form.errors else 200


@bp.post("/catalog/staples")
@login_required
def add_staples() -> BaseResponse:
    added = catalog_reference.add_reference_items(db(), actor())
    flash(f"{added} reference staple{'' if added == 1 else 's'} added to the catalog." if added
          else "The catalog already has every reference staple.", "success")
    return redirect(url_for("catalog.index"))


@bp.get("/catalog/items.csv")
@login_required
def export() -> Response:
    """The catalog's item ids, names and units: what a vendor needs to fill a price sheet."""
    return Response(catalog.catalog_csv(db(), actor()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="catalog-items.csv"'})


@bp.get("/catalog/items/<id:item_id>")
@login_required
def detail(item_id: int) -> str:
    item = catalog.get_item(db(), actor(), item_id)
    found = None
    if actor().role is not Role.DIRECTOR:
        found = offers.search_offers(db(), actor(), item_id=item.id, page=page_number(), per_page=PAGE_SIZE)
    return render_template("catalog/detail.html", item=item, offers=found)


@bp.route("/catalog/items/new", methods=["GET", "POST"])
@login_required
def new() -> BaseResponse | tuple[str, int]:
    require_role(actor(), Role.HUB_MANAGER)
    form = _form(ItemForm())
    if form.validate_on_submit():
        try:
            item = catalog.create_item(db(), actor(), _input(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{item.name} was added to the catalog.", "success")
            return redirect(url_for("catalog.detail", item_id=item.id))
    return render_template("catalog/form.html", form=form, item=None), 422 if form.errors else 200


@bp.route("/catalog/items/<id:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int) -> BaseResponse | tuple[str, int]:
    item = catalog.get_item(db(), actor(), item_id)
    require_role(actor(), Role.HUB_MANAGER)
    form = _form(ItemForm(obj=item))
    if request.method == "GET":
        form.reference_price.data = str(item.reference_price) if item.reference_price is not None else ""
    if form.validate_on_submit():
        try:
            catalog.update_item(db(), actor(), item.id, _input(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(f"{item.name} was saved.", "success")
            return redirect(url_for("catalog.detail", item_id=item.id))
    return render_template("catalog/form.html", form=form, item=item), 422 if form.errors else 200


def _form(form: ItemForm) -> ItemForm:
    form.category_id.choices = [(c.id, c.name) for c in catalog.list_categories(db(), actor())]
    return form


def _input(form: ItemForm) -> ItemInput:
    return ItemInput(slug=form.slug.data or "", name=form.name.data or "", unit=form.unit.data or "",
                     category_id=form.category_id.data, description=form.description.data or "",
                     attributes=form.attribute_names(), reference_price=form.reference_price.amount,
                     active=bool(form.active.data))
