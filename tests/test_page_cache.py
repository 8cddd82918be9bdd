"""Shared page parts (app/page_cache.py): kept per sharing scope and data
generation, never carrying anything of the person who made them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth import permissions
from app.auth.models import User
from app.extensions import db
from app.strategy.models import ScoringRound, Thread
from app.subsidies.models import Application, SubsidyCall
from app.work.models import Theme, WorkingGroup
from tests import factories
from tests.conftest import Client, sign_in_session

MAIN = re.compile(r'<main id="main".*?</main>', re.S)
SECONDS_LEFT = re.compile(r'data-seconds-left="\d+"')
TOKENS = re.compile(r'csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
TOKEN = re.compile(r'(name="[\w-]*csrf_token"[^>]*value=")[^"]+"')


def _first(model) -> int:
    return db.session.scalar(select(model.id).order_by(model.id).limit(1))


def _shared_urls() -> list[str]:
    """Every page kept by app/page_cache.py, on the demo data."""
    closed = db.session.scalar(
        select(ScoringRound.id).where(ScoringRound.status == "closed").limit(1)
    )
    return [
        "/trajectory",
        f"/threads/{_first(Thread)}",
        "/rounds",
        "/themes",
        f"/themes/{_first(Theme)}",
        f"/groups/{_first(WorkingGroup)}",
        "/calls",
        f"/calls/{_first(SubsidyCall)}",
        "/municipalities",
        "/deadlines?scope=region",
        "/",
        "/tasks",
        "/tasks?status=todo&sort=-due",
        "/municipalities/roeselare",
        "/applications",
        f"/applications/{_first(Application)}",
        "/threads",
        f"/rounds/{closed}/results",
    ]


def _client(app, user: User) -> Client:
    app.test_client_class = Client  # each request in a context of its own
    client = app.test_client()
    sign_in_session(client, user)
    client.user = user
    return client


def _main(html: str) -> str:
    """What the page shows in <main>, CSRF tokens left out."""
    found = MAIN.search(html)
    assert found, html[:300]
    # A call's countdown counts the seconds to the moment of rendering.
    shown = SECONDS_LEFT.sub("", found.group(0))
    return TOKEN.sub(r'\1"', shown)


def _rendered(app) -> int:
    parts = app.extensions.get("page_cache")
    return 0 if parts is None else parts.rendered


def _pair(role: str, **kw) -> tuple[User, User]:
    pair = factories.user(role=role, **kw), factories.user(role=role, **kw)
    db.session.commit()
    return pair


@pytest.mark.parametrize("role", ["coordinator", "viewer"])
def test_people_of_one_scope_see_the_same_pages(demo_app, role):
    """The sharing scope's promise, without the cache: two coordinators (or two
    viewers) see exactly the same content on every shared page."""
    demo_app.config["PAGE_CACHE_SIZE"] = 0
    first, second = _pair(role)
    assert permissions.sharing_scope(first) == permissions.sharing_scope(second)
    clients = _client(demo_app, first), _client(demo_app, second)
    for url in _shared_urls():
        pages = [client.get(url) for client in clients]
        if role == "viewer" and pages[0].status_code == 403:
            assert pages[1].status_code == 403, url
            continue
        assert [page.status_code for page in pages] == [200, 200], url
        html = [page.get_data(as_text=True) for page in pages]
        assert _main(html[0]) == _main(html[1]), url
    assert _rendered(demo_app) == 0


def test_scopes_of_people_who_see_different_things_differ(demo_app):
    lead, other_lead = _pair("lead")
    viewer = factories.user(role="viewer")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    scopes = {
        permissions.sharing_scope(person)
        for person in (lead, other_lead, viewer, coordinator)
    }
    assert len(scopes) == 4


def test_a_kept_part_is_served_with_the_readers_own_frame_and_token(demo_app):
    first, second = _pair("coordinator", full_name="Eerste Coördinator")
    db.session.execute(
        db.update(User).where(User.id == second.id).values(full_name="Tweede Persoon")
    )
    db.session.commit()
    clients = _client(demo_app, first), _client(demo_app, second)
    for url in _shared_urls():
        made = _rendered(demo_app)
        mine = clients[0].get(url).get_data(as_text=True)
        assert _rendered(demo_app) == made + 1, url  # rendered once …
        theirs = clients[1].get(url).get_data(as_text=True)
        assert _rendered(demo_app) == made + 1, url  # … and kept for the other
        assert _main(mine) == _main(theirs), url
        assert "Eerste Coördinator" in mine and "Tweede Persoon" not in mine
        assert "Tweede Persoon" in theirs and "Eerste Coördinator" not in theirs
        tokens = [set(TOKENS.findall(html)) for html in (mine, theirs)]
        assert tokens[0] and tokens[1] and not tokens[0] & tokens[1], url
        assert "slot-" not in theirs and "page-part-break" not in theirs


def test_forms_on_a_kept_part_post_with_the_readers_token(demo_app):
    first, second = _pair("coordinator")
    clients = _client(demo_app, first), _client(demo_app, second)
    clients[0].get("/threads")
    page = clients[1].get("/threads").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the new-thread form carries a token"
    response = clients[1].post(
        "/threads",
        data={
            "csrf_token": token.group(1),
            "new-code": "ZZ9",
            "new-title": "Gedeelde pagina's",
            "new-description": "",
        },
    )
    assert response.status_code in (303, 422), response.status_code
    assert response.status_code != 400  # a foreign token would be refused


def test_a_municipal_reader_never_gets_the_coordinators_part(demo_app):
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
    first, second = _pair("coordinator")
    reader, writer = _client(demo_app, first), _client(demo_app, second)
    group = factories.group()
    db.session.commit()
    assert "Een taak van na de cache" not in reader.get("/tasks").get_data(True)
    response = writer.form(
        f"/groups/{group.id}/tasks",
        {"title": "Een taak van na de cache", "status": "todo", "progress": "0"},
    )
    assert response.status_code in (200, 201, 303), response.status_code
    assert "Een taak van na de cache" in reader.get("/tasks").get_data(True)


def test_languages_are_kept_apart(demo_app):
    dutch = factories.user(role="coordinator", language="nl")
    english = factories.user(role="coordinator", language="en")
    db.session.commit()
    nl = _client(demo_app, dutch).get("/tasks").get_data(as_text=True)
    en = _client(demo_app, english).get("/tasks").get_data(as_text=True)
    assert '<h1 id="page-title">Taken</h1>' in nl
    assert '<h1 id="page-title">Tasks</h1>' in en


def test_flash_messages_reach_the_reader(demo_app):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    client = _client(demo_app, coordinator)
    client.get("/threads")  # kept
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Bewaard, dank je")]
    page = client.get("/threads").get_data(as_text=True)
    assert "Bewaard, dank je" in page
    assert "Bewaard, dank je" not in client.get("/threads").get_data(as_text=True)


def test_kept_for_a_limited_time_and_number(demo_app):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    client = _client(demo_app, coordinator)
    demo_app.config["PAGE_CACHE_SECONDS"] = 0  # time-relative facts: not kept
    client.get("/tasks")
    made = _rendered(demo_app)
    client.get("/tasks")
    assert _rendered(demo_app) == made + 1
    demo_app.config["PAGE_CACHE_SECONDS"] = 60
    demo_app.config["PAGE_CACHE_SIZE"] = 3
    for page in range(1, 6):
        client.get(f"/tasks?page={page}")
    assert len(demo_app.extensions["page_cache"].entries) == 3


def test_htmx_fragments_are_not_taken_from_the_cache(demo_app):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    client = _client(demo_app, coordinator)
    client.get("/tasks")
    fragment = client.get(
        "/tasks", headers={"HX-Request": "true", "HX-Target": "task-list"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "<main" not in fragment


def test_personal_pages_are_kept_for_their_reader_alone(demo_app):
    """One's own deadlines (the default of /deadlines), the activity log and the
    user list (one's own row differs) are kept per person, never for the scope."""
    first, second = _pair("coordinator")
    clients = _client(demo_app, first), _client(demo_app, second)
    for url in ("/deadlines", "/activity", "/admin/users"):
        made = _rendered(demo_app)
        pages = [client.get(url) for client in clients]
        assert [page.status_code for page in pages] == [200, 200], url
        assert _rendered(demo_app) == made + 2, url
        clients[0].get(url)
        assert _rendered(demo_app) == made + 2, url  # kept for the first reader
    made = _rendered(demo_app)
    for client in clients:
        client.get("/deadlines?scope=region")
    assert _rendered(demo_app) == made + 1  # the region's deadlines: shared
