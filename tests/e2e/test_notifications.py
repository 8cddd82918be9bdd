"""Issue 26 in a real browser: a coordinator assigns a task to the lead; the
lead's bell shows it (fetched by htmx), the inbox links to the task, and marking
it read refreshes the bell without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from tests.e2e.test_journeys import in_english, query

pytestmark = pytest.mark.e2e


def _setup(live) -> tuple[int, int, str]:
    """A task of another group than the lead's, assigned to nobody; the lead's
    inbox emptied (earlier journeys may have left events)."""
    from app import clock
    from app.auth.models import User
    from app.extensions import db
    from app.notifications.models import Notification
    from app.work.models import Task

    def find():
        lead = db.session.scalar(
            select(User).where(User.email == "lead@midwest.example")
        )
        task = db.session.scalars(
            select(Task)
            .where(Task.application_id.is_(None), Task.group_id.is_not(None))
            .order_by(Task.id.desc())
        ).first()
        task.assignee_id = None
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == lead.id)
            .values(read_at=clock.now_utc())
        )
        db.session.commit()
        return task.id, lead.id, lead.full_name

    return query(live, find)


def test_an_assigned_task_rings_the_leads_bell_and_the_inbox_links_to_it(
    live, new_page
):
    task_id, lead_id, lead_name = _setup(live)
    with in_english(live, "coordinator@midwest.example", "lead@midwest.example"):
        lead, lead_watch = new_page("lead")
        lead.goto("/")
        bell = lead.locator("#bell a")
        expect(bell).to_have_text("Notifications")  # nothing unread

        coordinator, coordinator_watch = new_page("coordinator")
        coordinator.goto(f"/tasks/{task_id}/edit")
        coordinator.locator("#task-assignee_id_search").fill(lead_name.split()[0])
        choice = coordinator.locator(
            f"#task-assignee_id-matches input[type=radio][value='{lead_id}']"
        )
        choice.check()
        coordinator.get_by_role("button", name="Save").click()
        coordinator.wait_for_load_state()
        coordinator_watch.assert_clean()

        lead.reload()
        expect(bell.locator(".badge")).to_have_text("1")
        expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")
        bell.click()
        # The one unread item (the demo data the browser tests share may hold
        # an older, read event about the same task).
        links = lead.locator(f"ul.notifications a[href='/tasks/{task_id}']")
        unread = lead.locator("ul.notifications li.unread")
        expect(unread).to_have_count(1)
        expect(unread.locator(f"a[href='/tasks/{task_id}']")).to_contain_text(
            "was assigned to you"
        )
        unread.get_by_role("button", name="Mark read").click()
        expect(lead.locator("ul.notifications li.unread")).to_have_count(0)
        expect(bell.locator(".badge")).to_have_count(0)  # htmx, no reload
        links.first.click()
        lead.wait_for_url(f"**/tasks/{task_id}")
        lead_watch.assert_clean()


def _clear_mail_of(email: str) -> int:
    """The id of `email`'s user, whose earlier events are read and mailed a day
    ago (earlier journeys may have left some; none counts as recent)."""
    from datetime import timedelta

    from app import clock
    from app.auth.models import User
    from app.extensions import db
    from app.notifications.models import Notification

    user = db.session.scalar(select(User).where(User.email == email))
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id)
        .values(
            read_at=clock.now_utc(),
            mailed_at=clock.now_utc() - timedelta(days=1),
        )
    )
    db.session.commit()
    return user.id


def _send_mail(live, inbox) -> list:
    """Run `flask send-notifications`'s function in the live app against a real
    local SMTP server (aiosmtpd); the messages it received."""
    from aiosmtpd.controller import Controller

    from app.notifications.mailing import send_notifications
    from tests.conftest import free_port

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    keys = ("MAIL_SERVER", "MAIL_PORT", "BASE_URL", "MAIL_SENDER")
    saved = {key: live.app.config.get(key) for key in keys}
    live.app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        BASE_URL=live.url,
        MAIL_SENDER="Midwest <noreply@midwest.example>",
    )
    try:
        outcome = query(live, lambda: send_notifications(False, lambda _line: None))
    finally:
        live.app.config.update(saved)
        controller.stop()
    assert not outcome.failed and not outcome.error
    return inbox.messages


def test_the_issue_26_journey_bell_inbox_and_one_grouped_mail(live, new_page):
    """A coordinator assigns a task to the lead and comments on a dossier
    mentioning a municipality user; the lead's bell shows 1 and the inbox links
    to the task; the municipality user gets one mail (a real SMTP server), in the
    dossier's conversation, and reads the comment on the dossier."""
    import re

    from tests.conftest import Inbox
    from tests.e2e.test_comments import _dossier_and_people

    task_id, lead_id, lead_name = _setup(live)
    dossier, izegem_name, _ = _dossier_and_people(live)
    query(live, lambda: _clear_mail_of("izegem@midwest.example"))
    emails = (
        "coordinator@midwest.example",
        "lead@midwest.example",
        "izegem@midwest.example",
    )
    with in_english(live, *emails):
        coordinator, coordinator_watch = new_page("coordinator")
        coordinator.goto(f"/tasks/{task_id}/edit")
        coordinator.locator("#task-assignee_id_search").fill(lead_name.split()[0])
        coordinator.locator(
            f"#task-assignee_id-matches input[type=radio][value='{lead_id}']"
        ).check()
        coordinator.get_by_role("button", name="Save").click()
        coordinator.wait_for_load_state()

        coordinator.goto(f"/applications/{dossier}")
        section = coordinator.locator("#comments")
        section.get_by_label("Comment").fill("Journey: please check the *quote*.")
        section.locator("#comment-mentions_search").fill(izegem_name)
        box = section.locator("#comment-mentions-matches input[name=mentions]").first
        expect(box).to_be_visible()
        box.check()
        section.get_by_role("button", name="Post comment").click()
        expect(section.locator("li.comment").last).to_contain_text("Journey:")
        coordinator_watch.assert_clean()

        lead, lead_watch = new_page("lead")
        lead.goto("/")
        bell = lead.locator("#bell a")
        expect(bell.locator(".badge")).to_have_text("1")
        bell.click()
        unread = lead.locator("ul.notifications li.unread")
        expect(unread).to_have_count(1)
        link = unread.locator(f"a[href='/tasks/{task_id}']")
        expect(link).to_contain_text("was assigned to you")
        link.click()
        lead.wait_for_url(f"**/tasks/{task_id}")
        lead_watch.assert_clean()

        mails = [
            m for m in _send_mail(live, Inbox()) if m["To"] == "izegem@midwest.example"
        ]
        assert len(mails) == 1
        (mail,) = mails
        root = re.compile(rf"^<application-{dossier}@[^>]+>$")
        assert root.match(mail["In-Reply-To"]) and root.match(mail["References"])
        assert "mentioned you" in mail["Subject"]
        text = mail.get_body(preferencelist=("plain",)).get_content()
        url = re.search(rf"{re.escape(live.url)}(/applications/{dossier}\S*)", text)
        assert url, text

        izegem, izegem_watch = new_page("municipality")
        izegem.goto(url.group(1))
        comment = izegem.locator("#comments li.comment", has_text="Journey:")
        expect(comment).to_contain_text("Journey: please check the quote.")
        expect(comment.locator("em")).to_have_text("quote")
        expect(comment).to_contain_text(f"@{izegem_name}")
        izegem_watch.assert_clean()
