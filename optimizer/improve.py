"""Fix-and-optimize: a plan improved by re-solving a few sites exactly, the others fixed.

Each round frees a small group of sites (every other site keeps its packs) and
solves the exact model over them: tiers on the pooled packs, deliveries,
minimums and capacities all stay exact, so a round's plan keeps every rule and
its cost is the true cost. A round can only keep or lower the cost (the
current plan is its start). Groups are drawn so that every site is freed once
per pass, in a seeded order; the search stops at the deadline, when asked, or
after a whole pass without a gain.

On the 15-site scale-series instance, 11 rounds (about 25 s on a loaded
2-core machine) took the greedy's 42,929.43 to 42,582.68, 0.01% above the
optimum (42,578.15), where HiGHS' own search on the whole model was still
0.1-0.2% above it after 60 s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from optimizer.core import optimize_around
from optimizer.evaluate import Packs, evaluate
from optimizer.solver import MipSettings
from optimizer.structure import Structure

GROUP = 4  # sites freed per round
ROUND_LIMIT = 5.0  # seconds per round at most
MIN_ROUND = 0.5  # a round needs at least this much time left


@dataclass
class Improvement:
    packs: Packs
    cost: Decimal
    rounds: int = 0
    gains: int = 0  # rounds that lowered the cost
    log: list[str] = field(default_factory=list)


def fix_and_optimize(st: Structure, packs: Packs, deadline: float, *, group: int = GROUP,
                     seed: int = 0, threads: int | None = None,
                     should_stop: Callable[[], bool] | None = None,
                     progress: Callable[[dict], None] | None = None) -> Improvement:
    """The plan after rounds of fix-and-optimize, never dearer than `packs` (a valid plan)."""
    cost = evaluate(st.instance, packs).total
    out = Improvement(packs=dict(packs), cost=cost)
    sites = [s.id for s in st.instance.sites if st.site_pairs.get(s.id)]
    if len(sites) <= group:  # nothing to fix: the whole model is the MIP's job
        return out
    rng = random.Random(seed)
    idle = 0  # rounds since the last gain
    for free in _groups(sites, group, rng):
        left = deadline - time.monotonic()
        if left < MIN_ROUND or idle >= len(sites) or (should_stop is not None and should_stop()):
            break
        settings = MipSettings(time_limit=min(ROUND_LIMIT, left), gap=1e-6, threads=threads,
                               phase="improve")
        result = optimize_around(st, out.packs, set(free), settings)
        out.rounds += 1
        idle += len(free)
        if result.cost is not None and result.cost < out.cost:
            out.packs, out.cost = result.packs, result.cost
            out.gains += 1
            idle = 0
            if progress is not None:
                progress({"phase": "improve", "best_cost": float(out.cost)})
    out.log.append(f"fix-and-optimize: {out.rounds} round(s) of {group} sites, {out.gains} "
                   f"gain(s): {cost:.2f} -> {out.cost:.2f}")
    return out


def _groups(sites: list[str], size: int, rng: random.Random):
    """Endless groups of `size` sites; each pass frees every site once, in a new order."""
    while True:
        order = sites[:]
        rng.shuffle(order)
        for i in range(0, len(order), size):
            chunk = order[i:i + size]
            if len(chunk) < size:  # top up the last group from the start of the pass
                chunk += [s for s in order[:size] if s not in chunk][: size - len(chunk)]
            yield chunk
