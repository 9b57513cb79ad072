"""Reviewing a run's plan before publishing it (hub only), and comparing two runs.

Everything here is read from what the run stored: its instance (the prices it used) and its
plan (the optimizer's answer), both in the optimizer spec's JSON, worked out once per process
(:mod:`marketplace.services.plan_figures`); the names of sites, members and categories come
from the database on each view. Money is integer cents; prices per pack are decimals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from marketplace.errors import ConflictError, NotFoundError
from marketplace.models import (
    Category,
    Cycle,
    OptimizationRun,
    Organization,
    Role,
    RunStatus,
    Site,
    User,
)
from marketplace.services.paging import LazyRows
from marketplace.services.plan_figures import (  # noqa: F401  (cents, percent, ...: this module's API too)
    PUBLISHABLE,
    DeliveryFigure,
    LineFigure,
    OfferRow,
    PlanFigures,
    TierRow,
    alone_price,
    average_price,
    cents,
    load_run_instance,
    percent,
    plan_figures,
    spec_id,
    tier_reason,
    usd,
)
from marketplace.services.runs import run_plan  # noqa: F401  (approvals reads the plan through here)
from marketplace.services.scope import get_scoped, require_role, scoped_select

F = TypeVar("F", LineFigure, DeliveryFigure)


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    cost_cents: int
    standalone_cents: int | None
    standalone_unmet: tuple[str, ...] = ()

    @property
    def savings_cents(self) -> int | None:
        return None if self.standalone_cents is None else self.standalone_cents - self.cost_cents

    @property
    def savings_percent(self) -> Decimal | None:
        return percent(self.savings_cents, self.standalone_cents)


@dataclass
class SpendRow:
    """What the plan spends with one vendor, at one site or on one category."""

    key: str
    name: str
    goods_cents: int = 0
    fees_cents: int = 0
    detail: str = ""
    lines: int = 0

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.fees_cents


@dataclass(frozen=True)
class LineRow:
    site_id: int
    site: str
    member: str
    item: str
    unit: str
    vendor: str
    offer_id: int
    packs: int
    quantity: Decimal
    tier: int
    unit_price: Decimal
    amount_cents: int


@dataclass(frozen=True)
class DeliveryRow:
    site: str
    vendor: str
    fee_cents: int
    waived: bool
    floor_value: Decimal | None


@dataclass
class PlanReview:
    """Everything the plan review page shows about one run. ``lines`` and ``deliveries`` are
    sequences that make their rows when read, so a page of a 9,000-line plan costs a page."""

    run: OptimizationRun
    cycle: Cycle
    status: str
    gap: float | None
    total_cents: int | None
    standalone_cents: int | None
    savings_cents: int | None
    members: list[MemberRow] = field(default_factory=list)
    vendors: list[SpendRow] = field(default_factory=list)
    sites: list[SpendRow] = field(default_factory=list)
    categories: list[SpendRow] = field(default_factory=list)
    offers: list[OfferRow] = field(default_factory=list)
    lines: Sequence[LineRow] = field(default_factory=list)
    deliveries: Sequence[DeliveryRow] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fees_cents: int = 0
    # What members, spend, offers and charts are made of: the stored plan and the names read
    # (equal keys, equal tables; the web layer keeps their rendering under it).
    tables_key: Hashable = None

    @property
    def savings_percent(self) -> Decimal | None:
        return percent(self.savings_cents, self.standalone_cents)

    @property
    def publishable(self) -> bool:
        return self.run.status is RunStatus.SUCCEEDED and self.status in PUBLISHABLE


def get_plan_run(session: Session, actor: User, run_id: int) -> OptimizationRun:
    """A run of the hub's alliance that has a plan (NotFound for others, Conflict without plan)."""
    run = get_scoped(session, actor, OptimizationRun, run_id)
    require_role(actor, Role.HUB_MANAGER)
    if run.plan_sha256 is None or run.instance_sha256 is None:  # the digests: not the texts' megabytes
        raise ConflictError(f"Run #{run.number} has no plan yet ({run.status.label.lower()}).")
    return run


def plan_review(session: Session, actor: User, run_id: int) -> PlanReview:
    """The review of a run's plan: totals, savings, spend by vendor, site and category, each
    offer's tier and why, lines, deliveries and what could not be met."""
    run = get_plan_run(session, actor, run_id)
    figures = plan_figures(run)
    assert figures is not None  # get_plan_run: the run has a plan
    names = _Names(session, actor, figures)
    review = PlanReview(run=run, cycle=run.cycle, status=figures.status, gap=figures.gap,
                        total_cents=figures.total_cents, standalone_cents=figures.standalone_cents,
                        savings_cents=figures.savings_cents, unmet=list(figures.unmet), notes=list(figures.notes))
    review.members = member_rows(figures, names.members)
    review.tables_key = (run.instance_sha256, run.plan_sha256, names.fingerprint())
    if figures.lines_by_site is not None and figures.deliveries_by_site is not None:
        review.lines = LazyRows(_by_site_name(figures.lines_by_site, names.sites,
                                              lambda x: (x.item.lower(), x.vendor.lower(), x.order)),
                                lambda x: _line_row(x, names))
        review.deliveries = LazyRows(_by_site_name(figures.deliveries_by_site, names.sites,
                                                   lambda d: (d.vendor.lower(), d.order)),
                                     lambda d: DeliveryRow(names.sites.get(d.site, d.site), d.vendor, d.fee_cents,
                                                           d.waived, d.floor_value))
        review.offers = list(figures.offers)
        review.vendors, review.sites, review.categories = _spend(figures, names)
        review.fees_cents = sum(row.fees_cents for row in review.vendors)
    return review


def member_rows(figures: PlanFigures, names: dict[str, str]) -> list[MemberRow]:
    rows = [MemberRow(spec_id(m.member), names.get(m.member, m.member), m.cost_cents, m.standalone_cents,
                      m.standalone_unmet) for m in figures.members]
    return sorted(rows, key=lambda m: m.name.lower())


class _Names:
    """People's names for the ids of a plan: members' (the instance's, then the database's),
    vendors' (the instance's), sites' and categories' (the database's). Read for everything the
    actor sees rather than by id: a 300-site plan's id lists cost more to send than the rows."""

    def __init__(self, session: Session, actor: User, figures: PlanFigures):
        self.members = dict(figures.member_names)
        self.vendors = figures.vendor_names
        self.members.update({f"m{i}": name for i, name in session.execute(
            scoped_select(actor, Organization).with_only_columns(Organization.id, Organization.name))
            if f"m{i}" in self.members})
        self.sites = {f"s{i}": name for i, name in session.execute(
            scoped_select(actor, Site).with_only_columns(Site.id, Site.name))} if figures.site_members else {}
        self.categories = dict(session.execute(
            scoped_select(actor, Category).with_only_columns(Category.slug, Category.name)).all()
        ) if figures.category_spend else {}

    def fingerprint(self) -> Hashable:
        """Every name read, as one comparable value (whatever order the rows came in)."""
        return tuple(frozenset(names.items()) for names in (self.members, self.vendors, self.sites,
                                                              self.categories))


def _by_site_name(groups: dict[str, tuple[F, ...]], site_names: dict[str, str], within: Callable[[F], Any]
                  ) -> list[F]:
    """The rows of every site, sites in the order of their names; each group is already in
    ``within`` order (sites of one name mix their rows by it)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for site in groups:
        by_name[site_names.get(site, site).lower()].append(site)
    rows: list[F] = []
    for name in sorted(by_name):
        sites = by_name[name]
        rows.extend(groups[sites[0]] if len(sites) == 1 else sorted((r for s in sites for r in groups[s]), key=within))
    return rows


def _line_row(x: LineFigure, names: _Names) -> LineRow:
    return LineRow(spec_id(x.site), names.sites.get(x.site, x.site), names.members.get(x.member, ""), x.item,
                   x.unit, x.vendor, x.offer_id, x.packs, x.quantity, x.tier, x.unit_price, x.amount_cents)


def _spend(figures: PlanFigures, names: _Names) -> tuple[list[SpendRow], list[SpendRow], list[SpendRow]]:
    vendors = [SpendRow(key, names.vendors.get(key, key), s.goods_cents, s.fees_cents, lines=s.lines)
               for key, s in (figures.vendor_spend or {}).items()]
    sites = [SpendRow(str(spec_id(key)) if s.lines else key, names.sites.get(key, key), s.goods_cents, s.fees_cents,
                      names.members.get((figures.site_members or {}).get(key, ""), ""), s.lines)
             for key, s in (figures.site_spend or {}).items()]
    categories = [SpendRow(key, names.categories.get(key, key or "Other"), s.goods_cents, lines=s.lines)
                  for key, s in (figures.category_spend or {}).items()]
    order = lambda rows: sorted(rows, key=lambda r: (-r.total_cents, r.name.lower()))  # noqa: E731
    return order(vendors), order(sites), order(categories)


# ---------------------------------------------------------------- comparing two runs

@dataclass(frozen=True)
class Delta:
    """One row of a comparison: a member or a vendor in run A and run B (None: not in it)."""

    name: str
    a_cents: int | None
    b_cents: int | None
    more_is_better: bool = False  # savings: a rise is good news

    @property
    def change_cents(self) -> int | None:
        return None if self.a_cents is None or self.b_cents is None else self.b_cents - self.a_cents


@dataclass
class RunComparison:
    a: OptimizationRun
    b: OptimizationRun
    totals: list[Delta]
    members: list[Delta]
    vendors: list[Delta]


def compare_runs(session: Session, actor: User, run_id: int, other_run_id: int) -> RunComparison:
    """Two runs of one cycle side by side: totals, each member's cost, each vendor's order."""
    a = get_plan_run(session, actor, run_id)
    b = get_plan_run(session, actor, other_run_id)
    if a.cycle_id != b.cycle_id:
        raise NotFoundError()
    plans = [plan_figures(a), plan_figures(b)]
    assert plans[0] is not None and plans[1] is not None  # get_plan_run: both have a plan
    names = [_Names(session, actor, p) for p in plans]
    totals = [Delta(label, getattr(plans[0], key), getattr(plans[1], key), key == "savings_cents")
              for label, key in (("Total cost", "total_cents"), ("Members alone", "standalone_cents"),
                                 ("Savings", "savings_cents"))]
    members = _deltas([{m.member: m.cost_cents for m in p.members} for p in plans],
                      {**names[0].members, **names[1].members})
    vendors = _deltas([p.purchase_orders for p in plans], {**names[0].vendors, **names[1].vendors})
    return RunComparison(a, b, totals, members, vendors)


def _deltas(values: list[dict[str, int | None]], names: dict[str, str]) -> list[Delta]:
    keys = set(values[0]) | set(values[1])
    rows = [Delta(names.get(k, k), values[0].get(k), values[1].get(k)) for k in keys]
    return sorted(rows, key=lambda d: d.name.lower())


def other_runs(session: Session, actor: User, run: OptimizationRun) -> list[OptimizationRun]:
    """The cycle's other runs with a plan to compare with, newest first."""
    return list(session.scalars(scoped_select(
        actor, OptimizationRun, OptimizationRun.cycle_id == run.cycle_id, OptimizationRun.id != run.id,
        OptimizationRun.plan_sha256.is_not(None)).order_by(OptimizationRun.number.desc())))
