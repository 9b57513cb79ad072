"""Money math for payments, in integer cents: splits, allocations, fees, shortages.

Every function here is pure and deterministic. Splits use the largest-remainder method: each
part is its exact share rounded down or up, and the parts always add up to the whole, so per
cycle ``member charges = vendor payouts + hub fee + refunds`` holds to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal


def split(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` cents in proportion to non-negative integer ``weights``.

    The parts add up to ``total`` exactly; each is the floor or the ceiling of its exact share
    ``total * w / sum(weights)`` (exactly the share when that is whole). The cents left after
    rounding down go to the largest remainders, ties to the first part. All-zero weights split
    equally. Raises ``ValueError`` for a negative total or weight, or no weights with a total.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("split needs a non-negative total and non-negative weights")
    if not weights:
        if total:
            raise ValueError("cannot split a non-zero amount over no parts")
        return []
    whole = sum(weights)
    if whole == 0:
        weights, whole = [1] * len(weights), len(weights)
    parts, remainders = [], []
    for weight in weights:
        part, remainder = divmod(total * weight, whole)
        parts.append(part)
        remainders.append(remainder)
    missing = total - sum(parts)
    for index in sorted(range(len(parts)), key=lambda n: (-remainders[n], n))[:missing]:
        parts[index] += 1
    return parts


def allocate(direct: Sequence[Sequence[int]], row_totals: Sequence[int],
             column_totals: Sequence[int]) -> list[list[int]]:
    """A matrix of whole cents with exactly these row and column totals, close to ``direct``.

    Rows are members (``row_totals``: what each is charged for goods), columns vendors
    (``column_totals``: what each is owed). ``direct[m][v]`` is what member ``m``'s own lines
    and fees come to at vendor ``v``. Each row is first split in proportion to its direct
    amounts; cents then move inside rows from vendors that got too much to vendors that got
    too little, preferring members who bought from the receiving vendor. When the totals are
    the direct sums, the result is ``direct`` itself. Raises ``ValueError`` when the totals
    differ or anything is negative.
    """
    if sum(row_totals) != sum(column_totals):
        raise ValueError("row and column totals must be equal")
    if any(c < 0 for c in column_totals):
        raise ValueError("column totals must not be negative")
    result = [split(total, list(row) if sum(row) > 0 else list(column_totals))
              for row, total in zip(direct, row_totals, strict=True)]
    delta = [want - sum(row[v] for row in result) for v, want in enumerate(column_totals)]
    while any(d < 0 for d in delta):
        donor = next(v for v, d in enumerate(delta) if d < 0)
        receiver = next(v for v, d in enumerate(delta) if d > 0)
        rows = [m for m, row in enumerate(result) if row[donor] > 0]
        m = next((m for m in rows if direct[m][receiver] > 0), rows[0])
        moved = min(result[m][donor], -delta[donor], delta[receiver])
        result[m][donor] -= moved
        result[m][receiver] += moved
        delta[donor] += moved
        delta[receiver] -= moved
    return result


def scale(amount: int, numerator: int, denominator: int) -> int:
    """``amount * numerator / denominator`` rounded half up (non-negative integers)."""
    if denominator <= 0 or amount < 0 or numerator < 0:
        raise ValueError("scale needs non-negative values and a positive denominator")
    return (2 * amount * numerator + denominator) // (2 * denominator)


def hub_fee(goods_cents: int, percent: Decimal, fixed_cents: int) -> int:
    """The hub's fee on one member's share: ``percent`` of the goods (half up) plus a fixed amount."""
    if goods_cents < 0 or fixed_cents < 0 or not Decimal(0) <= percent <= Decimal(100):
        raise ValueError("a fee needs non-negative amounts and a percentage from 0 to 100")
    share = (Decimal(goods_cents) * percent / Decimal(100)).quantize(Decimal(1), ROUND_HALF_UP)
    return int(share) + fixed_cents


def shortage_value(amount_cents: int, packs: int, short_packs: int) -> int:
    """What ``short_packs`` of a line of ``packs`` packs worth ``amount_cents`` come to."""
    if not 0 <= short_packs <= packs:
        raise ValueError("a shortage is between none and every pack of the line")
    return scale(amount_cents, short_packs, packs)


def format_cents(cents: int) -> str:
    """``$1,234.56`` (``-$0.50`` below zero)."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"
