"""Purchase order pages: who sees which order, the downloads, and the refused steps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.models import DeliveryTerms, PurchaseOrder
from tests.plan_factories import build_plan_world, finalized


@pytest.fixture
def pos(session, world):
    pw = build_plan_world(session, world)
    finalized(session, pw)
    found = {po.vendor_id: po for po in session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == pw.cycle.id))}
    return pw, found[pw.vendor_p.id], found[pw.vendor_u.id]


def test_downloads_carry_the_order(session, world, pos, make_client):
    pw, p, u = pos
    vendor = make_client(pw.vendor_p_user)
    assert vendor.get(f"/purchase-orders/{p.id}").status_code == 404  # not sent yet
    assert make_client(world.hub).post(f"/cycles/{pw.cycle.id}/purchase-orders/send").status_code == 302
    page = vendor.get(f"/purchase-orders/{p.id}").get_data(as_text=True)
    assert p.number in page and "SECRET-Site-X" in page and "Site Y" in page and "cXML" in page
    pdf = vendor.get(f"/purchase-orders/{p.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{p.number}.pdf"'
    data = vendor.get(f"/purchase-orders/{p.id}/csv")
    assert data.mimetype == "text/csv" and p.number in data.get_data(as_text=True)
    xml = vendor.get(f"/purchase-orders/{p.id}/xml")
    assert xml.status_code == 200 and b"<OrderRequest>" in xml.data and f'orderID="{p.number}"'.encode() in xml.data
    hub = make_client(world.hub)
    assert "cXML" not in hub.get(f"/purchase-orders/{u.id}").get_data(as_text=True)
    refused = hub.get(f"/purchase-orders/{u.id}/xml")
    assert refused.status_code == 409 and "does not take cXML" in refused.get_data(as_text=True)
    session.scalar(select(DeliveryTerms).where(DeliveryTerms.organization_id == pw.vendor_u.id)).accepts_cxml = True
    session.flush()
    assert hub.get(f"/purchase-orders/{u.id}/xml").status_code == 200


def test_vendors_see_their_orders_only_and_directors_their_deliveries(session, world, pos, make_client):
    pw, p, u = pos
    vendor_u = make_client(pw.vendor_u_user)
    for url in (f"/purchase-orders/{p.id}", f"/purchase-orders/{p.id}/pdf", f"/purchase-orders/{p.id}/csv"):
        assert vendor_u.get(url).status_code == 404
    assert vendor_u.post(f"/purchase-orders/{p.id}/confirm").status_code == 404
    dx = make_client(world.dx)
    assert dx.get(f"/purchase-orders/{p.id}").status_code == 404
    deliveries = dx.get("/purchase-orders").get_data(as_text=True)
    assert "SECRET-Site-X" in deliveries and "Site Q" not in deliveries and p.number in deliveries
    y_drop = next(d for d in p.deliveries if d.site_id == world.site_y.id)
    assert dx.get(f"/deliveries/{y_drop.id}").status_code == 404
    x_drop = next(d for d in p.deliveries if d.site_id == world.site_x.id)
    page = dx.get(f"/deliveries/{x_drop.id}").get_data(as_text=True)
    assert "has not been confirmed by the vendor yet" in page and "Record the delivery" not in page


def test_refused_steps_say_why_and_change_nothing(session, world, pos, make_client):
    pw, p, u = pos
    vendor = make_client(pw.vendor_p_user)
    assert vendor.post(f"/purchase-orders/{p.id}/confirm").status_code == 404  # a draft: not the vendor's yet
    x_drop = next(d for d in p.deliveries if d.site_id == world.site_x.id)
    response = make_client(world.dx).post(f"/deliveries/{x_drop.id}", {f"line_{x.id}": "1" for x in p.lines})
    assert response.status_code == 409
    hub = make_client(world.hub)
    assert hub.post(f"/cycles/{pw.cycle.id}/purchase-orders/send").status_code == 302
    assert vendor.post(f"/purchase-orders/{p.id}/ship").status_code == 409  # no ship before confirm
    assert vendor.post(f"/purchase-orders/{p.id}/confirm").status_code == 302
    over = {f"line_{x.id}": str(x.packs + 1) for x in p.lines if x.site_id == world.site_x.id}
    response = make_client(world.dx).post(f"/deliveries/{x_drop.id}", over)
    assert response.status_code == 422 and "packs were ordered" in response.get_data(as_text=True)
    session.expire_all()
    assert all(x.received_packs is None for x in p.lines)
    again = hub.post(f"/cycles/{pw.cycle.id}/purchase-orders/send")
    assert "already sent" in hub.get(again.headers["Location"]).get_data(as_text=True)
