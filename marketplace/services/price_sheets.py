"""Vendors' price sheets: upload (all or nothing), the error table, activation as a new version.

A sheet with any bad row stores nothing but the upload record and its full error table; a
clean sheet stores its offers and waits as ``validated`` until the vendor (or the hub)
activates it. Activation creates an :class:`OfferVersion` in force from the sheet's start
date (never before today: prices do not change in the past) and ends every other version
of the vendor the day before, so at most one version is in force on any day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from catalog.intake import check_file
from catalog.records import RowError, SheetResult
from catalog.safety import DEFAULT_MAX_BYTES, display_name
from marketplace.db import utcnow
from marketplace.errors import ConflictError, NotFoundError
from marketplace.models import (
    Offer,
    OfferVersion,
    Organization,
    OrgKind,
    PriceSheet,
    Role,
    SheetStatus,
    User,
)
from marketplace.services.audit import record_event
from marketplace.services.catalog import catalog_refs, item_ids
from marketplace.services.paging import Page, paginate, paginate_list
from marketplace.services.scope import get_scoped, require_role, scoped_select
from marketplace.services.sheet_storage import OfferStream, store_offers

MAX_SHEET_BYTES = DEFAULT_MAX_BYTES
MAX_STORED_ERRORS = 20_000
MAX_STORED_WARNINGS = 1_000
NO_ROWS = "the sheet has a header but no offer rows: add one row per product"


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and the name the browser (or the command line) gave."""

    data: bytes
    filename: str | None = None


def upload_price_sheet(session: Session, actor: User, upload: Upload, *,
                       vendor_id: int | None = None) -> PriceSheet:
    """Check a sheet against the catalog and store it (vendor: its own; hub: ``vendor_id``'s).

    Returns the sheet: ``validated`` with its offers stored, or ``invalid`` with every error.
    """
    require_role(actor, Role.VENDOR, Role.HUB_MANAGER)
    vendor = _vendor_for_upload(session, actor, vendor_id)
    sheet = ingest_sheet(session, vendor, upload, uploaded_by=actor)
    session.commit()
    return sheet


def _vendor_for_upload(session: Session, actor: User, vendor_id: int | None) -> Organization:
    if actor.role is Role.VENDOR:
        return actor.organization
    if vendor_id is None:
        raise NotFoundError("Choose the vendor whose sheet this is.")
    return get_vendor(session, actor, vendor_id)


def get_vendor(session: Session, actor: User, vendor_id: int) -> Organization:
    """A vendor organization ``actor`` may see (the hub: its alliance's; a vendor: itself)."""
    vendor = get_scoped(session, actor, Organization, vendor_id)
    if vendor.kind is not OrgKind.VENDOR:
        raise NotFoundError()
    return vendor


def ingest_sheet(session: Session, vendor: Organization, upload: Upload, *,
                 uploaded_by: User | None) -> PriceSheet:
    """Validate and store a sheet for ``vendor`` inside the caller's transaction (flushes only).

    Used by :func:`upload_price_sheet`, the command line and the demo; the caller has
    already decided that ``vendor`` may be written to.
    """
    sheet = PriceSheet(
        organization_id=vendor.id, uploaded_by_id=uploaded_by.id if uploaded_by else None,
        filename=display_name(upload.filename)[:255], size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(), status=SheetStatus.UPLOADED,
    )
    session.add(sheet)
    session.flush()
    result = _check_and_store(session, sheet, upload, vendor.alliance_id)
    if result.ok and result.rows == 0:
        result = SheetResult(offers=(), errors=(RowError(None, None, NO_ROWS),),
                             warnings=result.warnings, kind=result.kind)
    sheet.kind = result.kind
    sheet.status = SheetStatus.VALIDATED if result.ok else SheetStatus.INVALID
    sheet.row_count, sheet.error_count = result.rows, len(result.errors)
    sheet.errors = [_problem(e) for e in result.errors[:MAX_STORED_ERRORS]]
    sheet.warnings = [_problem(w) for w in result.warnings[:MAX_STORED_WARNINGS]]
    action = "price_sheet.validated" if result.ok else "price_sheet.rejected"
    record_event(session, uploaded_by, action, sheet, alliance_id=vendor.alliance_id,
                 after={"filename": sheet.filename, "rows": sheet.row_count,
                        "errors": sheet.error_count, "vendor_id": vendor.id})
    return sheet


def _check_and_store(session: Session, sheet: PriceSheet, upload: Upload, alliance_id: int) -> SheetResult:
    """Validate the upload against the catalog and, if every row is good, store its offers.

    On PostgreSQL the offers stream into the database during validation, inside a savepoint
    that is rolled back unless the whole sheet is good: a bad sheet leaves no offer.
    """
    check = partial(check_file, upload.data, upload.filename, catalog_refs(session, alliance_id),
                    max_bytes=MAX_SHEET_BYTES)
    ids = item_ids(session, alliance_id)
    if session.get_bind().dialect.name != "postgresql":
        result = check()
        if result.ok and result.rows:
            sheet.offer_count = store_offers(session, sheet, result.offers, ids)
        return result
    savepoint = session.begin_nested()
    try:
        with OfferStream(session, sheet, ids) as stream:
            result = check(sink=stream.write)
        if result.ok and result.rows:
            sheet.offer_count = stream.finish()
            savepoint.commit()
        else:
            savepoint.rollback()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return result


def _problem(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "message": error.full_message}


def list_price_sheets(session: Session, actor: User, *, vendor_id: int | None = None,
                      page: int = 1, per_page: int = 25) -> Page[PriceSheet]:
    """Sheets ``actor`` may see, newest first (a vendor: its own; the hub: its vendors')."""
    query = (scoped_select(actor, PriceSheet)
             .options(joinedload(PriceSheet.organization), joinedload(PriceSheet.uploaded_by),
                      joinedload(PriceSheet.version))
             .order_by(PriceSheet.created_at.desc(), PriceSheet.id.desc()))
    if vendor_id is not None:
        query = query.where(PriceSheet.organization_id == vendor_id)
    return paginate(session, query, page, per_page)


def get_price_sheet(session: Session, actor: User, sheet_id: int) -> PriceSheet:
    return get_scoped(session, actor, PriceSheet, sheet_id)


def sheet_errors(sheet: PriceSheet, *, page: int = 1, per_page: int = 200) -> Page[dict[str, Any]]:
    """One page of a sheet's stored error table (row, column, message)."""
    return paginate_list(sheet.errors or [], page, per_page)


def list_sheet_offers(session: Session, actor: User, sheet_id: int, *, search: str = "",
                      page: int = 1, per_page: int = 50) -> Page[Offer]:
    """One page of a sheet's offers in sheet order; ``search`` matches the SKU or description."""
    sheet = get_scoped(session, actor, PriceSheet, sheet_id)
    query = (scoped_select(actor, Offer, Offer.price_sheet_id == sheet.id)
             .options(joinedload(Offer.item), selectinload(Offer.tiers)).order_by(Offer.row_number))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(func.lower(Offer.vendor_sku).like(pattern)
                            | func.lower(Offer.description).like(pattern))
    return paginate(session, query, page, per_page)


def activate_price_sheet(session: Session, actor: User, sheet_id: int, *,
                         today: date | None = None) -> OfferVersion:
    """Make a validated sheet the vendor's newest offer version (the vendor or its hub)."""
    sheet = get_scoped(session, actor, PriceSheet, sheet_id)
    require_role(actor, Role.VENDOR, Role.HUB_MANAGER)
    version = activate_sheet(session, sheet, activated_by=actor, today=today)
    session.commit()
    return version


def activate_sheet(session: Session, sheet: PriceSheet, *, activated_by: User | None,
                   today: date | None = None) -> OfferVersion:
    """Activation inside the caller's transaction (flushes only); see the module docstring."""
    # One activation at a time per vendor (PostgreSQL row lock; SQLite locks on write anyway).
    session.execute(select(Organization.id).where(Organization.id == sheet.organization_id)
                    .with_for_update())
    session.refresh(sheet)
    if sheet.status is not SheetStatus.VALIDATED:
        raise ConflictError(f"This sheet is {sheet.status.label.lower()}: only a sheet without "
                            "errors that was never activated can be activated.")
    today = today or utcnow().date()
    starts = effective_from(session, sheet.id, today)
    _end_other_versions(session, sheet.organization_id, starts)
    number = (session.scalar(select(func.max(OfferVersion.number))
                             .where(OfferVersion.organization_id == sheet.organization_id)) or 0) + 1
    version = OfferVersion(organization_id=sheet.organization_id, price_sheet_id=sheet.id, number=number,
                           effective_from=starts, activated_by_id=activated_by.id if activated_by else None)
    session.add(version)
    session.execute(update(PriceSheet)
                    .where(PriceSheet.organization_id == sheet.organization_id,
                           PriceSheet.status == SheetStatus.ACTIVE)
                    .values(status=SheetStatus.SUPERSEDED))
    sheet.status = SheetStatus.ACTIVE
    sheet.activated_at = utcnow()
    session.flush()
    record_event(session, activated_by, "price_sheet.activated", sheet,
                 alliance_id=sheet.organization.alliance_id,
                 after={"version": number, "effective_from": starts.isoformat(), "offers": sheet.offer_count})
    return version


def effective_from(session: Session, sheet_id: int, today: date) -> date:
    """The day a sheet's version starts: its earliest ``valid_from`` when every row has one,
    otherwise today; never before today."""
    undated, earliest = session.execute(
        select(func.count(Offer.id).filter(Offer.valid_from.is_(None)), func.min(Offer.valid_from))
        .where(Offer.price_sheet_id == sheet_id)).one()
    if undated or earliest is None:
        return today
    return max(earliest, today)


def _end_other_versions(session: Session, vendor_id: int, starts: date) -> None:
    session.execute(update(OfferVersion)
                    .where(OfferVersion.organization_id == vendor_id,
                           (OfferVersion.effective_to.is_(None)) | (OfferVersion.effective_to >= starts))
                    .values(effective_to=starts - timedelta(days=1)))


def list_versions(session: Session, actor: User, vendor_id: int) -> list[OfferVersion]:
    """A vendor's offer versions, newest first."""
    vendor = get_vendor(session, actor, vendor_id)
    return list(session.scalars(scoped_select(actor, OfferVersion, OfferVersion.organization_id == vendor.id)
                                .options(joinedload(OfferVersion.price_sheet),
                                         joinedload(OfferVersion.activated_by))
                                .order_by(OfferVersion.number.desc())))


def version_in_force(session: Session, vendor_id: int, day: date) -> OfferVersion | None:
    """The vendor's version in force on ``day`` (at most one by construction)."""
    return session.scalar(select(OfferVersion).where(
        OfferVersion.organization_id == vendor_id, OfferVersion.effective_from <= day,
        (OfferVersion.effective_to.is_(None)) | (OfferVersion.effective_to >= day)))
