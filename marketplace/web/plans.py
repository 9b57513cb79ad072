"""The hub reviews a run's plan (totals, savings, spend, tiers, charts), compares runs, publishes one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from marketplace.db import utcnow
from marketplace.errors import NotFoundError, ValidationError
from marketplace.services import approvals, plans
from marketplace.services.paging import paginate_list
from marketplace.services.plan_figures import BoundedCache
from marketplace.services.plans import PlanReview
from marketplace.web.charts import BarChart, bar_chart, format_cents
from marketplace.web.forms import ConfirmForm
from marketplace.web.helpers import actor, apply_errors, db
from marketplace.web.plan_forms import PublishForm

bp = Blueprint("plans", __name__)
ROWS_PER_PAGE = 200
_TABLES: BoundedCache[Markup] = BoundedCache(8)


@bp.app_template_filter("cents")
def cents_filter(value: int | None) -> str:
    """Integer cents as dollars: 123456 -> $1,234.56 (empty for None)."""
    return "" if value is None else format_cents(value)


def charts(review: PlanReview) -> list[BarChart]:
    """The pictures of the review: savings per member, spend by category and by vendor."""
    return [
        bar_chart("chart-savings", "Savings per member against buying alone",
                  [(m.name, m.savings_cents) for m in review.members if m.savings_cents is not None],
                  description="What each member saves by pooling, in dollars."),
        bar_chart("chart-categories", "Spend by category", [(c.name, c.total_cents) for c in review.categories],
                  description="Goods bought in each category, in dollars (delivery fees apart)."),
        bar_chart("chart-vendors", "Spend by vendor", [(v.name, v.total_cents) for v in review.vendors],
                  description="Each vendor's purchase order, goods and delivery fees, in dollars."),
    ]


def review_tables(review: PlanReview) -> Markup:
    """Charts, members, spend and offers of the review, rendered once for each plan and set of
    names (``review.tables_key``): a 300-site plan's tables cost more to render than the rest of
    the page, and nothing in them depends on who asks or when."""
    return _TABLES.get(review.tables_key, lambda: Markup(render_template(  # noqa: S704 (a template's output)
        "plans/_review_tables.html", review=review, charts=charts(review))))


def _render_review(run_id: int, form: PublishForm, status: int = 200) -> tuple[str, int]:
    review = plans.plan_review(db(), actor(), run_id)
    if request.method == "GET":
        form.fill(review.cycle, utcnow())
    # A 300-site plan has thousands of lines: the two longest tables come a page at a time.
    lines = paginate_list(review.lines, request.args.get("lines", 1, type=int), ROWS_PER_PAGE)
    deliveries = paginate_list(review.deliveries, request.args.get("deliveries", 1, type=int), ROWS_PER_PAGE)
    return render_template("plans/review.html", review=review, tables=review_tables(review), form=form,
                           lines=lines, deliveries=deliveries,
                           others=plans.other_runs(db(), actor(), review.run), confirm=ConfirmForm()), status


@bp.get("/runs/<id:run_id>/review")
@login_required
def review(run_id: int) -> tuple[str, int]:
    return _render_review(run_id, PublishForm())


@bp.post("/runs/<id:run_id>/publish")
@login_required
def publish(run_id: int) -> Response | tuple[str, int]:
    plans.get_plan_run(db(), actor(), run_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            result = approvals.publish_run(db(), actor(), run_id, deadline=form.deadline_utc,
                                           tolerance_percent=form.tolerance_percent)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if not result.changed:
                flash(f"Run #{result.run.number} is already the published plan.", "success")
            else:
                flash(f"Run #{result.run.number} is published: {len(result.to_approve)} member(s) asked to approve"
                      + (f", {len(result.carried_over)} approval(s) carried over." if result.carried_over else "."),
                      "success")
            return redirect(url_for("approvals.cycle", cycle_id=result.cycle.id))
    return _render_review(run_id, form, 422)


@bp.get("/runs/<id:run_id>/compare")
@login_required
def compare(run_id: int) -> str | Response:
    other = request.args.get("with", type=int)
    if other is not None and not 0 < other < 2**31:
        raise NotFoundError()
    if other is None:
        run = plans.get_plan_run(db(), actor(), run_id)
        choices = plans.other_runs(db(), actor(), run)
        if not choices:
            flash("This cycle has no other run with a plan to compare with.", "error")
            return redirect(url_for("plans.review", run_id=run.id))
        other = choices[0].id
    comparison = plans.compare_runs(db(), actor(), run_id, other)
    return render_template("plans/compare.html", c=comparison,
                           others=plans.other_runs(db(), actor(), comparison.a))
