"""Issue 24 item 15: a merged municipality is asked for no ballot; the menu
switches the language after sign-in; the call templates' keywords are in the
reader's language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.subsidies.calls import format_reporting, parse_reporting
from app.subsidies.models import SubsidyCall
from tests import factories

# --- a merged municipality ---------------------------------------------------------


@pytest.fixture
def merged(app):
    today = clock.today()
    town, into = factories.municipality("Oudgemeente"), factories.municipality("Fusie")
    thread = factories.thread(title="Glasvezel")
    before = factories.scoring_round(
        [thread], name="Ronde voor de fusie", opens_on=today - timedelta(days=30)
    )
    after = factories.scoring_round(
        [thread], name="Ronde na de fusie", opens_on=today - timedelta(days=2)
    )
    db.session.flush()
    town.merged_into_id, town.merged_on = into.id, today - timedelta(days=10)
    factories.score(before, thread, town, 3)
    db.session.commit()
    return {"town": town, "into": into, "before": before, "after": after}


def test_a_merged_municipality_is_not_asked_for_a_ballot(login_as, merged):
    client = login_as("municipality", municipality_=merged["town"])
    page = client.get("/").text
    assert "Ronde na de fusie" not in page  # opened after the merger
    assert "Ronde voor de fusie" in page  # its history stays
    assert "Vul uw stemformulier in" not in page and "Fill in your ballot" not in page
    active = login_as("municipality", municipality_=merged["into"]).get("/").text
    assert "Ronde na de fusie" in active


def test_the_coordinator_counts_only_active_municipalities(login_as, merged):
    page = login_as("coordinator", language="en").get("/").text
    assert "0 of 1 municipality answered every thread" in page


# --- the menu's language switch ----------------------------------------------------


def test_the_menu_switches_the_language_and_comes_back(login_as):
    client = login_as("lead", language="nl")
    page = client.get("/tasks?status=todo").text
    assert 'action="/language"' in page
    assert 'name="next" value="/tasks?status=todo"' in page
    assert 'name="language" value="en" lang="en"' in page
    switched = client.form(
        "/language", {"language": "en", "next": "/tasks?status=todo"}
    )
    assert switched.status_code == 303
    assert switched.headers["Location"].endswith("/tasks?status=todo")
    assert client.user.language == "en"
    assert 'name="language" value="nl" lang="nl"' in client.get("/tasks").text


def test_the_language_switch_refuses_bad_input_and_foreign_targets(login_as):
    client = login_as("municipality", language="nl")
    refused = client.form("/language", {"language": "fr", "next": "/"})
    assert refused.status_code == 422 and client.user.language == "nl"
    assert "Ongeldige keuze." in refused.text
    away = client.form("/language", {"language": "en", "next": "//evil.example/"})
    assert away.status_code == 303 and "evil" not in away.headers["Location"]


def test_the_language_switch_needs_a_csrf_token(login_as):
    client = login_as("viewer", language="nl")
    response = client.post("/language", data={"language": "en", "next": "/"})
    assert response.status_code == 400
    db.session.refresh(client.user)
    assert client.user.language == "nl"


# --- the call templates' keywords --------------------------------------------------


def test_reporting_keywords_are_dutch_for_a_dutch_reader(app):
    lines = "beslissing | 60 | voorschot | Voorschot 80%\neinde | 90 | saldo | Saldo"
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        items = parse_reporting(lines)
        assert [(i["from"], i["kind"]) for i in items] == [
            ("decision", "advance"),
            ("end", "balance"),
        ]
        assert format_reporting(items) == lines
        # A template in the other language (or the codes) still reads.
        assert parse_reporting("decision | 60 | advance | X")[0]["kind"] == "advance"


def test_a_wrong_keyword_is_explained_with_the_dutch_keywords(login_as):
    client = login_as("coordinator", language="nl")
    call = factories.call(title="Sjabloonoproep")
    db.session.commit()
    page = client.get(f"/calls/{call.id}/edit").text
    assert "beslissing | 60 | voorschot" in page  # the example
    data = {
        "title": call.title,
        "funder": call.funder,
        "url": "",
        "opens_at": call.opens_at.strftime("%Y-%m-%dT%H:%M"),
        "deadline_at": call.deadline_at.strftime("%Y-%m-%dT%H:%M"),
        "budget": "",
        "max_per_application": "",
        "cofinancing_pct": "",
        "min_partners": "0",
        "preparation_template": "",
        "reporting_template": "besluit | 60 | voorschot | Voorschot",
    }
    refused = client.form(f"/calls/{call.id}/edit", data)
    assert refused.status_code == 422
    assert "beslissing, start, einde" in refused.text
    assert "voorschot, tussentijds, eindrapport, financieel, saldo" in refused.text
    assert (
        db.session.get(SubsidyCall, call.id).reporting_template
        == call.reporting_template
    )
