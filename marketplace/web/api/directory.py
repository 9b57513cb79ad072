"""Who I am, the organizations and sites I may see."""

from __future__ import annotations

from flask import Response, jsonify, request

from marketplace.models import OrgKind
from marketplace.services import organizations, sites
from marketplace.web.api import serialize
from marketplace.web.api.base import api_actor, listed, route
from marketplace.web.helpers import db, search_text

SEARCH = {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
          "description": "Words the name must contain."}
KIND = {"name": "kind", "in": "query", "schema": {"type": "string", "enum": [k.value for k in OrgKind]}}
INACTIVE = {"name": "inactive", "in": "query", "schema": {"type": "string", "enum": ["1"]},
            "description": "1 to include inactive sites."}


@route("/me", "GET", summary="The token's user, organization and alliance", response="Me", tag="Account")
def me() -> Response:
    return jsonify(serialize.me(api_actor()))


@route("/organizations", "GET", summary="Organizations: the hub sees the alliance, others their own",
       response="List_Organization", query=[KIND, SEARCH], tag="Account")
def list_organizations() -> Response:
    kind = next((k for k in OrgKind if k.value == request.args.get("kind")), None)
    rows = organizations.list_organizations(db(), api_actor(), kind=kind, search=search_text())
    return listed((r.organization for r in rows), serialize.organization)


@route("/organizations/<id:organization_id>", "GET", summary="One organization", response="Organization",
       tag="Account")
def get_organization(organization_id: int) -> Response:
    return jsonify(serialize.organization(organizations.get_organization(db(), api_actor(), organization_id)))


@route("/sites", "GET", summary="Sites: a director's member's, the alliance's for the hub", response="List_Site",
       query=[SEARCH, INACTIVE], tag="Account")
def list_sites() -> Response:
    rows = sites.list_sites(db(), api_actor(), search=search_text(), include_inactive=request.args.get("inactive") == "1")
    return listed(rows, serialize.site)


@route("/sites/<id:site_id>", "GET", summary="One site", response="Site", tag="Account")
def get_site(site_id: int) -> Response:
    return jsonify(serialize.site(sites.get_site(db(), api_actor(), site_id)))
