"""Formatting of dates, amounts and labels for templates: the one place for it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal


def fmt_date(value: date | datetime | None) -> str:
    """28/11/2026 in Dutch, 28/11/2026 in English too (dd/mm/yyyy in Belgium)."""
    if value is None:
        return ""
    return format_date(value, "dd/MM/yyyy")


def fmt_datetime(value: datetime | None) -> str:
    """Date and time in Brussels time."""
    if value is None:
        return ""
    return format_datetime(value, "dd/MM/yyyy HH:mm")


def fmt_money(value: Decimal | int | None) -> str:
    """€ 12.500,00 in Dutch."""
    if value is None:
        return ""
    return format_currency(value, "EUR")


def fmt_number(value: float | Decimal | int | None, digits: int = 1) -> str:
    if value is None:
        return ""
    return format_decimal(round(value, digits))


def fmt_percent(value: float | None) -> str:
    if value is None:
        return ""
    return f"{format_decimal(round(value * 100))} %"


FILTERS = {
    "date": fmt_date,
    "datetime": fmt_datetime,
    "money": fmt_money,
    "number": fmt_number,
    "percent": fmt_percent,
}
