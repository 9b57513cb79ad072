"""Files: a purchase order as PDF, CSV or cXML ``OrderRequest``, and the reports as CSV, Excel
or PDF (the spend report or a vendor's sales, and the grant-ready savings summary). The same
services as the pages' downloads, so the files are the same."""

from __future__ import annotations

from flask import Response

from marketplace.services import po_documents
from marketplace.services import purchase_orders as orders
from marketplace.services.exports import PDF_CONTENT_TYPE, XLSX_CONTENT_TYPE
from marketplace.services.report_documents import ExportFile, export_report
from marketplace.web.api.base import api_actor, download, route
from marketplace.web.helpers import db

PO_FILES = ("application/pdf", "text/csv", "application/xml")
REPORT_FILES = ("text/csv", XLSX_CONTENT_TYPE, PDF_CONTENT_TYPE)
REPORT = "<any(report, 'savings-summary'):what>.<any(csv, xlsx, pdf):fmt>"


@route("/purchase-orders/<id:po_id>/document.<any(pdf, csv, xml):kind>", "GET",
       summary="The purchase order as a PDF, a CSV (one row per line and delivery fee) or a cXML 1.2 "
               "OrderRequest (409 unless the vendor takes cXML)",
       response=None, files=PO_FILES, roles="hub_manager, vendor", errors=(409,), tag="Purchase orders")
def purchase_order_document(po_id: int, kind: str) -> Response:
    file = po_documents.po_document(db(), orders.get_purchase_order(db(), api_actor(), po_id), kind)
    return download(file.data, file.filename, file.mimetype)


def _file(export: ExportFile) -> Response:
    return download(export.data, export.filename, export.content_type)


@route(f"/reports/cycles/<id:cycle_id>/{REPORT}", "GET",
       summary="A cycle's report as a file: `report` (spend and savings; a vendor: its sales) or "
               "`savings-summary` (grant-ready; not for vendors)",
       response=None, files=REPORT_FILES, tag="Reports")
def cycle_report_file(cycle_id: int, what: str, fmt: str) -> Response:
    return _file(export_report(db(), api_actor(), what, fmt, cycle_id=cycle_id))


@route(f"/reports/years/<int(min=2000, max=2100):year>/{REPORT}", "GET",
       summary="A year's report as a file (the cycles delivering in that year), as for one cycle",
       response=None, files=REPORT_FILES, tag="Reports")
def year_report_file(year: int, what: str, fmt: str) -> Response:
    return _file(export_report(db(), api_actor(), what, fmt, year=year))
