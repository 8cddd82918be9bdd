"""Subsidies domain rules, called directly: moves, amounts, shares, dates, figures."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import product

import pytest

from app.extensions import db
from app.subsidies import calls, dossiers, rollups
from app.subsidies.amounts import AmountError, parse_amount
from app.subsidies.models import APPLICATION_STATUSES
from app.work.models import Task
from tests import factories

SPEC_MOVES = {
    ("idea", "preparing"),
    ("preparing", "submitted"),
    ("submitted", "granted"),
    ("submitted", "rejected"),
    ("granted", "reporting"),
    ("reporting", "closed"),
    ("idea", "withdrawn"),
    ("preparing", "withdrawn"),
    ("submitted", "withdrawn"),
}


@pytest.fixture(autouse=True)
def _request_context(request):
    """Messages are translated for a request's locale: give the app one."""
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").test_request_context():
        yield


COMPLETE = {
    "submitted_on": date(2024, 3, 1),
    "decided_on": date(2024, 5, 1),
    "granted_amount": Decimal("8000"),
}


# --- status moves -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"), list(product(APPLICATION_STATUSES, APPLICATION_STATUSES))
)
def test_every_move_is_allowed_exactly_when_the_spec_lists_it(app, current, target):
    application = factories.application(status=current)
    errors = dossiers.check_move(application, target, dict(COMPLETE), confirm=False)
    if (current, target) in SPEC_MOVES:
        assert errors == {}
    else:
        assert set(errors) == {"status"}


def test_an_allowed_move_changes_status_and_records_activity(app):
    from app.activity.models import Activity

    application = factories.application(status="idea")
    assert dossiers.move(application, "preparing", {}, False, None) == {}
    db.session.flush()
    assert application.status == "preparing"
    entry = db.session.query(Activity).filter_by(entity_id=application.id).one()
    assert entry.changes["status"] == ["idea", "preparing"]


def test_submitting_needs_the_submission_date(app):
    application = factories.application(status="preparing")
    errors = dossiers.check_move(application, "submitted", {}, False)
    assert set(errors) == {"submitted_on"}
    values = {"submitted_on": date(2024, 3, 1)}
    assert dossiers.check_move(application, "submitted", values, False) == {}


@pytest.mark.parametrize("target", ["granted", "rejected"])
def test_a_decision_needs_its_date_not_before_submission(app, target):
    application = factories.application(
        status="submitted", submitted_on=date(2024, 3, 1), granted_amount=Decimal("1")
    )
    assert "decided_on" in dossiers.check_move(application, target, {}, False)
    early = {"decided_on": date(2024, 2, 1)}
    assert "decided_on" in dossiers.check_move(application, target, early, False)
    ok = {"decided_on": date(2024, 4, 1)}
    assert dossiers.check_move(application, target, ok, False) == {}


def test_granting_needs_an_amount_at_most_requested_unless_confirmed(app):
    application = factories.application(
        status="submitted",
        submitted_on=date(2024, 3, 1),
        requested_amount=Decimal("10000"),
    )
    base = {"decided_on": date(2024, 4, 1)}
    assert "granted_amount" in dossiers.check_move(application, "granted", base, False)
    more = base | {"granted_amount": Decimal("10000.01")}
    assert "granted_amount" in dossiers.check_move(application, "granted", more, False)
    assert dossiers.check_move(application, "granted", more, True) == {}
    equal = base | {"granted_amount": Decimal("10000")}
    assert dossiers.check_move(application, "granted", equal, False) == {}


# --- amounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.500,00", "12500.00"),
        ("12500.00", "12500.00"),
        ("€ 12 500", "12500.00"),
        ("€\u00a012.500,50", "12500.50"),
        ("12,500.75", "12500.75"),
        ("12500", "12500.00"),
        ("12,5", "12.50"),
        ("1.250.000", "1250000.00"),
        ("0", "0.00"),
        ("9999999999.99", "9999999999.99"),
        ("200000 EUR", "200000.00"),
    ],
)
def test_amounts_in_the_forms_people_type(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "-5",
        "abc",
        "1,2,3",
        "1e9999",
        "10000000000",
        "12345678901,00",
        "",
        "12.50.0",
        "1,234,56",
        "12,345,67.00",
        "1.5e3",
        "12.345.678,999",
        "NaN",
        "Infinity",
    ],
)
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


# --- partner shares -----------------------------------------------------------------


def test_partner_shares_may_not_pass_100_percent(app):
    application = factories.application()
    a, b, c = (factories.municipality() for _ in range(3))
    assert dossiers.set_partner(application, a, Decimal("60"), None) == {}
    assert dossiers.set_partner(application, b, Decimal("40"), None) == {}
    assert dossiers.lead_share(application) == Decimal("0")
    errors = dossiers.set_partner(application, c, Decimal("0.01"), None)
    assert set(errors) == {"share_pct"}
    assert len(application.partners) == 2
    # Changing a share counts the others only.
    assert dossiers.set_partner(application, a, Decimal("50"), None) == {}
    assert "share_pct" in dossiers.set_partner(application, b, Decimal("51"), None)
    assert dossiers.lead_share(application) == Decimal("10")


def test_the_lead_cannot_be_a_partner_and_merged_municipalities_get_no_new_work(app):
    lead = factories.municipality()
    merged = factories.municipality(merged_into_id=lead.id, merged_on=date(2025, 1, 1))
    application = factories.application(lead=lead)
    assert "municipality_id" in dossiers.set_partner(
        application, lead, Decimal(1), None
    )
    assert "municipality_id" in dossiers.set_partner(
        application, merged, Decimal(1), None
    )


# --- generated dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "days", "expected"),
    [
        (date(2022, 9, 9), 1, date(2022, 9, 8)),  # Friday → Thursday
        (date(2022, 9, 9), 7, date(2022, 9, 2)),  # Friday → Friday
        (date(2022, 9, 12), 1, date(2022, 9, 9)),  # Monday → Sunday → Friday
        (date(2022, 9, 12), 2, date(2022, 9, 9)),  # Monday → Saturday → Friday
        (date(2022, 9, 10), 0, date(2022, 9, 9)),  # deadline on a Saturday
        (date(2022, 9, 11), 14, date(2022, 8, 26)),  # Sunday - 14 = Sunday → Friday
    ],
)
def test_preparation_dates_avoid_the_weekend(deadline, days, expected):
    assert dossiers.preparation_due_date(deadline, days) == expected


PREPARATION = [
    {"title": "Conceptnota", "days_before": 42},
    {"title": "Goedkeuring", "days_before": 28},
    {"title": "Indienen", "days_before": 1},
]


def test_creating_an_application_creates_its_preparation_tasks(app):
    # Deadline Monday 2030-09-16 10:00 Brussels = 08:00 UTC.
    call = factories.call(
        opens_at=datetime(2030, 6, 1, tzinfo=UTC),
        deadline_at=datetime(2030, 9, 16, 8, 0, tzinfo=UTC),
        preparation_template=PREPARATION,
    )
    theme = factories.theme()
    second = factories.group(theme, name="B group")
    first = factories.group(theme, name="A group")
    owner = factories.user("coordinator")
    lead = factories.municipality()
    application = dossiers.create_application(
        {
            "call_id": call.id,
            "title": "Dossier",
            "lead_municipality_id": lead.id,
            "theme_id": theme.id,
            "owner_id": owner.id,
            "requested_amount": Decimal("1000"),
        },
        owner,
    )
    db.session.flush()
    tasks = sorted(application.tasks, key=lambda t: t.due_on)
    assert [t.due_on for t in tasks] == [
        date(2030, 8, 5),  # Monday - 42 = Monday
        date(2030, 8, 19),  # Monday - 28
        date(2030, 9, 13),  # Sunday → Friday
    ]
    assert {t.assignee_id for t in tasks} == {owner.id}
    assert {t.group_id for t in tasks} == {first.id}
    assert second.id != first.id
    assert {t.municipality_id for t in tasks} == {lead.id}
    assert all(t.status == "todo" for t in tasks)


def test_a_deadline_late_in_the_evening_counts_on_its_brussels_day(app):
    # 2030-09-16 23:30 Brussels is still the 16th there (21:30 UTC).
    call = factories.call(
        opens_at=datetime(2030, 6, 1, tzinfo=UTC),
        deadline_at=datetime(2030, 9, 16, 21, 30, tzinfo=UTC),
    )
    assert calls.deadline_date(call) == date(2030, 9, 16)
    call.deadline_at = datetime(2030, 9, 16, 22, 30, tzinfo=UTC)
    assert calls.deadline_date(call) == date(2030, 9, 17)


def test_dates_already_past_are_kept_and_show_as_overdue(app):
    from app import clock
    from app.work.progress import overdue_clause

    now = datetime.now(UTC)
    call = factories.call(
        opens_at=now - timedelta(days=60),
        deadline_at=now + timedelta(days=3),
        preparation_template=PREPARATION,
    )
    application = dossiers.create_application(
        {
            "call_id": call.id,
            "title": "Late start",
            "lead_municipality_id": factories.municipality().id,
            "requested_amount": Decimal("1"),
        },
        None,
    )
    db.session.flush()
    assert len(application.tasks) == 3
    assert all(t.group_id is None for t in application.tasks)  # no theme
    overdue = db.session.query(Task).filter(overdue_clause(clock.today())).all()
    assert {t.title.split(" – ")[0] for t in overdue} == {"Conceptnota", "Goedkeuring"}


REPORTING = [
    {"title": "Voorschot", "kind": "advance", "from": "decision", "days": 60},
    {"title": "Tussentijds", "kind": "interim", "from": "start", "days": 365},
    {"title": "Eindrapport", "kind": "final", "from": "end", "days": 90},
    {"title": "Saldo", "kind": "balance", "from": "end", "days": 180},
]


def test_a_grant_creates_the_reporting_obligations(app):
    owner = factories.user("coordinator")
    call = factories.call(reporting_template=REPORTING)
    application = factories.application(
        call,
        status="submitted",
        owner_id=owner.id,
        submitted_on=date(2024, 1, 10),
        project_start=date(2024, 6, 1),
        project_end=date(2025, 12, 31),
        requested_amount=Decimal("50000"),
    )
    values = {"decided_on": date(2024, 3, 15), "granted_amount": Decimal("40000")}
    assert dossiers.move(application, "granted", values, False, owner) == {}
    db.session.flush()
    due = {o.title: (o.kind, o.due_on, o.owner_id) for o in application.obligations}
    assert due == {
        "Voorschot": ("advance", date(2024, 5, 14), owner.id),
        "Tussentijds": ("interim", date(2025, 5, 30), owner.id),  # Sunday → Friday
        "Eindrapport": ("final", date(2026, 3, 31), owner.id),
        "Saldo": ("balance", date(2026, 6, 29), owner.id),
    }


def test_templates_round_trip_as_text_and_bad_lines_are_named():
    text = "42 | Conceptnota\n\n7 | Nalezing\n"
    assert calls.parse_preparation(text) == [
        {"title": "Conceptnota", "days_before": 42},
        {"title": "Nalezing", "days_before": 7},
    ]
    assert calls.parse_preparation(calls.format_preparation(PREPARATION)) == PREPARATION
    assert calls.parse_reporting(calls.format_reporting(REPORTING)) == REPORTING
    for bad in ("x | Concept", "42", "-3 | Concept"):
        with pytest.raises(calls.TemplateError):
            calls.parse_preparation(bad)
    for bad in ("later | 5 | final | X", "end | 5 | party | X", "end | x | final | X"):
        with pytest.raises(calls.TemplateError):
            calls.parse_reporting(bad)


def test_call_status_and_countdown():
    call = type("Call", (), {})()
    call.opens_at = datetime(2030, 1, 1, tzinfo=UTC)
    call.deadline_at = datetime(2030, 2, 1, 12, tzinfo=UTC)
    before = datetime(2029, 12, 31, tzinfo=UTC)
    during = datetime(2030, 1, 30, 10, tzinfo=UTC)
    assert calls.call_status(call, before) == "upcoming"
    assert calls.countdown(call, before) == timedelta(days=1)
    assert calls.call_status(call, during) == "open"
    assert calls.countdown(call, during) == timedelta(days=2, hours=2)
    assert calls.call_status(call, call.deadline_at) == "closed"
    assert calls.countdown(call, call.deadline_at) is None


# --- roll-ups -----------------------------------------------------------------------


def test_rollups_on_a_hand_computed_example(app):
    theme, other_theme = factories.theme(), factories.theme()
    call_a, call_b = factories.call(), factories.call()
    lead, partner = factories.municipality("Lead"), factories.municipality("Partner")
    # 1: granted 80.000 of 100.000 requested, partner 25 %, 50.000 paid.
    one = factories.application(
        call_a,
        lead,
        theme_id=theme.id,
        status="granted",
        requested_amount=Decimal("100000"),
        granted_amount=Decimal("80000"),
        submitted_on=date(2024, 1, 1),
        decided_on=date(2024, 2, 1),
    )
    factories.partner(one, partner, "25")
    factories.payment(one, "30000")
    factories.payment(one, "20000", "balance")
    # 2: rejected, 40.000 requested; Partner leads, Lead is 10 % partner.
    two = factories.application(
        call_a,
        partner,
        theme_id=theme.id,
        status="rejected",
        requested_amount=Decimal("40000"),
        submitted_on=date(2024, 1, 1),
        decided_on=date(2024, 2, 1),
    )
    factories.partner(two, lead, "10")
    # 3: an idea (not requested yet) in another call and theme.
    factories.application(
        call_b, lead, theme_id=other_theme.id, requested_amount=Decimal("5000")
    )
    # 4: closed, 10.000 granted and fully paid, same call as 3.
    four = factories.application(
        call_b,
        lead,
        theme_id=other_theme.id,
        status="closed",
        requested_amount=Decimal("10000"),
        granted_amount=Decimal("10000"),
        submitted_on=date(2023, 1, 1),
        decided_on=date(2023, 2, 1),
    )
    factories.payment(four, "10000")
    db.session.flush()

    by_call = rollups.rollup_by_call()
    assert by_call[call_a.id] == rollups.Figures(
        2, Decimal("140000.00"), Decimal("80000.00"), Decimal("50000.00"), 2, 1, 2
    )
    assert by_call[call_a.id].success_rate == 0.5
    assert by_call[call_b.id] == rollups.Figures(
        2, Decimal("10000.00"), Decimal("10000.00"), Decimal("10000.00"), 1, 1, 1
    )
    by_theme = rollups.rollup_by_theme()
    assert by_theme[theme.id].requested == Decimal("140000.00")
    assert by_theme[other_theme.id].success_rate == 1.0
    totals = rollups.regional_totals()
    assert (totals.requested, totals.granted, totals.paid) == (
        Decimal("150000.00"),
        Decimal("90000.00"),
        Decimal("60000.00"),
    )
    assert totals.success_rate == pytest.approx(2 / 3)

    by_m = rollups.rollup_by_municipality()
    # Lead: leads 1 (75 %), 3 and 4 (100 %); partner in 2 for 10 %.
    assert by_m[lead.id]["lead"] == rollups.Figures(
        3,
        Decimal("85000.00"),  # 75 % of 100.000 + 10.000 (the idea is not requested)
        Decimal("70000.00"),  # 75 % of 80.000 + 10.000
        Decimal("47500.00"),  # 75 % of 50.000 + 10.000
        2,
        2,
        2,  # submitted: 1 and 4
    )
    assert by_m[lead.id]["partner"] == rollups.Figures(
        1, Decimal("4000.00"), Decimal("0.00"), Decimal("0.00"), 1, 0, 1
    )
    # Partner: 25 % of 1, leads 2 with 90 %.
    assert by_m[partner.id]["partner"] == rollups.Figures(
        1, Decimal("25000.00"), Decimal("20000.00"), Decimal("12500.00"), 1, 1, 1
    )
    assert by_m[partner.id]["lead"].requested == Decimal("36000.00")
    assert by_m[partner.id]["lead"].success_rate == 0.0


def test_rollups_for_a_municipality_user_count_only_its_applications(app):
    home, away = factories.municipality(), factories.municipality()
    factories.application(lead=home, status="submitted", submitted_on=date(2024, 1, 1))
    factories.application(lead=away, status="submitted", submitted_on=date(2024, 1, 1))
    user = factories.user("municipality", home)
    assert rollups.regional_totals(user).requested == Decimal("10000.00")
    assert rollups.regional_totals().requested == Decimal("20000.00")
    assert set(rollups.rollup_by_municipality(user)) == {home.id}


def test_paid_and_open_balance_derive_from_payments(app):
    application = factories.application(
        status="reporting", granted_amount=Decimal("1000")
    )
    factories.payment(application, "800")
    factories.payment(application, "150.50", "balance")
    money = dossiers.money([application])[application.id]
    assert (money.paid, money.open_balance) == (Decimal("950.50"), Decimal("49.50"))
    errors = dossiers.add_payment(
        application,
        {"paid_on": date(2025, 1, 1), "amount": Decimal("49.51"), "kind": "balance"},
        None,
    )
    assert set(errors) == {"amount"}


# --- coverage -----------------------------------------------------------------------


def test_coverage_on_a_hand_built_case(app):
    thread = factories.thread()
    theme = factories.theme(origin_thread_id=thread.id)
    unrelated_theme = factories.theme()
    names = (
        "Rolling",
        "Grouped",
        "Scorer",
        "LowScorer",
        "Idle",
        "Applied",
        "Partnered",
        "Withdrawn",
        "Merged",
        "OldScorer",
        "Elsewhere",
    )
    m = {name: factories.municipality(name) for name in names}
    m["Merged"].merged_into_id = m["Rolling"].id
    m["Merged"].merged_on = date(2025, 1, 1)
    factories.rollout(theme, m["Rolling"], stage="exploring")
    factories.rollout(theme, m["Idle"], stage="not_started")
    factories.rollout(theme, m["LowScorer"], stage="not_participating")
    factories.rollout(theme, m["Merged"], stage="live")
    factories.rollout(theme, m["Applied"], stage="live")
    factories.rollout(theme, m["Partnered"], stage="implementing")
    factories.rollout(theme, m["Withdrawn"], stage="preparing")
    factories.rollout(unrelated_theme, m["Elsewhere"], stage="live")
    group = factories.group(theme)
    group.municipalities = [m["Grouped"]]
    old = factories.scoring_round(
        [thread],
        status="closed",
        opens_on=date(2021, 1, 1),
        closes_on=date(2021, 1, 31),
    )
    latest = factories.scoring_round(
        [thread],
        status="closed",
        opens_on=date(2022, 1, 1),
        closes_on=date(2022, 1, 31),
    )
    factories.score(old, thread, m["OldScorer"], 9)  # not the latest closed round
    factories.score(latest, thread, m["OldScorer"], 3)
    factories.score(latest, thread, m["Scorer"], 7)
    factories.score(latest, thread, m["LowScorer"], 6)
    call = factories.call()
    call.themes = [theme]
    factories.application(call, m["Applied"])
    factories.application(call, factories.municipality(), partners=[m["Partnered"]])
    factories.application(call, m["Withdrawn"], status="withdrawn")
    db.session.flush()

    gaps = {gap.municipality.name: gap.reasons for gap in calls.coverage(call)}
    assert gaps == {
        "Grouped": {"group"},
        "Rolling": {"rollout"},
        "Scorer": {"score"},
        "Withdrawn": {"rollout"},
    }
    # A closed call has nothing left to apply for.
    call.deadline_at = datetime.now(UTC) - timedelta(minutes=1)
    assert calls.coverage(call) == []
