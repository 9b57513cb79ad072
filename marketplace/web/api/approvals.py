"""The hub's side of the approvals: who approved, rejected or has not answered the published
plan, and its deadline (directors decide their shares in ``shares.py``)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from marketplace.services import approvals, shares
from marketplace.services.shares import ApprovalBoard
from marketplace.web.api import serialize
from marketplace.web.api.base import (
    api_actor,
    as_datetime,
    body,
    field_value,
    raise_field_errors,
    route,
)
from marketplace.web.helpers import db

TAG = "Approvals"


def board_json(board: ApprovalBoard) -> dict[str, Any]:
    return {"cycle": serialize.cycle(board.cycle), "run_id": board.run.id if board.run else None,
            "run_number": board.run.number if board.run else None, "deadline_passed": board.deadline_passed,
            "counts": board.counts, "total": serialize.money(board.total_cents),
            "rows": [{"share": serialize.share(row.share), "decided_by": row.decided_by or None,
                      "previous_cost": serialize.money(row.previous_cents)} for row in board.rows],
            "left_out": board.left_out, "newer_run_ids": [run.id for run in board.newer_runs],
            "problems": board.problems}


@route("/cycles/<id:cycle_id>/approvals", "GET",
       summary="The approvals board: each member's share of the published plan, who decided, the cost "
               "before the re-run, who was left out, and what still stops finalizing",
       response="ApprovalBoard", roles="hub_manager", tag=TAG)
def approval_board(cycle_id: int) -> Response:
    return jsonify(board_json(shares.approval_board(db(), api_actor(), cycle_id)))


@route("/cycles/<id:cycle_id>/approvals/deadline", "POST",
       summary="Set or move the approval deadline of a published cycle (it must be in the future)",
       body="DeadlineInput", response="Cycle", roles="hub_manager", tag=TAG)
def set_deadline(cycle_id: int) -> Response:
    board = shares.approval_board(db(), api_actor(), cycle_id)  # 404/403 before looking at the body
    data, errors = body(), {}
    deadline = field_value(data, "deadline", as_datetime, errors, required=True)
    raise_field_errors(errors)
    return jsonify(serialize.cycle(approvals.set_approval_deadline(db(), api_actor(), board.cycle.id, deadline)))
