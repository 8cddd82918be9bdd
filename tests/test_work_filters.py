"""/tasks: filters alone and combined, URL state, sorting, pagination, export."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app import clock
from app.extensions import db
from app.work.tasks import TaskFilters
from tests import factories

ROW_ID = re.compile(r'data-task-id="(\d+)"')


@pytest.fixture
def tasks_world(app):
    today = clock.today()
    home, away = factories.municipality("Izegem"), factories.municipality("Tielt")
    ann = factories.user("municipality", home, full_name="Ann")
    bob = factories.user("municipality", away, full_name="Bob")
    theme_a, theme_b = factories.theme(title="A"), factories.theme(title="B")
    group_a, group_b = factories.group(theme_a), factories.group(theme_b)

    def make(key, group, status, days, assignee=None, place=None):
        progress = 100 if status == "done" else 10
        due = None if days is None else today + timedelta(days=days)
        return key, factories.task(
            group,
            title=key,
            status=status,
            progress=progress,
            due_on=due,
            assignee_id=getattr(assignee, "id", None),
            municipality_id=getattr(place, "id", None),
        )

    tasks = dict(
        [
            make("late", group_a, "todo", -3, ann, home),
            make("late_done", group_a, "done", -3, ann, home),
            make("soon", group_a, "in_progress", 2, bob, away),
            make("month", group_b, "blocked", 20, ann, away),
            make("later", group_b, "todo", 60, bob, home),
            make("undated", group_b, "todo", None),
        ]
    )
    db.session.commit()
    return {
        "tasks": tasks,
        "ids": {key: t.id for key, t in tasks.items()},
        "home": home,
        "away": away,
        "ann": ann,
        "bob": bob,
        "theme_a": theme_a,
        "group_b": group_b,
        "viewer": factories.user("viewer"),
    }


def _listed(client, query: str = "") -> list[int]:
    page = client.get(f"/tasks{query}").get_data(as_text=True)
    return [int(i) for i in ROW_ID.findall(page)]


def _expect(world, *keys) -> set[int]:
    return {world["ids"][k] for k in keys}


def _queries(w):
    return [
        ("?status=todo", ("late", "later", "undated")),
        ("?status=done", ("late_done",)),
        (f"?theme={w['theme_a'].id}", ("late", "late_done", "soon")),
        (f"?group={w['group_b'].id}", ("month", "later", "undated")),
        (f"?municipality={w['home'].id}", ("late", "late_done", "later")),
        (f"?assignee={w['ann'].id}", ("late", "late_done", "month")),
        ("?due=overdue", ("late",)),
        ("?due=week", ("soon",)),
        ("?due=month", ("soon", "month")),
        (f"?status=todo&municipality={w['home'].id}", ("late", "later")),
        (f"?theme={w['theme_a'].id}&assignee={w['bob'].id}&due=week", ("soon",)),
        (f"?group={w['group_b'].id}&due=overdue", ()),
        ("?status=bogus&theme=x&due=someday", tuple(w["ids"])),  # ignored
    ]


def test_each_filter_alone_and_combined(login_as, tasks_world):
    client = login_as(tasks_world["viewer"])
    for query, keys in _queries(tasks_world):
        assert set(_listed(client, query)) == _expect(tasks_world, *keys), query


def test_sorting_by_due_date_keeps_undated_last(login_as, tasks_world):
    client = login_as(tasks_world["viewer"])
    ids = tasks_world["ids"]
    ascending = _listed(client, "?sort=due")
    assert ascending[-1] == ids["undated"]
    assert ascending.index(ids["late"]) < ascending.index(ids["later"])
    descending = _listed(client, "?sort=-due")
    assert descending[0] == ids["later"] and descending[-1] == ids["undated"]


def test_filters_are_kept_in_the_url(login_as, tasks_world, app):
    app.config["PAGE_SIZE"] = 2
    client = login_as(tasks_world["viewer"])
    query = f"?status=todo&municipality={tasks_world['home'].id}&sort=-due"
    page = client.get("/tasks" + query).get_data(as_text=True)
    # the form shows the filters, htmx pushes the URL, the links keep them
    assert 'hx-push-url="true"' in page
    assert '<option value="todo" selected>' in page
    # (the municipality is a search field: its current choice shows checked)
    home = tasks_world["home"].id
    assert f'<input type="radio" name="municipality" value="{home}" checked>' in page
    export = re.search(r'href="(/exports/tasks\.xlsx[^"]*)"', page).group(1)
    assert (
        "status=todo" in export and f"municipality={tasks_world['home'].id}" in export
    )
    # 2 matching tasks on 1 page: no pager; all todo tasks (3) need 2 pages
    page = client.get("/tasks?status=todo&sort=-due").get_data(as_text=True)
    next_link = re.search(r'href="([^"]*)" rel="next"', page).group(1)
    assert (
        "status=todo" in next_link
        and "sort=-due" in next_link
        and "page=2" in next_link
    )


def test_htmx_filter_request_returns_only_the_list(login_as, tasks_world):
    client = login_as(tasks_world["viewer"])
    response = client.htmx(
        "GET", "/tasks?due=overdue", headers={"HX-Target": "task-list"}
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert [int(i) for i in ROW_ID.findall(fragment)] == [tasks_world["ids"]["late"]]
    assert 'data-total="1"' in fragment
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    # a history restore asks for the whole page
    restore = client.htmx(
        "GET",
        "/tasks?due=overdue",
        headers={"HX-Target": "task-list", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.get_data(as_text=True)


def _export(client, query: str = ""):
    response = client.get(f"/exports/tasks.xlsx{query}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]


@pytest.mark.parametrize("index", range(13))
def test_export_matches_the_filtered_list(login_as, tasks_world, app, index):
    app.config["PAGE_SIZE"] = 2  # the export holds every page, the list pages
    query, keys = _queries(tasks_world)[index]
    client = login_as(tasks_world["viewer"])
    listed = []
    for page in range(1, 5):
        separator = "&" if query else "?"
        listed += _listed(client, f"{query}{separator}page={page}")
    rows = list(_export(client, query).iter_rows(values_only=True))
    titles = [row[0] for row in rows[1:]]
    by_id = {t.id: t.title for t in tasks_world["tasks"].values()}
    assert titles == [by_id[i] for i in listed]
    assert set(titles) == set(keys)


def test_export_cells_are_typed(login_as, tasks_world):
    client = login_as(tasks_world["viewer"])
    ws = _export(client, "?due=overdue")
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2
    *cells, task_id, version = rows[1]  # the last two: for the import (issue 28)
    title, theme, group, status, progress, start, due, overdue, who, place = cells
    late = tasks_world["tasks"]["late"]
    assert (task_id, version) == (late.id, late.version)
    assert (title, theme, progress, who, place) == ("late", "A", 0.1, "Ann", "Izegem")
    assert start is None  # no start date: an empty cell
    assert due.date() == late.due_on
    assert overdue == "ja"  # yes/no in words, as everywhere (app/formatting.py)


def test_filters_round_trip():
    filters = TaskFilters.from_args(
        {"status": "done", "theme": "3", "due": "week", "sort": "-due", "page": "2"}
    )
    assert filters.to_args() == {
        "status": "done",
        "theme": "3",
        "due": "week",
        "sort": "-due",
    }
    assert TaskFilters.from_args(filters.to_args()) == filters
    assert TaskFilters.from_args({"group": "-1", "assignee": "1e3"}) == TaskFilters()


RADIO = re.compile(
    r'<input type="radio" name="(\w+)" value="(\d*)"( checked)?> ([^<]+)'
)


def test_long_filters_search_instead_of_listing_every_option(login_as, tasks_world):
    client = login_as(tasks_world["viewer"])
    page = client.get("/tasks").get_data(as_text=True)
    # No select of people or places: only "All" until the user searches.
    assert "<select" not in page.split('id="filter-group"')[1].split("</fieldset>")[0]
    assert [r[:2] for r in RADIO.findall(page) if r[0] == "assignee"] == [
        ("assignee", "")
    ]
    ann = tasks_world["ann"]
    # As the user types (htmx): a fragment with the matching people as choices.
    matches = client.htmx("GET", "/choices/assignee?assignee_search=AN")
    html = matches.get_data(as_text=True)
    assert matches.status_code == 200 and "<html" not in html
    # The name, then who the person is (municipality or e-mail: issue 24 item 16).
    assert [(r[1], r[2], r[3].strip()) for r in RADIO.findall(html)] == [
        (str(ann.id), "", "Ann")
    ]
    assert '<span class="muted">(' in html
    # Without JavaScript: the search comes with the form; the page lists matches,
    # and the chosen one stays shown (checked) with its name.
    page = client.get(f"/tasks?assignee={ann.id}&municipality_search=tie")
    html = page.get_data(as_text=True)
    found = {
        (name, value, bool(checked)) for name, value, checked, _t in RADIO.findall(html)
    }
    assert ("assignee", str(ann.id), True) in found
    assert ("municipality", str(tasks_world["away"].id), False) in found
    assert set(_listed(client, f"?assignee={ann.id}")) == _expect(
        tasks_world, "late", "late_done", "month"
    )


def test_a_search_shows_a_bounded_number_of_matches(login_as, app):
    for n in range(25):
        factories.municipality(f"Dorp {n:02d}")
    db.session.commit()
    client = login_as("viewer")
    html = client.get("/choices/municipality?municipality_search=dorp").get_data(
        as_text=True
    )
    assert len(RADIO.findall(html)) == 20
    assert "typ meer van de naam" in html  # Dutch: the default language
    html = client.get("/choices/municipality?municipality_search=100%").get_data(
        as_text=True
    )
    assert RADIO.findall(html) == [] and "Niets komt overeen" in html
