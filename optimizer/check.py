"""Independent re-evaluation of a plan's JSON against rules 1 to 6 (no solver involved)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from optimizer.allocation import to_cents
from optimizer.evaluate import Evaluation, evaluate
from optimizer.instance import Instance

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Violation:
    rule: str  # "1" to "6" for the spec's rules, "plan" for the plan's own arithmetic
    message: str

    def __str__(self) -> str:
        return f"rule {self.rule}: {self.message}" if self.rule != "plan" else self.message


def check_plan(instance: Instance, plan: dict[str, Any]) -> list[Violation]:
    """Re-read a plan's lines and report every rule they break and every total that is off.

    Judges only what the lines imply (rules 1-6), then the plan's stated totals,
    amounts, fees, member charges and gap against them. An empty list means the
    plan is valid. An `infeasible` plan must carry lines for nothing and say why.
    """
    out: list[Violation] = []
    if plan.get("status") == "infeasible":
        if not plan.get("unmet"):
            out.append(Violation("plan", "an infeasible plan must list what cannot be met"))
        return out
    packs = _read_lines(instance, plan.get("lines") or [], out)
    out += check_packs(instance, packs)
    ev = evaluate(instance, packs)
    _check_stated_deliveries(ev, plan, out)
    _check_money(instance, ev, plan, out)
    _check_members(plan, out)
    _check_bound(instance, plan, out)
    return out


def check_packs(instance: Instance, packs: dict[tuple[str, str], int]) -> list[Violation]:
    """Rules 1, 2, 3 and 5 for whole packs per (site id, offer id); ids must exist."""
    out: list[Violation] = []
    packs = {k: n for k, n in packs.items() if n}
    _check_allowed(instance, packs, out)
    _check_coverage(instance, packs, out)
    ev = evaluate(instance, packs)
    _check_pooled(instance, ev, out)
    _check_deliveries(instance, ev, out)
    return out


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _read_lines(instance: Instance, lines: list, out: list[Violation]) -> dict:
    packs: dict[tuple[str, str], int] = {}
    for n, line in enumerate(lines):
        site, offer, count = line.get("site"), line.get("offer"), line.get("packs")
        where = f"line #{n + 1} (site {site!r}, offer {offer!r})"
        if site not in instance.site_by_id or offer not in instance.offer_by_id:
            out.append(Violation("plan", f"{where}: unknown site or offer"))
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            out.append(Violation("plan", f"{where}: packs must be a positive whole number, "
                                         f"got {count!r}"))
            continue
        if (site, offer) in packs:
            out.append(Violation("plan", f"{where}: the same site and offer appear twice"))
        packs[(site, offer)] = packs.get((site, offer), 0) + count
    return packs


def _check_allowed(instance: Instance, packs: dict, out: list[Violation]) -> None:
    for site, offer_id in packs:
        offer = instance.offer_by_id[offer_id]
        member = instance.site_by_id[site].member
        if offer.vendor in instance.excluded_vendors.get(member, ()):
            out.append(Violation("1", f"site {site} receives offer {offer_id}, but member "
                                      f"{member} has excluded vendor {offer.vendor}"))
        elif not instance.vendor_by_id[offer.vendor].serves(instance.site_by_id[site].region):
            out.append(Violation("1", f"site {site} receives offer {offer_id}, but vendor "
                                      f"{offer.vendor} does not serve region "
                                      f"{instance.site_by_id[site].region}"))


def _check_coverage(instance: Instance, packs: dict, out: list[Violation]) -> None:
    delivered: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (site, offer_id), n in packs.items():
        offer = instance.offer_by_id[offer_id]
        delivered[(site, offer.item)] += offer.pack_size * n
    for key in delivered:
        if key not in instance.demand_by_key:
            out.append(Violation("2", f"site {key[0]} receives item {key[1]} it did not ask for"))
    for d in instance.demands:
        got = delivered.get((d.site, d.item), Decimal(0))
        bounds = instance.coverage_bounds(d.site, d.item)
        if bounds is None:
            out.append(Violation("2", f"site {d.site} needs {d.quantity} of {d.item} "
                                      f"but no offer of it is allowed there"))
            continue
        q, upper = bounds
        if got < q:
            out.append(Violation("2", f"site {d.site} needs {q} of {d.item} but gets {got}"))
        elif got > upper:
            out.append(Violation("2", f"site {d.site} gets {got} of {d.item}, "
                                      f"more than the overbuy bound {upper}"))


def _check_pooled(instance: Instance, ev: Evaluation, out: list[Violation]) -> None:
    for offer_id, n in ev.pooled.items():
        offer = instance.offer_by_id[offer_id]
        if n < offer.moq:
            out.append(Violation("3", f"offer {offer_id}: {n} pooled packs, below its minimum "
                                      f"of {offer.moq}"))
        if offer.max_packs is not None and n > offer.max_packs:
            out.append(Violation("3", f"offer {offer_id}: {n} pooled packs, above its capacity "
                                      f"of {offer.max_packs}"))


def _check_deliveries(instance: Instance, ev: Evaluation, out: list) -> None:
    per_site: dict[str, int] = defaultdict(int)
    for (site, vendor_id), d in ev.deliveries.items():
        per_site[site] += 1
        minimum = instance.vendor_by_id[vendor_id].min_order
        if minimum is not None and d.floor_value < minimum:
            out.append(Violation("5", f"delivery of {vendor_id} to {site}: floor value "
                                      f"{d.floor_value} is below the minimum order {minimum}"))
    limit = instance.options.max_vendors_per_site
    for site, count in per_site.items():
        if limit is not None and count > limit:
            out.append(Violation("5", f"site {site} gets deliveries from {count} vendors, "
                                      f"more than {limit}"))


def _check_stated_deliveries(ev: Evaluation, plan: dict, out: list) -> None:
    stated = {(d.get("site"), d.get("vendor")): _dec(d.get("fee"))
              for d in plan.get("deliveries") or []}
    for key, d in ev.deliveries.items():
        fee = stated.get(key, "missing")
        if fee == "missing":
            out.append(Violation("5", f"delivery of {key[1]} to {key[0]} is not listed"))
        elif fee is None or abs(fee - d.fee) >= CENT:
            out.append(Violation("5", f"delivery of {key[1]} to {key[0]}: fee {fee} stated, "
                                      f"{d.fee} by the rules"))
    for key in stated.keys() - ev.deliveries.keys():
        out.append(Violation("5", f"delivery of {key[1]} to {key[0]} is listed but no pack of "
                                  f"that vendor goes there"))


def _check_money(instance: Instance, ev: Evaluation, plan: dict, out: list) -> None:
    total = _dec(plan.get("total_cost"))
    expected = Decimal(to_cents(ev.total)) * CENT
    if total is None or total != expected:
        out.append(Violation("6", f"total_cost {plan.get('total_cost')} stated, {expected} by "
                                  f"the rules (exact {ev.total})"))
    lines = plan.get("lines") or []
    amounts = [_dec(x.get("amount")) for x in lines]
    fees = [_dec(d.get("fee")) for d in plan.get("deliveries") or []]
    if any(a is None for a in amounts + fees):
        out.append(Violation("plan", "every line amount and delivery fee must be a number"))
        return
    if total is not None and sum(amounts + fees, Decimal(0)) != total:
        out.append(Violation("6", f"line amounts and fees add up to "
                                  f"{sum(amounts + fees, Decimal(0))}, not total_cost {total}"))
    by_offer: dict[str, Decimal] = defaultdict(Decimal)
    for line, amount in zip(lines, amounts, strict=True):
        by_offer[line.get("offer")] += amount
    for offer_id, cost in ev.offer_cost.items():
        if abs(by_offer.get(offer_id, Decimal(0)) - cost) >= CENT:
            out.append(Violation("4", f"offer {offer_id}: its lines charge "
                                      f"{by_offer.get(offer_id)}, its cost is {cost}"))
    for line, amount in zip(lines, amounts, strict=True):
        offer_id, n = line.get("offer"), line.get("packs")
        pooled = ev.pooled.get(offer_id)
        if pooled and isinstance(n, int):
            share = by_offer[offer_id] * n / pooled
            if abs(amount - share) >= CENT:
                out.append(Violation("plan", f"line (site {line.get('site')}, offer {offer_id}): "
                                             f"amount {amount} is not its share {share:.4f}"))


def _check_members(plan: dict, out: list[Violation]) -> None:
    members = plan.get("members") or []
    if not members:
        return
    total = _dec(plan.get("total_cost"))
    costs = [_dec(m.get("cost")) for m in members]
    if any(c is None for c in costs):
        out.append(Violation("plan", "every member needs a cost"))
        return
    if total is not None and sum(costs, Decimal(0)) != total:
        out.append(Violation("plan", f"members are charged {sum(costs, Decimal(0))} in all, "
                                     f"not total_cost {total}"))
    with_alone = Decimal(0)
    charged = Decimal(0)
    above, below = [], False
    for m, cost in zip(members, costs, strict=True):
        alone = _dec(m.get("standalone_cost"))
        if alone is None:
            continue
        with_alone, charged = with_alone + alone, charged + cost
        if cost > alone:
            above.append(f"member {m.get('member')} is charged {cost}, more than its "
                         f"standalone cost {alone}")
        below = below or cost < alone
    # Above standalone is unavoidable only when nobody else saves and nobody else could pay.
    everyone_alone = all(_dec(m.get("standalone_cost")) is not None for m in members)
    if above and (below or not everyone_alone):
        out += [Violation("plan", text) for text in above]
    stated = _dec(plan.get("standalone_cost"))
    if stated is not None and stated != with_alone:
        out.append(Violation("plan", f"standalone_cost {stated} is not the members' sum "
                                     f"{with_alone}"))
    savings = _dec(plan.get("savings"))
    if savings is not None and savings != with_alone - charged:
        out.append(Violation("plan", f"savings {savings} is not {with_alone - charged}"))


def _check_bound(instance: Instance, plan: dict, out: list[Violation]) -> None:
    total, bound = _dec(plan.get("total_cost")), _dec(plan.get("lower_bound"))
    if total is None or bound is None:
        return
    if bound > total:
        out.append(Violation("plan", f"lower_bound {bound} is above total_cost {total}"))
    gap = _dec(plan.get("gap"))
    expected = float((total - bound) / total) if total > 0 else 0.0
    if gap is None or abs(float(gap) - expected) > 1e-6:
        out.append(Violation("plan", f"gap {plan.get('gap')!r} stated, {expected:.6g} from "
                                     f"total and bound"))
    slack = total * Decimal(repr(instance.options.mip_gap)) + CENT
    if plan.get("status") == "optimal" and total - bound > slack:
        out.append(Violation("plan", f"status optimal but the gap {expected:.6g} exceeds "
                                     f"mip_gap {instance.options.mip_gap}"))
