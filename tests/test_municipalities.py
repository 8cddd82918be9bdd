"""Municipality pages, the municipality workbook and the forum report."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.work.models import Task, WorkingGroup

COORDINATOR = "coordinator@midwest.example"
IZEGEM = "izegem@midwest.example"
VIEWER = "viewer@midwest.example"


def _english(client):
    client.user.language = "en"
    db.session.commit()
    return client


def test_list_marks_merged_municipalities(demo_login):
    page = demo_login(VIEWER).get("/municipalities").get_data(as_text=True)
    for name in ("Ardooie", "Roeselare", "Wingene", "Ruiselede", "Meulebeke"):
        assert name in page
    assert "gefusioneerd met Wingene" in page or "merged into Wingene" in page


def test_merged_municipality_shows_its_history(demo_login):
    client = _english(demo_login(COORDINATOR))
    page = client.get("/municipalities/ruiselede").get_data(as_text=True)
    assert "Ruiselede merged into Wingene on 01/01/2025" in page
    assert 'href="/municipalities/wingene"' in page
    assert "Bevraging rode draden mei 2021" in page
    assert "RD04 ICT klankbord en strategie" in page  # its 2021 scores, kept
    wingene = client.get("/municipalities/wingene").get_data(as_text=True)
    assert "Merged into this municipality" in wingene and "Ruiselede" in wingene


def test_individual_scores_only_own_or_coordinator(demo_login):
    own = (
        _english(demo_login(IZEGEM))
        .get("/municipalities/izegem")
        .get_data(as_text=True)
    )
    assert "RD04 ICT klankbord en strategie" in own
    other = demo_login(IZEGEM).get("/municipalities/tielt").get_data(as_text=True)
    assert "RD04 ICT klankbord en strategie" not in other
    assert "visible to the coordinator and to the municipality itself" in other


def test_applications_visibility_on_a_municipality_page(demo_login):
    viewer_page = (
        _english(demo_login(VIEWER))
        .get("/municipalities/izegem")
        .get_data(as_text=True)
    )
    assert "E-inclusie Izegem" not in viewer_page
    assert 'id="applications-title"' not in viewer_page
    izegem_on_roeselare = (
        _english(demo_login(IZEGEM))
        .get("/municipalities/roeselare")
        .get_data(as_text=True)
    )
    # Roeselare's 2025 digibank has Izegem as partner; its pre-trajectory does not.
    assert "Digibank Midwest 2025-2026" in izegem_on_roeselare
    assert "Digibank Midwest – voortraject" not in izegem_on_roeselare
    coordinator_page = (
        demo_login(COORDINATOR).get("/municipalities/roeselare").get_data(as_text=True)
    )
    assert "Digibank Midwest – voortraject" in coordinator_page


def _workbook(client, name):
    response = client.get(f"/exports/{name}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def test_municipality_workbook(demo_login):
    client = _english(demo_login(COORDINATOR))
    book = _workbook(client, "municipality-izegem")
    assert book.sheetnames == [
        "Summary",
        "Rollout",
        "Tasks",
        "Applications",
        "Scores",
        "Deadlines",
    ]
    summary = book["Summary"]
    assert summary["A1"].value == "Figure" and summary["A1"].font.bold
    assert summary["B2"].value == "Izegem"
    applications = [
        row[0] for row in book["Applications"].iter_rows(min_row=2, values_only=True)
    ]
    assert any("E-inclusie Izegem" in title for title in applications)
    scores = list(book["Scores"].iter_rows(min_row=2, values_only=True))
    may_2021 = [row for row in scores if row[0] == "Bevraging rode draden mei 2021"]
    assert len(may_2021) == 21
    assert all(isinstance(row[3], int) or row[3] is None for row in scores)
    viewer_book = _workbook(_english(demo_login(VIEWER)), "municipality-izegem")
    assert "Applications" not in viewer_book.sheetnames
    assert list(viewer_book["Scores"].iter_rows(min_row=2)) == []


def test_forum_report(demo_login):
    group = db.session.scalar(select(WorkingGroup).limit(1))
    from app import clock

    db.session.add(
        Task(
            group_id=group.id, title='=HYPERLINK("http://x","y")', due_on=clock.today()
        )
    )
    db.session.commit()
    client = _english(demo_login(COORDINATOR))
    book = _workbook(client, "forum-report")
    assert book.sheetnames == [
        "Summary",
        "Themes and rollout",
        "Deadlines",
        "Applications",
        "Scores results",
    ]
    themes = book["Themes and rollout"]
    assert themes.freeze_panes == "A2" and themes.auto_filter.ref
    headers = [c.value for c in themes[1]]
    assert "Roeselare" in headers and "Ruiselede" not in headers
    deadlines = book["Deadlines"]
    titles = [c for c in deadlines["C"] if c.value == '=HYPERLINK("http://x","y")']
    assert titles and titles[0].data_type == "s"
    results = list(book["Scores results"].iter_rows(min_row=2, values_only=True))
    top_three = {row[1] for row in results[:3]}
    assert top_three == {"RD04", "RD09", "RD15"}
    granted = book["Applications"]
    column = [c.value for c in granted[1]].index("Granted") + 1
    money = [
        row[0]
        for row in granted.iter_rows(min_row=2, min_col=column, max_col=column)
        if row[0].value is not None
    ]
    assert money and "€" in money[0].number_format
    viewer_book = _workbook(_english(demo_login(VIEWER)), "forum-report")
    assert (
        "Applications" not in viewer_book.sheetnames
        and "Amounts per call" in viewer_book.sheetnames
    )


def _rows_by_label(ws) -> dict:
    return {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}


def test_forum_report_formats_every_figure(demo_login):
    book = _workbook(demo_login(COORDINATOR), "forum-report")
    summary = _rows_by_label(book["Samenvatting"])
    for money in ("Aangevraagd", "Toegekend", "Betaald"):
        assert "€" in summary[money].number_format, money
    assert summary["Datum van het rapport"].is_date
    results = book["Resultaten van de scores"]
    headers = [c.value for c in results[1]]
    mean = headers.index("Gemiddelde")
    supported = headers.index("Breed gedragen")
    means = [row[mean] for row in results.iter_rows(min_row=2)]
    assert means and all(c.number_format == "0.0" for c in means)
    assert all(round(c.value, 1) == c.value for c in means)
    assert {row[supported].value for row in results.iter_rows(min_row=2)} <= {
        "ja",
        "nee",
    }
    overdue = [c.value for c in book["Deadlines"]["E"][1:]]
    assert overdue and set(overdue) <= {"ja", "nee"}


def test_municipality_workbook_formats_every_figure(demo_login):
    book = _workbook(demo_login(COORDINATOR), "municipality-izegem")
    summary = book["Samenvatting"]
    granted = [
        row[1]
        for row in summary.iter_rows(min_row=2)
        if row[0].value and "Toegekend" in row[0].value
    ]
    assert granted and all("€" in c.number_format for c in granted)
    tasks = book["Taken"]
    column = [c.value for c in tasks[1]].index("Voortgang")
    progress = [row[column] for row in tasks.iter_rows(min_row=2)]
    assert progress and all(c.number_format == "0%" for c in progress)
    assert all(0 <= c.value <= 1 for c in progress)


@pytest.mark.parametrize("url", ["/municipalities/{}", "/exports/municipality-{}.xlsx"])
def test_queries_do_not_grow_with_the_data(demo_login, page_queries, url):
    client = demo_login(COORDINATOR)
    small = page_queries(client, url.format("ruiselede"))
    large = page_queries(client, url.format("roeselare"))
    assert len(small) == len(large)


@pytest.mark.parametrize(
    ("email", "path"),
    [
        (COORDINATOR, "/"),
        (VIEWER, "/"),
        (COORDINATOR, "/municipalities"),
        (VIEWER, "/municipalities"),
        (IZEGEM, "/municipalities"),
    ],
)
def test_forum_report_is_linked(demo_login, email, path):
    client = _english(demo_login(email))
    page = client.get(path).get_data(as_text=True)
    assert 'href="/exports/forum-report.xlsx"' in page
    assert "Forum report (Excel)" in page
    assert client.get("/exports/forum-report.xlsx").status_code == 200


def test_the_municipality_workbook_lists_every_task_and_deadline(login_as):
    """An export reads its own complete query, not the page's first 50 (item 1)."""
    from app import clock
    from app.municipalities.participation import LIST_LIMIT
    from tests import factories

    place = factories.municipality("Staden")
    group = factories.group()
    count = LIST_LIMIT + 5
    for _n in range(count):
        factories.task(group, municipality_id=place.id, due_on=clock.today())
    db.session.commit()
    client = login_as("coordinator", language="en")
    book = _workbook(client, "municipality-staden")
    assert book["Tasks"].max_row == count + 1
    assert book["Deadlines"].max_row == count + 1


def test_forum_report_says_whose_view_its_amounts_are(demo_login):
    """The totals differ by reader (nobody gets a total over dossiers they may not
    see): the summary states whose view they are (item 5)."""
    notes = {}
    for email in (COORDINATOR, IZEGEM, VIEWER):
        book = _workbook(_english(demo_login(email)), "forum-report")
        notes[email] = _rows_by_label(book["Summary"])["Amounts counted over"].value
    assert notes[COORDINATOR] == "every dossier of the region"
    assert notes[IZEGEM].startswith("only the dossiers of Izegem (as lead or partner)")
    assert "withheld" in notes[VIEWER]


def test_the_page_lists_the_newest_dossiers_and_links_to_all(login_as):
    """A municipality's page lists its newest dossiers, lead and partner, and
    links to the rest in /applications; its workbook lists every one (issue 23
    item 1: bounded lists)."""
    from app.municipalities.participation import LIST_LIMIT
    from tests import factories

    place = factories.municipality("Staden")
    other = factories.municipality("Roeselare")
    call = factories.call()
    for number in range(LIST_LIMIT):
        factories.application(call, lead=place, title=f"Lead dossier {number:03}")
    for number in range(5):
        factories.application(
            call, lead=other, partners=[place], title=f"Partner dossier {number}"
        )
    db.session.commit()
    client = login_as("coordinator", language="en")
    page = client.get("/municipalities/staden").get_data(as_text=True)
    section = page.split('id="applications-title"')[1].split("</section>")[0]
    assert section.count("dossier ") == LIST_LIMIT
    assert f'href="/applications?municipality={place.id}"' in page
    assert "All applications of Staden" in page
    # The newest first: the partner dossiers, created last, are all listed.
    assert section.count("Partner dossier") == 5
    assert "of Roeselare" in section
    book = _workbook(client, "municipality-staden")
    assert book["Applications"].max_row == LIST_LIMIT + 5 + 1


def test_a_page_with_few_dossiers_has_no_link_to_more(login_as):
    from tests import factories

    place = factories.municipality("Staden")
    factories.application(factories.call(), lead=place, title="Only dossier")
    db.session.commit()
    page = login_as("coordinator", language="en").get("/municipalities/staden")
    html = page.get_data(as_text=True)
    assert "Only dossier" in html
    assert "All applications of Staden" not in html


def test_the_list_of_municipalities_is_paged(login_as):
    """/municipalities lists 50 a page, says how to see more, and a sort on a
    figure sorts every municipality, not only the page (issue 23 item 1)."""
    from app.municipalities.participation import MUNICIPALITIES_PER_PAGE
    from tests import factories

    count = MUNICIPALITIES_PER_PAGE + 7
    places = [factories.municipality(f"Plaats {n:03}") for n in range(count)]
    last = places[-1]
    factories.rollout(factories.theme(), last, stage="live")
    db.session.commit()
    client = login_as("coordinator", language="en")
    first = client.get("/municipalities").get_data(as_text=True)
    assert first.count('href="/municipalities/plaats-') == MUNICIPALITIES_PER_PAGE
    assert 'rel="next"' in first
    assert "Plaats 000" in first and last.name not in first
    second = client.get("/municipalities?page=2").get_data(as_text=True)
    assert last.name in second and "Plaats 000" not in second
    by_live = client.get("/municipalities?sort=-live").get_data(as_text=True)
    assert last.name in by_live  # on the first page, though last by name
    assert by_live.index(last.name) < by_live.index(places[-2].name)
