"""/tasks, /groups/<id> and /themes/<id> do as many SQL queries with 5,000 tasks
as with 50: everything they show is loaded in bulk or aggregated in SQL."""

from datetime import timedelta

from sqlalchemy import insert

from app import clock
from app.extensions import db
from app.work.models import Task
from tests import factories


def _add_tasks(group, people, places, start: int, count: int) -> None:
    today = clock.today()
    statuses = ("todo", "in_progress", "blocked", "done")
    db.session.execute(
        insert(Task),
        [
            {
                "group_id": group.id,
                "title": f"Task {n}",
                "description": "",
                "status": statuses[n % 4],
                "progress": 100 if n % 4 == 3 else n % 90,
                "due_on": today + timedelta(days=n % 200 - 100),
                "assignee_id": people[n % len(people)].id,
                "municipality_id": places[n % len(places)].id,
                "version": 1,
            }
            for n in range(start, start + count)
        ],
    )
    db.session.commit()


def _counts(client, urls, page_queries) -> dict[str, int]:
    return {url: len(page_queries(client, url)) for url in urls}


def test_heavy_pages_do_a_fixed_number_of_queries(login_as, page_queries):
    places = [factories.municipality() for _ in range(3)]
    lead = factories.user("lead", places[0])
    people = [lead] + [factories.user("municipality", m) for m in places]
    theme = factories.theme()
    group = factories.group(theme, leads=[lead])
    group.members = people
    group.municipalities = places
    other = factories.group(theme)
    for m in places:
        factories.rollout(theme, m)
    call = factories.call()
    call.themes = [theme]
    factories.application(call, lead=places[0], theme_id=theme.id)
    db.session.commit()
    _add_tasks(group, people, places, 0, 50)
    factories.task(other, title="Other group's task")
    db.session.commit()
    client = login_as(lead)
    urls = [
        "/tasks",
        f"/tasks?theme={theme.id}&status=todo",
        "/tasks?due=overdue&sort=-due",
        f"/groups/{group.id}",
        f"/themes/{theme.id}",
        "/themes",
    ]
    few = _counts(client, urls, page_queries)
    _add_tasks(group, people, places, 50, 4950)
    many = _counts(client, urls, page_queries)
    assert many == few
