"""Pagination for every list: one helper for queries and computed lists, one pager.

`paginate(source, page, per_page)` takes a SELECT (counted and sliced in SQL by
Flask-SQLAlchemy) or an already computed sequence; `window(fetch, page,
per_page)` pages a list that is expensive to count (merged from several
sources): it fetches one item more than the page to know whether a next page
exists. All three answer the interface of the `pager` macro in _macros.html
(page, pages, total, has_prev, has_next, prev_num, next_num, first, last).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from app.extensions import db
from app.web.params import query_int


def page_number(name: str = "page") -> int:
    """The page asked for in the query string (1 for anything that is not a
    whole number from 1 to MAX_ID: a larger offset fails the query)."""
    return query_int(name, 1)


@dataclass
class ListPage:
    """One page of a computed list; `total` is None when it was not counted."""

    items: list
    page: int
    per_page: int
    total: int | None
    more: bool = False  # a next page exists (for uncounted lists)
    more_than: int | None = None  # counted up to this many, and there are more

    @property
    def pages(self) -> int:
        if self.total is None:
            return self.page + (1 if self.more else 0)
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.total is None else self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def _per_page(per_page: int | None) -> int:
    return per_page or current_app.config["PAGE_SIZE"]


def paginate(
    source: Select | Sequence[Any], page: int | None = None, per_page: int | None = None
) -> Pagination | ListPage:
    """One page of a query (COUNT + LIMIT/OFFSET in SQL) or of a sequence.

    `page` defaults to the query string's `page`; a page past the end is empty
    (no 404: a list that shrank between two clicks is not an error)."""
    page = page or page_number()
    per_page = _per_page(per_page)
    if isinstance(source, Select):
        return db.paginate(source, page=page, per_page=per_page, error_out=False)
    start = (page - 1) * per_page
    return ListPage(list(source[start : start + per_page]), page, per_page, len(source))


def window(
    fetch: Callable[[int], Sequence[Any]],
    page: int | None = None,
    per_page: int | None = None,
) -> ListPage:
    """One page of a list too costly to count: `fetch(limit)` returns its first
    `limit` items in order; one more than the page tells whether more follow."""
    page = page or page_number()
    per_page = _per_page(per_page)
    start = (page - 1) * per_page
    items = list(fetch(start + per_page + 1))
    shown = items[start : start + per_page]
    return ListPage(shown, page, per_page, None, more=len(items) > start + per_page)


#: A long list counts its rows up to this many (beyond: "more than").
COUNT_UP_TO = 1000


def page_of(
    query: Select,
    page: int | None = None,
    per_page: int | None = None,
    count_up_to: int = COUNT_UP_TO,
) -> ListPage:
    """One page of a long query (a log of 100,000 entries): LIMIT/OFFSET one row
    past the page (is there a next one?), and a count that stops after
    `count_up_to` rows instead of reading them all; beyond it, `total` is None
    and `more_than` says how far it counted (the pager shows "Page n")."""
    page = page or page_number()
    per_page = _per_page(per_page)
    start = (page - 1) * per_page
    rows = list(db.session.scalars(query.offset(start).limit(per_page + 1)).unique())
    counted = db.session.scalar(
        select(func.count()).select_from(
            query.order_by(None).limit(count_up_to + 1).subquery()
        )
    )
    more = len(rows) > per_page
    if counted > count_up_to:
        return ListPage(rows[:per_page], page, per_page, None, more, count_up_to)
    return ListPage(rows[:per_page], page, per_page, counted, more)
