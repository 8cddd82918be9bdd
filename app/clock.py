"""Today and now in the region's time zone (Europe/Brussels)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The current date in Brussels (not the server's zone)."""
    return datetime.now(BRUSSELS).date()


def brussels(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in Brussels as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)
