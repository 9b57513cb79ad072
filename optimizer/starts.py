"""Start plans for the MIP: the constructive greedy, and plans from per-site decomposition."""

from __future__ import annotations

import time

from optimizer.evaluate import Packs
from optimizer.heuristics import construct_start
from optimizer.structure import Structure


def find_starts(st: Structure, deadline: float) -> list[Packs]:
    """Candidate start plans (possibly breaking rules: the caller keeps the feasible ones)."""
    starts = []
    if time.monotonic() < deadline:
        starts.append(construct_start(st.instance))
    return starts
