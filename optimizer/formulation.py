"""The pooled-order MIP in PuLP: one `_add_*` function per constraint family.

Notation (only inside this module): x[s,o] whole packs of offer o for site s;
per offer with tiers, z[o,t] picks the tier segment reached by the pooled packs
and q[o,t] carries those packs (a disaggregated multiple-choice formulation,
tight for both discount kinds); y[s,v] a delivery, w[s,v] its waived fee.
Bounds come from presolve (`structure.py`), so no big-M is ever larger than
what a site could actually take of an offer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pulp import (
    LpAffineExpression,
    LpBinary,
    LpConstraint,
    LpConstraintEQ,
    LpConstraintGE,
    LpConstraintLE,
    LpContinuous,
    LpInteger,
    LpMinimize,
    LpProblem,
    LpVariable,
)

from optimizer.evaluate import Packs
from optimizer.structure import Segment, Structure


@dataclass
class Formulation:
    """A built model and the maps from the domain to its variables."""

    prob: LpProblem
    structure: Structure
    x: dict[tuple[str, str], LpVariable] = field(default_factory=dict)
    y: dict[tuple[str, str], LpVariable] = field(default_factory=dict)
    w: dict[tuple[str, str], LpVariable] = field(default_factory=dict)
    z: dict[tuple[str, int], LpVariable] = field(default_factory=dict)
    q: dict[tuple[str, int], LpVariable] = field(default_factory=dict)
    v: dict[tuple[str, str, int], LpVariable] = field(default_factory=dict)
    site_offers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    segments: dict[str, list[Segment]] = field(default_factory=dict)  # offers priced by tiers
    thresholds: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # w's floor value
    cost: list[tuple[LpVariable, float]] = field(default_factory=list)
    split_sites: bool = False  # tier segments per site as well as on the pool
    cover: dict[tuple[str, str], LpConstraint] = field(default_factory=dict)
    rounding_cuts: bool = True  # mixed-integer rounding of the cover rows
    pack_floors: bool = True  # a site's only offer of an item gets the packs it needs as floor

    def packs(self) -> Packs:
        """The whole packs of the solution held in the variables."""
        out = {}
        for key, var in self.x.items():
            value = var.varValue
            if value is not None and value > 0.5:
                out[key] = int(round(value))
        return out

    def complete(self, packs: Packs) -> dict[LpVariable, float] | None:
        """Every variable's value implied by packs (None if they break MOQ or capacity).

        The cheapest values for the packs, decided exactly as rules 4 and 5 decide them:
        a delivery wherever a pack arrives (even of free goods), its fee waived when its
        floor value, summed in decimals, reaches the threshold.
        """
        values: dict[LpVariable, float] = {var: 0.0 for var in self.prob.variables()}
        pooled: dict[str, int] = defaultdict(int)
        floor: dict[tuple[str, str], Decimal] = defaultdict(Decimal)  # keys: deliveries
        offers = self.structure.instance.offer_by_id
        for key, n in packs.items():
            if not n:
                continue
            if key not in self.x:
                return None
            values[self.x[key]] = float(n)
            offer = offers[key[1]]
            pooled[key[1]] += n
            floor[(key[0], offer.vendor)] += offer.floor_price * n
        for offer_id, segs in self.segments.items():
            n = pooled.get(offer_id, 0)
            if not n:
                continue
            seg = next((s for s in segs if s.lo <= n <= s.hi), None)
            if seg is None:
                return None
            values[self.z[(offer_id, seg.tier)]] = 1.0
            if self.split_sites:
                for key in self.site_offers[offer_id]:
                    values[self.v[(key[0], offer_id, seg.tier)]] = float(packs.get(key, 0))
            else:
                values[self.q[(offer_id, seg.tier)]] = float(n)
        for key, var in self.y.items():
            values[var] = 1.0 if key in floor or var.lowBound == 1 else 0.0
        for key, var in self.w.items():
            waived = key in floor and floor[key] >= self.thresholds[key]
            values[var] = 1.0 if waived else 0.0
        return values

    def objective_at(self, values: dict[LpVariable, float]) -> float:
        return sum(coef * values.get(var, 0.0) for var, coef in self.cost)


def build(st: Structure, *, sites: Iterable[str] | None = None,
          prices: dict[str, Decimal] | None = None, name: str = "pooled",
          split_sites: bool = False, rounding_cuts: bool = True,
          elastic: bool = False) -> Formulation:
    """Build the MIP for the presolved instance.

    `sites` restricts the model to some sites. `prices` prices every offer
    linearly at a fixed price per pack and drops the pooled rules (minimum
    order quantity, capacity): a per-site relaxation used for bounds and starts.
    `elastic` leaves out what forces coverage beyond the cover rows (rounding
    cuts, pack floors), so that slack on those rows can leave demands unmet.
    """
    model = Formulation(LpProblem(name, LpMinimize), st, split_sites=split_sites,
                        rounding_cuts=rounding_cuts and not elastic, pack_floors=not elastic)
    keep = None if sites is None else list(dict.fromkeys(sites))  # ordered: same model each run
    pairs = (list(st.ub) if keep is None
             else [k for s in keep for k in st.site_pairs.get(s, ())])
    _add_packs(model, pairs)
    _add_coverage(model, keep)
    if prices is None:
        _add_tiers(model)
    else:
        model.cost.extend((var, float(prices[o])) for (_, o), var in model.x.items())
    _add_deliveries(model)
    model.prob.setObjective(LpAffineExpression(model.cost))
    return model


def _con(model: Formulation, pairs, sense, rhs: float, name: str) -> LpConstraint:
    con = LpConstraint(LpAffineExpression(pairs), sense, name, rhs)
    model.prob.addConstraint(con)
    return con


def _add_packs(model: Formulation, pairs: list[tuple[str, str]]) -> None:
    """x[s,o] in [lb, ub]: ub from the overbuy bound; lb where o is the site's only offer."""
    add = model.prob.add_variable
    st = model.structure
    offers = st.instance.offer_by_id
    for n, (site, offer) in enumerate(pairs):
        item = offers[offer].item
        low = 0
        if model.pack_floors and len(st.offers_at[(site, item)]) == 1:
            low = math.ceil(st.need[(site, item)][0] / offers[offer].pack_size)
        model.x[(site, offer)] = add(f"x{n}({site},{offer})", low, st.ub[(site, offer)],
                                     LpInteger)


def _add_coverage(model: Formulation, keep: list[str] | None) -> None:
    st = model.structure
    offers = st.instance.offer_by_id
    keys = (st.offers_at if keep is None
            else [(s, i) for s in keep for i in st.site_items.get(s, ())])
    for site, item in keys:
        offer_ids = st.offers_at[(site, item)]
        if not offer_ids:
            continue
        q, upper = st.need[(site, item)]
        terms = [(model.x[(site, o)], float(offers[o].pack_size)) for o in offer_ids]
        most = sum(offers[o].pack_size * st.ub[(site, o)] for o in offer_ids)
        if q == upper:
            model.cover[(site, item)] = _con(model, terms, LpConstraintEQ, float(q),
                                             f"cover[{site},{item}]")
            continue
        # One pack at least as large as the need covers it: coefficients above q are cut to q.
        tight = [(model.x[(site, o)], float(min(offers[o].pack_size, q))) for o in offer_ids]
        model.cover[(site, item)] = _con(model, tight, LpConstraintGE, float(q),
                                         f"cover[{site},{item}]")
        if model.rounding_cuts:
            _add_rounding_cuts(model, site, item, q, offer_ids)
        if most > upper:
            _con(model, terms, LpConstraintLE, float(upper), f"overbuy[{site},{item}]")


def _add_rounding_cuts(model: Formulation, site: str, item: str, q: Decimal,
                       offer_ids: list[str]) -> None:
    """Mixed-integer rounding of the cover row, once per pack size as divisor.

    From sum(a_o x_o) >= q with whole packs x_o: for a divisor d with
    f = frac(q/d) > 0, sum((floor(a_o/d) + min(frac(a_o/d), f)/f) x_o) >= ceil(q/d).
    Fractions of big packs stop covering needs in the relaxation.
    """
    offers = model.structure.instance.offer_by_id
    sizes = {o: min(offers[o].pack_size, q) for o in offer_ids}
    for d in sorted(set(sizes.values())):
        b = q / d
        f = b - math.floor(b)
        if f == 0:
            continue
        terms = []
        for o, a in sizes.items():
            ratio = a / d
            coef = math.floor(ratio) + min(ratio - math.floor(ratio), f) / f
            terms.append((model.x[(site, o)], float(coef)))
        _con(model, terms, LpConstraintGE, float(math.ceil(b)), f"rounding[{site},{item},{d}]")


def _add_tiers(model: Formulation) -> None:
    st = model.structure
    by_offer: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in model.x:
        by_offer[key[1]].append(key)
    for offer_id, keys in by_offer.items():
        segs = st.segments[offer_id]
        offer = st.instance.offer_by_id[offer_id]
        model.site_offers[offer_id] = keys
        xs = [model.x[k] for k in keys]
        if len(segs) == 1 and segs[0].lo <= 1:
            model.cost.extend((var, float(segs[0].price)) for var in xs)
            if offer.max_packs is not None and sum(st.ub[k] for k in keys) > offer.max_packs:
                _con(model, [(v, 1.0) for v in xs], LpConstraintLE, float(offer.max_packs),
                     f"capacity[{offer_id}]")
            continue
        model.segments[offer_id] = segs
        if model.split_sites:
            _add_site_segments(model, offer_id, segs, keys)
        else:
            _add_segments(model, offer_id, segs, xs)


def _add_segments(model: Formulation, offer_id: str, segs: list[Segment], xs: list) -> None:
    """Multiple-choice tier segments on the pooled packs: z picks one, q carries the packs."""
    add = model.prob.add_variable
    pool = [(v, -1.0) for v in xs]
    choice = []
    for seg in segs:
        z = add(f"z({offer_id},{seg.tier})", 0, 1, LpBinary)
        q = add(f"q({offer_id},{seg.tier})", 0, seg.hi, LpContinuous)
        model.z[(offer_id, seg.tier)], model.q[(offer_id, seg.tier)] = z, q
        pool.append((q, 1.0))
        choice.append((z, 1.0))
        _add_segment_range(model, offer_id, seg, z, [(q, 1.0)])
        model.cost.append((q, float(seg.price)))
        if seg.intercept:
            model.cost.append((z, float(seg.intercept)))
    _con(model, pool, LpConstraintEQ, 0.0, f"pooled[{offer_id}]")
    _con(model, choice, LpConstraintLE, 1.0, f"one_tier[{offer_id}]")


def _add_segment_range(model: Formulation, offer_id: str, seg: Segment, z, pooled) -> None:
    _con(model, [*pooled, (z, -float(seg.lo))], LpConstraintGE, 0.0,
         f"tier_min[{offer_id},{seg.tier + 1}]")
    _con(model, [*pooled, (z, -float(seg.hi))], LpConstraintLE, 0.0,
         f"tier_max[{offer_id},{seg.tier + 1}]")


def _add_site_segments(model: Formulation, offer_id: str, segs: list[Segment],
                       keys: list[tuple[str, str]]) -> None:
    """Tier segments with each site's packs split by tier: v[s,o,t] <= ub[s,o] * z[o,t]."""
    add = model.prob.add_variable
    st = model.structure
    split = {k: [(model.x[k], -1.0)] for k in keys}
    choice = []
    for seg in segs:
        z = add(f"z({offer_id},{seg.tier})", 0, 1, LpBinary)
        model.z[(offer_id, seg.tier)] = z
        choice.append((z, 1.0))
        pooled = []
        for k in keys:
            top = min(st.ub[k], seg.hi)
            v = add(f"v({k[0]},{offer_id},{seg.tier})", 0, top, LpContinuous)
            model.v[(k[0], offer_id, seg.tier)] = v
            split[k].append((v, 1.0))
            pooled.append((v, 1.0))
            model.cost.append((v, float(seg.price)))
            _con(model, [(v, 1.0), (z, -float(top))], LpConstraintLE, 0.0,
                 f"tier_site[{k[0]},{offer_id},{seg.tier + 1}]")
        _add_segment_range(model, offer_id, seg, z, pooled)
        if seg.intercept:
            model.cost.append((z, float(seg.intercept)))
    for k, terms in split.items():
        _con(model, terms, LpConstraintEQ, 0.0, f"by_tier[{k[0]},{offer_id}]")
    _con(model, choice, LpConstraintLE, 1.0, f"one_tier[{offer_id}]")


def _add_deliveries(model: Formulation) -> None:
    st = model.structure
    inst = st.instance
    limit = inst.options.max_vendors_per_site
    by_site: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for site, offer_id in model.x:
        by_site[site][inst.offer_by_id[offer_id].vendor].append(offer_id)
    for site, vendors in by_site.items():
        crowded = limit is not None and len(vendors) > limit
        required = st.required_vendors(site)
        for vendor_id, offer_ids in vendors.items():
            _add_delivery(model, site, vendor_id, offer_ids, crowded, vendor_id in required)
        if crowded:
            _con(model, [(model.y[(site, v)], 1.0) for v in vendors], LpConstraintLE,
                 float(limit), f"max_vendors[{site}]")


def _add_delivery(model: Formulation, site: str, vendor_id: str, offer_ids: list[str],
                  crowded: bool, required: bool) -> None:
    st = model.structure
    vendor = st.instance.vendor_by_id[vendor_id]
    offers = st.instance.offer_by_id
    minimum = vendor.min_order or Decimal(0)
    threshold = vendor.free_delivery_over
    always_free = threshold is not None and threshold <= minimum
    charged = vendor.delivery_fee > 0 and not always_free
    if not (charged or minimum > 0 or crowded):
        return
    key = (site, vendor_id)
    y = model.prob.add_variable(f"y({site},{vendor_id})", 1 if required else 0, 1, LpBinary)
    model.y[key] = y
    for o in offer_ids:
        _con(model, [(model.x[(site, o)], 1.0), (y, -float(st.ub[(site, o)]))], LpConstraintLE,
             0.0, f"delivery[{site},{o}]")
    floor = [(model.x[(site, o)], float(offers[o].floor_price)) for o in offer_ids]
    if minimum > 0:
        _con(model, [*floor, (y, -float(minimum))], LpConstraintGE, 0.0,
             f"min_order[{site},{vendor_id}]")
    if not charged:
        return
    model.cost.append((y, float(vendor.delivery_fee)))
    if threshold is None or threshold > st.max_floor(site, vendor_id):
        return
    w = model.prob.add_variable(f"w({site},{vendor_id})", 0, 1, LpBinary)
    model.w[key] = w
    model.thresholds[key] = threshold
    model.cost.append((w, -float(vendor.delivery_fee)))
    _con(model, [(w, 1.0), (y, -1.0)], LpConstraintLE, 0.0, f"waiver[{site},{vendor_id}]")
    _con(model, [*floor, (w, -float(threshold))], LpConstraintGE, 0.0,
         f"free_delivery[{site},{vendor_id}]")
