"""A run's figures, worked out once per process: they are the plan's to the cent, they follow
the stored content (never another run's), and the pages that use them leave the run's
megabytes of JSON in the database."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from sqlalchemy import event, inspect

from marketplace.models import OptimizationRun
from marketplace.models.runs import sha256_of
from marketplace.services import plan_figures, plans, shares
from marketplace.services.paging import LazyRows, paginate_list
from tests.plan_factories import build_plan_world, published, share_of, solved_run

TEXTS = {"instance_json", "plan_json", "solver_log"}


@pytest.fixture
def pw(session, world):
    return build_plan_world(session, world)


def test_figures_are_the_plans_to_the_cent(session, world, pw):
    run = solved_run(session, pw)
    plan = json.loads(run.plan_json)
    figures = plan_figures.plan_figures(run)
    cents = plan_figures.cents
    assert (figures.total_cents, figures.standalone_cents, figures.savings_cents) == (
        cents(plan["total_cost"]), cents(plan["standalone_cost"]), cents(plan["savings"]))
    assert [(m.member, m.cost_cents, m.standalone_cents, m.savings_cents) for m in figures.members] == [
        (m["member"], cents(m["cost"]), cents(m["standalone_cost"]), cents(m["savings"])) for m in plan["members"]]
    assert figures.purchase_orders == {po["vendor"]: cents(po["total"]) for po in plan["purchase_orders"]}
    for vendor, spend in figures.vendor_spend.items():  # each vendor's goods and fees are its order
        assert spend.goods_cents + spend.fees_cents == figures.purchase_orders[vendor]
    goods, fees = defaultdict(int), defaultdict(int)
    for x in plan["lines"]:
        goods[x["site"]] += cents(x["amount"])
    for d in plan["deliveries"]:
        fees[d["site"]] += cents(d["fee"])
    assert {s: (v.goods_cents, v.fees_cents) for s, v in figures.site_spend.items()} == {
        s: (goods[s], fees[s]) for s in goods.keys() | fees.keys()}
    assert sum(s.goods_cents + s.fees_cents for s in figures.site_spend.values()) == run.total_cents
    assert sum(c.goods_cents for c in figures.category_spend.values()) == sum(goods.values())
    assert figures.line_count == len(plan["lines"]) == sum(len(g) for g in figures.lines_by_site.values())


def test_figures_follow_the_stored_content_not_the_run_id(session, world, pw):
    run = solved_run(session, pw)
    first = plan_figures.plan_figures(run)
    assert plan_figures.plan_figures(run) is first  # worked out once
    assert run.plan_sha256 == sha256_of(run.plan_json) and run.instance_sha256 == sha256_of(run.instance_json)
    plan = json.loads(run.plan_json)
    plan["members"][0]["cost"] = "1.00"
    run.plan_json = json.dumps(plan)  # another content (as another database's run of the same id would have)
    assert run.plan_sha256 == sha256_of(run.plan_json)
    changed = plan_figures.plan_figures(run)
    assert changed is not first and changed.members[0].cost_cents == 100
    assert first.members[0].cost_cents != 100


def test_review_and_share_pages_leave_the_runs_texts_unloaded(session, world, pw):
    run = published(session, pw)
    plans.plan_review(session, world.hub, run.id)  # the figures are made once
    share_id = share_of(session, pw, world.member_x).id
    session.expunge_all()
    review = plans.plan_review(session, world.hub, run.id)
    detail = shares.share_detail(session, world.dx, share_id)
    assert review.lines and detail.lines and any(x.alone_price for x in detail.lines)
    for loaded in (review.run, detail.share.run):
        assert TEXTS <= inspect(loaded).unloaded


def test_a_warm_review_selects_none_of_the_texts(session, world, pw, engine, make_client):
    run = solved_run(session, pw)
    hub = make_client(world.hub)
    assert hub.get(f"/runs/{run.id}/review").status_code == 200
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        for path in (f"/runs/{run.id}/review", f"/runs/{run.id}", f"/cycles/{pw.cycle.id}"):
            assert hub.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert selects and not [s for s in selects if "instance_json" in s or "plan_json" in s]
    assert sum("solver_log" in s for s in selects) == 1  # the run page shows the log


def test_lazy_rows_make_only_the_page_read():
    made: list[int] = []
    rows = LazyRows(range(1000), lambda i: made.append(i) or i * 2)
    page = paginate_list(rows, 3, 200)
    assert (page.rows[0], page.rows[-1], page.total, page.pages) == (800, 1198, 1000, 5)
    assert made == list(range(400, 600))
    assert LazyRows([1, 2], lambda i: i) == [1, 2] and len(rows) == 1000


def test_a_run_without_digests_is_still_read(session, world, pw):
    run = solved_run(session, pw)
    expected = plan_figures.plan_figures(run)
    texts = run.instance_json, run.plan_json
    session.expunge(run)
    bare = OptimizationRun(id=run.id, cycle_id=run.cycle_id, number=run.number)
    bare.instance_json, bare.plan_json = texts
    bare.instance_sha256 = bare.plan_sha256 = None  # rows written before the digests existed
    figures = plan_figures.plan_figures(bare)
    assert figures is not expected and figures == expected


def test_the_reviews_kept_tables_follow_renamed_sites_and_members(session, world, pw, make_client):
    from marketplace.web import plans as plan_pages

    run = solved_run(session, pw)
    hub = make_client(world.hub)
    first = hub.get(f"/runs/{run.id}/review").get_data(as_text=True)
    assert "Site Q" in first.split('id="sites"', 1)[1] and "Member Q" in first
    review = plans.plan_review(session, world.hub, run.id)
    assert plan_pages.review_tables(review) is plan_pages.review_tables(review)  # rendered once
    pw.site_q.name, pw.member_q.name = "Site Q, renamed", "Member Q, renamed"
    session.flush()
    second = hub.get(f"/runs/{run.id}/review").get_data(as_text=True)
    by_site, members = second.split('id="sites"', 1)[1], second.split('id="members"', 1)[1]
    assert "Site Q, renamed" in by_site and "Member Q, renamed" in members
    assert "Site Q<" not in by_site
