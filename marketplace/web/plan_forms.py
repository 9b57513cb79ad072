"""Forms of the plan review, approval and purchase-order pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from wtforms import BooleanField, DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.models import Cycle, PurchaseOrderLine
from marketplace.services.approvals import DEFAULT_TOLERANCE_PERCENT, MAX_REASON
from marketplace.web.cycle_forms import NumberField, utc
from marketplace.web.forms import Form, WholeNumberField

_MINUTES = "%Y-%m-%dT%H:%M"


class PublishForm(Form):
    deadline = DateTimeLocalField("Approvals due (UTC)", format=_MINUTES,
                                  validators=[InputRequired(message="Enter the approval deadline.")])
    tolerance = NumberField("Ask again when a member's cost rises by more than (%)",
                            default=DEFAULT_TOLERANCE_PERCENT,
                            validators=[InputRequired(message="Enter a percentage, like 2."), Length(max=10)])

    def fill(self, cycle: Cycle, now: datetime) -> None:
        """Default deadline: the cycle's own when still ahead, else three days from now."""
        deadline = cycle.approval_deadline_at
        if deadline is None or deadline <= now:
            deadline = (now + timedelta(days=3)).replace(second=0, microsecond=0)
        self.deadline.data = deadline.replace(tzinfo=None)

    @property
    def deadline_utc(self) -> datetime | None:
        return utc(self.deadline.data)

    @property
    def tolerance_percent(self) -> Decimal | None:
        return self.tolerance.number


class DeadlineForm(Form):
    deadline = DateTimeLocalField("New deadline (UTC)", format=_MINUTES,
                                  validators=[InputRequired(message="Enter the new deadline.")])


class RejectForm(Form):
    reason = TextAreaField("Why do you reject it?", validators=[
        InputRequired(message="Say why you reject the share: the hub reads it."),
        Length(max=MAX_REASON, message=f"Use at most {MAX_REASON} characters.")])


class RerunForm(Form):
    include_undecided = BooleanField("Also leave out the members who did not answer by the deadline")


class CountsForm(Form):
    def received(self) -> dict[int, int | None]:
        return {int(name[5:]): field.data for name, field in self._fields.items() if name.startswith("line_")}


class DeliveryFormBase(CountsForm):
    note = StringField("Note (what was wrong, who signed)", validators=[Optional(), Length(max=500)])


class CorrectionFormBase(CountsForm):
    reason = TextAreaField("What was wrong with the first count?", validators=[
        InputRequired(message="Say what was wrong with the first count: the other side and the hub read it."),
        Length(max=500, message="Use at most 500 characters.")])


def delivery_form(lines: list[PurchaseOrderLine], *, correcting: bool = False, **kwargs: Any) -> CountsForm:
    """A form with one "packs received" field per line (``line_<id>``), filled with the packs
    ordered (``correcting``: with the packs reported, and a reason to give)."""
    fields = {f"line_{line.id}": WholeNumberField(
        f"Packs received of {line.item.name}", default=line.received_packs if correcting else line.packs,
        validators=[InputRequired(message="Enter the packs received (0 if none came)."),
                    NumberRange(min=0, max=line.packs,
                                message=f"Enter 0 to {line.packs}: {line.packs} packs were ordered.")])
        for line in lines}
    form_class = type("DeliveryForm", (CorrectionFormBase if correcting else DeliveryFormBase,), fields)
    return form_class(**kwargs)
