"""Plain-language explanations: why an instance has no plan, and which rules cost money."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from decimal import Decimal

from pulp import (
    LpAffineExpression,
    LpBinary,
    LpConstraint,
    LpConstraintEQ,
    LpConstraintGE,
    LpConstraintLE,
)

from optimizer.decompose import envelope_prices
from optimizer.evaluate import Packs, evaluate
from optimizer.formulation import build
from optimizer.instance import Instance
from optimizer.solver import MipSettings, run_mip
from optimizer.structure import Structure, analyse

CENT = Decimal("0.01")


def presolve_reasons(st: Structure) -> list[str]:
    """What presolve already knows cannot be met, with the removals that caused it."""
    reasons = list(st.unmet.values()) + list(st.site_problems.values())
    if any("ruled out" in r for r in st.unmet.values()):
        reasons += st.removed
    return reasons


def explain_infeasible(st: Structure, time_limit_s: float,
                       sites: list[str] | None = None) -> list[str]:
    """Why the full model has no solution although every demand has some usable offer.

    Solves an elastic model (of the given sites only, when some are known to be
    unable to buy even alone) that may leave demands unmet, as few as possible,
    and explains each unmet demand with the rule that blocks it.
    """
    unmet = _fewest_unmet(st, time_limit_s, sites)
    if not unmet:
        return ["the demands cannot all be met together: vendor minimums, capacities and the "
                "limit on vendors per site conflict"]
    return [_why_unmet(st, site, item) for site, item in unmet]


def _fewest_unmet(st: Structure, time_limit_s: float,
                  sites: list[str] | None) -> list[tuple[str, str]]:
    # Sites that cannot buy even alone: their own model, without pooled rules, explains it.
    prices = None if sites is None else envelope_prices(st)
    model = build(st, name="elastic", sites=sites, prices=prices, elastic=True)
    prob = model.prob
    slack = {}
    penalty = 10.0 * (1.0 + sum(abs(c) for _, c in model.cost))
    for (site, item), con in model.cover.items():
        u = prob.add_variable(f"unmet({site},{item})", 0, 1, LpBinary)
        slack[(site, item)] = u
        q = float(st.need[(site, item)][0])
        if con.sense == LpConstraintEQ:  # need == overbuy bound: keep the bound as its own row
            prob.addConstraint(LpConstraint(LpAffineExpression(con.expr), LpConstraintLE,
                                            f"overbuy[{site},{item}]", q))
            con.sense = LpConstraintGE
        con.expr[u] = q
    prob.setObjective(LpAffineExpression(model.cost + [(u, penalty) for u in slack.values()]))
    result = run_mip(model, MipSettings(time_limit=time_limit_s, gap=1e-6, phase="explain"))
    if not result.has_solution:
        return []
    return [key for key, u in slack.items() if (u.varValue or 0) > 0.5]


def _why_unmet(st: Structure, site: str, item: str) -> str:
    inst = st.instance
    offers = [inst.offer_by_id[o] for o in st.offers_at[(site, item)]]
    capped = [o for o in offers if o.max_packs is not None]
    if offers and len(capped) == len(offers):
        supply = sum(o.pack_size * o.max_packs for o in capped)
        need = sum(inst.demand_by_key[(s, item)].quantity for s in inst.site_by_id
                   if (s, item) in inst.demand_by_key and st.offers_at.get((s, item)))
        if supply < need:
            return (f"site {site} needs {item}, but the offers it may use can supply at most "
                    f"{supply} in all (capacity), against {need} needed by the sites that "
                    f"depend on them")
    limit = inst.options.max_vendors_per_site
    if limit is not None:
        return (f"site {site} cannot get {item}: with at most {limit} vendor(s) per site, "
                f"vendor minimum orders and capacities, no choice of vendors covers all its needs")
    minimums = sorted({o.vendor for o in offers if inst.vendor_by_id[o.vendor].min_order})
    if minimums:
        return (f"site {site} cannot get {item}: the minimum orders of "
                f"{', '.join(minimums)} cannot be reached together with capacities and "
                f"minimum pack quantities")
    return (f"site {site} cannot get {item}: the minimum pack quantities and capacities of its "
            f"offers cannot be met together")


def binding_notes(inst: Instance, packs: Packs, cost: Decimal, budget_s: float,
                  resolve: bool = True) -> list[str]:
    """Which rules bind in a plan: capacities reached, minimums just met, and what the
    vendors-per-site limit and members' exclusions cost (re-solved without them, in time;
    not for alliances too large to re-solve: `resolve=False`)."""
    ev = evaluate(inst, packs)
    notes = []
    for offer_id, n in sorted(ev.pooled.items()):
        offer = inst.offer_by_id[offer_id]
        if offer.max_packs is not None and n >= offer.max_packs:
            notes.append(f"offer {offer_id} is at its capacity of {offer.max_packs} packs")
    notes += _threshold_notes(inst, ev)
    if not resolve:
        if inst.options.max_vendors_per_site is not None or inst.exclusions:
            notes.append("the vendors-per-site limit and exclusions were not priced: the "
                         "alliance is too large to re-solve within the explanation budget")
        return notes
    deadline = time.monotonic() + budget_s
    if inst.options.max_vendors_per_site is not None:
        limit = inst.options.max_vendors_per_site
        note = _price_of(inst.with_options(max_vendors_per_site=None), packs, cost, deadline,
                         f"the limit of {limit} vendor(s) per site")
        notes += [note] if note else []
    by_member: dict[str, list[str]] = defaultdict(list)
    for e in inst.exclusions:
        by_member[e.member].append(e.vendor)
    for member, vendors in sorted(by_member.items()):
        if time.monotonic() >= deadline:
            notes.append("(other exclusions were not priced: time budget used up)")
            break
        relaxed = _without_exclusions(inst, member)
        note = _price_of(relaxed, packs, cost, deadline,
                         f"member {member}'s exclusion of {', '.join(sorted(vendors))}")
        notes += [note] if note else []
    return notes


def _threshold_notes(inst: Instance, ev) -> list[str]:
    """Deliveries whose floor value sits just above a vendor minimum or free-delivery bar."""
    near_min = near_free = 0
    for (_, vendor_id), d in ev.deliveries.items():
        vendor = inst.vendor_by_id[vendor_id]
        if vendor.min_order and d.floor_value < vendor.min_order * Decimal("1.02"):
            near_min += 1
        bar = vendor.free_delivery_over
        if bar and d.fee == 0 and vendor.delivery_fee and d.floor_value < bar * Decimal("1.02"):
            near_free += 1
    notes = []
    if near_min:
        notes.append(f"{near_min} deliveries are within 2% of their vendor's minimum order")
    if near_free:
        notes.append(f"{near_free} deliveries reach free delivery within 2% of the threshold "
                     f"(their orders were built up to it)")
    return notes


def _without_exclusions(inst: Instance, member: str) -> Instance:
    from dataclasses import replace

    return replace(inst, exclusions=tuple(e for e in inst.exclusions if e.member != member))


def _price_of(relaxed: Instance, packs: Packs, cost: Decimal, deadline: float,
              what: str) -> str | None:
    remaining = deadline - time.monotonic()
    if remaining <= 0.5:
        return f"{what}: not priced (time budget used up)"
    from optimizer.core import optimize

    st = analyse(relaxed)
    out = optimize(st, MipSettings(time_limit=remaining, gap=1e-4, phase="explain"),
                   starts=[packs])
    if out.cost is None:
        return None
    saving = (cost - out.cost).quantize(CENT)
    if saving <= 0:
        return f"{what} costs nothing in this plan" if out.status == "optimal" else None
    if out.status == "optimal":
        return f"{what} raises cost by ${saving}"
    bound = out.bound if out.bound is not None else float(out.cost)
    most = Decimal(math.floor((float(cost) - bound) * 100)) / 100
    return f"{what} raises cost by at least ${saving} (at most ${max(most, saving)})"
