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
        link = lead.locator(f"ul.notifications a[href='/tasks/{task_id}']")
        expect(link).to_contain_text("was assigned to you")
        lead.locator("ul.notifications li.unread").first.get_by_role(
            "button", name="Mark read"
        ).click()
        expect(lead.locator("ul.notifications li.unread")).to_have_count(0)
        expect(bell.locator(".badge")).to_have_count(0)  # htmx, no reload
        link.click()
        lead.wait_for_url(f"**/tasks/{task_id}")
        lead_watch.assert_clean()
