"""Parsing and validation of instance JSON: every problem is collected, then raised together."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from optimizer.errors import InvalidInstanceError
from optimizer.instance import (
    ALL_UNITS,
    DISCOUNTS,
    Demand,
    Exclusion,
    Instance,
    Item,
    Member,
    Offer,
    Options,
    Site,
    Tier,
    Vendor,
)

_MONEY_STEP = Decimal("0.0001")


class _Reader:
    """Reads values of one JSON object, recording problems under a label such as `offer 'o1'`."""

    def __init__(self, problems: list[str], label: str, obj: Any):
        self.problems = problems
        self.label = label
        self.obj = obj if isinstance(obj, dict) else {}
        if not isinstance(obj, dict):
            self.bad("must be an object")

    def bad(self, message: str) -> None:
        self.problems.append(f"{self.label}: {message}")

    def has(self, key: str) -> bool:
        return self.obj.get(key) is not None

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self.obj.get(key)
        if value is None:
            if required:
                self.bad(f"'{key}' is missing")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.bad(f"'{key}' must be a non-empty string, got {value!r}")
            return default
        return value

    def number(self, key: str, what: str, minimum: Decimal | None, strict: bool) -> Decimal | None:
        raw = self.obj.get(key)
        value = _decimal(raw)
        if value is None:
            self.bad(f"'{key}' must be a {what}, got {raw!r}")
            return None
        if minimum is not None and (value <= minimum if strict else value < minimum):
            self.bad(f"'{key}' must be {'>' if strict else '>='} {minimum}, got {raw!r}")
            return None
        return value

    def money(self, key: str, default: Decimal | None = None) -> Decimal | None:
        if not self.has(key):
            return default
        value = self.number(key, "money amount", Decimal(0), strict=False)
        if value is not None and value != value.quantize(_MONEY_STEP):
            self.bad(f"'{key}' has more than 4 decimal places: {self.obj[key]!r}")
            return None
        return value

    def integer(self, key: str, minimum: int, required: bool = True) -> int | None:
        raw = self.obj.get(key)
        if raw is None:
            if required:
                self.bad(f"'{key}' is missing")
            return None
        value = _decimal(raw)
        if value is None or value != value.to_integral_value():
            self.bad(f"'{key}' must be a whole number, got {raw!r}")
            return None
        if value < minimum:
            self.bad(f"'{key}' must be >= {minimum}, got {raw!r}")
            return None
        return int(value)


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        if isinstance(raw, float):
            value = Decimal(repr(raw))
        elif isinstance(raw, int | str | Decimal):
            value = Decimal(raw)
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _list(problems: list[str], data: dict, key: str, required: bool = True) -> list:
    value = data.get(key)
    if value is None:
        if required:
            problems.append(f"instance: '{key}' is missing")
        return []
    if not isinstance(value, list):
        problems.append(f"instance: '{key}' must be a list")
        return []
    return value


def _ids(problems: list[str], kind: str, readers: list[_Reader]) -> list[str]:
    """Read each object's id, relabel its reader, report duplicates."""
    ids, seen = [], set()
    for n, reader in enumerate(readers):
        ident = reader.text("id")
        reader.label = f"{kind} '{ident}'" if ident else f"{kind} #{n + 1}"
        if ident and ident in seen:
            reader.bad("duplicate id")
        seen.add(ident)
        ids.append(ident)
    return ids


def _readers(problems: list[str], data: dict, key: str, kind: str, required=True) -> list[_Reader]:
    return [
        _Reader(problems, f"{kind} #{n + 1}", obj)
        for n, obj in enumerate(_list(problems, data, key, required))
    ]


def _ref(reader: _Reader, key: str, known: set[str], kind: str) -> str:
    ident = reader.text(key)
    if ident and ident not in known:
        reader.bad(f"unknown {kind} '{ident}'")
    return ident


def parse_instance(data: Any) -> Instance:
    """Validate decoded instance JSON; see `optimizer.instance.load_instance`."""
    if not isinstance(data, dict):
        raise InvalidInstanceError(["instance: must be a JSON object"])
    problems: list[str] = []
    if data.get("version", 1) != 1:
        problems.append(f"instance: unsupported version {data.get('version')!r} (expected 1)")
    members = _parse_members(problems, data)
    member_ids = {m.id for m in members}
    sites = _parse_sites(problems, data, member_ids)
    items = _parse_items(problems, data)
    vendors = _parse_vendors(problems, data)
    vendor_ids = {v.id for v in vendors}
    offers = _parse_offers(problems, data, vendor_ids, {i.id for i in items})
    demands = _parse_demands(problems, data, {s.id for s in sites}, {i.id for i in items})
    exclusions = _parse_exclusions(problems, data, member_ids, vendor_ids)
    options = parse_options(problems, data.get("options") or {})
    top = _Reader(problems, "instance", data)
    name, currency = top.text("name", False), top.text("currency", False, "USD")
    if problems:
        raise InvalidInstanceError(problems)
    return Instance(
        members=tuple(members), sites=tuple(sites), items=tuple(items), vendors=tuple(vendors),
        offers=tuple(offers), demands=tuple(demands), exclusions=tuple(exclusions),
        options=options, name=name, currency=currency or "USD",
    )


def _parse_members(problems, data) -> list[Member]:
    readers = _readers(problems, data, "members", "member")
    ids = _ids(problems, "member", readers)
    return [Member(i, r.text("name", False)) for i, r in zip(ids, readers, strict=True)]


def _parse_sites(problems, data, member_ids) -> list[Site]:
    readers = _readers(problems, data, "sites", "site")
    ids = _ids(problems, "site", readers)
    return [
        Site(i, _ref(r, "member", member_ids, "member"), r.text("region"))
        for i, r in zip(ids, readers, strict=True)
    ]


def _parse_items(problems, data) -> list[Item]:
    readers = _readers(problems, data, "items", "item")
    ids = _ids(problems, "item", readers)
    return [
        Item(i, r.text("name", False), r.text("unit", False), r.text("category", False))
        for i, r in zip(ids, readers, strict=True)
    ]


def _parse_vendors(problems, data) -> list[Vendor]:
    readers = _readers(problems, data, "vendors", "vendor")
    ids = _ids(problems, "vendor", readers)
    vendors = []
    for ident, r in zip(ids, readers, strict=True):
        regions = r.obj.get("regions")
        if regions is not None and not (
            isinstance(regions, list) and all(isinstance(x, str) for x in regions)
        ):
            r.bad(f"'regions' must be a list of strings or null, got {regions!r}")
            regions = None
        vendors.append(Vendor(
            id=ident, name=r.text("name", False),
            regions=None if regions is None else frozenset(regions),
            delivery_fee=r.money("delivery_fee", Decimal(0)) or Decimal(0),
            free_delivery_over=r.money("free_delivery_over"),
            min_order=r.money("min_order"),
        ))
    return vendors


def _parse_offers(problems, data, vendor_ids, item_ids) -> list[Offer]:
    readers = _readers(problems, data, "offers", "offer")
    ids = _ids(problems, "offer", readers)
    offers = []
    for ident, r in zip(ids, readers, strict=True):
        discount = r.obj.get("discount") or ALL_UNITS
        if discount not in DISCOUNTS:
            r.bad(f"'discount' must be one of {', '.join(DISCOUNTS)}, got {discount!r}")
        offers.append(Offer(
            id=ident,
            vendor=_ref(r, "vendor", vendor_ids, "vendor"),
            item=_ref(r, "item", item_ids, "item"),
            pack_size=r.number("pack_size", "number", Decimal(0), strict=True) or Decimal(1),
            tiers=_parse_tiers(r),
            discount=discount,
            max_packs=r.integer("max_packs", 0, required=False),
        ))
    return offers


def _parse_tiers(r: _Reader) -> tuple[Tier, ...]:
    raw = r.obj.get("tiers")
    if not isinstance(raw, list) or not raw:
        r.bad("'tiers' must be a non-empty list")
        return (Tier(1, Decimal(0)),)
    tiers = []
    for n, obj in enumerate(raw):
        tr = _Reader(r.problems, f"{r.label} tier #{n + 1}", obj)
        min_packs, price = tr.integer("min_packs", 1), tr.money("price")
        if not tr.has("price"):
            tr.bad("'price' is missing")
        if min_packs is None or price is None:
            return (Tier(1, Decimal(0)),)
        tiers.append(Tier(min_packs, price))
    for a, b in zip(tiers, tiers[1:], strict=False):
        if b.min_packs <= a.min_packs:
            r.bad(f"tiers must have strictly increasing min_packs ({a.min_packs} then {b.min_packs})")
        if b.price > a.price:
            r.bad(f"tier prices must never rise ({a.price} at {a.min_packs} packs, "
                  f"{b.price} at {b.min_packs})")
    return tuple(tiers)


def _parse_demands(problems, data, site_ids, item_ids) -> list[Demand]:
    demands, seen = [], set()
    for n, obj in enumerate(_list(problems, data, "demands")):
        r = _Reader(problems, f"demand #{n + 1}", obj)
        r.label = f"demand #{n + 1} (site '{r.obj.get('site')}', item '{r.obj.get('item')}')"
        site, item = _ref(r, "site", site_ids, "site"), _ref(r, "item", item_ids, "item")
        quantity = r.number("quantity", "number", Decimal(0), strict=True)
        if (site, item) in seen:
            r.bad("duplicate demand for this site and item")
        seen.add((site, item))
        demands.append(Demand(site, item, quantity or Decimal(1)))
    return demands


def _parse_exclusions(problems, data, member_ids, vendor_ids) -> list[Exclusion]:
    out = []
    for n, obj in enumerate(_list(problems, data, "exclusions", required=False)):
        r = _Reader(problems, f"exclusion #{n + 1}", obj)
        out.append(Exclusion(_ref(r, "member", member_ids, "member"),
                             _ref(r, "vendor", vendor_ids, "vendor")))
    return out


def parse_options(problems: list[str], obj: Any, base: Options | None = None) -> Options:
    """Read the options object over `base` (defaults when None), recording problems."""
    base = base or Options()
    r = _Reader(problems, "options", obj)
    changes: dict[str, Any] = {}
    if r.has("max_overbuy_fraction"):
        changes["max_overbuy_fraction"] = r.number(
            "max_overbuy_fraction", "number", Decimal(0), strict=False)
    if "max_vendors_per_site" in r.obj:
        changes["max_vendors_per_site"] = r.integer("max_vendors_per_site", 1, required=False)
    if r.has("time_limit_s"):
        value = r.number("time_limit_s", "number of seconds", Decimal(0), strict=True)
        changes["time_limit_s"] = None if value is None else float(value)
    if r.has("mip_gap"):
        value = r.number("mip_gap", "number", Decimal(0), strict=False)
        changes["mip_gap"] = None if value is None else float(value)
    if r.has("threads"):
        changes["threads"] = r.integer("threads", 1)
    changes = {k: v for k, v in changes.items() if v is not None or k == "max_vendors_per_site"}
    return Options(**{**base.__dict__, **changes})
