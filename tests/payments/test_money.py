"""Money math, no database: largest-remainder splits (over 100,000 cases), the two-way
allocation of members' charges to vendors, fees and shortages."""

from __future__ import annotations

import itertools
import random
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.payments.money import allocate, format_cents, hub_fee, scale, shortage_value, split

SEEDED_CASES = 100_000
HYPOTHESIS_CASES = 100_000


def check_split(total: int, weights: list[int]) -> list[int]:
    """Assert the split's contract; return the parts."""
    parts = split(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total, "the parts add up to the whole"
    effective = weights if sum(weights) else [1] * len(weights)
    whole = sum(effective)
    for part, weight in zip(parts, effective, strict=True):
        # |part - total * w / W| < 1 cent, and exact when the share is a whole number of cents
        assert abs(part * whole - total * weight) < whole, (total, weights, parts)
        if (total * weight) % whole == 0:
            assert part * whole == total * weight
    assert split(total, list(weights)) == parts, "deterministic"
    return parts


def random_case(rng: random.Random) -> tuple[int, list[int]]:
    size = rng.randint(1, 12)
    total = rng.choice((rng.randint(0, 100), rng.randint(0, 10**6), rng.randint(0, 10**11)))
    weights = [rng.choice((0, rng.randint(1, 10), rng.randint(1, 10**8))) for _ in range(size)]
    return total, weights


def test_split_holds_on_100_000_seeded_random_cases():
    rng = random.Random(20260301)
    started = time.process_time()  # CPU time: another process on the machine does not count
    checked = 0
    for _ in range(SEEDED_CASES):
        check_split(*random_case(rng))
        checked += 1
    assert checked == SEEDED_CASES
    assert time.process_time() - started < 60


def test_split_holds_on_every_small_case():
    count = 0
    for total in range(0, 41):
        for size in (1, 2, 3):
            for weights in itertools.product(range(5), repeat=size):
                check_split(total, list(weights))
                count += 1
    assert count == 41 * (5 + 25 + 125)


@pytest.mark.slow
def test_split_property_on_100_000_hypothesis_cases():
    checked = []

    @settings(max_examples=HYPOTHESIS_CASES, deadline=None, database=None)
    @given(st.integers(0, 10**12), st.lists(st.integers(0, 10**9), min_size=1, max_size=20))
    def split_keeps_its_contract(total, weights):
        check_split(total, weights)
        checked.append(len(weights))

    split_keeps_its_contract()
    assert len(checked) >= HYPOTHESIS_CASES


def test_split_gives_leftover_cents_to_the_largest_remainders_then_the_first():
    assert split(100, [1, 1, 1]) == [34, 33, 33]
    assert split(10, [1, 2]) == [3, 7]
    assert split(5, [0, 0]) == [3, 2]
    assert split(0, []) == []
    with pytest.raises(ValueError):
        split(1, [])
    with pytest.raises(ValueError):
        split(-1, [1])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_allocation_has_exact_row_and_column_totals(data):
    members = data.draw(st.integers(1, 5))
    vendors = data.draw(st.integers(1, 4))
    direct = [[data.draw(st.integers(0, 50_000)) for _ in range(vendors)] for _ in range(members)]
    columns = [sum(row[v] for row in direct) for v in range(vendors)]
    total = sum(columns)
    # Members' charges may differ from their own lines (a fair split moves cost between them).
    rows = split(total, [data.draw(st.integers(0, 100)) for _ in range(members)]) if total else [0] * members
    result = allocate(direct, rows, columns)
    assert [sum(r) for r in result] == rows
    assert [sum(r[v] for r in result) for v in range(vendors)] == columns
    assert all(cell >= 0 for r in result for cell in r)
    assert allocate(direct, [sum(r) for r in direct], columns) == direct


def test_allocation_moves_cost_only_inside_rows():
    direct = [[100, 0], [0, 100]]
    assert allocate(direct, [150, 50], [100, 100]) == [[100, 50], [0, 50]]
    with pytest.raises(ValueError):
        allocate(direct, [100, 50], [100, 100])


def test_fee_scale_and_shortage_round_half_up():
    assert hub_fee(26300, Decimal("2"), 150) == 676
    assert hub_fee(25, Decimal("2"), 0) == 1  # 0.5 cent rounds up
    assert hub_fee(0, Decimal("0"), 0) == 0
    with pytest.raises(ValueError):
        hub_fee(100, Decimal("101"), 0)
    assert scale(101, 1, 2) == 51 and scale(100, 1, 3) == 33
    assert shortage_value(14800, 10, 2) == 2960 and shortage_value(999, 3, 3) == 999
    with pytest.raises(ValueError):
        shortage_value(100, 2, 3)
    assert format_cents(123456) == "$1,234.56" and format_cents(-50) == "-$0.50"
