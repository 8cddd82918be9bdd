"""Rules written once (issue 14): each rule lives in permissions or its domain
module, and every page, export and template that needs it uses that one place."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from app import clock
from app.auth import permissions
from app.auth.models import User
from app.deadlines.deadlines import is_overdue
from app.extensions import db
from app.strategy import rounds
from app.subsidies import rollups
from app.subsidies.models import ReportingObligation
from tests import factories


def test_can_manage_municipalities_is_gone():
    assert not hasattr(permissions, "can_manage_municipalities")


@pytest.mark.parametrize(
    ("role", "active", "allowed"),
    [
        ("coordinator", True, True),
        ("coordinator", False, False),
        ("lead", True, False),
        ("viewer", True, False),
    ],
)
def test_nobody_removes_their_own_coordinator_access(app, role, active, allowed):
    me = factories.user(role="coordinator")
    other = factories.user(role="coordinator")
    assert permissions.can_set_access(me, me, role, active) is allowed
    assert permissions.can_set_access(me, other, role, active)
    assert not permissions.can_set_access(
        factories.user(role="lead"), other, role, True
    )


def test_own_coordinator_access_refused_over_http(login_as):
    client = login_as("coordinator", language="en")
    me = client.user
    response = client.form(
        f"/admin/users/{me.id}",
        {
            "email": me.email,
            "full_name": me.full_name,
            "role": "viewer",
            "municipality_id": 0,
            "language": "en",
            "active": "y",
        },
    )
    assert response.status_code == 422
    assert "You cannot remove your own coordinator access." in response.text
    db.session.expire_all()
    assert db.session.get(User, me.id).role == "coordinator"


def test_ballot_per_role(app):
    home = factories.municipality()
    chosen = factories.municipality()
    coordinator = factories.user(role="coordinator")
    municipal = factories.user(role="municipality", municipality_=home)
    viewer = factories.user(role="viewer")
    assert rounds.ballot_municipality(coordinator, chosen.id) == chosen
    assert rounds.ballot_municipality(coordinator, None) is None
    assert rounds.ballot_municipality(municipal, chosen.id) == home
    assert rounds.ballot_municipality(viewer, chosen.id) is None


def test_score_template_is_for_who_imports(login_as):
    """The template is the import's format: only the coordinator imports, so only
    the coordinator gets it (every column, or the one chosen)."""
    thread = factories.thread()
    scoring_round = factories.scoring_round([thread])
    merged_into = factories.municipality()
    merged = factories.municipality(
        merged_into_id=merged_into.id, merged_on=date(2025, 1, 1)
    )
    url = f"/rounds/{scoring_round.id}/template.xlsx"
    client = login_as("coordinator", language="en")
    response = client.get(f"{url}?municipality={merged_into.id}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == ["Code", "Thread", merged_into.name]
    headers = [
        c.value for c in load_workbook(io.BytesIO(client.get(url).data)).active[1]
    ]
    assert merged_into.name in headers and merged.name not in headers
    for role in ("municipality", "lead", "viewer"):
        assert login_as(role).get(url).status_code == 403
        assert not permissions.can_download_score_template(factories.user(role=role))


def test_drafts_are_for_the_coordinator(login_as):
    draft = factories.scoring_round(status="draft")
    url = f"/rounds/{draft.id}"
    assert login_as("municipality").get(url).status_code == 404
    assert login_as("coordinator").get(url).status_code == 200
    coordinator = factories.user(role="coordinator")
    lead = factories.user(role="lead")
    assert permissions.can_view_draft_rounds(coordinator)
    assert not permissions.can_view_draft_rounds(lead)
    assert draft not in db.session.scalars(rounds.visible_rounds_query(lead)).all()


def test_lead_or_partner_is_one_condition(app):
    from sqlalchemy import select

    from app.subsidies.models import Application

    home = factories.municipality()
    led = factories.application(lead=home)
    partnered = factories.application(partners=[home])
    factories.application()
    db.session.commit()
    found = set(
        db.session.scalars(
            select(Application.id).where(permissions.involving_municipality(home.id))
        )
    )
    assert found == {led.id, partnered.id}


def test_overdue_is_one_rule_for_tasks_and_obligations(app):
    today = clock.today()
    late = factories.task(due_on=today - timedelta(days=1))
    done = factories.task(due_on=today - timedelta(days=1), status="done", progress=100)
    due_today = factories.task(due_on=today)
    undated = factories.task()
    assert is_overdue(late, today)
    assert not any(is_overdue(t, today) for t in (done, due_today, undated))
    open_one = ReportingObligation(
        title="r", kind="report", due_on=today - timedelta(days=1), status="open"
    )
    assert is_overdue(open_one, today)
    open_one.status = "done"
    assert not is_overdue(open_one, today)
    assert app.jinja_env.tests["overdue"] is is_overdue


def test_overdue_badge_on_the_task_list(login_as):
    task = factories.task(title="Late one", due_on=clock.today() - timedelta(days=3))
    client = login_as("coordinator", language="en")
    page = client.get("/tasks", headers={"Accept-Language": "en"}).text
    row = page[page.index(f'id="task-{task.id}"') :]
    row = row[: row.index("</tr>")]
    assert "overdue" in row


def test_dossier_shares_and_roll_up_agree_to_the_cent(login_as):
    # 0.05 split 90/10: in floating point the lead's 0.045 rounds up, exactly it
    # rounds half-even to 0.04; both pages must say the same.
    lead = factories.municipality()
    partner = factories.municipality()
    application = factories.application(
        lead=lead, requested_amount=Decimal("0.05"), status="submitted"
    )
    factories.partner(application, partner, "10")
    db.session.commit()
    shares = {
        row["municipality"].id: row["requested"]
        for row in rollups.dossier_shares(application, Decimal("0"))
    }
    rolled = rollups.rollup_by_municipality(None, [lead.id, partner.id])
    assert rolled[lead.id]["lead"].requested == shares[lead.id]
    assert rolled[partner.id]["partner"].requested == shares[partner.id]
    assert shares[lead.id] + shares[partner.id] <= Decimal("0.05")
    assert rollups.share_of(Decimal("0.05"), Decimal("90")) == Decimal("0.04")


def test_one_round_results_sheet(login_as):
    thread = factories.thread()
    scoring_round = factories.scoring_round([thread], status="closed")
    client = login_as("coordinator", language="en")

    def sheet(name, title):
        response = client.get(
            f"/exports/{name}.xlsx", headers={"Accept-Language": "en"}
        )
        assert response.status_code == 200
        rows = load_workbook(io.BytesIO(response.data))[title].iter_rows(
            values_only=True
        )
        return list(rows)

    round_sheet = sheet(f"scores-{scoring_round.id}", "Results")
    forum_sheet = sheet("forum-report", "Scores results")
    assert round_sheet == forum_sheet
    assert round_sheet[1][1] == thread.code


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    pct=st.integers(min_value=0, max_value=10_000),
)
def test_share_in_whole_cents_is_decimals_rule(cents, pct):
    """The roll-ups add shares in whole cents; each is exactly what the Decimal
    rule gives (amount × percentage / 100, to the cent, half to even)."""
    amount, share = Decimal(cents) / 100, Decimal(pct) / 100
    expected = (amount * share / 100).quantize(Decimal("0.01"))
    assert rollups.share_of(amount, share) == expected
    assert Decimal(rollups.share_in_cents(cents, pct)) / 100 == expected


def test_rollup_of_one_municipality_equals_the_regional_one(app):
    """A municipality's page reads only its own dossiers: the same figures as the
    roll-up over the region."""
    lead, partner, other = (factories.municipality() for _ in range(3))
    for amount, status in (("1000.05", "submitted"), ("333.33", "granted")):
        application = factories.application(
            lead=lead, requested_amount=Decimal(amount), status=status
        )
        factories.partner(application, partner, "33.5")
    factories.application(lead=other, requested_amount=Decimal("7"), status="idea")
    db.session.commit()
    everyone = rollups.rollup_by_municipality(None)
    for municipality in (lead, partner, other):
        alone = rollups.rollup_by_municipality(None, [municipality.id])
        assert alone == {municipality.id: everyone[municipality.id]}
