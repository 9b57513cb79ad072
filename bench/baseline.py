"""The straightforward pooled-order model: the baseline the optimizer is measured against.

    python -m bench.baseline INSTANCE.json [--time-limit S] [--gap G] [--threads N]

This is the model one writes first, from the rules of the contract, and nothing
more: an integer x per (site, offer), tier binaries on the pooled packs with one
big-M per offer, a delivery binary per (site, vendor) with a big-M, a fee-waiver
binary per delivery. No presolve, no bounds tightening, no valid inequalities, no
warm start. It reads the instance JSON itself (not the optimizer's code) and is
built the fast way PuLP allows (variables through the problem, expressions from
(variable, coefficient) pairs, constraints added as objects), so that what is
measured is the formulation, not slow Python.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pulp

from bench.evaluate import evaluate

LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ


@dataclass
class BaselineResult:
    status: str  # optimal, feasible, infeasible, no_solution
    build_s: float
    solve_s: float
    cost: Decimal | None  # re-evaluated from the packs (rules 4-6), not the objective
    objective: float | None
    bound: float | None
    gap: float | None
    variables: int
    binaries: int
    constraints: int
    problems: list[str] = field(default_factory=list)  # rules the plan breaks (should be none)


class _Model:
    """The PuLP problem and the rows waiting to be added."""

    def __init__(self):
        self.prob = pulp.LpProblem("baseline", pulp.LpMinimize)
        self.rows = 0

    def row(self, pairs, sense, rhs: float) -> None:
        self.rows += 1
        expr = pulp.LpAffineExpression(pairs)
        self.prob.addConstraint(pulp.LpConstraint(expr, sense, f"c{self.rows}", rhs))

    def variables(self, name: str, count: int, cat: str, low=0, up=None) -> list:
        made = self.prob.add_variable_dicts(name, range(count), lowBound=low, upBound=up, cat=cat)
        return [made[i] for i in range(count)]


def allowed_pairs(inst: dict) -> tuple[list[tuple[str, dict]], dict[tuple[str, str], tuple]]:
    """Rule 1 pairs (site id, offer) and per demand (q, U) of rule 2."""
    sites = {s["id"]: s for s in inst["sites"]}
    vendors = {v["id"]: v for v in inst["vendors"]}
    excluded = {(e["member"], e["vendor"]) for e in inst.get("exclusions") or []}
    frac = Decimal(str((inst.get("options") or {}).get("max_overbuy_fraction", "0.10")))
    by_item: dict[str, list[dict]] = defaultdict(list)
    for offer in inst["offers"]:
        by_item[offer["item"]].append(offer)
    pairs, bounds = [], {}
    for demand in inst["demands"]:
        site = sites[demand["site"]]
        ok = [o for o in by_item[demand["item"]]
              if (vendors[o["vendor"]].get("regions") is None
                  or site["region"] in vendors[o["vendor"]]["regions"])
              and (site["member"], o["vendor"]) not in excluded]
        q = Decimal(str(demand["quantity"]))
        k = max((Decimal(str(o["pack_size"])) for o in ok), default=Decimal(1))
        bounds[(site["id"], demand["item"])] = (q, max(q * (1 + frac), math.ceil(q / k) * k))
        pairs += [(site["id"], o) for o in ok]
    return pairs, bounds


def build(inst: dict) -> tuple[_Model, list, list[tuple[str, dict]], list]:
    """The straightforward model: returns (model, x variables, their pairs, objective terms)."""
    model = _Model()
    pairs, bounds = allowed_pairs(inst)
    x = model.variables("x", len(pairs), pulp.LpInteger)
    cover: dict[tuple[str, str], list] = defaultdict(list)
    by_offer: dict[str, list] = defaultdict(list)
    by_delivery: dict[tuple[str, str], list] = defaultdict(list)
    for var, (site, offer) in zip(x, pairs, strict=True):
        cover[(site, offer["item"])].append((var, float(offer["pack_size"])))
        by_offer[offer["id"]].append(var)
        by_delivery[(site, offer["vendor"])].append((var, offer))
    for key, terms in cover.items():
        q, upper = bounds[key]
        model.row(terms, GE, float(q))
        model.row(terms, LE, float(upper))
    ub = {}  # packs of an offer one site could take: the big-M material
    offer_m: dict[str, int] = defaultdict(int)
    for site, offer in pairs:
        packs = math.floor(bounds[(site, offer["item"])][1] / offer["pack_size"])
        ub[(site, offer["id"])] = packs
        offer_m[offer["id"]] += packs
    objective: list = []
    offers = {o["id"]: o for o in inst["offers"]}
    for offer_id, xs in by_offer.items():
        offer = offers[offer_id]
        big_m = offer_m[offer_id] if offer.get("max_packs") is None else int(offer["max_packs"])
        _add_tiers(model, offer, xs, big_m, objective)
    _add_deliveries(model, inst, by_delivery, ub, objective)
    model.prob.setObjective(pulp.LpAffineExpression(objective))
    return model, x, pairs, objective


def _add_tiers(model: _Model, offer: dict, xs: list, big_m: int, objective: list) -> None:
    tiers = [(int(t["min_packs"]), float(t["price"])) for t in offer["tiers"]]
    pooled = [(v, 1.0) for v in xs]
    if offer.get("max_packs") is not None:
        model.row(pooled, LE, float(offer["max_packs"]))
    if len(tiers) == 1 and tiers[0][0] <= 1:
        objective += [(v, tiers[0][1]) for v in xs]
        return
    n = len(tiers)
    y = model.variables(f"y{model.rows}_", n, pulp.LpBinary)
    z = model.variables(f"z{model.rows}_", n, pulp.LpContinuous)
    model.row(pooled + [(v, -1.0) for v in z], EQ, 0.0)  # P = sum of tier amounts
    if offer.get("discount", "all_units") == "all_units":
        model.row([(v, 1.0) for v in y], LE, 1.0)
        for t, (min_packs, price) in enumerate(tiers):
            model.row([(z[t], 1.0), (y[t], -float(min_packs))], GE, 0.0)
            model.row([(z[t], 1.0), (y[t], -float(big_m))], LE, 0.0)
            objective.append((z[t], price))
        return
    # incremental: z[t] packs in segment t, y[t] = segment t entered, in order
    model.row(pooled + [(y[0], -float(tiers[0][0]))], GE, 0.0)  # minimum order quantity
    for t, (_, price) in enumerate(tiers):
        length = big_m if t + 1 == n else tiers[t + 1][0] - (1 if t == 0 else tiers[t][0])
        model.row([(z[t], 1.0), (y[t], -float(length))], LE, 0.0)
        if t + 1 < n:
            model.row([(z[t], 1.0), (y[t + 1], -float(length))], GE, 0.0)
            model.row([(y[t + 1], 1.0), (y[t], -1.0)], LE, 0.0)
        objective.append((z[t], price))


def _add_deliveries(model: _Model, inst: dict, by_delivery: dict, ub: dict,
                    objective: list) -> None:
    vendors = {v["id"]: v for v in inst["vendors"]}
    keys = list(by_delivery)
    d = model.variables("d", len(keys), pulp.LpBinary)
    per_site: dict[str, list] = defaultdict(list)
    for var, key in zip(d, keys, strict=True):
        site, vendor_id = key
        vendor = vendors[vendor_id]
        terms = by_delivery[key]
        big_m = sum(ub[(site, offer["id"])] for _, offer in terms)
        model.row([(x, 1.0) for x, _ in terms] + [(var, -float(big_m))], LE, 0.0)
        floor = [(x, float(offer["tiers"][-1]["price"])) for x, offer in terms]
        if vendor.get("min_order") is not None and float(vendor["min_order"]) > 0:
            model.row(floor + [(var, -float(vendor["min_order"]))], GE, 0.0)
        fee = float(vendor.get("delivery_fee") or 0)
        if fee > 0:
            objective.append((var, fee))
            if vendor.get("free_delivery_over") is not None:
                (waive,) = model.variables(f"w{model.rows}_", 1, pulp.LpBinary)
                model.row(floor + [(waive, -float(vendor["free_delivery_over"]))], GE, 0.0)
                model.row([(waive, 1.0), (var, -1.0)], LE, 0.0)
                objective.append((waive, -fee))
        per_site[site].append(var)
    limit = (inst.get("options") or {}).get("max_vendors_per_site")
    if limit is not None:
        for site_vars in per_site.values():
            model.row([(v, 1.0) for v in site_vars], LE, float(limit))


def solve(inst: dict, time_limit: float, gap: float, threads: int | None = None,
          msg: bool = False) -> BaselineResult:
    """Build and solve the baseline with HiGHS; the plan is re-evaluated independently."""
    started = time.perf_counter()
    model, x, pairs, _ = build(inst)
    build_s = time.perf_counter() - started
    solver = pulp.HiGHS(msg=msg, timeLimit=time_limit, gapRel=gap, threads=threads)
    started = time.perf_counter()
    model.prob.solve(solver)
    solve_s = time.perf_counter() - started
    counts = (*_counts(model.prob), model.rows)
    highs = model.prob.solverModel
    info = highs.getInfo()
    status_text = highs.modelStatusToString(highs.getModelStatus()).lower()
    if model.prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        status = "infeasible" if "infeasible" in status_text else "no_solution"
        return BaselineResult(status, build_s, solve_s, None, None, None, None, *counts)
    packs = {(site, offer["id"]): round(var.value() or 0) for var, (site, offer) in
             zip(x, pairs, strict=True) if round(var.value() or 0) > 0}
    cost, problems = evaluate(inst, packs)
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    proven = "optimal" in status_text
    return BaselineResult("optimal" if proven else "feasible", build_s, solve_s, cost,
                          objective, bound, max(0.0, (objective - bound) / max(objective, 1e-9)),
                          *counts, problems=problems)


def _counts(prob: pulp.LpProblem) -> tuple[int, int]:
    variables = prob.variables()
    binaries = sum(1 for v in variables if v.cat == pulp.LpInteger and v.upBound == 1
                   and (v.lowBound or 0) == 0)
    return len(variables), binaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Solve an instance with the baseline model.")
    parser.add_argument("instance")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--log", action="store_true", help="show the HiGHS log")
    parser.add_argument("--build-only", action="store_true", help="model size and build time")
    args = parser.parse_args(argv)
    with open(args.instance, encoding="utf-8") as handle:
        inst = json.load(handle, parse_float=Decimal)
    if args.build_only:
        started = time.perf_counter()
        model = build(inst)[0]
        variables, binaries = _counts(model.prob)
        print(json.dumps({"build_s": time.perf_counter() - started, "variables": variables,
                          "binaries": binaries, "constraints": model.rows}))
        return 0
    result = solve(inst, args.time_limit, args.gap, args.threads, msg=args.log)
    out = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in result.__dict__.items()}
    print(json.dumps(out, indent=1))
    return 0 if not result.problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
