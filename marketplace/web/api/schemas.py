"""The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the API's bodies and responses.

Response objects list every property as required and allow no other, so a test validating
real responses catches any drift between the serializers and this document.
"""

from __future__ import annotations

from typing import Any

S = dict[str, Any]

STRING: S = {"type": "string"}
TEXT_OR_NULL: S = {"type": ["string", "null"]}
INT: S = {"type": "integer"}
INT_OR_NULL: S = {"type": ["integer", "null"]}
BOOL: S = {"type": "boolean"}
MONEY: S = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "US dollars, as a decimal string"}
MONEY_OR_NULL: S = {"type": ["string", "null"], "pattern": r"^-?\d+\.\d{2}$"}
DECIMAL: S = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
DECIMAL_OR_NULL: S = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$"}
NUMBER_IN: S = {"oneOf": [{"type": "number"}, DECIMAL], "description": "a number or a decimal string"}
DATE: S = {"type": "string", "format": "date"}
DATE_OR_NULL: S = {"type": ["string", "null"], "format": "date"}
DATETIME: S = {"type": "string", "format": "date-time"}
DATETIME_OR_NULL: S = {"type": ["string", "null"], "format": "date-time"}
IDS: S = {"type": "array", "items": INT}


def ref(name: str) -> S:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, S], *, optional: tuple[str, ...] = (), closed: bool = True) -> S:
    """An object whose properties are all required except ``optional``."""
    schema: S = {"type": "object", "properties": properties,
                 "required": [name for name in properties if name not in optional]}
    if closed:
        schema["additionalProperties"] = False
    return schema


def enum(*values: str) -> S:
    return {"type": "string", "enum": list(values)}


def nullable(schema: S) -> S:
    return {"anyOf": [schema, {"type": "null"}]}


ROLES = enum("director", "hub_manager", "vendor")
ORGANIZATION = obj({"id": INT, "name": STRING, "kind": enum("hub", "member", "vendor"), "active": BOOL})
CYCLE_STATUS = enum("draft", "open", "closed", "published", "finalized", "ordered", "delivered", "cancelled")
CADENCE = enum("every_cycle", "weekly", "biweekly", "monthly")
SHARE_STATUS = enum("pending", "approved", "rejected", "superseded")
PO_STATUS = enum("draft", "sent", "confirmed", "shipped", "delivered", "short", "cancelled")
DELIVERY_STATUS = enum("pending", "received", "short")

_NEED_FIELDS: dict[str, S] = {
    "item_id": INT, "quantity": NUMBER_IN, "cadence": CADENCE, "starts_on": DATE, "ends_on": DATE_OR_NULL,
    "max_unit_price": nullable(NUMBER_IN), "avoided_vendor_ids": IDS, "note": {"type": "string", "maxLength": 500},
    "active": BOOL}
_CYCLE_FIELDS: dict[str, S] = {
    "name": STRING, "opens_at": DATETIME, "cutoff_at": DATETIME, "delivery_on": DATE, "length_days": INT,
    "approval_deadline_at": DATETIME_OR_NULL,
    "opens_automatically": {**BOOL, "description": "a draft opens by itself at opens_at"}}
_LINE_FIELDS: dict[str, S] = {
    "quantity": NUMBER_IN, "max_unit_price": nullable(NUMBER_IN), "avoided_vendor_ids": IDS,
    "note": {"type": "string", "maxLength": 500}}
_BREAKDOWN = obj({"id": INT, "name": STRING, "goods": MONEY, "fees": MONEY, "at_first_tier": MONEY,
                  "volume_discount": MONEY, "packs": INT, "not_delivered": MONEY})
#: Charged, refunded for short deliveries, spend (charged less refunded).
_FIGURES: dict[str, S] = {"charged": MONEY, "refunded": MONEY, "spend": MONEY}
_SALES_ROW = obj({"id": INT, "name": STRING, "packs": INT, "goods": MONEY, "fees": MONEY, "shortage": MONEY})
_PO_FIELDS: dict[str, S] = {
    "id": INT, "number": STRING, "cycle_id": INT, "vendor_id": INT, "vendor_name": STRING, "status": PO_STATUS,
    "goods": MONEY, "fees": MONEY, "total": MONEY, "sent_at": DATETIME_OR_NULL, "confirmed_at": DATETIME_OR_NULL,
    "shipped_at": DATETIME_OR_NULL, "delivered_at": DATETIME_OR_NULL}
_SHARE_FIELDS: dict[str, S] = {
    "id": INT, "cycle_id": INT, "run_id": INT, "member_id": INT, "member_name": STRING, "status": SHARE_STATUS,
    "cost": MONEY, "standalone": MONEY_OR_NULL, "savings": MONEY_OR_NULL, "version": INT,
    "decided_at": DATETIME_OR_NULL, "note": STRING}

_SPEND: S = {"type": "array", "items": obj({
    "key": STRING, "name": STRING, "goods": MONEY, "fees": MONEY, "total": MONEY, "lines": INT,
    "detail": {**STRING, "description": "a site's member"}})}


def _paged(item: S) -> S:
    return obj({"data": {"type": "array", "items": item}, "page": INT, "per_page": INT, "total": INT})


_RUN_REF = obj({"id": INT, "number": INT, "note": STRING})
_DELTAS: S = {"type": "array", "items": obj({
    "name": STRING, "a": MONEY_OR_NULL, "b": MONEY_OR_NULL, "change": MONEY_OR_NULL,
    "more_is_better": {**BOOL, "description": "true for savings: a rise is good news"}})}
_NEED_CHANGE = obj({"need_id": INT, "quantity": NUMBER_IN, "cadence": CADENCE, "active": BOOL, "remove": BOOL},
                   optional=("quantity", "cadence", "active", "remove"))

SCHEMAS: dict[str, S] = {
    "Error": obj({"error": STRING, "message": STRING, "details": {"type": "array"}}),
    "OpenAPI": {"type": "object", "description": "This document."},
    "Me": obj({"id": INT, "name": STRING, "email": STRING, "role": ROLES, "organization": ORGANIZATION,
               "alliance": obj({"id": INT, "name": STRING})}),
    "Organization": ORGANIZATION,
    "Site": obj({"id": INT, "organization_id": INT, "name": STRING, "address": STRING, "city": STRING,
                 "zip_code": STRING, "region_code": STRING, "licensed_capacity": INT, "active": BOOL}),
    "Item": obj({"id": INT, "slug": STRING, "name": STRING, "unit": STRING, "description": STRING,
                 "category": obj({"id": INT, "slug": STRING, "name": STRING}),
                 "attributes": {"type": "array", "items": STRING}, "reference_price": DECIMAL_OR_NULL,
                 "active": BOOL}),
    "Offer": obj({"id": INT, "vendor_id": INT, "vendor_name": STRING, "item_id": INT, "item_slug": STRING,
                  "vendor_sku": STRING, "description": STRING, "pack_size": DECIMAL, "unit": STRING,
                  "discount": enum("all_units", "incremental"), "max_packs": INT_OR_NULL,
                  "valid_from": DATE_OR_NULL, "valid_to": DATE_OR_NULL,
                  "tiers": {"type": "array", "items": obj({"min_packs": INT, "price": DECIMAL})}}),
    "Need": obj({"id": INT, "site_id": INT, "organization_id": INT, "item_id": INT, "quantity": DECIMAL,
                 "cadence": CADENCE, "starts_on": DATE, "ends_on": DATE_OR_NULL, "max_unit_price": DECIMAL_OR_NULL,
                 "avoided_vendor_ids": IDS, "note": STRING, "active": BOOL}),
    "NeedInput": obj(_NEED_FIELDS, optional=tuple(k for k in _NEED_FIELDS if k not in ("item_id", "quantity"))),
    "NeedPatch": obj(_NEED_FIELDS, optional=tuple(_NEED_FIELDS)),
    "NeedsBulk": obj({"changes": {"type": "array", "items": _NEED_CHANGE}}),
    "NeedsChanged": obj({"changed": INT}),
    "NeedsUpload": obj({"file": {"type": "string", "contentMediaType": "application/octet-stream",
                                 "description": "A .csv or .xlsx file with the export's columns."},
                        "replace": {**enum("true", "false"),
                                    "description": "true: remove the site's needs of items not in the file"}},
                       optional=("replace",)),
    "NeedsImported": obj({"created": INT, "updated": INT, "removed": INT}),
    "NeedSuggestions": obj({
        "site_id": INT, "licensed_capacity": INT, "enrolment": DECIMAL, "age_group": STRING,
        "suggestions": {"type": "array", "items": obj({
            "item_id": INT, "item_name": STRING, "unit": STRING, "weekly_quantity": DECIMAL, "basis": STRING,
            "current_need_id": INT_OR_NULL, "current_quantity": DECIMAL_OR_NULL,
            "current_cadence": nullable(CADENCE)})}}),
    "SuggestionInput": obj({"item_ids": IDS}),
    "SuggestionsAdded": obj({"added": INT}),
    "Cycle": obj({"id": INT, "name": STRING, "status": CYCLE_STATUS, "opens_at": DATETIME, "cutoff_at": DATETIME,
                  "delivery_on": DATE, "approval_deadline_at": DATETIME_OR_NULL, "length_days": INT,
                  "lines_editable": BOOL, "published_run_id": INT_OR_NULL, "opens_automatically": BOOL}),
    "CycleInput": obj(_CYCLE_FIELDS, optional=("length_days", "approval_deadline_at", "opens_automatically")),
    "CyclePatch": obj(_CYCLE_FIELDS, optional=tuple(_CYCLE_FIELDS)),
    "CycleOpened": obj({"cycle": ref("Cycle"), "lines_made": INT}),
    "TierHint": obj({
        "offer_id": INT_OR_NULL, "vendor_id": INT_OR_NULL, "vendor_name": TEXT_OR_NULL, "item_id": INT,
        "item_name": STRING, "unit": STRING, "pack_size": DECIMAL, "pooled_packs": INT, "next_min_packs": INT,
        "packs_more": INT, "units_more": DECIMAL, "price_now": DECIMAL_OR_NULL, "price_next": DECIMAL,
        "saving": MONEY_OR_NULL, "reaches_minimum": BOOL}),
    "Line": obj({"id": INT, "cycle_id": INT, "site_id": INT, "organization_id": INT, "item_id": INT,
                 "quantity": DECIMAL, "source": enum("recurring", "added"), "max_unit_price": DECIMAL_OR_NULL,
                 "avoided_vendor_ids": IDS, "note": STRING}),
    "LineInput": obj({"item_id": INT, **_LINE_FIELDS}, optional=("max_unit_price", "avoided_vendor_ids", "note")),
    "LinePatch": obj(_LINE_FIELDS, optional=tuple(_LINE_FIELDS)),
    "Run": obj({"id": INT, "cycle_id": INT, "number": INT,
                "status": enum("queued", "running", "succeeded", "failed", "cancelled"),
                "options": {"type": "object"}, "excluded_member_ids": IDS, "excluded_vendor_ids": IDS,
                "plan_status": TEXT_OR_NULL, "total": MONEY_OR_NULL, "standalone": MONEY_OR_NULL,
                "savings": MONEY_OR_NULL, "error": TEXT_OR_NULL, "note": STRING, "created_at": DATETIME,
                "started_at": DATETIME_OR_NULL, "finished_at": DATETIME_OR_NULL,
                "progress": obj({"run": INT, "status": STRING, "status_label": STRING, "finished": BOOL,
                                 "phase": STRING, "elapsed_s": {"type": "number"}, "best_cost": TEXT_OR_NULL,
                                 "bound": TEXT_OR_NULL, "percent": INT, "time_limit_s": {"type": "number"},
                                 "stale": BOOL, "plan_status": TEXT_OR_NULL, "total_cents": INT_OR_NULL,
                                 "savings_cents": INT_OR_NULL, "error": TEXT_OR_NULL}, closed=False)}),
    "RunOptions": obj({"max_vendors_per_site": INT_OR_NULL, "max_overbuy_fraction": NUMBER_IN,
                       "time_limit_s": INT, "mip_gap": NUMBER_IN, "excluded_member_ids": IDS,
                       "excluded_vendor_ids": IDS, "note": STRING},
                      optional=("max_vendors_per_site", "max_overbuy_fraction", "time_limit_s", "mip_gap",
                                "excluded_member_ids", "excluded_vendor_ids", "note")),
    "Plan": obj({"run_id": INT, "cycle_id": INT, "number": INT, "status": STRING,
                 "plan": {"type": ["object", "null"], "description": "The optimizer's plan (its spec's format)."}}),
    "PlanReview": obj({
        "run_id": INT, "cycle_id": INT, "number": INT, "status": STRING, "gap": {"type": ["number", "null"]},
        "publishable": BOOL, "total": MONEY_OR_NULL, "standalone": MONEY_OR_NULL, "savings": MONEY_OR_NULL,
        "savings_percent": DECIMAL_OR_NULL, "fees": MONEY,
        "members": {"type": "array", "items": obj({
            "id": INT, "name": STRING, "cost": MONEY, "standalone": MONEY_OR_NULL, "savings": MONEY_OR_NULL,
            "savings_percent": DECIMAL_OR_NULL, "standalone_unmet": {"type": "array", "items": STRING}})},
        "vendors": _SPEND, "sites": _SPEND, "categories": _SPEND,
        "offers": {"type": "array", "items": obj({
            "offer_id": INT, "vendor": STRING, "item": STRING, "unit": STRING, "pack_size": DECIMAL,
            "pooled_packs": INT, "sites": INT, "tier": INT, "unit_price": DECIMAL, "reason": STRING,
            "tiers": {"type": "array", "items": obj({"min_packs": INT, "price": DECIMAL, "reached": BOOL})}})},
        "lines": _paged(obj({
            "site_id": INT, "site": STRING, "member": STRING, "item": STRING, "unit": STRING, "vendor": STRING,
            "offer_id": INT, "packs": INT, "quantity": DECIMAL, "tier": INT, "unit_price": DECIMAL,
            "amount": MONEY})),
        "deliveries": _paged(obj({"site": STRING, "vendor": STRING, "fee": MONEY, "waived": BOOL,
                                  "floor_value": DECIMAL_OR_NULL})),
        "unmet": {"type": "array", "description": "What could not be met, and why."},
        "notes": {"type": "array", "items": STRING}}),
    "RunInstance": obj({"run_id": INT, "cycle_id": INT, "number": INT,
                        "instance": {"type": ["object", "null"], "description": "The optimizer spec's instance."}}),
    "PublishInput": obj({"deadline": DATETIME, "tolerance_percent": NUMBER_IN}, optional=("tolerance_percent",)),
    "RerunInput": obj({"include_undecided": BOOL}, optional=("include_undecided",)),
    "Finalized": obj({"cycle": ref("Cycle"), "purchase_orders": {"type": "array", "items": ref("PurchaseOrder")}}),
    "Share": obj(_SHARE_FIELDS),
    "ShareDetail": obj({
        **_SHARE_FIELDS, "run_number": INT, "decidable": BOOL, "why_not": TEXT_OR_NULL,
        "lines": {"type": "array", "items": obj({
            "site": STRING, "item": STRING, "unit": STRING, "vendor": STRING, "vendor_sku": STRING, "packs": INT,
            "quantity": DECIMAL, "tier": INT, "pooled_price": DECIMAL, "alone_price": DECIMAL_OR_NULL,
            "amount": MONEY})},
        "fees": {"type": "array", "items": obj({"site": STRING, "vendor": STRING, "fee": MONEY})},
        "adjustment": MONEY, "previous_cost": MONEY_OR_NULL}),
    "RejectInput": obj({"reason": {"type": "string", "minLength": 1, "maxLength": 500}}),
    "DeadlineInput": obj({"deadline": DATETIME}),
    "ApprovalBoard": obj({
        "cycle": ref("Cycle"), "run_id": INT_OR_NULL, "run_number": INT_OR_NULL, "deadline_passed": BOOL,
        "counts": obj({status: INT for status in SHARE_STATUS["enum"]}), "total": MONEY,
        "rows": {"type": "array", "items": obj({"share": ref("Share"), "decided_by": TEXT_OR_NULL,
                                                "previous_cost": MONEY_OR_NULL})},
        "left_out": {"type": "array", "items": STRING}, "newer_run_ids": IDS,
        "problems": {"type": "array", "items": STRING}}),
    "RunComparison": obj({
        "a": _RUN_REF, "b": _RUN_REF, "totals": _DELTAS, "members": _DELTAS, "vendors": _DELTAS,
        "other_run_ids": IDS}),
    "PurchaseOrder": obj(_PO_FIELDS),
    "PurchaseOrderDetail": obj({
        **_PO_FIELDS,
        "lines": {"type": "array", "items": obj({
            "id": INT, "site_id": INT, "site_name": STRING, "item_id": INT, "item_name": STRING, "unit": STRING,
            "offer_id": INT, "vendor_sku": STRING, "packs": INT, "unit_price": DECIMAL, "amount": MONEY,
            "received_packs": INT_OR_NULL, "shortage_packs": INT, "shortage": MONEY})},
        "deliveries": {"type": "array", "items": obj({
            "id": INT, "site_id": INT, "site_name": STRING, "status": DELIVERY_STATUS, "fee": MONEY,
            "received_at": DATETIME_OR_NULL, "note": STRING})}}),
    "Delivery": obj({
        "id": INT, "purchase_order_id": INT, "number": STRING, "site_id": INT, "site_name": STRING,
        "status": DELIVERY_STATUS, "fee": MONEY, "received_at": DATETIME_OR_NULL, "note": STRING,
        "reportable": BOOL, "why_not": TEXT_OR_NULL,
        "lines": {"type": "array", "items": obj({
            "id": INT, "item_id": INT, "item_name": STRING, "vendor_sku": STRING, "packs": INT,
            "received_packs": INT_OR_NULL, "shortage_packs": INT, "shortage": MONEY})}}),
    "DeliverySummary": obj({
        "id": INT, "purchase_order_id": INT, "number": STRING, "vendor_name": STRING, "cycle_id": INT,
        "cycle_name": STRING, "delivery_on": DATE, "site_id": INT, "site_name": STRING, "status": DELIVERY_STATUS,
        "fee": MONEY, "received_at": DATETIME_OR_NULL}),
    "Shortage": obj({
        "kind": enum("goods", "delivery_fee"), "purchase_order_id": INT, "number": STRING, "vendor_id": INT,
        "member_id": INT, "member_name": STRING, "site_id": INT, "site_name": STRING, "delivery_id": INT,
        "line_id": INT_OR_NULL, "item_id": INT_OR_NULL, "what": STRING, "shortage_packs": INT, "amount": MONEY}),
    "DeliveryReport": obj({"received": {"type": "object", "additionalProperties": INT,
                                        "description": "Packs received, by purchase-order line id."},
                           "note": {"type": "string", "maxLength": 500}}, optional=("note",)),
    "DeliveryCorrection": obj({
        "received": {"type": "object", "additionalProperties": INT,
                     "description": "Packs received, by purchase-order line id: every line of the delivery."},
        "reason": {"type": "string", "minLength": 1, "maxLength": 500,
                   "description": "What was wrong with the first count: the other side and the hub read it."}}),
    "SpendReport": obj({
        "kind": enum("spend"), "period": STRING, "year": INT_OR_NULL, "cycle_id": INT_OR_NULL, "scope": STRING,
        "alliance": STRING,
        "cycles": {"type": "array", "items": obj({
            "id": INT, "name": STRING, "delivery_on": DATE, **_FIGURES, "standalone": MONEY_OR_NULL,
            "savings": MONEY_OR_NULL, "savings_percent": DECIMAL_OR_NULL})},
        "totals": obj({**_FIGURES, "standalone": MONEY_OR_NULL, "savings": MONEY_OR_NULL,
                       "savings_percent": DECIMAL_OR_NULL, "goods": MONEY, "fees": MONEY, "volume_discount": MONEY,
                       "adjustment": MONEY, "not_delivered": MONEY, "sites": INT}),
        "members": {"type": "array", "items": obj({
            "id": INT, "name": STRING, "cycles": INT, **_FIGURES, "standalone": MONEY_OR_NULL,
            "savings": MONEY_OR_NULL, "savings_percent": DECIMAL_OR_NULL})},
        "categories": {"type": "array", "items": _BREAKDOWN},
        "vendors": {"type": "array", "items": _BREAKDOWN}}),
    "SalesReport": obj({
        "kind": enum("sales"), "period": STRING, "year": INT_OR_NULL, "cycle_id": INT_OR_NULL, "vendor": STRING,
        "totals": obj({"goods": MONEY, "fees": MONEY, "total": MONEY, "shortage": MONEY}),
        "orders": {"type": "array", "items": obj({**_PO_FIELDS, "shortage": MONEY})},
        "customers": {"type": "array", "items": _SALES_ROW},
        "categories": {"type": "array", "items": _SALES_ROW}}),
    "Report": {"oneOf": [ref("SpendReport"), ref("SalesReport")]},
    "Notification": obj({"id": INT, "kind": STRING, "title": STRING, "body": STRING, "link": TEXT_OR_NULL,
                         "read": BOOL, "read_at": DATETIME_OR_NULL, "created_at": DATETIME}),
    "ReadAll": obj({"marked": INT}),
}


def envelope(item: str) -> S:
    """``List_X``/``Page_X``: ``{"data": [X...], "page", "per_page", "total"}``."""
    return _paged(ref(item))
