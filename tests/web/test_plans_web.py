"""The plan review page as the hub reads it: totals, charts, tiers; publishing; comparing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from marketplace.models import CycleStatus
from marketplace.services import approvals, runs
from marketplace.services.run_execution import execute_run
from tests.cycle_factories import make_cycle, make_line
from tests.plan_factories import FAST, build_plan_world, solved_run


@pytest.fixture
def pw(session, world):
    return build_plan_world(session, world)


def minutes(value):
    return value.strftime("%Y-%m-%dT%H:%M")


def test_review_shows_totals_savings_tiers_and_charts(session, world, pw, make_client):
    run = solved_run(session, pw)
    page = make_client(world.hub).get(f"/runs/{run.id}/review")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("$384.02", "$391.52", "$7.50", "(1.9%)", "SECRET-Vendor-P", "$294.02", "Plan supplies",
                 "5 packs from 2 sites reach tier 2", "Deliveries and fees",
                 "Publish for approval"):
        assert text in body, text
    charts = re.findall(r'<svg[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', body)
    assert len(charts) == 3
    assert "<title id=\"chart-savings-title\">Savings per member against buying alone</title>" in body
    assert re.search(r"<title>SECRET-Member-X: \$4\.50</title>", body)
    assert re.search(r"<desc id=\"chart-vendors-desc\">[^<]*SECRET-Vendor-P: \$294\.02", body)
    assert "<script" not in body.split("<main", 1)[1]  # the charts need no script


def test_publish_from_the_review(session, world, pw, make_client):
    run = solved_run(session, pw)
    hub = make_client(world.hub)
    refused = hub.post(f"/runs/{run.id}/publish", {"deadline": minutes(pw.now - timedelta(hours=1)),
                                                   "tolerance": "2"})
    assert refused.status_code == 422 and "must be in the future" in refused.get_data(as_text=True)
    assert pw.cycle.status is CycleStatus.CLOSED
    deadline = pw.now + timedelta(days=2)
    response = hub.post(f"/runs/{run.id}/publish", {"deadline": minutes(deadline), "tolerance": "2"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cycles/{pw.cycle.id}/approvals")
    session.expire_all()
    assert pw.cycle.status is CycleStatus.PUBLISHED and pw.cycle.published_run_id == run.id
    assert pw.cycle.approval_deadline_at.replace(second=0, microsecond=0) == deadline.replace(second=0, microsecond=0)
    again = hub.post(f"/runs/{run.id}/publish", {"deadline": minutes(deadline), "tolerance": "2"})
    assert again.status_code == 302
    assert "already the published plan" in hub.get(again.headers["Location"]).get_data(as_text=True)
    board = hub.get(f"/cycles/{pw.cycle.id}/approvals").get_data(as_text=True)
    assert board.count("Waiting for approval") == 3


def test_infeasible_plan_review_lists_what_cannot_be_met(session, world, pw, make_client):
    run = solved_run(session, pw, options=replace(FAST, excluded_vendor_ids=(pw.vendor_u.id,)))
    body = make_client(world.hub).get(f"/runs/{run.id}/review").get_data(as_text=True)
    assert "No plan keeps every rule" in body and "wipes-p" in body and "Publish for approval" not in body
    response = make_client(world.hub).post(f"/runs/{run.id}/publish", {"deadline": minutes(pw.deadline),
                                                                       "tolerance": "2"})
    assert response.status_code == 409 and "no plan to publish" in response.get_data(as_text=True)


def test_compare_two_runs_side_by_side(session, world, pw, make_client):
    first = solved_run(session, pw)
    second = solved_run(session, pw, options=replace(FAST, excluded_member_ids=(world.member_x.id,)))
    hub = make_client(world.hub)
    page = hub.get(f"/runs/{first.id}/compare?with={second.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Run 1 against run 2" in body
    assert re.search(r"Member Y</td><td class=\"num\">\$77\.92</td><td class=\"num\">\$80\.92</td>"
                     r"<td class=\"num\"><span class=\"delta delta--up\">\+\$3\.00</span>", body)
    assert "not in this run" in body  # member X is not in run 2
    savings_row = re.search(r"<td>Savings</td>.*?</tr>", body, re.S).group(0)
    assert '<span class="delta delta--up">-$7.50</span>' in savings_row  # less saved is bad news, in red
    assert hub.get(f"/runs/{first.id}/compare").status_code == 200  # the newest other run by default
    for junk in ("99999999999", "-1", "abc"):
        assert hub.get(f"/runs/{first.id}/compare?with={junk}").status_code in (200, 404)
    assert hub.get(f"/runs/{first.id}/compare?with=99999999999").status_code == 404
    other = make_cycle(session, world.hub.organization.alliance, status=CycleStatus.OPEN, name="Other cycle",
                       opens_at=pw.now - timedelta(days=3), cutoff_at=pw.now - timedelta(minutes=1),
                       delivery_on=(pw.now + timedelta(days=5)).date())
    make_line(session, other, world.site_y, pw.milk, "8")
    foreign = runs.start_run(session, world.hub, other.id, FAST, now=pw.now)
    execute_run(session, foreign.id, workers=1)
    assert hub.get(f"/runs/{foreign.id}/review").status_code == 200
    assert hub.get(f"/runs/{first.id}/compare?with={foreign.id}").status_code == 404  # another cycle's run


def test_only_the_hub_reviews_and_publishes(session, world, pw, make_client):
    run = solved_run(session, pw)
    for name in ("dx", "vendor", "other_hub"):
        client = make_client(getattr(world, name))
        assert client.get(f"/runs/{run.id}/review").status_code == 404
        assert client.post(f"/runs/{run.id}/publish", {"deadline": minutes(pw.deadline)}).status_code == 404
    session.expire_all()
    assert approvals.current_shares(session, pw.cycle) == [] and pw.cycle.status is CycleStatus.CLOSED
