"""The clean-row fast path never disagrees with the careful, cell-by-cell path."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import catalog.validation
from catalog import RawSheet, validate_sheet
from tests.catalog.sheetmaker import GOOD, ITEMS
from tests.catalog.strategies import offer_rows

COLUMNS = [*GOOD, "tier3_min_packs", "tier3_price"]
ODD = ["", " ", "#N/A", "#DIV/0!", "#hash", "0", "-1", "abc", "=1+1", "@x", "+3", "1,23",
       "12.3.4", "2026-02-30", "2026-01-01", "$5", "1e3", "١٢", "lb", "qt", "crate", "Crate",
       "incremental", "1", "100", "5000", "99999999999", "a\x07b", "1.5", "14.80", "15.96",
       "milk-whole-gal", "MILK-WHOLE-GAL", "crayons-crate", "x" * 70]


@st.composite
def messy_rows(draw):
    cells, _offer = draw(offer_rows("SKU", 2))
    row = {name: cells.get(name, "") for name in COLUMNS}
    for name in draw(st.lists(st.sampled_from(COLUMNS), max_size=4)):
        row[name] = draw(st.sampled_from(ODD))
    return [row[name] for name in COLUMNS]


def _careful_only(sheet, items):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalog.validation, "quick_offer", lambda *args: None)
        return validate_sheet(sheet, items)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(messy_rows(), min_size=1, max_size=4), st.booleans())
def test_fast_and_careful_paths_agree(rows, with_catalog):
    sheet = RawSheet(tuple(COLUMNS), [list(r) for r in rows])
    items = ITEMS if with_catalog else None
    assert validate_sheet(sheet, items) == _careful_only(sheet, items)


def test_the_fast_path_is_actually_taken_for_clean_rows(monkeypatch):
    calls = []
    careful = catalog.validation._careful
    monkeypatch.setattr(catalog.validation, "_careful",
                        lambda *args: calls.append(1) or careful(*args))
    sheet = RawSheet(tuple(GOOD), [list(GOOD.values()), ["B", "milk-whole-gal"] + ["0"] * 11])
    result = validate_sheet(sheet, ITEMS)
    assert len(result.offers) == 1 and len(calls) == 1
