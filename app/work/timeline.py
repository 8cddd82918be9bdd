"""A theme's tasks and deadlines on a time axis, drawn as server-side SVG.

The geometry is computed here; templates/work/_timeline.html only draws it. The
table beside it in the page is the accessible version of the same items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import format_date

LABEL_WIDTH = 250
WIDTH = 820
ROW_HEIGHT = 22
AXIS_HEIGHT = 30
MARGIN = 12
MAX_LABEL = 34


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # task | call
    title: str
    day: date
    status: str  # a task status, or "deadline" for a call
    overdue: bool = False
    progress: int | None = None
    url: str | None = None
    start: date | None = None  # a task's start date: a bar from start to day
    key: int | None = None  # a task's id
    after: tuple[int, str] | None = None  # the task it starts after: id, title


@dataclass(frozen=True)
class PlacedItem:
    item: TimelineItem
    x: float
    y: float
    start_x: float | None = None  # where the bar begins (tasks with a start date)
    # The predecessor's marker, when it is on the timeline too (an arrow from it).
    after_xy: tuple[float, float] | None = None

    @property
    def short_title(self) -> str:
        title = self.item.title
        return title if len(title) <= MAX_LABEL else title[: MAX_LABEL - 1] + "…"


@dataclass(frozen=True)
class Timeline:
    items: list[PlacedItem]
    ticks: list[tuple[float, str]]
    today_x: float
    width: int
    height: int
    chart_left: int
    chart_right: int


def _month_starts(start: date, end: date, step: int) -> list[date]:
    months = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        day = date(year, month, 1)
        if day > end:
            return months
        if (month - 1) % step == 0:
            months.append(day)


def build_timeline(items: list[TimelineItem], today: date) -> Timeline | None:
    """Place `items` (sorted by day) on an axis that also shows today."""
    if not items:
        return None
    items = sorted(items, key=lambda i: (i.day, i.kind, i.title))
    earliest = min(item.start or item.day for item in items)
    start = min(earliest, today) - timedelta(days=10)
    end = max(items[-1].day, today) + timedelta(days=10)
    left, right = LABEL_WIDTH + MARGIN, WIDTH - MARGIN
    span = (end - start).days

    def x_of(day: date) -> float:
        return round(left + (day - start).days / span * (right - left), 1)

    months = span / 30.4
    step = 1 if months <= 12 else 3 if months <= 36 else 12
    pattern = "MMM yy" if step < 12 else "yyyy"
    ticks = [
        (x_of(d), format_date(d, pattern)) for d in _month_starts(start, end, step)
    ]
    placed = [
        PlacedItem(
            item,
            x_of(item.day),
            AXIS_HEIGHT + (n + 0.5) * ROW_HEIGHT,
            x_of(item.start) if item.start else None,
        )
        for n, item in enumerate(items)
    ]
    where = {p.item.key: (p.x, p.y) for p in placed if p.item.key is not None}
    placed = [
        replace(p, after_xy=where.get(p.item.after[0])) if p.item.after else p
        for p in placed
    ]
    return Timeline(
        items=placed,
        ticks=ticks,
        today_x=x_of(today),
        width=WIDTH,
        height=AXIS_HEIGHT + len(items) * ROW_HEIGHT + MARGIN,
        chart_left=left,
        chart_right=right,
    )
