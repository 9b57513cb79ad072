"""Sheet files in and out: the template vendors download, and the command line's import."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.records import RowError, SheetResult
from catalog.template import EXAMPLE_ROW, template_csv, template_xlsx
from marketplace.errors import NotFoundError, ValidationError
from marketplace.models import Item, OfferVersion, Organization, OrgKind, PriceSheet, User
from marketplace.services.price_sheets import Upload, activate_sheet, ingest_sheet
from marketplace.services.scope import scoped_select
from marketplace.services.sheet_diff import SheetChanges, diff_sheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str


def sheet_template(session: Session, actor: User, kind: str) -> Download:
    """The price-sheet template (``csv`` or ``xlsx``) with an example row using a real item
    of the alliance's catalog (whole milk when it has it)."""
    example = dict(EXAMPLE_ROW)
    items = scoped_select(actor, Item, Item.active.is_(True))
    item = session.scalar(items.where(Item.slug == example["item"])) or session.scalar(
        items.order_by(Item.id).limit(1))
    if item is not None and item.slug != example["item"]:
        example.update(item=item.slug, unit=item.unit, description=item.name[:60], pack_size="1",
                       vendor_sku=f"SKU-{item.id}")
    if kind == "xlsx":
        return Download(template_xlsx(example), "price-sheet-template.xlsx", XLSX_TYPE)
    return Download(template_csv(example), "price-sheet-template.csv", CSV_TYPE)


@dataclass(frozen=True)
class ImportOutcome:
    """What ``import-sheet`` did: the stored sheet, its version if activated, its diff."""

    sheet: PriceSheet
    version: OfferVersion | None
    diff: SheetChanges | None


def import_price_sheet(session: Session, vendor_ref: str, upload: Upload, *,
                       activate: bool = True) -> ImportOutcome:
    """Validate, store and (by default) activate a sheet for a vendor named by id or exact name.

    For the command line (trusted, no acting user; the audit log records no actor).
    A sheet with errors is stored as rejected, as from the web.
    """
    vendor = find_vendor(session, vendor_ref)
    sheet = ingest_sheet(session, vendor, upload, uploaded_by=None)
    diff = diff_sheet(session, sheet) if sheet.error_count == 0 else None
    version = activate_sheet(session, sheet, activated_by=None) if activate and diff is not None else None
    session.commit()
    return ImportOutcome(sheet, version, diff)


def find_vendor(session: Session, vendor_ref: str) -> Organization:
    """A vendor organization by id, or by exact name when that name is unique."""
    ref = vendor_ref.strip()
    query = select(Organization).where(Organization.kind == OrgKind.VENDOR)
    if ref.isdigit():
        vendor = session.scalar(query.where(Organization.id == int(ref)))
        if vendor is None:
            raise NotFoundError(f"No vendor has the id {ref}.")
        return vendor
    found = list(session.scalars(query.where(Organization.name == ref)))
    if not found:
        raise NotFoundError(f"No vendor is named {ref!r}.")
    if len(found) > 1:
        raise ValidationError(f"Several vendors are named {ref!r}: use the id "
                              f"({', '.join(str(v.id) for v in found)}).")
    return found[0]


def stored_result(sheet: PriceSheet) -> SheetResult:
    """A sheet's stored outcome as a catalog result, to print it with ``catalog.report``."""
    errors = tuple(RowError(e["row"], e["column"], e["message"]) for e in sheet.errors or [])
    warnings = tuple(RowError(w["row"], w["column"], w["message"]) for w in sheet.warnings or [])
    rejected = frozenset(e.row for e in errors if e.row is not None and e.row >= 2)
    return SheetResult(offers=(), errors=errors, warnings=warnings, rows=sheet.row_count,
                       kind=sheet.kind, rejected_rows=rejected)
