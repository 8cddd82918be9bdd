"""The precompiled formats of app/formatting.py write exactly what Babel writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask_babel import (
    force_locale,
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import formatting

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
LANGUAGES = ("nl", "en")
AMOUNTS = st.decimals(
    min_value=Decimal("-9999999999.99"),
    max_value=Decimal("9999999999.99"),
    allow_nan=False,
    allow_infinity=False,
    places=4,
)
SHARES = st.floats(min_value=-20, max_value=20, allow_nan=False) | st.decimals(
    min_value=-20, max_value=20, allow_nan=False, allow_infinity=False, places=5
)
MEANS = st.floats(min_value=0, max_value=10, allow_nan=False)


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


EDGES = [
    Decimal("0"),
    Decimal("-0.001"),
    Decimal("0.005"),
    Decimal("0.015"),
    Decimal("999.995"),
    Decimal("1000"),
    Decimal("-1234567.89"),
    12500,
    -3,
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("value", EDGES)
def test_edge_amounts_numbers_and_shares(request_context, language, value):
    with force_locale(language):
        assert formatting.fmt_money(value) == format_currency(value, "EUR")
        assert formatting.fmt_number(value) == format_decimal(round(value, 1))
        assert formatting.fmt_number(value, 2) == format_decimal(round(value, 2))
        assert formatting.fmt_percent(value) == format_percent(value, "#,##0%")
        assert formatting.fmt_percent(value, 1) == format_percent(value, "#,##0.#%")


@pytest.mark.parametrize("language", LANGUAGES)
@SETTINGS
@given(amount=AMOUNTS)
def test_money_as_babel(request_context, language, amount):
    with force_locale(language):
        assert formatting.fmt_money(amount) == format_currency(amount, "EUR")


@pytest.mark.parametrize("language", LANGUAGES)
@SETTINGS
@given(share=SHARES, digits=st.integers(min_value=0, max_value=2))
def test_percent_and_progress_as_babel(request_context, language, share, digits):
    pattern = "#,##0%" if digits == 0 else "#,##0." + "#" * digits + "%"
    with force_locale(language):
        assert formatting.fmt_percent(share, digits) == format_percent(share, pattern)
        progress = Decimal(str(share)) / 100
        assert formatting.fmt_progress(share, digits) == format_percent(
            progress, pattern
        )


@pytest.mark.parametrize("language", LANGUAGES)
@SETTINGS
@given(mean=MEANS, number=SHARES, digits=st.integers(min_value=0, max_value=3))
def test_means_and_numbers_as_babel(request_context, language, mean, number, digits):
    with force_locale(language):
        expected_mean = format_decimal(formatting.mean_value(mean), "#,##0.0")
        assert formatting.fmt_mean(mean) == expected_mean
        expected = format_decimal(round(number, digits))
        assert formatting.fmt_number(number, digits) == expected


@SETTINGS
@given(
    # Until 2037: pytz (Babel's time zones) knows no summer time after it;
    # zoneinfo does.
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31)
    ),
    offset=st.integers(min_value=-12, max_value=12),
    aware=st.booleans(),
)
def test_dates_and_times_as_babel(request_context, moment, offset, aware):
    if aware:
        moment = moment.replace(tzinfo=timezone(timedelta(hours=offset)))
    for language in LANGUAGES:
        with force_locale(language):
            assert formatting.fmt_datetime(moment) == format_datetime(
                moment, "dd/MM/yyyy HH:mm"
            )
            assert formatting.fmt_date(moment) == format_date(moment, "dd/MM/yyyy")
            day = moment.date()
            assert formatting.fmt_date(day) == format_date(day, "dd/MM/yyyy")


def test_summer_and_winter_time_in_brussels(request_context):
    summer = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    winter = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert formatting.fmt_datetime(summer) == "02/07/2026 00:30"
    assert formatting.fmt_date(winter) == "01/01/2027"
    assert formatting.fmt_date(date(2026, 11, 28)) == "28/11/2026"


def test_labels_translated_once_read_as_the_lazy_strings(app):
    """Labels kept per language say what their lazy strings say, in the language
    of the moment: the request's, then another one forced within it, then the
    request's again."""
    from app.labels import LABELS, label

    def expected() -> dict:
        return {
            (kind, value): str(text)
            for kind, values in LABELS.items()
            for value, text in values.items()
        }

    def shown() -> dict:
        return {
            (kind, value): label(kind, value)
            for kind, values in LABELS.items()
            for value in values
        }

    with app.test_request_context("/"):
        dutch = expected()
        assert shown() == dutch
        assert label("task_status", "done") == "Klaar"
        with force_locale("en"):
            assert shown() == expected() != dutch
            assert label("task_status", "done") == "Done"
        assert shown() == dutch
        assert label("task_status", "unknown") == "unknown"
        assert label("no_such_kind", "x") == "x"
        assert label("task_status", None) == ""
    # Outside the request (commands, jobs): the app's default language, as before.
    assert label("task_status", "done") == str(LABELS["task_status"]["done"])
