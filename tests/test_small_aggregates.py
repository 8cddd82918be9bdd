"""Issue 12, finding 6: figures over dossiers are withheld ("fewer than 3") from a
reader when 1 or 2 of the dossiers they add up are ones the reader may not see."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.auth.permissions import withholds_aggregate
from app.extensions import db
from app.subsidies.rollups import call_figures_for, calls_and_totals_for
from tests import factories
from tests.conftest import sign_in_session

SOLO_GRANTED = "31.234,56"  # the lonely dossier's granted amount, as nl shows it
BUSY_GRANTED = "21.000,00"  # three granted dossiers of the busy call together
SEES_SOLO = ("coordinator", "solo_lead", "solo_partner")
NOT_SOLO = ("uninvolved", "viewer")
ROLES = SEES_SOLO + NOT_SOLO


@pytest.fixture
def world(app):
    """A call with one dossier (Izegem with Tielt as partner), and a call with
    four dossiers of Roeselare (three granted, one rejected)."""
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    roeselare = factories.municipality("Roeselare")
    elsewhere = factories.municipality("Lichtervelde")
    users = {
        "coordinator": factories.user("coordinator"),
        "solo_lead": factories.user("municipality", izegem),
        "solo_partner": factories.user("lead", tielt),
        "uninvolved": factories.user("municipality", elsewhere),
        "viewer": factories.user("viewer"),
    }
    solo_call = factories.call(title="Lonely call")
    busy_call = factories.call(title="Busy call")
    solo = factories.application(
        solo_call,
        lead=izegem,
        partners=[tielt],
        title="Solo dossier",
        status="granted",
        requested_amount=Decimal("40000"),
        granted_amount=Decimal("31234.56"),
    )
    for status in ("granted", "granted", "granted", "rejected"):
        factories.application(
            busy_call,
            lead=roeselare,
            status=status,
            requested_amount=Decimal("12000"),
            granted_amount=Decimal("7000") if status == "granted" else None,
        )
    db.session.commit()
    return {
        "users": users,
        "solo_call": solo_call,
        "busy_call": busy_call,
        "solo": solo,
    }


def _as(client, world, role):
    sign_in_session(client, world["users"][role])
    return client


@pytest.mark.parametrize(
    "hidden, withheld", [(0, False), (1, True), (2, True), (3, False), (40, False)]
)
def test_the_threshold(hidden, withheld):
    assert withholds_aggregate(hidden) is withheld


@pytest.mark.parametrize("role", ROLES)
def test_calls_page(world, client, role):
    body = _as(client, world, role).get("/calls").get_data(as_text=True)
    assert BUSY_GRANTED in body  # three dossiers: shown to everyone
    if role in SEES_SOLO:
        assert SOLO_GRANTED in body
        assert "minder dan 3" not in body
        assert "data-withheld" not in body
    else:
        assert SOLO_GRANTED not in body
        assert "minder dan 3" in body
        for figure in ("applications", "requested", "granted", "success_rate"):
            assert f'data-withheld="{figure}"' in body, figure
        # The regional total minus the busy call would give the lonely one away.
        totals = body.split('id="regional-totals"')[1].split("</section>")[0]
        assert "minder dan 3" in totals
        assert "52.234,56" not in body


@pytest.mark.parametrize("role", ROLES)
def test_call_page(world, client, role):
    _as(client, world, role)
    solo = client.get(f"/calls/{world['solo_call'].id}").get_data(as_text=True)
    busy = client.get(f"/calls/{world['busy_call'].id}").get_data(as_text=True)
    assert BUSY_GRANTED in busy
    assert "75" in busy.split('id="call-figures"')[1]  # 3 of 4 decided were granted
    figures = solo.split('id="call-figures"')[1].split("</section>")[0]
    if role in SEES_SOLO:
        assert SOLO_GRANTED in figures
        assert "40.000,00" in figures
    else:
        assert SOLO_GRANTED not in solo
        assert "40.000,00" not in figures
        assert figures.count("minder dan 3") == 4  # requested, granted, paid, rate


def test_english_reader(world, client):
    world["users"]["viewer"].language = "en"
    db.session.commit()
    body = _as(client, world, "viewer").get("/calls").get_data(as_text=True)
    assert "fewer than 3" in body


def _cells(response) -> dict[str, list]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def _values(sheets) -> list:
    return [value for rows in sheets.values() for row in rows for value in row]


def test_forum_report_of_a_viewer(world, client):
    sheets = _cells(_as(client, world, "viewer").get("/exports/forum-report.xlsx"))
    per_call = {row[0]: row[1:] for row in sheets["Bedragen per oproep"]}
    assert per_call["Lonely call"] == ["minder dan 3 dossiers"] * 4
    assert per_call["Busy call"] == [4, 48000, 21000, 0]
    summary = {row[0]: row[1] for row in sheets["Samenvatting"]}
    assert summary["Aangevraagd"] == "minder dan 3 dossiers"
    assert summary["Toegekend"] == "minder dan 3 dossiers"
    assert 31234.56 not in _values(sheets)
    assert 52234.56 not in _values(sheets)


@pytest.mark.parametrize("role", ("coordinator", "solo_lead", "uninvolved"))
def test_forum_report_of_members(world, client, role):
    """Members get the dossiers they may see, never the lonely one's figures
    when they may not see it."""
    values = _values(_cells(_as(client, world, role).get("/exports/forum-report.xlsx")))
    if role == "uninvolved":
        assert "Solo dossier" not in values
        assert 31234.56 not in values
    else:
        assert "Solo dossier" in values
        assert 31234.56 in values


def test_withheld_calls_that_hide_three_dossiers_leave_the_total(world):
    """Three lonely calls: each call is withheld from a viewer, but the total over
    them (three dossiers) may be shown."""
    for n in range(2):
        factories.application(
            factories.call(title=f"Other lonely call {n}"),
            status="granted",
            requested_amount=Decimal("1000"),
            granted_amount=Decimal("1000"),
        )
    db.session.commit()
    viewer = world["users"]["viewer"]
    per_call = call_figures_for(viewer)
    assert "granted" in per_call[world["solo_call"].id].withheld
    assert not per_call[world["busy_call"].id].withheld
    totals = calls_and_totals_for(viewer)[1]
    assert "granted" not in totals.withheld
    assert totals.granted == Decimal("31234.56") + 21000 + 2000
    # Nothing is withheld from the coordinator, who sees every dossier.
    coordinator = world["users"]["coordinator"]
    assert not calls_and_totals_for(coordinator)[1].withheld
    assert not any(f.withheld for f in call_figures_for(coordinator).values())


def test_each_figure_counts_its_own_dossiers(world):
    """Three dossiers of which two were granted: the count and the amount asked
    are shown, the amount granted (over two dossiers) is withheld."""
    place = factories.municipality("Ardooie")
    third = factories.call(title="Third call")
    for status in ("granted", "granted", "submitted"):
        factories.application(
            third,
            lead=place,
            status=status,
            granted_amount=Decimal("500") if status == "granted" else None,
        )
    db.session.commit()
    figures = call_figures_for(world["users"]["viewer"], [third.id])[third.id]
    assert figures.withheld == {"granted", "paid", "success_rate"}
    assert (figures.applications, figures.requested) == (3, Decimal("30000.00"))
    assert (figures.granted, figures.won, figures.decided) == (0, 0, 0)


def test_no_zero_beside_a_withheld_figure_tells_a_fate(world, client):
    """Issue 24 item 25: a call with one hidden rejected dossier: "fewer than 3"
    decided beside € 0,00 granted would say it was rejected. The figures over a
    subset of the withheld dossiers are withheld with them."""
    rejected_call = factories.call(title="Rejected call")
    factories.application(
        rejected_call,
        status="rejected",
        requested_amount=Decimal("5000"),
    )
    db.session.commit()
    viewer = world["users"]["viewer"]
    figures = call_figures_for(viewer, [rejected_call.id])[rejected_call.id]
    assert {"success_rate", "granted", "paid"} <= figures.withheld
    body = _as(client, world, "viewer").get("/calls").get_data(as_text=True)
    row = body.split("Rejected call")[1].split("</tr>")[0]
    assert "0,00" not in row
    assert 'data-withheld="granted"' in row and 'data-withheld="success_rate"' in row


def test_wider_figures_stay_when_only_narrower_ones_are_withheld(world):
    """Three hidden dossiers of which one was decided: the count and the amount
    asked (over three) stay; the rate and the amounts granted and paid (over the
    one decided or a subset of it) are withheld together."""
    place = factories.municipality("Ardooie")
    call = factories.call(title="Half-decided call")
    for status in ("submitted", "submitted", "rejected"):
        factories.application(call, lead=place, status=status)
    db.session.commit()
    figures = call_figures_for(world["users"]["viewer"], [call.id])[call.id]
    assert figures.withheld == {"success_rate", "granted", "paid"}
    assert figures.applications == 3
