"""A purchase order's files: the CSV neutralises formulas but keeps money numeric, the PDF holds
the order, and the cXML OrderRequest is well formed with every value escaped."""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib
from decimal import Decimal

import defusedxml.ElementTree as SafeET
import pytest
from sqlalchemy import select

from marketplace.errors import ConflictError
from marketplace.models import DeliveryTerms, PurchaseOrder
from marketplace.services import po_documents
from marketplace.services import purchase_orders as orders
from tests.plan_factories import build_plan_world, finalized


@pytest.fixture
def pos(session, world):
    pw = build_plan_world(session, world)
    pw.site_q.name = 'Q & <Kids> "Care"'
    pw.site_q.address = "=HYPERLINK(\"http://evil.test\")"
    session.scalar(select(DeliveryTerms).where(DeliveryTerms.organization_id == pw.vendor_u.id)).accepts_cxml = True
    finalized(session, pw)
    found = {po.vendor_id: orders.get_purchase_order(session, world.hub, po.id) for po in
             session.scalars(select(PurchaseOrder).where(PurchaseOrder.cycle_id == pw.cycle.id))}
    return pw, found[pw.vendor_p.id], found[pw.vendor_u.id]


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF: its content streams, decoded (ASCII85) and inflated."""
    chunks = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = raw.strip()
        if raw.endswith(b"~>"):
            raw = base64.a85decode(raw[:-2])
        try:
            chunks.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            chunks.append(raw.decode("latin-1"))
    # Words of one line are drawn as several strings: join them back.
    return "\n".join(chunks).replace(") Tj (", "").replace("\\(", "(").replace("\\)", ")")


def test_csv_has_a_row_per_line_and_fee_with_numbers_left_numeric(pos):
    pw, p, u = pos
    file = po_documents.po_csv(u)
    assert file.filename == f"{u.number}.csv" and file.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(file.data.decode("utf-8-sig"))))
    item = next(r for r in rows if r["line_type"] == "item")
    assert item["item"] == "'=Wipes P" and item["address"].startswith("'=HYPERLINK")
    assert item["site"] == 'Q & <Kids> "Care"' and item["packs"] == "3"
    assert (item["unit_price"], item["amount"]) == ("30.00", "90.00")
    assert rows[-1]["line_type"] == "total" and Decimal(rows[-1]["amount"]) * 100 == u.total_cents
    p_rows = list(csv.DictReader(io.StringIO(po_documents.po_csv(p).data.decode("utf-8-sig"))))
    amounts = [Decimal(r["amount"]) for r in p_rows if r["line_type"] in ("item", "delivery_fee")]
    assert sum(amounts) * 100 == p.total_cents
    assert [r["site"] for r in p_rows if r["line_type"] == "delivery_fee"] == ["SECRET-Site-X", "Site Y"]
    for row in p_rows + rows:
        for key, value in row.items():
            if key not in ("unit_price", "amount", "packs", "pack_size"):
                assert not value.startswith(("=", "+", "-", "@")), (key, value)


def test_pdf_holds_the_number_the_sites_and_the_total(pos):
    pw, p, u = pos
    file = po_documents.po_pdf(p, alliance_name="Alliance A")
    assert file.data.startswith(b"%PDF") and file.mimetype == "application/pdf"
    text = pdf_text(file.data)
    for expected in (p.number, "SECRET-Vendor-P", "SECRET-Site-X", "Site Y", "Milk P", "PM4", "$294.02",
                     "$15.96"):
        assert expected in text, expected
    q_text = pdf_text(po_documents.po_pdf(u, alliance_name="A & B").data)
    assert 'Q & <Kids> "Care": =HYPERLINK("http://evil.test")' in q_text


def test_cxml_order_request_is_well_formed_and_escaped(session, pos):
    pw, p, u = pos
    file = po_documents.po_cxml(session, u, alliance_name="A & <B>")
    text = file.data.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE cXML SYSTEM')
    assert "Q &amp; &lt;Kids&gt;" in text and "<Kids>" not in text
    root = SafeET.fromstring(file.data)
    assert root.tag == "cXML" and root.find("Header/From/Credential/Identity").text == f"alliance-{u.alliance_id}"
    head = root.find("Request/OrderRequest/OrderRequestHeader")
    assert head.get("orderID") == u.number and head.find("Total/Money").text == "90.00"
    assert head.find("Total/Money").get("currency") == "USD"
    (item,) = root.findall("Request/OrderRequest/ItemOut")
    assert (item.get("quantity"), item.get("lineNumber")) == ("3", "1")
    assert item.find("ItemID/SupplierPartID").text == "UW1"
    assert item.find("ItemDetail/UnitPrice/Money").text == "30.00"
    assert item.find("ShipTo/Address/Name").text == 'Q & <Kids> "Care"'
    assert item.find("ShipTo/Address/PostalAddress/Street").text == '=HYPERLINK("http://evil.test")'
    p_root = SafeET.fromstring(po_documents.po_cxml(session, p, alliance_name="A").data)
    lines = p_root.findall("Request/OrderRequest/ItemOut")
    assert len(lines) == len(p.lines) == 4
    total = sum(Decimal(x.find("ItemDetail/UnitPrice/Money").text) * int(x.get("quantity")) for x in lines)
    fees = Decimal(p_root.find("Request/OrderRequest/OrderRequestHeader/Shipping/Money").text)
    assert (total + fees) * 100 == p.total_cents


def test_cxml_only_for_vendors_that_take_it(session, pos):
    pw, p, u = pos
    session.scalar(select(DeliveryTerms).where(DeliveryTerms.organization_id == pw.vendor_u.id)).accepts_cxml = False
    session.flush()
    with pytest.raises(ConflictError, match="does not take cXML"):
        po_documents.po_cxml(session, u, alliance_name="A")
