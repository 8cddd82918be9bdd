"""Property tests (hypothesis): amount parsing, date parsing and the score import
never fail in an unexpected way and round-trip what people type."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict
from wtforms import Form

from app.exports.excel import to_bytes
from app.extensions import db
from app.strategy.models import Score
from app.strategy.workbooks import apply_import, check_file, template_workbook
from app.subsidies.amounts import MAX_AMOUNT, AmountError, parse_amount
from tests import factories

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AMOUNTS = st.decimals(
    min_value=Decimal("0"), max_value=MAX_AMOUNT, places=2, allow_nan=False
)


def _grouped(value: Decimal, thousands: str, decimal_mark: str) -> str:
    whole, cents = f"{value:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return thousands.join(groups) + decimal_mark + cents


# --- amounts ------------------------------------------------------------------------


@SETTINGS
@given(st.text(max_size=40))
def test_any_text_is_an_amount_or_a_clear_refusal(text):
    try:
        value = parse_amount(text)
    except AmountError:
        return
    assert isinstance(value, Decimal)
    assert Decimal("0") <= value <= MAX_AMOUNT
    assert value == value.quantize(Decimal("0.01"))


@SETTINGS
@given(
    st.text(alphabet="0123456789.,€ -EURe", max_size=20),
)
def test_amount_like_text_is_read_digit_for_digit_or_refused_with_a_reason(text):
    try:
        value = parse_amount(text)
    except AmountError as error:
        assert str(error.args[0]).strip()  # a message a person can act on
        return
    # Only the place of the decimal mark is interpreted: the cents are the typed
    # digits, followed by no, one or two zeros (12500 / 12,5 / 12.500,00).
    cents = int(value * 100)
    digits = int(re.sub(r"\D", "", text))
    assert cents in {digits, digits * 10, digits * 100}
    assert parse_amount(_grouped(value, ".", ",")) == value


@SETTINGS
@given(AMOUNTS)
def test_amounts_round_trip_in_every_accepted_notation(value):
    notations = [
        f"{value:.2f}",  # 12500.00
        f"{value:.2f}".replace(".", ","),  # 12500,00
        _grouped(value, ".", ","),  # 12.500,00 (Dutch)
        _grouped(value, ",", "."),  # 12,500.00 (English)
        "€ " + _grouped(value, " ", ","),  # € 12 500,00
        _grouped(value, "\u00a0", ",") + " EUR",
    ]
    for typed in notations:
        assert parse_amount(typed) == value, typed


@SETTINGS
@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e6"), places=3))
def test_three_decimals_are_refused_or_read_as_thousands(value):
    text = f"{value:.3f}"
    try:
        parsed = parse_amount(text)
    except AmountError:
        return
    # "1.234" is 1234 (a separator before three digits groups thousands).
    assert parsed == Decimal(text.replace(".", ""))


# --- dates --------------------------------------------------------------------------


def _date_forms():
    """Forms with the date fields of the real forms (no CSRF, no database)."""
    from app.strategy.forms import RoundForm
    from app.subsidies.forms import CallForm, PaymentForm
    from app.work.forms import TaskForm

    class Dates(Form):
        due_on = TaskForm.due_on  # ISO and 28/11/2026
        paid_on = PaymentForm.paid_on
        opens_on = RoundForm.opens_on
        deadline_at = CallForm.deadline_at

    return Dates


@SETTINGS
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_dates_round_trip(app, day):
    Dates = _date_forms()
    with app.test_request_context():
        form = Dates(
            MultiDict(
                {
                    "due_on": day.strftime("%d/%m/%Y"),
                    "paid_on": day.isoformat(),
                    "opens_on": day.isoformat(),
                    "deadline_at": f"{day.isoformat()}T09:30",
                }
            )
        )
        assert form.validate(), form.errors
        assert form.due_on.data == form.paid_on.data == form.opens_on.data == day
        assert form.deadline_at.data == datetime(day.year, day.month, day.day, 9, 30)
        iso = Dates(MultiDict({"due_on": day.isoformat()}))
        iso.validate()
        assert iso.due_on.data == day


@SETTINGS
@given(st.text(max_size=30))
def test_any_text_in_a_date_field_is_a_date_or_a_message(app, text):
    Dates = _date_forms()
    with app.test_request_context():
        form = Dates(MultiDict(dict.fromkeys(Dates().data, text)))
        form.validate()
        for name in ("due_on", "paid_on", "opens_on", "deadline_at"):
            field = form[name]
            if field.errors:
                assert all(str(message) for message in field.errors)
            else:
                assert isinstance(field.data, date) or field.data is None


# --- the score import ---------------------------------------------------------------

CELL = st.one_of(st.none(), st.integers(min_value=0, max_value=10))


@pytest.fixture
def ballot_world(app):
    coordinator = factories.user("coordinator")
    municipalities = [factories.municipality(f"Gemeente {n}") for n in range(3)]
    threads = [factories.thread(code=f"RD{n:02d}") for n in range(1, 5)]
    scoring_round = factories.scoring_round(threads=threads, status="open")
    db.session.commit()
    return coordinator, municipalities, threads, scoring_round


def _set_scores(scoring_round, threads, municipalities, matrix):
    db.session.execute(delete(Score).where(Score.round_id == scoring_round.id))
    for t, thread in enumerate(threads):
        for m, municipality in enumerate(municipalities):
            if matrix[t][m] is not None:
                factories.score(scoring_round, thread, municipality, matrix[t][m])
    db.session.commit()


def _scores(scoring_round, threads, municipalities):
    found = {
        (s.thread_id, s.municipality_id): s.value
        for s in db.session.scalars(
            select(Score).where(Score.round_id == scoring_round.id)
        )
    }
    return [[found.get((t.id, m.id)) for m in municipalities] for t in threads]


@settings(SETTINGS, max_examples=40)
@given(
    start=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=4, max_size=4),
    new=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=4, max_size=4),
    as_text=st.booleans(),
)
def test_a_filled_template_imports_exactly_what_it_says(
    app, ballot_world, start, new, as_text
):
    coordinator, municipalities, threads, scoring_round = ballot_world
    _set_scores(scoring_round, threads, municipalities, start)
    with app.test_request_context():
        template = to_bytes(template_workbook(scoring_round, municipalities))
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    for t in range(len(threads)):
        for m in range(len(municipalities)):
            value = new[t][m]
            shown = str(value) if as_text and value is not None else value
            sheet.cell(row=t + 2, column=m + 3).value = shown
    buffer = io.BytesIO()
    workbook.save(buffer)
    with app.test_request_context():
        check = check_file(buffer.getvalue(), scoring_round, coordinator, "x.xlsx")
        assert check.ok, check.errors
        expected_changes = sum(
            start[t][m] != new[t][m]
            for t in range(len(threads))
            for m in range(len(municipalities))
        )
        assert len(check.changes) == expected_changes
        assert check.unchanged == len(threads) * len(municipalities) - expected_changes
        apply_import(check, coordinator)
        db.session.commit()
    assert _scores(scoring_round, threads, municipalities) == new
