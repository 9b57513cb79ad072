"""check-sheet and import-sheet on the command line, on fresh SQLite and PostgreSQL databases."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace import migrate
from marketplace.cli import main
from marketplace.db import make_engine
from marketplace.models import Offer, OfferVersion, OrgKind, PriceSheet, SheetStatus
from tests.conftest import drop_postgres_database, new_database_url
from tests.factories import make_alliance, make_category, make_item, make_organization, sheet_csv

GOOD = [{"vendor_sku": "NS-MILK-4", "item": "milk-whole-gal", "pack_size": 4, "unit": "gal",
         "tier1_min_packs": 1, "tier1_price": "15.96", "tier2_min_packs": 10, "tier2_price": "14.80"},
        {"vendor_sku": "NS-EGGS", "item": "eggs-large-dozen", "pack_size": 15, "unit": "dozen",
         "tier1_min_packs": 1, "tier1_price": "40.00"}]


def sheet_file(tmp_path, rows, name="prices.csv"):
    path = tmp_path / name
    path.write_bytes(sheet_csv(rows))
    return str(path)


def test_check_sheet_exit_codes_table_and_exact_json(tmp_path):
    runner = CliRunner()
    clean = runner.invoke(main, ["check-sheet", sheet_file(tmp_path, GOOD)])
    assert clean.exit_code == 0 and "OK, 2 rows" in clean.output
    bad_rows = [{**GOOD[0], "tier1_price": "abc"}, {**GOOD[1], "pack_size": "0", "item": "anything-goes"}]
    bad = sheet_file(tmp_path, bad_rows, "bad.csv")
    table = runner.invoke(main, ["check-sheet", bad])
    assert table.exit_code == 1
    assert "  2  tier1_price  not a number: 'abc'" in table.output and "3  pack_size" in table.output
    as_json = runner.invoke(main, ["check-sheet", bad, "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.output) == {"ok": False, "rows": 2, "errors": [
        {"row": 2, "column": "tier1_price", "message": "not a number: 'abc'"},
        {"row": 3, "column": "pack_size", "message": "must be greater than 0 (got '0')"}]}
    missing = runner.invoke(main, ["check-sheet", str(tmp_path / "nope.csv"), "--json"])
    assert missing.exit_code == 1 and json.loads(missing.output)["errors"][0]["row"] is None


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def cli_database(request, tmp_path_factory, monkeypatch):
    """A fresh migrated database with a catalog and one vendor; yields (url, vendor id)."""
    url = new_database_url(request.param, tmp_path_factory, "catalogcli")
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        alliance = make_alliance(session, "CLI Alliance")
        food = make_category(session, alliance)
        make_item(session, food, "milk-whole-gal", unit="gal")
        make_item(session, food, "eggs-large-dozen", unit="dozen")
        vendor_id = make_organization(session, alliance, OrgKind.VENDOR, "North Star Dairy").id
        session.commit()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("SHAREDBUY_ENV", raising=False)
    yield engine, vendor_id
    engine.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


def test_import_sheet_all_or_nothing_then_versions(cli_database, tmp_path):
    engine, vendor_id = cli_database
    runner = CliRunner()
    bad = sheet_file(tmp_path, [GOOD[0], {**GOOD[1], "item": "eggs-large", "unit": "lb"}], "bad.csv")
    refused = runner.invoke(main, ["import-sheet", "--vendor", str(vendor_id), bad])
    assert refused.exit_code == 1
    assert re.search(r"^ +3  item +unknown item 'eggs-large'; did you mean 'eggs-large-dozen'\?$", refused.output, re.M)
    with Session(engine) as session:
        assert session.scalar(select(func.count(Offer.id))) == 0
        assert session.scalar(select(PriceSheet.status)) is SheetStatus.INVALID

    first = runner.invoke(main, ["import-sheet", "--vendor", "North Star Dairy", sheet_file(tmp_path, GOOD)])
    assert first.exit_code == 0, first.output
    assert "OK, 2 rows, 2 offers stored" in first.output and "Activated as version 1" in first.output
    cheaper = [{**GOOD[0], "tier1_price": "14.36", "tier2_price": "13.50"}]
    second = runner.invoke(main, ["import-sheet", "--vendor", str(vendor_id), "--no-activate",
                                  sheet_file(tmp_path, cheaper, "cheaper.csv")])
    assert second.exit_code == 0
    assert "0 price(s) up, 1 down, 0 new SKU(s), 1 dropped" in second.output and "not activated" in second.output
    with Session(engine) as session:
        assert session.scalar(select(func.count(OfferVersion.id))) == 1
        assert session.scalar(select(PriceSheet.status).where(PriceSheet.filename == "cheaper.csv")) is (
            SheetStatus.VALIDATED)
    unknown = runner.invoke(main, ["import-sheet", "--vendor", "999999", sheet_file(tmp_path, GOOD)])
    assert unknown.exit_code == 1 and "No vendor has the id 999999" in unknown.output
