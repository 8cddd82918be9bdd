"""Bulk work by keyboard only (issue 28 item 4): the lead selects tasks of their
group with Space, shifts them by 2 working days, confirms with Enter."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import focused, run_axe
from tests.e2e.test_journeys import in_english, query
from tests.e2e.test_keyboard import tab_until

pytestmark = pytest.mark.e2e


def _lead_group(live) -> int:
    from app.extensions import db
    from app.work.models import WorkingGroup

    return query(
        live,
        lambda: db.session.scalar(
            select(WorkingGroup.id).where(
                WorkingGroup.name == "Werkgroep ICT klankbord"
            )
        ),
    )


def _due_dates(live, ids: list[int]) -> dict:
    from app.extensions import db
    from app.work.models import Task

    return query(
        live,
        lambda: {
            t.id: (t.start_on, t.due_on)
            for t in db.session.scalars(select(Task).where(Task.id.in_(ids)))
        },
    )


def test_lead_shifts_group_tasks_by_keyboard(live, new_page):
    from app.workdays import shift_working_days

    group_id = _lead_group(live)
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/groups/{group_id}")
        unticked = "e => e.classList.contains('bulk-select') && !e.checked"
        chosen = []
        for _ in range(2):
            tab_until(page, unticked)
            page.keyboard.press("Space")
            assert page.evaluate("document.activeElement.checked")
            chosen.append(int(page.evaluate("document.activeElement.value")))
        before = _due_dates(live, chosen)

        tab_until(page, "e => e.id === 'bulk-days'")
        page.keyboard.type("2")
        tab_until(page, "e => e.id === 'bulk-preview'")
        page.keyboard.press("Enter")
        confirm = page.locator(".bulk-confirm")
        expect(confirm).to_be_visible()
        for task_id in chosen:
            expect(confirm.locator(f"tr[data-task-id='{task_id}']")).to_be_visible()
        violations = run_axe(page, dark=True)
        assert not violations, f"the bulk bar and its confirmation: {violations}"

        tab_until(page, "e => e.id === 'bulk-apply'")
        assert focused(page)["id"] == "bulk-apply"
        page.keyboard.press("Enter")
        expect(page.get_by_text("2 tasks changed.")).to_be_visible()
        watched.assert_clean()

    after = _due_dates(live, chosen)
    for task_id, (start, due) in before.items():
        expected = tuple(
            shift_working_days(day, 2) if day else None for day in (start, due)
        )
        assert after[task_id] == expected
