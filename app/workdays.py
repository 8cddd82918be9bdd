"""Working days in Belgium: no weekend, no public holiday (the `holidays`
package's Belgian calendar). Generated due dates fall on working days."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

import holidays


@cache
def belgian_holidays(year: int) -> frozenset[date]:
    """The Belgian public holidays of `year` (computed once per process)."""
    return frozenset(holidays.country_holidays("BE", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in belgian_holidays(day.year)  # Sat 5, Sun 6


def working_day_on_or_before(day: date) -> date:
    """`day` itself when it is a working day, else the last working day before it
    (a due date never moves later than the rule says)."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def shift_working_days(day: date, count: int) -> date:
    """`day` moved by `count` working days (back when negative): weekends and
    Belgian public holidays are skipped, as a person counts "3 working days later".
    """
    step = timedelta(days=1 if count >= 0 else -1)
    for _ in range(abs(count)):
        day += step
        while not is_working_day(day):
            day += step
    return day


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day after `day` (0: `day` itself if it is a working
    day, else the next one)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return shift_working_days(day, count)


def add_months(day: date, months: int) -> date:
    """`day` moved by `months`, on the last day of a shorter month."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
