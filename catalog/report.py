"""Showing a `SheetResult`: a plain-text error table and the JSON shape of `check-sheet --json`."""

from __future__ import annotations

import json
from typing import Any

from catalog.records import RowError, SheetResult


def report_json(result: SheetResult) -> dict[str, Any]:
    """Exactly `{"ok": bool, "rows": N, "errors": [{"row": R, "column": C, "message": M}]}`.

    `row` is the spreadsheet row (header = 1, first data row = 2; null for the
    whole file), `column` the canonical column name or null, and `message`
    includes any suggestion ("unknown item 'milk'; did you mean 'milk-whole-gal'?").
    """
    return {
        "ok": result.ok,
        "rows": result.rows,
        "errors": [
            {"row": e.row, "column": e.column, "message": e.full_message}
            for e in result.errors
        ],
    }


def dumps_report(result: SheetResult) -> str:
    """`report_json` as one line of JSON."""
    return json.dumps(report_json(result), ensure_ascii=False)


def report_text(result: SheetResult, name: str = "sheet") -> str:
    """A summary line, the error table (row, column, problem), then the warnings."""
    if result.ok:
        lines = [f"{name}: OK, {result.rows} row{_s(result.rows)}, "
                 f"{len(result.offers)} offer{_s(len(result.offers))}"]
    else:
        bad = len(result.rejected_rows)
        lines = [f"{name}: {len(result.errors)} error{_s(len(result.errors))}"
                 + (f" in {bad} of {result.rows} row{_s(result.rows)}" if result.rows else "")
                 + "; nothing can be imported until every error is fixed"]
        lines += _table(result.errors)
    if result.warnings:
        lines += ["", f"{len(result.warnings)} warning{_s(len(result.warnings))}:"]
        lines += _table(result.warnings)
    return "\n".join(lines)


def _table(problems: tuple[RowError, ...]) -> list[str]:
    cells = [("row", "column", "problem")]
    cells += [("file" if p.row is None else str(p.row), p.column or "", p.full_message)
              for p in problems]
    width_row = max(len(c[0]) for c in cells)
    width_col = max(len(c[1]) for c in cells)
    out = []
    for index, (row, column, message) in enumerate(cells):
        out.append(f"{row:>{width_row}}  {column:<{width_col}}  {message}".rstrip())
        if index == 0:
            out.append(f"{'-' * width_row}  {'-' * width_col}  {'-' * 7}")
    return out


def _s(count: int) -> str:
    return "" if count == 1 else "s"
