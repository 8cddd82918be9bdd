"""Keyboard-only journeys (issue 16): Tab, Shift+Tab, Enter, Space and the arrow
keys, no mouse. After every htmx swap they assert where the focus is and what
the page's one polite live region (#announcer) said, and run axe again.

The users read the English UI during a journey (locators read English labels)
and are switched back to Dutch afterwards.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import focused, run_axe
from tests.e2e.live import LUMINANCE_JS, sign_in
from tests.e2e.test_journeys import in_english, query

pytestmark = pytest.mark.e2e


def tab_until(page, predicate: str, key: str = "Tab", limit: int = 200) -> dict:
    """Press `key` until `predicate` (a JS function of the focused element) holds."""
    for _ in range(limit):
        if page.evaluate(f"(({predicate}))(document.activeElement)"):
            return focused(page)
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached an element where {predicate}")


def said(page, text) -> None:
    """The live region says `text` (a string or a pattern)."""
    expect(page.locator("#announcer")).to_have_text(text)


def no_axe_findings(page, where: str) -> None:
    violations = run_axe(page, dark=True)
    assert not violations, f"{where}: {violations}"


# --- the lead edits a task inline -------------------------------------------------


def _group_task(live) -> tuple[int, int]:
    """The lead's group and a task of it, shown on the group's first page."""
    from app.extensions import db
    from app.work.models import Task, WorkingGroup

    def find():
        group = db.session.scalar(
            select(WorkingGroup).where(WorkingGroup.name == "Werkgroep ICT klankbord")
        )
        task = db.session.scalars(
            select(Task).where(Task.group_id == group.id).order_by(Task.id)
        ).first()
        return group.id, task.id

    return query(live, find)


def _task_progress(live, task_id: int) -> int:
    from app.extensions import db
    from app.work.models import Task

    return query(live, lambda: db.session.get(Task, task_id).progress)


def test_lead_edits_a_task_inline_by_keyboard(live, new_page):
    group_id, task_id = _group_task(live)
    row = f"#task-{task_id}"
    edit_link = f"e => e.matches('{row} a[data-opener]')"  # the row's "Edit" link
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/groups/{group_id}")
        page.locator(row).wait_for()

        # Open the editor: the focus lands on its first field, not on Save.
        tab_until(page, edit_link)
        page.keyboard.press("Enter")
        expect(page.locator(f"{row}.editing")).to_be_visible()
        assert focused(page)["id"] == f"task-{task_id}-title"
        page.keyboard.press("Shift+Tab")
        assert focused(page)["id"] != f"task-{task_id}-title"
        page.keyboard.press("Tab")
        assert focused(page)["id"] == f"task-{task_id}-title"
        no_axe_findings(page, "the open task editor")

        # Cancel: back on the control that opened the editor.
        tab_until(page, "e => e.textContent.trim() === 'Cancel'")
        page.keyboard.press("Enter")
        expect(page.locator(f"{row}.editing")).to_have_count(0)
        assert page.evaluate(f"(({edit_link}))(document.activeElement)")

        # An invalid progress: the field takes the focus and the error is said.
        page.keyboard.press("Enter")
        expect(page.locator(f"{row}.editing")).to_be_visible()
        tab_until(page, "e => e.name === 'progress'")
        page.keyboard.press("Control+A")
        page.keyboard.type("150")
        tab_until(page, "e => e.textContent.trim() === 'Save'")
        page.keyboard.press("Space")
        field = page.locator(f"#task-{task_id}-progress")
        expect(field).to_have_attribute("aria-invalid", "true")
        error = page.locator(f"#task-{task_id}-progress-error").text_content().strip()
        assert error
        said(page, error)
        assert focused(page)["id"] == f"task-{task_id}-progress"
        no_axe_findings(page, "the task editor with an error")

        # Corrected, status changed with the arrow keys, saved with Space: the
        # focus returns to the row's Edit link and "Saved" is said.
        page.keyboard.press("Control+A")
        page.keyboard.type("40")
        page.keyboard.press("Shift+Tab")
        assert focused(page)["name"] == "status"
        before = page.evaluate("document.activeElement.value")
        page.keyboard.press("ArrowDown")
        if page.evaluate("document.activeElement.value") == before:  # was the last
            page.keyboard.press("ArrowUp")
        status = page.evaluate("document.activeElement.value")
        assert status != before
        tab_until(page, "e => e.textContent.trim() === 'Save'")
        page.keyboard.press("Space")
        expect(page.locator(f"{row} .saved-state")).to_have_text("Saved")
        assert page.evaluate(f"(({edit_link}))(document.activeElement)")
        said(page, "Saved")
        no_axe_findings(page, "the saved task row")
        expect(page.locator(row)).to_have_attribute("data-status", status)
        watched.assert_clean()
    assert _task_progress(live, task_id) == (100 if status == "done" else 40)


# --- a municipality's ballot -------------------------------------------------------

BALLOT_USER = "pittem@midwest.example"


def _open_round_lines(live) -> tuple[int, list[int]]:
    from app.extensions import db
    from app.strategy.models import ScoringRound

    def find():
        scoring_round = db.session.scalar(
            select(ScoringRound).where(ScoringRound.status == "open")
        )
        return scoring_round.id, sorted(t.id for t in scoring_round.threads)

    return query(live, find)


def _score(live, round_id: int, thread_id: int):
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.strategy.models import Score

    def read():
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.slug == "pittem")
        )
        score = db.session.scalar(
            select(Score).where(
                Score.round_id == round_id,
                Score.thread_id == thread_id,
                Score.municipality_id == municipality.id,
            )
        )
        return score.value if score else None

    return query(live, read)


def test_municipality_ballot_buttons_keep_the_focus(live, new_page):
    round_id, threads = _open_round_lines(live)
    _, line = threads[:2]  # a line of its own (the other ballot test uses Ardooie)
    value = f"value-{line}"
    form = f"#score-{line}"
    with in_english(live, BALLOT_USER):
        page, watched = new_page()
        sign_in(page, live.url, BALLOT_USER, DEMO_PASSWORD)
        page.goto(f"/rounds/{round_id}")
        page.locator(form).wait_for()

        # Type a score and press Enter: the field keeps the focus.
        tab_until(page, f"e => e.id === '{value}'")
        page.keyboard.press("Control+A")
        page.keyboard.type("6")
        page.keyboard.press("Enter")
        expect(page.locator(f"{form} .saved-state")).to_have_text(re.compile("^Saved"))
        assert focused(page)["id"] == value
        said(page, re.compile("^Saved"))
        no_axe_findings(page, "the ballot after a save")

        # "Save" pressed with Space saves in place and keeps the focus.
        page.keyboard.press("ArrowUp")
        tab_until(page, "e => e.textContent.trim() === 'Save'")
        page.evaluate("document.getElementById('announcer').textContent = ''")
        page.keyboard.press("Space")
        said(page, re.compile("^Saved"))
        now = focused(page)
        assert (now["text"], now["within"]) == ("Save", f"score-{line}")
        assert _score(live, round_id, line) == 7

        # "No answer" clears the score; its button goes, so the focus goes to
        # the score field of the same line.
        page.keyboard.press("Tab")
        assert focused(page)["text"] == "No answer"
        page.evaluate("document.getElementById('announcer').textContent = ''")
        page.keyboard.press("Space")
        said(page, re.compile("^Saved"))
        expect(page.locator(f"#{value}")).to_have_value("")
        assert focused(page)["id"] == value
        assert _score(live, round_id, line) is None

        # An invalid score: the field keeps the focus and the error is said.
        page.keyboard.type("12")
        page.keyboard.press("Enter")
        expect(page.locator(f"#{value}")).to_have_attribute("aria-invalid", "true")
        error = page.locator(f"#{value}-error").text_content().strip()
        said(page, error)
        assert focused(page)["id"] == value
        no_axe_findings(page, "the ballot with an invalid score")
        watched.assert_clean()


# --- the coordinator moves a dossier in the pipeline ------------------------------


def test_coordinator_moves_a_dossier_in_the_pipeline_by_keyboard(live, new_page):
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator", locale="en-US")
        page.goto("/applications")
        card = page.locator("#column-idea article.card").first
        card_id = card.get_attribute("id")
        title = card.locator("a").first.text_content().strip()
        in_card = f"e => !!e.closest('#{card_id}')"

        # idea → preparing: the moved dossier keeps the focus, the move is said.
        tab_until(page, f"e => e.matches('#{card_id} button[data-move=preparing]')")
        name = page.evaluate(
            "e => e.textContent.replace(/\\s+/g, ' ').trim()",
            page.locator(f"#{card_id} button[data-move=preparing]").element_handle(),
        )
        assert title in name, "a move button names its dossier"
        page.keyboard.press("Enter")
        moved = page.locator(f"#column-preparing #{card_id}")
        expect(moved).to_be_visible()
        status = page.locator("#column-preparing h3 .badge").text_content().strip()
        said(page, f"“{title}” moved to {status}.")
        now = focused(page)
        assert (now["tag"], now["within"], now["text"]) == ("a", card_id, title)
        no_axe_findings(page, "the board after a move")

        # preparing → submitted without a date: refused; the date field that
        # must be filled takes the focus and the reason is said.
        tab_until(page, f"e => e.matches('#{card_id} button[data-move=submitted]')")
        page.keyboard.press("Space")
        date = page.locator(f"#{card_id} input[name='move-submitted_on']")
        expect(date).to_be_visible()
        assert focused(page)["name"] == "move-submitted_on"
        expect(date).to_have_attribute("aria-invalid", "true")
        error = page.locator(f"#{card_id} .field-error").first.text_content().strip()
        said(page, error)
        no_axe_findings(page, "a refused move")

        # The date typed, the move confirmed with Enter.
        page.keyboard.type("01152026")
        assert date.input_value() == "2026-01-15"
        tab_until(page, f"e => e.matches('#{card_id} button[type=submit]')")
        page.keyboard.press("Enter")
        expect(page.locator(f"#column-submitted #{card_id}")).to_be_visible()
        status = page.locator("#column-submitted h3 .badge").text_content().strip()
        said(page, f"“{title}” moved to {status}.")
        assert page.evaluate(f"({in_card})(document.activeElement)")
        assert focused(page)["tag"] == "a"
        no_axe_findings(page, "the board after the second move")
        watched.assert_clean()


# --- sorting and filtering /tasks --------------------------------------------------


def test_sorting_and_filtering_tasks_by_keyboard(live, new_page):
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto("/tasks")
        header = page.locator("th[aria-sort]")
        expect(header).to_have_attribute("aria-sort", "ascending")

        # Sort: the focus stays on the sorted column's header, its state changes.
        tab_until(page, "e => e.id === 'sort-due'")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"sort=-due"))
        expect(header).to_have_attribute("aria-sort", "descending")
        assert focused(page)["id"] == "sort-due"
        total = page.locator(".list-summary").get_attribute("data-total")
        said(page, f"{total} tasks")
        no_axe_findings(page, "/tasks sorted")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "sort=" not in url)
        expect(header).to_have_attribute("aria-sort", "ascending")
        assert focused(page)["id"] == "sort-due"

        # Filter with the arrow keys: the select keeps the focus, the count is said.
        tab_until(page, "e => e.id === 'filter-status'", key="Shift+Tab")
        page.keyboard.press("ArrowDown")
        page.wait_for_url(re.compile(r"status=todo"))
        summary = page.locator(".list-summary")
        expect(summary).to_have_attribute("data-total", re.compile(r"^\d+$"))
        total = summary.get_attribute("data-total")
        said(page, f"{total} tasks")
        assert focused(page)["id"] == "filter-status"
        no_axe_findings(page, "/tasks filtered")
        watched.assert_clean()


def test_a_column_sort_survives_a_filter_change(live, new_page):
    """The sort is a hidden input in the swapped list, tied to the filter form."""
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto("/tasks")
        tab_until(page, "e => e.id === 'sort-title'")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"sort=title"))
        expect(page.locator("th[aria-sort]")).to_have_attribute(
            "aria-sort", "ascending"
        )
        assert focused(page)["id"] == "sort-title"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"sort=-title"))
        tab_until(page, "e => e.id === 'filter-status'", key="Shift+Tab")
        page.keyboard.press("ArrowDown")
        page.wait_for_url(re.compile(r"status=todo.*sort=-title|sort=-title.*status"))
        header = page.locator("th[aria-sort]")
        expect(header).to_have_attribute("aria-sort", "descending")
        expect(header.locator("a")).to_have_id("sort-title")
        watched.assert_clean()


# --- editors of a working group: real buttons, focus back on the opener -------------


def test_group_editors_open_with_space_and_give_the_focus_back(live, new_page):
    group_id, _ = _group_task(live)
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/groups/{group_id}")

        # "Edit group" is a button: Space opens the form on its first field.
        edit = tab_until(page, "e => e.textContent.trim() === 'Edit group'")
        assert edit["tag"] == "button"
        page.keyboard.press("Space")
        expect(page.locator("#group-info textarea")).to_be_visible()
        assert focused(page)["name"] == "purpose", focused(page)
        no_axe_findings(page, "the group form")
        tab_until(page, "e => e.textContent.trim() === 'Cancel'")
        page.keyboard.press("Enter")
        expect(page.locator("#group-info form")).to_have_count(1)  # the button's
        expect(page.locator("#group-info textarea")).to_have_count(0)
        assert focused(page)["text"] == "Edit group"

        # "Add a task" too: the new row opens on its title; Cancel removes the
        # row and gives the focus back to the button.
        add = tab_until(page, "e => e.textContent.trim() === 'Add a task'")
        assert add["tag"] == "button"
        page.keyboard.press("Space")
        expect(page.locator("#new-task-row")).to_be_visible()
        assert focused(page)["id"] == "new-task-title"
        no_axe_findings(page, "the new task row")
        tab_until(page, "e => e.textContent.trim() === 'Cancel'")
        page.keyboard.press("Enter")
        expect(page.locator("#new-task-row")).to_have_count(0)
        assert focused(page)["text"] == "Add a task"
        watched.assert_clean()


# --- focus ring, menu, reflow details ----------------------------------------------

#: The focused element's outline: style, width and its contrast against the
#: background behind it (the first ancestor with an opaque background).
FOCUS_RING = (
    """() => {
  const e = document.activeElement;
"""
    + LUMINANCE_JS
    + """  let back = [255, 255, 255];
  for (let n = e.parentElement; n; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] === 1)) {
      back = c.slice(0, 3);
      break;
    }
  }
  const style = getComputedStyle(e);
  const ring = rgb(style.outlineColor).slice(0, 3);
  const [a, b] = [lum(ring), lum(back)].sort((x, y) => y - x);
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          contrast: (a + 0.05) / (b + 0.05), tag: e.tagName.toLowerCase(),
          text: e.textContent.trim()};
}"""
)


@pytest.mark.parametrize(
    "path, target",
    [
        # a button in a search form, a link, an outline button, a select, a card
        ("/tasks", "e => e.textContent.trim() === 'Filter'"),
        ("/tasks", "e => e.textContent.trim() === 'Clear filters'"),
        ("/tasks", "e => e.textContent.trim() === 'Sign out'"),
        ("/tasks", "e => e.id === 'filter-status'"),
        ("/applications", "e => e.matches('button[data-move]')"),
    ],
)
def test_focus_ring_is_visible_with_3_to_1_contrast(path, target, live, new_page):
    with in_english(live, "coordinator@midwest.example"):
        page, _ = new_page("coordinator")
        page.goto(path)
        tab_until(page, target)
        ring = page.evaluate(FOCUS_RING)
        assert ring["style"] == "solid" and ring["width"] >= 2, ring
        assert ring["contrast"] >= 3, ring
        # Only the control is ringed, not the search form around it.
        shadow = page.evaluate(
            "() => getComputedStyle(document.querySelector('form[role=search]')"
            " || document.body).boxShadow"
        )
        assert shadow == "none"


def test_menu_is_a_disclosure_on_a_phone_and_open_without_javascript(live, new_page):
    page, watched = new_page("coordinator", viewport={"width": 320, "height": 720})
    page.goto("/")
    toggle = page.locator(".nav-toggle")
    users = page.locator("#main-nav").get_by_role("link", name="Gebruikers")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(users).to_be_hidden()
    tab_until(page, "e => e.classList.contains('nav-toggle')")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(users).to_be_visible()  # the users page is in the coordinator's menu
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "a"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    watched.assert_clean()

    reader, _ = new_page(
        "coordinator", viewport={"width": 320, "height": 720}, java_script_enabled=False
    )
    reader.goto("/")
    expect(reader.locator(".nav-toggle")).to_be_hidden()
    menu = reader.locator("#main-nav")
    expect(menu.get_by_role("link", name="Gebruikers")).to_be_visible()


#: The smallest rendered font size (CSS px) of the SVG text in the page.
SMALLEST_SVG_TEXT = """() => Math.min(...[...document.querySelectorAll("svg text")].map(
  (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""


@pytest.mark.parametrize("width", [320, 1280])
def test_chart_and_timeline_text_is_at_least_12_px(width, live, new_page):
    from tests.e2e.live import demo_ids

    ids = demo_ids(live.app, "coordinator@midwest.example")
    page, _ = new_page("coordinator", viewport={"width": width, "height": 720})
    for path in (f"/rounds/{ids['closed_round']}/results", f"/themes/{ids['theme']}"):
        page.goto(path)
        assert page.locator("svg text").count() > 0, path
        assert page.evaluate(SMALLEST_SVG_TEXT) >= 12 - 0.01, path
    # The board of /applications needs no sideways scrolling of its own either.
    page.goto("/applications")
    assert page.evaluate(
        "() => { const b = document.querySelector('.board');"
        " return b.scrollWidth <= b.clientWidth; }"
    )


def test_theme_legend_colours_are_the_matrix_colours(live, new_page):
    page, _ = new_page("viewer")
    page.goto("/themes")
    stages = page.evaluate(
        """() => [...document.querySelectorAll(".stage-legend .badge")].map((b) => {
          const stage = [...b.classList].find((c) => c.startsWith("stage-"));
          const cell = document.querySelector(".rollout-matrix td." + stage);
          return {stage, legend: getComputedStyle(b).backgroundColor,
                  matrix: cell ? getComputedStyle(cell).backgroundColor : null};
        })"""
    )
    assert len(stages) == 6
    shown = [s for s in stages if s["matrix"]]
    assert shown, "the demo matrix shows no stage"
    for stage in shown:
        assert stage["legend"] == stage["matrix"], stage


def test_deadline_filter_count_is_announced(live, new_page):
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto("/deadlines")
        select = page.locator("form.filters select").first
        select.focus()
        page.keyboard.press("ArrowDown")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#announcer")).not_to_be_empty()
        spoken = page.locator("#announcer").text_content()
        first = page.locator("#deadline-list [data-announce]").first.text_content()
        assert " ".join(first.split()) in " ".join(spoken.split())
        assert focused(page)["tag"] == "select"
        watched.assert_clean()
