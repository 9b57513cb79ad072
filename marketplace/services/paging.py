"""One page of a longer list, for the pages that browse the catalog, offers and sheets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
S = TypeVar("S")
MAX_PER_PAGE = 500


class LazyRows(Sequence[T]):
    """A read-only list whose rows are made from ``items`` by ``make`` when read: a page of a
    long table makes only that page's rows."""

    def __init__(self, items: Sequence[S], make: Callable[[S], T]):
        self._items, self._make = items, make

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"<LazyRows of {len(self)}>"


@dataclass(frozen=True)
class Page(Generic[T]):
    """``rows`` of page ``number`` (1-based) out of ``total`` rows, ``per_page`` a page."""

    rows: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """The 1-based position of the first row shown (0 when there is none)."""
        return (self.number - 1) * self.per_page + 1 if self.rows else 0


def _bounds(number: int, per_page: int) -> tuple[int, int]:
    return max(number, 1), min(max(per_page, 1), MAX_PER_PAGE)


def paginate(session: Session, query: Select[Any], number: int, per_page: int) -> Page[Any]:
    """Run ``query`` for one page; a page past the end shows the last one."""
    number, per_page = _bounds(number, per_page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(number, max(1, -(-total // per_page)))
    rows = list(session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    return Page(rows, number, per_page, total)


def paginate_list(rows: Sequence[T], number: int, per_page: int) -> Page[T]:
    """The same for a list already in memory (an error table, a diff)."""
    number, per_page = _bounds(number, per_page)
    number = min(number, max(1, -(-len(rows) // per_page)))
    start = (number - 1) * per_page
    return Page(list(rows[start:start + per_page]), number, per_page, len(rows))
