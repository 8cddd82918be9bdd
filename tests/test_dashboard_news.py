"""Issue 26 item 8: the dashboard shows what others changed in one's working
groups, dossiers and municipality since one's previous visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.activity.log import record
from app.clock import now_utc
from app.extensions import db
from app.main.models import DashboardVisit
from tests import factories


@pytest.fixture
def world(app):
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    people = {
        "lead": factories.user("lead", izegem, full_name="Lien Lead"),
        "izegem": factories.user("municipality", izegem, full_name="Ine Izegem"),
        "tielt": factories.user("municipality", tielt, full_name="Tom Tielt"),
        "coordinator": factories.user("coordinator", full_name="Cora Coördinator"),
        "viewer": factories.user("viewer"),
    }
    own_group = factories.group(leads=[people["lead"]], name="Werkgroep data")
    own_group.members = [people["tielt"]]
    other_group = factories.group(name="Andere werkgroep")
    dossier = factories.application(
        lead=izegem, title="Dossier Izegem", owner_id=people["coordinator"].id
    )
    foreign = factories.application(lead=tielt, title="Dossier Tielt")
    db.session.commit()
    return {
        "places": {"izegem": izegem, "tielt": tielt},
        "own_group": own_group,
        "other_group": other_group,
        "dossier": dossier,
        "foreign": foreign,
        **people,
    }


def _visit_long_ago(user, hours=3):
    """`user`'s last visit was `hours` ago (their next one is a new visit)."""
    visit = db.session.get(DashboardVisit, user.id)
    visit.last_at = now_utc() - timedelta(hours=hours)
    db.session.commit()


def _news(client) -> str:
    html = client.get("/").get_data(as_text=True)
    if 'id="news"' not in html:
        return ""
    section = html[html.index('id="news"') :]
    return section[: section.index("</section>")]


def _changes(world):
    """Changes by others after the previous visit, of every kind."""
    izegem = world["places"]["izegem"]
    task = factories.task(world["own_group"], title="Taak in eigen groep")
    other_task = factories.task(world["other_group"], title="Taak elders")
    hidden = factories.task(
        world["own_group"],
        title="Taak van dossier Izegem",
        application_id=world["dossier"].id,
    )
    record("update", task, {"status": ["todo", "done"]}, actor=world["coordinator"])
    record(
        "update", other_task, {"status": ["todo", "done"]}, actor=world["coordinator"]
    )
    record("update", hidden, {"status": ["todo", "done"]}, actor=world["coordinator"])
    record(
        "status",
        world["dossier"],
        {"status": ["idea", "preparing"]},
        municipality_id=izegem.id,
        actor=world["coordinator"],
    )
    record(
        "status",
        world["foreign"],
        {"status": ["idea", "preparing"]},
        municipality_id=world["places"]["tielt"].id,
        actor=world["coordinator"],
    )
    # One's own change is no news.
    record("update", world["own_group"], {"purpose": ["", "Data"]}, actor=world["lead"])
    db.session.commit()


def test_a_first_visit_says_what_the_section_will_show(world, login_as):
    client = login_as(world["lead"])
    news = _news(client)
    assert "Nieuw sinds uw vorige bezoek" in news
    assert "Vanaf uw volgende bezoek" in news
    assert db.session.get(DashboardVisit, world["lead"].id) is not None


def test_the_lead_sees_changes_in_groups_dossiers_and_municipality(world, login_as):
    client = login_as(world["lead"])
    client.get("/")
    _visit_long_ago(world["lead"])
    _changes(world)
    news = _news(client)
    assert "Taak in eigen groep" in news
    assert "Dossier Izegem" in news
    assert "Taak van dossier Izegem" in news  # Izegem may open that dossier
    assert "Taak elders" not in news
    assert "Dossier Tielt" not in news
    assert "Werkgroep data" not in news  # the lead's own change
    assert '<span class="badge info">3</span>' in news
    # The same visit (a reload within the hour) keeps the marks.
    assert "Taak in eigen groep" in _news(client)


def test_changes_from_before_the_previous_visit_are_not_new(world, login_as):
    client = login_as(world["lead"])
    client.get("/")
    _changes(world)
    # The previous visit ended after the changes; this one began a minute ago.
    visit = db.session.get(DashboardVisit, world["lead"].id)
    visit.previous_at = now_utc()
    visit.last_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    news = _news(client)
    assert "Taak in eigen groep" not in news
    assert "Niets veranderd sinds uw vorige bezoek." in news


def test_a_member_from_elsewhere_never_reads_a_dossier_it_may_not_open(world, login_as):
    client = login_as(world["tielt"])
    client.get("/")
    _visit_long_ago(world["tielt"])
    _changes(world)
    news = _news(client)
    assert "Taak in eigen groep" in news  # Tielt is a member of the group
    assert "Dossier Tielt" in news
    assert "Taak van dossier Izegem" not in news
    assert "Dossier Izegem" not in news


def test_the_coordinator_sees_the_dossiers_they_own(world, login_as):
    client = login_as(world["coordinator"])
    client.get("/")
    _visit_long_ago(world["coordinator"])
    _changes(world)
    record(
        "update",
        world["dossier"],
        {"title": ["Dossier Izegem", "Dossier Izegem"]},
        actor=world["izegem"],
    )
    db.session.commit()
    news = _news(client)
    assert "Dossier Izegem" in news and "Ine Izegem" in news
    assert "Dossier Tielt" not in news  # not theirs (and their own change)


def test_a_viewer_has_no_such_section(world, login_as):
    client = login_as(world["viewer"])
    assert _news(client) == ""
    assert db.session.scalar(select(DashboardVisit)) is None


def test_the_dashboard_runs_as_many_statements_with_news(world, login_as, page_queries):
    client = login_as(world["lead"])
    client.get("/")
    _visit_long_ago(world["lead"])
    client.get("/")  # opens the new visit
    before = len(page_queries(client, "/"))
    _changes(world)
    for n in range(15):
        record(
            "update",
            world["own_group"],
            {"purpose": ["", f"v{n}"]},
            actor=world["izegem"],
        )
    db.session.commit()
    log = page_queries(client, "/")
    assert log.lazy_loads == []
    assert len(log) == before
    assert "v14" not in _news(client)  # sentences, bounded to the newest ten
    assert _news(client).count("<li>") == 10
