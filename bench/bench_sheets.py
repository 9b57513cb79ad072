"""Price-sheet intake at scale: a 100,000-row sheet as CSV and XLSX, read and validated.

    python -m bench.bench_sheets                      # 100,000 rows, 3 runs per format
    python -m bench.bench_sheets --rows 20000 --runs 1 --no-results

Each run happens in a fresh child process, which reports the time to read
(safety checks + parsing) and to validate against the catalog, and its peak
resident memory (VmHWM, which includes the interpreter, pandas and openpyxl),
plus its CPU time: on a shared machine wall-clock time includes waiting for a
CPU. Imports are warmed up before timing. The figures are the median over the
runs; they are printed and written into bench/RESULTS.md between this
benchmark's own markers (other sections are left as they are). Storing the
offers is measured separately, with a database.

The sheet: items and units are the staples catalog (`catalog/reference`), pack
sizes its typical packs, prices its 2026 base prices with synthetic vendor
markups and synthetic tier breakpoints ("synthetic tiers on real base prices").
About a third of the rows spell units, prices and numbers the way people type
them ("Gallons", "$1,234.50", " 12 "), so the tolerant parsing is exercised.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HEADER = ["vendor_sku", "item", "description", "pack_size", "unit", "discount",
          "tier1_min_packs", "tier1_price", "tier2_min_packs", "tier2_price",
          "tier3_min_packs", "tier3_price", "tier4_min_packs", "tier4_price",
          "max_packs", "valid_from", "valid_to"]
# other spellings of an item's unit, with how many of them one item unit holds
ALTERNATES = {
    "gal": [("Gallons", 1), ("qt", 4)],
    "lb": [("lbs", 1), ("oz", 16)],
    "dozen": [("dz", 1), ("each", 12)],
    "each": [("ea", 1), ("EA", 1)],
    "oz": [("ounces", 1)],
}
BREAKS = (1, 10, 40, 150)
STEPS = (Decimal(1), Decimal("0.97"), Decimal("0.94"), Decimal("0.91"))
TARGET_ROWS_PER_S = 20_000
TARGET_PEAK_BYTES = 1 << 30
RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "### Price-sheet intake (catalog)"
BEGIN = "<!-- Price-sheet intake: begin -->"
END = "<!-- Price-sheet intake: end -->"


def _money(value: Decimal, rng: random.Random) -> str:
    text = str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))
    style = rng.random()
    if style < 0.2:
        return f"${value:,.2f}"
    if style < 0.3:
        return f" {text} "
    return text


def sheet_rows(count: int, seed: int = 7) -> list[list[object]]:
    """Header and `count` data rows; numbers as strings, as a CSV holds them."""
    from catalog.reference import load_staples

    rng = random.Random(seed)
    staples = load_staples()
    rows: list[list[object]] = [list(HEADER)]
    for index in range(count):
        staple = staples[index % len(staples)]
        pack = rng.choice(staple.pack_sizes)
        unit, per = (staple.unit, 1)
        if rng.random() < 0.3 and staple.unit in ALTERNATES:
            unit, per = rng.choice(ALTERNATES[staple.unit])
        pack_price = staple.base_price_2026 * pack * Decimal(rng.randint(105, 135)) / 100
        depth = rng.randint(1, 4)
        cells: list[object] = [
            f"V{seed}-{index:06d}", staple.id, f"{staple.name}, pack of {pack} {staple.unit}",
            str(pack * per), unit, rng.choice(["all_units", "all_units", "incremental", ""]),
        ]
        for k in range(4):
            cells += ([str(BREAKS[k]), _money(pack_price * STEPS[k], rng)] if k < depth
                      else ["", ""])
        cells += [str(rng.choice([500, 2000, 10000])) if rng.random() < 0.5 else "",
                  "2026-01-01", "2026-12-31" if rng.random() < 0.7 else ""]
        rows.append(cells)
    return rows


def write_csv(rows: list[list[object]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\r\n").writerows(rows)


def write_xlsx(rows: list[list[object]], path: Path) -> None:
    """A workbook with number cells for numbers and its dimension saved, as Excel saves it.

    openpyxl's write-only mode omits the `<dimension>` element that Excel, LibreOffice
    and XlsxWriter write; openpyxl's reader then parses the whole sheet once more just
    to size it, so we add the element as those tools would.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Prices")
    for index, cells in enumerate(rows):
        sheet.append(cells if index == 0 else [_as_cell(c) for c in cells])
    raw = io.BytesIO()
    book.save(raw)
    ref = f"A1:{get_column_letter(len(rows[0]))}{len(rows)}".encode()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<sheetData>", b'<dimension ref="' + ref + b'"/>'
                                          b"<sheetData>", 1)
            out.writestr(info.filename, content)


def _as_cell(text: object) -> object:
    value = str(text).strip()
    plain = value.lstrip("$").replace(",", "")
    if plain.isdigit():
        return int(plain)
    if plain.replace(".", "", 1).isdigit():
        return float(plain)
    return value


def catalog_items() -> dict[str, tuple[str, str]]:
    from catalog.reference import load_staples

    return {s.id: (s.unit, s.name) for s in load_staples()}


def child(path: str) -> dict[str, object]:
    """One measured run in this process: read, then validate against the catalog."""
    import openpyxl  # noqa: F401  (warm imports: not part of the timing)
    import pandas  # noqa: F401

    from catalog import read_upload, validate_sheet

    items = catalog_items()
    data = Path(path).read_bytes()
    before = peak_rss()
    cpu = time.process_time()
    started = time.perf_counter()
    sheet = read_upload(data, path, max_bytes=len(data) + 1)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    result = validate_sheet(sheet, items)
    validate_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    peak = peak_rss()
    return {"rows": result.rows, "offers": len(result.offers), "errors": len(result.errors),
            "read_s": read_s, "validate_s": validate_s, "cpu_s": cpu_s, "baseline_bytes": before,
            "peak_bytes": peak, "bytes": len(data)}


def peak_rss() -> int:
    """This process's peak resident memory in bytes.

    Linux's VmHWM belongs to the current address space, so it starts afresh at exec;
    `ru_maxrss` would carry the parent's peak over into the child.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(path: Path, runs: int) -> dict[str, float]:
    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-m", "bench.bench_sheets", "--child", str(path)],
                              capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout))
    first = results[0]
    if first["errors"] or first["offers"] != first["rows"]:
        raise SystemExit(f"the generated sheet should be clean: {first}")
    total = [r["read_s"] + r["validate_s"] for r in results]
    return {
        "rows": first["rows"], "bytes": first["bytes"], "runs": runs,
        "read_s": statistics.median(r["read_s"] for r in results),
        "validate_s": statistics.median(r["validate_s"] for r in results),
        "total_s": statistics.median(total),
        "cpu_s": statistics.median(r["cpu_s"] for r in results),
        "rows_per_s": first["rows"] / statistics.median(total),
        "cpu_rows_per_s": first["rows"] / statistics.median(r["cpu_s"] for r in results),
        "peak_bytes": statistics.median(r["peak_bytes"] for r in results),
        "baseline_bytes": statistics.median(r["baseline_bytes"] for r in results),
    }


def report(figures: dict[str, dict[str, float]], command: str) -> str:
    mib = 1024 * 1024
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [SECTION, "", f"Measured {stamp} with `{command}` (median of "
             f"{figures['csv']['runs']} runs per format, each in a fresh process; validated "
             "against the staples catalog; storage is measured separately with the database).",
             "",
             "| format | rows | file | read | validate | rows/s (wall) | CPU time | rows/s (CPU) "
             "| peak RSS | RSS before | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for kind, f in figures.items():
        target = (f">= {TARGET_ROWS_PER_S:,} rows/s" if kind == "csv" else "measured only")
        lines.append(
            f"| {kind} | {f['rows']:,} | {f['bytes'] / mib:.1f} MiB | {f['read_s']:.2f} s | "
            f"{f['validate_s']:.2f} s | {f['rows_per_s']:,.0f} | {f['cpu_s']:.2f} s | "
            f"{f['cpu_rows_per_s']:,.0f} | "
            f"{f['peak_bytes'] / mib:,.0f} MiB "
            f"| {f['baseline_bytes'] / mib:,.0f} MiB | {target}, peak < 1 GiB |")
    wall_ok = figures["csv"]["rows_per_s"] >= TARGET_ROWS_PER_S
    cpu_ok = figures["csv"]["cpu_rows_per_s"] >= TARGET_ROWS_PER_S
    peak_ok = all(f["peak_bytes"] < TARGET_PEAK_BYTES for f in figures.values())
    lines += ["", f"CSV rate target: {'met' if wall_ok else 'NOT met'} in wall-clock time, "
              f"{'met' if cpu_ok else 'NOT met'} in CPU time; peak memory target "
              f"{'met' if peak_ok else 'NOT met'}. Machine: {_machine()} (load average at the "
              "end of the runs: with a load above the CPU count, wall-clock time includes "
              "waiting for a CPU, and the CPU-time rate is what one free core delivers).", "",
              "Reading XLSX is openpyxl's read-only parser; the benchmark's workbook holds "
              "inline strings, as openpyxl writes them, and the `<dimension>` element Excel "
              "writes (without it openpyxl parses the sheet twice).", ""]
    return "\n".join(lines)


def _machine() -> str:
    import os
    import platform

    return f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"


def write_results(section: str) -> None:
    """Replace this benchmark's block of RESULTS.md (between its markers), keeping the rest."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    start, end = text.find(BEGIN), text.find(END)
    if start >= 0 and end > start:
        text = text[:start] + block + text[end + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-results", action="store_true", help="do not edit RESULTS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    command = "python -m bench.bench_sheets" + (
        f" --rows {args.rows}" if args.rows != 100_000 else "") + (
        f" --runs {args.runs}" if args.runs != 3 else "")
    with tempfile.TemporaryDirectory() as folder:
        rows = sheet_rows(args.rows, args.seed)
        paths = {"csv": Path(folder) / "prices.csv", "xlsx": Path(folder) / "prices.xlsx"}
        write_csv(rows, paths["csv"])
        write_xlsx(rows, paths["xlsx"])
        del rows
        figures = {kind: measure(path, args.runs) for kind, path in paths.items()}
    section = report(figures, command)
    print(section)
    if not args.no_results:
        write_results(section)
        print(f"written to {RESULTS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
