"""Small statistics helpers of the benchmark: percentiles and a query counter."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import event
from sqlalchemy.engine import Engine


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile (0–100), interpolating linearly between ranks.

    The same definition as numpy's default and Python's
    `statistics.quantiles(method="inclusive")`: p0 is the minimum, p100 the
    maximum, p50 the median.
    """
    if not values:
        raise ValueError("no values")
    if not 0 <= pct <= 100:
        raise ValueError("pct must be within 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95)


class QueryCounter:
    """Counts the SQL statements sent through `engine` while it is active.

        with QueryCounter(db.engine) as counter:
            client.get("/tasks")
        counter.count  # statements of that request

    `reset()` starts again at zero without detaching.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append(statement)

    def reset(self) -> None:
        self.count = 0
        self.statements = []

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)
