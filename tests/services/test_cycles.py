"""Cycles: opening turns needs into lines scaled to the cycle; the cutoff freezes them;
the next-tier hint says how far the alliance is from the next price."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.models import Cadence, CycleStatus, DemandLine, DemandSource
from marketplace.services import cycles, demand, tier_hints
from marketplace.services.cycles import CycleInput
from marketplace.services.demand import LineInput
from tests.cycle_factories import build_cycle_world, make_cycle, make_need
from tests.factories import build_catalog_world, make_item

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def four_weeks(**changes):
    values = {"name": "March", "opens_at": NOW, "cutoff_at": NOW + timedelta(days=7),
              "delivery_on": date(2026, 3, 16), "length_days": 28}
    return CycleInput(**(values | changes))


@pytest.fixture
def cw(session, world):
    return build_catalog_world(session, world)


def test_hub_creates_a_cycle_with_sound_dates(session, world):
    cycle = cycles.create_cycle(session, world.hub, four_weeks())
    assert (cycle.status, cycle.length_days, cycle.alliance_id) == (CycleStatus.DRAFT, 28, world.hub.alliance_id)
    with pytest.raises(ValidationError) as caught:
        cycles.create_cycle(session, world.hub, four_weeks(cutoff_at=NOW - timedelta(hours=1),
                                                           delivery_on=None, length_days=0))
    assert set(caught.value.field_errors) == {"cutoff_at", "delivery_on", "length_days"}
    with pytest.raises(PermissionDeniedError):
        cycles.create_cycle(session, world.dx, four_weeks())


def test_opening_turns_each_need_into_a_line_for_the_cycles_length(session, world, cw):
    eggs = make_item(session, cw.category, "eggs-c", unit="dozen")
    wipes = make_item(session, cw.category, "wipes-c", unit="each")
    towels = make_item(session, cw.category, "towels-c", unit="roll")
    make_need(session, world.site_x, cw.item, "34", cadence=Cadence.WEEKLY, max_unit_price=Decimal("4.5"))
    make_need(session, world.site_x, eggs, "10", cadence=Cadence.BIWEEKLY)
    make_need(session, world.site_y, wipes, "12", cadence=Cadence.MONTHLY)
    make_need(session, world.site_y, cw.item, "50", cadence=Cadence.EVERY_CYCLE)
    # ends a week into the cycle's period: one week of it; and one that has not started yet
    make_need(session, world.site_y, eggs, "7", cadence=Cadence.WEEKLY, ends_on=date(2026, 3, 22))
    make_need(session, world.site_x, towels, "5", starts_on=date(2026, 6, 1))
    make_need(session, world.site_z, cw.item, "99")  # another alliance
    cycle = cycles.create_cycle(session, world.hub, four_weeks())
    assert cycles.open_cycle(session, world.hub, cycle.id, now=NOW) == 5
    lines = {(line.site_id, line.item_id): line for line in
             session.scalars(select(DemandLine).where(DemandLine.cycle_id == cycle.id))}
    assert {k: v.quantity for k, v in lines.items()} == {
        (world.site_x.id, cw.item.id): Decimal("136"),  # 34 a week x 4 weeks
        (world.site_x.id, eggs.id): Decimal("20"),  # 10 every other week x 2
        (world.site_y.id, wipes.id): Decimal("11.0390"),  # 12 a month x 28 / 30.4375 days
        (world.site_y.id, cw.item.id): Decimal("50"),
        (world.site_y.id, eggs.id): Decimal("7"),
    }
    milk = lines[(world.site_x.id, cw.item.id)]
    assert (milk.source, milk.max_unit_price) == (DemandSource.RECURRING, Decimal("4.5"))
    assert session.get(type(cycle), cycle.id).status is CycleStatus.OPEN
    with pytest.raises(ConflictError):
        cycles.open_cycle(session, world.hub, cycle.id, now=NOW)


def test_inactive_needs_and_sites_are_not_ordered(session, world, cw):
    make_need(session, world.site_x, cw.item, "5", active=False)
    world.site_y.active = False
    make_need(session, world.site_y, cw.item, "5")
    cycle = cycles.create_cycle(session, world.hub, four_weeks())
    assert cycles.open_cycle(session, world.hub, cycle.id, now=NOW) == 0


def test_directors_edit_their_lines_until_cutoff_then_they_are_frozen(session, world, cw):
    cycle = cycles.create_cycle(session, world.hub, four_weeks())
    cycles.open_cycle(session, world.hub, cycle.id, now=NOW)
    line = demand.add_line(session, world.dx, cycle.id, world.site_x.id,
                           LineInput(cw.item.id, Decimal("12")), now=NOW)
    demand.update_line(session, world.dx, line.id, LineInput(cw.item.id, Decimal("16")), now=NOW)
    assert [x.quantity for x in demand.list_site_lines(session, world.dx, cycle.id, world.site_x.id)] == [16]
    with pytest.raises(NotFoundError):
        demand.update_line(session, world.dy, line.id, LineInput(cw.item.id, Decimal("1")), now=NOW)
    with pytest.raises(PermissionDeniedError):
        demand.update_line(session, world.hub, line.id, LineInput(cw.item.id, Decimal("1")), now=NOW)
    after_cutoff = NOW + timedelta(days=7)
    for attempt in (lambda: demand.update_line(session, world.dx, line.id, LineInput(cw.item.id, Decimal("1")),
                                               now=after_cutoff),
                    lambda: demand.remove_line(session, world.dx, line.id, now=after_cutoff),
                    lambda: demand.add_line(session, world.dy, cycle.id, world.site_y.id,
                                            LineInput(cw.item.id, Decimal("3")), now=after_cutoff)):
        with pytest.raises(ConflictError, match="cutoff .* has passed"):
            attempt()
    assert [x.quantity for x in demand.list_site_lines(session, world.dx, cycle.id, world.site_x.id)] == [16]


def test_closing_freezes_lines_even_before_the_cutoff(session, world, cw):
    cycle = cycles.create_cycle(session, world.hub, four_weeks())
    cycles.open_cycle(session, world.hub, cycle.id, now=NOW)
    line = demand.add_line(session, world.dx, cycle.id, world.site_x.id, LineInput(cw.item.id, Decimal("2")), now=NOW)
    cycles.close_cycle(session, world.hub, cycle.id, now=NOW + timedelta(days=1))
    with pytest.raises(ConflictError, match="frozen"):
        demand.remove_line(session, world.dx, line.id, now=NOW + timedelta(days=1))


def test_due_cycles_close_by_themselves(session, world):
    a = world.hub.organization.alliance
    due = make_cycle(session, a, status=CycleStatus.OPEN, opens_at=NOW - timedelta(days=7), cutoff_at=NOW)
    later = make_cycle(session, a, status=CycleStatus.OPEN, opens_at=NOW, cutoff_at=NOW + timedelta(days=3))
    assert cycles.close_due_cycles(session, now=NOW) == [due.id]
    assert (due.status, later.status) == (CycleStatus.CLOSED, CycleStatus.OPEN)


def test_a_line_per_item_and_catalog_items_only(session, world, cw):
    cycle = cycles.create_cycle(session, world.hub, four_weeks())
    cycles.open_cycle(session, world.hub, cycle.id, now=NOW)
    demand.add_line(session, world.dx, cycle.id, world.site_x.id, LineInput(cw.item.id, Decimal("2")), now=NOW)
    with pytest.raises(ValidationError, match="Please correct") as caught:
        demand.add_line(session, world.dx, cycle.id, world.site_x.id, LineInput(cw.item.id, Decimal("2")), now=NOW)
    assert "already has a line" in caught.value.field_errors["item_id"]


def test_next_tier_hint_counts_packs_across_the_alliance(session, world):
    cyc = build_cycle_world(session, world)
    hints = {(h.vendor_name, h.item.slug): h for h in tier_hints.next_tier_hints(session, world.hub, cyc.cycle.id)}
    # V's milk: 40 gal -> 10 packs of 4 at X, 24 gal -> 6 at Y: 16 pooled, 4 more reach 20 packs at 14.80
    milk_v = hints[("SECRET-Vendor-V", "milk-c")]
    assert (milk_v.pooled_packs, milk_v.packs_more, milk_v.units_more) == (16, 4, Decimal(16))
    assert (milk_v.price_now, milk_v.price_next, milk_v.saving_cents) == (Decimal("15.96"), Decimal("14.80"), 2320)
    # W's milk by the gallon: 64 pooled, 36 more reach 100 gal at 4.10: saves 0.40 x 100
    milk_w = hints[("Vendor W", "milk-c")]
    assert (milk_w.pooled_packs, milk_w.packs_more, milk_w.saving_cents) == (64, 36, 4000)
    # V's apples: 3 + 2 packs already reach the 5-pack tier, and there is no further one
    assert ("SECRET-Vendor-V", "apples-c") not in hints
    # one more gallon at Y moves W's hint by one pack
    line = cyc.lines[("y", "milk-c")]
    demand.update_line(session, world.dy, line.id, LineInput(line.item_id, Decimal("25")), now=cyc.now)
    again = {(h.vendor_name, h.item.slug): h for h in tier_hints.next_tier_hints(session, world.dy, cyc.cycle.id)}
    assert again[("Vendor W", "milk-c")].packs_more == 35
    assert again[("SECRET-Vendor-V", "milk-c")].packs_more == 3  # 25 gal -> 7 packs of 4


def test_cycles_are_the_alliances(session, world):
    cycle = make_cycle(session, world.hub.organization.alliance)
    assert [c.id for c in cycles.list_cycles(session, world.dx)] == [cycle.id]
    for outsider in (world.other_hub, world.dz, world.vendor):
        with pytest.raises(NotFoundError):
            cycles.get_cycle(session, outsider, cycle.id)
    with pytest.raises(NotFoundError):
        cycles.open_cycle(session, world.other_hub, cycle.id, now=NOW)
