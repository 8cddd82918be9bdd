"""Every page is rendered for its reader (issue 23 item 2): nothing rendered for
one person reaches another, whoever asked first, and the next read after a
write shows it."""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta

from app import clock
from app.auth.models import User
from app.extensions import db
from app.subsidies.models import Application
from tests import factories
from tests.conftest import Client, sign_in_session

HEADER = re.compile(r'<header class="site-header">.*?</header>', re.S)
TOKENS = re.compile(r'csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def _client(app, user: User) -> Client:
    app.test_client_class = Client  # each request in a context of its own
    client = app.test_client()
    sign_in_session(client, user)
    return client


def test_no_page_cache_is_left(demo_app):
    assert importlib.util.find_spec("app.page_cache") is None
    assert not any(key.startswith("PAGE_CACHE") for key in demo_app.config)


def test_two_coordinators_each_see_their_own_name_and_token(demo_app):
    """Two people of one role, one after the other on the same pages: each sees
    their own name and token only."""
    first = factories.user(role="coordinator", full_name="Eerste Coördinator")
    second = factories.user(role="coordinator", full_name="Tweede Persoon")
    db.session.commit()
    clients = _client(demo_app, first), _client(demo_app, second)
    for url in ("/", "/tasks", "/deadlines", "/threads", "/municipalities"):
        pages = [client.get(url).get_data(as_text=True) for client in clients]
        frames = [HEADER.search(html).group(0) for html in pages]
        assert "Eerste Coördinator" in frames[0] and "Tweede Persoon" not in frames[0]
        assert "Tweede Persoon" in frames[1] and "Eerste Coördinator" not in frames[1]
        tokens = [set(TOKENS.findall(html)) for html in pages]
        assert tokens[0] and tokens[1] and not tokens[0] & tokens[1], url


def test_two_leads_each_see_their_own_deadlines(demo_app):
    """Two leads, each with a task of their own: whoever asks first, each sees
    their own deadlines on /deadlines and none of the other's."""
    first = factories.user(role="lead", municipality_=factories.municipality())
    second = factories.user(role="lead", municipality_=factories.municipality())
    soon = clock.today() + timedelta(days=3)
    mine = factories.task(title="Enkel voor de eerste", due_on=soon)
    theirs = factories.task(title="Enkel voor de tweede", due_on=soon)
    mine.assignee_id, theirs.assignee_id = first.id, second.id
    db.session.commit()
    clients = _client(demo_app, first), _client(demo_app, second)
    pages = [client.get("/deadlines").get_data(as_text=True) for client in clients]
    assert "Enkel voor de eerste" in pages[0]
    assert "Enkel voor de tweede" not in pages[0]
    assert "Enkel voor de tweede" in pages[1]
    assert "Enkel voor de eerste" not in pages[1]


def test_a_municipal_reader_never_sees_what_a_coordinator_saw(demo_app):
    coordinator = factories.user(role="coordinator")
    municipality = factories.municipality()
    lead = factories.user(role="lead", municipality_=municipality)
    secret = factories.application(title="Vertrouwelijk dossier van elders")
    db.session.commit()
    seen = _client(demo_app, coordinator).get("/applications").get_data(as_text=True)
    assert "Vertrouwelijk dossier van elders" in seen
    page = _client(demo_app, lead).get("/applications").get_data(as_text=True)
    assert "Vertrouwelijk dossier van elders" not in page
    dashboard = _client(demo_app, lead).get("/").get_data(as_text=True)
    assert municipality.name in dashboard
    assert db.session.get(Application, secret.id) is not None


def test_the_next_read_after_a_write_is_fresh(demo_app):
    first = factories.user(role="coordinator")
    second = factories.user(role="coordinator")
    group = factories.group()
    db.session.commit()
    reader, writer = _client(demo_app, first), _client(demo_app, second)
    assert "Een taak van na de lezing" not in reader.get("/tasks").get_data(True)
    response = writer.form(
        f"/groups/{group.id}/tasks",
        {"title": "Een taak van na de lezing", "status": "todo", "progress": "0"},
    )
    assert response.status_code in (200, 201, 303), response.status_code
    assert "Een taak van na de lezing" in reader.get("/tasks").get_data(True)


def test_languages_are_kept_apart(demo_app):
    dutch = factories.user(role="coordinator", language="nl")
    english = factories.user(role="coordinator", language="en")
    db.session.commit()
    nl = _client(demo_app, dutch).get("/tasks").get_data(as_text=True)
    en = _client(demo_app, english).get("/tasks").get_data(as_text=True)
    assert '<h1 id="page-title">Taken</h1>' in nl
    assert '<h1 id="page-title">Tasks</h1>' in en


def test_flash_messages_reach_their_reader_once(demo_app):
    coordinator = factories.user(role="coordinator")
    other = factories.user(role="coordinator")
    db.session.commit()
    client = _client(demo_app, coordinator)
    client.get("/threads")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Bewaard, dank je")]
    assert "Bewaard, dank je" in client.get("/threads").get_data(as_text=True)
    assert "Bewaard, dank je" not in client.get("/threads").get_data(as_text=True)
    assert "Bewaard, dank je" not in _client(demo_app, other).get("/threads").get_data(
        as_text=True
    )
