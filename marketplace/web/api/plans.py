"""The review of a run's plan (the hub), as the plan review page shows it: totals and savings,
each member's cost against buying alone, spend by vendor, site and category, each offer's tier
and why, the lines and deliveries (a page at a time), and what could not be met."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from marketplace.services import plans
from marketplace.services.paging import Page, paginate_list
from marketplace.services.plans import SpendRow
from marketplace.web.api.base import api_actor, page_args, route
from marketplace.web.api.serialize import dec, money
from marketplace.web.helpers import db

PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1},
         "description": "The page of `lines` and `deliveries`."},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}]


def _spend(row: SpendRow) -> dict[str, Any]:
    return {"key": row.key, "name": row.name, "goods": money(row.goods_cents), "fees": money(row.fees_cents),
            "total": money(row.total_cents), "lines": row.lines, "detail": row.detail}


def _page(page: Page[Any], serialize: Any) -> dict[str, Any]:
    return {"data": [serialize(row) for row in page.rows], "page": page.number, "per_page": page.per_page,
            "total": page.total}


@route("/runs/<id:run_id>/review", "GET",
       summary="The plan review: totals and savings, members, spend by vendor, site and category, each "
               "offer's tier and why, lines and deliveries (paged), what could not be met",
       response="PlanReview", roles="hub_manager", query=PAGE, errors=(409,), tag="Optimization")
def review_plan(run_id: int) -> Response:
    review = plans.plan_review(db(), api_actor(), run_id)
    number, per_page = page_args()
    return jsonify(
        run_id=review.run.id, cycle_id=review.cycle.id, number=review.run.number, status=review.status,
        gap=review.gap, publishable=review.publishable, total=money(review.total_cents),
        standalone=money(review.standalone_cents), savings=money(review.savings_cents),
        savings_percent=dec(review.savings_percent), fees=money(review.fees_cents),
        members=[{"id": m.member_id, "name": m.name, "cost": money(m.cost_cents),
                  "standalone": money(m.standalone_cents), "savings": money(m.savings_cents),
                  "savings_percent": dec(m.savings_percent), "standalone_unmet": list(m.standalone_unmet)}
                 for m in review.members],
        vendors=[_spend(r) for r in review.vendors], sites=[_spend(r) for r in review.sites],
        categories=[_spend(r) for r in review.categories],
        offers=[{"offer_id": o.offer_id, "vendor": o.vendor, "item": o.item, "unit": o.unit,
                 "pack_size": dec(o.pack_size), "pooled_packs": o.pooled_packs, "sites": o.sites, "tier": o.tier,
                 "unit_price": dec(o.unit_price), "reason": o.reason,
                 "tiers": [{"min_packs": t.min_packs, "price": dec(t.price), "reached": t.reached} for t in o.tiers]}
                for o in review.offers],
        lines=_page(paginate_list(review.lines, number, per_page), lambda x: {
            "site_id": x.site_id, "site": x.site, "member": x.member, "item": x.item, "unit": x.unit,
            "vendor": x.vendor, "offer_id": x.offer_id, "packs": x.packs, "quantity": dec(x.quantity),
            "tier": x.tier, "unit_price": dec(x.unit_price), "amount": money(x.amount_cents)}),
        deliveries=_page(paginate_list(review.deliveries, number, per_page), lambda d: {
            "site": d.site, "vendor": d.vendor, "fee": money(d.fee_cents), "waived": d.waived,
            "floor_value": dec(d.floor_value)}),
        unmet=review.unmet, notes=review.notes)
