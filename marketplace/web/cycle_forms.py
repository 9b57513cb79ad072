"""Forms of the needs, cycles and optimization-run pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from marketplace.models import Cadence
from marketplace.services.cycles import CycleInput
from marketplace.services.demand import LineInput
from marketplace.services.needs import NeedInput
from marketplace.services.runs import RunOptions
from marketplace.web.catalog_forms import AmountField
from marketplace.web.forms import Form, WholeNumberField

_NUMBER = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^\.\d+$")


class NumberField(StringField):
    """A decimal number as people type it ("12", "1,200.5"); ``number`` is a Decimal or None."""

    def __init__(self, *args: Any, message: str = "Enter a number, like 12 or 2.5.", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.message = message
        self.number: Decimal | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        text = (self.data or "").strip()
        self.number = None
        if not text:
            return
        if not _NUMBER.match(text):
            raise ValueError(self.message)
        try:
            self.number = Decimal(text.replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - the pattern already refused it
            raise ValueError(self.message) from exc

    def process_data(self, value: Any) -> None:
        self.number = value if isinstance(value, Decimal) else None
        self.data = "" if value is None else (format(value.normalize(), "f") if isinstance(value, Decimal)
                                              else str(value))

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()


def utc(value: datetime | None) -> datetime | None:
    """A ``datetime-local`` field's value, read as UTC (the times the pages show)."""
    return None if value is None else value.replace(tzinfo=UTC)


CADENCES = [(c.value, c.label) for c in Cadence]
_CADENCE_CHOICES = [SelectChoice(c.value, c.label) for c in Cadence]


class NeedForm(Form):
    item_id = SelectField("Item", coerce=int, validate_choice=False,
                          validators=[InputRequired(message="Choose an item.")])
    quantity = NumberField("Quantity", validators=[DataRequired(message="Enter the quantity."), Length(max=20)])
    cadence = SelectField("How often", choices=_CADENCE_CHOICES, default=Cadence.WEEKLY.value)
    starts_on = DateField("From", validators=[InputRequired(message="Enter the first day.")])
    ends_on = DateField("Until", validators=[Optional()])
    max_unit_price = AmountField("Highest price per unit", validators=[Optional(), Length(max=20)])
    avoided_vendor_ids = SelectMultipleField("Vendors to avoid", coerce=int, validate_choice=False)
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)])
    active = BooleanField("Active (ordered in every new cycle)", default=True)

    def to_input(self) -> NeedInput:
        return NeedInput(item_id=self.item_id.data, quantity=self.quantity.number, cadence=self.cadence.data or "",
                         starts_on=self.starts_on.data, ends_on=self.ends_on.data,
                         max_unit_price=self.max_unit_price.amount,
                         avoided_vendor_ids=tuple(self.avoided_vendor_ids.data or ()),
                         note=self.note.data or "", active=bool(self.active.data))


class NeedsImportForm(Form):
    file = FileField("Needs file (CSV or XLSX)", validators=[FileRequired(message="Choose the file to import.")])
    replace = BooleanField("Remove the needs of items that are not in the file")


class SuggestionForm(Form):
    item_ids = SelectMultipleField("Add these items", coerce=int, validate_choice=False)


class CycleForm(Form):
    name = StringField("Name", validators=[DataRequired(message="Enter a name."), Length(max=200)])
    opens_at = DateTimeLocalField("Opens (UTC)", format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired(message="Enter when the cycle opens.")])
    cutoff_at = DateTimeLocalField("Cutoff (UTC)", format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message="Enter the cutoff.")])
    delivery_on = DateField("Delivery day", validators=[InputRequired(message="Enter the delivery day.")])
    length_days = WholeNumberField("Days the order covers", default=28,
                                   validators=[InputRequired(message="Enter a number of days.")])
    approval_deadline_at = DateTimeLocalField("Approvals due (UTC)", format="%Y-%m-%dT%H:%M",
                                              validators=[Optional()])
    opens_automatically = BooleanField("Open it automatically at the opening time")

    def to_input(self) -> CycleInput:
        return CycleInput(name=self.name.data or "", opens_at=utc(self.opens_at.data),
                          cutoff_at=utc(self.cutoff_at.data), delivery_on=self.delivery_on.data,
                          length_days=self.length_days.data, approval_deadline_at=utc(self.approval_deadline_at.data),
                          opens_automatically=bool(self.opens_automatically.data))


class LineForm(Form):
    item_id = SelectField("Item", coerce=int, validate_choice=False,
                          validators=[InputRequired(message="Choose an item.")])
    quantity = NumberField("Quantity for the cycle", validators=[DataRequired(message="Enter the quantity."),
                                                                 Length(max=20)])
    max_unit_price = AmountField("Highest price per unit", validators=[Optional(), Length(max=20)])
    avoided_vendor_ids = SelectMultipleField("Vendors to avoid", coerce=int, validate_choice=False)
    note = StringField("Note", validators=[Optional(), Length(max=500)])

    def to_input(self) -> LineInput:
        return LineInput(item_id=self.item_id.data, quantity=self.quantity.number,
                         max_unit_price=self.max_unit_price.amount,
                         avoided_vendor_ids=tuple(self.avoided_vendor_ids.data or ()), note=self.note.data or "")


class RunForm(Form):
    max_vendors_per_site = WholeNumberField("Most vendors delivering to one site", validators=[Optional()])
    overbuy_percent = NumberField("Overbuy allowance (%)", default=Decimal(10),
                                  validators=[InputRequired(message="Enter a percentage, like 10.")])
    time_limit_s = WholeNumberField("Time limit (seconds)", default=60,
                                    validators=[InputRequired(message="Enter a time limit.")])
    gap_percent = NumberField("Stop within this gap of the best possible (%)", default=Decimal("0.01"),
                              validators=[InputRequired(message="Enter a percentage, like 0.01.")])
    excluded_member_ids = SelectMultipleField("Leave out these members", coerce=int, validate_choice=False)
    excluded_vendor_ids = SelectMultipleField("Leave out these vendors", coerce=int, validate_choice=False)
    note = StringField("Note for this run", validators=[Optional(), Length(max=500)])

    def fill(self, options: RunOptions) -> None:
        self.max_vendors_per_site.data = options.max_vendors_per_site
        self.overbuy_percent.process_data(options.max_overbuy_fraction * 100)
        self.time_limit_s.data = options.time_limit_s
        self.gap_percent.process_data(options.mip_gap * 100)
        self.excluded_member_ids.data = list(options.excluded_member_ids)
        self.excluded_vendor_ids.data = list(options.excluded_vendor_ids)

    def to_options(self) -> RunOptions:
        overbuy = (self.overbuy_percent.number or Decimal(0)) / 100
        gap = (self.gap_percent.number or Decimal(0)) / 100
        return RunOptions(max_vendors_per_site=self.max_vendors_per_site.data, max_overbuy_fraction=overbuy,
                          time_limit_s=self.time_limit_s.data or 0, mip_gap=gap,
                          excluded_member_ids=tuple(self.excluded_member_ids.data or ()),
                          excluded_vendor_ids=tuple(self.excluded_vendor_ids.data or ()),
                          note=self.note.data or "")
