"""Forms of the catalog, price-sheet and delivery-terms pages."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from marketplace.models import ITEM_ATTRIBUTES
from marketplace.web.forms import Form

_AMOUNT = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d*)?$|^\$?\s*\.\d+$")


class AmountField(StringField):
    """Dollars as people type them ("25", "$1,250.50"); ``data`` is a Decimal or None."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.amount: Decimal | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        text = (self.data or "").strip()
        self.amount = None
        if not text:
            return
        if not _AMOUNT.match(text):
            raise ValueError("Enter an amount in dollars, like 25 or 1,250.50.")
        try:
            self.amount = Decimal(text.replace("$", "").replace(",", "").strip())
        except InvalidOperation as exc:  # pragma: no cover - the pattern already refused it
            raise ValueError("Enter an amount in dollars, like 25 or 1,250.50.") from exc

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()


class ItemForm(Form):
    slug = StringField("Item id", validators=[DataRequired(message="Enter the item's id."), Length(max=100)])
    name = StringField("Name", validators=[DataRequired(message="Enter the item's name."),
                                           Length(max=200, message="Use at most 200 characters.")])
    unit = StringField("Unit", validators=[DataRequired(message="Enter the unit."), Length(max=20)])
    category_id = SelectField("Category", coerce=int, validate_choice=False,
                              validators=[DataRequired(message="Choose a category.")])
    description = TextAreaField("Description", validators=[Optional(), Length(max=500)])
    reference_price = AmountField("Reference price per unit", validators=[Optional(), Length(max=20)])
    cacfp_creditable = BooleanField(ITEM_ATTRIBUTES["cacfp_creditable"])
    whole_grain_rich = BooleanField(ITEM_ATTRIBUTES["whole_grain_rich"])
    peanut_free = BooleanField(ITEM_ATTRIBUTES["peanut_free"])
    epa_registered = BooleanField(ITEM_ATTRIBUTES["epa_registered"])
    infant = BooleanField(ITEM_ATTRIBUTES["infant"])
    active = BooleanField("Active (vendors may offer it, directors may order it)", default=True)

    def attribute_names(self) -> frozenset[str]:
        return frozenset(name for name in ITEM_ATTRIBUTES if getattr(self, name).data)


class CategoryForm(Form):
    name = StringField("New category", validators=[DataRequired(message="Enter the category's name."),
                                                   Length(max=100, message="Use at most 100 characters.")])


class UploadForm(Form):
    file = FileField("Price sheet (CSV or XLSX)", validators=[FileRequired(message="Choose the file to upload.")])
    vendor_id = SelectField("Vendor", coerce=int, validate_choice=False, validators=[Optional()])


class TermsForm(Form):
    every_region = BooleanField("We deliver to every region of the alliance")
    regions = TextAreaField("Regions we deliver to", validators=[Optional(), Length(max=30_000)])
    delivery_fee = AmountField("Delivery fee per drop", validators=[Optional(), Length(max=20)])
    free_delivery_over = AmountField("Free delivery for a drop worth at least", validators=[Optional(), Length(max=20)])
    min_order = AmountField("Minimum order per drop", validators=[Optional(), Length(max=20)])
    accepts_cxml = BooleanField("Send us purchase orders as cXML OrderRequest documents too")
