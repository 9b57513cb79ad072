"""Reports as exportable documents: the spend report, the grant-ready savings summary and a
vendor's sales, each ready for ``exports.write_csv``/``write_xlsx``/``exports_pdf.write_pdf``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.errors import NotFoundError, PermissionDeniedError
from marketplace.models import Role, User
from marketplace.services.exports import (
    CSV_CONTENT_TYPE,
    PDF_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Column,
    Document,
    Fact,
    Kind,
    Table,
    write_csv,
    write_xlsx,
)
from marketplace.services.exports_pdf import write_pdf
from marketplace.services.reports import (
    CycleRow,
    Figures,
    MemberRow,
    SpendReport,
    cycle_report,
    year_report,
)
from marketplace.services.sales_reports import SalesReport, cycle_sales, year_sales

METHODOLOGY = (
    "Method. Savings are measured against each member buying alone, computed by solving the same "
    "order for each member alone: for every member, the optimizer that plans the pooled order is "
    "run again on that member's own sites and demand lines only, with the same items, vendors, "
    "price sheets, pack sizes, volume tiers, minimum orders and delivery fees, and finds the "
    "cheapest way that member could have bought exactly the same things by itself. A member's "
    "savings are that standalone cost minus what it is charged in the pooled order; charges are "
    "split so that no member ever pays more than it would have alone. Members that could not have "
    "bought alone at all (for example, below every vendor's minimum order) are listed without a "
    "standalone cost and are left out of the savings total and percentage."
)
SHORTAGES = (
    "Short deliveries. When a vendor delivered less than it was ordered, the member is refunded what it "
    "paid for the goods that did not arrive (and the delivery fee when nothing arrived), in proportion to "
    "what it paid that vendor. Spend is what members were charged less these refunds: what they paid for "
    "what they received. Savings are measured on what was received too: a member's cost alone is reduced "
    "in the same proportion as its spend (the cost alone of the shortfall is removed pro rata to its "
    "pooled value), so a shortage lowers the savings in dollars but not the savings percentage."
)
SOURCES = (
    "Sources. Figures come from the plan each purchasing cycle published (prices of the vendors' "
    "price sheets in force when the plan was made), for the members whose share was approved or "
    "is awaiting approval, and from the deliveries reported since. Amounts are in US dollars, after "
    "the refunds for short deliveries."
)
DISCOUNT_NOTE = (
    "Volume discount, by category and vendor: what the same packs would cost at each offer's "
    "first-tier price, minus what the pooled order pays. It shows where pooling reached better "
    "tiers; the savings against buying alone are measured per member."
)

_FIGURE_COLUMNS = (Column("Charged", Kind.MONEY, 14), Column("Refunded", Kind.MONEY, 12),
                   Column("Spend", Kind.MONEY, 14), Column("Cost alone", Kind.MONEY, 14),
                   Column("Savings", Kind.MONEY, 14), Column("Savings %", Kind.PERCENT, 10))
_MEMBER_COLUMNS = (Column("Member", width=36), Column("Cycles", Kind.COUNT, 8), *_FIGURE_COLUMNS)
_CYCLE_COLUMNS = (Column("Cycle", width=30), Column("Delivery", Kind.DATE, 12), *_FIGURE_COLUMNS)


def slug(text: str) -> str:
    """A file-name-safe version of ``text``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "report"


def _figures(f: Figures | SpendReport) -> list[object]:
    return [f.charged_cents, f.refund_cents, f.spend_cents, f.standalone_cents, f.savings_cents, f.savings_percent]


def _member_table(report: SpendReport) -> Table:
    rows = [_member_cells(m) for m in report.members]
    total = ["Total", sum(m.cycles for m in report.members), *_figures(report)]
    return Table("Savings by member", _MEMBER_COLUMNS, rows, total)


def _member_cells(m: MemberRow) -> list[object]:
    return [m.name, m.cycles, *_figures(m)]


def _cycle_table(report: SpendReport) -> Table:
    rows = [_cycle_cells(c) for c in report.cycles]
    return Table("Cycles", _CYCLE_COLUMNS, rows)


def _cycle_cells(c: CycleRow) -> list[object]:
    return [c.cycle.name, c.cycle.delivery_on, *_figures(c)]


def _headline(report: SpendReport) -> list[Fact]:
    alone = report.members_alone_impossible
    facts = [Fact("Alliance", report.alliance_name)]
    if not report.is_alliance:
        facts.append(Fact("Member", report.scope_label))
    facts += [
        Fact("Period", report.period.label),
        Fact("Purchasing cycles", len(report.cycles), Kind.COUNT),
        Fact("Member organizations", len(report.members), Kind.COUNT),
        Fact("Sites served", report.sites, Kind.COUNT),
        Fact("Total charged to members", report.charged_cents, Kind.MONEY),
        Fact("Refunded for short deliveries", report.refund_cents, Kind.MONEY),
        Fact("Spend (charged less refunds)", report.spend_cents, Kind.MONEY),
        Fact("Cost if each member had bought alone what it received", report.standalone_cents, Kind.MONEY),
        Fact("Savings", report.savings_cents, Kind.MONEY),
        Fact("Savings %", report.savings_percent, Kind.PERCENT),
    ]
    if alone:
        facts.append(Fact("Members who could not have bought alone", len(alone), Kind.COUNT))
        facts.append(Fact("Spend of those members", sum(m.spend_cents for m in alone), Kind.MONEY))
    return facts


def _stamp(now: datetime | None) -> str:
    return f"Prepared with SharedBuy on {(now or utcnow()):%B %d, %Y}."


def summary_document(report: SpendReport, *, now: datetime | None = None) -> Document:
    """The grant-ready savings summary: headline figures, the member table, the method."""
    tables = [_member_table(report)]
    if report.period.year is not None:
        tables.append(_cycle_table(report))
    return Document(title=f"Savings from pooled purchasing: {report.scope_label}",
                    subtitle=report.period.label, facts=_headline(report), tables=tables,
                    notes=[METHODOLOGY, SHORTAGES, SOURCES, _stamp(now)], generated_at=now,
                    filename=f"savings-summary-{slug(report.scope_label)}-{slug(report.period.label)}")


def spend_document(report: SpendReport, *, now: datetime | None = None) -> Document:
    """The whole spend report: members, categories, vendors (and cycles for a year)."""
    facts = _headline(report) + [
        Fact("Goods delivered", report.goods_cents, Kind.MONEY),
        Fact("Delivery fees", report.fees_cents, Kind.MONEY),
        Fact("Not delivered (goods and fees, at the orders' prices)", report.short_cents, Kind.MONEY),
        Fact("Volume discount reached", report.discount_cents, Kind.MONEY)]
    if report.adjustment_cents:
        facts.append(Fact("Fair-split adjustment", report.adjustment_cents, Kind.MONEY))
    categories = Table("By category", (
        Column("Category", width=28), Column("Packs", Kind.COUNT, 10), Column("Pooled cost", Kind.MONEY, 14),
        Column("At first-tier prices", Kind.MONEY, 16), Column("Volume discount", Kind.MONEY, 14),
        Column("Discount %", Kind.PERCENT, 10)),
        [[c.name, c.packs, c.goods_cents, c.base_cents, c.discount_cents, c.discount_percent]
         for c in report.categories])
    vendors = Table("By vendor", (
        Column("Vendor", width=28), Column("Goods", Kind.MONEY, 14), Column("Delivery fees", Kind.MONEY, 14),
        Column("Total", Kind.MONEY, 14), Column("Volume discount", Kind.MONEY, 14),
        Column("Not delivered", Kind.MONEY, 14)),
        [[v.name, v.goods_cents, v.fees_cents, v.total_cents, v.discount_cents, v.short_cents]
         for v in report.vendors],
        ["Total", report.goods_cents, report.fees_cents, report.goods_cents + report.fees_cents,
         report.discount_cents, report.short_cents])
    tables = [_member_table(report), categories, vendors]
    if report.period.year is not None:
        tables.append(_cycle_table(report))
    return Document(title=f"Spend and savings: {report.scope_label}", subtitle=report.period.label,
                    facts=facts, tables=tables, notes=[METHODOLOGY, SHORTAGES, DISCOUNT_NOTE, SOURCES, _stamp(now)],
                    generated_at=now,
                    filename=f"spend-{slug(report.scope_label)}-{slug(report.period.label)}")


def sales_document(report: SalesReport, *, now: datetime | None = None) -> Document:
    """A vendor's sales: orders, customers, categories."""
    facts = [Fact("Vendor", report.vendor_name), Fact("Period", report.label),
             Fact("Purchase orders", len(report.orders), Kind.COUNT),
             Fact("Goods", report.goods_cents, Kind.MONEY), Fact("Delivery fees", report.fees_cents, Kind.MONEY),
             Fact("Total ordered", report.total_cents, Kind.MONEY),
             Fact("Short-delivered (refunded)", report.shortage_cents, Kind.MONEY)]
    money = Kind.MONEY
    orders = Table("Purchase orders", (
        Column("Order", width=16), Column("Cycle", width=26), Column("Status", width=14),
        Column("Goods", money, 13), Column("Fees", money, 12), Column("Total", money, 13),
        Column("Short", money, 12)),
        [[o.number, o.cycle.name, o.status.label, o.goods_cents, o.fees_cents, o.total_cents,
          report.shortages.get(o.id, 0)] for o in report.orders],
        ["Total", "", "", report.goods_cents, report.fees_cents, report.total_cents, report.shortage_cents])
    customers = Table("By customer", (
        Column("Member", width=32), Column("Packs", Kind.COUNT, 10), Column("Goods", money, 14),
        Column("Fees", money, 12), Column("Short", money, 12)),
        [[c.name, c.packs, c.goods_cents, c.fees_cents, c.shortage_cents] for c in report.customers])
    categories = Table("By category", (
        Column("Category", width=28), Column("Packs", Kind.COUNT, 10), Column("Goods", money, 14),
        Column("Short", money, 12)),
        [[c.name, c.packs, c.goods_cents, c.shortage_cents] for c in report.categories])
    return Document(title=f"Sales: {report.vendor_name}", subtitle=report.label, facts=facts,
                    tables=[orders, customers, categories], notes=[_stamp(now)], generated_at=now,
                    filename=f"sales-{slug(report.vendor_name)}-{slug(report.label)}")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    data: bytes


WRITERS = {"csv": (write_csv, CSV_CONTENT_TYPE), "xlsx": (write_xlsx, XLSX_CONTENT_TYPE),
           "pdf": (write_pdf, PDF_CONTENT_TYPE)}
WHAT = ("report", "savings-summary")


def export_report(session: Session, actor: User, what: str, fmt: str, *, cycle_id: int | None = None,
                  year: int | None = None) -> ExportFile:
    """One report of a cycle or a year as a file: ``what`` is ``report`` (the spend report, or
    a vendor's sales) or ``savings-summary`` (the grant-ready summary); ``fmt`` csv/xlsx/pdf."""
    if what not in WHAT or fmt not in WRITERS:
        raise NotFoundError()
    if actor.role is Role.VENDOR:
        if what != "report":
            raise PermissionDeniedError("The savings summary is for the hub and members.")
        sales = cycle_sales(session, actor, cycle_id) if cycle_id is not None else year_sales(session, actor, year or 0)
        document = sales_document(sales)
    else:
        report = cycle_report(session, actor, cycle_id) if cycle_id is not None else year_report(session, actor, year or 0)
        document = summary_document(report) if what == "savings-summary" else spend_document(report)
    writer, content_type = WRITERS[fmt]
    return ExportFile(f"{document.filename}.{fmt}", content_type, writer(document))
