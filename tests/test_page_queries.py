"""Every page of spec.md §3 runs as many SQL statements with a lot of data as with
a little (each role, the same focal objects, more of everything around them), and
loads nothing lazily that its page builder claims to have loaded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app import clock
from app.activity.log import record
from app.extensions import db
from app.main.models import DashboardVisit
from app.main.visits import VISIT_GAP, register_visit
from app.strategy.models import TrajectoryStep
from app.subsidies.models import (
    BudgetLine,
    OwnContribution,
    ReportingObligation,
    Spending,
)
from tests import factories

ROLES = ("coordinator", "lead", "municipality", "viewer")
APPLICATION_STATUSES = ("idea", "preparing", "submitted", "granted", "rejected")


def _world() -> dict:
    """The focal objects every page is asked about; `_grow` adds around them."""
    home = factories.municipality("Izegem")
    users = {
        "coordinator": factories.user("coordinator"),
        "lead": factories.user("lead", home),
        "municipality": factories.user("municipality", home),
        "viewer": factories.user("viewer"),
    }
    theme = factories.theme(title="Focal theme")
    w = {
        "home": home,
        "users": users,
        "theme": theme,
        "group": factories.group(theme, leads=[users["lead"]], name="Focal group"),
        "thread": factories.thread(title="Focal thread"),
        "call": factories.call(title="Focal call"),
        "places": [home],
        "threads": [],
    }
    w["threads"].append(w["thread"])
    w["closed"] = factories.scoring_round(
        [w["thread"]],
        status="closed",
        opens_on=clock.today() - timedelta(days=60),
        closes_on=clock.today() - timedelta(days=30),
    )
    w["open"] = factories.scoring_round([w["thread"]], status="open")
    w["call"].themes = [theme]
    w["application"] = factories.application(
        w["call"], lead=home, title="Focal dossier", theme_id=theme.id
    )
    db.session.add(
        TrajectoryStep(position=1, title="Step 1", period="2021", status="done")
    )
    _grow(w, 1)
    return w


def _grow(w: dict, units: int) -> None:
    """More of everything, much of it attached to the focal objects."""
    today = clock.today()
    users, group, theme = w["users"], w["group"], w["theme"]
    for _ in range(units):
        place = factories.municipality()
        w["places"].append(place)
        person = factories.user("municipality", place)
        factories.rollout(theme, place, stage="exploring")
        group.members.append(person)
        group.municipalities.append(place)
        thread = factories.thread()
        w["threads"].append(thread)
        for round_ in (w["closed"], w["open"]):
            round_.threads.append(thread)
        factories.talk(place, [w["thread"], thread])
        for round_ in (w["closed"], w["open"]):
            for t in (w["thread"], thread):
                factories.score(round_, t, place, (t.id + place.id) % 11)
        other_theme = factories.theme()
        other_group = factories.group(other_theme, leads=[users["lead"]])
        factories.rollout(other_theme, w["home"])
        for n, status in enumerate(("todo", "in_progress", "blocked", "done")):
            for target in (group, other_group):
                factories.task(
                    target,
                    status=status,
                    progress=100 if status == "done" else 10 * n,
                    due_on=today + timedelta(days=10 * n - 15),
                    assignee_id=(users["municipality"] if n % 2 else person).id,
                    municipality_id=(w["home"] if n % 2 else place).id,
                )
        call = factories.call(deadline_at=clock.now_utc() + timedelta(days=5))
        call.themes = [theme, other_theme]
        for n, status in enumerate(APPLICATION_STATUSES):
            application = factories.application(
                w["call"] if n % 2 else call,
                lead=w["home"] if n % 2 else place,
                partners=[place] if n % 2 else [w["home"]],
                status=status,
                theme_id=theme.id,
                submitted_on=today - timedelta(days=40) if n >= 2 else None,
                decided_on=today - timedelta(days=10) if n >= 3 else None,
                granted_amount=Decimal("8000") if status == "granted" else None,
            )
            if status == "granted":
                factories.payment(application, "2000")
                db.session.add(
                    ReportingObligation(
                        application_id=application.id,
                        title="Interim report",
                        kind="interim",
                        due_on=today + timedelta(days=20),
                    )
                )
        factories.partner(w["application"], place)
        factories.payment(w["application"], "100")
        db.session.add(
            OwnContribution(
                application_id=w["application"].id,
                municipality_id=place.id,
                entered_as="percent",
                share_pct=Decimal("20"),
            )
        )
        line = BudgetLine(
            application_id=w["application"].id,
            municipality_id=place.id,
            kind="other",
            title=f"Line {place.id}",
            planned_amount=Decimal("1000"),
        )
        line.spending.append(
            Spending(
                application_id=w["application"].id,
                spent_on=today,
                amount=Decimal("10"),
            )
        )
        db.session.add(line)
        db.session.add(
            ReportingObligation(
                application_id=w["application"].id,
                title=f"Report {place.id}",
                kind="interim",
                due_on=today + timedelta(days=3),
            )
        )
        for entity in (thread, group, application, place):
            record(
                "update",
                entity,
                f"Changed {entity.id}",
                {"title": ["old", "new"]},
                municipality_id=place.id,
                actor=users["coordinator"],
            )
    db.session.commit()


#: Lazy loads a page may do: the signed-in user's municipality in the header
#: (one row), and a focal object's own small collection where its view reads it
#: (one statement, whatever the data). Anything else is a relationship that a
#: page builder claims to have loaded and did not: the test fails on it.
HEADER = frozenset({"User.municipality"})
KNOWN = {
    "/rounds/": {"ScoringRound.threads"},
    "/calls/": {"SubsidyCall.themes"},
}


def _pages(w: dict) -> list[str]:
    """The pages of spec.md §3, about the focal objects."""
    token = w["users"]["municipality"].calendar_token
    return [
        "/",
        "/trajectory",
        "/threads",
        f"/threads/{w['thread'].id}",
        "/rounds",
        f"/rounds/{w['open'].id}",
        f"/rounds/{w['closed'].id}",
        f"/rounds/{w['closed'].id}/results",
        "/themes",
        f"/themes/{w['theme'].id}",
        f"/groups/{w['group'].id}",
        "/tasks",
        "/tasks?due=overdue&municipality=" + str(w["home"].id),
        "/calls",
        f"/calls/{w['call'].id}",
        "/applications",
        f"/applications/{w['application'].id}",
        f"/applications/{w['application'].id}/finances",
        "/municipalities",
        f"/municipalities/{w['home'].slug}",
        f"/municipalities/{w['home'].slug}/edit",
        "/calls?archived=1",
        "/applications?archived=1",
        "/rounds?archived=1",
        "/threads?archived=1",
        "/talks?archived=1",
        "/deadlines",
        "/deadlines?scope=region",
        "/activity",
        f"/calendar/{token}.ics",
        "/exports/tasks.xlsx",
        "/exports/applications.xlsx",
        f"/exports/scores-{w['closed'].id}.xlsx",
        "/exports/rollout.xlsx",
        f"/exports/municipality-{w['home'].slug}.xlsx",
        f"/exports/finances-{w['application'].id}.xlsx",
        "/exports/forum-report.xlsx",
        "/imports/scores",
        "/admin/users",
        "/healthz",
        # sorted lists (and exports) run as many statements as the default order
        "/tasks?sort=-assignee",
        "/applications?sort=lead&dir=desc",
        # the roll-ups of a filtered list add up its dossiers (issue 28 item 3)
        f"/applications?theme={w['theme'].id}&status=granted",
        "/calls?sort=title",
        "/municipalities?sort=-tasks",
        "/admin/users?sort=-municipality",
        "/exports/tasks.xlsx?sort=-group",
        "/exports/applications.xlsx?sort=theme",
    ]


def _allowed_lazy_loads(url: str) -> set[str]:
    extra = [names for prefix, names in KNOWN.items() if url.startswith(prefix)]
    return set(HEADER).union(*extra)


def _measure(client, page_queries, urls) -> dict[str, tuple[int, int]]:
    """Per URL: (status, statements); fails on a lazy load the page should not do."""
    result = {}
    for url in urls:
        with page_queries.counting() as log:
            response = client.get(url)
        assert response.status_code in (200, 403), f"{url}: {response.status_code}"
        unexpected = set(log.lazy_loads) - _allowed_lazy_loads(url)
        assert not unexpected, f"{url} loaded lazily: {sorted(unexpected)}"
        result[url] = (response.status_code, len(log))
    return result


@pytest.mark.parametrize("role", ROLES)
def test_every_page_runs_as_many_statements_with_more_data(
    app, login_as, page_queries, role
):
    w = _world()
    client = login_as(w["users"][role])
    urls = _pages(w)
    # A person's first visit ever is noted once (a row of its own; issue 26 item 8).
    register_visit(w["users"][role])
    db.session.commit()
    small = _measure(client, page_queries, urls)
    _grow(w, 3)
    large = _measure(client, page_queries, urls)
    assert small["/"][0] == small["/healthz"][0] == 200
    grown = {url: (small[url], large[url]) for url in urls if small[url] != large[url]}
    assert not grown, f"{role}: (status, statements) small → large: {grown}"


def test_the_guard_sees_a_lazy_load(app, page_queries):
    """The lazy-load guard is not blind: reading a task's group row by row is seen."""
    task = factories.task(title="Lazy")
    db.session.commit()
    task_id, task_type = task.id, type(task)
    db.session.expunge_all()
    with page_queries.counting() as log:
        loaded = db.session.get(task_type, task_id)
        assert loaded.group.name
    assert log.lazy_loads == ["Task.group"] and len(log) == 2


#: Issue 15: at most this many statements per page, the same at every scale
#: (counted as the benchmark counts them: after one warm-up request).
MAX_STATEMENTS = 12


def _detail_pages(w: dict) -> list[str]:
    """The pages of one object that were over the bound (issue 15)."""
    return [
        f"/themes/{w['theme'].id}",
        f"/applications/{w['application'].id}",
        f"/applications/{w['application'].id}/finances",
        f"/municipalities/{w['home'].slug}",
        f"/threads/{w['thread'].id}",
    ]


@pytest.mark.parametrize("role", ["coordinator", "municipality"])
def test_detail_pages_stay_within_the_statement_bound_at_both_scales(
    app, login_as, page_queries, role
):
    w = _world()
    client = login_as(w["users"][role])
    urls = _detail_pages(w)
    small = {url: len(page_queries(client, url)) for url in urls}
    _grow(w, 3)
    large = {url: len(page_queries(client, url)) for url in urls}
    assert small == large, f"{role}: statements small → large"
    over = {url: n for url, n in large.items() if n > MAX_STATEMENTS}
    assert not over, f"{role}: more than {MAX_STATEMENTS} statements: {over}"
    # A thread no round asked runs as many as one that every round asked.
    unasked = factories.thread(title="Never asked")
    db.session.commit()
    thread_url = f"/threads/{w['thread'].id}"
    assert len(page_queries(client, f"/threads/{unasked.id}")) == large[thread_url]


def _own_things(w: dict, user) -> None:
    """What a person has of their own: tasks assigned to them (one changed since
    their previous visit), an unread notification, a dossier of their municipality."""
    from app.notifications.models import Notification

    own = [
        factories.task(
            w["group"],
            title=f"Own {user.role} {n}",
            assignee_id=user.id,
            due_on=clock.today() + timedelta(days=n - 1),
        )
        for n in range(3)
    ]
    db.session.add(
        Notification(
            user_id=user.id,
            kind="task_assigned",
            object_type="task",
            object_id=own[0].id,
            title="Own",
            channel="inbox",
        )
    )
    db.session.commit()


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_and_group_page_stay_within_the_statement_bound(
    app, login_as, page_queries, role
):
    """Issue 23: the dashboard and a working group's page run at most
    MAX_STATEMENTS statements for every role, with things of the reader's own,
    as many at a larger scale, on a new visit as within one."""
    w = _world()
    user = w["users"][role]
    _own_things(w, user)
    client = login_as(user)
    urls = ["/", f"/groups/{w['group'].id}"]
    # A previous visit: "new since then" has a start (and its own query).
    db.session.add(
        DashboardVisit(
            user_id=user.id,
            last_at=clock.now_utc(),
            previous_at=clock.now_utc() - timedelta(days=1),
        )
    )
    db.session.commit()
    small = {url: len(page_queries(client, url)) for url in urls}
    _grow(w, 3)
    _own_things(w, user)
    large = {url: len(page_queries(client, url)) for url in urls}
    assert small == large, f"{role}: statements small → large"
    over = {url: n for url, n in large.items() if n > MAX_STATEMENTS}
    assert not over, f"{role}: more than {MAX_STATEMENTS} statements: {over}"
    # A new visit (the last one over an hour ago): the visit is written once,
    # after the page is read (its commit makes nothing be read again).
    visit = db.session.get(DashboardVisit, user.id)
    visit.last_at = clock.now_utc() - VISIT_GAP * 2
    db.session.commit()
    with page_queries.counting() as log:
        assert client.get("/").status_code == 200
    db.session.expire_all()
    if role != "viewer":  # who may read the activity log has a visit to note
        fresh = db.session.get(DashboardVisit, user.id).last_at
        assert fresh > clock.now_utc() - VISIT_GAP
    assert len(log) == large["/"] + (role != "viewer"), f"{role}: {len(log)}"
