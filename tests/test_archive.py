"""Archive, restore and delete over HTTP: who may, what an archived row leaves
(lists, pickers, search, deadlines, feeds, digests, figures) and the activity log."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.activity.models import Activity
from app.deadlines.reminders import digests
from app.extensions import db
from app.readmodel import current_generation
from app.subsidies.models import SubsidyCall
from tests import factories

DENIED_ROLES = ("lead", "municipality", "viewer")


@pytest.fixture
def world(app):
    home = factories.municipality("Izegem")
    people = {
        "coordinator": factories.user("coordinator", full_name="Cora Coordinator"),
        "lead": factories.user("lead", home),
        "municipality": factories.user("municipality", home),
        "viewer": factories.user("viewer"),
    }
    soon = datetime.now(UTC) + timedelta(days=3)
    call = factories.call(title="Smart lighting call", deadline_at=soon)
    db.session.commit()
    return {"home": home, "people": people, "call": call}


def _archived_at(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id).archived_at


def _entries(action: str, entity_type: str, entity_id: int) -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity).where(
                Activity.action == action,
                Activity.entity_type == entity_type,
                Activity.entity_id == entity_id,
            )
        )
    )


@pytest.mark.parametrize("role", DENIED_ROLES)
@pytest.mark.parametrize("action", ["archive", "restore", "delete"])
def test_only_the_coordinator_archives_restores_or_deletes(
    world, login_as, role, action
):
    call = world["call"]
    client = login_as(world["people"][role])
    response = client.form(f"/calls/{call.id}/{action}")
    assert response.status_code == 403
    assert _archived_at(SubsidyCall, call.id) is None
    assert db.session.get(SubsidyCall, call.id) is not None
    assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_anonymous_is_sent_to_sign_in(world, client):
    client.fetch_csrf("/login")
    response = client.form(f"/calls/{world['call'].id}/archive")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert _archived_at(SubsidyCall, world["call"].id) is None


def test_an_archived_call_leaves_lists_pickers_search_and_deadlines(world, login_as):
    call = world["call"]
    coordinator = world["people"]["coordinator"]
    client = login_as(coordinator)
    for url in (
        "/calls",
        "/deadlines",
        "/choices/call?call_search=lighting",
        "/search?q=lighting",
    ):
        assert "Smart lighting call" in client.get(url).get_data(as_text=True), url
    assert any(d.title == call.title for d in _digest_items(coordinator))
    generation = current_generation()

    response = client.form(f"/calls/{call.id}/archive")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/calls/{call.id}"
    assert current_generation() > generation  # the read model sees the change
    assert _archived_at(SubsidyCall, call.id) is not None
    for url in (
        "/calls",
        "/deadlines",
        "/choices/call?call_search=lighting",
        "/search?q=lighting",
    ):
        assert "Smart lighting call" not in client.get(url).get_data(as_text=True), url
    assert not any(d.title == call.title for d in _digest_items(coordinator))
    assert call.title not in _feed_text(client, coordinator)
    form = client.get("/applications/new").get_data(as_text=True)
    assert "Smart lighting call" not in form
    archived = client.get("/calls?archived=1").get_data(as_text=True)
    assert "Smart lighting call" in archived
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert 'id="archived-notice"' in page and "Cora Coordinator" in page
    assert "Restore" in page or "Herstel" in page

    assert client.form(f"/calls/{call.id}/restore").status_code == 303
    assert _archived_at(SubsidyCall, call.id) is None
    assert "Smart lighting call" in client.get("/calls").get_data(as_text=True)
    assert "Smart lighting call" in client.get("/deadlines").get_data(as_text=True)
    assert len(_entries("archive", "subsidy_call", call.id)) == 1
    assert len(_entries("restore", "subsidy_call", call.id)) == 1


def test_archive_entries_are_read_by_the_regional_audience(world, login_as):
    call = world["call"]
    login_as(world["people"]["coordinator"]).form(f"/calls/{call.id}/archive")
    entry = _entries("archive", "subsidy_call", call.id)[0]
    assert entry.audience == "regional"
    client = login_as(world["people"]["municipality"])
    page = client.get("/activity").get_data(as_text=True)
    assert "Smart lighting call" in page
    assert "gearchiveerd" in page or "archived" in page


def test_a_call_without_dossiers_is_deleted_for_real(world, login_as):
    call_id = world["call"].id
    client = login_as(world["people"]["coordinator"])
    page = client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert f"/calls/{call_id}/delete" in page
    response = client.form(f"/calls/{call_id}/delete", {"confirm": "yes"})
    assert response.status_code == 303
    assert db.session.get(SubsidyCall, call_id) is None
    assert len(_entries("delete", "subsidy_call", call_id)) == 1


@pytest.mark.parametrize("answer", [None, "no", ""])
def test_delete_for_good_asks_first_and_changes_nothing(world, login_as, answer):
    """Issue 24 item 9 (WCAG 3.3.4): the button asks before deleting for real."""
    call_id = world["call"].id
    client = login_as(world["people"]["coordinator"])
    data = {} if answer is None else {"confirm": answer}
    response = client.form(f"/calls/{call_id}/delete", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Smart lighting call" in page and 'name="confirm" value="yes"' in page
    assert f'href="/calls/{call_id}"' in page  # cancel: back to the call
    assert db.session.get(SubsidyCall, call_id) is not None
    assert _entries("delete", "subsidy_call", call_id) == []


def test_a_call_with_a_dossier_is_not_deleted(world, login_as):
    call = world["call"]
    factories.application(call, world["home"], title="Lighting Izegem")
    db.session.commit()
    client = login_as(world["people"]["coordinator"])
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert f"/calls/{call.id}/delete" not in page
    response = client.form(f"/calls/{call.id}/delete")
    assert response.status_code == 409
    assert db.session.get(SubsidyCall, call.id) is not None
    assert _entries("delete", "subsidy_call", call.id) == []


def _digest_items(user):
    return next((d.items for d in digests(30) if d.user.id == user.id), [])


def _feed_text(client, user) -> str:
    response = client.get(f"/calendar/{user.calendar_token}.ics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- dossiers ---------------------------------------------------------------------


@pytest.fixture
def dossier(world):
    from datetime import date
    from decimal import Decimal

    from app.public import publishing
    from app.subsidies.models import ReportingObligation

    partner = factories.municipality("Lendelede")
    application = factories.application(
        world["call"],
        world["home"],
        partners=[partner],
        title="Kiosk Izegem",
        status="granted",
        granted_amount=Decimal("8000"),
        submitted_on=date.today() - timedelta(days=60),
        decided_on=date.today() - timedelta(days=30),
    )
    obligation = ReportingObligation(
        application_id=application.id,
        title="Interim report kiosk",
        kind="interim",
        due_on=date.today() + timedelta(days=5),
    )
    db.session.add(obligation)
    db.session.commit()
    assert publishing.publish(application, world["people"]["coordinator"])
    db.session.commit()
    world["partner"] = partner
    return application


def _api_dossiers(client, user) -> str:
    from app.api import tokens

    _row, raw = tokens.create_token(user, "archive test")
    db.session.commit()
    response = client.get(
        "/api/v1/dossiers", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_archived_dossier_leaves_every_list_and_figure(
    world, dossier, login_as, client
):
    from app.subsidies.models import Application
    from app.subsidies.rollups import pipeline_totals, regional_totals

    coordinator = world["people"]["coordinator"]
    member = world["people"]["municipality"]
    places = {
        "list": "/applications",
        "search": "/search?q=kiosk",
        "deadlines": "/deadlines",
        "municipality page": "/municipalities/izegem",
    }
    signed_in = login_as(coordinator)
    for place, url in places.items():
        assert "Kiosk Izegem" in signed_in.get(url).get_data(as_text=True), place
    signed_in.get("/logout")
    public = client.get("/public/municipalities/izegem").get_data(as_text=True)
    assert "Kiosk Izegem" in public
    assert "Kiosk Izegem" in client.get("/public/data/funded-projects.csv").text
    assert "Kiosk Izegem" in _api_dossiers(client, coordinator)
    assert pipeline_totals(coordinator)["granted"].applications == 1
    assert regional_totals().granted == 8000
    assert any(d.title == "Interim report kiosk" for d in _digest_items(member))

    signed_in = login_as(coordinator)
    response = signed_in.form(f"/applications/{dossier.id}/archive")
    assert response.status_code == 303

    assert _archived_at(Application, dossier.id) is not None
    for place, url in places.items():
        assert "Kiosk Izegem" not in signed_in.get(url).get_data(as_text=True), place
    assert "Interim report kiosk" not in _feed_text(signed_in, member)
    assert not any(d.title == "Interim report kiosk" for d in _digest_items(member))
    archived = signed_in.get("/applications?archived=1").get_data(as_text=True)
    assert "Kiosk Izegem" in archived
    page = signed_in.get(f"/applications/{dossier.id}").get_data(as_text=True)
    assert 'id="archived-notice"' in page
    assert f"/applications/{dossier.id}/delete" not in page  # it has a grant history
    signed_in.get("/logout")
    public = client.get("/public/municipalities/izegem").get_data(as_text=True)
    assert "Kiosk Izegem" not in public
    assert "Kiosk Izegem" not in client.get("/public/data/funded-projects.csv").text
    assert "Kiosk Izegem" not in _api_dossiers(client, coordinator)
    assert pipeline_totals(coordinator)["granted"].applications == 0
    assert regional_totals().granted == 0

    login_as(coordinator).form(f"/applications/{dossier.id}/restore")
    assert _archived_at(Application, dossier.id) is None
    assert "Kiosk Izegem" in login_as(member).get("/applications").text
    assert regional_totals().granted == 8000


def test_a_dossiers_archive_entry_is_for_who_may_open_the_dossier(
    world, dossier, login_as
):
    login_as(world["people"]["coordinator"]).form(f"/applications/{dossier.id}/archive")
    entry = _entries("archive", "application", dossier.id)[0]
    assert entry.audience == "dossier"
    partner_user = factories.user("municipality", world["partner"])
    outsider = factories.user("municipality", factories.municipality("Tielt"))
    db.session.commit()
    assert "Kiosk Izegem" in login_as(partner_user).get("/activity").text
    assert "Kiosk Izegem" not in login_as(outsider).get("/activity").text


# --- rounds, groups, talks, threads --------------------------------------------------


@pytest.fixture
def strategy(world):
    from datetime import date

    thread = factories.thread(code="RD77", title="Glasvezel overal")
    scoring_round = factories.scoring_round(
        [thread], status="open", name="Bevraging glasvezel"
    )
    theme = factories.theme(title="Connectiviteit")
    group = factories.group(
        theme, leads=[world["people"]["lead"]], name="Werkgroep glasvezel"
    )
    task = factories.task(
        group, title="Kabelplan opmaken", due_on=date.today() + timedelta(days=4)
    )
    talk = factories.talk(world["home"], [thread], delegation="Schepen Vandaele")
    db.session.commit()
    return {
        "thread": thread,
        "round": scoring_round,
        "theme": theme,
        "group": group,
        "task": task,
        "talk": talk,
    }


def test_an_archived_round_leaves_the_list_and_the_ballots(world, strategy, login_as):
    from app.strategy.models import ScoringRound

    scoring_round = strategy["round"]
    member = login_as(world["people"]["municipality"])
    assert "Bevraging glasvezel" in member.get("/rounds").text
    assert "Bevraging glasvezel" in member.get("/").text  # awaiting my scores
    coordinator = login_as(world["people"]["coordinator"])
    assert coordinator.form(f"/rounds/{scoring_round.id}/archive").status_code == 303
    assert _archived_at(ScoringRound, scoring_round.id) is not None
    assert "Bevraging glasvezel" in coordinator.get("/rounds?archived=1").text
    assert "Bevraging glasvezel" not in coordinator.get("/imports/scores").text
    member = login_as(world["people"]["municipality"])
    assert "Bevraging glasvezel" not in member.get("/rounds").text
    assert "Bevraging glasvezel" not in member.get("/").text
    url = (
        f"/rounds/{scoring_round.id}/scores/{strategy['thread'].id}/{world['home'].id}"
    )
    assert member.form(url, {"value": "8"}).status_code == 403  # takes no scores
    entry = _entries("archive", "scoring_round", scoring_round.id)[0]
    assert entry.audience == "regional"


def test_an_archived_group_and_its_tasks_leave_lists_pickers_and_deadlines(
    world, strategy, login_as
):
    from app.work.models import WorkingGroup

    group, theme = strategy["group"], strategy["theme"]
    lead = world["people"]["lead"]
    client = login_as(lead)
    for url in ("/tasks", "/deadlines", f"/themes/{theme.id}", "/"):
        assert "Kabelplan opmaken" in client.get(url).text or url.startswith("/themes")
    assert "Werkgroep glasvezel" in client.get(f"/themes/{theme.id}").text
    assert "Werkgroep glasvezel" in client.get("/choices/group?group_search=glas").text

    coordinator = login_as(world["people"]["coordinator"])
    assert coordinator.form(f"/groups/{group.id}/archive").status_code == 303
    assert _archived_at(WorkingGroup, group.id) is not None

    client = login_as(lead)
    for url in ("/tasks", "/deadlines", "/", "/search?q=kabelplan"):
        assert "Kabelplan opmaken" not in client.get(url).text, url
    assert not any(d.title == "Kabelplan opmaken" for d in _digest_items(lead))
    assert "Kabelplan opmaken" not in _feed_text(client, lead)
    assert "glasvezel" not in client.get("/choices/group?group_search=glas").text
    assert "Werkgroep glasvezel" not in client.get("/search?q=glasvezel").text
    theme_page = client.get(f"/themes/{theme.id}").text
    assert 'id="archived-groups"' in theme_page  # listed apart, under "Archived"
    page = client.get(f"/groups/{group.id}").text
    assert 'id="archived-notice"' in page
    response = client.form(f"/groups/{group.id}/tasks", {"title": "Nieuwe taak"})
    assert response.status_code == 403  # an archived group takes no new work


def test_an_archived_talk_leaves_the_list_and_the_mention_counts(
    world, strategy, login_as
):
    from app.strategy.models import Conversation
    from app.strategy.threads import mention_counts

    talk, thread = strategy["talk"], strategy["thread"]
    assert mention_counts([thread.id]) == {thread.id: 1}
    client = login_as(world["people"]["coordinator"])
    assert "Schepen Vandaele" in client.get("/talks").text
    assert client.form(f"/talks/{talk.id}/archive").status_code == 303
    assert _archived_at(Conversation, talk.id) is not None
    assert "Schepen Vandaele" not in client.get("/talks").text
    assert "Schepen Vandaele" in client.get("/talks?archived=1").text
    assert mention_counts([thread.id]) == {}
    entry = _entries("archive", "conversation", talk.id)[0]
    assert entry.audience == "coordinator" and entry.label == "Izegem"
    member_sees = login_as(world["people"]["municipality"]).get("/activity").text
    assert "“Izegem”" not in member_sees
    assert "“Izegem”" in login_as(world["people"]["coordinator"]).get("/activity").text


def test_a_talk_is_deleted_for_real_and_a_mentioned_thread_is_not(
    world, strategy, login_as
):
    from app.strategy.models import Conversation, Thread

    talk_id, thread_id = strategy["talk"].id, strategy["thread"].id
    client = login_as(world["people"]["coordinator"])
    assert client.form(f"/threads/{thread_id}/delete").status_code == 409
    assert db.session.get(Thread, thread_id) is not None
    confirmed = {"confirm": "yes"}
    assert client.form(f"/talks/{talk_id}/delete", confirmed).status_code == 303
    assert db.session.get(Conversation, talk_id) is None
    assert client.form(f"/threads/{thread_id}/delete").status_code == 409  # round


def test_an_archived_thread_leaves_the_list_pickers_and_search(
    world, strategy, login_as
):
    from app.strategy.models import Thread

    thread = strategy["thread"]
    client = login_as(world["people"]["coordinator"])
    assert "Glasvezel overal" in client.get("/talks/new").text
    assert client.form(f"/threads/{thread.id}/archive").status_code == 303
    assert _archived_at(Thread, thread.id) is not None
    assert "Glasvezel overal" not in client.get("/threads").text
    assert "Glasvezel overal" in client.get("/threads?archived=1").text
    assert "Glasvezel overal" not in client.get("/talks/new").text
    assert "Glasvezel overal" not in client.get("/search?q=glasvezel").text
    # A talk that mentions it keeps it when edited.
    assert "Glasvezel overal" in client.get(f"/talks/{strategy['talk'].id}/edit").text
    assert client.form(f"/threads/{thread.id}/restore").status_code == 303
    assert "Glasvezel overal" in client.get("/threads").text


def test_an_archived_call_leaves_its_granted_dossier_alone(world, dossier, login_as):
    member = world["people"]["municipality"]
    login_as(world["people"]["coordinator"]).form(f"/calls/{world['call'].id}/archive")
    client = login_as(member)
    assert "Kiosk Izegem" in client.get("/applications").text
    assert "Interim report kiosk" in client.get("/deadlines").text
    assert any(d.title == "Interim report kiosk" for d in _digest_items(member))


def test_links_of_the_archived_dossier_list_keep_the_archived_filter(world, login_as):
    dossier = factories.application(world["call"], world["home"], title="Oud dossier")
    db.session.commit()
    client = login_as(world["people"]["coordinator"])
    assert client.form(f"/applications/{dossier.id}/archive").status_code == 303
    page = client.get("/applications?archived=1").get_data(as_text=True)
    assert "Oud dossier" in page
    export = re.search(r'href="(/exports/applications\.xlsx[^"]*)"', page).group(1)
    assert "archived=1" in export.replace("&amp;", "&")
    assert "archived=True" not in page


def test_an_archived_group_leaves_the_timeline_and_the_forum_report(
    world, strategy, login_as
):
    import io

    from openpyxl import load_workbook

    theme = strategy["theme"]
    coordinator = login_as(world["people"]["coordinator"])  # Dutch

    def open_tasks() -> int:
        book = load_workbook(
            io.BytesIO(coordinator.get("/exports/forum-report.xlsx").data)
        )
        summary = {
            row[0]: row[1] for row in book["Samenvatting"].iter_rows(values_only=True)
        }
        return summary["Open taken"]

    assert "Kabelplan opmaken" in coordinator.get(f"/themes/{theme.id}").text
    before = open_tasks()
    assert (
        coordinator.form(f"/groups/{strategy['group'].id}/archive").status_code == 303
    )
    assert "Kabelplan opmaken" not in coordinator.get(f"/themes/{theme.id}").text
    assert open_tasks() == before - 1
