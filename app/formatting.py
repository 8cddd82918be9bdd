"""Formatting of dates, amounts, percentages, means and yes/no: the one place for it.

Pages, messages and workbooks all go through here. One function per kind of
value (and one Excel number format per kind), so that each can be made cheaper
in one place.

Decisions: amounts as € 12.500,00 (Babel's currency format of the language);
percentages and progress as Babel's percent format ("60%"), in workbooks as a
fraction with the `0%` number format; means rounded to one decimal ("5,8");
yes/no as the translated words "ja"/"nee" ("yes"/"no"), never a blank.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import format_percent as babel_percent
from flask_babel import gettext as _

# Excel number formats, one per kind of value (used by app/exports/excel.py).
EURO_FORMAT = '"€" #,##0.00'
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
PERCENT_FORMAT = "0%"
MEAN_FORMAT = "0.0"


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
    """A number rounded to at most `digits` decimals: 12,5 in Dutch."""
    if value is None:
        return ""
    return format_decimal(round(value, digits))


def mean_value(value: float | None) -> float | None:
    """A mean rounded to one decimal, as pages and workbooks show it."""
    return None if value is None else round(float(value), 1)


def fmt_mean(value: float | None) -> str:
    """A mean with one decimal: 5,8 in Dutch."""
    if value is None:
        return ""
    return format_decimal(mean_value(value), "#,##0.0")


def fmt_percent(value: float | Decimal | None, digits: int = 0) -> str:
    """A share (0.6) as a percentage: 60%."""
    if value is None:
        return ""
    pattern = "#,##0%" if digits == 0 else "#,##0." + "#" * digits + "%"
    return babel_percent(value, pattern)


def fmt_progress(value: float | Decimal | int | None, digits: int = 0) -> str:
    """A figure out of 100 (task progress, a partner's share) as a percentage."""
    if value is None:
        return ""
    return fmt_percent(Decimal(str(value)) / 100, digits)


def progress_value(value: float | int | None) -> float | None:
    """A figure out of 100 as the fraction a workbook's percent format expects."""
    return None if value is None else value / 100


def fmt_yes_no(value: bool | None) -> str:
    """ja / nee (yes / no): every yes-or-no column and cell says it in words."""
    return _("yes") if value else _("no")


FILTERS = {
    "date": fmt_date,
    "datetime": fmt_datetime,
    "money": fmt_money,
    "number": fmt_number,
    "mean": fmt_mean,
    "percent": fmt_percent,
    "progress": fmt_progress,
    "yes_no": fmt_yes_no,
}
