"""Issue 28 item 3, honest figures: the roll-ups of /applications follow the
list's filters (and /calls says that its totals do not), each figure says what
it counts, and a withheld figure reads "fewer than 3 dossiers", never an amount
(not even in an attribute)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.api import tokens
from app.extensions import db
from app.subsidies.dossiers import GRANTED, SUBMITTED
from tests import factories, test_small_aggregates
from tests.conftest import sign_in_session

#: The lonely and the busy call, and their users (the fixture of issue 12).
world = test_small_aggregates.world

ROLES = ("coordinator", "solo_lead", "uninvolved", "viewer")


def _body(client, world, role, url, **kw):
    sign_in_session(client, world["users"][role])
    return client.get(url, **kw)


def _cards(body: str, marker: str) -> dict[str, str]:
    """The data attributes of the headline figures after `marker`."""
    part = body.split(marker)[1].split("</section>")[0]
    return dict(re.findall(r'<strong data-([a-z-]+)="([^"]*)"', part))


@pytest.mark.parametrize("role", ROLES)
def test_a_withheld_card_holds_no_amount(world, client, role):
    """The lonely call's figures: the coordinator and the involved municipality
    read the amounts; the others read "minder dan 3 dossiers", and the card's
    attribute is empty (it said "0.00", an amount)."""
    body = _body(client, world, role, f"/calls/{world['solo_call'].id}").get_data(
        as_text=True
    )
    cards = _cards(body, 'id="call-figures"')
    if role in ("coordinator", "solo_lead"):
        assert cards["granted"] == "31234.56"
        assert "minder dan 3 dossiers" not in body
    else:
        assert cards == {
            "requested": "",
            "granted": "",
            "paid": "",
            "success-rate": "",
        }
        assert body.count("minder dan 3 dossiers") == 4
    assert 'data-granted="0.00"' not in body


@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_figure_says_what_it_counts(world, client, language):
    """On /calls (cards and the table's header), /calls/<id> and /applications:
    "requested" names the statuses it counts, in the reader's language."""
    coordinator = world["users"]["coordinator"]
    coordinator.language = language
    db.session.commit()
    names = {
        "nl": {"submitted": "Ingediend", "granted": "Toegekend"},
        "en": {"submitted": "Submitted", "granted": "Granted"},
    }[language]
    for url in ("/calls", f"/calls/{world['busy_call'].id}", "/applications"):
        body = _body(client, world, "coordinator", url).get_data(as_text=True)
        basis = re.findall(r'data-basis="requested">([^<]*)<', body)
        assert basis, url
        assert names["submitted"] in basis[0] and names["granted"] in basis[0]
        granted = re.findall(r'data-basis="granted">([^<]*)<', body)[0]
        assert names["granted"] in granted and names["submitted"] not in granted
    said = {"nl": "niet enkel de oproepen", "en": "also those not listed"}[language]
    assert said in _body(client, world, "coordinator", "/calls").get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator", "solo_lead", "viewer"])
def test_the_forum_report_says_what_each_amount_counts(world, client, role):
    """The workbook's summary names the statuses each amount adds up, for every
    reader; a viewer's withheld amount reads "minder dan 3 dossiers"."""
    response = _body(client, world, role, "/exports/forum-report.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    summary = {r[0]: r[1] for r in book["Samenvatting"].iter_rows(values_only=True)}
    assert "Ingediend" in summary["“Aangevraagd” telt"]
    assert "Afgewezen" in summary["“Aangevraagd” telt"]
    assert "Afgewezen" not in summary["“Toegekend” telt"]
    assert "betalingen" in summary["“Betaald” telt"]
    if role == "viewer":
        assert summary["Aangevraagd"] == "minder dan 3 dossiers"
    else:
        assert isinstance(summary["Aangevraagd"], (int, float))


def test_english_withheld_figure(world, client):
    world["users"]["viewer"].language = "en"
    db.session.commit()
    body = _body(client, world, "viewer", f"/calls/{world['solo_call'].id}")
    assert body.get_data(as_text=True).count("fewer than 3 dossiers") == 4


@pytest.fixture
def themed(world):
    """Two themes over the busy and lonely calls' dossiers, and more dossiers of
    Roeselare's theme in every status."""
    water, care = factories.theme(title="Water"), factories.theme(title="Care")
    roeselare = world["busy_call"].applications[0].lead_municipality
    for application in world["busy_call"].applications:
        application.theme_id = water.id
    world["solo"].theme_id = care.id
    for n, status in enumerate(("idea", "submitted", "granted", "closed")):
        factories.application(
            world["busy_call"],
            lead=roeselare,
            theme_id=water.id,
            status=status,
            requested_amount=Decimal(1000 + n),
            granted_amount=Decimal(500 + n) if status in GRANTED else None,
        )
    db.session.commit()
    return {"water": water, "care": care, "roeselare": roeselare}


def _expected(ids: list[int]) -> dict[str, str]:
    from app.subsidies.models import Application

    shown = [db.session.get(Application, i) for i in ids]
    requested = sum(
        (a.requested_amount for a in shown if a.status in SUBMITTED), Decimal(0)
    )
    granted = sum(
        (a.granted_amount or 0 for a in shown if a.status in GRANTED), Decimal(0)
    )
    return {"requested": f"{requested:.2f}", "granted": f"{granted:.2f}"}


@pytest.mark.parametrize("role", ["coordinator", "solo_lead", "uninvolved"])
@pytest.mark.parametrize(
    "query",
    ["theme={water}", "theme={care}", "status=granted", "theme={water}&status=idea"],
)
def test_filtered_rollups_are_the_sum_of_the_filtered_list(
    world,
    themed,
    client,
    role,
    query,
):
    """The figures under a filtered list add up exactly the dossiers it lists
    (those the reader sees), on the page and in the fragment the filter swaps."""
    url = "/applications?" + query.format(**{k: v.id for k, v in themed.items()})
    for headers in ({}, {"HX-Request": "true"}):
        body = _body(client, world, role, url, headers=headers).get_data(as_text=True)
        ids = [int(i) for i in re.findall(r'data-application-id="(\d+)"', body)]
        assert 'data-rollup-scope="filtered"' in body
        cards = _cards(body, 'id="application-rollups"')
        want = _expected(sorted(set(ids)))
        assert {k: cards[k] for k in want} == want, (role, url, headers)


def test_unfiltered_rollups_say_so(world, themed, client):
    body = _body(client, world, "coordinator", "/applications").get_data(as_text=True)
    assert 'data-rollup-scope="all"' in body
    assert "alle dossiers die u mag zien" in body


def test_viewer_sees_no_application_rollups(world, client):
    assert _body(client, world, "viewer", "/applications").status_code == 403


# --- round results over fewer than 3 answers -----------------------------------


@pytest.fixture
def small_round(app):
    """A closed round: thread RS01 with two answers (9 and 3), RS02 with three."""
    izegem, tielt, ardooie = (
        factories.municipality(name) for name in ("Izegem", "Tielt", "Ardooie")
    )
    few, many = factories.thread(code="RS01"), factories.thread(code="RS02")
    scoring_round = factories.scoring_round([few, many], status="closed")
    factories.score(scoring_round, few, izegem, 9)
    factories.score(scoring_round, few, tielt, 3)
    for place, value in ((izegem, 8), (tielt, 6), (ardooie, 7)):
        factories.score(scoring_round, many, place, value)
    users = {
        "coordinator": factories.user("coordinator"),
        "municipality": factories.user("municipality", izegem),
        "viewer": factories.user("viewer"),
    }
    db.session.commit()
    return {"round": scoring_round, "users": users}


def _results_row(sheet_rows: list, code: str) -> list:
    return next(row for row in sheet_rows if row[1] == code)


@pytest.mark.parametrize("role", ["coordinator", "municipality", "viewer"])
def test_round_results_over_two_answers_per_role(small_round, client, role):
    """The mean of two answers (6.0 of 9 and 3), their range and rank: for the
    coordinator only, on the page, in the workbook and in the API; the others
    read "fewer than 3" and no figure. Three answers are shown to everyone."""
    user, round_id = small_round["users"][role], small_round["round"].id
    sign_in_session(client, user)
    sees = role == "coordinator"
    page = client.get(f"/rounds/{round_id}/results").get_data(as_text=True)
    row = page.split('<tr data-thread="RS01"')[1].split("</tr>")[0]
    assert ('data-mean="6.0"' in row) is sees
    assert ("3–9" in row) is sees
    assert ("minder dan 3" in row) is not sees
    assert ('<g class="chart-row" data-thread="RS01"' in page) is sees  # no bar
    assert (
        'data-mean="7.0"' in page.split('<tr data-thread="RS02"')[1].split("</tr>")[0]
    )

    response = client.get(f"/exports/scores-{round_id}.xlsx")
    results = [
        list(r)
        for r in load_workbook(io.BytesIO(response.data))["Resultaten"].iter_rows(
            values_only=True
        )
    ]
    few = _results_row(results, "RS01")
    if sees:
        assert few[3:8] == [2, 6, 6, 3, 9]
    else:
        assert few[0] is None and few[3] == "minder dan 3"
        assert few[4:] == [None] * 7
    assert _results_row(results, "RS02")[3] == 3

    _row, raw = tokens.create_token(user, "test")
    db.session.commit()
    api = client.get(
        f"/api/v1/rounds/{round_id}/results",
        headers={"Authorization": f"Bearer {raw}"},
    ).get_json()
    threads = {t["code"]: t for t in api["threads"]}
    figures = ("mean", "median", "minimum", "maximum", "stdev", "share_high", "rank")
    if sees:
        assert (threads["RS01"]["mean"], threads["RS01"]["minimum"]) == (6, 3)
    else:
        assert threads["RS01"]["withheld"] is True
        assert all(threads["RS01"][name] is None for name in figures)
    assert threads["RS02"]["mean"] == 7
