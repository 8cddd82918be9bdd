"""User administration by the coordinator, and the activity log with its visibility."""

import re

import pytest
from sqlalchemy import select

from app.activity.log import record
from app.activity.models import Activity
from app.auth.service import find_user
from app.extensions import db
from tests import factories
from tests.conftest import Client

NEW_USER = {
    "email": "Nieuw@Example.org",
    "full_name": "Nieuwe Collega",
    "role": "municipality",
    "language": "en",
    "active": "y",
}


@pytest.fixture
def coordinator(login_as):
    client = login_as("coordinator")
    client.user.language = "en"
    db.session.commit()
    return client


def test_create_user_shows_a_temporary_password_that_works(app, coordinator):
    home = factories.municipality("Izegem")
    db.session.commit()
    response = coordinator.form(
        "/admin/users/new", NEW_USER | {"municipality_id": home.id}
    )
    assert response.status_code == 200
    password = re.search(
        r'id="temporary-password" value="([^"]+)"', response.get_data(as_text=True)
    ).group(1)
    user = find_user("nieuw@example.org")
    assert (
        user.role == "municipality"
        and user.municipality_id == home.id
        and user.language == "en"
    )
    fresh = app.test_client()
    assert isinstance(fresh, Client)
    fresh.fetch_csrf("/login")
    signed_in = fresh.post(
        "/login",
        data={
            "email": "nieuw@example.org",
            "password": password,
            "csrf_token": fresh.csrf_token,
        },
    )
    assert signed_in.status_code == 302
    entries = db.session.scalars(
        select(Activity).where(Activity.entity_type == "user_account")
    ).all()
    assert [(e.action, e.entity_id, e.actor_id, e.label) for e in entries] == [
        ("create", user.id, coordinator.user.id, "Nieuwe Collega")
    ]
    assert password not in str(entries[0].changes)  # never the password


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not an email"}, "Invalid email"),
        ({"municipality_id": 0}, "choose one"),
        ({"full_name": ""}, "This field is required"),
        ({"role": "admin"}, "Not a valid choice"),
    ],
)
def test_create_user_refuses_bad_input(coordinator, changes, message):
    home = factories.municipality("Izegem")
    db.session.commit()
    response = coordinator.form(
        "/admin/users/new", NEW_USER | {"municipality_id": home.id} | changes
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert find_user("nieuw@example.org") is None


def test_duplicate_email_is_refused(coordinator):
    factories.user("viewer", email="nieuw@example.org")
    db.session.commit()
    response = coordinator.form(
        "/admin/users/new", NEW_USER | {"role": "viewer", "municipality_id": 0}
    )
    assert response.status_code == 422
    assert "exists already" in response.get_data(as_text=True)


def test_role_change_ends_the_users_sessions(app, coordinator):
    other = factories.user("viewer", email="lid@example.org")
    db.session.commit()
    from tests.conftest import sign_in_session

    their_browser = sign_in_session(app.test_client(), other)
    assert their_browser.get("/").status_code == 200
    data = {
        "email": "lid@example.org",
        "full_name": "Lid",
        "role": "coordinator",
        "municipality_id": 0,
        "language": "nl",
        "active": "y",
        # mass assignment: fields the form does not have are ignored
        "password_hash": "x",
        "session_nonce": "x",
        "calendar_token": "stolen",
    }
    assert coordinator.form(f"/admin/users/{other.id}", data).status_code == 303
    db.session.refresh(other)
    assert other.role == "coordinator" and other.calendar_token != "stolen"
    assert other.check_password(factories.PASSWORD)  # posted hash ignored
    assert their_browser.get("/").status_code == 302


def test_deactivate_and_reset(app, coordinator):
    other = factories.user("viewer", email="lid@example.org")
    db.session.commit()
    data = {
        "email": "lid@example.org",
        "full_name": "Lid",
        "role": "viewer",
        "municipality_id": 0,
        "language": "nl",
    }
    assert coordinator.form(f"/admin/users/{other.id}", data).status_code == 303
    db.session.refresh(other)
    assert other.active is False
    response = coordinator.form(f"/admin/users/{other.id}/reset")
    assert response.status_code == 200
    db.session.refresh(other)
    assert not other.check_password(factories.PASSWORD)


def test_coordinator_cannot_lock_themself_out(coordinator):
    me = coordinator.user
    data = {
        "email": me.email,
        "full_name": me.full_name,
        "role": "viewer",
        "municipality_id": 0,
        "language": "en",
        "active": "y",
    }
    response = coordinator.form(f"/admin/users/{me.id}", data)
    assert response.status_code == 422
    db.session.refresh(me)
    assert me.role == "coordinator"


@pytest.mark.parametrize("role", ["lead", "municipality", "viewer"])
def test_others_cannot_administer(login_as, role):
    client = login_as(role)
    target = factories.user("viewer", email="target@example.org")
    db.session.commit()
    assert client.get("/admin/users").status_code == 403
    response = client.form(
        f"/admin/users/{target.id}",
        {
            "email": "target@example.org",
            "full_name": "T",
            "role": "coordinator",
            "municipality_id": 0,
            "language": "nl",
        },
    )
    assert response.status_code == 403
    db.session.refresh(target)
    assert target.role == "viewer"


@pytest.fixture
def log(app):
    home = factories.municipality("Izegem")
    away = factories.municipality("Tielt")
    author = factories.user("coordinator", full_name="Anna Coördinator")
    task = factories.task(title="Regional task")
    scoring_round = factories.scoring_round()
    thread = factories.thread()
    own_score = factories.score(scoring_round, thread, home, 7)
    other_score = factories.score(scoring_round, factories.thread(), away, 3)
    record(
        "update",
        task,
        "Task 'Regional task' updated",
        {"progress": [0, 50]},
        actor=author,
    )
    record(
        "update", own_score, "Score of Izegem", municipality_id=home.id, actor=author
    )
    record(
        "update", other_score, "Score of Tielt", municipality_id=away.id, actor=author
    )
    talk_owner = factories.user("viewer")
    record("create", talk_owner, "User created", actor=author)
    db.session.commit()
    return {"home": home, "away": away, "author": author, "task": task}


def test_activity_visibility_per_role(log, login_as):
    client = login_as("municipality", municipality=log["home"])
    page = client.get("/activity").get_data(as_text=True)
    assert "Regional task" in page and "Score of Izegem" in page
    assert "Score of Tielt" not in page and "User created" not in page
    coordinator_page = login_as("coordinator").get("/activity").get_data(as_text=True)
    assert "Score of Tielt" in coordinator_page and "User created" in coordinator_page


def test_activity_filters(log, login_as):
    client = login_as("coordinator")
    by_kind = client.get("/activity?kind=task").get_data(as_text=True)
    assert "Regional task" in by_kind and "Score of" not in by_kind
    by_municipality = client.get(f"/activity?municipality={log['away'].id}").get_data(
        as_text=True
    )
    assert (
        "Score of Tielt" in by_municipality and "Regional task" not in by_municipality
    )
    by_person = client.get(f"/activity?who={log['author'].id}").get_data(as_text=True)
    assert "Regional task" in by_person
    nobody = client.get("/activity?from=2999-01-01").get_data(as_text=True)
    assert "Regional task" not in nobody
    fragment = client.htmx("GET", "/activity?kind=score")
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(
        as_text=True
    )


def test_an_objects_page_shows_its_recent_activity(login_as):
    home = factories.municipality("Izegem")
    application = factories.application(lead=home, title="Dossier met historiek")
    db.session.commit()
    lead_user = login_as("municipality", municipality=home)
    response = lead_user.form(
        f"/applications/{application.id}/notes",
        {"notes": "Nieuwe stand van zaken", "version": application.version},
    )
    assert response.status_code == 303  # a plain form: see the dossier
    db.session.refresh(application)
    assert application.notes == "Nieuwe stand van zaken"
    page = lead_user.get(f"/applications/{application.id}").get_data(as_text=True)
    assert 'id="recent-activity"' in page
    assert "Nieuwe stand van zaken" in page.split('id="recent-activity"')[1]
