"""The hub's approvals board and deadline, and the re-approval after a re-run (plan world:
without X, Y's apples fall back to 12.00 and Y's share rises from 77.92 to 80.92)."""

from __future__ import annotations

from datetime import timedelta

from marketplace.services.run_execution import execute_run
from tests.api.client import data, iso
from tests.plan_factories import published, share_of, solved_run


def test_board_says_who_decided_and_the_rerun_asks_again_whose_cost_rose(session, world, pw, as_, queue):
    hub, dx, dy, dq = as_(world.hub), as_(world.dx), as_(world.dy), as_(pw.dq)
    first = solved_run(session, pw)
    data(hub.post(f"/api/v1/runs/{first.id}/publish", {"deadline": iso(pw.deadline)}))
    board_url = f"/api/v1/cycles/{pw.cycle.id}/approvals"
    board = data(hub.get(board_url))
    assert (board["run_id"], board["counts"]["pending"], board["deadline_passed"]) == (first.id, 3, False)
    assert [r["share"]["member_name"] for r in board["rows"]] == ["Member Q", "Member Y", "SECRET-Member-X"]
    y_first = share_of(session, pw, world.member_y)
    data(dy.post(f"/api/v1/shares/{y_first.id}/approve"))
    data(dq.post(f"/api/v1/shares/{share_of(session, pw, pw.member_q).id}/approve"))
    x_share = share_of(session, pw, world.member_x)
    data(dx.post(f"/api/v1/shares/{x_share.id}/reject", {"reason": "We found milk cheaper"}))
    board = data(hub.get(board_url))
    rows = {r["share"]["member_name"]: r for r in board["rows"]}
    assert (rows["Member Y"]["share"]["status"], rows["Member Y"]["decided_by"]) == ("approved", world.dy.name)
    assert (rows["SECRET-Member-X"]["share"]["note"], board["counts"]["rejected"]) == ("We found milk cheaper", 1)
    assert any("SECRET-Member-X rejected its share" in p for p in board["problems"])
    assert board["total"] == f"{sum(int(r['share']['cost'].replace('.', '')) for r in board['rows']) / 100:.2f}"

    rerun = data(hub.post(f"/api/v1/cycles/{pw.cycle.id}/rerun", {}), 202)
    assert data(hub.get(board_url))["newer_run_ids"] == [rerun["id"]]
    execute_run(session, rerun["id"], workers=1)
    data(hub.post(f"/api/v1/runs/{rerun['id']}/publish", {"deadline": iso(pw.deadline)}))
    board = data(hub.get(board_url))
    rows = {r["share"]["member_name"]: r for r in board["rows"]}
    assert board["left_out"] == ["SECRET-Member-X"] and set(rows) == {"Member Q", "Member Y"}
    assert (rows["Member Y"]["share"]["status"], rows["Member Y"]["previous_cost"], rows["Member Y"]["share"]["cost"]) \
        == ("pending", "77.92", "80.92"), "a cost 3.9% higher (tolerance 2%) is approved again"
    assert rows["Member Q"]["share"]["status"] == "approved", "an unchanged cost keeps its approval"
    assert "earlier plan" in data(dy.post(f"/api/v1/shares/{y_first.id}/approve"), 409)["message"]
    again = data(dy.post(f"/api/v1/shares/{rows['Member Y']['share']['id']}/approve"))
    assert again["status"] == "approved" and again["run_id"] == rerun["id"]
    assert as_(world.dx).post(f"/api/v1/shares/{x_share.id}/approve").status_code == 409, "X is out of the plan"
    assert data(hub.post(f"/api/v1/cycles/{pw.cycle.id}/finalize"))["cycle"]["status"] == "finalized"


def test_deadline_is_the_hubs_to_move_and_binds_the_directors(session, world, pw, as_):
    hub, dy = as_(world.hub), as_(world.dy)
    url = f"/api/v1/cycles/{pw.cycle.id}/approvals/deadline"
    tomorrow = iso(pw.now + timedelta(days=1))
    unpublished = data(hub.post(url, {"deadline": tomorrow}), 409)
    assert "no approval to wait for" in unpublished["message"]
    published(session, pw)
    pw.cycle.approval_deadline_at = pw.now - timedelta(minutes=5)
    session.flush()
    share = share_of(session, pw, world.member_y)
    late = data(dy.post(f"/api/v1/shares/{share.id}/approve"), 409)
    assert "approval deadline passed" in late["message"]
    assert data(hub.get(f"/api/v1/cycles/{pw.cycle.id}/approvals"))["deadline_passed"] is True
    for bad, message in (({}, "This field is required."), ({"deadline": "Friday"}, None),
                         ({"deadline": iso(pw.now - timedelta(hours=1))}, "The approval deadline must be in the future.")):
        refused = data(hub.post(url, bad), 422)
        assert refused["details"][0]["field"] == "deadline"
        assert message is None or refused["details"][0]["message"] == message
    assert data(dy.post(url, {"deadline": tomorrow}), 403)["error"] == "forbidden"
    assert data(dy.get(f"/api/v1/cycles/{pw.cycle.id}/approvals"), 403)["error"] == "forbidden"
    for outsider in (world.other_hub, world.vendor):
        assert as_(outsider).post(url, {"deadline": tomorrow}).status_code == 404
    moved = data(hub.post(url, {"deadline": tomorrow}))
    assert moved["approval_deadline_at"].startswith((pw.now + timedelta(days=1)).date().isoformat())
    assert data(dy.post(f"/api/v1/shares/{share.id}/approve"))["status"] == "approved"
