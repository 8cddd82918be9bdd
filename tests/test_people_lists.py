"""People lists give each field and role only the people it may pick, and talk
notes are for the coordinator (issue 24 item 30)."""

from __future__ import annotations

import pytest

from app.activity.log import record
from app.extensions import db
from tests import factories


@pytest.fixture
def people(app):
    town = factories.municipality("Eigen")
    seen = factories.user("coordinator", full_name="Zeno Zichtbaar")
    factories.user("coordinator", full_name="Zoë Onbekend")
    factories.user("lead", full_name="Zita Weg", active=False)
    theme = factories.theme(title="Regionaal thema")
    db.session.flush()
    record("update", theme, {"title": ["Oud", "Regionaal thema"]}, actor=seen)
    db.session.commit()
    return {"town": town, "seen": seen}


@pytest.mark.parametrize("role", ["lead", "municipality"])
def test_who_filter_offers_only_people_in_the_activity_one_may_read(
    login_as, people, role
):
    client = login_as(role, municipality_=people["town"])
    typed = client.htmx("GET", "/choices/who?who_search=z").text
    assert "Zeno Zichtbaar" in typed
    assert "Zoë Onbekend" not in typed and "Zita Weg" not in typed
    chosen = client.get(f"/activity?who={people['seen'].id}").text
    assert "Zeno Zichtbaar" in chosen


def test_the_coordinator_finds_anyone_in_the_who_filter(login_as, people):
    typed = login_as("coordinator").htmx("GET", "/choices/who?who_search=z").text
    for name in ("Zeno Zichtbaar", "Zoë Onbekend", "Zita Weg"):
        assert name in typed


@pytest.mark.parametrize(
    ("role", "offered"),
    [("coordinator", True), ("lead", True), ("municipality", False)],
)
def test_assignable_people_only_for_who_gives_tasks(login_as, people, role, offered):
    client = login_as(role)
    typed = client.htmx("GET", "/choices/assignable?assignee_id_search=z").text
    assert typed.count("Zeno Zichtbaar") == (1 if offered else 0)
    assert "Zita Weg" not in typed  # deactivated: never


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        ("coordinator", True),
        ("lead", False),
        ("municipality", False),
        ("viewer", False),
    ],
)
def test_talk_notes_are_for_the_coordinator(login_as, people, role, reads):
    factories.talk(people["town"], notes="Vertrouwelijk: burgemeester twijfelt")
    db.session.commit()
    page = login_as(role).get("/talks")
    assert page.status_code == 200
    assert "Eigen" in page.text  # that the talk took place is regional
    assert ("burgemeester twijfelt" in page.text) is reads
    assert ('<th scope="col">Notities</th>' in page.text) is reads
