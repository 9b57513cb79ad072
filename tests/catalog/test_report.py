"""What `check-sheet` prints: the JSON shape, the error table, and exit codes."""

import json
import subprocess
import sys

from catalog import check_file, dumps_report, report_json, report_text, validate_sheet
from catalog.__main__ import main
from tests.catalog.sheetmaker import ITEMS, csv_bytes, raw_sheet, row, rows_to_table

BAD = raw_sheet(row(vendor_sku="A"), row(vendor_sku="B", item="milk-whole-gallon",
                                         tier1_price="free"))


def test_json_has_exactly_the_documented_shape():
    report = report_json(validate_sheet(BAD, ITEMS))
    assert report == {"ok": False, "rows": 2, "errors": [
        {"row": 3, "column": "item", "message": "unknown item 'milk-whole-gallon'; did you "
         "mean 'milk-whole-gal' or 'milk-1pct-gal'?"},
        {"row": 3, "column": "tier1_price", "message": "not a number: 'free'"},
    ]}
    assert json.loads(dumps_report(validate_sheet(BAD, ITEMS))) == report


def test_a_refused_file_is_one_error_on_row_null():
    report = json.loads(dumps_report(check_file(b"%PDF-1.5", "x.pdf")))
    assert report["ok"] is False and report["rows"] == 0
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(None, None)]


def test_clean_sheet_json():
    assert report_json(validate_sheet(raw_sheet(row()))) == {"ok": True, "rows": 1, "errors": []}


def test_text_report_is_a_table_by_row():
    text = report_text(validate_sheet(BAD), "prices.csv")
    lines = text.splitlines()
    assert lines[0] == ("prices.csv: 1 error in 1 of 2 rows; nothing can be imported until "
                        "every error is fixed")
    assert lines[1].split() == ["row", "column", "problem"]
    assert lines[3].split(None, 2) == ["3", "tier1_price", "not a number: 'free'"]
    assert report_text(validate_sheet(raw_sheet(row())), "p.csv") == "p.csv: OK, 1 row, 1 offer"


def test_warnings_follow_the_errors():
    text = report_text(validate_sheet(raw_sheet(row(), header=[*row().keys(), "notes"])), "p")
    assert text.splitlines()[2] == "1 warning:"
    assert "unknown column 'notes'" in text


def _write(tmp_path, table, name="prices.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(table))
    return str(path)


def test_command_exit_codes_and_json(tmp_path, capsys):
    good = _write(tmp_path, rows_to_table([row()]))
    bad = _write(tmp_path, rows_to_table([row(pack_size="0")]), "bad.csv")
    assert main(["check", good]) == 0
    assert capsys.readouterr().out.startswith("prices.csv: OK, 1 row")
    assert main(["check", bad, "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["errors"] == [{"row": 2, "column": "pack_size",
                                  "message": "must be greater than 0 (got '0')"}]
    assert main(["check", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read missing.csv" in capsys.readouterr().out


def test_python_dash_m_catalog_runs(tmp_path):
    bad = _write(tmp_path, rows_to_table([row(tier1_price="12.3.4")]))
    done = subprocess.run([sys.executable, "-m", "catalog", "check", bad, "--json"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 1
    assert json.loads(done.stdout)["errors"][0]["column"] == "tier1_price"
