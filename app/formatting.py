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

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import nh3
from babel import Locale
from flask import current_app
from flask_babel import (
    format_currency,
    format_decimal,
)
from flask_babel import format_percent as babel_percent
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.i18n import current_locale

# Excel number formats, one per kind of value (used by app/exports/excel.py).
EURO_FORMAT = '"€" #,##0.00'
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
PERCENT_FORMAT = "0%"
MEAN_FORMAT = "0.0"

# --- precompiled per language -------------------------------------------------
# Babel parses and applies a number pattern on every call (~40 µs for an amount;
# a page of dossiers formats hundreds). Per language we take from Babel, once,
# the separators and the text around a number (currency sign, minus, percent),
# then format with Python's own grouping: the same text, about 20× faster. The
# layout is checked against Babel on probe values first; a language whose
# pattern does not fit (other grouping sizes...) keeps Babel's formatting.

_PROBES = (Decimal("1234567.89"), Decimal("1234.5"), Decimal("12.25"), Decimal("0"))


@dataclass(frozen=True)
class _Affixes:
    """The text before and after a positive and a negative number."""

    positive: tuple[str, str]
    negative: tuple[str, str]

    @classmethod
    def of(cls, format_probe) -> _Affixes:
        return cls(_around(format_probe(Decimal(5))), _around(format_probe(-5)))

    def wrap(self, digits: str, negative: bool) -> str:
        before, after = self.negative if negative else self.positive
        return before + digits + after


def _around(text: str) -> tuple[str, str]:
    """("€ ", "") from "€ 5,00": the text around the number."""
    start, end = text.index("5"), text.rindex("0" if "0" in text else "5") + 1
    return text[:start], text[end:]


@dataclass(frozen=True)
class _Language:
    separators: dict[int, str]  # str.translate table: "," and "." of Python's output
    money: _Affixes
    number: _Affixes
    percent: _Affixes


_LANGUAGES: dict[Locale, _Language | None] = {}  # by Babel locale (hashable)
_ZONES: dict[str, ZoneInfo] = {}


def _build_language() -> _Language | None:
    locale = current_locale()
    group = locale.number_symbols["latn"]["group"]
    decimal = locale.number_symbols["latn"]["decimal"]
    language = _Language(
        separators=str.maketrans({",": group, ".": decimal}),
        money=_Affixes.of(lambda v: format_currency(v, "EUR")),
        number=_Affixes.of(lambda v: format_decimal(v, "#,##0.00")),
        percent=_Affixes.of(lambda v: babel_percent(v, "#,##0.00%")),
    )
    for probe in _PROBES:
        for value in (probe, -probe):
            if _money(language, value) != format_currency(value, "EUR"):
                return None
            if _number(language, value, 3) != format_decimal(value):
                return None
            if _percent(language, value, 2) != babel_percent(value, "#,##0.##%"):
                return None
    return language


def _language() -> _Language | None:
    """The precompiled formats of the request's language (None: use Babel)."""
    locale = current_locale()
    try:
        return _LANGUAGES[locale]
    except KeyError:
        _LANGUAGES[locale] = _build_language()
        return _LANGUAGES[locale]


def _as_decimal(value: float | Decimal | int) -> Decimal:
    # As Babel does: a float through its shortest text (0.1 stays 0.1).
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _digits(language: _Language, value: Decimal, places: int, trim: bool) -> str:
    """Grouped digits of |value| rounded half-even to `places` decimals (without
    trailing zeros when `trim`), in the language's separators."""
    text = f"{abs(value):,.{places}f}"
    if trim and places:
        text = text.rstrip("0").rstrip(".")
    return text.translate(language.separators)


def _money(language: _Language, value: Decimal) -> str:
    value = _as_decimal(value)
    digits = _digits(language, value, 2, trim=False)
    return language.money.wrap(digits, value.is_signed())


def _number(language: _Language, value, places: int) -> str:
    value = _as_decimal(value)
    digits = _digits(language, value, places, trim=True)
    return language.number.wrap(digits, value.is_signed())


def _percent(language: _Language, value, places: int) -> str:
    value = _as_decimal(value).scaleb(2)
    digits = _digits(language, value, places, trim=True)
    return language.percent.wrap(digits, value.is_signed())


def _calendar(value: date | datetime) -> date | datetime:
    """A moment in the app's time zone (Brussels; naive means UTC, as for Babel);
    a date as is."""
    if not isinstance(value, datetime):
        return value
    name = current_app.config["TIMEZONE"]  # as app.i18n.select_timezone
    zone = _ZONES.get(name) or _ZONES.setdefault(name, ZoneInfo(name))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


# --- the formats ---------------------------------------------------------------


def fmt_date(value: date | datetime | None) -> str:
    """28/11/2026 in Dutch, 28/11/2026 in English too (dd/mm/yyyy in Belgium)."""
    if value is None:
        return ""
    day = _calendar(value)
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def fmt_datetime(value: datetime | None) -> str:
    """Date and time in Brussels time."""
    if value is None:
        return ""
    moment = _calendar(value)
    return (
        f"{moment.day:02d}/{moment.month:02d}/{moment.year:04d}"
        f" {moment.hour:02d}:{moment.minute:02d}"
    )


def fmt_money(value: Decimal | int | None) -> str:
    """€ 12.500,00 in Dutch."""
    if value is None:
        return ""
    language = _language()
    if language is None:
        return format_currency(value, "EUR")
    return _money(language, value)


def fmt_number(value: float | Decimal | int | None, digits: int = 1) -> str:
    """A number rounded to at most `digits` decimals: 12,5 in Dutch."""
    if value is None:
        return ""
    language = _language()
    if language is None:
        return format_decimal(round(value, digits))
    return _number(language, round(value, digits), 3)  # Babel's default: ≤ 3


def fmt_megabytes(size_bytes: int | float) -> str:
    """A size in MB with at least one decimal and at most two, in the reader's
    notation: "4,0" in Dutch, "4.0" in English (a small limit: "0,05")."""
    return format_decimal(size_bytes / (1024 * 1024), "#,##0.0#")


def mean_value(value: float | None) -> float | None:
    """A mean rounded to one decimal, as pages and workbooks show it."""
    return None if value is None else round(float(value), 1)


def fmt_mean(value: float | None) -> str:
    """A mean with one decimal: 5,8 in Dutch."""
    if value is None:
        return ""
    language = _language()
    if language is None:
        return format_decimal(mean_value(value), "#,##0.0")
    mean = _as_decimal(mean_value(value))
    return language.number.wrap(_digits(language, mean, 1, False), mean.is_signed())


def fmt_percent(value: float | Decimal | None, digits: int = 0) -> str:
    """A share (0.6) as a percentage: 60%."""
    if value is None:
        return ""
    language = _language()
    if language is None:
        pattern = "#,##0%" if digits == 0 else "#,##0." + "#" * digits + "%"
        return babel_percent(value, pattern)
    return _percent(language, value, digits)


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


# --- comments: light markup -----------------------------------------------------
# Markdown without raw HTML, limited to paragraphs, line breaks, lists, emphasis
# and links (no headings, images, code or tables), then sanitised by nh3 with an
# allowlist: what reaches the page is only these tags, links only http(s) and
# mailto, each with rel="nofollow noopener".
_COMMENT_MARKDOWN = MarkdownIt("zero", {"breaks": True, "html": False}).enable(
    ["list", "emphasis", "link", "autolink", "newline", "escape"]
)
COMMENT_TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li"}
COMMENT_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}


def fmt_comment(text: str | None) -> Markup:
    """A comment's text as safe HTML (light Markdown, sanitised)."""
    html = _COMMENT_MARKDOWN.render(text or "")
    clean = nh3.clean(
        html,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        link_rel="nofollow noopener",
        url_schemes={"http", "https", "mailto"},
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 with an allowlist


FILTERS = {
    "comment": fmt_comment,
    "date": fmt_date,
    "datetime": fmt_datetime,
    "money": fmt_money,
    "number": fmt_number,
    "megabytes": fmt_megabytes,
    "mean": fmt_mean,
    "percent": fmt_percent,
    "progress": fmt_progress,
    "yes_no": fmt_yes_no,
}
