"""A purchase order as files for the vendor: PDF, CSV, and cXML ``OrderRequest``.

The caller reaches the PO through ``purchase_orders.get_purchase_order`` (scoped); these
functions only render it. CSV text cells never start a formula (a leading apostrophe) while
money and pack cells stay numbers. The cXML is built with ``xml.etree`` (every value escaped)
and offered only to vendors whose delivery terms say they take cXML.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.errors import ConflictError
from marketplace.models import DeliveryTerms, PurchaseOrder, PurchaseOrderLine, SiteDelivery

CSV_HEADER = ["po_number", "vendor", "site", "address", "city", "zip_code", "delivery_on", "line_type",
              "item", "vendor_sku", "description", "pack_size", "unit", "packs", "unit_price", "amount"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CXML_DTD = "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd"


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str


def money(cents: int) -> str:
    """Cents as a plain decimal string: 1234 -> 12.34."""
    return f"{Decimal(cents) / 100:.2f}"


def plain(value: Decimal) -> str:
    """A quantity without trailing zeros or exponent: 4.000000 -> 4, 2.500 -> 2.5."""
    return format(value.normalize(), "f")


def price_text(value: Decimal) -> str:
    """A price per pack with 2 to 4 decimals: 30.0000 -> 30.00, 0.0550 -> 0.055."""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, min(4, -exponent)) if isinstance(exponent, int) else 4
    return f"{value:.{places}f}"


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as typed: a leading apostrophe before formula characters."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _by_site(po: PurchaseOrder) -> list[tuple[SiteDelivery, list[PurchaseOrderLine]]]:
    lines: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
    for line in po.lines:
        lines[line.site_id].append(line)
    return [(d, lines[d.site_id]) for d in sorted(po.deliveries, key=lambda d: (d.site.name.lower(), d.id))]


def po_document(session: Session, po: PurchaseOrder, kind: str) -> Download:
    """The PO as the file ``kind`` (pdf, csv, or xml: the cXML OrderRequest)."""
    alliance = po.cycle.alliance.name
    if kind == "pdf":
        return po_pdf(po, alliance_name=alliance)
    if kind == "csv":
        return po_csv(po)
    return po_cxml(session, po, alliance_name=alliance)


# ---------------------------------------------------------------- CSV

def po_csv(po: PurchaseOrder) -> Download:
    """One row per line and per delivery fee, per site (UTF-8 with a BOM, for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    vendor, day = safe_text(po.vendor.name), po.cycle.delivery_on.isoformat()
    for delivery, lines in _by_site(po):
        site = delivery.site
        where = [safe_text(site.name), safe_text(site.address or ""), safe_text(site.city), safe_text(site.zip_code)]
        for line in lines:
            writer.writerow([po.number, vendor, *where, day, "item", safe_text(line.item.name),
                             safe_text(line.offer.vendor_sku), safe_text(line.offer.description or ""),
                             plain(line.offer.pack_size), safe_text(line.item.unit), line.packs,
                             price_text(line.unit_price), money(line.amount_cents)])
        if delivery.fee_cents:
            writer.writerow([po.number, vendor, *where, day, "delivery_fee", "Delivery fee", "", "", "", "",
                             "", "", money(delivery.fee_cents)])
    writer.writerow([po.number, vendor, "", "", "", "", "", "total", "", "", "", "", "", "", "",
                     money(po.total_cents)])
    return Download(out.getvalue().encode("utf-8-sig"), f"{po.number}.csv", "text/csv")


# ---------------------------------------------------------------- PDF

def po_pdf(po: PurchaseOrder, *, alliance_name: str) -> Download:
    """A printable purchase order: header, one table per site's delivery, totals."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=letter, title=f"Purchase order {po.number}",
                            author=alliance_name, leftMargin=0.7 * inch, rightMargin=0.7 * inch,
                            topMargin=0.7 * inch, bottomMargin=0.7 * inch)
    styles = getSampleStyleSheet()
    story = [Paragraph(_p(f"Purchase order {po.number}"), styles["Title"]),
             Paragraph(_p(f"From {alliance_name} to {po.vendor.name}"), styles["Heading3"]),
             Paragraph(_p(f"Cycle: {po.cycle.name}. Delivery on {po.cycle.delivery_on:%B %d, %Y}. "
                          f"Status: {po.status.label}."), styles["Normal"]), Spacer(1, 12)]
    for delivery, lines in _by_site(po):
        site = delivery.site
        story.append(Paragraph(_p(f"{site.name}: {site.address + ', ' if site.address else ''}"
                                  f"{site.city} {site.zip_code}"), styles["Heading4"]))
        rows = [["Item", "SKU", "Pack", "Packs", "Price / pack", "Amount"]]
        rows += [[Paragraph(_p(line.item.name), styles["BodyText"]), line.offer.vendor_sku,
                  f"{plain(line.offer.pack_size)} {line.item.unit}", str(line.packs),
                  f"${price_text(line.unit_price)}", f"${money(line.amount_cents)}"] for line in lines]
        rows.append(["Delivery fee", "", "", "", "", f"${money(delivery.fee_cents)}"])
        story += [_table(rows), Spacer(1, 10)]
    story.append(_table([["Goods", f"${money(po.goods_cents)}"], ["Delivery fees", f"${money(po.fees_cents)}"],
                         ["Total", f"${money(po.total_cents)}"]], widths=[4.6 * inch, 2.2 * inch]))
    doc.build(story)
    return Download(buffer.getvalue(), f"{po.number}.pdf", "application/pdf")


def _p(text: str) -> str:
    # Paragraph reads a little markup: everything we print is text.
    return _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list[object]], widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths or [2.4 * inch, 1.0 * inch, 0.9 * inch, 0.6 * inch, 0.9 * inch,
                                             0.9 * inch], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("ALIGN", (3, 1), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.grey)]))
    return table


# ---------------------------------------------------------------- cXML

def accepts_cxml(session: Session, vendor_id: int) -> bool:
    return bool(session.scalar(select(DeliveryTerms.accepts_cxml).where(DeliveryTerms.organization_id == vendor_id)))


def po_cxml(session: Session, po: PurchaseOrder, *, alliance_name: str, now: datetime | None = None) -> Download:
    """The PO as a cXML 1.2 ``OrderRequest`` (one ``ItemOut`` per line, shipped to its site)."""
    if not accepts_cxml(session, po.vendor_id):
        raise ConflictError(f"{po.vendor.name} does not take cXML orders: use the PDF or CSV.")
    now = now or utcnow()
    # payloadID is unique per document: the same PO downloaded twice makes two messages.
    root = ET.Element("cXML", {"payloadID": f"{now:%Y%m%dT%H%M%S.%f}.{po.number}@sharedbuy",
                               "timestamp": now.isoformat(timespec="seconds"),
                               "xml:lang": "en-US"})
    _header(root, po, alliance_name)
    request = ET.SubElement(root, "Request", deploymentMode="production")
    order = ET.SubElement(request, "OrderRequest")
    head = ET.SubElement(order, "OrderRequestHeader", orderID=po.number,
                         orderDate=(po.sent_at or po.created_at).isoformat(), type="new")
    _money(ET.SubElement(head, "Total"), po.total_cents)
    shipping = ET.SubElement(head, "Shipping")
    _money(shipping, po.fees_cents)
    _text(shipping, "Description", "Delivery fees", lang=True)
    _text(head, "Comments", f"{alliance_name}: {po.cycle.name}", lang=True)
    number = 0
    for delivery, lines in _by_site(po):
        for line in lines:
            number += 1
            _item_out(order, po, delivery, line, number)
    body = ET.tostring(root, encoding="unicode")
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE cXML SYSTEM "{CXML_DTD}">\n{body}\n'
    return Download(text.encode("utf-8"), f"{po.number}.xml", "application/xml")


def _header(root: ET.Element, po: PurchaseOrder, alliance_name: str) -> None:
    header = ET.SubElement(root, "Header")
    for tag, identity in (("From", f"alliance-{po.alliance_id}"), ("To", f"vendor-{po.vendor_id}")):
        credential = ET.SubElement(ET.SubElement(header, tag), "Credential", domain="NetworkID")
        _text(credential, "Identity", identity)
    sender = ET.SubElement(header, "Sender")
    _text(ET.SubElement(sender, "Credential", domain="NetworkID"), "Identity", f"alliance-{po.alliance_id}")
    _text(sender, "UserAgent", f"SharedBuy for {alliance_name}")


def _item_out(order: ET.Element, po: PurchaseOrder, delivery: SiteDelivery, line: PurchaseOrderLine,
              number: int) -> None:
    item_out = ET.SubElement(order, "ItemOut", quantity=str(line.packs), lineNumber=str(number),
                             requestedDeliveryDate=po.cycle.delivery_on.isoformat())
    _text(ET.SubElement(item_out, "ItemID"), "SupplierPartID", line.offer.vendor_sku)
    detail = ET.SubElement(item_out, "ItemDetail")
    _money(ET.SubElement(detail, "UnitPrice"), None, price_text(line.unit_price))
    _text(detail, "Description", f"{line.item.name}, {plain(line.offer.pack_size)} {line.item.unit} a pack",
          lang=True)
    _text(detail, "UnitOfMeasure", "PK")
    site = delivery.site
    address = ET.SubElement(ET.SubElement(item_out, "ShipTo"), "Address", addressID=f"site-{site.id}")
    _text(address, "Name", site.name, lang=True)
    postal = ET.SubElement(address, "PostalAddress")
    _text(postal, "Street", site.address or site.name)
    _text(postal, "City", site.city)
    _text(postal, "PostalCode", site.zip_code)
    _text(postal, "Country", "United States").set("isoCountryCode", "US")


def _text(parent: ET.Element, tag: str, text: str, *, lang: bool = False) -> ET.Element:
    element = ET.SubElement(parent, tag, {"xml:lang": "en-US"} if lang else {})
    element.text = _NOT_XML.sub("", text)
    return element


def _money(parent: ET.Element, cents: int | None, amount: str | None = None) -> None:
    _text(parent, "Money", amount if amount is not None else money(cents or 0)).set("currency", "USD")
