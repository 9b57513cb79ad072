"""Turning stored objects into responses: ``expand[]`` and list pagination."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from stripe_emulator import errors
from stripe_emulator.params import Params
from stripe_emulator.store import Store

MAX_EXPAND_DEPTH = 4


def render(store: Store, obj: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    """A deep copy of ``obj`` with the ``expand`` paths replaced by the objects they name."""
    result = copy.deepcopy(obj)
    for path in expand:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            raise errors.invalid_request(
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property.",
                param="expand",
            )
        _expand(store, result, parts, path)
    return result


def _expand(store: Store, node: Any, parts: list[str], path: str) -> None:
    if isinstance(node, list):
        for item in node:
            _expand(store, item, parts, path)
        return
    if not isinstance(node, dict) or not parts:
        return
    head, rest = parts[0], parts[1:]
    if head not in node:
        raise errors.invalid_request(
            f"This property cannot be expanded ({path}).", param="expand"
        )
    value = node[head]
    if isinstance(value, str):
        target = store.find(value)
        if target is None:
            return  # an id the emulator does not model (txn_, py_...) stays a string
        node[head] = value = copy.deepcopy(target)
    _expand(store, value, rest, path)


def created_filter(params: Params) -> Callable[[dict[str, Any]], bool]:
    """Stripe's ``created`` list filter: an exact timestamp or gt/gte/lt/lte bounds."""
    raw = params.data.get("created")
    if raw is None or raw == "":
        return lambda obj: True
    if isinstance(raw, str):
        exact = params.integer("created")
        return lambda obj: obj["created"] == exact
    bounds = Params(raw).only("gt", "gte", "lt", "lte")
    gt, gte = bounds.integer("gt"), bounds.integer("gte")
    lt, lte = bounds.integer("lt"), bounds.integer("lte")

    def keep(obj: dict[str, Any]) -> bool:
        created = obj["created"]
        return not (
            (gt is not None and created <= gt)
            or (gte is not None and created < gte)
            or (lt is not None and created >= lt)
            or (lte is not None and created > lte)
        )

    return keep


def page(
    store: Store, items: Iterable[dict[str, Any]], params: Params, url: str
) -> dict[str, Any]:
    """One page of a Stripe list (newest first) honouring limit/starting_after/ending_before."""
    rows = list(items)
    limit = params.integer("limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise errors.invalid_value("limit", "This value must be between 1 and 100.")
    after, before = params.text("starting_after"), params.text("ending_before")
    ids = [row["id"] for row in rows]
    if after is not None:
        if after not in ids:
            raise errors.resource_missing("object", after, "starting_after")
        rows = rows[ids.index(after) + 1:]
        window, has_more = rows[:limit], len(rows) > limit
    elif before is not None:
        if before not in ids:
            raise errors.resource_missing("object", before, "ending_before")
        rows = rows[: ids.index(before)]
        window, has_more = rows[-limit:], len(rows) > limit
    else:
        window, has_more = rows[:limit], len(rows) > limit
    expand = [p[len("data."):] for p in params.expand() if p.startswith("data.")]
    return {
        "object": "list",
        "data": [render(store, row, expand) for row in window],
        "has_more": has_more,
        "url": url,
    }


def embedded_list(url: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A sub-list embedded in an object (``transfer.reversals``)."""
    return {
        "object": "list",
        "data": copy.deepcopy(rows[:10]),
        "has_more": len(rows) > 10,
        "total_count": len(rows),
        "url": url,
    }
