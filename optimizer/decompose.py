"""Per-site decomposition: a lower bound and a plan for alliances too big for one MIP.

Pricing every offer at a price no higher than the average price per pack it
can ever reach (the envelope price cost(cap)/cap, where cap is the most packs
all the sites together could take; average prices never rise with volume)
under-prices every plan, and with such linear prices the problem separates by
site once minimums and capacities on pooled packs are dropped. The sum of the
per-site optima (their proven bounds) is therefore a valid lower bound.

The per-site plans are also a plan: re-priced at the tiers their pooled
volumes actually reach, repaired where a pooled minimum or capacity breaks,
and re-solved with the new prices while that lowers the true cost.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal

from optimizer.check import check_packs
from optimizer.evaluate import Packs, evaluate
from optimizer.formulation import build
from optimizer.solver import MipSettings, run_mip
from optimizer.structure import Structure

SITE_GAP = 1e-3
SITE_OPTIONS = {"mip_allow_restart": False}  # ~10% less work on small site models
TAIL_FACTOR = 2.0
POOL_MIN_SITES = 24  # below this, sites are solved in this process (spawning costs ~1 s)


@dataclass
class SiteSolution:
    site: str
    packs: Packs
    objective: float  # at the prices it was solved with
    bound: float
    infeasible: bool = False  # the site cannot be served even alone: so neither can the pool


@dataclass
class Decomposition:
    """Best plan found, its exact cost, and the lower bound proven on the way."""

    bound: float | None = None  # None until every site has been solved once
    packs: Packs = field(default_factory=dict)
    cost: Decimal | None = None
    rounds: int = 0
    infeasible_sites: list[str] = field(default_factory=list)
    method: str = "per-site plans"  # what produced the best plan
    log: list[str] = field(default_factory=list)


def envelope_prices(st: Structure) -> dict[str, Decimal]:
    """Per offer, the lowest average price per pack any plan can pay: cost(cap) / cap."""
    offers = st.instance.offer_by_id
    return {o: offers[o].cost(cap) / cap for o, cap in st.cap.items() if cap > 0}


def solve_site(st: Structure, site: str, prices: dict[str, Decimal], banned: frozenset[str],
               time_limit: float, gap: float = SITE_GAP, start: Packs | None = None
               ) -> SiteSolution:
    """One site's cheapest plan at linear prices, with the banned offers left out."""
    model = build(st, sites=[site], prices=prices, name=f"site_{site}")
    for (_, offer), var in model.x.items():
        if offer in banned:
            var.upBound = 0
    settings = MipSettings(time_limit=time_limit, gap=gap, threads=1, phase="decompose",
                           highs_options=SITE_OPTIONS)
    if start and not any(o in banned for _, o in start):
        settings.start = model.complete(start)
    result = run_mip(model, settings)
    if not result.has_solution:
        return SiteSolution(site, {}, float("inf"), result.bound or 0.0,
                            infeasible=result.status == "infeasible")
    bound = result.bound if result.bound is not None else 0.0
    return SiteSolution(site, model.packs(), result.objective, bound)


_WORKER: dict[str, Structure] = {}


def _init_worker(payload: bytes) -> None:
    _WORKER["st"] = pickle.loads(payload)  # noqa: S301 - our own bytes, from the parent


def _solve_chunk(sites: list[str], prices: dict[str, Decimal], banned: dict[str, frozenset],
                 time_limit: float, starts: dict[str, Packs]) -> list[SiteSolution]:
    st = _WORKER["st"]
    return [solve_site(st, s, prices, banned.get(s, frozenset()), time_limit,
                       start=starts.get(s)) for s in sites]


class SiteSolver:
    """Solves many sites at given prices, in worker processes when there are many."""

    def __init__(self, st: Structure, workers: int | None = None, progress=None,
                 should_stop=None):
        self.st = st
        self.progress, self.should_stop, self.last_tick = progress, should_stop, 0.0
        self.deadline: float | None = None
        self.sites = [s.id for s in st.instance.sites if st.site_pairs.get(s.id)]
        count = workers or os.cpu_count() or 1
        self.pool, self.count = None, 1
        if count > 1 and len(self.sites) >= POOL_MIN_SITES:
            payload = pickle.dumps(st, protocol=pickle.HIGHEST_PROTOCOL)
            self.pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker, initargs=(payload,))
            self.count = count

    def solve(self, sites: list[str], prices: dict[str, Decimal],
              banned: dict[str, frozenset], time_limit: float,
              starts: dict[str, Packs] | None = None,
              deadline: float | None = None) -> dict[str, SiteSolution]:
        """Solve the sites; reports progress every ~2 s; stops early when asked or at the
        deadline (then only the sites solved so far come back)."""
        out: dict[str, SiteSolution] = {}
        starts = starts or {}
        self.deadline = deadline
        if self.pool is None or len(sites) < 8:
            for s in sites:
                if self._stopped():
                    break
                out[s] = solve_site(self.st, s, prices, banned.get(s, frozenset()), time_limit,
                                    start=starts.get(s))
                self._tick(len(out), len(sites))
            return out
        size = max(4, len(sites) // (self.count * 8))
        chunks = [sites[i:i + size] for i in range(0, len(sites), size)]
        futures = [self.pool.submit(_solve_chunk, c, prices,
                                    {s: banned[s] for s in c if s in banned}, time_limit,
                                    {s: starts[s] for s in c if s in starts})
                   for c in chunks]
        for future in as_completed(futures):
            out.update((sol.site, sol) for sol in future.result())
            self._tick(len(out), len(sites))
            if self._stopped():
                for f in futures:
                    f.cancel()
                break
        return out

    def _stopped(self) -> bool:
        late = self.deadline is not None and time.monotonic() > self.deadline
        return late or (self.should_stop is not None and self.should_stop())

    def _tick(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.progress is not None and now - self.last_tick >= 2.0:
            self.last_tick = now
            self.progress({"phase": "decompose", "sites_done": done, "sites": total})

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def decompose(st: Structure, deadline: float, *, workers: int | None = None,
              progress: Callable[[dict], None] | None = None,
              should_stop: Callable[[], bool] | None = None,
              seed: Callable[[], Packs] | None = None) -> Decomposition:
    """Lower bound from envelope prices, then re-priced and repaired per-site plans.

    `seed` makes another plan (a constructive heuristic) while the sites are
    solved; if it keeps the rules and is cheaper it becomes the plan the
    re-pricing rounds start from.
    """
    out = Decomposition()
    solver = SiteSolver(st, workers, progress, should_stop)
    helper = ThreadPoolExecutor(1) if seed is not None else None
    try:
        seeded = helper.submit(seed) if helper is not None else None
        run = _Run(st, solver, out, deadline, progress, should_stop)
        if not run.first_pass():
            return out
        run.record(run.repaired())
        if seeded is not None:
            run.consider(seeded.result(), "constructive plan")
        run.refine()
        run.reprice()
    finally:
        solver.close()
        if helper is not None:
            helper.shutdown(cancel_futures=True)
    return out


class _Run:
    """One decomposition: envelope pass (bound and plan), refinement, re-pricing."""

    def __init__(self, st, solver, out, deadline, progress, should_stop):
        self.st, self.solver, self.out, self.deadline = st, solver, out, deadline
        self.progress, self.should_stop = progress, should_stop
        self.prices = envelope_prices(st)
        self.banned: dict[str, frozenset] = {}
        self.failed: set[tuple[str, str]] = set()  # bans that left a site without a plan
        self.lower: dict[str, SiteSolution] = {}  # envelope prices, no bans: the bound
        self.sols: dict[str, SiteSolution] = {}  # the current plan's sites

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def per_site(self, share: float, count: int) -> float:
        """A site's time limit: most sites finish far below it, so it is a few times the
        average the budget allows (the slow tail decides the gap)."""
        fair = share * self.left() * self.solver.count / max(1, count)
        return max(0.3, min(5.0, TAIL_FACTOR * fair))

    def first_pass(self) -> bool:
        sites = self.solver.sites
        self.lower = self.solver.solve(sites, self.prices, {}, self.per_site(0.5, len(sites)))
        if len(self.lower) < len(sites):  # stopped before every site had a plan
            return False
        self.out.infeasible_sites = sorted(s for s, sol in self.lower.items() if sol.infeasible)
        if self.out.infeasible_sites:
            return False
        late = [s for s, sol in self.lower.items() if not sol.packs]
        if late:  # no plan within the site's time: once more, with more time
            self.lower.update(self.solver.solve(late, self.prices, {}, 5.0))
            if any(not self.lower[s].packs for s in late):
                return False
        self.sols = dict(self.lower)
        self.out.bound = sum(s.bound for s in self.lower.values())
        open_gap = sum(s.objective - s.bound for s in self.lower.values())
        self.out.log.append(f"envelope-price bound {self.out.bound:.2f} over {len(sites)} sites "
                            f"(their own gaps add up to {open_gap:.2f})")
        return True

    def repaired(self) -> Packs:
        """Re-solve sites without the offers whose pooled minimum or capacity breaks; a ban
        that leaves a site without any plan is withdrawn and not tried again."""
        while True:
            packs = {k: n for s in self.sols.values() for k, n in s.packs.items()}
            bans = _repair(self.st, packs, self.banned, self.failed)
            if not bans or self._stop():
                return packs
            before = {s: self.banned.get(s, frozenset()) for s in bans}
            for site, offers in bans.items():
                self.banned[site] = before[site] | offers
            starts = {s: self.sols[s].packs for s in bans}
            got = self.solver.solve(sorted(bans), self.prices, self.banned,
                                    self.per_site(0.2, len(bans)), starts)
            for site, offers in bans.items():
                sol = got.get(site)
                if sol is not None and sol.packs:
                    self.sols[site] = sol
                else:
                    self.banned[site] = before[site]
                    self.failed |= {(site, o) for o in offers}

    def record(self, packs: Packs) -> bool:
        cost = evaluate(self.st.instance, packs).total
        self.out.rounds += 1
        self.out.log.append(f"round {self.out.rounds}: plan {cost:.2f}")
        better = self.out.cost is None or cost < self.out.cost
        if better:
            self.out.cost, self.out.packs = cost, packs
            self.out.method = "per-site plans"
        if self.progress is not None:
            self.progress({"phase": "decompose", "best_cost": float(self.out.cost),
                           "bound": self.out.bound})
        return better

    def consider(self, packs: Packs, what: str) -> None:
        if packs and not check_packs(self.st.instance, packs):
            cost = evaluate(self.st.instance, packs).total
            self.out.log.append(f"{what}: {cost:.2f}")
            if self.out.cost is None or cost < self.out.cost:
                self.out.cost, self.out.packs = cost, packs
                self.out.method = what

    def refine(self) -> None:
        """Give the sites with the widest own gap more time (bound and plan both gain)."""
        open_gap = sorted(((s.objective - s.bound, site) for site, s in self.lower.items()),
                          reverse=True)
        worst = [site for g, site in open_gap[: max(1, len(open_gap) // 5)] if g > 1e-6]
        if not worst or self.left() < 2.0 or self._stop():
            return
        starts = {s: self.lower[s].packs for s in worst}
        again = self.solver.solve(worst, self.prices, {}, self.per_site(0.3, len(worst)), starts,
                                  deadline=self.deadline)
        for site, sol in again.items():
            if sol.bound > self.lower[site].bound:
                self.lower[site] = sol
            if site not in self.banned and sol.objective < self.sols[site].objective:
                self.sols[site] = sol
        self.out.bound = sum(s.bound for s in self.lower.values())
        self.out.log.append(f"refined {len(worst)} sites: bound {self.out.bound:.2f}")
        self.record(self.repaired())

    def reprice(self) -> None:
        for _ in range(3):
            if self.left() <= 0 or self._stop():
                return
            new = _reprice(self.st, self.out.packs, self.prices)
            moved = [s for s in self.solver.sites if _touches(self.st, s, self.prices, new)]
            if not moved:
                return
            self.prices = new
            starts = {s: self.sols[s].packs for s in moved}
            got = self.solver.solve(moved, new, self.banned, self.per_site(0.5, len(moved)),
                                    starts, deadline=self.deadline)
            if not got:
                return
            self.sols.update(got)
            if not self.record(self.repaired()):
                return

    def _stop(self) -> bool:
        return self.should_stop is not None and self.should_stop()


def _reprice(st: Structure, packs: Packs, old: dict[str, Decimal]) -> dict[str, Decimal]:
    """Used offers at the average price their pooled packs pay; unused ones unchanged."""
    pooled: dict[str, int] = defaultdict(int)
    for (_, o), n in packs.items():
        pooled[o] += n
    offers = st.instance.offer_by_id
    return {o: (offers[o].cost(pooled[o]) / pooled[o] if pooled.get(o) else p)
            for o, p in old.items()}


def _touches(st: Structure, site: str, old: dict, new: dict) -> bool:
    return any(old[o] != new[o] for _, o in st.site_pairs.get(site, ()))


def _repair(st: Structure, packs: Packs, banned: dict[str, frozenset],
            failed: set[tuple[str, str]]) -> dict[str, set[str]]:
    """New bans, per site: offers below their pooled minimum (at all their buyers) or over
    capacity (at their smallest buyers), never a site's last offer for an item."""
    pooled: dict[str, int] = defaultdict(int)
    buyers: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (site, o), n in packs.items():
        pooled[o] += n
        buyers[o].append((n, site))
    bans: dict[str, set[str]] = defaultdict(set)
    for o, n in pooled.items():
        offer = st.instance.offer_by_id[o]
        if n < offer.moq:
            drop = [s for _, s in buyers[o]]
        elif offer.max_packs is not None and n > offer.max_packs:
            drop, extra = [], n - offer.max_packs
            for m, s in sorted(buyers[o]):
                if extra <= 0:
                    break
                drop.append(s)
                extra -= m
        else:
            continue
        for s in drop:
            others = [x for x in st.offers_at[(s, offer.item)]
                      if x != o and x not in banned.get(s, ()) and x not in bans[s]]
            if others and (s, o) not in failed:
                bans[s].add(o)
    return {s: offers for s, offers in bans.items() if offers}
