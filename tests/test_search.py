"""Search: what each role finds (the page rules), accents, stemming on PostgreSQL,
the index kept current by the triggers, the header field and the full page."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.search import index
from app.subsidies.models import Application
from tests import factories


@pytest.fixture
def world(app):
    home, away = factories.municipality("Izegem"), factories.municipality("Tielt")
    call = factories.call(title="Oproep digitale inclusie", funder="Vlaamse overheid")
    own = factories.application(call, home, title="Zorgzame wijken Izegem")
    private = factories.application(call, away, title="Geheime subsidie Tielt")
    theme = factories.theme(title="Informatieveiligheid", description="Cyberweerbaar")
    group = factories.group(theme, name="Werkgroep informatieveiligheid")
    open_task = factories.task(group, title="Subsidies inventariseren")
    prep = factories.task(group, title="Begroting Tielt opmaken")
    prep.application_id = private.id
    thread = factories.thread(code="RD07", title="Één loket voor burgers")
    person = factories.user("lead", home, full_name="Anneleen Vandecasteele")
    db.session.commit()
    return locals()


def _found(client, q: str) -> str:
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_coordinator_finds_every_kind(login_as, world):
    client = login_as("coordinator")
    for q, expected in [
        ("geheime", "Geheime subsidie Tielt"),
        ("zorgzame", "Zorgzame wijken Izegem"),
        ("oproep", "Oproep digitale inclusie"),
        ("informatieveiligheid", "Werkgroep informatieveiligheid"),
        ("cyberweerbaar", "Informatieveiligheid"),
        ("inventariseren", "Subsidies inventariseren"),
        ("begroting", "Begroting Tielt opmaken"),
        ("RD07", "Één loket voor burgers"),
        ("tielt", "/municipalities/tielt"),
        ("vandecasteele", "Anneleen Vandecasteele"),
    ]:
        assert expected in _found(client, q), q


@pytest.mark.parametrize("role", ["municipality", "lead", "viewer"])
def test_a_private_dossier_is_not_found_by_who_may_not_see_it(login_as, world, role):
    client = login_as(role, municipality=world["home"] if role != "viewer" else None)
    page = _found(client, "tielt")
    assert "Geheime subsidie" not in page
    assert "Begroting Tielt opmaken" not in page  # its preparation task
    assert "/municipalities/tielt" in page  # municipalities are for everyone
    assert "Geheime subsidie" not in _found(client, "geheime subsidie")
    assert "Anneleen" not in _found(client, "anneleen")  # people: coordinator only


def test_a_municipality_finds_its_own_dossier_and_a_viewer_none(login_as, world):
    own = login_as("municipality", municipality=world["home"])
    assert "Zorgzame wijken Izegem" in _found(own, "zorgzame")
    viewer = login_as("viewer")
    assert "Zorgzame wijken Izegem" not in _found(viewer, "zorgzame")
    assert "Informatieveiligheid" in _found(viewer, "informatieveiligheid")


def test_accents_are_ignored_both_ways(login_as, world):
    client = login_as("viewer")
    assert "Één loket voor burgers" in _found(client, "een loket")
    assert "Informatieveiligheid" in _found(client, "ínformatieveiligheid")


def test_prefixes_and_dutch_stemming(login_as, world):
    client = login_as("coordinator")
    assert "Subsidies inventariseren" in _found(client, "subsidie")
    assert "Subsidies inventariseren" in _found(client, "inventar")
    # The plural finds the singular (on both databases).
    assert "Geheime subsidie Tielt" in _found(client, "subsidies")
    assert "Subsidies inventariseren" in _found(client, "subsidies")
    if db.engine.dialect.name == "postgresql":
        # Dutch stemming: "loketten" is stemmed to "loket".
        assert "Één loket voor burgers" in _found(client, "loketten")


def test_the_index_follows_edits_and_deletes(login_as, world):
    client = login_as("coordinator")
    application = db.session.get(Application, world["own"].id)
    application.title = "Buurtnetwerk Izegem"
    db.session.commit()
    assert "Buurtnetwerk Izegem" in _found(client, "buurtnetwerk")
    assert "Zorgzame" not in _found(client, "zorgzame")
    db.session.delete(db.session.get(type(world["thread"]), world["thread"].id))
    db.session.commit()
    assert "Één loket voor burgers" not in _found(client, "loket")


def test_search_syntax_in_the_query_is_harmless(login_as, world):
    client = login_as("coordinator")
    for q in ['"', "NEAR(", "tielt OR *", "-", "a' OR 1=1 --", "", "   "]:
        assert client.get("/search", query_string={"q": q}).status_code == 200
    assert index.words_of('zorg" OR *wijken') == ["zorg", "or", "wijken"]


def test_header_field_and_htmx_suggestions(login_as, world):
    client = login_as("municipality", municipality=world["home"])
    page = client.get("/").get_data(as_text=True)
    assert 'id="site-search"' in page and 'role="combobox"' in page
    assert 'hx-get="/search"' in page and 'action="/search"' in page
    response = client.get(
        "/search", query_string={"q": "zorg"}, headers={"HX-Request": "true"}
    )
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'role="option"' in fragment
    assert "Zorgzame wijken Izegem" in fragment
    assert "HX-Request" in response.headers["Vary"]
    full = _found(client, "zorg")
    assert "<html" in full and "Zorgzame wijken Izegem" in full


def test_the_full_page_is_bounded(app, login_as, world):
    app.config["PAGE_SIZE"] = 2
    for n in range(4):
        factories.theme(title=f"Zoekthema {n}")
    db.session.commit()
    page = _found(login_as("viewer", language="en"), "zoekthema")
    assert page.count("Zoekthema ") == 2 and "refine the search" in page
    assert db.session.scalar(select(Application.id).limit(1)) is not None


def test_the_migration_builds_the_index_from_existing_rows(app, login_as, world):
    db.session.commit()
    db.session.remove()
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "0010_documents"])
    assert down.exit_code == 0, down.output
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    client = login_as("coordinator")
    assert "Zorgzame wijken Izegem" in _found(client, "zorgzame")
    assert "Één loket voor burgers" in _found(client, "loket")
