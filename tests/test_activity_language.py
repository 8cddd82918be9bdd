"""Issue 13 item 4: activity is stored as data and read in the reader's language,
with field labels and names instead of ids; the 409 message says it the same way;
old entries are converted by the migration; a page of entries costs a fixed
number of queries. Issue 17: a score import is found under "Score", and partner
municipalities read the activity of the dossiers they may open."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app.activity.models import Activity
from app.extensions import db
from app.work.models import Task
from tests import factories
from tests.conftest import Client, sign_in_session

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(app):
    return factories.delivery_world()


def _signed_in(app, user, language):
    user.language = language
    db.session.commit()
    app.test_client_class = Client
    return sign_in_session(app.test_client(), user)


def _task_form(task: Task, **values) -> dict:
    data = {
        "title": task.title,
        "status": task.status,
        "progress": str(task.progress),
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "assignee_id": str(task.assignee_id or ""),
        "municipality_id": str(task.municipality_id or ""),
        "version": str(task.version),
    }
    return data | {k: str(v) for k, v in values.items()}


def _log(client, url="/activity") -> str:
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page.split('id="activity-list"')[1].split("<footer")[0]


def test_an_update_reads_as_a_sentence_with_labels_and_names(app, world):
    task, assignee = world["own_task"], world["users"]["municipality"]
    coordinator = _signed_in(app, world["users"]["coordinator"], "nl")
    saved = coordinator.form(
        f"/tasks/{task.id}",
        _task_form(task, status="in_progress", assignee_id=assignee.id),
    )
    assert saved.status_code == 303
    entry = db.session.scalar(select(Activity).where(Activity.entity_id == task.id))
    # stored as data: codes and ids, no sentence
    assert entry.changes == {
        "status": ["todo", "in_progress"],
        "assignee_id": [None, assignee.id],
    }
    assert (entry.label, entry.summary) == ("Own task", "")

    dutch = _log(coordinator)
    assert "Taak “Own task” bijgewerkt" in dutch
    assert "Status: Te doen → Bezig" in dutch
    assert f"Uitvoerder: — → {assignee.full_name}" in dutch
    assert "assignee_id" not in dutch and "in_progress" not in dutch

    english = _log(_signed_in(app, world["users"]["coordinator"], "en"))
    assert "Task “Own task” updated" in english
    assert "Status: To do → In progress" in english
    assert f"Assignee: — → {assignee.full_name}" in english


def test_the_conflict_message_uses_the_same_labels(app, world):
    task = world["own_task"]
    before = _task_form(task)
    lead = _signed_in(app, world["users"]["lead"], "nl")
    assignee = world["users"]["municipality"]
    first = lead.form(f"/tasks/{task.id}", before | {"assignee_id": assignee.id})
    assert first.status_code == 303
    coordinator = _signed_in(app, world["users"]["coordinator"], "nl")
    stale = before | {"status": "blocked"}
    response = coordinator.form(f"/tasks/{task.id}", stale, htmx=True)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"Uitvoerder: — → {assignee.full_name}" in page  # what they changed
    assert "Status: Geblokkeerd" in page  # what this user tried to save
    assert "assignee_id" not in page and "<code>" not in page
    assert db.session.get(Task, task.id).status == "todo"


def _migration():
    path = ROOT / "migrations/versions/activity_struct.py"
    spec = importlib.util.spec_from_file_location("activity_struct", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_converts_old_sentences_and_purges_imported_scores(app):
    home = factories.municipality("Izegem")
    application = factories.application(lead=home, title="Dossier A")
    payment = factories.payment(application, "2500.00")
    scoring_round = factories.scoring_round(name="Ronde 2025")
    db.session.commit()
    old = [
        ("import", "scoring_round", scoring_round.id, None,
         "12 scores imported into 'Ronde 2025' from s.xlsx",
         {"RD01 Izegem": [None, 8], "RD01 Tielt": [3, 9]}),
        ("update", "task", 1, None, "Task 'Oud' updated",
         {"status": ["todo", "done"]}),
        ("update", "score", 1, home.id,
         "Score RD01 of Izegem in 'Ronde 2025' entered on behalf of the municipality",
         {"value": [None, 4]}),
        ("create", "payment", payment.id, home.id,
         f"Payment 2500.00 for application '{application.title}'", {}),
        ("update", "user_account", 1, None, "Password of a@b.example reset", {}),
        ("update", "rollout", 1, home.id, "Something nobody parses", {}),
    ]  # fmt: skip
    db.session.execute(
        insert(Activity),
        [
            dict(
                action=a, entity_type=t, entity_id=i, municipality_id=m,
                summary=s, changes=c, label=None, audience="regional",
            )
            for a, t, i, m, s, c in old
        ],
    )  # fmt: skip
    db.session.commit()
    with db.engine.begin() as connection:
        _migration()._convert_rows(connection)
    db.session.expire_all()
    rows = db.session.scalars(select(Activity).order_by(Activity.id)).all()
    imported, task, score, paid, password, unparsed = rows
    assert (imported.label, imported.changes, imported.audience) == (
        "Ronde 2025",
        {},
        "regional",
    )
    assert imported.details == {"count": 12, "filename": "s.xlsx"}
    assert (task.label, task.audience) == ("Oud", "regional")
    assert (score.label, score.audience) == ("RD01 – Izegem", "municipality")
    assert score.details == {"round": "Ronde 2025", "on_behalf": True}
    assert (paid.label, paid.audience, paid.application_id) == (
        "Dossier A",
        "dossier",
        application.id,
    )
    assert (password.action, password.audience) == ("password_reset", "coordinator")
    assert unparsed.label is None

    coordinator = _signed_in(app, factories.user("coordinator"), "nl")
    log = _log(coordinator)
    assert "12 scores geïmporteerd in “Ronde 2025” (bestand s.xlsx)" in log
    assert "Tielt" not in log
    assert "Taak “Oud” bijgewerkt" in log and "Status: Te doen → Klaar" in log
    assert "Score RD01 – Izegem in “Ronde 2025” bewaard namens de gemeente" in log
    assert "Betaling van €\xa02.500,00 voor “Dossier A” geregistreerd" in log
    assert "Something nobody parses" in log  # the old text as fallback


def test_a_page_of_entries_costs_a_fixed_number_of_queries(app, world, page_queries):
    coordinator = _signed_in(app, world["users"]["coordinator"], "nl")
    people = list(world["users"].values())
    places = [world["home"], world["away"]]

    def add_entries(count):
        db.session.execute(
            insert(Activity),
            [
                {
                    "action": "update",
                    "entity_type": "task",
                    "entity_id": world["own_task"].id,
                    "audience": "regional",
                    "label": f"Task {n}",
                    "summary": "",
                    "changes": {
                        "assignee_id": [None, people[n % len(people)].id],
                        "municipality_id": [None, places[n % 2].id],
                        "group_id": [None, world["own_group"].id],
                    },
                    "details": {},
                    "actor_id": people[n % len(people)].id,
                }
                for n in range(count)
            ],
        )
        db.session.commit()

    add_entries(3)
    few = len(page_queries(coordinator, "/activity"))
    add_entries(47)
    many = len(page_queries(coordinator, "/activity"))
    assert many == few
    assert people[1].full_name in _log(coordinator)


def test_a_score_import_shows_under_the_score_filter(app, world):
    scoring_round = factories.scoring_round(name="Ronde X")
    db.session.commit()
    from app.activity.log import record

    record("import", scoring_round, details={"count": 3}, actor=None)
    db.session.commit()
    reader = _signed_in(app, world["users"]["municipality"], "en")
    assert "3 scores imported into “Ronde X”" in _log(reader, "/activity?kind=score")
    assert "Ronde X" not in _log(reader, "/activity?kind=task")


def test_partners_read_the_activity_of_dossiers_they_may_open(app, world):
    home, away = world["home"], world["away"]
    elsewhere = factories.municipality("Ardooie")
    granted = {"status": "granted", "granted_amount": Decimal("10000")}
    application = factories.application(lead=away, title="Gedeeld dossier", **granted)
    factories.partner(application, home, "20")
    private = factories.application(lead=away, title="Eigen dossier", **granted)
    db.session.commit()
    coordinator = _signed_in(app, world["users"]["coordinator"], "en")
    for dossier in (application, private):
        response = coordinator.form(
            f"/applications/{dossier.id}/payments",
            {
                "payment-paid_on": "2026-03-02",
                "payment-amount": "1250",
                "payment-kind": "advance",
            },
        )
        assert response.status_code in (200, 303)

    partner = _signed_in(app, world["users"]["municipality"], "en")
    log = _log(partner)
    assert "Payment of €1,250.00 for “Gedeeld dossier” recorded" in log
    assert "Eigen dossier" not in log
    page = partner.get(f"/applications/{application.id}").get_data(as_text=True)
    recent = page.split('id="recent-activity"')[1]
    assert "Payment of €1,250.00 for “Gedeeld dossier” recorded" in recent

    outsider = _signed_in(app, factories.user("municipality", elsewhere), "en")
    assert "dossier" not in _log(outsider).lower()
