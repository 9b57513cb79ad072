"""The API's JSON shapes. Money is a decimal string in dollars (``"812.40"``), quantities and
prices per pack decimal strings, dates ISO 8601, datetimes ISO 8601 in UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marketplace.models import (
    Cycle,
    DemandLine,
    Item,
    MemberShare,
    Notification,
    Offer,
    OptimizationRun,
    Organization,
    PurchaseOrder,
    RecurringNeed,
    Site,
    User,
)
from marketplace.services.exports import money_text


def money(cents: int | None) -> str | None:
    return None if cents is None else money_text(cents)


def dec(value: Decimal | None) -> str | None:
    """A decimal without trailing zeros (``"14.8"``, ``"40"``)."""
    return None if value is None else format(value.normalize(), "f")


def when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def me(user: User) -> dict[str, Any]:
    org = user.organization
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
            "organization": organization(org), "alliance": {"id": org.alliance_id, "name": org.alliance.name}}


def organization(org: Organization) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "kind": org.kind.value, "active": org.active}


def site(s: Site) -> dict[str, Any]:
    return {"id": s.id, "organization_id": s.organization_id, "name": s.name, "address": s.address,
            "city": s.city, "zip_code": s.zip_code, "region_code": s.region_code,
            "licensed_capacity": s.licensed_capacity, "active": s.active}


def item(i: Item) -> dict[str, Any]:
    return {"id": i.id, "slug": i.slug, "name": i.name, "unit": i.unit, "description": i.description,
            "category": {"id": i.category.id, "slug": i.category.slug, "name": i.category.name},
            "attributes": i.attributes, "reference_price": dec(i.reference_price), "active": i.active}


def offer(o: Offer) -> dict[str, Any]:
    return {"id": o.id, "vendor_id": o.organization_id, "vendor_name": o.price_sheet.organization.name,
            "item_id": o.item_id, "item_slug": o.item.slug, "vendor_sku": o.vendor_sku,
            "description": o.description, "pack_size": dec(o.pack_size), "unit": o.item.unit,
            "discount": o.discount.value, "max_packs": o.max_packs, "valid_from": when(o.valid_from),
            "valid_to": when(o.valid_to),
            "tiers": [{"min_packs": t.min_packs, "price": dec(t.price)} for t in o.tiers]}


def need(n: RecurringNeed) -> dict[str, Any]:
    return {"id": n.id, "site_id": n.site_id, "organization_id": n.organization_id, "item_id": n.item_id,
            "quantity": dec(n.quantity), "cadence": n.cadence.value, "starts_on": when(n.starts_on),
            "ends_on": when(n.ends_on), "max_unit_price": dec(n.max_unit_price),
            "avoided_vendor_ids": list(n.avoided_vendor_ids or []), "note": n.note, "active": n.active}


def cycle(c: Cycle) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "status": c.status.value, "opens_at": when(c.opens_at),
            "cutoff_at": when(c.cutoff_at), "delivery_on": when(c.delivery_on),
            "approval_deadline_at": when(c.approval_deadline_at), "length_days": c.length_days,
            "lines_editable": c.status.lines_editable, "published_run_id": c.published_run_id,
            "opens_automatically": c.opens_automatically}


def line(x: DemandLine) -> dict[str, Any]:
    return {"id": x.id, "cycle_id": x.cycle_id, "site_id": x.site_id, "organization_id": x.organization_id,
            "item_id": x.item_id, "quantity": dec(x.quantity), "source": x.source.value,
            "max_unit_price": dec(x.max_unit_price), "avoided_vendor_ids": list(x.avoided_vendor_ids or []),
            "note": x.note}


def run(r: OptimizationRun, progress: dict[str, Any]) -> dict[str, Any]:
    return {"id": r.id, "cycle_id": r.cycle_id, "number": r.number, "status": r.status.value,
            "options": dict(r.options or {}), "excluded_member_ids": list(r.excluded_member_ids or []),
            "excluded_vendor_ids": list(r.excluded_vendor_ids or []), "plan_status": r.plan_status,
            "total": money(r.total_cents), "standalone": money(r.standalone_cents), "savings": money(r.savings_cents),
            "error": r.error, "note": r.note, "created_at": when(r.created_at), "started_at": when(r.started_at),
            "finished_at": when(r.finished_at), "progress": progress}


def share(s: MemberShare) -> dict[str, Any]:
    return {"id": s.id, "cycle_id": s.cycle_id, "run_id": s.run_id, "member_id": s.member_id,
            "member_name": s.member.name, "status": s.status.value, "cost": money(s.cost_cents),
            "standalone": money(s.standalone_cents), "savings": money(s.savings_cents), "version": s.version,
            "decided_at": when(s.decided_at), "note": s.note}


def purchase_order(po: PurchaseOrder) -> dict[str, Any]:
    return {"id": po.id, "number": po.number, "cycle_id": po.cycle_id, "vendor_id": po.vendor_id,
            "vendor_name": po.vendor.name, "status": po.status.value, "goods": money(po.goods_cents),
            "fees": money(po.fees_cents), "total": money(po.total_cents), "sent_at": when(po.sent_at),
            "confirmed_at": when(po.confirmed_at), "shipped_at": when(po.shipped_at),
            "delivered_at": when(po.delivered_at)}


def purchase_order_detail(po: PurchaseOrder) -> dict[str, Any]:
    return {**purchase_order(po),
            "lines": [{"id": x.id, "site_id": x.site_id, "site_name": x.site.name, "item_id": x.item_id,
                       "item_name": x.item.name, "unit": x.item.unit, "offer_id": x.offer_id,
                       "vendor_sku": x.offer.vendor_sku, "packs": x.packs, "unit_price": dec(x.unit_price),
                       "amount": money(x.amount_cents), "received_packs": x.received_packs,
                       "shortage_packs": x.shortage_packs, "shortage": money(x.shortage_cents)}
                      for x in po.lines],
            "deliveries": [{"id": d.id, "site_id": d.site_id, "site_name": d.site.name, "status": d.status.value,
                            "fee": money(d.fee_cents), "received_at": when(d.received_at), "note": d.note}
                           for d in po.deliveries]}


def notification(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "link": n.link or None,
            "read": n.read_at is not None, "read_at": when(n.read_at), "created_at": when(n.created_at)}

