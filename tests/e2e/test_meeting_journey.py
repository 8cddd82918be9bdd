"""Issue 28: a coordinator opens a forum meeting's pack (print-ready, and as a
workbook) and turns an action point into a task, in a real browser."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import run_axe
from tests.e2e.live import sign_in
from tests.e2e.test_journeys import in_english, query

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@midwest.example"
ACTION = "Overzicht van licenties die in 2027 vervallen"


def _note(live) -> dict:
    from app.extensions import db
    from app.meetings.models import MeetingNote

    def read():
        note = db.session.scalar(
            select(MeetingNote).where(MeetingNote.text.startswith(ACTION))
        )
        task = note.task
        return {
            "meeting": note.meeting_id,
            "task": task
            and (task.title, task.due_on, task.assignee.full_name, task.group.name),
        }

    return query(live, read)


def test_coordinator_opens_a_pack_and_turns_an_action_point_into_a_task(live, new_page):
    from app import clock

    due = clock.today() + timedelta(days=20)
    with in_english(live, COORDINATOR):
        page, watched = new_page()
        sign_in(page, live.url, COORDINATOR, DEMO_PASSWORD)

        # The next Midwest-overleg, from the meetings page, and its pack.
        page.goto("/meetings")
        upcoming = page.locator(
            "section", has=page.get_by_role("heading", name="Next meetings")
        )
        upcoming.get_by_role("link", name=re.compile("Midwest-overleg")).first.click()
        page.get_by_role("button", name="Open the pack").click()
        page.wait_for_url(re.compile(r"/meetings/\d+/pack$"))
        actions = page.locator(
            "section", has=page.get_by_role("heading", name="Open action points")
        )
        expect(actions.get_by_role("cell", name=re.compile(ACTION))).to_be_visible()
        expect(
            page.get_by_role("heading", name="ICT klankbord en strategie")
        ).to_be_visible()
        assert run_axe(page) == []
        watched.assert_clean()

        # Print-ready: printed, the header and the page's links are left out.
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.get_by_text("To make a PDF")).to_be_hidden()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.emulate_media(media="screen")

        # The same pack as a workbook.
        with page.expect_download() as download:
            page.get_by_role("link", name="Pack as Excel").click()
        workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        rows = list(workbook["Open action points"].iter_rows(values_only=True))
        assert any(row[1].startswith(ACTION) for row in rows[1:])

        # The action point of the previous meeting becomes a task.
        note = _note(live)
        assert note["task"] is None
        page.goto(f"/meetings/{note['meeting']}")
        item = page.locator("li", has_text=ACTION)
        item.get_by_role("link", name="Make it a task").click()
        form = page.locator("main form")
        form.get_by_label("Working group").select_option(
            label="Werkgroep vendormanagement (Vendormanagement)"
        )
        form.get_by_label("Due date").fill(due.isoformat())
        form.get_by_label("Search: Assignee").fill("Trekker")
        matches = form.locator("#action-assignee_id-matches")
        matches.get_by_label(re.compile("Trekker ICT klankbord")).check()
        form.get_by_role("button", name="Create the task").click()
        page.wait_for_url(re.compile(rf"/meetings/{note['meeting']}$"))
        item = page.locator("li", has_text=ACTION)
        expect(item.get_by_role("link", name=re.compile(ACTION))).to_be_visible()
        expect(item.get_by_role("link", name="Make it a task")).to_have_count(0)
        watched.assert_clean()

    title, due_on, owner, group = _note(live)["task"]
    assert title.startswith(ACTION)
    assert (due_on, owner, group) == (
        due,
        "Trekker ICT klankbord",
        "Werkgroep vendormanagement",
    )
