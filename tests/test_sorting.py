"""Sorting the lists: /tasks, /applications, /calls, /municipalities, /admin/users.

Each page sorts by each of its sortable columns in both directions; the order of
its rows is compared with the order recomputed from the database (empty values
last, ties by id). The sorted column alone carries aria-sort; unknown keys fall
back to the default; the exports come out in the page's order.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import clock
from app.auth.models import Role, User
from app.extensions import db
from app.municipalities.models import Municipality
from app.subsidies.models import APPLICATION_STATUSES, Application, SubsidyCall
from app.work.models import TASK_STATUSES, Task
from app.work.progress import municipality_progress
from tests import factories


def _lower(text):
    return text.lower() if text is not None else None


@pytest.fixture
def world(app):
    """A few rows of everything, with empty values and ties in each column."""
    app.config["PAGE_SIZE"] = 100
    today = clock.today()
    now = datetime.now(UTC)
    places = [
        factories.municipality(name, slug=name.lower())
        for name in ("Tielt", "izegem", "Roeselare", "Ardooie")
    ]
    coordinator = factories.user(
        "coordinator", full_name="Zoë Coordinator", email="zc@example.org"
    )
    ann = factories.user("lead", places[0], full_name="ann", email="ann@example.org")
    bob = factories.user("municipality", places[1], full_name="Bob")
    factories.user("viewer", full_name="Carl", active=False)
    ann.last_login_at = now - timedelta(days=2)
    bob.last_login_at = now - timedelta(days=1)
    themes = [factories.theme(title=t) for t in ("beta", "Alpha")]
    groups = [
        factories.group(themes[0], name="Data"),
        factories.group(themes[1], name="apps"),
    ]
    rows = [  # title, group, status, progress, due (days), assignee, place
        ("Plan", 0, "todo", 0, 5, ann, places[0]),
        ("build", 1, "done", 100, -2, bob, places[1]),
        ("Audit", 0, "blocked", 30, 5, None, None),
        ("check", 1, "in_progress", 30, None, ann, places[2]),
        ("Deploy", None, "todo", 60, -2, bob, places[0]),
    ]
    for title, group, status, progress, days, who, place in rows:
        factories.task(
            None if group is None else groups[group],
            group_id=None,
            title=title,
            status=status,
            progress=progress,
            due_on=None if days is None else today + timedelta(days=days),
            assignee_id=getattr(who, "id", None),
            municipality_id=getattr(place, "id", None),
        )
    for place, stage in ((places[0], "live"), (places[1], "exploring")):
        factories.rollout(themes[0], place, stage=stage)
    factories.rollout(themes[1], places[0], stage="preparing")
    calls = [
        factories.call(title="Water", deadline_at=now + timedelta(days=9)),
        factories.call(title="digital", deadline_at=now + timedelta(days=3)),
        factories.call(title="Mobility", deadline_at=now + timedelta(days=9)),
    ]
    dossiers = [  # title, call, theme, lead, status, requested, granted
        ("Sensors", 0, 0, 1, "granted", "5000", "4000"),
        ("apps for all", 1, None, 0, "idea", "12000", None),
        ("Bridge", 2, 1, 3, "submitted", "5000", None),
        ("Cloud", 0, 0, 0, "granted", "900", "900"),
    ]
    for title, call, theme, lead, status, requested, granted in dossiers:
        factories.application(
            calls[call],
            lead=places[lead],
            title=title,
            theme_id=None if theme is None else themes[theme].id,
            status=status,
            requested_amount=Decimal(requested),
            granted_amount=None if granted is None else Decimal(granted),
        )
    db.session.commit()
    return {"coordinator": coordinator}


def _tasks() -> list[Task]:
    return list(db.session.scalars(select(Task)))


def _applications() -> list[Application]:
    return list(db.session.scalars(select(Application)))


def _municipality_rows():
    places = list(db.session.scalars(select(Municipality)))
    progress = municipality_progress([m.id for m in places])
    return [(m, progress[m.id]) for m in places]


#: Per page: its URL, how a row shows its id, the rows from the database, and per
#: sortable column the value it sorts by (recomputed here, not taken from the app).
PAGES = {
    "tasks": (
        "/tasks",
        r'data-task-id="(\d+)"',
        _tasks,
        {
            "title": lambda t: t.title.lower(),
            "group": lambda t: _lower(t.group.name if t.group else None),
            "status": lambda t: TASK_STATUSES.index(t.status),
            "progress": lambda t: t.progress,
            "due": lambda t: t.due_on,
            "assignee": lambda t: _lower(t.assignee.full_name if t.assignee else None),
            "municipality": lambda t: _lower(
                t.municipality.name if t.municipality else None
            ),
        },
    ),
    "applications": (
        "/applications",
        r'<tr data-application-id="(\d+)"',
        _applications,
        {
            "title": lambda a: a.title.lower(),
            "call": lambda a: a.call.deadline_at,
            "theme": lambda a: _lower(a.theme.title if a.theme else None),
            "lead": lambda a: a.lead_municipality.name.lower(),
            "status": lambda a: APPLICATION_STATUSES.index(a.status),
            "requested": lambda a: a.requested_amount,
            "granted": lambda a: a.granted_amount,
        },
    ),
    "calls": (
        "/calls",
        r'data-call-id="(\d+)"',
        lambda: list(db.session.scalars(select(SubsidyCall))),
        {
            "title": lambda c: c.title.lower(),
            "deadline": lambda c: c.deadline_at,
        },
    ),
    "municipalities": (
        "/municipalities",
        r'<td><a href="/municipalities/([a-z]+)">',
        _municipality_rows,
        {
            "name": lambda row: row[0].name.lower(),
            "live": lambda row: row[1].live,
            "under_way": lambda row: row[1].under_way,
            "tasks": lambda row: (row[1].tasks.total, row[1].tasks.done),
        },
    ),
    "users": (
        "/admin/users",
        r'<td><a href="/admin/users/(\d+)">',
        lambda: list(db.session.scalars(select(User))),
        {
            "name": lambda u: u.full_name.lower(),
            "email": lambda u: u.email.lower(),
            "role": lambda u: list(Role).index(Role(u.role)),
            "municipality": lambda u: _lower(
                u.municipality.name if u.municipality else None
            ),
            "active": lambda u: u.active,
            "last_login": lambda u: u.last_login_at,
        },
    ),
}
DEFAULTS = {
    "tasks": "due",
    "applications": "-call",
    "calls": "-deadline",
    "municipalities": "name",
    "users": "name",
}
CASES = [
    (page, key, descending)
    for page, (_url, _pattern, _rows, columns) in PAGES.items()
    for key in columns
    for descending in (False, True)
]


def _row_id(row) -> int | str:
    """Rows show an id, municipalities their slug."""
    return row[0].slug if isinstance(row, tuple) else row.id


def _expected(rows, value, descending: bool) -> list:
    def number(row) -> int:
        return row[0].id if isinstance(row, tuple) else row.id

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (value(r), number(r)), reverse=descending)
    missing.sort(key=number, reverse=descending)
    return [_row_id(r) for r in present + missing]


def _listed(client, url: str, pattern: str) -> tuple[list, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    found = re.findall(pattern, html)
    return [v if not v.isdigit() else int(v) for v in found], html


@pytest.mark.parametrize(("page", "key", "descending"), CASES)
def test_each_column_sorts_both_ways(login_as, world, page, key, descending):
    client = login_as(world["coordinator"])
    url, pattern, rows, columns = PAGES[page]
    sort = f"-{key}" if descending else key
    listed, html = _listed(client, f"{url}?sort={sort}", pattern)
    assert listed == _expected(rows(), columns[key], descending)
    # aria-sort on the sorted column only, and its link turns the order around
    state = "descending" if descending else "ascending"
    assert html.count("aria-sort=") == 1
    header = re.search(r'<th scope="col"[^>]*aria-sort="(\w+)"[^>]*><a ([^>]*)>', html)
    assert header.group(1) == state
    assert f'id="sort-{key}"' in header.group(2)
    turned = key if descending else f"-{key}"
    link = re.search(r'href="([^"]*)"', header.group(2)).group(1).replace("&amp;", "&")
    if turned == DEFAULTS[page]:
        assert "sort=" not in link  # the default order has the shortest URL
    else:
        assert f"sort={turned}" in link


@pytest.mark.parametrize("page", PAGES)
def test_unknown_sort_keys_give_the_default_order(login_as, world, page):
    client = login_as(world["coordinator"])
    url, pattern, _rows, _columns = PAGES[page]
    default, _html = _listed(client, url, pattern)
    assert len(default) >= 3
    for bad in ("bogus", "-id", "title;drop table task", "--due", "", "__class__"):
        listed, html = _listed(client, f"{url}?sort={bad}&dir=desc", pattern)
        assert listed == default, bad
        assert html.count("aria-sort=") == 1


@pytest.mark.parametrize("page", PAGES)
def test_dir_desc_reads_like_a_minus(login_as, world, page):
    client = login_as(world["coordinator"])
    url, pattern, _rows, columns = PAGES[page]
    key = list(columns)[-1]
    assert (
        _listed(client, f"{url}?sort={key}&dir=desc", pattern)[0]
        == _listed(client, f"{url}?sort=-{key}", pattern)[0]
    )


def _export_titles(client, href: str, column: int) -> list[str]:
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    return [row[column] for row in list(sheet.iter_rows(values_only=True))[1:]]


EXPORTS = [
    (page, key, descending, name, column)
    for page, name, column in (
        ("tasks", "tasks", 0),
        ("applications", "applications", 1),
    )
    for key in PAGES[page][3]
    for descending in (False, True)
]


@pytest.mark.parametrize(("page", "key", "descending", "name", "column"), EXPORTS)
def test_the_export_has_the_order_of_the_page(
    login_as, world, page, key, descending, name, column
):
    client = login_as(world["coordinator"])
    url, pattern, rows, _columns = PAGES[page]
    sort = f"-{key}" if descending else key
    listed, html = _listed(client, f"{url}?sort={sort}", pattern)
    titles = {row.id: row.title for row in rows()}
    href = re.search(rf'href="(/exports/{name}\.xlsx[^"]*)"', html).group(1)
    assert (f"sort={sort}" in href) is (sort != DEFAULTS[page])
    assert _export_titles(client, href, column) == [titles[i] for i in listed]


def test_the_filters_pages_and_htmx_keep_the_sort(login_as, world, app):
    app.config["PAGE_SIZE"] = 2
    client = login_as(world["coordinator"])
    html = client.get("/tasks?status=todo&sort=-title").get_data(as_text=True)
    # the filter form sends the sort along (a hidden input tied to it)
    assert (
        '<input type="hidden" name="sort" value="-title" form="task-filters">' in html
    )
    assert 'id="task-filters"' in html
    # the column links keep the filters, and go through htmx into the list
    link = re.search(r'<a href="([^"]*)" id="sort-due"[^>]*>', html)
    assert "status=todo" in link.group(1) and 'hx-target="#task-list"' in link.group(0)
    # pagination keeps the sort
    html = client.get("/tasks?sort=-title").get_data(as_text=True)
    next_link = re.search(r'href="([^"]*)" rel="next"', html).group(1)
    assert "sort=-title" in next_link and "page=2" in next_link
    # an htmx sort answers the list alone, with its sort state
    response = client.htmx(
        "GET", "/tasks?sort=-progress", headers={"HX-Target": "task-list"}
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert re.search(r'aria-sort="descending"><a [^>]*id="sort-progress"', fragment)
    assert 'name="sort" value="-progress" form="task-filters"' in fragment


def test_the_default_sort_stays_out_of_the_url(login_as, world):
    client = login_as(world["coordinator"])
    html = client.get("/calls?sort=title").get_data(as_text=True)
    # the deadline column's first click gives ascending; the title's: descending
    assert re.search(r'href="/calls\?sort=deadline" id="sort-deadline"', html)
    assert re.search(r'href="/calls\?sort=-title" id="sort-title"', html)
    html = client.get("/calls").get_data(as_text=True)
    sorted_header = (
        r'aria-sort="descending"><a href="/calls\?sort=deadline" id="sort-deadline"'
    )
    assert re.search(sorted_header, html)


def test_sort_links_ignore_url_for_options_in_the_query(login_as, world):
    client = login_as(world["coordinator"])
    query = "_external=1&_scheme=javascript&_anchor=x&status=todo"
    html = client.get(f"/tasks?{query}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]*)" id="sort-title"', html).group(1)
    assert link.startswith("/tasks?") and "status=todo" in link
    assert "javascript" not in link and "#" not in link
