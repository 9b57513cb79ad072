"""A finalized cycle ready to be paid: shares approved, purchase orders sent, vendors onboarded.

Built directly from rows (add and flush), on World A:

- vendor V (``world.vendor_org``, user ``world.vendor``) and vendor W (``pw.vendor_w``, "Vendor Pay-W", user
  ``pw.vendor_w_user``); each has one purchase order of the cycle's run.
- V's order: site X 10 packs of milk (148.00) + fee 25.00; site Y 4 packs (59.20) + fee 25.00.
- W's order: site X 20 gal of milk (90.00), no fee.
- shares: X 263.00 (148 + 25 + 90), Y 84.20 (59.20 + 25): the members' own lines and fees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import (
    CycleStatus,
    DeliveryStatus,
    HubFeeSetting,
    MemberShare,
    Offer,
    OrgKind,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ShareStatus,
    SiteDelivery,
    StripeAccount,
    User,
)
from marketplace.services.purchase_orders import shortage_amount
from tests.cycle_factories import make_cycle, make_run, make_share
from tests.factories import (
    CatalogWorld,
    World,
    build_catalog_world,
    make_organization,
    make_price_sheet,
    make_terms,
    make_user,
)


@dataclass
class PayWorld:
    world: World
    cycle: object
    run: object
    share_x: MemberShare
    share_y: MemberShare
    po_v: PurchaseOrder
    po_w: PurchaseOrder
    vendor_w_user: User
    offers: dict[str, Offer] = field(default_factory=dict)

    @property
    def vendor_w(self):
        return self.vendor_w_user.organization

    def line(self, po: PurchaseOrder, member_id: int) -> PurchaseOrderLine:
        return next(line for line in po.lines if line.member_id == member_id)


def _offer(session: Session, sheet_id: int) -> Offer:
    return session.scalars(select(Offer).where(Offer.price_sheet_id == sheet_id)).one()


def _po(session: Session, run, vendor_id: int, number: str, parts: list[tuple]) -> PurchaseOrder:
    """``parts``: (site, offer, packs, unit price, fee cents) per site."""
    po = PurchaseOrder(alliance_id=run.cycle.alliance_id, cycle_id=run.cycle_id, run_id=run.id,
                       vendor_id=vendor_id, number=number, status=POStatus.SENT)
    for site, offer, packs, price, fee in parts:
        amount = int(Decimal(price) * packs * 100)
        po.lines.append(PurchaseOrderLine(site_id=site.id, member_id=site.organization_id, offer_id=offer.id,
                                          item_id=offer.item_id, packs=packs, unit_price=Decimal(price),
                                          amount_cents=amount))
        po.deliveries.append(SiteDelivery(site_id=site.id, member_id=site.organization_id, fee_cents=fee))
    po.goods_cents = sum(line.amount_cents for line in po.lines)
    po.fees_cents = sum(d.fee_cents for d in po.deliveries)
    po.total_cents = po.goods_cents + po.fees_cents
    session.add(po)
    session.flush()
    return po


def build_pay_world(session: Session, world: World, *, fee_percent: str = "2", fee_fixed_cents: int = 150,
                    costs: tuple[int, int] | None = None, catalog: CatalogWorld | None = None) -> PayWorld:
    """The finalized cycle above; the hub's fee is 2% + $1.50 unless said otherwise. ``costs``
    replaces the shares' costs (X, Y), as a fair split moving cost between members would;
    ``catalog``: World A's catalog when it exists already."""
    catalog = catalog or build_catalog_world(session, world)
    alliance = world.hub.organization.alliance
    vendor_w = make_organization(session, alliance, OrgKind.VENDOR, "Vendor Pay-W")
    vendor_w_user = make_user(session, vendor_w, email="vendor-pay-w@example.org", name="Wendy W")
    make_terms(session, vendor_w, None)
    sheet_w = make_price_sheet(session, vendor_w, [
        {"vendor_sku": "W1", "item": catalog.item.slug, "pack_size": 1, "unit": "gal", "tier1_min_packs": 1,
         "tier1_price": "4.50"}])
    offer_v, offer_w = _offer(session, catalog.sheet.id), _offer(session, sheet_w.id)
    cycle = make_cycle(session, alliance, status=CycleStatus.DRAFT, name="SECRET-Pay-Cycle")
    run = make_run(session, cycle)
    cycle.published_run_id, cycle.status = run.id, CycleStatus.ORDERED
    po_v = _po(session, run, world.vendor_org.id, "PO-2026-9101", [
        (world.site_x, offer_v, 10, "14.80", 2500), (world.site_y, offer_v, 4, "14.80", 2500)])
    po_w = _po(session, run, vendor_w.id, "PO-2026-9102", [(world.site_x, offer_w, 20, "4.50", 0)])
    cost_x, cost_y = costs or (14800 + 2500 + 9000, 5920 + 2500)
    share_x = make_share(session, run, world.member_x.id, cost_x, 30000, status=ShareStatus.APPROVED)
    share_y = make_share(session, run, world.member_y.id, cost_y, 9000, status=ShareStatus.APPROVED)
    session.add(HubFeeSetting(alliance_id=alliance.id, percent=Decimal(fee_percent), fixed_cents=fee_fixed_cents))
    session.flush()
    return PayWorld(world, cycle, run, share_x, share_y, po_v, po_w, vendor_w_user,
                    {"v": offer_v, "w": offer_w})


def deliver(session: Session, po: PurchaseOrder, short: dict[int, int] | None = None) -> PurchaseOrder:
    """Mark every site's delivery received; ``short`` maps member ids to packs missing on their line."""
    short = short or {}
    for line in po.lines:
        missing = short.get(line.member_id, 0)
        line.received_packs, line.shortage_packs = line.packs - missing, missing
        line.shortage_cents = shortage_amount(line, missing)
    for delivery in po.deliveries:
        delivery.status = DeliveryStatus.SHORT if short.get(delivery.member_id) else DeliveryStatus.RECEIVED
    po.status = POStatus.SHORT if any(short.values()) else POStatus.DELIVERED
    session.flush()
    return po


def onboard(session: Session, gateway, emu, vendor_id: int) -> StripeAccount:
    """A Connect account that can receive transfers, as if the vendor finished onboarding."""
    made = gateway.create_account(f"test-account-{vendor_id}-{id(session)}", email=None,
                                  metadata={"organization_id": str(vendor_id)})
    emu.onboard(made["id"])
    account = StripeAccount(organization_id=vendor_id, idempotency_key=f"test-account-key-{made['id']}",
                            stripe_id=made["id"], details_submitted=True, payouts_enabled=True,
                            transfers_active=True)
    session.add(account)
    session.flush()
    return account
