"""Sortable lists: the columns a list may sort on, and the sort its URL asks for.

The URL says `sort=<key>` (ascending) or `sort=-<key>` (descending); `dir=desc`
after a plain key is read too. A key that is not in the page's whitelist falls back
to the page's default: nothing from the URL reaches SQL but a chosen column. Rows
with an empty value come last in both directions; ties keep the order of the ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sort:
    """The sort of one list: a whitelisted key and its direction."""

    key: str
    descending: bool
    default: str

    @property
    def arg(self) -> str:
        """The value of `sort=` in the URL."""
        return f"-{self.key}" if self.descending else self.key

    @property
    def is_default(self) -> bool:
        return self.arg == self.default

    def args(self) -> dict[str, str]:
        """The query-string argument of this sort (none for the default)."""
        return {} if self.is_default else {"sort": self.arg}

    def aria(self, key: str) -> str | None:
        """`aria-sort` of the column `key`: only the sorted column has one."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def next_arg(self, key: str) -> str:
        """`sort=` of a click on the header of `key`: the sorted column turns
        around, another column sorts ascending."""
        if key == self.key and not self.descending:
            return f"-{key}"
        return key


@dataclass(frozen=True)
class Sortable:
    """The columns of one list page: key → SQL expression (or, for a list sorted in
    Python, key → function of a row), the default sort and the tie-breaking id."""

    columns: Mapping[str, Any]
    default: str
    tie: Any = None

    def parse(self, args: Mapping[str, Any]) -> Sort:
        """The sort asked by the query string; anything unknown gives the default."""
        raw = args.get("sort")
        raw = raw if isinstance(raw, str) else ""
        key = raw.removeprefix("-")
        if key not in self.columns:
            raw = self.default
            key = raw.removeprefix("-")
        elif not raw.startswith("-") and args.get("dir") == "desc":
            raw = f"-{key}"
        return Sort(key=key, descending=raw.startswith("-"), default=self.default)

    def order_by(self, sort: Sort) -> tuple:
        """ORDER BY clauses of `sort`: empty values last, then the id."""
        column = self.columns[sort.key]
        # NULLS LAST rather than an `IS NULL` key first: an index on the column
        # gives the order, so a page of a long list reads one page of rows
        # instead of sorting them all (SQLite 3.30+, PostgreSQL).
        if sort.descending:
            return (column.desc().nulls_last(), self.tie.desc())
        return (column.asc().nulls_last(), self.tie.asc())

    def sorted_rows(
        self, rows: Iterable[Any], sort: Sort, row_id: Callable[[Any], int]
    ) -> list[Any]:
        """`rows` of a bounded list sorted in Python by `sort` (same rules)."""
        value = self.columns[sort.key]
        by_id = sorted(rows, key=row_id, reverse=sort.descending)
        present = [row for row in by_id if value(row) is not None]
        missing = [row for row in by_id if value(row) is None]
        return sorted(present, key=value, reverse=sort.descending) + missing
