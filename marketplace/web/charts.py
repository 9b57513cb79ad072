"""Horizontal bar charts drawn on the server as inline SVG (no script, no external asset).

:func:`bar_chart` turns labelled amounts into the geometry ``templates/plans/_charts.html``
draws; every bar also carries its label and value as text, so the chart reads without sight.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
LABEL_W = 200
VALUE_W = 110
ROW_H = 26
BAR_H = 16
MAX_ROWS = 30


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: int
    y: int
    width: Decimal
    text_y: int


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    label_w: int
    value_x: int
    omitted: int = 0


def format_cents(cents: int) -> str:
    """Integer cents as dollars: 123456 -> $1,234.56, -5 -> -$0.05."""
    return f"{'-' if cents < 0 else ''}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, int]], *, description: str = "") -> BarChart:
    """Bars for ``rows`` of (label, cents), largest first, scaled to the largest; negative
    amounts draw no bar. At most :data:`MAX_ROWS` rows (the rest is counted in ``omitted``)."""
    ordered = sorted(rows, key=lambda r: (-r[1], r[0].lower()))
    shown = ordered[:MAX_ROWS]
    top = max((value for _, value in shown), default=0)
    area = WIDTH - LABEL_W - VALUE_W
    bars = []
    for i, (label, value) in enumerate(shown):
        width = Decimal(0) if top <= 0 or value <= 0 else (Decimal(value) * area / top).quantize(Decimal("0.1"))
        y = 4 + i * ROW_H
        bars.append(Bar(_short(label), format_cents(value), LABEL_W, y, max(width, Decimal(0)),
                        y + BAR_H - 3))
    return BarChart(chart_id, title, description or title, bars, WIDTH, 8 + len(bars) * ROW_H, LABEL_W,
                    WIDTH - VALUE_W + 8, omitted=len(ordered) - len(shown))


def _short(label: str, limit: int = 26) -> str:  # 26 characters fit left of the bars at font size 13
    return label if len(label) <= limit else label[: limit - 1] + "…"
