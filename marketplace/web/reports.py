"""Reports: spend and savings per cycle and per year, the savings summary, vendors' sales."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template
from flask_login import login_required

from marketplace.models import Role
from marketplace.services import reports, sales_reports
from marketplace.services.exports import money_label, percent_text
from marketplace.services.report_documents import METHODOLOGY, SHORTAGES, export_report
from marketplace.services.reports import SpendReport
from marketplace.web.charts import bar_chart
from marketplace.web.helpers import actor, db

bp = Blueprint("reports", __name__)
YEAR = "<int(min=2000, max=2100):year>"
FILE = "<any(report, 'savings-summary'):what>.<any(csv, xlsx, pdf):fmt>"


def _helpers() -> dict[str, Any]:
    return {"money": money_label, "pct": lambda v: "\u2013" if v is None else f"{percent_text(v)} %"}


@bp.get("/reports")
@login_required
def index() -> str:
    user = actor()
    if user.role is Role.VENDOR:
        cycles = sales_reports.sales_cycles(db(), user)
    else:
        cycles = reports.reported_cycles(db(), user)
    return render_template("reports/index.html", cycles=cycles, years=reports.report_years(cycles))


@bp.get("/reports/cycles/<id:cycle_id>")
@login_required
def cycle(cycle_id: int) -> str:
    user = actor()
    if user.role is Role.VENDOR:
        sales = sales_reports.cycle_sales(db(), user, cycle_id)
        return render_template("reports/sales.html", report=sales, cycle_id=cycle_id, **_helpers())
    return _spend_page(reports.cycle_report(db(), user, cycle_id), cycle_id=cycle_id)


@bp.get(f"/reports/years/{YEAR}")
@login_required
def year(year: int) -> str:
    user = actor()
    if user.role is Role.VENDOR:
        sales = sales_reports.year_sales(db(), user, year)
        return render_template("reports/sales.html", report=sales, year=year, **_helpers())
    return _spend_page(reports.year_report(db(), user, year), year=year)


def _spend_page(report: SpendReport, **where: Any) -> str:
    charts = [
        bar_chart("savings-by-member", "Savings by member", [
            (m.name, m.savings_cents) for m in report.members if m.savings_cents is not None],
            description="What each member saved against buying alone."),
        bar_chart("spend-by-category", "Spend by category", [(c.name, c.goods_cents) for c in report.categories]),
        bar_chart("spend-by-vendor", "Spend by vendor", [(v.name, v.total_cents) for v in report.vendors]),
    ] if not report.is_empty else []
    return render_template("reports/spend.html", report=report, charts=charts, methodology=METHODOLOGY,
                           shortages_note=SHORTAGES, **where, **_helpers())


@bp.get(f"/reports/cycles/<id:cycle_id>/{FILE}")
@login_required
def cycle_file(cycle_id: int, what: str, fmt: str) -> Response:
    return _download(export_report(db(), actor(), what, fmt, cycle_id=cycle_id))


@bp.get(f"/reports/years/{YEAR}/{FILE}")
@login_required
def year_file(year: int, what: str, fmt: str) -> Response:
    return _download(export_report(db(), actor(), what, fmt, year=year))


def _download(export: Any) -> Response:
    response = Response(export.data, mimetype=export.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
