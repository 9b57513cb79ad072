"""Money, prices, quantities and statuses for the templates, as plain functions.

The main pages format thousands of table cells (a 300-site plan review, the approvals board);
called as Jinja macros each cell cost about ten times as much as a Python call. The template
modules that used to define these macros now export these functions under the same names
(``{% from "plans/_macros.html" import money %}`` still works), so their output is unchanged;
the pages with long tables use them as filters (``{{ x.cost_cents | money }}``), cheaper still.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from markupsafe import Markup, escape

from marketplace.web.charts import format_cents

DASH = "—"
SHARE_STYLES = {"approved": "ok", "rejected": "status-revoked", "pending": "status-pending", "superseded": "muted"}


def money(cents: int | None) -> str:
    """Integer cents as dollars, "—" for None: 123456 -> $1,234.56."""
    return DASH if cents is None else format_cents(cents)


def pct(value: Decimal | None) -> str:
    """A percentage already rounded: 12.5 -> 12.5%."""
    return DASH if value is None else f"{value}%"


def price(amount: Decimal | None) -> str:
    """A price per pack: two decimals when whole cents, four otherwise ($10.50, $0.0550)."""
    if amount is None:
        return DASH
    return f"${amount:,.2f}" if amount * 100 == int(amount * 100) else f"${amount:,.4f}"


def qty(value: Decimal | None) -> str:
    """A quantity without trailing zeros, with thousands separators: 1,250.5."""
    return DASH if value is None else f"{value.normalize():,f}"


def vendor_names(ids: list[int], vendors: dict[int, str]) -> str:
    """The names of vendors to avoid, from their ids: "Acme, vendor 12" (unknown ids by number)."""
    return ", ".join(vendors.get(v, f"vendor {v}") for v in ids)


def badge(style: str, label: str) -> Markup:
    return Markup(f'<span class="badge badge--{escape(style)}">{escape(label)}</span>')  # noqa: S704 (escaped)


def cycle_status(status: Any) -> Markup:
    return badge(f"cycle-{status.value}", status.label)


def run_status(status: Any) -> Markup:
    return badge(f"run-{status.value}", status.label)


def share_status(status: Enum) -> Markup:
    return badge(SHARE_STYLES.get(status.value, "muted"), status.label)  # type: ignore[attr-defined]


FUNCTIONS = (money, pct, price, qty, vendor_names, cycle_status, run_status, share_status)
TEMPLATE_GLOBALS = {f"format_{f.__name__}": f for f in FUNCTIONS}
# The same as filters, the cheapest call in a template (``{{ x | money }}``: a function call goes
# through the template context first). ``price`` is ``price_or_dash`` there: the price sheets'
# ``price`` filter prints nothing for None.
TEMPLATE_FILTERS = {("price_or_dash" if f is price else f.__name__): f for f in FUNCTIONS}
