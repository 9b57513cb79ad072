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


def test_a_miscounted_delivery_is_corrected_from_its_page(session, world, pos, make_client):
    pw, p, u = pos
    hub, vendor, dx = make_client(world.hub), make_client(pw.vendor_p_user), make_client(world.dx)
    assert hub.post(f"/cycles/{pw.cycle.id}/purchase-orders/send").status_code == 302
    assert vendor.post(f"/purchase-orders/{p.id}/confirm").status_code == 302
    drop = next(d for d in p.deliveries if d.site_id == world.site_x.id)
    lines = [x for x in p.lines if x.site_id == world.site_x.id]
    milk = next(x for x in lines if x.item_id == pw.milk.id)
    before = dx.get(f"/deliveries/{drop.id}/correct").get_data(as_text=True)
    assert "not been reported yet" in before and "Save the correction" not in before
    counts = {f"line_{x.id}": str(x.packs - (3 if x is milk else 0)) for x in lines}
    assert dx.post(f"/deliveries/{drop.id}", counts).status_code == 302
    page = vendor.get(f"/deliveries/{drop.id}").get_data(as_text=True)
    assert "Correct this report" in page
    form = vendor.get(f"/deliveries/{drop.id}/correct").get_data(as_text=True)
    assert f'name="line_{milk.id}"' in form and f'value="{milk.packs - 3}"' in form, "filled with the reported count"
    assert "never taken back from the member" in form
    fixed = {**counts, f"line_{milk.id}": str(milk.packs)}
    missing_reason = vendor.post(f"/deliveries/{drop.id}/correct", fixed)
    assert missing_reason.status_code == 422 and "Say what was wrong" in missing_reason.get_data(as_text=True)
    session.expire_all()
    assert milk.shortage_packs == 3, "nothing stored"
    done = vendor.post(f"/deliveries/{drop.id}/correct", {**fixed, "reason": "Three packs were on the cart"})
    assert done.status_code == 302
    shown = vendor.get(done.headers["Location"]).get_data(as_text=True)
    assert "was corrected" in shown and "Three packs were on the cart" in shown
    session.expire_all()
    assert milk.shortage_packs == 0 and drop.corrected_by_id == pw.vendor_p_user.id
    assert make_client(world.dy).get(f"/deliveries/{drop.id}/correct").status_code == 404
    assert make_client(pw.vendor_u_user).post(f"/deliveries/{drop.id}/correct",
                                              {**fixed, "reason": "x"}).status_code == 404
