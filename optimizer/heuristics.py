"""A constructive plan: greedy by landed cost, then repair. Used as the MIP start.

`construct_start(instance)` returns whole packs per (site id, offer id). It keeps
rules 1 and 2 for every demand it covers, and tries hard to keep rules 3 and 5
(minimum order quantities, capacities, vendor minimums, max vendors per site);
what it cannot keep it leaves uncovered rather than break. The plan is a start
for the solver, never returned to a user unchecked.

How: offers are priced at the tier their predicted pooled volume reaches. Each
site then chooses its vendors and options at those prices (`optimizer.siteplan`).
Pooled volumes are recomputed and the sites re-plan until the cost settles.
Offers whose pooled volume stays below their minimum are dropped, capacities are
shed from the sites that buy least, and those sites re-plan.

Prices here are float estimates for ranking choices only; no amount leaves this module.
"""

from __future__ import annotations

import math
from collections import defaultdict

from optimizer.instance import Instance, Offer
from optimizer.siteplan import Option, SitePlan, options_for

SCENARIOS = (1.0, 0.3, 0.0)  # predicted volume: this share of every possible buyer
ROUNDS = 4  # price -> plan -> pooled volume rounds, at most
SETTLED = 1e-4  # stop the rounds when one gains less than this share of the cost
REPAIRS = 6  # minimum-quantity / capacity repair rounds


def construct_start(instance: Instance, starts: int | None = None) -> dict[tuple[str, str], int]:
    """A plan that keeps the rules as far as a greedy can: (site id, offer id) -> packs > 0.

    `starts` price scenarios are tried (volume predicted from every site that may buy
    an offer, then from a fraction of it); the plan covering most demands at least
    estimated cost wins. Default: 2, or 1 above 20,000 (site, demand) options.
    """
    planner = _Planner(instance)
    if starts is None:
        starts = 2 if planner.size <= 20_000 else 1
    best, best_key = {}, None
    for scale in SCENARIOS[: max(1, starts)]:
        planner.reset(scale)
        packs = planner.run()
        key = (-planner.covered(), planner.cost_estimate())
        if best_key is None or key < best_key:
            best, best_key = packs, key
    return best


class _Planner:
    def __init__(self, inst: Instance):
        self.inst = inst
        self.offers = inst.offer_by_id
        self.banned: set[tuple[str, str]] = set()  # (site, offer) no longer usable
        self.dropped: set[str] = set()  # offers no longer usable anywhere
        self.terms = {v.id: (_number(v.min_order, 0.0), _number(v.free_delivery_over, math.inf),
                             float(v.delivery_fee)) for v in inst.vendors}
        self.options = {s.id: self._site_options(s.id) for s in inst.sites}
        self.size = sum(len(opts) for by_item in self.options.values()
                        for opts in by_item.values())
        self.optimistic = self._optimistic_volume()
        self.volume: dict[str, float] = {}
        self.choice: dict[str, dict[str, Option]] = {}

    def reset(self, scale: float) -> None:
        self.banned.clear()
        self.dropped.clear()
        self.choice = {}
        self.volume = {o: v * scale for o, v in self.optimistic.items()}

    def covered(self) -> int:
        return sum(len(chosen) for chosen in self.choice.values())

    def cost_estimate(self) -> float:
        """The plan's cost by rules 4-6 (exact tiers, fees), as a float for comparing plans."""
        goods = sum(float(self.offers[o].cost(int(n))) for o, n in self._pooled().items())
        floors: dict[tuple[str, str], float] = defaultdict(float)
        for site, chosen in self.choice.items():
            for option in chosen.values():
                for vendor, value in option.floors.items():
                    floors[(site, vendor)] += value
        fees = 0.0
        for (_, vendor), value in floors.items():
            _, free_over, fee = self.terms[vendor]
            fees += fee if value < free_over - 1e-9 else 0.0
        return goods + fees

    # ---- options -------------------------------------------------------
    def _site_options(self, site: str) -> dict[str, list[Option]]:
        out = {}
        for demand in self.inst.demands_by_site.get(site, ()):
            bounds = self.inst.coverage_bounds(site, demand.item)
            offers = [o for o in self.inst.allowed_offers(site, demand.item)
                      if o.max_packs != 0]
            if bounds is None or not offers:
                continue
            out[demand.item] = options_for(demand.item, bounds, offers)
        return out

    def _usable(self, site: str, option: Option) -> bool:
        return all(o not in self.dropped and (site, o) not in self.banned
                   for o, _ in option.parts)

    def _optimistic_volume(self) -> dict[str, float]:
        """Packs each offer would pool if every site that may take it did."""
        volume: dict[str, float] = defaultdict(float)
        for by_item in self.options.values():
            for option in (o for opts in by_item.values() for o in opts if len(o.parts) == 1):
                volume[option.parts[0][0]] += option.parts[0][1]
        return volume

    # ---- prices --------------------------------------------------------
    def unit_price(self, offer_id: str) -> float:
        """Estimated price per pack at the predicted pooled volume."""
        offer = self.offers[offer_id]
        packs = max(int(self.volume.get(offer_id, 0)), offer.moq)
        if offer.max_packs is not None:
            packs = min(packs, offer.max_packs)
        return float(offer.cost(packs)) / packs if packs > 0 else float(offer.tiers[0].price)

    # ---- the rounds ----------------------------------------------------
    def run(self) -> dict[tuple[str, str], int]:
        """Rounds of planning at predicted prices until the plan's cost settles, then repairs."""
        last = math.inf
        for _ in range(ROUNDS):
            self._plan_sites(self.options)
            self.volume = self._pooled()
            cost = self.cost_estimate()
            if cost > last * (1 - SETTLED):
                break
            last = cost
        for _ in range(REPAIRS):
            touched = self._repair_pooled()
            if not touched:
                break
            self._plan_sites({s: self.options[s] for s in touched})
            self.volume = self._pooled()
        return self._packs()

    def _plan_sites(self, sites: dict[str, dict[str, list[Option]]]) -> None:
        prices = {o: self.unit_price(o) for o in self.offers}
        limit = self.inst.options.max_vendors_per_site
        for site, by_item in sites.items():
            usable = {item: [o for o in opts if self._usable(site, o)]
                      for item, opts in by_item.items()}
            plan = SitePlan(self.terms, limit, usable, prices)
            self.choice[site] = plan.solve(self.choice.get(site))

    def _pooled(self) -> dict[str, float]:
        pooled: dict[str, float] = defaultdict(float)
        for (_, offer_id), packs in self._packs().items():
            pooled[offer_id] += packs
        return pooled

    def _users(self, offer_id: str) -> list[tuple[str, int]]:
        return [(site, n) for site, chosen in self.choice.items()
                for option in chosen.values() for o, n in option.parts if o == offer_id]

    def _repair_pooled(self) -> set[str]:
        """Drop offers below their minimum, shed capacity overflows; the sites to re-plan."""
        touched: set[str] = set()
        for offer_id, packs in self.volume.items():
            offer = self.offers[offer_id]
            if 0 < packs < offer.moq:
                self.dropped.add(offer_id)
                touched.update(site for site, _ in self._users(offer_id))
            elif offer.max_packs is not None and packs > offer.max_packs:
                touched.update(self._shed(offer, int(packs)))
        return touched

    def _shed(self, offer: Offer, packs: int) -> set[str]:
        """Ban the offer at its smallest users until the rest fit its capacity."""
        users = sorted(self._users(offer.id), key=lambda u: (u[1], u[0]))
        shed = set()
        for site, n in users:
            if packs <= offer.max_packs:
                break
            self.banned.add((site, offer.id))
            shed.add(site)
            packs -= n
        return shed

    def _packs(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = defaultdict(int)
        for site, chosen in self.choice.items():
            for option in chosen.values():
                for offer_id, packs in option.parts:
                    out[(site, offer_id)] += packs
        return {k: v for k, v in out.items() if v > 0}


def _number(value, default: float) -> float:
    return default if value is None else float(value)
