"""Files through the API: a purchase order as PDF, CSV and cXML, and the reports as CSV, Excel
and PDF; the same files as the pages' downloads, to the same people."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.models import DeliveryTerms, PurchaseOrder
from marketplace.services import purchase_orders as orders
from marketplace.services.po_documents import CSV_HEADER
from tests.api.client import data
from tests.plan_factories import build_plan_world, finalized
from tests.report_factories import build_report_world


def rows_of(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_purchase_order_documents(session, world, as_):
    pw = build_plan_world(session, world)
    run = finalized(session, pw)
    pos = {po.vendor_id: po for po in session.scalars(select(PurchaseOrder).where(PurchaseOrder.run_id == run.id))}
    p, u = pos[pw.vendor_p.id], pos[pw.vendor_u.id]
    vendor_p, hub = as_(pw.vendor_p_user), as_(world.hub)
    url = f"/api/v1/purchase-orders/{p.id}/document"
    assert vendor_p.get(f"{url}.csv").status_code == 404, "a draft order is not the vendor's yet"
    orders.send_purchase_orders(session, world.hub, pw.cycle.id, email_enabled=False)
    pdf = vendor_p.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{p.number}.pdf"'
    rows = rows_of(vendor_p.get(f"{url}.csv"))
    assert list(rows[0]) == CSV_HEADER and {r["po_number"] for r in rows} == {p.number}
    assert sum(Decimal(r["amount"]) for r in rows if r["line_type"] != "total") == Decimal(p.total_cents) / 100
    assert {r["site"] for r in rows if r["line_type"] == "item"} == {"SECRET-Site-X", "Site Y"}
    xml = vendor_p.get(f"{url}.xml")
    assert xml.mimetype == "application/xml" and f'<OrderRequestHeader orderID="{p.number}"'.encode() in xml.data
    assert rows_of(hub.get(f"{url}.csv")) == rows
    refused = data(hub.get(f"/api/v1/purchase-orders/{u.id}/document.xml"), 409)
    assert refused["message"] == "Vendor U does not take cXML orders: use the PDF or CSV."
    session.scalar(select(DeliveryTerms).where(DeliveryTerms.organization_id == pw.vendor_u.id)).accepts_cxml = True
    session.flush()
    assert hub.get(f"/api/v1/purchase-orders/{u.id}/document.xml").status_code == 200
    for outsider in (pw.vendor_u_user, world.dx, world.other_hub):
        assert as_(outsider).get(f"{url}.pdf").status_code == 404
    assert hub.get(f"{url}.docx").status_code == 404


def test_report_files_per_cycle_and_per_year(session, world, as_):
    rw = build_report_world(session, world)
    hub = as_(world.hub)
    year = hub.get("/api/v1/reports/years/2026/report.csv").get_data(as_text=True)
    totals = data(hub.get("/api/v1/reports/years/2026"))["totals"]
    assert totals["charged"] in year and totals["savings"] in year, "the figures of the JSON report"
    summary = hub.get("/api/v1/reports/years/2026/savings-summary.pdf")
    assert summary.mimetype == "application/pdf" and summary.data.startswith(b"%PDF")
    book = load_workbook(io.BytesIO(hub.get(f"/api/v1/reports/cycles/{rw.march.id}/savings-summary.xlsx").data))
    assert book.active.max_row > 1
    mine = as_(world.dx).get(f"/api/v1/reports/cycles/{rw.march.id}/report.csv").get_data(as_text=True)
    assert "SECRET-Member-X" in mine and "Member Y" not in mine
    vendor = as_(world.vendor)
    sales = vendor.get(f"/api/v1/reports/cycles/{rw.march.id}/report.csv")
    assert sales.status_code == 200 and "PO-2026-0001" in sales.get_data(as_text=True)
    assert data(vendor.get(f"/api/v1/reports/cycles/{rw.march.id}/savings-summary.csv"), 403)["error"] == "forbidden"
    assert vendor.get(f"/api/v1/reports/cycles/{rw.april.id}/report.csv").status_code == 404, "vendor W's order"
    for outsider in (world.other_hub, world.dz):
        assert as_(outsider).get(f"/api/v1/reports/cycles/{rw.march.id}/report.csv").status_code == 404
    theirs = as_(world.other_hub).get("/api/v1/reports/years/2026/report.csv").get_data(as_text=True)
    assert "SECRET-Member-Z" in theirs and "SECRET-Member-X" not in theirs and "SECRET-Cycle" not in theirs
    assert hub.get("/api/v1/reports/years/1999/report.csv").status_code == 404
    assert hub.get("/api/v1/reports/years/2026/report.txt").status_code == 404
