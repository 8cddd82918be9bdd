"""Issue 26 item 6: a municipality's dashboard lists the open calls that fit it
(the coverage rule of the call page) and that it has not applied for, with why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.extensions import db
from app.subsidies import calls
from tests import factories


@pytest.fixture
def world(app):
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    rolled, grouped, scored, elsewhere = (
        factories.theme(title=t) for t in ("Rollout", "Groep", "Score", "Elders")
    )
    thread = factories.thread(title="Datagedreven werken")
    scored.origin_thread_id = thread.id
    closed = factories.scoring_round([thread], status="closed")
    factories.score(closed, thread, izegem, 9)
    factories.score(closed, thread, tielt, 3)
    factories.rollout(rolled, izegem, stage="exploring")
    factories.rollout(elsewhere, izegem, stage="not_participating")
    factories.rollout(elsewhere, tielt, stage="live")
    factories.group(grouped).municipalities = [izegem]
    now = datetime.now(UTC)

    def call(title, *themes, **kw):
        made = factories.call(title=title, **kw)
        made.themes = list(themes)
        return made

    found = {
        "rollout": call("Oproep rollout", rolled),
        "two": call("Oproep groep en score", grouped, scored),
        "elsewhere": call("Oproep elders", elsewhere),
        "applied": call("Oproep al aangevraagd", rolled),
        "partner": call("Oproep als partner", rolled),
        "withdrawn": call("Oproep ingetrokken", rolled),
        "upcoming": call("Oproep komt nog", rolled, opens_at=now + timedelta(days=3)),
        "closed": call(
            "Oproep gesloten",
            rolled,
            opens_at=now - timedelta(days=30),
            deadline_at=now - timedelta(days=1),
        ),
        "archived": call("Oproep gearchiveerd", rolled, archived_at=now),
    }
    factories.application(found["applied"], lead=izegem)
    factories.application(found["partner"], lead=tielt, partners=[izegem])
    factories.application(found["withdrawn"], lead=izegem, status="withdrawn")
    people = {
        "municipality": factories.user("municipality", izegem),
        "lead": factories.user("lead", izegem),
        "tielt_user": factories.user("municipality", tielt),
        "coordinator": factories.user("coordinator"),
        "viewer": factories.user("viewer"),
    }
    db.session.commit()
    return {"izegem": izegem, "tielt": tielt, "calls": found, **people}


def test_fitting_calls_follow_the_coverage_rule(world):
    fits = calls.fitting_calls(world["izegem"].id, 10)
    by_title = {f.call.title: f.reasons for f in fits}
    assert by_title == {
        "Oproep rollout": {"rollout"},
        "Oproep groep en score": {"group", "score"},
        "Oproep ingetrokken": {"rollout"},  # a withdrawn dossier is no application
    }
    # The same rule as the call page: each is a gap of the call for Izegem.
    for fit in fits:
        gap = calls.own_gap(calls.coverage(fit.call), world["izegem"].id)
        assert gap is not None and gap.reasons == fit.reasons
    # Tielt takes part in nothing but "Elders" (no score high enough).
    tielt = calls.fitting_calls(world["tielt"].id, 10)
    assert [f.call.title for f in tielt] == ["Oproep elders"]


def test_a_merged_municipality_gets_no_fitting_calls(world):
    world["izegem"].merged_into_id = world["tielt"].id
    world["izegem"].merged_on = date(2025, 1, 1)
    db.session.commit()
    assert calls.fitting_calls(world["izegem"].id, 10) == []


def test_fitting_calls_are_bounded(world):
    assert len(calls.fitting_calls(world["izegem"].id, 2)) == 2


@pytest.mark.parametrize("role", ["municipality", "lead"])
def test_the_dashboard_shows_them_with_the_reason(world, login_as, role):
    html = login_as(world[role]).get("/").get_data(as_text=True)
    section = html[html.index('id="fitting-calls"') :]
    section = section[: section.index("</section>")]
    assert "Open oproepen die passen bij Izegem" in html
    assert "Oproep rollout" in section
    assert "Oproep groep en score" in section
    assert "in een werkgroep" in section and "scoorde de rode draad hoog" in section
    for other in ("elders", "al aangevraagd", "als partner", "komt nog", "gesloten"):
        assert f"Oproep {other}" not in section
    assert "gearchiveerd" not in section


@pytest.mark.parametrize("role", ["coordinator", "viewer"])
def test_other_roles_get_no_such_section(world, login_as, role):
    html = login_as(world[role]).get("/").get_data(as_text=True)
    assert 'id="fitting-calls"' not in html


def test_the_dashboard_runs_as_many_statements_with_more_fitting_calls(
    world, login_as, page_queries
):
    client = login_as(world["municipality"])
    before = len(page_queries(client, "/"))
    theme = factories.theme(title="Nog een")
    factories.rollout(theme, world["izegem"], stage="live")
    for n in range(12):
        factories.call(title=f"Extra {n}").themes = [theme]
    db.session.commit()
    log = page_queries(client, "/")
    assert len(log) == before
    assert log.lazy_loads == [] or set(log.lazy_loads) <= {"User.municipality"}
