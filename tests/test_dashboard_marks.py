"""Issue 26 item 8: the dashboard marks, in the reader's own lists (their tasks,
their groups' tasks, their dossiers' deadlines, their municipality's rollout),
each item that others made ("nieuw") or changed ("gewijzigd") since the
reader's previous visit; nothing on a first visit, nothing for their own edits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.main.models import DashboardVisit
from app.work.models import Rollout
from tests import factories

NEW = 'nieuw<span class="visually-hidden"> sinds uw vorige bezoek</span>'
CHANGED = 'gewijzigd<span class="visually-hidden"> sinds uw vorige bezoek</span>'


@pytest.fixture
def world(app):
    now, today = clock.now_utc(), clock.today()
    long_ago = now - timedelta(days=5)
    izegem = factories.municipality("Izegem")
    people = {
        "lead": factories.user("lead", izegem),
        "izegem": factories.user("municipality", izegem),
        "coordinator": factories.user("coordinator"),
    }
    group = factories.group(leads=[people["lead"]], name="Werkgroep data")
    coordinator_id = people["coordinator"].id

    def task(title, created, updated, by=coordinator_id, assignee="izegem", **kw):
        return factories.task(
            group,
            title=title,
            assignee_id=people[assignee].id,
            due_on=kw.pop("due_on", today + timedelta(days=3)),
            created_at=created,
            updated_at=updated,
            updated_by_id=by,
            **kw,
        )

    ago = now - timedelta(hours=2)
    task("Taak oud", long_ago, long_ago)
    task("Taak nieuw", ago, ago)
    task("Taak gewijzigd", long_ago, ago)
    task("Taak zelf gewijzigd", long_ago, ago, by=people["izegem"].id)
    task("Groep te laat", long_ago, ago, due_on=today - timedelta(days=2))
    call = factories.call(deadline_at=now + timedelta(days=6))
    factories.application(
        call,
        lead=izegem,
        title="Dossier gewijzigd",
        created_at=long_ago,
        updated_at=ago,
        updated_by_id=coordinator_id,
    )
    factories.application(
        call, lead=izegem, title="Dossier oud", created_at=long_ago, updated_at=long_ago
    )
    for title, updated in (("Thema gewijzigd", ago), ("Thema oud", long_ago)):
        db.session.add(
            Rollout(
                theme_id=factories.theme(title=title).id,
                municipality_id=izegem.id,
                stage="exploring",
                updated_at=updated,
                updated_by_id=coordinator_id,
            )
        )
    db.session.commit()
    return people


def _previous_visit(user, days_ago=1):
    """`user` is in a visit that began after one `days_ago` days ago."""
    now = clock.now_utc()
    db.session.merge(
        DashboardVisit(
            user_id=user.id,
            last_at=now - timedelta(minutes=1),
            previous_at=now - timedelta(days=days_ago),
        )
    )
    db.session.commit()


def _item(html: str, title: str) -> str:
    """The list item or table row that shows `title`."""
    match = re.search(rf"<(li|tr)[^>]*>(?:(?!</\1>).)*{title}(?:(?!</\1>).)*</\1>",
                      html, re.S)  # fmt: skip
    assert match, title
    return match.group(0)


@pytest.mark.parametrize("role", ["izegem", "lead"])
def test_items_changed_by_others_since_the_previous_visit_are_marked(
    login_as, world, role
):
    reader = world[role]  # the lead: the overdue tasks of the group they lead
    _previous_visit(reader)
    html = login_as(reader).get("/").get_data(as_text=True)
    if role == "izegem":
        assert NEW in _item(html, "Taak nieuw")
        assert CHANGED in _item(html, "Taak gewijzigd")
        for quiet in ("Taak oud", "Taak zelf gewijzigd"):
            assert "badge fresh" not in _item(html, quiet), quiet
        assert CHANGED in _item(html, "Thema gewijzigd")
        assert "badge fresh" not in _item(html, "Thema oud")
    else:
        assert CHANGED in _item(html, "Groep te laat")
    assert CHANGED in _item(html, "Dossier gewijzigd")
    assert "badge fresh" not in _item(html, "Dossier oud")


def test_nothing_is_marked_on_a_first_visit_or_before_the_previous_one(login_as, world):
    reader = world["izegem"]
    client = login_as(reader)
    first = client.get("/").get_data(as_text=True)  # a first visit: no marks
    assert "Taak nieuw" in first and "badge fresh" not in first
    _previous_visit(reader, days_ago=0)  # a visit after every change
    again = client.get("/").get_data(as_text=True)
    assert "Taak gewijzigd" in again and "badge fresh" not in again


def test_marks_read_in_english(login_as, world):
    reader = world["izegem"]
    reader.language = "en"
    _previous_visit(reader)
    html = login_as(reader).get("/").get_data(as_text=True)
    mark = 'new<span class="visually-hidden"> since your last visit</span>'
    assert mark in _item(html, "Taak nieuw")
