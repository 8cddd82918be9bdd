"""Issue 26: events reach the people concerned who may see the object, through
the channel each one chose; following; the inbox and the bell; reminders to
municipalities that have not answered."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app import clock, signals
from app.extensions import db
from app.notifications.events import set_following
from app.notifications.inbox import (
    lead_times,
    obligation_events,
    preferences,
    save_preferences,
    unread_count,
)
from app.notifications.kinds import KINDS
from app.notifications.models import Notification, NotificationPreference, SentReminder
from app.strategy import rounds
from app.subsidies import dossiers
from app.subsidies.models import ApplicationPartner, ReportingObligation
from tests import factories
from tests.conftest import queries


def _kinds(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def _task_form(task, **values) -> dict:
    data = {
        "title": task.title,
        "status": task.status,
        "progress": str(task.progress),
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "assignee_id": str(task.assignee_id or ""),
        "municipality_id": str(task.municipality_id or ""),
        "version": str(task.version),
    }
    return data | {k: str(v) for k, v in values.items()}


@pytest.fixture
def world(app):
    """A dossier of Izegem with Tielt as partner, owned by a coordinator; people
    of Izegem, Tielt and uninvolved Lichtervelde; a viewer; a group with a lead."""
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    lichtervelde = factories.municipality("Lichtervelde")
    people = {
        "coordinator": factories.user("coordinator", full_name="Cora Coordinator"),
        "owner": factories.user("coordinator", full_name="Otto Owner"),
        "izegem": factories.user("municipality", izegem, full_name="Iza Izegem"),
        "tielt": factories.user(
            "municipality", tielt, full_name="Tom Tielt", language="en"
        ),
        "lichtervelde": factories.user("municipality", lichtervelde),
        "lead": factories.user("lead", izegem, full_name="Lea Lead"),
        "viewer": factories.user("viewer"),
    }
    theme = factories.theme(title="Digital counter")
    group = factories.group(theme, leads=[people["lead"]], name="Counter group")
    dossier = factories.application(
        lead=izegem, partners=[tielt], title="Counter dossier"
    )
    dossier.owner_id = people["owner"].id
    task = factories.task(group, title="Write the plan")
    db.session.commit()
    return SimpleNamespace(
        izegem=izegem,
        tielt=tielt,
        lichtervelde=lichtervelde,
        people=people,
        group=group,
        theme=theme,
        dossier=dossier,
        task=task,
    )


# --- tasks ------------------------------------------------------------------------


def test_a_task_assigned_reaches_the_assignee_only_and_the_bell_shows_it(
    login_as, world, client
):
    people = world.people
    coordinator = login_as(people["coordinator"])
    answer = coordinator.form(
        f"/tasks/{world.task.id}",
        _task_form(world.task, assignee_id=people["izegem"].id),
    )
    assert answer.status_code in (200, 303)
    assert _kinds(people["izegem"]) == ["task_assigned"]
    for name in ("coordinator", "tielt", "lichtervelde", "viewer", "owner"):
        assert _kinds(people[name]) == [], name
    login_as(people["izegem"])
    bell = client.get("/notifications/bell", headers={"HX-Request": "true"})
    assert "<html" not in bell.text
    assert '<span class="badge danger" aria-hidden="true">1</span>' in bell.text
    inbox = client.get("/notifications").text
    assert f'href="/tasks/{world.task.id}"' in inbox
    assert "Write the plan" in inbox


def test_a_due_date_change_reaches_the_assignee_and_a_status_change_the_lead(
    login_as, world
):
    people = world.people
    world.task.assignee_id = people["izegem"].id
    db.session.commit()
    coordinator = login_as(people["coordinator"])
    coordinator.form(
        f"/tasks/{world.task.id}",
        _task_form(world.task, due_on=(clock.today() + timedelta(days=9)).isoformat()),
    )
    assert _kinds(people["izegem"]) == ["task_due"]
    assignee = login_as(people["izegem"])
    db.session.refresh(world.task)
    assignee.form(
        f"/tasks/{world.task.id}",
        {
            "status": "in_progress",
            "progress": "20",
            "version": str(world.task.version),
        },
    )
    assert _kinds(people["lead"]) == ["task_status"]  # leads the task's group
    assert _kinds(people["izegem"]) == ["task_due"]  # not for what one did oneself
    assert _kinds(people["viewer"]) == []


def test_a_preparation_task_event_reaches_nobody_who_cannot_open_its_dossier(
    world,
):
    people = world.people
    lead_of_other = factories.user("lead", world.lichtervelde)
    world.group.leads.append(lead_of_other)
    world.task.application_id = world.dossier.id
    set_following(people["viewer"], "task", world.task, True)
    db.session.flush()
    signals.task_saved.send(
        world.task,
        changes={"status": ["todo", "done"]},
        created=False,
        actor=people["coordinator"],
    )
    db.session.commit()
    assert _kinds(people["lead"]) == ["task_status"]  # Izegem: may open it
    assert _kinds(lead_of_other) == []  # Lichtervelde's lead: may not
    assert _kinds(people["viewer"]) == []


# --- dossiers ---------------------------------------------------------------------


def _move(world, target="preparing"):
    errors = dossiers.move(
        world.dossier, target, {}, False, world.people["coordinator"]
    )
    assert errors == {}
    db.session.commit()


def test_a_dossier_status_reaches_lead_partner_and_owner_not_others(world):
    _move(world)
    people = world.people
    for name in ("izegem", "lead", "tielt", "owner"):
        assert _kinds(people[name]) == ["dossier_status"], name
    for name in ("coordinator", "lichtervelde", "viewer"):
        assert _kinds(people[name]) == [], name


def test_a_removed_partner_gets_no_more_dossier_events(world):
    partner = db.session.scalar(
        select(ApplicationPartner).where(
            ApplicationPartner.municipality_id == world.tielt.id
        )
    )
    dossiers.remove_partner(world.dossier, partner, world.people["coordinator"])
    db.session.commit()
    # Even following it by choice: they may no longer open it.
    set_following(world.people["tielt"], "application", world.dossier, True)
    _move(world)
    assert _kinds(world.people["tielt"]) == []
    assert _kinds(world.people["izegem"]) == ["dossier_status"]


def test_following_and_unfollowing_decide_who_gets_change_events(login_as, world):
    people = world.people
    coordinator = login_as(people["coordinator"])
    answer = coordinator.form(
        f"/applications/{world.dossier.id}/follow", {"following": "1"}
    )
    assert answer.status_code == 303
    izegem = login_as(people["izegem"])
    answer = izegem.form(
        f"/applications/{world.dossier.id}/follow", {"following": "0"}, htmx=True
    )
    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert 'name="following" value="1"' in answer.text  # the button says Follow now
    _move(world)
    assert _kinds(people["coordinator"]) == []  # the actor never
    assert _kinds(people["izegem"]) == []  # unfollowed
    assert _kinds(people["lead"]) == ["dossier_status"]
    # The coordinator follows it: an event by someone else reaches them.
    dossiers.move(
        world.dossier,
        "submitted",
        {"submitted_on": clock.today()},
        False,
        people["owner"],
    )
    db.session.commit()
    assert _kinds(people["coordinator"]) == ["dossier_status"]


def test_nobody_may_follow_a_dossier_they_cannot_open(login_as, world):
    outsider = login_as(world.people["lichtervelde"])
    answer = outsider.form(
        f"/applications/{world.dossier.id}/follow", {"following": "1"}
    )
    assert answer.status_code == 404
    viewer = login_as(world.people["viewer"])
    assert (
        viewer.form(
            f"/applications/{world.dossier.id}/follow", {"following": "1"}
        ).status_code
        == 403
    )
    assert (
        db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
    )


def test_a_payment_reaches_the_dossiers_followers(world):
    _move(world, "preparing")
    dossiers.move(
        world.dossier,
        "submitted",
        {"submitted_on": clock.today()},
        False,
        world.people["coordinator"],
    )
    dossiers.move(
        world.dossier,
        "granted",
        {"decided_on": clock.today(), "granted_amount": world.dossier.requested_amount},
        False,
        world.people["coordinator"],
    )
    db.session.commit()
    errors = dossiers.add_payment(
        world.dossier,
        {
            "paid_on": clock.today(),
            "amount": world.dossier.requested_amount / 2,
            "kind": "advance",
        },
        world.people["coordinator"],
    )
    assert errors == {}
    db.session.commit()
    assert _kinds(world.people["tielt"])[-1] == "dossier_payment"
    assert "dossier_payment" not in _kinds(world.people["lichtervelde"])


def test_a_document_reaches_the_dossiers_followers_by_name(world):
    from app.documents.documents import add_document

    add_document(
        world.dossier,
        b"%PDF-1.4 plan",
        "plan.pdf",
        "annex",
        None,
        False,
        world.people["coordinator"],
    )
    for name in ("izegem", "tielt", "owner"):
        assert _kinds(world.people[name]) == ["dossier_document"], name
    assert _kinds(world.people["lichtervelde"]) == []
    assert _kinds(world.people["viewer"]) == []
    detail = db.session.scalar(
        select(Notification.detail).where(
            Notification.user_id == world.people["izegem"].id
        )
    )
    assert detail == "plan.pdf"


# --- comments (N2's signal) -------------------------------------------------------


def test_a_comment_reaches_followers_and_mentions_the_mentioned_once(world):
    people = world.people
    comment = SimpleNamespace(id=41, author=people["owner"])
    signals.comment_posted.send(
        comment, target=world.dossier, mentioned=[people["tielt"]], edited=False
    )
    db.session.commit()
    assert _kinds(people["tielt"]) == ["mentioned"]  # not also "comment"
    assert _kinds(people["izegem"]) == ["comment"]
    assert _kinds(people["owner"]) == []  # the author
    assert _kinds(people["lichtervelde"]) == []
    # Edited: the mentioned are not told again, the followers not at all.
    signals.comment_posted.send(
        comment, target=world.dossier, mentioned=[people["tielt"]], edited=True
    )
    db.session.commit()
    assert _kinds(people["tielt"]) == ["mentioned"]
    assert _kinds(people["izegem"]) == ["comment"]


def test_a_mention_of_someone_who_cannot_see_the_dossier_reaches_nobody(world):
    comment = SimpleNamespace(id=42, author=world.people["owner"])
    signals.comment_posted.send(
        comment,
        target=world.dossier,
        mentioned=[world.people["lichtervelde"], world.people["viewer"]],
        edited=False,
    )
    db.session.commit()
    assert _kinds(world.people["lichtervelde"]) == []
    assert _kinds(world.people["viewer"]) == []


def test_the_author_of_a_comment_follows_the_thread_from_then_on(world):
    thread = factories.thread()
    viewer = world.people["viewer"]
    signals.comment_posted.send(
        SimpleNamespace(id=43, author=viewer), target=thread, mentioned=[]
    )
    signals.comment_posted.send(
        SimpleNamespace(id=44, author=world.people["izegem"]),
        target=thread,
        mentioned=[],
    )
    db.session.commit()
    assert _kinds(viewer) == ["comment"]


# --- rounds and calls ---------------------------------------------------------------


def test_a_round_that_opens_reaches_the_municipalities_not_the_viewer(world):
    scoring_round = factories.scoring_round([factories.thread()], status="draft")
    db.session.commit()
    assert rounds.change_status(scoring_round, "open", world.people["coordinator"])
    db.session.commit()
    for name in ("izegem", "tielt", "lichtervelde", "lead"):
        assert _kinds(world.people[name]) == ["round_open"], name
    for name in ("coordinator", "owner", "viewer"):
        assert _kinds(world.people[name]) == [], name


def _call_form(world, opened_days_ago: int, deadline_in_days: int) -> dict:
    now = clock.now_utc()
    return {
        "title": "Fitting call",
        "funder": "Vlaanderen",
        "opens_at": (now - timedelta(days=opened_days_ago)).strftime("%Y-%m-%dT%H:%M"),
        "deadline_at": (now + timedelta(days=deadline_in_days)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "min_partners": "0",
        "themes": str(world.theme.id),
    }


def test_a_new_call_reaches_the_municipalities_it_fits(login_as, world):
    factories.rollout(world.theme, world.izegem, stage="exploring")
    db.session.commit()
    coordinator = login_as(world.people["coordinator"])
    answer = coordinator.form("/calls/new", _call_form(world, 1, 40))
    assert answer.status_code == 303, answer.text[:2000]
    assert _kinds(world.people["izegem"]) == ["call_fits"]
    assert _kinds(world.people["lead"]) == ["call_fits"]
    assert _kinds(world.people["lichtervelde"]) == []
    assert _kinds(world.people["viewer"]) == []


def test_a_reopened_call_is_announced_again_an_edit_alone_is_not(login_as, world):
    from app.subsidies.models import SubsidyCall

    factories.rollout(world.theme, world.izegem, stage="exploring")
    db.session.commit()
    coordinator = login_as(world.people["coordinator"])
    coordinator.form("/calls/new", _call_form(world, 60, -2))  # already closed
    assert _kinds(world.people["izegem"]) == []
    call_id = db.session.scalar(
        select(SubsidyCall.id).where(SubsidyCall.title == "Fitting call")
    )
    answer = coordinator.form(f"/calls/{call_id}/edit", _call_form(world, 60, 20))
    assert answer.status_code == 303, answer.text[:2000]
    assert _kinds(world.people["izegem"]) == ["call_fits"]
    coordinator.form(
        f"/calls/{call_id}/edit", _call_form(world, 60, 20) | {"funder": "VLAIO"}
    )
    assert _kinds(world.people["izegem"]) == ["call_fits"]


def test_reminders_go_once_a_day_to_municipalities_without_a_complete_ballot(
    login_as, world
):
    thread = factories.thread()
    scoring_round = factories.scoring_round([thread], status="open")
    factories.score(scoring_round, thread, world.izegem, 8)
    db.session.commit()
    coordinator = login_as(world.people["coordinator"])
    answer = coordinator.form(f"/rounds/{scoring_round.id}/remind")
    assert answer.status_code == 303
    assert _kinds(world.people["tielt"]) == ["round_reminder"]
    assert _kinds(world.people["lichtervelde"]) == ["round_reminder"]
    assert _kinds(world.people["izegem"]) == []  # answered every thread
    records = db.session.scalars(select(SentReminder)).all()
    assert {r.municipality_id for r in records} == {
        world.tielt.id,
        world.lichtervelde.id,
    }
    assert {r.sender_id for r in records} == {world.people["coordinator"].id}
    coordinator.form(f"/rounds/{scoring_round.id}/remind")
    page = coordinator.get(f"/rounds/{scoring_round.id}")
    assert "Al vandaag herinnerd" in page.text
    shown = page.text.split('class="reminders-sent"')[1].split("</details>")[0]
    assert "Herinneringen verstuurd" in shown
    assert "Tielt (door Cora Coordinator), 1 persoon" in shown
    assert _kinds(world.people["tielt"]) == ["round_reminder"]  # not twice a day
    municipality = login_as(world.people["tielt"])
    assert municipality.form(f"/rounds/{scoring_round.id}/remind").status_code == 403


def test_remind_the_municipalities_that_have_not_applied_for_a_call(login_as, world):
    factories.rollout(world.theme, world.lichtervelde, stage="exploring")
    call = factories.call(title="Open call")
    call.themes = [world.theme]
    db.session.commit()
    coordinator = login_as(world.people["coordinator"])
    assert coordinator.form(f"/calls/{call.id}/remind").status_code == 303
    assert _kinds(world.people["lichtervelde"]) == ["call_reminder"]
    assert _kinds(world.people["izegem"]) == []
    coordinator.form(f"/calls/{call.id}/remind")
    assert _kinds(world.people["lichtervelde"]) == ["call_reminder"]


# --- preferences -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "stored"),
    [("inbox", "inbox"), ("mail", "mail"), ("digest", "digest"), ("off", None)],
)
def test_each_preference_decides_the_channel(world, channel, stored):
    save_preferences(world.people["izegem"], {"dossier_status": channel}, {})
    _move(world)
    rows = db.session.scalars(
        select(Notification.channel).where(
            Notification.user_id == world.people["izegem"].id
        )
    ).all()
    assert rows == ([stored] if stored else [])


def test_the_settings_page_saves_and_refuses_bad_lead_times(login_as, world):
    client = login_as(world.people["izegem"])
    page = client.get("/profile/notifications")
    assert page.status_code == 200
    data = {f"channel_{kind}": "inbox" for kind in KINDS} | {
        "channel_mentioned": "off",
        "lead_call": "21",
        "lead_task": "3",
        "lead_application": "14",
        "lead_obligation": "7",
    }
    bad = client.form("/profile/notifications", data | {"lead_task": "abc"})
    assert bad.status_code == 422
    assert "Geef een aantal dagen" in bad.text
    assert (
        db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
    )
    good = client.form("/profile/notifications", data)
    assert good.status_code == 303
    assert preferences(world.people["izegem"])["mentioned"] == "off"
    assert lead_times(world.people["izegem"])["task"] == 3


def test_the_personal_lead_time_replaces_the_global_days(world):
    from app.deadlines.reminders import digests
    from app.notifications.models import LeadTime

    person = world.people["izegem"]
    factories.task(
        world.group,
        title="In ten days",
        assignee_id=person.id,
        due_on=clock.today() + timedelta(days=10),
    )
    db.session.commit()
    mine = [d for d in digests() if d.user.id == person.id]
    assert mine == []  # tasks: 7 days by default
    db.session.add(LeadTime(user_id=person.id, kind="task", days=14))
    db.session.commit()
    mine = [d for d in digests() if d.user.id == person.id]
    assert [i.title for i in mine[0].items] == ["In ten days"]


def test_a_reporting_obligation_is_announced_once_when_due_and_once_overdue(world):
    owner = world.people["owner"]
    obligation = ReportingObligation(
        application_id=world.dossier.id,
        title="Interim report",
        kind="interim",
        due_on=clock.today() + timedelta(days=5),
        status="open",
        owner_id=owner.id,
    )
    db.session.add(obligation)
    db.session.commit()
    obligation_events()
    obligation_events()
    assert _kinds(owner) == ["obligation_due"]
    obligation.due_on = clock.today() - timedelta(days=1)
    db.session.commit()
    obligation_events()
    assert _kinds(owner) == ["obligation_due", "obligation_due"]
    assert _kinds(world.people["izegem"]) == []


# --- inbox and bell -------------------------------------------------------------------


def test_the_inbox_filters_and_marks_read(login_as, world):
    _move(world)
    comment = SimpleNamespace(id=45, author=world.people["owner"])
    signals.comment_posted.send(comment, target=world.dossier, mentioned=[])
    db.session.commit()
    person = world.people["izegem"]
    client = login_as(person)
    page = client.get("/notifications?kind=comment").text
    assert "reageerde op" in page
    assert "Counter dossier" in page
    assert "is nu" not in page  # the status event is filtered out
    first = db.session.scalar(
        select(Notification.id).where(Notification.user_id == person.id)
    )
    answer = client.form(f"/notifications/{first}/read", htmx=True)
    assert answer.status_code == 200
    assert answer.headers["HX-Trigger"] == "notifications-changed"
    assert unread_count(person) == 1
    unread = client.get("/notifications?unread=1").text
    assert f'id="notification-{first}"' not in unread
    assert unread.count('class="notification unread"') == 1
    client.form("/notifications/read")
    assert unread_count(person) == 0


def test_nobody_marks_someone_elses_notification_read(login_as, world):
    _move(world)
    theirs = db.session.scalar(
        select(Notification).where(Notification.user_id == world.people["tielt"].id)
    )
    client = login_as(world.people["izegem"])
    client.form(f"/notifications/{theirs.id}/read")
    assert client.form(f"/notifications/{theirs.id}/read", htmx=True).status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_the_bell_costs_one_query_besides_the_user(login_as, world):
    _move(world)
    client = login_as(world.people["izegem"])
    client.get("/notifications/bell", headers={"HX-Request": "true"})
    with queries() as log:
        answer = client.get("/notifications/bell", headers={"HX-Request": "true"})
    assert ">1<" in answer.text
    counts = [s for s in log.statements if "FROM notification" in s]
    assert len(counts) == 1
    assert "count(" in counts[0].lower()


def test_the_bells_polling_does_not_keep_a_session_alive(login_as, world, app):
    client = login_as(world.people["izegem"])
    client.get("/")
    with client.session_transaction() as session:
        session["seen"] -= app.config["IDLE_TIMEOUT"].total_seconds() - 5
        seen = session["seen"]
    client.get("/notifications/bell", headers={"HX-Request": "true"})
    with client.session_transaction() as session:
        assert session["seen"] == seen


def test_the_inbox_reads_in_each_persons_language(login_as, world):
    _move(world)
    english = login_as(world.people["tielt"]).get("/notifications").text
    assert "Dossier “Counter dossier” is now: In preparation" in english
    dutch = login_as(world.people["izegem"]).get("/notifications").text
    assert "Dossier “Counter dossier” is nu: In voorbereiding" in dutch


def test_a_comment_that_names_its_author_by_id_skips_the_author(world):
    owner = world.people["owner"]
    signals.comment_posted.send(
        SimpleNamespace(id=46, author=None, author_id=owner.id),
        target=world.dossier,
        mentioned=[],
    )
    db.session.commit()
    assert _kinds(owner) == []
    assert _kinds(world.people["izegem"]) == ["comment"]


def test_a_removed_partner_no_longer_reads_earlier_events_of_the_dossier(
    login_as, world
):
    _move(world)
    tielt = world.people["tielt"]
    assert unread_count(tielt) == 1
    partner = world.dossier.partners[0]
    dossiers.remove_partner(world.dossier, partner, world.people["coordinator"])
    db.session.commit()
    assert unread_count(tielt) == 0
    page = login_as(tielt).get("/notifications").text
    assert "Counter dossier" not in page
    assert unread_count(world.people["izegem"]) == 1


def test_the_inbox_costs_the_same_statements_for_3_or_30_events(login_as, world):
    person = world.people["izegem"]
    client = login_as(person)

    def events(count: int) -> None:
        for n in range(count):
            actor = factories.user("coordinator", full_name=f"Actor {n}")
            signals.comment_posted.send(
                SimpleNamespace(id=1000 + n, author=actor),
                target=world.dossier,
                mentioned=[],
            )
        db.session.commit()

    events(3)
    client.get("/notifications")
    with queries() as small:
        client.get("/notifications")
    events(27)
    with queries() as large:
        page = client.get("/notifications").text
    assert page.count('class="notification unread"') == 30
    assert len(large) == len(small)
    assert large.lazy_loads == []
