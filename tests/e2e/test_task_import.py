"""Bulk update by Excel in the browser (issue 28 item 4): the lead filters /tasks
on their group, downloads the list, edits it with openpyxl, uploads it, reads the
preview cell by cell and applies it."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import run_axe
from tests.e2e.test_bulk import _lead_group
from tests.e2e.test_journeys import in_english, query

pytestmark = pytest.mark.e2e


def _task(live, task_id: int) -> tuple:
    from app.extensions import db
    from app.work.models import Task

    def read():
        task = db.session.get(Task, task_id)
        return task.title, task.status

    return query(live, read)


def _restore(live, task_id: int, title: str, status: str) -> None:
    from app.extensions import db
    from app.work.models import Task

    def write():
        task = db.session.get(Task, task_id)
        task.title, task.status = title, status
        db.session.commit()

    query(live, write)


def test_lead_changes_group_tasks_through_the_export(live, new_page, tmp_path):
    group_id = _lead_group(live)
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/tasks?group={group_id}")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download as Excel").click()
        path = tmp_path / "tasks.xlsx"
        download_info.value.save_as(path)
        workbook = load_workbook(io.BytesIO(path.read_bytes()))
        sheet = workbook.worksheets[0]
        assert sheet["K1"].value == "Task id" and sheet["L1"].value == "Version"
        task_id = sheet["K2"].value
        before = _task(live, task_id)
        assert sheet["A2"].value == before[0]
        new_title = f"{before[0]} (herzien)"
        sheet["A2"] = new_title
        sheet["D2"] = "Blocked" if before[1] != "blocked" else "In progress"
        edited = tmp_path / "edited.xlsx"
        workbook.save(edited)

        try:
            page.get_by_label("Tasks workbook (.xlsx)").set_input_files(edited)
            page.get_by_role("button", name="Check the file").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Preview of edited.xlsx"
            )
            preview = page.locator("table.task-import-preview")
            expect(preview.locator(f"tr[data-change='{task_id}-A2']")).to_contain_text(
                new_title
            )
            expect(preview.locator(f"tr[data-change='{task_id}-D2']")).to_be_visible()
            expect(preview.locator("tr[data-change]")).to_have_count(2)
            violations = run_axe(page)
            assert not violations, f"the tasks import preview: {violations}"
            page.get_by_role("button", name=re.compile("^Apply the change")).click()
            expect(page.get_by_text("1 task changed.")).to_be_visible()
            watched.assert_clean()
            assert _task(live, task_id)[0] == new_title
        finally:
            _restore(live, task_id, *before)
