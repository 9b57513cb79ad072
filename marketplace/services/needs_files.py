"""A site's recurring needs as a spreadsheet: export to CSV/XLSX, import all or nothing.

Columns (header names, any order; only ``item`` and ``quantity`` are required)::

    item, item_name, unit, quantity, cadence, starts_on, ends_on, max_unit_price,
    avoid_vendors, note, active

``item`` is the catalog's item id (e.g. ``milk-whole-gal``); ``item_name`` and ``unit`` are
for people and ignored on import. ``avoid_vendors`` holds vendor names separated by ``;``.
Exported text cells that a spreadsheet would run as a formula get a leading apostrophe
(stripped again on import); quantities and prices stay numeric cells.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import FileRejectedError
from catalog.intake import read_upload
from catalog.sheets import RawSheet
from catalog.values import BadValue, decimal_text, parse_date
from marketplace.errors import ValidationError
from marketplace.models import Item, RecurringNeed, Site, User
from marketplace.services import needs as needs_service
from marketplace.services.audit import record_event
from marketplace.services.needs import NeedInput, check_need_input
from marketplace.services.scope import scoped_select

COLUMNS = ["item", "item_name", "unit", "quantity", "cadence", "starts_on", "ends_on",
           "max_unit_price", "avoid_vendors", "note", "active"]
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CADENCES = {"every cycle": "every_cycle", "each cycle": "every_cycle", "cycle": "every_cycle",
             "weekly": "weekly", "week": "weekly", "every week": "weekly", "biweekly": "biweekly",
             "every other week": "biweekly", "every 2 weeks": "biweekly", "fortnightly": "biweekly",
             "monthly": "monthly", "month": "monthly", "every month": "monthly"}
_YES = {"", "yes", "y", "true", "1", "active"}
_NO = {"no", "n", "false", "0", "inactive"}


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as typed: a leading apostrophe before formula characters."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(session: Session, actor: User, site_id: int) -> list[dict[str, Any]]:
    names = dict(needs_service.vendor_choices(session, actor))
    out = []
    for need in needs_service.list_needs(session, actor, site_id):
        out.append({
            "item": need.item.slug, "item_name": need.item.name, "unit": need.item.unit,
            "quantity": _plain(need.quantity),
            "cadence": need.cadence.value, "starts_on": need.starts_on, "ends_on": need.ends_on,
            "max_unit_price": None if need.max_unit_price is None else _plain(need.max_unit_price),
            "avoid_vendors": "; ".join(names.get(v, str(v)) for v in need.avoided_vendor_ids),
            "note": need.note, "active": "yes" if need.active else "no"})
    return out


def _plain(value: Decimal) -> Decimal:
    return Decimal(decimal_text(value))  # 40, not 40.0000 or 4E+1


def export_needs_csv(session: Session, actor: User, site_id: int) -> bytes:
    """The site's needs as a UTF-8 CSV (with a byte order mark, for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in _rows(session, actor, site_id):
        writer.writerow([_csv_cell(row[name]) for name in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


def export_needs_xlsx(session: Session, actor: User, site_id: int) -> bytes:
    """The site's needs as an XLSX workbook: numbers as number cells, dates as date cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "needs"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(session, actor, site_id):
        sheet.append([_xlsx_cell(row[name]) for name in COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal | date):
        return value
    return safe_text(str(value))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    removed: int


class NeedsFileError(ValidationError):
    """The file cannot be imported; ``details`` lists ``{"row", "column", "message"}``."""

    def __init__(self, problems: list[dict[str, Any]]):
        count = len(problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the file: nothing was imported.")
        self.details = problems


def import_needs(session: Session, actor: User, site_id: int, data: bytes, filename: str, *,
                 replace: bool = False) -> ImportResult:
    """Create or update the site's needs from a CSV/XLSX file, one need per item; with
    ``replace``, needs of items absent from the file are removed. All or nothing: any bad
    row raises :class:`NeedsFileError` with every problem, row by row."""
    site = needs_service._own_site(session, actor, site_id)
    try:
        sheet = read_upload(data, filename, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    except FileRejectedError as error:
        raise NeedsFileError([{"row": None, "column": None, "message": str(error)}]) from None
    inputs = _parse(session, actor, sheet)
    existing = {n.item_id: n for n in session.scalars(select(RecurringNeed).where(RecurringNeed.site_id == site.id))}
    created = updated = removed = 0
    for data_row in inputs:
        need = existing.pop(data_row.item_id, None)  # type: ignore[arg-type]
        if need is None:
            need = RecurringNeed(organization_id=site.organization_id, site_id=site.id)
            session.add(need)
            created += 1
        else:
            updated += 1
        needs_service.apply_input(need, data_row)
    if replace:
        for need in existing.values():
            session.delete(need)
            removed += 1
    session.flush()
    record_event(session, actor, "needs.imported", site, alliance_id=actor.alliance_id,
                 after={"file": filename[:100], "created": created, "updated": updated, "removed": removed})
    session.commit()
    return ImportResult(created, updated, removed)


def _parse(session: Session, actor: User, sheet: RawSheet) -> list[NeedInput]:
    header = [h.strip().lower() for h in sheet.header]
    problems: list[dict[str, Any]] = []
    for required in ("item", "quantity"):
        if required not in header:
            problems.append({"row": 1, "column": required, "message": f"the {required!r} column is missing"})
    if problems:
        raise NeedsFileError(problems)
    items = {i.slug: i for i in session.scalars(scoped_select(actor, Item))}
    vendors = {name.casefold(): vid for vid, name in needs_service.vendor_choices(session, actor)}
    seen: dict[int, int] = {}
    inputs = []
    for index, cells in enumerate(sheet.rows):
        row = index + 2
        values = {name: (cells[j].strip() if j < len(cells) else "") for j, name in enumerate(header)}
        if not any(values.values()):
            continue
        errors: dict[str, str] = {}
        for j, reason in sheet.cell_errors.get(index, {}).items():
            errors[header[j] if j < len(header) else str(j)] = reason
        if index in sheet.row_errors:
            errors["row"] = sheet.row_errors[index]
        data = _row_input(values, items, vendors, errors)
        if data is not None and data.item_id in seen:
            errors["item"] = f"the item is already on row {seen[data.item_id]}"
        if data is not None:
            for name, message in check_need_input(data).items():
                errors.setdefault(_COLUMN_OF.get(name, name), message)
        if errors:
            problems += [{"row": row, "column": c, "message": m} for c, m in errors.items()]
        elif data is not None:
            seen[data.item_id] = row  # type: ignore[index]
            inputs.append(data)
    if problems:
        raise NeedsFileError(problems)
    return inputs


_COLUMN_OF = {"item_id": "item", "avoided_vendor_ids": "avoid_vendors"}


def _row_input(values: dict[str, str], items: dict[str, Item], vendors: dict[str, int],
               errors: dict[str, str]) -> NeedInput | None:
    """One row as a :class:`NeedInput`; problems go to ``errors`` by column."""
    text = {k: (v[1:] if v.startswith("'") and v[1:].startswith(_FORMULA_START) else v)
            for k, v in values.items()}
    item = items.get(text.get("item", ""))
    if item is None or not item.active:
        errors["item"] = f"unknown item id {text.get('item', '')!r} (see the catalog)"
    quantity = _decimal(text.get("quantity", ""), "quantity", errors)
    price = _decimal(text.get("max_unit_price", ""), "max_unit_price", errors) \
        if text.get("max_unit_price") else None
    cadence = _CADENCES.get(" ".join(text.get("cadence", "").replace("_", " ").lower().split()) or "weekly")
    if cadence is None:
        errors["cadence"] = "write every cycle, weekly, every other week or monthly"
    starts = _date(text.get("starts_on", ""), "starts_on", errors) or needs_service.today()
    ends = _date(text.get("ends_on", ""), "ends_on", errors)
    avoided = []
    for name in filter(None, (p.strip() for p in text.get("avoid_vendors", "").split(";"))):
        if name.casefold() in vendors:
            avoided.append(vendors[name.casefold()])
        else:
            errors["avoid_vendors"] = f"no vendor of the alliance is called {name!r}"
    active = text.get("active", "").lower()
    if active not in _YES | _NO:
        errors["active"] = "write yes or no"
    if item is None or quantity is None:
        return None
    return NeedInput(item_id=item.id, quantity=quantity, cadence=cadence or "weekly", starts_on=starts,
                     ends_on=ends, max_unit_price=price, avoided_vendor_ids=tuple(avoided),
                     note=text.get("note", ""), active=active in _YES)


def _decimal(text: str, column: str, errors: dict[str, str]) -> Decimal | None:
    cleaned = text.replace("$", "").replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        errors[column] = f"not a number: {text!r}"
        return None
    if not value.is_finite():
        errors[column] = f"not a number: {text!r}"
        return None
    return value


def _date(text: str, column: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text[:10] if len(text) > 10 and text[10:].strip(" T0:") == "" else text)
    except BadValue as error:
        errors[column] = str(error)
        return None


def site_filename(site: Site, extension: str) -> str:
    """A download name such as ``needs-sunrise-north.csv`` (ASCII letters, digits, dashes)."""
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in site.name.lower())
    slug = "-".join(filter(None, slug.split("-")))[:60] or f"site-{site.id}"
    return f"needs-{slug}.{extension}"
