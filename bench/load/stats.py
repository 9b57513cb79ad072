"""Per-page figures of a load run: requests/s, latency percentiles, errors."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from dataclasses import dataclass


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (``p`` in 0-100); NaN for no values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class PageFigures:
    page: str
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors_5xx: int
    errors_other: int


class Recorder:
    """Thread-safe collector of (page, seconds, status) samples; status 0 is a failed connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latencies: dict[str, list[float]] = defaultdict(list)
        self._statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.recording = False

    def add(self, page: str, seconds: float, status: int) -> None:
        if not self.recording:
            return
        with self._lock:
            self._latencies[page].append(seconds)
            self._statuses[page][status] += 1

    def statuses(self) -> dict[str, dict[int, int]]:
        with self._lock:
            return {page: dict(counts) for page, counts in self._statuses.items()}

    def figures(self, window_s: float, order: list[str] | None = None) -> list[PageFigures]:
        """One row per page (in ``order``, then any others), and a last row over every page."""
        with self._lock:
            pages = list(order or []) + sorted(p for p in self._latencies if p not in (order or []))
            rows = [self._row(page, self._latencies.get(page, []), self._statuses.get(page, {}), window_s)
                    for page in pages if page in self._latencies]
            everything = [s for page in pages for s in self._latencies.get(page, [])]
            totals: dict[int, int] = defaultdict(int)
            for page in pages:
                for status, count in self._statuses.get(page, {}).items():
                    totals[status] += count
            rows.append(self._row("all pages", everything, totals, window_s))
        return rows

    @staticmethod
    def _row(page: str, samples: list[float], statuses: dict[int, int], window_s: float) -> PageFigures:
        ordered = sorted(samples)
        ms = [s * 1000 for s in ordered]
        errors_5xx = sum(n for status, n in statuses.items() if status >= 500)
        errors_other = sum(n for status, n in statuses.items() if status != 200 and status < 500)
        return PageFigures(page, len(ordered), len(ordered) / window_s if window_s > 0 else math.nan,
                           percentile(ms, 50), percentile(ms, 95), percentile(ms, 99),
                           ms[-1] if ms else math.nan, errors_5xx, errors_other)


HEADER = ["page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "5xx", "other errors"]


def table_rows(rows: list[PageFigures]) -> list[list[str]]:
    return [[r.page, f"{r.requests:,}", f"{r.per_second:.2f}", f"{r.p50_ms:.0f}", f"{r.p95_ms:.0f}",
             f"{r.p99_ms:.0f}", f"{r.max_ms:.0f}", str(r.errors_5xx), str(r.errors_other)] for r in rows]


def text_table(rows: list[PageFigures]) -> str:
    cells = [HEADER, *table_rows(rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[PageFigures]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for cells in table_rows(rows):
        cells[0] = f"**{cells[0]}**" if cells[0] == "all pages" else cells[0]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
