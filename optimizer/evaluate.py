"""Cost of a set of plan lines under rules 4 to 6, in exact decimals, without any solver."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from optimizer.instance import Instance

Packs = dict[tuple[str, str], int]  # (site id, offer id) -> whole packs


@dataclass(frozen=True)
class Delivery:
    site: str
    vendor: str
    floor_value: Decimal
    fee: Decimal  # the fee charged: 0 when waived or when the vendor has none

    @property
    def waived(self) -> bool:
        return self.fee == 0


@dataclass(frozen=True)
class Evaluation:
    """Exact cost of some lines: per offer on pooled packs, per delivery, and in total."""

    packs: Packs
    pooled: dict[str, int]
    offer_cost: dict[str, Decimal]
    deliveries: dict[tuple[str, str], Delivery]

    @property
    def goods(self) -> Decimal:
        return sum(self.offer_cost.values(), Decimal(0))

    @property
    def fees(self) -> Decimal:
        return sum((d.fee for d in self.deliveries.values()), Decimal(0))

    @property
    def total(self) -> Decimal:
        """Rule 6, exact (at most 4 decimal places)."""
        return self.goods + self.fees


def evaluate(instance: Instance, packs: Packs) -> Evaluation:
    """Price lines by rules 4 to 6. Lines with zero packs are ignored; ids must exist."""
    packs = {key: n for key, n in packs.items() if n}
    pooled: dict[str, int] = defaultdict(int)
    floor: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (site, offer_id), n in packs.items():
        offer = instance.offer_by_id[offer_id]
        pooled[offer_id] += n
        floor[(site, offer.vendor)] += offer.floor_price * n
    offer_cost = {o: instance.offer_by_id[o].cost(n) for o, n in pooled.items()}
    deliveries = {}
    for (site, vendor_id), value in floor.items():
        vendor = instance.vendor_by_id[vendor_id]
        waived = vendor.free_delivery_over is not None and value >= vendor.free_delivery_over
        fee = Decimal(0) if waived else vendor.delivery_fee
        deliveries[(site, vendor_id)] = Delivery(site, vendor_id, value, fee)
    return Evaluation(packs, dict(pooled), offer_cost, deliveries)
