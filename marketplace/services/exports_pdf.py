"""The PDF writer of :class:`~marketplace.services.exports.Document` (reportlab).

Text goes through the same neutralisation as the spreadsheets (a table copied out of the PDF
into a spreadsheet stays inert) and is escaped for reportlab's paragraph markup, so a name
like ``<b>`` or ``&`` prints as typed.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from marketplace.services.exports import Document, Kind, money_label, percent_text, safe_text
from marketplace.services.exports import Table as DataTable

_NUMERIC = (Kind.MONEY, Kind.PERCENT, Kind.COUNT, Kind.DECIMAL)


def write_pdf(document: Document) -> bytes:
    """The document as a PDF: title, facts, tables (header repeated on each page), notes."""
    wide = any(len(table.columns) > 6 for table in document.tables)
    out = io.BytesIO()
    page = landscape(letter) if wide else letter
    pdf = SimpleDocTemplate(out, pagesize=page, title=document.title, author="SharedBuy",
                            leftMargin=0.7 * inch, rightMargin=0.7 * inch,
                            topMargin=0.7 * inch, bottomMargin=0.7 * inch)
    styles = getSampleStyleSheet()
    small = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=8.5, leading=10.5)
    story: list[Any] = [Paragraph(_markup(document.title), styles["Title"])]
    if document.subtitle:
        story.append(Paragraph(_markup(document.subtitle), styles["Heading3"]))
    if document.facts:
        rows = [[Paragraph(_markup(fact.label), small), _display(fact.value, fact.kind)]
                for fact in document.facts]
        facts = Table(rows, colWidths=[2.8 * inch, 1.8 * inch], hAlign="LEFT")
        facts.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"),
                                   ("FONTNAME", (1, 0), (1, -1), "Helvetica-Bold"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
        story += [Spacer(1, 8), facts]
    for table in document.tables:
        story += [Spacer(1, 14), Paragraph(_markup(table.title), styles["Heading2"]),
                  _table(table, small, page[0] - 1.4 * inch)]
    for note in document.notes:
        story += [Spacer(1, 8), Paragraph(_markup(note), styles["BodyText"])]
    pdf.build(story)
    return out.getvalue()


def _table(table: DataTable, style: ParagraphStyle, width: float) -> Table:
    header = [Paragraph(f"<b>{_markup(column.title)}</b>", style) for column in table.columns]
    body = [[_cell(value, column.kind, style) for value, column in zip(row, table.columns, strict=True)]
            for row in [*table.rows, *([table.total] if table.total is not None else [])]]
    weights = [column.width for column in table.columns]
    widths = [width * w / sum(weights) for w in weights]
    flow = Table([header, *body], colWidths=widths, repeatRows=1)
    commands: list[Any] = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                           ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f5f7")]),
                           ("FONTSIZE", (0, 0), (-1, -1), 8.5)]
    for index, column in enumerate(table.columns):
        if column.kind in _NUMERIC:
            commands.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    if table.total is not None:
        commands += [("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
                     ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")]
    flow.setStyle(TableStyle(commands))
    return flow


def _cell(value: Any, kind: Kind, style: ParagraphStyle) -> Any:
    if kind in _NUMERIC:
        return _display(value, kind)
    return Paragraph(_markup(value), style)


def _display(value: Any, kind: Kind) -> str:
    """A value as printed in a table cell (numbers are plain strings, not markup)."""
    if value is None:
        return "\u2013"
    if kind is Kind.MONEY:
        return money_label(value)
    if kind is Kind.PERCENT:
        return f"{percent_text(value)} %"
    if kind is Kind.COUNT:
        return f"{int(value):,}"
    if kind is Kind.DATE:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return safe_text(value)


def _markup(value: Any) -> str:
    return escape(safe_text(value))
