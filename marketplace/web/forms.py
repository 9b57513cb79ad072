"""The forms of the web pages (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import EmailField, IntegerField, PasswordField, StringField, widgets
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from marketplace.services.passwords import MAX_LENGTH, MIN_LENGTH
from marketplace.services.sites import MAX_CAPACITY, SiteInput, check_site_input


class WholeNumberField(IntegerField):
    """An integer field whose message says what to type."""

    def __init__(self, *args: Any, message: str = "Enter a whole number.", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip().replace(",", ""))
        except ValueError as exc:
            self.data = None
            raise ValueError(self.message) from exc

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()  # the one clear message above is enough


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Select(widgets.Select):
    """WTForms' select writing each plain option directly: its generic attribute writer, once
    per option, was a third of the CPU of a page offering an alliance's items. Same HTML."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(choice.value)}">'  # noqa: S704 (escaped)
                      f"{escape(choice.label or choice.value)}</option>")


_SELECTS = {False: Select(), True: Select(multiple=True)}


class Form(FlaskForm):
    """Base form: text with control characters (NUL...) is refused next to its field; selects
    render through :class:`Select`."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field: Any, render_kw: dict[str, Any]) -> Markup:
            if type(field.widget) is widgets.Select:
                field.widget = _SELECTS[field.widget.multiple]
            return super().render_field(field, render_kw)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and _CONTROL.search(field.data):
                field.errors = [*field.errors, "Remove the invisible control characters from this field."]
                valid = False
        return valid


def _required(what: str) -> DataRequired:
    return DataRequired(message=f"Enter {what}.")


class ConfirmForm(Form):
    """A form with no fields: the CSRF token of an action button."""


class LoginForm(Form):
    email = EmailField("Email", validators=[_required("your email address"), Length(max=254)])
    password = PasswordField("Password", validators=[_required("your password"), Length(max=MAX_LENGTH)])


class InviteOrganizationForm(Form):
    organization_name = StringField("Organization name", validators=[
        _required("the organization's name"), Length(max=200, message="Use at most 200 characters.")])
    name = StringField("Contact person", validators=[_required("the person's name"), Length(max=200)])
    email = EmailField("Their email", validators=[
        _required("their email address"), Length(max=254),
        Email(message="Enter a valid email address, like name@example.org.")])


class InviteUserForm(Form):
    name = StringField("Name", validators=[_required("the person's name"), Length(max=200)])
    email = EmailField("Email", validators=[
        _required("their email address"), Length(max=254),
        Email(message="Enter a valid email address, like name@example.org.")])


class AcceptInvitationForm(Form):
    name = StringField("Your name", validators=[_required("your name"), Length(max=200)])
    password = PasswordField("Choose a password", validators=[
        _required("a password"),
        Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters.")])
    password_confirm = PasswordField("Type it again", validators=[
        _required("the password again"), EqualTo("password", message="The two passwords do not match.")])


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[_required("your current password")])
    new_password = PasswordField("New password", validators=[
        _required("a new password"),
        Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters.")])
    new_password_confirm = PasswordField("Type it again", validators=[
        _required("the new password again"),
        EqualTo("new_password", message="The two passwords do not match.")])


class SiteForm(Form):
    name = StringField("Site name", validators=[_required("the site's name"),
                                                Length(max=200, message="Use at most 200 characters.")])
    address = StringField("Street address", validators=[Optional(), Length(max=300)])
    city = StringField("City", validators=[_required("the city"), Length(max=100)])
    zip_code = StringField("ZIP code", validators=[_required("the ZIP code"), Length(max=10)])
    region_code = StringField("Delivery region", validators=[Optional(), Length(max=20)])
    licensed_capacity = WholeNumberField(
        "Licensed capacity", message="Enter the licensed capacity as a whole number of children, like 80.",
        validators=[InputRequired(message="Enter the licensed capacity."),
                    NumberRange(min=1, max=MAX_CAPACITY,
                                message=f"Licensed capacity must be between 1 and {MAX_CAPACITY} children.")])

    def to_input(self) -> SiteInput:
        return SiteInput(name=self.name.data or "", address=self.address.data or "", city=self.city.data or "",
                         zip_code=self.zip_code.data or "", region_code=self.region_code.data or "",
                         licensed_capacity=self.licensed_capacity.data)

    def validate(self, extra_validators: Any = None) -> bool:
        # The service's own checks run too, so every problem shows at once, next to its field.
        valid = super().validate(extra_validators)
        for name, message in check_site_input(self.to_input()).items():
            field = getattr(self, name)
            if not field.errors:
                field.errors = [message]
                valid = False
        return valid
