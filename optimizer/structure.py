"""Presolve: which (site, offer) pairs can matter, their pack bounds, reachable tiers, and why not.

Everything here is exact (decimals) and solver-free. It removes what cannot be
part of any plan (offers whose minimum or capacity cannot be reached, vendors
whose minimum order a site cannot reach, tiers above what all sites together
could ever buy) and records each removal in plain words for the explanations.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from optimizer.instance import INCREMENTAL, Instance, Offer


@dataclass(frozen=True)
class Segment:
    """A reachable tier of an offer: pooled packs in [lo, hi] cost intercept + price * packs."""

    tier: int
    lo: int
    hi: int
    price: Decimal
    intercept: Decimal


@dataclass
class Structure:
    instance: Instance
    ub: dict[tuple[str, str], int] = field(default_factory=dict)  # (site, offer) -> max packs
    need: dict[tuple[str, str], tuple[Decimal, Decimal]] = field(default_factory=dict)
    offers_at: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (site, item)
    cap: dict[str, int] = field(default_factory=dict)  # usable offer -> max pooled packs
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    unmet: dict[tuple[str, str], str] = field(default_factory=dict)  # (site, item) -> why
    removed: list[str] = field(default_factory=list)  # what presolve took out, in words
    site_problems: dict[str, str] = field(default_factory=dict)  # site -> why no plan
    sites_of_offer: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    offers_of_delivery: dict[tuple[str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set))  # (site, vendor) -> offers

    @property
    def feasible_so_far(self) -> bool:
        return not self.unmet and not self.site_problems

    def vendors_at(self, site: str) -> dict[str, list[str]]:
        """Vendor -> usable offers at a site."""
        return self._vendors_at.get(site, {})

    def required_vendors(self, site: str) -> set[str]:
        """Vendors the site cannot do without (sole vendor of some item it needs)."""
        out = set()
        for d in self.instance.demands_by_site.get(site, ()):
            vendors = {self.instance.offer_by_id[o].vendor
                       for o in self.offers_at.get((site, d.item), ())}
            if len(vendors) == 1:
                out |= vendors
        return out

    def max_floor(self, site: str, vendor: str) -> Decimal:
        offers = self.instance.offer_by_id
        return sum((offers[o].floor_price * self.ub[(site, o)]
                    for o in self.vendors_at(site).get(vendor, ())), Decimal(0))

    def finish(self) -> None:
        by_site: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for site, offer in self.ub:
            by_site[site][self.instance.offer_by_id[offer].vendor].append(offer)
            pairs[site].append((site, offer))
        self._vendors_at = {s: dict(v) for s, v in by_site.items()}
        self.site_pairs = dict(pairs)
        needs: dict[str, list[str]] = defaultdict(list)
        for site, item in self.offers_at:
            needs[site].append(item)
        self.site_items = dict(needs)


def _granule(offers: list[Offer]) -> Decimal:
    """Smallest step of delivered quantity: 10^-places of the finest pack size."""
    places = max(max(0, -o.pack_size.as_tuple().exponent) for o in offers)
    return Decimal(1).scaleb(-min(places, 9))


def analyse(instance: Instance) -> Structure:
    """Presolve an instance (rules 1 to 3 and 5 that do not depend on other choices)."""
    st = Structure(instance)
    _initial_pairs(st)
    changed = True
    while changed:
        changed = _drop_unreachable_offers(st) | _drop_unreachable_min_orders(st)
    _tiers(st)
    _check_sites(st)
    st.finish()
    return st


def _initial_pairs(st: Structure) -> None:
    inst = st.instance
    frac = inst.options.max_overbuy_fraction
    shapes: dict[tuple[str, ...], tuple[Decimal, Decimal]] = {}  # offers -> (granule, k)
    for d in inst.demands:
        offers = inst.allowed_offers(d.site, d.item)
        if not offers:
            st.unmet[(d.site, d.item)] = _why_no_offer(inst, d.site, d.item)
            continue
        ids = tuple(o.id for o in offers)
        if ids not in shapes:
            shapes[ids] = (_granule(list(offers)), max(o.pack_size for o in offers))
        g, k = shapes[ids]
        q = d.quantity
        upper = max(q * (1 + frac), Decimal(math.ceil(q / k)) * k)  # rule 2
        q_eff = (q / g).to_integral_value(rounding=ROUND_CEILING) * g
        upper_eff = (upper / g).to_integral_value(rounding=ROUND_FLOOR) * g
        st.need[(d.site, d.item)] = (q_eff, upper_eff)
        usable = []
        for o in offers:
            n = int(upper_eff // o.pack_size)
            if o.max_packs is not None:
                n = min(n, o.max_packs)
            if n > 0:
                st.ub[(d.site, o.id)] = n
                st.sites_of_offer[o.id].add(d.site)
                st.offers_of_delivery[(d.site, o.vendor)].add(o.id)
                usable.append(o.id)
        st.offers_at[(d.site, d.item)] = usable


def _why_no_offer(inst: Instance, site_id: str, item_id: str) -> str:
    site = inst.site_by_id[site_id]
    offers = inst.offers_by_item.get(item_id, ())
    if not offers:
        return f"site {site_id} needs {item_id}, but no vendor offers it"
    serving = [o for o in offers if inst.vendor_by_id[o.vendor].serves(site.region)]
    if not serving:
        vendors = ", ".join(sorted({o.vendor for o in offers}))
        return (f"site {site_id} needs {item_id}, but no vendor offering it ({vendors}) "
                f"serves region {site.region}")
    excluded = ", ".join(sorted({o.vendor for o in serving}))
    return (f"site {site_id} needs {item_id}, but member {site.member} has excluded every "
            f"vendor offering it in region {site.region} ({excluded})")


def _remove_pair(st: Structure, site: str, offer_id: str) -> None:
    del st.ub[(site, offer_id)]
    offer = st.instance.offer_by_id[offer_id]
    item = offer.item
    st.sites_of_offer[offer_id].discard(site)
    st.offers_of_delivery[(site, offer.vendor)].discard(offer_id)
    remaining = [o for o in st.offers_at[(site, item)] if o != offer_id]
    st.offers_at[(site, item)] = remaining


def _drop_unreachable_offers(st: Structure) -> bool:
    total: dict[str, int] = defaultdict(int)
    st.cap = {}
    for (_, o), n in st.ub.items():
        total[o] += n
    changed = False
    for offer_id, n in total.items():
        offer = st.instance.offer_by_id[offer_id]
        cap = n if offer.max_packs is None else min(n, offer.max_packs)
        st.cap[offer_id] = cap
        if cap >= offer.moq:
            continue
        if offer.max_packs is not None and offer.max_packs < offer.moq:
            why = (f"offer {offer_id} ({offer.item} from {offer.vendor}) cannot be bought: its "
                   f"minimum of {offer.moq} packs exceeds its capacity of {offer.max_packs}")
        else:
            why = (f"offer {offer_id} ({offer.item} from {offer.vendor}) cannot be bought: its "
                   f"minimum is {offer.moq} packs, but the sites that may buy it need at most {n}")
        st.removed.append(why)
        for site in list(st.sites_of_offer[offer_id]):
            _remove_pair(st, site, offer_id)
        del st.cap[offer_id]
        changed = True
    return changed


def _drop_unreachable_min_orders(st: Structure) -> bool:
    floor: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (site, offer_id), n in st.ub.items():
        offer = st.instance.offer_by_id[offer_id]
        floor[(site, offer.vendor)] += offer.floor_price * n
    changed = False
    for (site, vendor_id), value in floor.items():
        minimum = st.instance.vendor_by_id[vendor_id].min_order
        if minimum is None or value >= minimum:
            continue
        st.removed.append(f"vendor {vendor_id}'s minimum order of ${minimum} cannot be reached "
                          f"by site {site} alone (its needs from {vendor_id} come to at most "
                          f"${value.quantize(Decimal('0.01'))})")
        for offer_id in list(st.offers_of_delivery[(site, vendor_id)]):
            _remove_pair(st, site, offer_id)
        changed = True
    return changed


def _tiers(st: Structure) -> None:
    for offer_id, cap in st.cap.items():
        offer = st.instance.offer_by_id[offer_id]
        segs = []
        for t, tier in enumerate(offer.tiers):
            hi = offer.tiers[t + 1].min_packs - 1 if t + 1 < len(offer.tiers) else cap
            hi = min(hi, cap)
            if tier.min_packs > hi:
                continue
            intercept = Decimal(0)
            if offer.discount == INCREMENTAL and t > 0:
                start = tier.min_packs - 1
                intercept = offer.cost(start) - tier.price * start
            segs.append(Segment(t, tier.min_packs, hi, tier.price, intercept))
        st.segments[offer_id] = segs


def _check_sites(st: Structure) -> None:
    inst = st.instance
    for key, offers in st.offers_at.items():
        if key in st.unmet:
            continue
        site, item = key
        if not offers:
            st.unmet[key] = (f"site {site} needs {item}, but every allowed offer of it is ruled "
                             f"out (see the reasons about minimums and capacities)")
        elif len(offers) == 1:
            o = inst.offer_by_id[offers[0]]
            q, upper = st.need[key]
            if math.ceil(q / o.pack_size) * o.pack_size > upper:
                q, upper = inst.coverage_bounds(site, item)
                st.unmet[key] = (f"site {site} needs {q.normalize():f} of {item}; the only "
                                 f"usable offer ({o.id}) comes in packs of {o.pack_size}, which "
                                 f"overshoot the overbuy bound of {upper.normalize():f}")
    limit = inst.options.max_vendors_per_site
    if limit is None:
        return
    for site in inst.site_by_id:
        required = set()
        for d in inst.demands_by_site.get(site, ()):
            vendors = {inst.offer_by_id[o].vendor for o in st.offers_at.get((site, d.item), ())}
            if len(vendors) == 1:
                required |= vendors
        if len(required) > limit:
            st.site_problems[site] = (
                f"site {site} may get deliveries from at most {limit} vendor(s), but needs "
                f"{len(required)}: {', '.join(sorted(required))} are each the only vendor "
                f"for some of its items")
