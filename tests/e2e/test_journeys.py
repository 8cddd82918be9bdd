"""The journeys of issue 9 in a real browser: a working-group lead updating tasks
(with a conflicting edit), a coordinator taking an application from creation to a
grant and the export, and a municipality filling its ballot with the keyboard and
subscribing to its calendar.

The journeys switch their users to English (the source language), so locators
read the labels of the English UI; they switch them back afterwards.
"""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import run_axe
from tests.e2e.live import sign_in

pytestmark = pytest.mark.e2e


def query(live, function):
    """Run `function()` inside the live app (its own session) and return its value."""
    from app.extensions import db

    with live.app.app_context():
        try:
            return function()
        finally:
            db.session.remove()


@contextmanager
def in_english(live, *emails):
    """Switch demo users to English for a journey, and back afterwards."""
    from app.auth.models import User
    from app.extensions import db

    def set_language(language):
        for user in db.session.scalars(select(User).where(User.email.in_(emails))):
            user.language = language
        db.session.commit()

    query(live, lambda: set_language("en"))
    try:
        yield
    finally:
        query(live, lambda: set_language("nl"))


def focused_inside(page, selector: str) -> bool:
    return page.evaluate(
        "(s) => { const box = document.querySelector(s);"
        " return !!box && box.contains(document.activeElement)"
        " && document.activeElement !== document.body; }",
        selector,
    )


# --- a working-group lead ------------------------------------------------------------


def _lead_overdue_task(live) -> dict:
    """An overdue task assigned to lead@ in a group they lead."""
    from app import clock
    from app.auth.models import User
    from app.extensions import db
    from app.work.models import Task

    def find():
        lead = db.session.scalar(
            select(User).where(User.email == "lead@midwest.example")
        )
        task = db.session.scalars(
            select(Task)
            .where(
                Task.assignee_id == lead.id,
                Task.due_on < clock.today(),
                Task.status != "done",
            )
            .order_by(Task.due_on)
        ).first()
        assert task is not None, "the demo data has no overdue task of lead@"
        return {"id": task.id, "title": task.title, "lead": lead.full_name}

    return query(live, find)


def _task_values(live, task_id: int) -> tuple[str, int, int]:
    from app.extensions import db
    from app.work.models import Task

    def read():
        task = db.session.get(Task, task_id)
        return task.status, task.progress, task.version

    return query(live, read)


def test_lead_filters_overdue_tasks_edits_inline_and_meets_a_conflict(
    live, new_page, role_states
):
    task = _lead_overdue_task(live)
    row = f"#task-{task['id']}"
    with in_english(live, "lead@midwest.example", "coordinator@midwest.example"):
        page, watched = new_page()
        sign_in(page, live.url, "lead@midwest.example", DEMO_PASSWORD)

        # Filter /tasks to my overdue tasks: the state lands in the URL.
        page.goto("/tasks")
        filters = page.locator("main").get_by_role("search")
        # Assignees are many: a search field whose matches are radio buttons.
        filters.get_by_label("Assignee").fill(task["lead"])
        # A match names the person and who they are: "Name (Municipality)".
        person = re.compile(rf"^{re.escape(task['lead'])} \(")
        filters.get_by_role("radio", name=person).check()
        page.wait_for_url(re.compile(r"assignee=\d+"))
        filters.get_by_label("Due").select_option("overdue")
        page.wait_for_url(re.compile(r"due=overdue"))
        rows = page.locator("#task-list tr.task-row")
        expect(rows.first).to_be_visible()
        assert rows.count() == page.locator("#task-list tr.task-row.overdue").count()
        expect(page.locator(row)).to_be_visible()
        filtered_url = page.url

        # Change status and progress inline.
        page.locator(row).get_by_role("link", name=re.compile("^Edit")).click()
        editing = page.locator(f"{row}.editing")
        expect(editing).to_be_visible()
        assert focused_inside(page, row), "focus should land in the edit row"
        assert run_axe(page, dark=True) == [], "the edit row"
        editing.get_by_label("Status").select_option("blocked")
        editing.get_by_label("Progress (%)").fill("55")
        editing.get_by_role("button", name="Save").click()
        saved = page.locator(f"{row} .saved-state")
        expect(saved).to_have_text("Saved")
        assert focused_inside(page, row), "focus should stay on the saved row"
        expect(page.locator("#announcer")).to_have_text("Saved")
        watched.assert_clean()

        # Reload: the filters and the new values are kept.
        page.reload()
        assert page.url == filtered_url
        expect(page.locator(row)).to_have_attribute("data-status", "blocked")
        expect(page.locator(f"{row} [data-progress]")).to_have_attribute(
            "data-progress", "55"
        )
        assert _task_values(live, task["id"])[:2] == ("blocked", 55)

        # The lead opens the row again; the coordinator saves the same task first.
        page.locator(row).get_by_role("link", name=re.compile("^Edit")).click()
        editing = page.locator(f"{row}.editing")
        expect(editing).to_be_visible()

        other, other_watched = new_page("coordinator")
        other.goto("/tasks?due=overdue")
        other_row = other.locator(row)
        other_row.get_by_role("link", name=re.compile("^Edit")).click()
        other_editing = other.locator(f"{row}.editing")
        other_editing.get_by_label("Status").select_option("in_progress")
        other_editing.get_by_label("Progress (%)").fill("70")
        other_editing.get_by_role("button", name="Save").click()
        expect(other.locator(f"{row} .saved-state")).to_have_text("Saved")
        other_watched.assert_clean()

        # The lead saves: a conflict, saying who changed what and what the lead
        # tried to save; nothing is overwritten.
        editing.get_by_label("Status").select_option("todo")
        editing.get_by_label("Progress (%)").fill("65")
        editing.get_by_role("button", name="Save").click()
        conflict = page.locator(".conflict[data-status='409']")
        expect(conflict).to_be_visible()
        expect(conflict).to_have_attribute("role", "alert")
        expect(conflict).to_contain_text("Someone else saved this in the meantime")
        expect(conflict).to_contain_text("Changed by")
        tried = conflict.locator("ul").last
        expect(tried).to_contain_text("65")
        expect(tried).to_contain_text("Status: To do")  # labels, not raw values
        assert focused_inside(page, ".conflict"), "focus should move to the message"
        assert run_axe(page, dark=True) == [], "the conflict message"
        assert _task_values(live, task["id"])[:2] == ("in_progress", 70)

        # Reloading shows the coordinator's version.
        conflict.get_by_role("link", name="Reload and see the current version").click()
        expect(page.locator(f"{row} [data-progress]")).to_have_attribute(
            "data-progress", "70"
        )
        watched.assert_clean()


def test_rollout_row_edit_keeps_focus_and_announces_the_save(live, new_page):
    """The lead updates Roeselare's rollout of their theme from the keyboard."""
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.work.models import WorkingGroup

    def ids():
        group = db.session.scalar(
            select(WorkingGroup).where(WorkingGroup.name == "Werkgroep ICT klankbord")
        )
        roeselare = db.session.scalar(
            select(Municipality.id).where(Municipality.slug == "roeselare")
        )
        return group.theme_id, roeselare

    theme_id, roeselare = query(live, ids)
    row = f"#rollout-{theme_id}-{roeselare}"
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/themes/{theme_id}")
        page.locator(row).get_by_role("link", name=re.compile("^Edit")).focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"{row}.editing")).to_be_visible()
        assert focused_inside(page, row), "focus should land in the edit row"
        assert run_axe(page, dark=True) == [], "the rollout edit row"
        page.locator(row).get_by_label("Stage").focus()
        page.locator(row).get_by_label("Stage").select_option("preparing")
        page.keyboard.press("Tab")
        page.keyboard.type("Budget in de meerjarenplanning")
        page.locator(row).get_by_role("button", name="Save").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"{row} .saved-state")).to_have_text("Saved")
        expect(page.locator(row)).to_have_attribute("data-stage", "preparing")
        assert focused_inside(page, row), "focus should stay on the saved row"
        expect(page.locator("#announcer")).to_have_text("Saved")
        watched.assert_clean()


# --- a coordinator and a dossier -----------------------------------------------------

OPEN_CALL = "Digitale dienstverlening 2027 (fictieve demo-oproep)"
TITLE = "E2E dossier: digitaal loket"


def test_coordinator_takes_an_application_to_a_grant_and_exports_it(
    live, new_page, tmp_path
):
    from app import clock

    today = clock.today()
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page()
        sign_in(page, live.url, "coordinator@midwest.example", DEMO_PASSWORD)

        page.goto("/applications/new")
        form = page.locator("main form")
        form.locator("#call_id").select_option(label=OPEN_CALL)
        form.get_by_label("Title").fill(TITLE)
        form.get_by_label("Reference").fill("E2E-001")
        # A search field, not a select of every municipality (issue 15).
        form.get_by_label("Search: Lead municipality").fill("Tielt")
        lead_matches = form.locator("#dossier-lead_municipality_id-matches")
        lead_matches.get_by_label("Tielt", exact=True).check()
        form.get_by_label("Requested amount (€)").fill("120.000,00")
        form.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"/applications/\d+$"))
        application_id = int(page.url.rsplit("/", 1)[1])
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

        # Two partner municipalities (htmx, inside the partners section).
        partners = page.locator("#dossier-partners")
        for name, share in (("Pittem", "20"), ("Ardooie", "15")):
            partners.get_by_label("Search: Partner municipality").fill(name)
            matches = partners.locator("#dossier-partner-municipality_id-matches")
            matches.get_by_label(name, exact=True).check()
            partners.get_by_label("Share (%)").fill(share)
            partners.get_by_role("button", name="Add partner").click()
            expect(
                page.locator("#dossier-partners tbody").get_by_role("link", name=name)
            ).to_be_visible()
        expect(page.locator("#dossier-partners tbody tr")).to_have_count(3)

        # idea → preparing → submitted → granted.
        def move(status, **fields):
            section = page.locator("#dossier-move")
            section.get_by_label("New status").select_option(status)
            for label, value in fields.items():
                section.get_by_label(label).fill(value)
            section.get_by_role("button", name="Change status").click()
            badge = page.locator("#dossier-status [data-status-value]")
            expect(badge).to_have_attribute("data-status-value", status)

        move("preparing")
        move("submitted", **{"Submitted on": (today - timedelta(days=3)).isoformat()})
        obligations = page.locator("#dossier-obligations tbody tr[data-obligation-id]")
        expect(obligations).to_have_count(0)
        move(
            "granted",
            **{
                "Decided on": today.isoformat(),
                "Granted amount (€)": "100000",
                # the call's reports count from the project start and end
                "Project start": (today + timedelta(days=30)).isoformat(),
                "Project end": (today + timedelta(days=400)).isoformat(),
            },
        )
        expect(obligations.first).to_be_visible()
        assert run_axe(page, dark=True) == [], "the granted dossier"
        assert obligations.count() >= 1

        # An advance payment (htmx).
        payments = page.locator("#dossier-payments")
        payments.get_by_label("Paid on").fill(today.isoformat())
        payments.get_by_label("Amount (€)").fill("40.000,00")
        payments.get_by_label("Kind").select_option("advance")
        payments.get_by_role("button", name="Add payment").click()
        expect(page.locator("#dossier-payments [data-paid]")).to_have_attribute(
            "data-paid", re.compile(r"^40000(\.0+)?$")
        )
        watched.assert_clean()

        # The applications export holds the new dossier.
        page.goto("/applications")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download as Excel").click()
        path = tmp_path / "applications.xlsx"
        download_info.value.save_as(path)
        workbook = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
        rows = [row for sheet in workbook for row in sheet.iter_rows(values_only=True)]
        ours = [row for row in rows if TITLE in row]
        assert ours, "the new dossier is not in the export"
        assert "E2E-001" in ours[0]
        watched.assert_clean()

    def stored():
        from app.extensions import db
        from app.subsidies.models import Application

        application = db.session.get(Application, application_id)
        return (
            application.status,
            application.granted_amount,
            sorted(p.municipality.slug for p in application.partners),
            [(p.kind, p.amount) for p in application.payments],
        )

    status, granted, partner_slugs, paid = query(live, stored)
    assert status == "granted"
    assert granted == Decimal("100000")
    assert partner_slugs == ["ardooie", "pittem"]
    assert paid == [("advance", Decimal("40000"))]


# --- a municipality, by keyboard -----------------------------------------------------

KEYBOARD_USER = "ardooie@midwest.example"  # no scores yet in the open round


def _tab_to(page, element_id: str, limit: int = 80, key: str = "Tab") -> None:
    """Press Tab until the element with `element_id` has the focus."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == (
            element_id
        ):
            return
        page.keyboard.press(key)
    raise AssertionError(f"Tab never reached #{element_id}")


def _open_round(live) -> tuple[int, list[int]]:
    from app.extensions import db
    from app.strategy.models import ScoringRound

    def find():
        scoring_round = db.session.scalar(
            select(ScoringRound).where(ScoringRound.status == "open")
        )
        threads = sorted(scoring_round.threads, key=lambda t: t.code)
        return scoring_round.id, [t.id for t in threads]

    return query(live, find)


def _scores(live, round_id: int) -> dict[int, int | None]:
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.strategy.models import Score

    def read():
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.slug == "ardooie")
        )
        return {
            s.thread_id: s.value
            for s in db.session.scalars(
                select(Score).where(
                    Score.round_id == round_id,
                    Score.municipality_id == municipality.id,
                )
            )
        }

    return query(live, read)


def test_municipality_scores_by_keyboard_and_subscribes_to_its_calendar(live, new_page):
    round_id, threads = _open_round(live)
    first, second, third = threads[:3]
    assert _scores(live, round_id) == {}
    with in_english(live, KEYBOARD_USER):
        page, watched = new_page(permissions=["clipboard-read", "clipboard-write"])
        sign_in(page, live.url, KEYBOARD_USER, DEMO_PASSWORD)
        page.goto(f"/rounds/{round_id}")
        expect(page.locator(f"form#score-{first}")).to_be_visible()

        # First thread: type a score and Tab on; the line saves itself.
        _tab_to(page, f"value-{first}")
        page.keyboard.type("7")
        page.keyboard.press("Tab")
        saved = page.locator(f"#score-{first} .saved-state")
        expect(saved).to_have_text("Saved")
        assert focused_inside(page, f"#score-{first}"), "focus lost after the save"
        expect(page.locator("#announcer")).to_have_text("Saved")

        # Second thread: arrow keys and Enter.
        _tab_to(page, f"value-{second}")
        for _ in range(5):
            page.keyboard.press("ArrowUp")
        page.keyboard.press("Enter")
        expect(page.locator(f"#score-{second} .saved-state")).to_have_text("Saved")
        assert page.evaluate("document.activeElement.id") == f"value-{second}"
        expect(page.locator("#ballot-progress")).to_have_attribute("data-scored", "2")

        # Third thread: 11 is refused with a message next to the field.
        _tab_to(page, f"value-{third}")
        page.keyboard.type("11")
        page.keyboard.press("Enter")
        field = page.locator(f"#value-{third}")
        expect(field).to_have_attribute("aria-invalid", "true")
        error = page.locator(f"#value-{third}-error")
        expect(error).to_be_visible()
        expect(page.locator("#announcer")).to_have_text(error.text_content())
        assert page.evaluate("document.activeElement.id") == f"value-{third}"
        assert run_axe(page, dark=True) == [], "the ballot with an invalid score"
        # … corrected at once, still by keyboard.
        page.keyboard.press("Control+A")
        page.keyboard.type("8")
        page.keyboard.press("Enter")
        expect(page.locator(f"#score-{third} .saved-state")).to_have_text("Saved")
        watched.assert_clean()

        scores = _scores(live, round_id)
        assert scores[first] == 7
        assert scores[second] == 5
        assert scores[third] == 8

        # The participation page shows the municipality and its work.
        page.goto("/municipalities/ardooie")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Ardooie")
        watched.assert_clean()

        # The profile: copy the calendar address, which serves a valid feed.
        page.goto("/profile")
        address = page.get_by_label("Calendar address")
        feed_url = address.input_value()
        assert re.search(r"/calendar/[^/]+\.ics$", feed_url)
        _tab_to(page, "calendar-url")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        copy = page.get_by_role("button", name="Copy")
        expect(copy).to_have_attribute("data-copied", "true")
        try:
            copied = page.evaluate("navigator.clipboard.readText()")
        except Exception:  # headless clipboards may refuse reading
            copied = feed_url
        assert copied == feed_url
        watched.assert_clean()

        response = page.request.get(copied)
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.body())
        assert calendar.name == "VCALENDAR"
        for event in calendar.walk("VEVENT"):
            assert event.get("UID") and event.get("DTSTAMP") and event.get("DTSTART")
