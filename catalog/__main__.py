"""`python -m catalog check FILE [--json]`: validate a price sheet without a catalog.

Exit status 0 when the sheet is clean, 1 when anything is wrong (the error
table, or the JSON of `catalog.report.report_json`, is printed), 2 on usage errors.
Item ids and units are not checked against a catalog here (there is none);
the app's import does that.
"""

from __future__ import annotations

import argparse
import sys

from catalog.intake import check_file
from catalog.report import dumps_report, report_text
from catalog.safety import DEFAULT_MAX_BYTES, display_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m catalog",
                                     description="Check vendor price sheets (CSV or XLSX).")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a price sheet; exit 1 if it has errors")
    check.add_argument("file", help="path of the CSV or XLSX file")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                       help=f"refuse larger files (default {DEFAULT_MAX_BYTES})")
    args = parser.parse_args(argv)
    result = check_file(args.file, max_bytes=args.max_bytes)
    if args.json:
        print(dumps_report(result))
    else:
        print(report_text(result, display_name(args.file)))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
