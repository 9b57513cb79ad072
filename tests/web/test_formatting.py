"""The template formatting functions print what the macros they replaced printed."""

from __future__ import annotations

from decimal import Decimal

from marketplace.models import CycleStatus, RunStatus, ShareStatus
from marketplace.web import formatting


def test_money_prices_and_quantities_read_as_before():
    assert [formatting.money(c) for c in (123456, -5, 0, None)] == ["$1,234.56", "-$0.05", "$0.00", "—"]
    assert formatting.money(76551105) == "$765,511.05"
    assert formatting.price(Decimal("1234.5")) == "$1,234.50"
    assert formatting.price(Decimal("0.055")) == "$0.0550" and formatting.price(None) == "—"
    assert formatting.qty(Decimal("1250.500")) == "1,250.5" and formatting.qty(Decimal("40.000000")) == "40"
    assert formatting.pct(Decimal("12.5")) == "12.5%" and formatting.pct(None) == "—"
    assert formatting.vendor_names([3, 9], {3: "Acme <Foods>"}) == "Acme <Foods>, vendor 9"


def test_statuses_are_escaped_badges():
    assert str(formatting.share_status(ShareStatus.APPROVED)) == (
        f'<span class="badge badge--ok">{ShareStatus.APPROVED.label}</span>')
    assert formatting.cycle_status(CycleStatus.OPEN).startswith('<span class="badge badge--cycle-open">')
    assert formatting.run_status(RunStatus.SUCCEEDED) == '<span class="badge badge--run-succeeded">Finished</span>'


def test_the_template_modules_export_them_under_the_macro_names(app):
    with app.app_context():
        plans = app.jinja_env.get_template("plans/_macros.html").module
        cycles = app.jinja_env.get_template("cycles/_macros.html").module
    assert plans.money(-250) == cycles.money(-250) == "-$2.50"
    assert cycles.price(Decimal("3")) == "$3.00" and plans.pct(None) == "—"
    page = app.jinja_env.from_string("{{ a | money }} {{ p | price_or_dash }} {{ q | price }} {{ ids | vendor_names(v) }}")
    assert page.render(a=None, p=None, q=None, ids=[1], v={1: "A & B"}) == "— —  A &amp; B"


def test_selects_render_as_wtforms_does(app):
    from wtforms import SelectField, SelectMultipleField, widgets
    from wtforms.fields.choices import SelectChoice as C

    from marketplace.web.forms import Form

    class Choices(Form):
        one = SelectField("One", coerce=int, choices=[C(1, 'Milk "whole" <1 gal>'), C(2, "Apples & pears")])
        many = SelectMultipleField("Many", coerce=int, choices=[C(3, "Vendor A"), C(4, "Vendor B")])

    with app.test_request_context("/"):
        form = Choices(data={"one": 2, "many": [4]})
        for field, reference in ((form.one, widgets.Select()), (form.many, widgets.Select(multiple=True))):
            fast = str(field(class_="input"))
            assert fast == str(reference(field, class_="input"))
            assert "<option selected value=" in fast
        assert "&lt;1 gal&gt;" in str(form.one())
