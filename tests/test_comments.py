"""Comments with mentions on dossiers, tasks and threads (issue 26 item 4)."""

from __future__ import annotations

import re

import pytest
from blinker import Signal
from sqlalchemy import func, select

from app import signals
from app.comments import comments as logic
from app.comments.models import Comment
from app.extensions import db
from tests import factories


@pytest.fixture
def world(app):
    """A dossier of Izegem with Lichtervelde as partner; Ieper uninvolved."""
    izegem = factories.municipality("Izegem")
    lichtervelde = factories.municipality("Lichtervelde")
    ieper = factories.municipality("Ieper")
    dossier = factories.application(
        lead=izegem, partners=[lichtervelde], title="Slimme straatverlichting"
    )
    people = {
        "coordinator": factories.user("coordinator", full_name="Cora Coördinator"),
        "izegem": factories.user("municipality", izegem, full_name="Ine Izegem"),
        "partner": factories.user(
            "municipality", lichtervelde, full_name="Pol Partner"
        ),
        "ieper": factories.user("lead", ieper, full_name="Ivo Ieper"),
        "viewer": factories.user("viewer", full_name="Vera Viewer"),
    }
    group = factories.group()
    task = factories.task(group)
    dossier_task = factories.task(group, application_id=dossier.id, title="Offerte")
    thread = factories.thread()
    db.session.commit()
    return {
        "dossier": dossier,
        "task": task,
        "dossier_task": dossier_task,
        "thread": thread,
        **people,
    }


class Sent:
    """The comment_posted signals received (a real receiver, connected)."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, sender, *, target, mentioned, edited, **extra):
        # Read now: the request's session ends with the request.
        assert extra == {}
        self.calls.append(
            {
                "sender": sender.id,
                "body": sender.body,
                "target": (type(target).__tablename__, target.id),
                "mentioned": [u.id for u in mentioned],
                "edited": edited,
            }
        )


def _post(client, url, body, mentions=(), htmx=False):
    data = {"body": body, "mentions": [str(m) for m in mentions]}
    return client.form(url, data, htmx=htmx)


def test_posting_on_a_dossier_saves_sends_the_signal_and_shows_it(world, login_as):
    client = login_as(world["izegem"])
    dossier = world["dossier"]
    received = Sent()
    with signals.comment_posted.connected_to(received):
        response = _post(
            client,
            f"/applications/{dossier.id}/comments",
            "Zie **offerte** van *leverancier*",
            [world["partner"].id, world["coordinator"].id, world["partner"].id],
        )
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment))
    assert response.headers["Location"].endswith(
        f"/applications/{dossier.id}#comment-{comment.id}"
    )
    assert comment.application_id == dossier.id
    assert comment.author_id == world["izegem"].id
    assert len(received.calls) == 1
    call = received.calls[0]
    assert call["sender"] == comment.id
    assert call["target"] == ("application", dossier.id)
    assert call["edited"] is False
    # No duplicates; both may see the dossier.
    assert sorted(call["mentioned"]) == sorted(
        [world["partner"].id, world["coordinator"].id]
    )
    page = client.get(f"/applications/{dossier.id}").get_data(as_text=True)
    assert "<strong>offerte</strong>" in page
    assert "<em>leverancier</em>" in page
    assert "Ine Izegem" in page
    assert "@Pol Partner" in page


def test_signal_is_a_blinker_signal_receivers_connect_to():
    assert isinstance(signals.comment_posted, Signal)


def test_mention_of_someone_who_cannot_see_the_dossier_is_refused(world, login_as):
    client = login_as(world["izegem"])
    dossier = world["dossier"]
    received = Sent()
    with signals.comment_posted.connected_to(received):
        response = _post(
            client,
            f"/applications/{dossier.id}/comments",
            "Kijk even mee",
            [world["partner"].id, world["ieper"].id],
        )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Ivo Ieper" in text
    assert "kan dit niet zien" in text or "may not see this" in text
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
    assert received.calls == []
    # The text typed is kept in the form.
    assert "Kijk even mee" in text


def test_mention_of_a_viewer_on_a_dossier_is_refused_htmx(world, login_as):
    client = login_as(world["coordinator"])
    response = _post(
        client,
        f"/applications/{world['dossier'].id}/comments",
        "Ter info",
        [world["viewer"].id],
        htmx=True,
    )
    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_empty_comment_is_refused(world, login_as):
    client = login_as(world["izegem"])
    response = _post(client, f"/threads/{world['thread'].id}/comments", "   ")
    assert response.status_code == 422
    assert "Schrijf een reactie." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_htmx_post_returns_the_section_with_the_comment_in_place(world, login_as):
    client = login_as(world["ieper"])
    response = _post(
        client, f"/threads/{world['thread'].id}/comments", "Goed idee", htmx=True
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="comments"' in html
    assert "Goed idee" in html
    assert "HX-Request" in response.headers["Vary"]


def test_markup_is_sanitised(world, login_as):
    client = login_as(world["izegem"])
    body = (
        "<script>alert(1)</script> [klik](javascript:alert(1)) "
        "[site](https://example.org) <img src=x onerror=alert(1)>\n\n- een\n- twee"
    )
    _post(client, f"/threads/{world['thread'].id}/comments", body)
    page = client.get(f"/threads/{world['thread'].id}").get_data(as_text=True)
    section = page[page.index('id="comments"') :]
    assert "<script>alert" not in section
    assert "&lt;script&gt;" in section
    assert 'href="javascript' not in section
    assert "<img" not in section
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in section
    assert "<li>een</li>" in section


def _comment(target_key, author, body="Eerste versie", mentioned=()):
    segment, target = target_key
    comment = logic.post_comment(segment, target, author, body, list(mentioned))
    db.session.commit()
    return comment


def test_author_edits_own_comment_marked_edited_and_signal_says_so(world, login_as):
    comment = _comment(("threads", world["thread"]), world["izegem"])
    client = login_as(world["izegem"])
    received = Sent()
    with signals.comment_posted.connected_to(received):
        response = client.form(
            f"/comments/{comment.id}/edit",
            {"body": "Tweede versie", "mentions": [str(world["ieper"].id)]},
            htmx=True,
        )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Tweede versie" in html
    assert "bewerkt" in html
    db.session.refresh(comment)
    assert comment.body == "Tweede versie" and comment.edited_at is not None
    assert len(received.calls) == 1
    assert received.calls[0]["edited"] is True
    assert received.calls[0]["mentioned"] == [world["ieper"].id]
    assert received.calls[0]["body"] == "Tweede versie"
    page = client.get(f"/threads/{world['thread'].id}").get_data(as_text=True)
    assert "bewerkt" in page


@pytest.mark.parametrize("who", ["coordinator", "ieper", "viewer"])
def test_nobody_edits_anothers_comment(world, login_as, who):
    comment = _comment(("threads", world["thread"]), world["izegem"])
    client = login_as(world[who])
    assert client.get(f"/comments/{comment.id}/edit").status_code == 403
    response = client.form(f"/comments/{comment.id}/edit", {"body": "Vervalst"})
    assert response.status_code == 403
    db.session.refresh(comment)
    assert comment.body == "Eerste versie" and comment.edited_at is None


@pytest.mark.parametrize(
    ("who", "status"), [("izegem", 303), ("coordinator", 303), ("ieper", 403)]
)
def test_delete_own_comment_or_as_coordinator(world, login_as, who, status):
    comment = _comment(("threads", world["thread"]), world["izegem"])
    client = login_as(world[who])
    response = client.form(f"/comments/{comment.id}/delete")
    assert response.status_code == status
    left = db.session.scalar(select(func.count()).select_from(Comment))
    assert left == (1 if status == 403 else 0)


def test_viewer_reads_thread_comments_but_cannot_post(world, login_as):
    _comment(("threads", world["thread"]), world["izegem"], "Regionale reactie")
    client = login_as(world["viewer"])
    page = client.get(f"/threads/{world['thread'].id}").get_data(as_text=True)
    assert "Regionale reactie" in page
    assert "Reactie plaatsen" not in page
    response = _post(client, f"/threads/{world['thread'].id}/comments", "Mag niet")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


SECRET = "Geheime prijsafspraak"


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("coordinator", True),
        ("izegem", True),
        ("partner", True),
        ("ieper", False),
        ("viewer", False),
    ],
)
def test_dossier_comments_follow_the_dossier(world, login_as, who, sees):
    """Pages, the comment list, search and the activity log."""
    dossier, dossier_task = world["dossier"], world["dossier_task"]
    _comment(("applications", dossier), world["izegem"], SECRET)
    _comment(("tasks", dossier_task), world["izegem"], SECRET + " taak")
    client = login_as(world[who])
    for url in (
        f"/applications/{dossier.id}",
        f"/applications/{dossier.id}/comments",
        f"/tasks/{dossier_task.id}",
        f"/tasks/{dossier_task.id}/comments",
    ):
        response = client.get(url)
        assert (SECRET in response.get_data(as_text=True)) is sees, url
        if not sees:
            assert response.status_code in (403, 404), url
    results = client.get("/search?q=prijsafspraak").get_data(as_text=True)
    assert ("#comment-" in results) is sees
    assert (f"/applications/{dossier.id}#comment-" in results) is sees
    activity = client.get("/activity")
    if activity.status_code == 200:
        text = activity.get_data(as_text=True)
        assert ("Slimme straatverlichting" in text) is sees
        assert SECRET not in text  # the log never holds the text
    else:
        assert not sees or who == "viewer"


def test_uninvolved_cannot_post_on_dossier_or_its_task(world, login_as):
    client = login_as(world["ieper"])
    for url in (
        f"/applications/{world['dossier'].id}/comments",
        f"/tasks/{world['dossier_task'].id}/comments",
    ):
        assert _post(client, url, "Binnendringen").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_mention_search_offers_only_who_may_see_the_dossier(world, login_as):
    client = login_as(world["izegem"])

    def found(on, name):
        html = client.get(
            f"/choices/mention?on={on}&mentions_search={name}",
            headers={"HX-Request": "true"},
        ).get_data(as_text=True)
        assert "<html" not in html
        return f"> {name} <" in html

    dossier = f"applications:{world['dossier'].id}"
    assert found(dossier, "Ine Izegem")
    assert found(dossier, "Pol Partner")
    assert found(dossier, "Cora Coördinator")
    assert not found(dossier, "Ivo Ieper")
    assert not found(dossier, "Vera Viewer")
    # On a regional thread every active member may be mentioned.
    thread = f"threads:{world['thread'].id}"
    assert found(thread, "Ivo Ieper")
    assert found(thread, "Vera Viewer")


def test_mention_search_of_a_dossier_one_may_not_see_finds_nobody(world, login_as):
    client = login_as(world["ieper"])
    for name in ("Ine Izegem", "Pol Partner"):
        html = client.get(
            f"/choices/mention?on=applications:{world['dossier'].id}"
            f"&mentions_search={name}",
            headers={"HX-Request": "true"},
        ).get_data(as_text=True)
        assert f"> {name} <" not in html


def test_archived_dossier_keeps_its_comments_on_its_page_but_not_in_search(
    world, login_as
):
    from app.archive import archive

    dossier = world["dossier"]
    _comment(("applications", dossier), world["izegem"], SECRET)
    archive(dossier, world["coordinator"])
    db.session.commit()
    client = login_as(world["coordinator"])
    assert SECRET in client.get(f"/applications/{dossier.id}").get_data(as_text=True)
    results = client.get("/search?q=prijsafspraak").get_data(as_text=True)
    assert "#comment-" not in results
    # An archived object takes no new comments.
    response = _post(client, f"/applications/{dossier.id}/comments", "Nog iets")
    assert response.status_code == 403


def test_comment_list_is_bounded_with_a_fixed_number_of_queries(
    world, login_as, page_queries
):
    thread = world["thread"]
    people = [world["izegem"], world["ieper"], world["coordinator"]]
    for n in range(3):
        _comment(("threads", thread), people[n], f"reactie {n}", [people[2].id])
    client = login_as(world["izegem"])
    few = len(page_queries(client, f"/threads/{thread.id}/comments"))
    page_few = len(page_queries(client, f"/threads/{thread.id}"))
    for n in range(logic.COMMENTS_SHOWN + 5):
        _comment(
            ("threads", thread),
            people[n % 3],
            f"meer {n}",
            [people[(n + 1) % 3].id, people[(n + 2) % 3].id],
        )
    log = page_queries(client, f"/threads/{thread.id}/comments")
    assert len(log) == few
    assert len(page_queries(client, f"/threads/{thread.id}")) == page_few
    assert log.lazy_loads == []
    html = client.get(f"/threads/{thread.id}/comments").get_data(as_text=True)
    assert len(re.findall(r'<li id="comment-\d+"', html)) == logic.COMMENTS_SHOWN
    assert "Oudere reacties" in html
    older = client.get(f"/threads/{thread.id}/comments?page=2").get_data(as_text=True)
    assert len(re.findall(r'<li id="comment-\d+"', older)) == 8
    assert "Oudere reacties" not in older and "Recentere reacties" in older


# --- the API (read-only) and the backup ---


def _bearer(user) -> dict[str, str]:
    from app.api import tokens

    _row, raw = tokens.create_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("izegem", 200),
        ("partner", 200),
        ("ieper", 404),
        ("viewer", 404),
    ],
)
def test_api_gives_dossier_comments_to_who_may_open_the_dossier(
    client, world, who, status
):
    dossier = world["dossier"]
    _comment(
        ("applications", dossier),
        world["izegem"],
        SECRET + " *nu*",
        [world["partner"].id],
    )
    _comment(("tasks", world["dossier_task"]), world["izegem"], SECRET + " taak")
    headers = _bearer(world[who])
    for url in (
        f"/api/v1/dossiers/{dossier.id}/comments",
        f"/api/v1/tasks/{world['dossier_task'].id}/comments",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == status, url
        assert (SECRET in response.get_data(as_text=True)) is (status == 200)
    if status == 200:
        body = client.get(
            f"/api/v1/dossiers/{dossier.id}/comments", headers=headers
        ).get_json()
        [item] = body["items"]
        assert item["text"] == SECRET + " *nu*"
        assert item["html"] == f"<p>{SECRET} <em>nu</em></p>\n"
        assert item["author"] == {"id": world["izegem"].id, "name": "Ine Izegem"}
        assert item["mentioned"] == [{"id": world["partner"].id, "name": "Pol Partner"}]
        assert item["edited_at"] is None
        assert item["url"].endswith(f"/applications/{dossier.id}#comment-{item['id']}")
        assert body["total"] == 1
        assert item["id"] == db.session.scalar(
            select(Comment.id).where(Comment.application_id == dossier.id)
        )


def test_api_thread_comments_for_every_member_until_archived(client, world):
    from app.archive import archive

    thread = world["thread"]
    _comment(("threads", thread), world["izegem"], "Regionaal")
    headers = _bearer(world["viewer"])
    url = f"/api/v1/threads/{thread.id}/comments"
    assert client.get(url, headers=headers).get_json()["items"][0]["text"] == (
        "Regionaal"
    )
    assert client.get(url).status_code == 401
    assert client.post(url, headers=headers).status_code == 405
    archive(thread, world["coordinator"])
    db.session.commit()
    assert client.get(url, headers=headers).status_code == 404


def test_backup_and_restore_keep_comments_and_mentions(app, world, tmp_path):
    from app import create_app
    from app.search.index import search
    from tests.conftest import _config_for

    comment = _comment(
        ("applications", world["dossier"]),
        world["izegem"],
        SECRET,
        [world["partner"].id],
    )
    target = tmp_path / "backup" / "copy.sqlite"
    target.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    if db.engine.dialect.name != "sqlite":
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    restored = create_app(_config_for(f"sqlite:///{target}"))
    with restored.test_request_context():
        copy = db.session.get(Comment, comment.id)
        assert copy.body == SECRET
        assert [u.full_name for u in copy.mentioned] == ["Pol Partner"]
        coordinator = db.session.get(
            type(world["coordinator"]), world["coordinator"].id
        )
        [group] = [g for g in search(coordinator, "prijsafspraak")]
        assert group.kind.code == "comment"
        db.session.remove()
        db.engine.dispose()


def test_mentions_on_a_dossier_task_follow_the_dossier(world):
    task = world["dossier_task"]
    with pytest.raises(logic.MentionRefused, match="Ivo Ieper"):
        logic.post_comment("tasks", task, world["izegem"], "x", [world["ieper"].id])
    comment = logic.post_comment(
        "tasks", task, world["izegem"], "x", [world["partner"].id]
    )
    assert [u.id for u in comment.mentioned] == [world["partner"].id]
    # A task outside any dossier: every active member, viewers included.
    comment = logic.post_comment(
        "tasks", world["task"], world["izegem"], "y", [world["viewer"].id]
    )
    assert [u.id for u in comment.mentioned] == [world["viewer"].id]


def test_a_deactivated_or_unknown_person_is_no_mention(world, login_as):
    world["partner"].active = False
    db.session.commit()
    client = login_as(world["izegem"])
    for mention in (world["partner"].id, 999999):
        response = _post(
            client, f"/threads/{world['thread'].id}/comments", "Hallo", [mention]
        )
        assert response.status_code == 422
        assert "Kies de personen die u wilt vermelden uit de treffers." in (
            response.get_data(as_text=True)
        )
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
