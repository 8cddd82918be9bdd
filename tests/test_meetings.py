"""Forum meetings (issue 28 item 1): the pack per reader, page and workbook;
minutes; an action point made a task; calendar feed and municipality page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting, MeetingNote
from app.subsidies.models import Application
from app.work.models import Rollout, Task, Theme, WorkingGroup
from tests.test_page_queries import MAX_STATEMENTS

COORDINATOR = "coordinator@midwest.example"
LEAD = "lead@midwest.example"
IZEGEM = "izegem@midwest.example"
STADEN = "staden@midwest.example"
VIEWER = "viewer@midwest.example"
#: A dossier of Roeselare with Izegem and Tielt as partners (confidential to them).
PRIVATE = "DIGI-2025-ROESELARE"


def _meeting(title_start: str) -> Meeting:
    return db.session.scalar(
        select(Meeting).where(Meeting.title.startswith(title_start))
    )


def _past() -> Meeting:
    return _meeting("Opvolging digitale regio")


def _next() -> Meeting:
    return _meeting("Volgend Midwest-overleg")


def _open_action() -> MeetingNote:
    return db.session.scalar(
        select(MeetingNote).where(
            MeetingNote.kind == "action", MeetingNote.task_id.is_(None)
        )
    )


def _sheet_values(workbook, title):
    return [list(row) for row in workbook[title].iter_rows(values_only=True)]


def _pack_xlsx(client, meeting):
    response = client.get(f"/meetings/{meeting.id}/pack.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def test_the_demo_has_a_past_meeting_with_minutes_and_a_next_one_with_an_agenda(
    demo_app,
):
    past, upcoming = _past(), _next()
    assert past.held_on < clock.today() < upcoming.held_on
    kinds = db.session.scalars(
        select(MeetingNote.kind).where(MeetingNote.meeting_id == past.id)
    ).all()
    assert sorted(kinds) == ["action", "action", "decision"]
    assert (
        db.session.scalar(
            select(func.count()).where(AgendaItem.meeting_id == upcoming.id)
        )
        == 4
    )


def test_the_pack_shows_the_open_action_points_and_the_agenda(demo_login):
    client = demo_login(COORDINATOR)
    page = client.get(f"/meetings/{_next().id}/pack")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bespreking ICT-roadmap 2027" in html
    assert "Visienota voorleggen aan elk college" in html  # a task, not done
    assert "Overzicht van licenties" in html  # no task yet
    assert "Trekker ICT klankbord" in html  # the owner of the task


@pytest.mark.parametrize(
    ("email", "sees_private", "sees_dossiers"),
    [
        (COORDINATOR, True, True),
        (IZEGEM, True, True),  # partner of the private dossier
        (STADEN, False, True),  # sees only its own dossiers
        (VIEWER, False, False),  # no dossier at all
    ],
)
def test_each_roles_pack_shows_only_the_dossiers_it_may_open(
    demo_login, email, sees_private, sees_dossiers
):
    client = demo_login(email)
    past = _past()
    private = db.session.scalar(
        select(Application).where(Application.reference == PRIVATE)
    )
    # The private dossier changes within the next meeting's window.
    private.title = "Digibank Midwest 2025-2026 (voorbeeld)"
    db.session.commit()
    for url in (f"/meetings/{past.id}", f"/meetings/{past.id}/pack",
                f"/meetings/{_next().id}/pack"):  # fmt: skip
        html = client.get(url).get_data(as_text=True)
        assert (PRIVATE in html or "Digibank Midwest 2025-2026" in html) is (
            sees_private
        ), url
    workbook = _pack_xlsx(client, _next())
    assert ("Dossiers" in workbook.sheetnames) is sees_dossiers
    cells = [
        str(value)
        for title in workbook.sheetnames
        for row in _sheet_values(workbook, title)
        for value in row
        if value is not None
    ]
    assert any("Digibank Midwest 2025-2026" in c for c in cells) is sees_private
    if not sees_dossiers:
        header = _sheet_values(workbook, "Per thema")[0]
        assert "Toegekend" not in header


def test_the_pack_workbook_cells(demo_login):
    client = demo_login(COORDINATOR)
    upcoming = _next()
    workbook = _pack_xlsx(client, upcoming)
    assert workbook.sheetnames == [
        "Samenvatting", "Agenda", "Per thema", "Taken", "Uitrol", "Dossiers",
        "Open actiepunten",
    ]  # fmt: skip
    summary = dict(_sheet_values(workbook, "Samenvatting")[1:])
    assert summary["Forum"] == "Midwest-overleg"
    assert summary["Datum"].date() == upcoming.held_on
    assert summary["Wijzigingen sinds"].date() == _past().held_on
    assert summary["Open actiepunten"] == 2
    agenda = _sheet_values(workbook, "Agenda")
    assert agenda[1] == [1, "Goedkeuring verslag vorige vergadering"]
    actions = _sheet_values(workbook, "Open actiepunten")
    assert actions[0] == ["Vergadering", "Actiepunt", "Uitvoerder", "Deadline"]
    owned = next(r for r in actions[1:] if r[1].startswith("Visienota"))
    assert owned[2] == "Trekker ICT klankbord"
    # The task's own due date (the seed's "in 14 days" counts from the day the
    # demo data was made, which may be yesterday by now).
    note = db.session.scalar(
        select(MeetingNote).where(MeetingNote.text.startswith("Visienota"))
    )
    assert owned[3].date() == db.session.get(Task, note.task_id).due_on
    per_theme = _sheet_values(workbook, "Per thema")
    header = per_theme[0]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in per_theme[1:]}
    # The figures are the database's count of the same tasks.
    done = db.session.scalar(
        select(func.count())
        .select_from(Task)
        .join(WorkingGroup)
        .where(
            Task.status == "done",
            WorkingGroup.name == "Werkgroep ICT klankbord",
            Task.application_id.is_(None),
        )
    )
    assert rows["ICT klankbord en strategie"]["Taken klaar"] == done
    moved = db.session.scalar(
        select(func.count())
        .select_from(Rollout)
        .join(Theme)
        .where(
            Theme.title == "ICT klankbord en strategie",
            Rollout.updated_at >= clock.brussels(_past().held_on),
        )
    )
    theme_row = rows["ICT klankbord en strategie"]
    assert theme_row["Gemeenten met een bijgewerkte uitrol"] == moved > 0
    assert workbook["Per thema"].freeze_panes == "A2"


def test_a_coordinator_records_minutes_and_makes_an_action_point_a_task(demo_login):
    client = demo_login(COORDINATOR)
    past = _past()
    client.fetch_csrf(f"/meetings/{past.id}")
    response = client.post(
        f"/meetings/{past.id}/notes",
        data={"kind": "action", "text": "Datum werkbezoek vastleggen", "theme_id": "",
              "csrf_token": client.csrf_token},
    )  # fmt: skip
    assert response.status_code == 303
    note = db.session.scalar(
        select(MeetingNote).where(MeetingNote.text == "Datum werkbezoek vastleggen")
    )
    group = db.session.scalar(
        select(WorkingGroup).where(WorkingGroup.name == "Werkgroep vendormanagement")
    )
    lead = client.user  # the coordinator gives it to themself
    url = f"/meetings/{past.id}/actions/{note.id}/task"
    assert client.get(url).status_code == 200
    due = clock.today() + timedelta(days=10)
    response = client.post(
        url,
        data={"title": "Werkbezoek plannen", "group_id": str(group.id),
              "assignee_id": str(lead.id), "due_on": due.isoformat(),
              "csrf_token": client.csrf_token},
    )  # fmt: skip
    assert response.status_code == 303
    db.session.expire_all()
    note = db.session.get(MeetingNote, note.id)
    assert note.task.title == "Werkbezoek plannen"
    assert note.task.group_id == group.id
    assert note.task.assignee_id == lead.id
    assert note.task.due_on == due
    assert "Midwest-overleg" in note.task.description
    html = client.get(f"/meetings/{past.id}").get_data(as_text=True)
    assert f'href="/tasks/{note.task_id}">Werkbezoek plannen</a>' in html
    # Sent twice (a double click, a second tab): no second task.
    tasks = db.session.scalar(select(func.count()).select_from(Task))
    again = client.post(
        url,
        data={"title": "Nog eens", "group_id": str(group.id),
              "assignee_id": str(lead.id), "due_on": due.isoformat(),
              "csrf_token": client.csrf_token},
    )  # fmt: skip
    assert again.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Task)) == tasks
    # The task links back to its meeting.
    task_page = client.get(f"/tasks/{note.task_id}").get_data(as_text=True)
    assert "Actiepunt van de vergadering" in task_page
    assert f'href="/meetings/{past.id}"' in task_page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_on": "31/02/2027"}, "Vul een datum in zoals 28/11/2026."),
        ({"assignee_id": ""}, "Kies een uitvoerder."),
        ({"title": ""}, "Vul een titel in."),
    ],
)
def test_a_bad_action_task_form_says_why_and_changes_nothing(demo_login, data, message):
    client = demo_login(COORDINATOR)
    note = _open_action()
    group = db.session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    url = f"/meetings/{note.meeting_id}/actions/{note.id}/task"
    client.fetch_csrf(url)
    tasks = db.session.scalar(select(func.count()).select_from(Task))
    form = {"title": "T", "group_id": str(group.id), "assignee_id": str(client.user.id),
            "due_on": "2027-01-04", "csrf_token": client.csrf_token} | data  # fmt: skip
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Task)) == tasks
    assert db.session.get(MeetingNote, note.id).task_id is None


@pytest.mark.parametrize("email", [LEAD, IZEGEM, VIEWER])
def test_only_the_coordinator_records_minutes_or_makes_tasks(demo_login, email):
    client = demo_login(email)
    note = _open_action()
    client.fetch_csrf(f"/meetings/{note.meeting_id}")
    html = client.get(f"/meetings/{note.meeting_id}").get_data(as_text=True)
    assert "Maak er een taak van" not in html
    notes = db.session.scalar(select(func.count()).select_from(MeetingNote))
    for url, data in [
        (f"/meetings/{note.meeting_id}/notes", {"kind": "decision", "text": "X"}),
        (f"/meetings/{note.meeting_id}/actions/{note.id}/task", {"title": "X"}),
        (f"/meetings/{note.meeting_id}/agenda", {"title": "X"}),
        ("/meetings", {"forum_id": "1", "held_on": "2027-01-04"}),
    ]:
        response = client.post(url, data=data | {"csrf_token": client.csrf_token})
        assert response.status_code == 403, url
    assert db.session.scalar(select(func.count()).select_from(MeetingNote)) == notes


def test_a_coordinator_plans_a_meeting_and_its_agenda(demo_login):
    client = demo_login(COORDINATOR)
    client.fetch_csrf("/meetings")
    forum_id = _past().forum_id
    bad = client.post(
        "/meetings",
        data={"forum_id": str(forum_id), "held_on": "morgen",
              "csrf_token": client.csrf_token},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "Vul een datum in zoals 28/11/2026." in bad.get_data(as_text=True)
    response = client.post(
        "/meetings",
        data={"forum_id": str(forum_id), "held_on": "2027-06-14",
              "title": "Extra overleg", "csrf_token": client.csrf_token},
    )  # fmt: skip
    assert response.status_code == 303
    meeting = _meeting("Extra overleg")
    unknown = client.post(
        f"/meetings/{meeting.id}/agenda",
        data={"title": "Dossier", "reference": "NOPE", "csrf_token": client.csrf_token},
    )
    assert unknown.status_code == 422
    assert "Geen dossier heeft deze referentie." in unknown.get_data(as_text=True)
    ok = client.post(
        f"/meetings/{meeting.id}/agenda",
        data={"title": "Digibank", "reference": PRIVATE,
              "csrf_token": client.csrf_token},
    )  # fmt: skip
    assert ok.status_code == 303
    item = db.session.scalar(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
    )
    assert item.application.reference == PRIVATE


def test_meetings_are_in_the_calendar_feed_of_the_forums_members(demo_login):
    from app.auth.service import find_user

    upcoming = _next()
    viewer = find_user(VIEWER)
    feed = demo_login(VIEWER).get(f"/calendar/{viewer.calendar_token}.ics")
    text = feed.get_data(as_text=True)
    assert f"meeting-{upcoming.id}@midwest-tracker" in text
    assert "Midwest-overleg" in text
    # Ruiselede merged into Wingene: its person is no member of the forum.
    ruiselede = find_user("ruiselede@midwest.example")
    other = demo_login(COORDINATOR).get(f"/calendar/{ruiselede.calendar_token}.ics")
    assert f"meeting-{upcoming.id}@midwest-tracker" not in other.get_data(as_text=True)


def test_meetings_are_on_the_municipality_pages(demo_login):
    client = demo_login(VIEWER)
    upcoming = _next()
    html = client.get("/municipalities/izegem").get_data(as_text=True)
    assert f"/meetings/{upcoming.id}" in html
    merged = client.get("/municipalities/ruiselede").get_data(as_text=True)
    assert f"/meetings/{upcoming.id}" not in merged


def test_the_pack_runs_as_many_statements_with_more_data(demo_login, page_queries):
    """The per-theme changes are counted by the database: more tasks, dossiers,
    payments and rollout moves in the window add no statement."""
    from tests import factories

    client = demo_login(COORDINATOR)
    urls = [f"/meetings/{_next().id}/pack", f"/meetings/{_past().id}"]
    page_queries(client, urls[0])  # warm-up, as the benchmark counts
    before = {url: len(page_queries(client, url)) for url in urls}
    group = db.session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    for n in range(30):
        factories.task(group, title=f"Extra {n}", status="done", progress=100)
        factories.task(group, title=f"Late {n}", due_on=clock.today() - timedelta(3))
        dossier = factories.application(theme_id=group.theme_id)
        factories.payment(dossier, "100", paid_on=clock.today())
    db.session.commit()
    after = {url: len(page_queries(client, url)) for url in urls}
    assert before == after
    assert max(after.values()) <= MAX_STATEMENTS, after


def test_an_action_point_becomes_one_task_when_two_send_the_form_at_once(demo_app):
    """The second of two requests that both saw the action point without a task
    (both passed the view's check) creates nothing and leaves the first task."""
    from app.auth.service import find_user
    from app.meetings.meetings import turn_into_task

    note = _open_action()
    group = db.session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    coordinator = find_user(COORDINATOR)
    values = {"title": "Eerste", "assignee_id": coordinator.id,
              "due_on": clock.today()}  # fmt: skip
    first = turn_into_task(note, group, values, coordinator)
    tasks = db.session.scalar(select(func.count()).select_from(Task))
    second = turn_into_task(note, group, values | {"title": "Tweede"}, coordinator)
    assert first is not None and second is None
    assert db.session.scalar(select(func.count()).select_from(Task)) == tasks
    db.session.expire_all()
    assert db.session.get(MeetingNote, note.id).task.title == "Eerste"


def test_a_long_rollout_list_is_bounded_but_its_count_is_whole(demo_login):
    from app.meetings.pack import LIST_LIMIT
    from tests import factories

    theme = db.session.scalar(
        select(Theme).where(Theme.title == "ICT klankbord en strategie")
    )
    for n in range(LIST_LIMIT):
        factories.rollout(theme, factories.municipality(f"Extra {n:02d}"))
    db.session.commit()
    total = db.session.scalar(
        select(func.count()).select_from(Rollout).where(Rollout.theme_id == theme.id)
    )
    workbook = _pack_xlsx(demo_login(COORDINATOR), _next())
    per_theme = _sheet_values(workbook, "Per thema")
    row = next(r for r in per_theme if r[0] == theme.title)
    assert row[per_theme[0].index("Gemeenten met een bijgewerkte uitrol")] == total
    listed = [r for r in _sheet_values(workbook, "Uitrol")[1:] if r[0] == theme.title]
    assert len(listed) == LIST_LIMIT < total


def test_an_action_point_made_a_task_tells_its_assignee(demo_app):
    """As a task created on its group's page: the assignee gets "task_assigned"."""
    from app.auth.service import find_user
    from app.meetings.meetings import turn_into_task
    from app.notifications.models import Notification

    note = _open_action()
    group = db.session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    coordinator, lead = find_user(COORDINATOR), find_user(LEAD)
    values = {"title": "Werkbezoek plannen", "assignee_id": lead.id,
              "due_on": clock.today()}  # fmt: skip
    task = turn_into_task(note, group, values, coordinator)
    events = db.session.execute(
        select(Notification.user_id, Notification.kind).where(
            Notification.object_type == "task", Notification.object_id == task.id
        )
    ).all()
    assert events == [(lead.id, "task_assigned")]
