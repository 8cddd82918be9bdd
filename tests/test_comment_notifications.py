"""Comments reach people (issue 26): a comment posted through the real form sends
app.signals.comment_posted, whose receiver in app.notifications.events stores
the "comment" and "mentioned" events, only for who may see the object."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.comments.models import Comment
from app.extensions import db
from app.notifications.models import Follow, Notification
from tests import factories


@pytest.fixture
def world(app):
    """A dossier of Izegem with Tielt as partner, owned by a coordinator; people
    of Izegem, Tielt and uninvolved Lichtervelde; a viewer; a group with a lead
    and a task of that group assigned to an Izegem user; a thread."""
    izegem = factories.municipality("Izegem")
    tielt = factories.municipality("Tielt")
    lichtervelde = factories.municipality("Lichtervelde")
    people = SimpleNamespace(
        coordinator=factories.user("coordinator", full_name="Cora Coordinator"),
        owner=factories.user("coordinator", full_name="Otto Owner"),
        izegem=factories.user("municipality", izegem, full_name="Iza Izegem"),
        tielt=factories.user("municipality", tielt, full_name="Tom Tielt"),
        lichtervelde=factories.user(
            "municipality", lichtervelde, full_name="Lies Lichtervelde"
        ),
        lead=factories.user("lead", izegem, full_name="Lea Lead"),
        viewer=factories.user("viewer", full_name="Vera Viewer"),
    )
    theme = factories.theme(title="Digital counter")
    group = factories.group(theme, leads=[people.lead], name="Counter group")
    dossier = factories.application(
        lead=izegem, partners=[tielt], title="Counter dossier"
    )
    dossier.owner_id = people.owner.id
    task = factories.task(group, title="Write the plan")
    task.assignee_id = people.izegem.id
    thread = factories.thread(title="Shared services")
    db.session.commit()
    return SimpleNamespace(
        people=people, dossier=dossier, task=task, thread=thread, group=group
    )


def _events(user) -> list[tuple[str, str, int]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(Notification.kind, Notification.object_type, Notification.object_id)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    ]


def _post(client, url: str, body: str, mentions=()):
    response = client.form(url, {"body": body, "mentions": [str(m) for m in mentions]})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return db.session.scalar(select(Comment).order_by(Comment.id.desc()))


def test_a_dossier_comment_reaches_its_followers_not_the_author_nor_outsiders(
    world, login_as
):
    p, dossier = world.people, world.dossier
    # A follow row left from when Lichtervelde could open the dossier: following
    # never lets a dossier event reach someone who cannot open it.
    db.session.add(
        Follow(
            user_id=p.lichtervelde.id,
            object_type="application",
            object_id=dossier.id,
            following=True,
        )
    )
    db.session.commit()
    _post(login_as(p.izegem), f"/applications/{dossier.id}/comments", "Offerte ok")
    got = ("comment", "application", dossier.id)
    assert _events(p.owner) == [got]  # the owner
    assert _events(p.tielt) == [got]  # the partner's people
    assert _events(p.lead) == [got]  # the lead municipality's lead
    assert _events(p.izegem) == []  # the author
    assert _events(p.lichtervelde) == []  # cannot open the dossier
    assert _events(p.viewer) == []
    assert _events(p.coordinator) == []  # may open it, does not follow it
    # The author follows the dossier from then on: a reply reaches them.
    _post(login_as(p.tielt), f"/applications/{dossier.id}/comments", "Akkoord")
    assert _events(p.izegem) == [got]
    assert _events(p.tielt) == [got]  # not told of their own reply


def test_a_mention_reaches_the_mentioned_once_as_mentioned_not_as_comment(
    world, login_as
):
    p, dossier = world.people, world.dossier
    client = login_as(p.owner)
    _post(
        client,
        f"/applications/{dossier.id}/comments",
        "@Tom Tielt, kijkt u dit na?",
        [p.tielt.id, p.tielt.id],
    )
    assert _events(p.tielt) == [("mentioned", "application", dossier.id)]
    assert _events(p.izegem) == [("comment", "application", dossier.id)]
    assert _events(p.owner) == []
    # The mentioned person reads it in the inbox, linking to the dossier.
    inbox = login_as(p.tielt).get("/notifications").get_data(as_text=True)
    assert f"/applications/{dossier.id}" in inbox


def test_a_mention_of_someone_who_cannot_open_the_dossier_is_refused_and_tells_nobody(
    world, login_as
):
    p, dossier = world.people, world.dossier
    response = login_as(p.owner).form(
        f"/applications/{dossier.id}/comments",
        {"body": "Kijk mee", "mentions": [str(p.lichtervelde.id)]},
    )
    assert response.status_code == 422
    assert "Lies Lichtervelde" in response.get_data(as_text=True)
    assert db.session.scalar(select(Comment)) is None
    assert db.session.scalar(select(Notification)) is None


def test_an_edit_re_notifies_nobody(world, login_as):
    p, dossier = world.people, world.dossier
    client = login_as(p.owner)
    comment = _post(
        client, f"/applications/{dossier.id}/comments", "Eerste", [p.tielt.id]
    )
    before = db.session.scalars(select(Notification.id)).all()
    assert before  # the post told Tielt (mentioned) and Izegem (comment)
    response = client.form(
        f"/comments/{comment.id}/edit",
        {"body": "Eerste, verbeterd", "mentions": [str(p.tielt.id)]},
    )
    assert response.status_code == 303
    db.session.refresh(comment)
    assert comment.edited_at is not None
    assert db.session.scalars(select(Notification.id)).all() == before


def test_an_edit_that_adds_a_mention_tells_only_the_newly_mentioned(world, login_as):
    p, dossier = world.people, world.dossier
    client = login_as(p.owner)
    comment = _post(
        client, f"/applications/{dossier.id}/comments", "Eerste", [p.tielt.id]
    )
    response = client.form(
        f"/comments/{comment.id}/edit",
        {"body": "Eerste", "mentions": [str(p.tielt.id), str(p.coordinator.id)]},
    )
    assert response.status_code == 303
    assert _events(p.coordinator) == [("mentioned", "application", dossier.id)]
    assert _events(p.tielt) == [("mentioned", "application", dossier.id)]
    assert _events(p.izegem) == [("comment", "application", dossier.id)]


def test_a_task_comment_reaches_its_assignee_and_its_groups_lead(world, login_as):
    p, task = world.people, world.task
    _post(login_as(p.coordinator), f"/tasks/{task.id}/comments", "Hoe staat het?")
    got = ("comment", "task", task.id)
    assert _events(p.izegem) == [got]  # the assignee
    assert _events(p.lead) == [got]  # the group's lead
    assert _events(p.coordinator) == []  # the author
    assert _events(p.tielt) == [] and _events(p.viewer) == []
    # The assignee answers, mentioning the lead: "mentioned" only for the lead,
    # "comment" for the author of the first comment, who follows the task now.
    _post(
        login_as(p.izegem),
        f"/tasks/{task.id}/comments",
        "@Lea Lead bijna klaar",
        [p.lead.id],
    )
    assert _events(p.lead) == [got, ("mentioned", "task", task.id)]
    assert _events(p.coordinator) == [got]


def test_a_thread_comment_reaches_those_who_follow_the_thread(world, login_as):
    p, thread = world.people, world.thread
    viewer = login_as(p.viewer)
    response = viewer.form(f"/threads/{thread.id}/follow", {"following": "1"})
    assert response.status_code == 303
    _post(login_as(p.tielt), f"/threads/{thread.id}/comments", "Wij doen mee")
    got = ("comment", "thread", thread.id)
    assert _events(p.viewer) == [got]  # chose to follow it
    assert _events(p.tielt) == []  # the author
    assert _events(p.izegem) == []  # does not follow it
    _post(login_as(p.izegem), f"/threads/{thread.id}/comments", "Wij ook")
    assert _events(p.tielt) == [got]  # follows since their comment
    assert _events(p.viewer) == [got, got]
