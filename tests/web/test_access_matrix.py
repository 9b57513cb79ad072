"""Every route with an object id, tried by users of other organizations: never 2xx, never
their data. A new route with an argument and no case below makes this test fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import object_session

from marketplace.models import Invitation, Organization, PaymentJob, PaymentJobKind, Site, User
from tests.api.client import ApiClient, api_client
from tests.cycle_factories import CycleObjects, build_cycle_objects
from tests.factories import CatalogWorld, World, build_catalog_world
from tests.payments.factories import PayWorld, build_pay_world
from tests.plan_factories import PlanObjects, build_plan_objects
from tests.report_factories import PersonalObjects, build_personal_objects


@dataclass(frozen=True)
class Case:
    """How to fill a route's arguments with objects of member X's side of alliance A,
    who owns them (may GET them), and who must get a 404."""

    values: Callable[[World], dict[str, object]]
    owner: str | None
    outsiders: tuple[str, ...]
    secret: Callable[[World], str]


OUTSIDERS = ("dy", "vendor", "other_hub", "dz")
HUB_OUTSIDERS = ("dx", "dy", "vendor", "other_hub", "dz")


def org(w: World) -> dict[str, object]:
    return {"organization_id": w.member_x.id}


def site(w: World) -> dict[str, object]:
    return {"site_id": w.site_x.id}


def user(w: World) -> dict[str, object]:
    return {"user_id": w.dx.id}


def invitation(w: World) -> dict[str, object]:
    return {"invitation_id": w.invitation.invitation.id}


def catalog_of(w: World) -> CatalogWorld:
    """World A's catalog objects, made once per world on the world's own session."""
    if not hasattr(w, "_catalog"):
        w._catalog = build_catalog_world(object_session(w.hub), w)  # type: ignore[attr-defined]
    return w._catalog  # type: ignore[attr-defined]


def item(w: World) -> dict[str, object]:
    return {"item_id": catalog_of(w).item.id}


def sheet(w: World) -> dict[str, object]:
    return {"sheet_id": catalog_of(w).sheet.id}


def vendor(w: World) -> dict[str, object]:
    catalog_of(w)
    return {"vendor_id": w.vendor_org.id}


def cycles_of(w: World) -> CycleObjects:
    """World A's open cycle, a need, a line and a run at member X, made once per world."""
    if not hasattr(w, "_cycles"):
        w._cycles = build_cycle_objects(object_session(w.hub), w)  # type: ignore[attr-defined]
    return w._cycles  # type: ignore[attr-defined]


def need(w: World) -> dict[str, object]:
    return {"need_id": cycles_of(w).need.id}


def cycle(w: World) -> dict[str, object]:
    return {"cycle_id": cycles_of(w).cycles.cycle.id}


def cycle_site(w: World) -> dict[str, object]:
    return {**cycle(w), "site_id": w.site_x.id}


def line(w: World) -> dict[str, object]:
    return {"line_id": cycles_of(w).line.id}


def run(w: World) -> dict[str, object]:
    return {"run_id": cycles_of(w).run.id}


def site_secret(w: World) -> str:
    return w.site_x.name


def cycle_secret(w: World) -> str:
    return cycles_of(w).cycles.cycle.name


def plans_of(w: World) -> PlanObjects:
    """A finalized cycle of alliance A with a real plan, member X's share and a PO to X's site."""
    if not hasattr(w, "_plans"):
        w._plans = build_plan_objects(object_session(w.hub), w)  # type: ignore[attr-defined]
    return w._plans  # type: ignore[attr-defined]


def plan_run(w: World) -> dict[str, object]:
    return {"run_id": plans_of(w).run.id}


def plan_cycle(w: World) -> dict[str, object]:
    return {"cycle_id": plans_of(w).cycle.id}


def share(w: World) -> dict[str, object]:
    return {"share_id": plans_of(w).share.id}


def po(w: World) -> dict[str, object]:
    return {"po_id": plans_of(w).purchase_order.id}


def delivery(w: World) -> dict[str, object]:
    return {"delivery_id": plans_of(w).delivery.id}


def plan_cycle_secret(w: World) -> str:
    return plans_of(w).cycle.name


def po_secret(w: World) -> str:
    return plans_of(w).purchase_order.number


# A cycle is the whole alliance's (its directors see it); a site's part of it is its member's.
CYCLE_OUTSIDERS = ("vendor", "other_hub", "dz")

CATALOG_OUTSIDERS = ("other_hub", "dz")
CASES: dict[str, Case] = {
    "organizations.detail": Case(org, "dx", OUTSIDERS, lambda w: w.member_x.name),
    "organizations.invite_user": Case(org, "hub", OUTSIDERS, lambda w: w.member_x.name),
    "organizations.deactivate": Case(org, None, OUTSIDERS, lambda w: w.member_x.name),
    "organizations.reactivate": Case(org, None, OUTSIDERS, lambda w: w.member_x.name),
    "organizations.deactivate_user": Case(user, None, OUTSIDERS, lambda w: w.dx.name),
    "organizations.reactivate_user": Case(user, None, OUTSIDERS, lambda w: w.dx.name),
    "sites.detail": Case(site, "dx", OUTSIDERS, lambda w: w.site_x.name),
    "sites.edit": Case(site, "dx", OUTSIDERS, lambda w: w.site_x.name),
    "sites.deactivate": Case(site, None, OUTSIDERS, lambda w: w.site_x.name),
    "sites.reactivate": Case(site, None, OUTSIDERS, lambda w: w.site_x.name),
    "invitations.resend": Case(invitation, None, HUB_OUTSIDERS, lambda w: w.invitation.invitation.email),
    "invitations.revoke": Case(invitation, None, HUB_OUTSIDERS, lambda w: w.invitation.invitation.email),
    "catalog.detail": Case(item, "dx", CATALOG_OUTSIDERS, lambda w: catalog_of(w).item.name),
    "catalog.edit": Case(item, "hub", CATALOG_OUTSIDERS, lambda w: catalog_of(w).item.name),
    "price_sheets.detail": Case(sheet, "vendor", ("dx", "dy", "other_hub", "dz"),
                                lambda w: catalog_of(w).sheet.filename),
    "price_sheets.sheet_offers": Case(sheet, "vendor", ("dx", "dy", "other_hub", "dz"),
                                      lambda w: catalog_of(w).sheet.filename),
    "price_sheets.activate": Case(sheet, None, ("dx", "dy", "other_hub", "dz"),
                                  lambda w: catalog_of(w).sheet.filename),
    "vendors.detail": Case(vendor, "vendor", ("dx", "dy", "other_hub", "dz"), lambda w: w.vendor_org.name),
    "vendors.terms": Case(vendor, "vendor", ("dx", "dy", "other_hub", "dz"), lambda w: w.vendor_org.name),
    "needs.index": Case(site, "dx", OUTSIDERS, site_secret),
    "needs.new": Case(site, "dx", OUTSIDERS, site_secret),
    "needs.bulk": Case(site, None, OUTSIDERS, site_secret),
    "needs.import_file": Case(site, "dx", OUTSIDERS, site_secret),
    "needs.suggest": Case(site, "dx", OUTSIDERS, site_secret),
    "needs.export": Case(lambda w: {**site(w), "kind": "csv"}, "dx", OUTSIDERS, lambda w: cycles_of(w).need.note),
    "needs.edit": Case(need, "dx", OUTSIDERS, lambda w: cycles_of(w).need.note),
    "needs.delete": Case(need, None, OUTSIDERS, lambda w: cycles_of(w).need.note),
    "cycles.detail": Case(cycle, "dx", CYCLE_OUTSIDERS, cycle_secret),
    "cycles.edit": Case(cycle, "hub", CYCLE_OUTSIDERS, cycle_secret),
    "cycles.tiers": Case(cycle, "hub", CYCLE_OUTSIDERS, cycle_secret),
    "cycles.change_status": Case(lambda w: {**cycle(w), "action": "close"}, None, CYCLE_OUTSIDERS, cycle_secret),
    "cycles.site_lines": Case(cycle_site, "dx", OUTSIDERS, site_secret),
    "cycles.edit_line": Case(line, "dx", OUTSIDERS, lambda w: cycles_of(w).line.note),
    "cycles.delete_line": Case(line, None, OUTSIDERS, lambda w: cycles_of(w).line.note),
    "runs.new": Case(cycle, "hub", CYCLE_OUTSIDERS, cycle_secret),
    "runs.detail": Case(run, "hub", HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "runs.progress": Case(run, None, HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "runs.cancel": Case(run, None, HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "runs.download": Case(lambda w: {**run(w), "what": "instance"}, "hub", HUB_OUTSIDERS,
                          lambda w: w.member_x.name),
    "runs.solver_log": Case(run, "hub", HUB_OUTSIDERS, lambda w: cycles_of(w).run.solver_log.strip()),
    "plans.review": Case(plan_run, "hub", HUB_OUTSIDERS, lambda w: plans_of(w).vendor.name),
    "plans.publish": Case(plan_run, None, HUB_OUTSIDERS, lambda w: plans_of(w).vendor.name),
    "plans.compare": Case(plan_run, None, HUB_OUTSIDERS, lambda w: plans_of(w).vendor.name),
    "approvals.share": Case(share, "dx", OUTSIDERS, lambda w: w.member_x.name),
    "approvals.approve": Case(share, None, OUTSIDERS, lambda w: w.member_x.name),
    "approvals.reject": Case(share, None, OUTSIDERS, lambda w: w.member_x.name),
    "approvals.cycle": Case(plan_cycle, "hub", CYCLE_OUTSIDERS, plan_cycle_secret),
    "approvals.deadline": Case(plan_cycle, None, CYCLE_OUTSIDERS, plan_cycle_secret),
    "approvals.rerun": Case(plan_cycle, None, CYCLE_OUTSIDERS, plan_cycle_secret),
    "approvals.finalize": Case(plan_cycle, None, CYCLE_OUTSIDERS, plan_cycle_secret),
    "purchase_orders.cycle": Case(plan_cycle, "hub", CYCLE_OUTSIDERS, po_secret),
    "purchase_orders.send": Case(plan_cycle, None, CYCLE_OUTSIDERS, po_secret),
    "purchase_orders.detail": Case(po, "hub", HUB_OUTSIDERS, po_secret),
    "purchase_orders.download": Case(lambda w: {**po(w), "kind": "csv"}, "hub", HUB_OUTSIDERS, po_secret),
    "purchase_orders.confirm": Case(po, None, HUB_OUTSIDERS, po_secret),
    "purchase_orders.ship": Case(po, None, HUB_OUTSIDERS, po_secret),
    "purchase_orders.delivery": Case(delivery, "dx", OUTSIDERS, lambda w: w.site_x.name),
    "purchase_orders.correct": Case(delivery, "dx", OUTSIDERS, lambda w: w.site_x.name),
}
def mine_of(w: World) -> PersonalObjects:
    """Director X's notification and API token, member X's share and vendor V's offer and PO
    (on the open cycle's run), for the reports, notifications and JSON API cases."""
    if not hasattr(w, "_mine"):
        sheet = catalog_of(w).sheet  # the catalog first: the cycle world reuses its vendor terms
        w._mine = build_personal_objects(object_session(w.hub), w, cycles_of(w).run, sheet)  # type: ignore[attr-defined]
    return w._mine  # type: ignore[attr-defined]


def api_callers(app, world: World) -> dict[str, ApiClient]:
    """The API as each user of the world (bearer tokens; the API refuses cookie sessions)."""
    session = object_session(world.hub)
    mine_of(world)  # before the first case: the catalog must exist before the cycle world
    return {name: api_client(app, session, getattr(world, name))
            for name in ("hub", "dx", "dy", "vendor", "other_hub", "dz")}


def call(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, {})
    return client.open(method, url)


NOT_X = ("hub", "dy", "vendor", "other_hub", "dz")  # someone's own notifications and tokens
VENDOR_OUTSIDERS = ("dx", "dy", "other_hub", "dz")
cycle_report_file = lambda w: {**cycle(w), "what": "report", "fmt": "csv"}  # noqa: E731
notification = lambda w: {"notification_id": mine_of(w).notification.id}  # noqa: E731
notice_secret = lambda w: mine_of(w).notification.title  # noqa: E731
api_share = lambda w: {"share_id": mine_of(w).share.id}  # noqa: E731
api_po = lambda w: {"po_id": mine_of(w).po.id}  # noqa: E731
api_delivery = lambda w: {"delivery_id": mine_of(w).po.deliveries[0].id}  # noqa: E731
api_po_secret = lambda w: mine_of(w).po.number  # noqa: E731
API_CASES: dict[str, Case] = {
    # Vendor V has an order in the cycle (its sales report); a vendor without one: test_reports_web.
    "reports.cycle": Case(cycle, "dx", ("other_hub", "dz"), cycle_secret),
    "reports.cycle_file": Case(cycle_report_file, "dx", ("other_hub", "dz"), cycle_secret),
    "notifications.open_": Case(notification, None, NOT_X, notice_secret),
    "notifications.read": Case(notification, None, NOT_X, notice_secret),
    "api_tokens.revoke": Case(lambda w: {"token_id": mine_of(w).token.id}, None, NOT_X,
                              lambda w: mine_of(w).token.name),
    "api.get_organization": Case(org, "dx", OUTSIDERS, lambda w: w.member_x.name),
    "api.get_site": Case(site, "dx", OUTSIDERS, site_secret),
    "api.list_needs": Case(site, "dx", OUTSIDERS, lambda w: cycles_of(w).need.note),
    "api.create_need": Case(site, None, OUTSIDERS, site_secret),
    "api.get_need": Case(need, "dx", OUTSIDERS, lambda w: cycles_of(w).need.note),
    "api.update_need": Case(need, None, OUTSIDERS, lambda w: cycles_of(w).need.note),
    "api.delete_need": Case(need, None, OUTSIDERS, lambda w: cycles_of(w).need.note),
    "api.get_item": Case(item, "dx", CATALOG_OUTSIDERS, lambda w: catalog_of(w).item.name),
    "api.get_offer": Case(lambda w: {"offer_id": mine_of(w).offer.id}, "vendor", VENDOR_OUTSIDERS,
                          lambda w: mine_of(w).offer.vendor_sku),
    "api.get_cycle": Case(cycle, "dx", CYCLE_OUTSIDERS, cycle_secret),
    "api.open_cycle": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.close_cycle": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.list_lines": Case(cycle, "dx", CYCLE_OUTSIDERS, lambda w: cycles_of(w).line.note),
    "api.add_line": Case(cycle_site, None, OUTSIDERS, site_secret),
    "api.get_line": Case(line, "dx", OUTSIDERS, lambda w: cycles_of(w).line.note),
    "api.update_line": Case(line, None, OUTSIDERS, lambda w: cycles_of(w).line.note),
    "api.remove_line": Case(line, None, OUTSIDERS, lambda w: cycles_of(w).line.note),
    "api.list_runs": Case(cycle, "hub", CYCLE_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "api.start_run": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.get_run": Case(run, "hub", HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "api.cancel_run": Case(run, None, HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "api.get_plan": Case(run, None, HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "api.publish_run": Case(run, None, HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "api.rerun": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.finalize": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.list_shares": Case(cycle, None, CYCLE_OUTSIDERS, lambda w: mine_of(w).share.note),
    "api.get_share": Case(api_share, None, OUTSIDERS, lambda w: mine_of(w).share.note),  # owner: test_api_resources
    "api.approve_share": Case(api_share, None, OUTSIDERS, lambda w: mine_of(w).share.note),
    "api.reject_share": Case(api_share, None, OUTSIDERS, lambda w: mine_of(w).share.note),
    "api.send_orders": Case(cycle, None, CYCLE_OUTSIDERS, api_po_secret),
    "api.get_order": Case(api_po, "vendor", VENDOR_OUTSIDERS, api_po_secret),
    "api.confirm_order": Case(api_po, None, VENDOR_OUTSIDERS, api_po_secret),
    "api.ship_order": Case(api_po, None, VENDOR_OUTSIDERS, api_po_secret),
    "api.get_delivery": Case(api_delivery, "dx", ("dy", "other_hub", "dz"), api_po_secret),
    "api.report_delivery": Case(api_delivery, None, ("dy", "other_hub", "dz"), api_po_secret),
    "api.correct_delivery": Case(api_delivery, None, ("dy", "other_hub", "dz"), api_po_secret),
    "api.cycle_report": Case(cycle, "dx", ("other_hub", "dz"), cycle_secret),
    "api.read_notification": Case(notification, None, NOT_X, notice_secret),
    "api.update_cycle": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.cancel_cycle": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.list_tier_hints": Case(cycle, "dx", CYCLE_OUTSIDERS, lambda w: cycles_of(w).cycles.milk.name),
    "api.approval_board": Case(cycle, "hub", CYCLE_OUTSIDERS, cycle_secret),
    "api.set_deadline": Case(cycle, None, CYCLE_OUTSIDERS, cycle_secret),
    "api.compare_runs": Case(run, None, HUB_OUTSIDERS, lambda w: cycles_of(w).run.note),
    "api.review_plan": Case(plan_run, "hub", HUB_OUTSIDERS, lambda w: plans_of(w).vendor.name),
    "api.get_instance": Case(run, "hub", HUB_OUTSIDERS, lambda w: w.member_x.name),
    "api.get_solver_log": Case(run, "hub", HUB_OUTSIDERS, lambda w: cycles_of(w).run.solver_log.strip()),
    "api.list_shortages": Case(plan_cycle, None, CYCLE_OUTSIDERS, po_secret),  # owner: test_api_cycle_admin
    "api.export_needs": Case(lambda w: {**site(w), "kind": "csv"}, "dx", OUTSIDERS, lambda w: cycles_of(w).need.note),
    "api.import_needs": Case(site, None, OUTSIDERS, site_secret),
    "api.bulk_update_needs": Case(site, None, OUTSIDERS, site_secret),
    "api.list_suggestions": Case(site, None, OUTSIDERS, site_secret),  # owner: test_api_needs_files
    "api.add_suggestions": Case(site, None, OUTSIDERS, site_secret),
    "api.purchase_order_document": Case(lambda w: {**api_po(w), "kind": "csv"}, "vendor", VENDOR_OUTSIDERS,
                                        api_po_secret),
    "api.cycle_report_file": Case(cycle_report_file, "dx", ("other_hub", "dz"), cycle_secret),
}


CASES.update(API_CASES)


def payments_of(w: World) -> PayWorld:
    """A finalized cycle of World A with X's and Y's approved shares, for the payment pages."""
    if not hasattr(w, "_payments"):
        w._payments = build_pay_world(object_session(w.hub), w, catalog=catalog_of(w))  # type: ignore[attr-defined]
    return w._payments  # type: ignore[attr-defined]


pay_share = lambda w: {"share_id": payments_of(w).share_x.id}  # noqa: E731
pay_cycle = lambda w: {"cycle_id": payments_of(w).cycle.id}  # noqa: E731
pay_secret = lambda w: payments_of(w).cycle.name  # noqa: E731


def pay_job(w: World) -> dict[str, object]:
    """A reconciliation job of the payments cycle (its JSON names the cycle)."""
    if not hasattr(w, "_pay_job"):
        job = PaymentJob(cycle_id=payments_of(w).cycle.id, kind=PaymentJobKind.RECONCILE, created_by_id=w.hub.id)
        object_session(w.hub).add(job)
        object_session(w.hub).flush()
        w._pay_job = job  # type: ignore[attr-defined]
    return {"job_id": w._pay_job.id}  # type: ignore[attr-defined]


CASES.update({
    "payments.share": Case(pay_share, "dx", OUTSIDERS, pay_secret),
    "payments.pay": Case(pay_share, None, OUTSIDERS, pay_secret),
    "payments.intent": Case(pay_share, None, OUTSIDERS, pay_secret),
    "payments.confirmed": Case(pay_share, None, OUTSIDERS, pay_secret),
    "payments.cycle": Case(pay_cycle, "hub", CYCLE_OUTSIDERS, pay_secret),
    "payments.reconcile": Case(pay_cycle, None, CYCLE_OUTSIDERS, pay_secret),
    "payments.pay_out": Case(pay_cycle, None, CYCLE_OUTSIDERS, pay_secret),
    "payments.job": Case(pay_job, "hub", HUB_OUTSIDERS, pay_secret),
    # The payments API (owners' answers: tests/payments/test_api_payments.py).
    "api.get_share_payment": Case(pay_share, None, OUTSIDERS, pay_secret),
    "api.pay_share": Case(pay_share, None, OUTSIDERS, pay_secret),
    "api.start_share_payment": Case(pay_share, None, OUTSIDERS, pay_secret),
    "api.confirm_share_payment": Case(pay_share, None, OUTSIDERS, pay_secret),
    "api.cycle_ledger": Case(pay_cycle, None, CYCLE_OUTSIDERS, pay_secret),
    "api.get_reconciliation": Case(pay_cycle, None, CYCLE_OUTSIDERS, pay_secret),
    "api.reconcile_cycle": Case(pay_cycle, None, CYCLE_OUTSIDERS, pay_secret),
    "api.pay_out_cycle": Case(pay_cycle, None, CYCLE_OUTSIDERS, pay_secret),
    "api.get_payment_job": Case(pay_job, None, HUB_OUTSIDERS, pay_secret),
})
# Arguments that are not object ids, and where they are tested instead.
NOT_OBJECT_IDS = {
    "static": "file names of public assets",
    "invitations.new": "the kind of organization (member/vendor); hub-only, see test_invitations_web",
    "auth.accept_invitation": "a signed token, see test_invitation_link_gives_nothing_to_others below",
    "price_sheets.template": "the file type (csv/xlsx), see tests/web/test_price_sheets_web.py",
    "reports.year": "a year; every figure is scoped to the user, see tests/reports/test_reports_web.py",
    "reports.year_file": "a year and a file type, see tests/reports/test_reports_web.py",
    "api.year_report": "a year, see tests/api/test_api_resources.py",
    "api.year_report_file": "a year and a file type, see tests/api/test_api_documents.py",
}


def routes_with_arguments(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.arguments]
    return [(rule.endpoint, rule) for rule in sorted(rules, key=lambda rule: rule.rule)]


def test_every_route_with_an_argument_has_a_case(app):
    missing = [rule.rule for endpoint, rule in routes_with_arguments(app)
               if endpoint not in CASES and endpoint not in NOT_OBJECT_IDS]
    assert missing == [], f"add an access case to tests/web/test_access_matrix.py for {missing}"


def snapshot(session, world):
    session.expire_all()
    return (
        session.scalar(select(Organization.active).where(Organization.id == world.member_x.id)),
        session.scalar(select(User.active).where(User.id == world.dx.id)),
        session.scalar(select(Site.active).where(Site.id == world.site_x.id)),
        session.scalars(select(Invitation.nonce, Invitation.revoked_at)
                        .where(Invitation.id == world.invitation.invitation.id)).all(),
    )


def test_foreign_ids_are_404_without_foreign_data(app, session, world, make_client):
    before = snapshot(session, world)
    clients = {name: make_client(getattr(world, name)) for name in set(OUTSIDERS + HUB_OUTSIDERS + ("hub",))}
    api = api_callers(app, world)
    problems = []
    for endpoint, rule in routes_with_arguments(app):
        case = CASES.get(endpoint)
        if case is None:
            continue
        with app.test_request_context():
            url = url_for(endpoint, **case.values(world))
        secret = case.secret(world)
        callers = api if endpoint.startswith("api.") else clients
        for name in case.outsiders:
            for method in sorted(rule.methods & {"GET", "POST", "PATCH", "DELETE"}):
                response = call(callers[name], method, url)
                body = response.get_data(as_text=True)
                if response.status_code != 404 or secret in body:
                    problems.append(f"{method} {url} as {name}: {response.status_code}"
                                    f"{' with foreign data' if secret in body else ''}")
        if case.owner and "GET" in rule.methods:
            response = callers.get(case.owner, None) or make_client(getattr(world, case.owner))
            page = response.get(url)
            assert page.status_code == 200 and secret in page.get_data(as_text=True), \
                f"the owner ({case.owner}) cannot see {url}: the case is wrong"
    assert problems == []
    assert snapshot(session, world) == before, "a refused request changed data"


def test_invitation_link_gives_nothing_to_others(world, make_client, client):
    url = f"/invitations/accept/{world.invitation.token}"
    for name in ("dy", "other_hub"):
        response = make_client(getattr(world, name)).get(url)
        assert response.status_code == 409
        assert "invitee-secret" not in response.get_data(as_text=True)
    forged = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
    response = client.get(forged)
    assert response.status_code == 400
    assert "invitee-secret" not in response.get_data(as_text=True)
