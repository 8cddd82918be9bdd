"""/healthz and the dashboard of every demo role."""

import pytest

from app import create_app
from app.config import TestConfig


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_fails(tmp_path):
    class Broken(TestConfig):
        # A database file in a folder that does not exist cannot be opened.
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing/folder/db.sqlite"

    response = create_app(Broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


@pytest.mark.parametrize(
    ("email", "heading", "expected"),
    [
        (
            "coordinator@midwest.example",
            "Overzicht",
            ["Dossiers per status", "Deadline binnen 14 dagen"],
        ),
        (
            "lead@midwest.example",
            "Overzicht",
            ["Werkgroep ICT klankbord", "Mijn taken"],
        ),
        (
            "izegem@midwest.example",
            "Overzicht van Izegem",
            ["Herijking rode draden", "Uitrol in Izegem", "Mijn deadlines"],
        ),
        (
            "ruiselede@midwest.example",
            "Overzicht van Ruiselede",
            ["Uitrol in Ruiselede"],
        ),
        ("viewer@midwest.example", "Voortgang in de regio", ["Vendormanagement"]),
    ],
)
def test_each_demo_login_reaches_its_dashboard(demo_login, email, heading, expected):
    page = demo_login(email).get("/").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page
    for text in expected:
        assert text in page


def test_viewer_dashboard_shows_no_applications(demo_login):
    page = demo_login("viewer@midwest.example").get("/").get_data(as_text=True)
    assert "Dossiers per status" not in page


def test_municipality_pipeline_counts_only_its_own_applications(demo_login):
    page = demo_login("staden@midwest.example").get("/").get_data(as_text=True)
    # Staden leads one idea and partners in one digibank dossier (reporting).
    assert 'status-idea">Idee</span> <strong>1</strong>' in page
    assert 'status-reporting">Rapportering</span> <strong>1</strong>' in page
    assert 'status-granted">Toegekend</span> <strong>0</strong>' in page


def test_many_overdue_items_leave_room_for_those_due_soon(app, login_as):
    """With more overdue tasks than the dashboard lists, what is due in the next
    14 days is still listed (at Flanders scale it read "nothing is due")."""
    from datetime import timedelta

    from app import clock
    from app.extensions import db
    from tests import factories

    group = factories.group(factories.theme())
    for number in range(45):
        factories.task(
            group,
            title=f"Late {number}",
            status="in_progress",
            due_on=clock.today() - timedelta(days=50 - number),
        )
    factories.task(
        group, title="Due soon", status="todo", due_on=clock.today() + timedelta(3)
    )
    db.session.commit()
    page = login_as("coordinator").get("/").get_data(as_text=True)
    soon = page.split("Deadline binnen 14 dagen", 1)[1].split("</ul>", 1)[0]
    assert "Due soon" in soon
    assert "Late 0" in page  # the oldest overdue first
    assert "Late 10" not in page  # ten overdue items listed
    assert "Niets vervalt in de komende 14 dagen" not in page


def test_key_figures_equal_the_counts_of_every_task_in_use(app):
    """The open and overdue counts, taken as all tasks less those of archived
    groups and dossiers, equal the count that tests each task's group and
    dossier."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from app import clock
    from app.archive import task_in_use
    from app.extensions import db
    from app.main.dashboard import _key_figures
    from app.work.models import Task
    from app.work.progress import overdue_clause
    from tests import factories

    day = clock.today()
    late = day - timedelta(days=3)
    kept, archived = factories.group(), factories.group()
    dossier, archived_dossier = factories.application(), factories.application()
    archived.archived_at = archived_dossier.archived_at = clock.now_utc()
    for group in (kept, archived, None):
        for application in (dossier, archived_dossier, None):
            for status, due_on in (("todo", late), ("done", late), ("todo", None)):
                factories.task(
                    group,
                    group_id=group.id if group else None,
                    application_id=application.id if application else None,
                    status=status,
                    progress=100 if status == "done" else 0,
                    due_on=due_on,
                )
    db.session.commit()

    def count(*conditions) -> int:
        return db.session.scalar(
            select(func.count(Task.id)).where(task_in_use(), *conditions)
        )

    figures = _key_figures(day)
    assert figures["open_tasks"] == count(Task.status != "done") == 8
    assert figures["overdue_tasks"] == count(overdue_clause(day)) == 4


def test_rollout_stages_per_theme_count_active_municipalities_only(app):
    """The dashboard's rollout counts per theme and stage equal a count that
    looks up each rollout's municipality: a merged one's rollouts are left out."""
    from collections import Counter
    from datetime import date

    from sqlalchemy import select

    from app.extensions import db
    from app.main.dashboard import theme_stage_counts
    from app.municipalities.models import Municipality
    from app.work.models import Rollout
    from tests import factories

    themes = [factories.theme(), factories.theme()]
    merged_into = factories.municipality()
    places = [factories.municipality() for _ in range(3)] + [merged_into]
    old = factories.municipality(
        merged_into_id=merged_into.id, merged_on=date(2025, 1, 1)
    )
    stages = ("exploring", "live", "preparing")
    for number, place in enumerate([*places, old]):
        for theme in themes:
            factories.rollout(theme, place, stage=stages[number % 3])
    db.session.commit()
    expected = Counter(
        (rollout.theme_id, rollout.stage)
        for rollout in db.session.scalars(select(Rollout))
        if db.session.get(Municipality, rollout.municipality_id).merged_into_id is None
    )
    counts = theme_stage_counts()
    assert {
        (theme_id, stage): n
        for theme_id, per_stage in counts.items()
        for stage, n in per_stage.items()
    } == dict(expected)
    assert counts[themes[0].id] == {"exploring": 2, "live": 1, "preparing": 1}
