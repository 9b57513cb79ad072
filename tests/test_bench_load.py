"""The web load benchmark's arithmetic and its section of the results file (no server, no DB)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from types import SimpleNamespace

from bench.load.results import BEGIN, END, verdict, write_section
from bench.load.seed import Manifest
from bench.load.stats import Recorder, percentile


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([7.0], 99) == 7
    assert percentile([1.0, 2.0, 3.0], 0) == 1


def test_figures_count_errors_by_kind_and_only_while_recording():
    recorder = Recorder()
    recorder.add("page", 0.5, 200)  # before the window: not counted
    recorder.recording = True
    for seconds, status in [(0.1, 200), (0.2, 200), (0.3, 500), (0.4, 302), (0.5, 0)]:
        recorder.add("page", seconds, status)
    recorder.add("other", 0.05, 200)
    page, other, total = recorder.figures(10.0, ["page", "other"])
    assert (page.requests, page.errors_5xx, page.errors_other) == (5, 1, 2)
    assert page.per_second == 0.5 and page.p50_ms == 300 and page.max_ms == 500
    assert other.requests == 1
    assert (total.page, total.requests, total.errors_5xx) == ("all pages", 6, 1)


def _outcome(p95_ms: float) -> dict:
    recorder = Recorder()
    recorder.recording = True
    for _ in range(20):
        recorder.add("director: dashboard", p95_ms / 1000, 200)
    meter = SimpleNamespace(server_pid=1, server_s=0.2, database_s=0.1, client_s=0.05)
    users = [SimpleNamespace(email="hub@x"), SimpleNamespace(email="d@x")]
    return {"rows": recorder.figures(10.0), "logins": [], "window_s": 10.0, "users": users,
            "loads": [1.0, 2.0], "hub_users": 1, "cpu": meter}


def test_verdict_names_the_slow_pages():
    assert "met" in verdict(_outcome(40)["rows"])
    assert "missed on 1 of 1 pages: director: dashboard (900 ms)" in verdict(_outcome(900)["rows"])


def test_the_section_replaces_only_its_own_text(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\n<!-- Other: begin -->\nkeep me\n<!-- Other: end -->\n")
    args = argparse.Namespace(workers=5, threads=1, url=None, think=(0.5, 1.5), warmup=10.0)
    manifest = Manifest("postgresql+psycopg://x/y", "pw", "hub@x", counts={"sites": 300})
    for p95 in (900, 40):
        write_section(_outcome(p95), args, manifest, command="python -m bench.load", when=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
                      python="3.11", failures=[], path=path)
    text = path.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "keep me" in text and "300 sites" in text
    assert "| director: dashboard | 20 | 2.00 | 40 |" in text  # the second run's figures...
    assert "(900 ms)" not in text  # ...replaced the first run's

