"""Bounded pages (issue 15): the paging helper and the pages that use it."""

import re
from datetime import timedelta

from app import clock
from app.deadlines.views import DEADLINES_PER_PAGE
from app.extensions import db
from app.paging import paginate, window
from app.strategy.rounds import MATRIX_COLUMNS
from app.work.themes import MATRIX_ROWS
from tests import factories


def test_paginate_a_list_and_a_window(app):
    with app.test_request_context("/?page=2"):
        page = paginate(list(range(25)), per_page=10)
        assert page.items == list(range(10, 20))
        assert (page.pages, page.total, page.prev_num, page.next_num) == (3, 25, 1, 3)
        assert (page.first, page.last) == (11, 20)
        past_the_end = paginate(list(range(25)), page=9, per_page=10)
        assert past_the_end.items == [] and not past_the_end.has_next
        asked = []

        def fetch(limit):
            asked.append(limit)
            return list(range(min(limit, 25)))

        middle = window(fetch, per_page=10)
        assert middle.items == list(range(10, 20)) and middle.has_next
        assert middle.total is None and asked == [21]  # one more than the page
        last = window(fetch, page=3, per_page=10)
        assert last.items == list(range(20, 25)) and not last.has_next
    with app.test_request_context("/?page=-4"):
        assert paginate(list(range(3)), per_page=2).page == 1


def test_themes_matrix_pages_through_municipalities(login_as):
    places = [factories.municipality(f"Plaats {n:02d}") for n in range(MATRIX_ROWS + 3)]
    theme = factories.theme()
    factories.rollout(theme, places[-1], stage="live")
    client = login_as("coordinator")
    first = client.get("/themes").get_data(as_text=True)
    assert first.count("data-municipality=") == MATRIX_ROWS
    assert 'data-municipality="plaats-00"' in first
    assert 'data-municipality="plaats-17"' not in first
    assert re.search(r'href="/themes\?page=2" rel="next"', first)
    second = client.get("/themes?page=2").get_data(as_text=True)
    assert second.count("data-municipality=") == 3
    last_row = second.split('data-municipality="plaats-17"')[1].split("</tr>")[0]
    assert 'data-stage="live"' in last_row
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_round_matrix_pages_through_municipality_columns(login_as):
    thread = factories.thread()
    count = MATRIX_COLUMNS + 2
    places = [factories.municipality(f"Kolom {n:02d}") for n in range(count)]
    scoring_round = factories.scoring_round([thread], status="closed")
    factories.score(scoring_round, thread, places[-1], 7)
    client = login_as("coordinator")
    url = f"/rounds/{scoring_round.id}"
    first = client.get(url).get_data(as_text=True)
    assert first.count(f'data-cell="{thread.code}-') == MATRIX_COLUMNS
    second = client.get(f"{url}?columns=2").get_data(as_text=True)
    assert second.count(f'data-cell="{thread.code}-') == 2
    assert f'data-cell="{thread.code}-kolom-{MATRIX_COLUMNS + 1:02d}">7<' in second


def test_deadlines_come_in_pages(login_as):
    group = factories.group()
    today = clock.today()
    for n in range(DEADLINES_PER_PAGE + 5):
        factories.task(group, title=f"Due {n:03d}", due_on=today + timedelta(days=n))
    client = login_as("coordinator")
    first = client.get("/deadlines?scope=region&kind=task").get_data(as_text=True)
    assert "Due 000" in first and f"Due {DEADLINES_PER_PAGE - 1:03d}" in first
    assert f"Due {DEADLINES_PER_PAGE:03d}" not in first
    # The pager keeps the filters.
    assert 'href="/deadlines?scope=region&amp;kind=task&amp;page=2" rel="next"' in first
    second = client.htmx("GET", "/deadlines?scope=region&kind=task&page=2")
    html = second.get_data(as_text=True)
    assert second.status_code == 200 and "<html" not in html
    assert f"Due {DEADLINES_PER_PAGE:03d}" in html and "Due 000" not in html
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_activity_filters_search_people_instead_of_listing_them(login_as):
    someone = factories.user("coordinator", full_name="Zelda Zoekbaar")
    factories.user("coordinator", full_name="Other Person")
    db.session.commit()
    client = login_as("coordinator")
    page = client.get("/activity").get_data(as_text=True)
    assert "Zelda Zoekbaar" not in page and 'name="who_search"' in page
    found = client.get("/activity?who_search=zoekb").get_data(as_text=True)
    assert f'name="who" value="{someone.id}"' in found
    assert "Other Person" not in found
    chosen = client.get(f"/activity?who={someone.id}").get_data(as_text=True)
    assert f'value="{someone.id}" checked> Zelda Zoekbaar' in chosen
    typed = client.htmx("GET", "/choices/who?who_search=zelda")
    assert "Zelda Zoekbaar" in typed.get_data(as_text=True)


def test_viewers_cannot_search_people(login_as):
    factories.user("coordinator", full_name="Zelda Zoekbaar")
    client = login_as("viewer")
    for kind, field in (("who", "who"), ("assignable", "assignee_id")):
        typed = client.htmx("GET", f"/choices/{kind}?{field}_search=zelda")
        assert typed.status_code == 200
        assert "Zelda Zoekbaar" not in typed.get_data(as_text=True)
    searcher = login_as("lead")
    typed = searcher.htmx("GET", "/choices/assignable?assignee_id_search=zelda")
    assert "Zelda Zoekbaar" in typed.get_data(as_text=True)


def _activity_entries(number: int) -> None:
    from sqlalchemy import insert

    from app.activity.models import Activity

    db.session.execute(
        insert(Activity),
        [
            {
                "action": "update",
                "entity_type": "thread",
                "entity_id": n,
                "audience": "regional",
                "summary": f"Entry {n}",
            }
            for n in range(number)
        ],
    )
    db.session.commit()


def test_page_of_counts_up_to_its_cap(app):
    """A long query's page reads one row past it and counts only up to the cap."""
    from sqlalchemy import select

    from app.activity.models import Activity
    from app.paging import page_of

    _activity_entries(12)
    query = select(Activity).order_by(Activity.id)
    with app.test_request_context("/?page=2"):
        capped = page_of(query, per_page=5, count_up_to=10)
        assert [a.entity_id for a in capped.items] == [5, 6, 7, 8, 9]
        assert (capped.total, capped.more_than, capped.has_next) == (None, 10, True)
        assert (capped.pages, capped.next_num, capped.prev_num) == (3, 3, 1)
        counted = page_of(query, per_page=5, count_up_to=12)
        assert (counted.total, counted.more_than, counted.pages) == (12, None, 3)
    with app.test_request_context("/?page=3"):
        last = page_of(query, per_page=5, count_up_to=10)
        assert [a.entity_id for a in last.items] == [10, 11]
        assert not last.has_next and last.total is None


def test_the_activity_log_counts_up_to_a_thousand(login_as):
    """/activity says how many changes up to 1,000, "more than" beyond, and its
    pager goes on page by page."""
    client = login_as("coordinator")
    _activity_entries(40)
    page = client.get("/activity").get_data(as_text=True)
    assert re.search(r"\b4\d wijzigingen", page)
    _activity_entries(1000)
    page = client.get("/activity").get_data(as_text=True)
    assert "Meer dan 1.000 wijzigingen" in page
    assert 'href="/activity?page=2" rel="next"' in page
    second = client.get("/activity?page=2").get_data(as_text=True)
    assert "Pagina 2" in second and 'rel="prev"' in second


def test_task_lists_show_25_rows_a_page(login_as):
    """/tasks and a group's page list 25 task rows a page (the heaviest rows of
    the app), say how many there are and page through the rest."""
    from app.work.tasks import TASKS_PER_PAGE

    group = factories.group(factories.theme())
    for number in range(TASKS_PER_PAGE + 5):
        factories.task(group, title=f"Row {number:02d}", due_on=clock.today())
    client = login_as("coordinator")
    for url in ("/tasks", f"/groups/{group.id}"):
        first = client.get(url).get_data(as_text=True)
        assert first.count('class="task-row') == TASKS_PER_PAGE == 25
        assert "Row 00" in first and "Row 25" not in first
        assert 'rel="next"' in first
        second = client.get(f"{url}?page=2").get_data(as_text=True)
        assert second.count('class="task-row') == 5 and "Row 29" in second
    assert "30 taken" in client.get("/tasks").get_data(as_text=True)
