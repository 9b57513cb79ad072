"""Splitting money in whole cents so that the parts add up exactly (largest remainder)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    """Round an exact amount half up to whole cents."""
    return int((amount / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) * CENT).quantize(CENT)


def round_parts(parts: list[Decimal], total_cents: int) -> list[int]:
    """Round exact non-negative amounts to cents whose sum is `total_cents`.

    Each part gets its floor in cents; the remaining cents go to the parts with
    the largest fractional remainders (ties: first part first).
    """
    exact = [p / CENT for p in parts]
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    return _distribute(floors, [e - f for e, f in zip(exact, floors, strict=True)], total_cents)


def split_cents(total_cents: int, weights: list[Decimal] | list[int]) -> list[int]:
    """Split whole cents in proportion to non-negative weights, adding up exactly.

    All-zero weights split equally. Largest remainder; ties go to the first.
    """
    if not weights:
        if total_cents:
            raise ValueError("cannot split a non-zero amount over no parts")
        return []
    weights = [Decimal(w) for w in weights]
    total_weight = sum(weights, Decimal(0))
    if total_weight == 0:
        weights, total_weight = [Decimal(1)] * len(weights), Decimal(len(weights))
    exact = [Decimal(total_cents) * w / total_weight for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    return _distribute(floors, [e - f for e, f in zip(exact, floors, strict=True)], total_cents)


def _distribute(floors: list[int], remainders: list[Decimal], total_cents: int) -> list[int]:
    missing = total_cents - sum(floors)
    if missing < 0 or missing > len(floors):
        raise ValueError(f"cannot round {len(floors)} parts to {total_cents} cents")
    order = sorted(range(len(floors)), key=lambda n: (-remainders[n], n))
    out = list(floors)
    for n in order[:missing]:
        out[n] += 1
    return out


def member_charges(own: dict[str, int], standalone: dict[str, int | None]) -> dict[str, int]:
    """Charge each member, in cents, never above its standalone cost where it has one.

    `own` is what each member's own lines and fees come to. Cost above a
    member's standalone cost moves onto the members with savings, in proportion
    to their savings. The charges add up to `sum(own)` exactly.

    When savings cannot absorb it all (possible only when shared capacities
    keep the members' standalone plans from being carried out together, or a
    pooled plan serves members who cannot buy alone) the rest goes to the
    members without a standalone cost, in proportion to their own cost; if
    every member has one, to all of them in proportion to their standalone cost.
    """
    charge = dict(own)
    excess = 0
    for member, cost in own.items():
        limit = standalone.get(member)
        if limit is not None and cost > limit:
            excess += cost - limit
            charge[member] = limit
    if not excess:
        return charge
    savers = [m for m in own if standalone.get(m) is not None and standalone[m] > charge[m]]
    room = [standalone[m] - charge[m] for m in savers]
    moved = min(excess, sum(room))
    for member, share in zip(savers, split_cents(moved, room), strict=True):
        charge[member] += share
    rest = excess - moved
    if rest:
        others = [m for m in own if standalone.get(m) is None]
        weights = [own[m] for m in others] if others else [standalone[m] for m in own]
        for member, share in zip(others or list(own), split_cents(rest, weights), strict=True):
            charge[member] += share
    return charge
