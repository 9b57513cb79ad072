"""Benchmark instances grounded in public data, with synthetic vendor terms.

    python -m bench.generate --sites 50 --items 80 --vendors 10 --reach 6 --seed 3 -o i.json
    python -m bench.generate --preset s200 -o s200.json
    python -m bench.generate --statewide --vendors 14 --reach 5 -o mn.json

Real: the alliance's sites are licensed Minnesota child care centers (their zip is
the region, their licensed capacity and ages served drive demand); demand follows
the CACFP meal pattern (`bench.demand`); base prices are the staples catalog's
BLS/ERS prices brought to 2026 with CPI-U (or labelled estimates).
Synthetic (see `bench.vendors`): vendors, what they carry, markups, pack choice,
tier breakpoints and discounts, delivery terms, capacities, member exclusions:
"synthetic tiers on real base prices". The same arguments and seed give the same
file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass

from bench.demand import DemandModel, children_by_age, cycle_quantity
from bench.vendors import (
    ARCHETYPES,
    NAMES,
    VENDOR_MIX,
    carries,
    delivery_terms,
    pack_price,
    pick_pack,
    tier_table,
)
from catalog.reference import (
    Center,
    Staple,
    load_centers,
    load_meal_pattern,
    load_staples,
    weekly_servings,
)

# Organisations that run several Minnesota centers: their sites form one member.
CHAINS = ("New Horizon Academy", "KinderCare", "Primrose School", "Lake Area Discovery",
          "New Creations", "WCMCA Head Start", "Creative Kids Academy", "Tutor Time",
          "Everbrook Academy", "Anna's Bananas", "Kinderberry Hill", "Goddard School",
          "WCCA Head Start", "Especially For Children", "Tierra Encantada",
          "Semcac Head Start", "Mahube-Otwa", "Bright Horizons")
SKIP_SHARE = 0.15  # a site leaves out about this share of the catalog from its menu
EXCLUSION_SHARE = 0.03  # members that refuse one vendor


@dataclass(frozen=True)
class Params:
    sites: int = 15
    items: int = 60
    vendors: int = 8
    reach: int | None = None  # vendors serving a site, on average (None: all of them)
    seed: int = 1
    statewide: bool = False
    max_vendors_per_site: int | None = None
    time_limit_s: float = 60.0
    mip_gap: float = 0.0001


PRESETS = {
    "s5": Params(sites=5, items=40, vendors=6, seed=5),
    "s15": Params(sites=15, items=60, vendors=8, seed=15),
    "s50": Params(sites=50, items=80, vendors=10, reach=6, seed=50),
    # every vendor serves every site (a metro alliance): the 200-site case
    "s200": Params(sites=200, items=100, vendors=10, seed=200, time_limit_s=120.0,
                   mip_gap=0.005),
    "s200r4": Params(sites=200, items=100, vendors=10, reach=4, seed=200, time_limit_s=120.0,
                     mip_gap=0.005),
    "statewide": Params(sites=0, items=999, vendors=14, reach=5, seed=1775, statewide=True,
                        time_limit_s=600.0, mip_gap=0.01),
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def pick_centers(rng: random.Random, centers: list[Center], params: Params) -> list[Center]:
    """The whole list, or `sites` centers nearest (by zip) to a random anchor center."""
    if params.statewide or params.sites >= len(centers):
        return list(centers)
    anchor = int(rng.choice(centers).zip)
    ranked = sorted(centers, key=lambda c: (abs(int(c.zip) - anchor), rng.random()))
    chosen = ranked[: params.sites]
    return sorted(chosen, key=lambda c: (c.zip, c.license_number))


def pick_staples(rng: random.Random, staples: list[Staple], count: int) -> list[Staple]:
    if count >= len(staples):
        return list(staples)
    chosen = {s.id for s in rng.sample(staples, count)}
    return [s for s in staples if s.id in chosen]


def member_of(center: Center) -> tuple[str, str]:
    """(member id, member name): a chain's centers share one member."""
    for chain in CHAINS:
        if center.name.lower().startswith(chain.lower()):
            return f"m-{slug(chain)}", chain
    return f"m-{center.license_number}", center.name


def build_demands(rng: random.Random, centers: list[Center], staples: list[Staple]):
    """Demand lines per site: CACFP-driven food, per-child supplies, integer units."""
    model = DemandModel(staples, weekly_servings(load_meal_pattern()))
    demands = []
    for center in centers:
        children = children_by_age(center)
        for staple in staples:
            skip = rng.random() < SKIP_SHARE and not staple.id.startswith("milk-")
            noise = rng.uniform(0.85, 1.15)
            if skip:
                continue
            quantity = cycle_quantity(model.weekly_use(staple, children), staple, noise)
            if quantity > 0:
                demands.append({"site": f"s-{center.license_number}", "item": staple.id,
                                "quantity": quantity})
    return demands


def vendor_regions(rng: random.Random, zips: list[str], all_zips: list[str],
                   share: float) -> list[str] | None:
    """A contiguous run of zips (numeric order follows geography roughly), or None: all.

    `zips` has one entry per site, so the run covers about `share` of the sites.
    """
    if share >= 1:
        return None
    width = max(1, round(len(zips) * share))
    start = rng.randint(0, len(zips) - width)
    low, high = int(zips[start]), int(zips[start + width - 1])
    return [z for z in all_zips if low <= int(z) <= high]


def build_vendors(rng: random.Random, params: Params, zips: list[str], all_zips: list[str]):
    count = max(1, params.vendors)
    reach = count if params.reach is None else max(1, min(params.reach, count))
    share = 1.0 if count == 1 else (reach - 1) / (count - 1)
    vendors = []
    for index in range(count):
        kind = VENDOR_MIX[index % len(VENDOR_MIX)]
        archetype = ARCHETYPES[kind]
        name = f"{NAMES[index % len(NAMES)]} {archetype.label}"
        regions = None if kind == "club" else vendor_regions(rng, zips, all_zips, share)
        vendors.append({"id": f"v{index + 1:02d}-{kind}", "name": name, "regions": regions,
                        **delivery_terms(rng, archetype), "_kind": kind})
    return vendors


def build_offers(rng: random.Random, vendors: list[dict], staples: list[Staple],
                 demand_units: dict[str, int], site_count: int):
    offers = []
    for vendor in vendors:
        archetype = ARCHETYPES[vendor["_kind"]]
        markup = rng.uniform(*archetype.markup)
        for staple in staples:
            if not carries(archetype, staple) or rng.random() > archetype.coverage:
                continue
            packs = [pick_pack(rng, archetype, staple)]
            if archetype.pack == "any" and len(staple.pack_sizes) > 1 and rng.random() < 0.15:
                packs.append(rng.choice([p for p in staple.pack_sizes if p != packs[0]]))
            for pack in packs:
                price = pack_price(rng, markup, staple, pack)
                units = demand_units.get(staple.id, 0)
                tiers, capacity = tier_table(rng, archetype, price, units / site_count / pack,
                                             -(-units // pack))
                incremental = len(tiers) > 1 and rng.random() < archetype.incremental_share
                suffix = "" if len(packs) == 1 else f"-x{pack}"
                offers.append({"id": f"{vendor['id']}:{staple.id}{suffix}",
                               "vendor": vendor["id"], "item": staple.id, "pack_size": pack,
                               "discount": "incremental" if incremental else "all_units",
                               "tiers": tiers, "max_packs": capacity})
    return offers


def build_exclusions(rng: random.Random, members: list[dict], vendors: list[dict]):
    choices = [v["id"] for v in vendors if v["_kind"] != "club"]
    out = []
    for member in members:
        if choices and rng.random() < EXCLUSION_SHARE:
            out.append({"member": member["id"], "vendor": rng.choice(choices)})
    return out


def generate(params: Params) -> dict:
    """A spec-valid instance (decoded JSON, money as decimal strings) for the parameters."""
    rng = random.Random(params.seed)
    all_centers = load_centers()
    centers = pick_centers(rng, all_centers, params)
    staples = pick_staples(rng, load_staples(), params.items)
    members: dict[str, dict] = {}
    sites = []
    for center in centers:
        member_id, member_name = member_of(center)
        members.setdefault(member_id, {"id": member_id, "name": member_name})
        sites.append({"id": f"s-{center.license_number}", "member": member_id,
                      "region": center.zip, "name": center.name})
    demands = build_demands(rng, centers, staples)
    units: dict[str, int] = defaultdict(int)
    for d in demands:
        units[d["item"]] += d["quantity"]
    zips = sorted(c.zip for c in centers)
    all_zips = sorted({c.zip for c in all_centers})
    vendors = build_vendors(rng, params, zips, all_zips)
    offers = build_offers(rng, vendors, staples, units, len(centers))
    exclusions = build_exclusions(rng, list(members.values()), vendors)
    club = next(v["id"] for v in vendors if v["_kind"] == "club")
    for vendor in vendors:
        del vendor["_kind"]
    counties = sorted({c.county for c in centers})
    where = "Minnesota statewide" if len(counties) > 3 else " + ".join(counties) + " County"
    instance = {
        "version": 1,
        "name": f"{where} alliance, {len(sites)} sites, synthetic cycle (seed {params.seed})",
        "currency": "USD",
        "members": list(members.values()),
        "sites": sites,
        "items": [{"id": s.id, "name": s.name, "unit": s.unit, "category": s.category}
                  for s in staples],
        "vendors": vendors, "offers": offers, "demands": demands, "exclusions": exclusions,
        "options": {"max_overbuy_fraction": "0.10",
                    "max_vendors_per_site": params.max_vendors_per_site,
                    "time_limit_s": params.time_limit_s, "mip_gap": params.mip_gap},
    }
    fit_club_packs(instance, club)
    return instance


def allowed_fn(instance: dict):
    """Rule 1 on the decoded JSON: allowed(site id, vendor id) -> bool."""
    region = {s["id"]: s["region"] for s in instance["sites"]}
    member = {s["id"]: s["member"] for s in instance["sites"]}
    excluded = {(e["member"], e["vendor"]) for e in instance["exclusions"]}
    serves = {v["id"]: None if v["regions"] is None else set(v["regions"])
              for v in instance["vendors"]}

    def allowed(site: str, vendor: str) -> bool:
        regions = serves[vendor]
        ok_region = regions is None or region[site] in regions
        return ok_region and (member[site], vendor) not in excluded

    return allowed


def fit_club_packs(instance: dict, club_id: str) -> int:
    """Round up the few demands the club's pack cannot cover within the overbuy bound.

    The club (no minimums, no capacity, every item, everywhere) then covers every
    demand alone, so every generated instance is feasible. Returns the count changed.
    """
    allowed = allowed_fn(instance)
    by_item: dict[str, list[dict]] = defaultdict(list)
    for offer in instance["offers"]:
        by_item[offer["item"]].append(offer)
    changed = 0
    for demand in instance["demands"]:
        offers = [o for o in by_item[demand["item"]] if allowed(demand["site"], o["vendor"])]
        q, k = demand["quantity"], max(o["pack_size"] for o in offers)
        upper = max(q * 1.1, -(-q // k) * k)
        club = min(o["pack_size"] for o in offers if o["vendor"] == club_id)
        if -(-q // club) * club > upper:
            demand["quantity"] = -(-q // club) * club
            changed += 1
    return changed


def stats(instance: dict) -> dict[str, float]:
    """Counts that size the model: allowed (site, offer) pairs are its integer variables."""
    allowed = allowed_fn(instance)
    by_item: dict[str, list[str]] = defaultdict(list)
    for offer in instance["offers"]:
        by_item[offer["item"]].append(offer["vendor"])
    sites = [s["id"] for s in instance["sites"]]
    vendors = [v["id"] for v in instance["vendors"]]
    pairs = sum(allowed(d["site"], v) for d in instance["demands"] for v in by_item[d["item"]])
    reach = sum(allowed(s, v) for s in sites for v in vendors) / max(len(sites), 1)
    return {"members": len(instance["members"]), "sites": len(sites),
            "items": len(instance["items"]), "vendors": len(vendors),
            "offers": len(instance["offers"]), "demands": len(instance["demands"]),
            "pairs": pairs, "mean_reach": round(reach, 2)}


def params_from_args(args: argparse.Namespace) -> Params:
    base = PRESETS[args.preset] if args.preset else Params()
    changes = {k: getattr(args, k) for k in ("sites", "items", "vendors", "reach", "seed",
                                             "max_vendors_per_site", "time_limit_s", "mip_gap")
               if getattr(args, k) is not None}
    if args.statewide:
        changes["statewide"] = True
    return Params(**{**base.__dict__, **changes})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a benchmark instance (JSON).")
    parser.add_argument("--preset", choices=sorted(PRESETS))
    parser.add_argument("--sites", type=int)
    parser.add_argument("--items", type=int)
    parser.add_argument("--vendors", type=int)
    parser.add_argument("--reach", type=int, help="vendors per site on average")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--statewide", action="store_true", help="all 1,775 centers")
    parser.add_argument("--max-vendors-per-site", type=int, dest="max_vendors_per_site")
    parser.add_argument("--time-limit", type=float, dest="time_limit_s")
    parser.add_argument("--gap", type=float, dest="mip_gap")
    parser.add_argument("-o", "--output", required=True, help="file to write ('-': stdout)")
    args = parser.parse_args(argv)
    instance = generate(params_from_args(args))
    text = json.dumps(instance, indent=1) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    print(json.dumps(stats(instance)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
