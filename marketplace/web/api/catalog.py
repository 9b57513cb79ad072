"""The alliance's catalog and the offers in force."""

from __future__ import annotations

from flask import Response, jsonify, request

from marketplace.services import api_queries, catalog, offers
from marketplace.web.api import serialize
from marketplace.web.api.base import api_actor, page_args, paged, route
from marketplace.web.helpers import db, search_text

PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}]
SEARCH = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}}


@route("/items", "GET", summary="The catalog's active items", response="Page_Item",
       query=[SEARCH, {"name": "category", "in": "query", "schema": {"type": "string"},
                       "description": "A category's slug."}, *PAGE], tag="Catalog")
def list_items() -> Response:
    page, per_page = page_args()
    found = catalog.search_items(db(), api_actor(), search=search_text(), category=request.args.get("category", "")[:40],
                                 page=page, per_page=per_page)
    return paged(found, serialize.item)


@route("/items/<id:item_id>", "GET", summary="One item", response="Item", tag="Catalog")
def get_item(item_id: int) -> Response:
    return jsonify(serialize.item(catalog.get_item(db(), api_actor(), item_id)))


@route("/offers", "GET", summary="Offers in force today (the hub: every vendor's; a vendor: its own)",
       response="Page_Offer", roles="hub_manager, vendor",
       query=[SEARCH, {"name": "item_id", "in": "query", "schema": {"type": "integer"}},
              {"name": "vendor_id", "in": "query", "schema": {"type": "integer"}}, *PAGE], tag="Catalog")
def list_offers() -> Response:
    page, per_page = page_args()
    found = offers.search_offers(db(), api_actor(), vendor_id=request.args.get("vendor_id", type=int),
                                 item_id=request.args.get("item_id", type=int), search=search_text(),
                                 page=page, per_page=per_page)
    return paged(found, serialize.offer)


@route("/offers/<id:offer_id>", "GET", summary="One offer with its tiers", response="Offer",
       roles="hub_manager, vendor", tag="Catalog")
def get_offer(offer_id: int) -> Response:
    return jsonify(serialize.offer(api_queries.get_offer(db(), api_actor(), offer_id)))
