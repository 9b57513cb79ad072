"""The needs, cycles and runs pages as directors and the hub use them."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.models import (
    Cycle,
    CycleStatus,
    DemandLine,
    OptimizationRun,
    RecurringNeed,
    RunStatus,
)
from tests.cycle_factories import build_cycle_world, make_need
from tests.factories import build_catalog_world


@pytest.fixture
def cw(session, world):
    return build_catalog_world(session, world)


def test_director_keeps_needs_through_the_pages(session, world, cw, make_client):
    director = make_client(world.dx)
    page = director.get(f"/sites/{world.site_x.id}/needs/new")
    assert page.status_code == 200 and "SECRET-Item whole milk" in page.get_data(as_text=True)
    response = director.post(f"/sites/{world.site_x.id}/needs/new", {
        "item_id": cw.item.id, "quantity": "1,200.5", "cadence": "weekly", "starts_on": "2026-01-05",
        "avoided_vendor_ids": str(world.vendor_org.id), "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    need = session.scalars(select(RecurringNeed)).one()
    assert (need.quantity, need.avoided_vendor_ids) == (Decimal("1200.5"), [world.vendor_org.id])
    bad = director.post(f"/sites/{world.site_x.id}/needs/new", {"item_id": cw.item.id, "quantity": "lots",
                                                                "cadence": "weekly", "starts_on": "2026-01-05"})
    assert bad.status_code == 422 and "Enter a number" in bad.get_data(as_text=True)
    listing = director.get(f"/sites/{world.site_x.id}/needs").get_data(as_text=True)
    assert "1,200.5" in listing and "SECRET-Vendor-V" in listing


def test_bulk_edit_saves_every_row_or_says_which_is_wrong(session, world, cw, make_client):
    need = make_need(session, world.site_x, cw.item, "10")
    director = make_client(world.dx)
    url = f"/sites/{world.site_x.id}/needs/bulk"
    refused = director.post(url, {"need_id": need.id, f"quantity-{need.id}": "-3", f"cadence-{need.id}": "weekly"})
    assert refused.status_code == 422 and "nothing was saved" in refused.get_data(as_text=True)
    saved = director.post(url, {"need_id": need.id, f"quantity-{need.id}": "14", f"cadence-{need.id}": "monthly",
                                f"active-{need.id}": "1"})
    assert saved.status_code == 302
    session.refresh(need)
    assert (need.quantity, need.cadence.value, need.active) == (Decimal("14"), "monthly", True)


def test_needs_download_as_csv_and_xlsx_and_upload_back(session, world, cw, make_client):
    make_need(session, world.site_x, cw.item, "7", note="@SUM(A1)")
    director = make_client(world.dx)
    csv_file = director.get(f"/sites/{world.site_x.id}/needs.csv")
    assert csv_file.mimetype == "text/csv" and "'@SUM(A1)" in csv_file.get_data(as_text=True)
    assert "attachment" in csv_file.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(director.get(f"/sites/{world.site_x.id}/needs.xlsx").data))
    assert book.active["D2"].value == 7
    upload = director.post(f"/sites/{world.site_x.id}/needs/import",
                           {"file": (io.BytesIO(b"item,quantity\r\nnope,1\r\n"), "needs.csv")},
                           content_type="multipart/form-data")
    body = upload.get_data(as_text=True)
    assert upload.status_code == 422 and "unknown item id" in body and "nothing was imported" in body


def test_suggestions_page_adds_weekly_needs(session, world, make_client):
    from tests.factories import make_category, make_item

    food = make_category(session, world.hub.organization.alliance, "food-s", "Food")
    milk = make_item(session, food, "milk-1pct-gal", name="Milk 1%", unit="gal")
    director = make_client(world.dx)
    page = director.get(f"/sites/{world.site_x.id}/needs/suggest")
    assert page.status_code == 200 and "Milk 1%" in page.get_data(as_text=True)
    assert director.post(f"/sites/{world.site_x.id}/needs/suggest", {"item_ids": milk.id}).status_code == 302
    assert session.scalars(select(RecurringNeed.item_id)).all() == [milk.id]


def test_hub_creates_and_opens_a_cycle_then_directors_adjust_until_cutoff(session, world, cw, make_client):
    make_need(session, world.site_x, cw.item, "34")
    hub, director = make_client(world.hub), make_client(world.dx)
    now = datetime.now(UTC)
    fmt = "%Y-%m-%dT%H:%M"
    created = hub.post("/cycles/new", {"name": "December", "opens_at": now.strftime(fmt),
                                       "cutoff_at": (now + timedelta(days=5)).strftime(fmt),
                                       "delivery_on": (now + timedelta(days=9)).date().isoformat(),
                                       "length_days": "28"})
    assert created.status_code == 302, created.get_data(as_text=True)
    cycle = session.scalars(select(Cycle)).one()
    assert hub.post(f"/cycles/{cycle.id}/open").status_code == 302
    lines = director.get(f"/cycles/{cycle.id}/sites/{world.site_x.id}").get_data(as_text=True)
    assert "SECRET-Item whole milk" in lines and "136" in lines  # 34 a week for 4 weeks
    line = session.scalars(select(DemandLine)).one()
    assert director.post(f"/cycles/lines/{line.id}/edit", {"item_id": line.item_id, "quantity": "120"}).status_code == 302
    session.refresh(line)
    assert line.quantity == Decimal("120")
    assert director.post(f"/cycles/{cycle.id}/sites/{world.site_x.id}", {}).status_code == 422
    assert hub.post(f"/cycles/{cycle.id}/close").status_code == 302
    frozen = director.post(f"/cycles/lines/{line.id}/edit", {"item_id": line.item_id, "quantity": "1"})
    assert frozen.status_code == 409 and "frozen" in frozen.get_data(as_text=True)
    session.refresh(line)
    assert line.quantity == Decimal("120")


def test_tiers_page_shows_packs_to_go(session, world, make_client):
    cyc = build_cycle_world(session, world)
    page = make_client(world.dx).get(f"/cycles/{cyc.cycle.id}/tiers").get_data(as_text=True)
    assert "4 packs" in page and "$23.20" in page and "$40.00" in page
    assert "SECRET-Vendor-V" not in page  # directors see what to add, not who sells it


def test_hub_runs_the_optimizer_and_watches_it(session, world, make_client, queue, database_url):
    cyc = build_cycle_world(session, world)
    cyc.cycle.cutoff_at = cyc.now - timedelta(minutes=1)
    cyc.cycle.opens_at = cyc.now - timedelta(days=1)
    session.flush()
    hub = make_client(world.hub)
    assert "Run the optimizer" in hub.get(f"/cycles/{cyc.cycle.id}").get_data(as_text=True)
    started = hub.post(f"/cycles/{cyc.cycle.id}/runs/new", {"time_limit_s": "20", "overbuy_percent": "10",
                                                            "gap_percent": "0.01", "max_vendors_per_site": ""})
    assert started.status_code == 302, started.get_data(as_text=True)
    run = session.scalars(select(OptimizationRun)).one()
    session.refresh(cyc.cycle)
    assert cyc.cycle.status is CycleStatus.CLOSED
    assert run.job_id == "recorded-1" and queue.jobs[0][1] == (database_url, run.id)
    page = hub.get(f"/runs/{run.id}").get_data(as_text=True)
    assert '<progress id="progress-bar"' in page and "runs.js" in page
    progress = hub.get(f"/runs/{run.id}/progress").get_json()
    assert (progress["status"], progress["finished"], progress["phase"]) == ("queued", False, "queued")
    func, args = queue.jobs[0]
    assert func(*args) == "succeeded"  # the job, as a worker would run it
    session.refresh(run)
    done = hub.get(f"/runs/{run.id}/progress").get_json()
    assert done["finished"] and done["total_cents"] == run.total_cents and done["percent"] == 100
    page = hub.get(f"/runs/{run.id}").get_data(as_text=True)
    assert f"${run.total_cents / 100:,.2f}" in page and "Re-run with other options" in page
    plan = json.loads(hub.get(f"/runs/{run.id}/plan.json").data)
    assert plan["status"] == "optimal"
    rerun = hub.get(f"/cycles/{cyc.cycle.id}/runs/new?from={run.id}").get_data(as_text=True)
    assert 'value="20"' in rerun


def test_cancel_from_the_run_page(session, world, make_client, queue):
    cyc = build_cycle_world(session, world)
    cyc.cycle.status = CycleStatus.CLOSED
    session.flush()
    hub = make_client(world.hub)
    hub.post(f"/cycles/{cyc.cycle.id}/runs/new", {"time_limit_s": "20", "overbuy_percent": "10",
                                                  "gap_percent": "0.01"})
    run = session.scalars(select(OptimizationRun)).one()
    assert hub.post(f"/runs/{run.id}/cancel").status_code == 302
    session.refresh(run)
    assert run.status is RunStatus.CANCELLED
    func, args = queue.jobs[0]
    assert func(*args) == "cancelled"


def test_hub_schedules_a_draft_to_open_by_itself(session, world, make_client):
    hub = make_client(world.hub)
    now = datetime.now(UTC)
    fmt = "%Y-%m-%dT%H:%M"
    form = {"name": "January", "opens_at": (now + timedelta(days=1)).strftime(fmt),
            "cutoff_at": (now + timedelta(days=5)).strftime(fmt),
            "delivery_on": (now + timedelta(days=9)).date().isoformat(), "length_days": "28"}
    assert "Open it automatically" in hub.get("/cycles/new").get_data(as_text=True)
    assert hub.post("/cycles/new", form | {"opens_automatically": "y"}).status_code == 302
    cycle = session.scalars(select(Cycle)).one()
    assert cycle.opens_automatically and cycle.status is CycleStatus.DRAFT
    page = hub.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "opens for needs by itself at its opening time" in page
    assert hub.post(f"/cycles/{cycle.id}/edit", form).status_code == 302  # unticked
    session.refresh(cycle)
    assert not cycle.opens_automatically
