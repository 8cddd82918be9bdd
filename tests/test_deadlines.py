"""Deadlines: classification, scopes and visibility, calendar feeds, reminders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar

from app import clock
from app.deadlines.deadlines import Scope, classify, deadlines
from app.extensions import db
from app.subsidies.models import ReportingObligation
from tests import factories


@pytest.mark.parametrize(
    ("days", "category"),
    [(-30, "overdue"), (-1, "overdue"), (0, "week"), (7, "week"), (8, "month"),
     (30, "month"), (31, "later"), (400, "later")],
)  # fmt: skip
def test_classification_at_the_edges(days, category):
    today = clock.today()
    assert classify(today + timedelta(days=days), today) == category


@pytest.fixture
def world(app):
    today = clock.today()
    home = factories.municipality("Izegem")
    away = factories.municipality("Tielt")
    user = factories.user("municipality", home, email="izegem@example.org")
    other = factories.user("municipality", away, email="tielt@example.org")
    coordinator = factories.user("coordinator", email="coord@example.org")
    group = factories.group()
    w = {
        "home": home,
        "away": away,
        "user": user,
        "other": other,
        "coordinator": coordinator,
        "overdue": factories.task(
            group, title="Late", due_on=today - timedelta(days=1), assignee_id=user.id
        ),
        "done": factories.task(
            group,
            title="Finished",
            due_on=today - timedelta(days=3),
            status="done",
            progress=100,
            assignee_id=user.id,
        ),
        "today": factories.task(
            group, title="Today", due_on=today, municipality_id=home.id
        ),
        "foreign": factories.task(
            group,
            title="Not mine",
            due_on=today + timedelta(days=2),
            assignee_id=other.id,
        ),
        # 00:30 Brussels on day 8 is still day 7 in UTC: Brussels decides.
        "call": factories.call(
            title="Night call",
            deadline_at=clock.brussels(today + timedelta(days=8), 0, 30),
        ),
        "late_call": factories.call(
            title="Evening call",
            deadline_at=clock.brussels(today + timedelta(days=7), 23, 30),
        ),
    }
    own_app = factories.application(
        lead=home, title="Own dossier", status="granted", granted_amount=Decimal(1000)
    )
    secret_app = factories.application(
        lead=away,
        title="Secret dossier",
        status="granted",
        granted_amount=Decimal(1000),
    )
    for application, title in ((own_app, "Own report"), (secret_app, "Secret report")):
        db.session.add(
            ReportingObligation(
                application_id=application.id,
                title=title,
                kind="interim",
                due_on=today + timedelta(days=20),
            )
        )
    w["preparing"] = factories.application(
        w["call"], lead=home, title="To submit", status="preparing"
    )
    db.session.commit()
    return w


def _titles(items):
    return [item.title for item in items]


def test_a_users_deadlines(world):
    user = world["user"]
    items = deadlines(Scope(viewer=user, user=user))
    titles = _titles(items)
    assert (
        "Finished" not in titles
    )  # a done task is never a deadline, let alone overdue
    assert "Not mine" not in titles and "Secret report" not in titles
    by_title = {item.title: item for item in items}
    assert by_title["Late"].category == "overdue"
    assert by_title["Today"].category == "week"  # concerns the user's municipality
    assert by_title["Evening call"].category == "week"
    assert by_title["Night call"].category == "month"
    assert by_title["To submit"].kind == "application"
    assert by_title["Own report"].kind == "obligation"
    dues = [item.due for item in items]
    assert dues == sorted(dues)


def test_region_scope_respects_visibility(world):
    coordinator_titles = _titles(deadlines(Scope(viewer=world["coordinator"])))
    assert {"Secret report", "Own report", "Not mine"} <= set(coordinator_titles)
    viewer = factories.user("viewer")
    viewer_titles = _titles(deadlines(Scope(viewer=viewer)))
    assert "Not mine" in viewer_titles
    assert not {"Secret report", "Own report", "To submit"} & set(viewer_titles)
    municipal_titles = _titles(deadlines(Scope(viewer=world["user"])))
    assert "Own report" in municipal_titles and "Secret report" not in municipal_titles


def test_municipality_scope(world):
    items = deadlines(
        Scope(viewer=world["coordinator"], municipality_id=world["away"].id)
    )
    titles = set(_titles(items))
    assert {"Not mine", "Secret report"} <= titles
    assert not {"Late", "Own report"} & titles


def test_within_days_and_filters(world):
    user = world["user"]
    soon = _titles(deadlines(Scope(viewer=user, user=user), within_days=7))
    assert "Late" in soon and "Evening call" in soon and "Night call" not in soon
    only_tasks = deadlines(Scope(viewer=user, user=user), kinds=("task",))
    assert {item.kind for item in only_tasks} == {"task"}
    overdue = deadlines(Scope(viewer=user, user=user), categories=("overdue",))
    assert _titles(overdue) == ["Late"]


def test_the_when_filter_is_applied_before_each_kinds_limit(world):
    """Each kind is limited in its query: the category must be a condition of
    that query, or a limit filled with earlier items hides the later ones."""
    today = clock.today()
    coordinator = world["coordinator"]
    group = factories.group()
    for n in range(3):
        factories.task(group, title=f"Soon {n}", due_on=today + timedelta(days=n))
        factories.call(
            title=f"Soon call {n}", deadline_at=clock.brussels(today, 23) + timedelta(n)
        )
    factories.task(group, title="Far task", due_on=today + timedelta(days=60))
    factories.call(
        title="Far call", deadline_at=clock.brussels(today + timedelta(days=90), 12)
    )
    db.session.commit()
    later = deadlines(Scope(viewer=coordinator), categories=("later",), limit=2)
    assert _titles(later) == ["Far task", "Far call"]
    assert {item.category for item in later} == {"later"}
    # Brussels days decide for moments: 23:30 on day 7 is this week, 00:30 on
    # day 8 the next 30 days.
    month = deadlines(Scope(viewer=coordinator), categories=("month",), limit=3)
    assert "Night call" in _titles(month) and "Evening call" not in _titles(month)
    week = deadlines(Scope(viewer=coordinator), categories=("week", "later"))
    assert "Evening call" in _titles(week) and "Night call" not in _titles(week)
    assert {"Far task", "Far call", "Soon 0"} <= set(_titles(week))


def test_the_deadlines_page_finds_later_items_behind_a_full_page(world, login_as):
    today = clock.today()
    group = factories.group()
    for n in range(105):  # more overdue tasks than a page (100) holds
        factories.task(group, title=f"Backlog {n}", due_on=today - timedelta(days=2))
    factories.task(group, title="Far away", due_on=today + timedelta(days=45))
    db.session.commit()
    client = login_as(world["coordinator"])
    page = client.get("/deadlines?when=later&scope=region&kind=task")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Far away" in html and "Backlog" not in html


def test_deadlines_page_filters(world, login_as):
    client = login_as(world["user"])
    page = client.get("/deadlines?when=overdue").get_data(as_text=True)
    assert "Late" in page and "Evening call" not in page
    fragment = client.htmx("GET", "/deadlines?kind=call&scope=region")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert "Night call" in html and "Late" not in html
    assert "HX-Request" in fragment.headers["Vary"]


def _feed(client, token):
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def test_calendar_feed_is_valid_and_stable(world, client):
    user = world["user"]
    first = _feed(client, user.calendar_token)
    second = _feed(client, user.calendar_token)
    events = first.walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids)) == len(deadlines(Scope(viewer=user, user=user)))
    assert uids == [str(event["UID"]) for event in second.walk("VEVENT")]
    summaries = " ".join(str(event["SUMMARY"]) for event in events)
    assert "Secret" not in summaries and "Not mine" not in summaries
    for event in events:
        assert "DTSTAMP" in event
    task_event = next(e for e in events if "Late" in str(e["SUMMARY"]))
    assert not hasattr(task_event["DTSTART"].dt, "hour")  # all-day
    call_event = next(e for e in events if "Evening call" in str(e["SUMMARY"]))
    assert call_event["DTSTART"].dt.hour in (21, 22, 23)


def test_calendar_feed_speaks_the_users_language(world, client):
    user = world["user"]
    dutch = _feed(client, user.calendar_token)
    assert str(dutch["X-WR-CALNAME"]).startswith("Midwest-deadlines: ")
    dutch_summaries = {str(e["SUMMARY"]) for e in dutch.walk("VEVENT")}
    user.language = "en"
    db.session.commit()
    english = _feed(client, user.calendar_token)
    english_summaries = {str(e["SUMMARY"]) for e in english.walk("VEVENT")}
    assert any(s.startswith("Task: ") for s in english_summaries)
    assert any(s.startswith("Taak: ") for s in dutch_summaries)
    assert str(english["X-WR-CALNAME"]).startswith("Midwest deadlines")


def test_replaced_token_stops_working(world, login_as):
    client = login_as(world["user"])
    old = world["user"].calendar_token
    assert client.form("/profile/calendar-token").status_code == 303
    db.session.refresh(world["user"])
    assert world["user"].calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert (
        client.get(f"/calendar/{world['user'].calendar_token}.ics").status_code == 200
    )
    assert world["user"].calendar_token in client.get("/profile").get_data(as_text=True)


def test_inactive_users_feed_is_gone(world, client):
    world["user"].active = False
    db.session.commit()
    assert (
        client.get(f"/calendar/{world['user'].calendar_token}.ics").status_code == 404
    )


def test_reminders_once_per_day_in_the_users_language(world, app, smtp_server):
    world["other"].language = "en"
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["send-reminders", "--days", "7", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would send to izegem@example.org" in dry.output
    assert smtp_server.messages == []
    result = runner.invoke(args=["send-reminders", "--days", "7"])
    assert result.exit_code == 0, result.output
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    assert set(by_recipient) >= {"izegem@example.org", "tielt@example.org"}
    dutch = by_recipient["izegem@example.org"]
    assert "te laat" in dutch["Subject"]
    text = dutch.get_body(("plain",)).get_content()
    html = dutch.get_body(("html",)).get_content()
    assert "Late" in text and "Late" in html and "Night call" not in text
    english = by_recipient["tielt@example.org"]
    assert (
        "overdue" in english["Subject"]
        and "Not mine" in english.get_body(("plain",)).get_content()
    )
    count = len(smtp_server.messages)
    again = runner.invoke(args=["send-reminders", "--days", "7"])
    assert again.exit_code == 0 and len(smtp_server.messages) == count
    assert "0 digest(s) sent" in again.output


def test_links_outside_the_page_come_from_base_url_not_the_host_header(
    world, app, login_as
):
    app.config["BASE_URL"] = "https://tracker.midwest.example/sub"
    forged = {"Host": "evil.example"}
    client = login_as(world["user"])
    # The browser of someone who reached the app under the forged name.
    session = client.get_cookie("session").value
    client.set_cookie("session", session, domain="evil.example")
    token = world["user"].calendar_token
    feed = client.get(f"/calendar/{token}.ics", headers=forged)
    assert feed.status_code == 200
    urls = [str(e["URL"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")]
    assert urls and all(
        url.startswith("https://tracker.midwest.example/sub/") for url in urls
    )
    assert "https://tracker.midwest.example/sub/groups/" in " ".join(urls)
    profile = client.get("/profile", headers=forged).get_data(as_text=True)
    assert f'value="https://tracker.midwest.example/sub/calendar/{token}.ics"' in (
        profile
    )
    assert "evil.example" not in profile and "evil.example" not in feed.text
