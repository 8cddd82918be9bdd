"""Forms after an htmx swap, with the keyboard (issue 24, items 6 and 11): Enter
saves the inline task editor, the add-task row and the partner form; Enter in a
search field searches and goes to the matches instead of saving; the focus and
the live region say what happened."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.e2e.conftest import focused
from tests.e2e.test_journeys import in_english, query
from tests.e2e.test_keyboard import _group_task, no_axe_findings, said, tab_until

pytestmark = pytest.mark.e2e


def _task_title(live, task_id: int) -> str:
    from app.extensions import db
    from app.work.models import Task

    return query(live, lambda: db.session.get(Task, task_id).title)


def _tasks_titled(live, title: str) -> int:
    from app.extensions import db
    from app.work.models import Task

    return query(
        live,
        lambda: db.session.scalar(
            select(func.count()).select_from(Task).where(Task.title == title)
        ),
    )


def test_enter_saves_the_inline_task_editor_after_a_swap(live, new_page):
    group_id, task_id = _group_task(live)
    row = f"#task-{task_id}"
    title = f"{_task_title(live, task_id)} (Enter)"
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/groups/{group_id}")
        tab_until(page, f"e => e.matches('{row} a[data-opener]')")
        page.keyboard.press("Enter")  # the editor arrives by an htmx swap
        expect(page.locator(f"{row}.editing")).to_be_visible()
        assert focused(page)["id"] == f"task-{task_id}-title"
        # No hidden no-JavaScript button in the swapped-in editor.
        expect(page.locator(f"{row} button[name=find]")).to_have_count(0)

        # Enter in a search field searches and goes to the first match; it
        # does not send the form.
        tab_until(page, f"e => e.id === 'task-{task_id}-assignee_id_search'")
        page.keyboard.type("a")
        page.keyboard.press("Enter")
        matches = page.locator(f"#task-{task_id}-assignee_id-matches input[type=radio]")
        expect(matches.first).to_be_focused()
        expect(page.locator(f"{row}.editing")).to_be_visible()

        page.locator(f"#task-{task_id}-title").focus()
        page.keyboard.press("Control+A")
        page.keyboard.type(title)
        page.keyboard.press("Enter")
        expect(page.locator(f"{row} .saved-state")).to_have_text("Saved")
        said(page, "Saved")
        assert page.evaluate(
            f"document.activeElement.matches('{row} a[data-opener]')"
        ), focused(page)
        watched.assert_clean()
    assert _task_title(live, task_id) == title


def test_enter_adds_a_task_and_the_focus_goes_to_the_next_title(live, new_page):
    group_id, _ = _group_task(live)
    first, second = "Enter-taak een", "Enter-taak twee"
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/groups/{group_id}")
        tab_until(page, "e => e.textContent.trim() === 'Add a task'")
        page.keyboard.press("Enter")
        expect(page.locator("#new-task-row")).to_be_visible()
        # A second press does not add a second row with the same ids.
        page.get_by_role("button", name="Add a task").press("Enter")
        page.locator("#new-task-title").focus()
        expect(page.locator("#new-task-row")).to_have_count(1)
        assert (
            page.evaluate("document.querySelectorAll('[id=new-task-title]').length")
            == 1
        )

        page.keyboard.type(first)
        page.keyboard.press("Enter")
        created = page.locator("#group-tasks-body tr.task-row", has_text=first)
        expect(created).to_have_count(1)
        said(page, re.compile(re.escape(first)))
        # The focus is on the title of the fresh row, ready for the next task.
        expect(page.locator("#new-task-title")).to_be_focused()
        expect(page.locator("#new-task-title")).to_have_value("")

        page.keyboard.type(second)
        page.get_by_role("button", name="Add", exact=True).click()  # the button too
        expect(
            page.locator("#group-tasks-body tr.task-row", has_text=second)
        ).to_have_count(1)
        expect(page.locator("#new-task-title")).to_be_focused()
        no_axe_findings(page, "the group after two inline adds")
        watched.assert_clean()
    assert _tasks_titled(live, first) == 1
    assert _tasks_titled(live, second) == 1


def _dossier_without_partners(live) -> int:
    """A dossier of the demo that has no partners yet and is still open."""
    from app.extensions import db
    from app.subsidies.models import Application

    def find():
        for application in db.session.scalars(
            select(Application).order_by(Application.id)
        ):
            if not application.partners and application.status in ("idea", "preparing"):
                return application.id
        raise AssertionError("the demo has no open dossier without partners")

    return query(live, find)


def _partner_slugs(live, application_id: int) -> list[str]:
    from app.extensions import db
    from app.subsidies.models import Application

    return query(
        live,
        lambda: sorted(
            p.municipality.slug
            for p in db.session.get(Application, application_id).partners
        ),
    )


def test_enter_adds_a_partner_after_a_swap(live, new_page):
    application_id = _dossier_without_partners(live)
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto(f"/applications/{application_id}")
        partners = page.locator("#dossier-partners")

        # An empty add: the section is swapped, the error is said and the
        # focus goes to the field in error (not to <body>).
        partners.get_by_role("button", name="Add partner").click()
        error_field = partners.locator("[aria-invalid=true]").first
        expect(error_field).to_be_visible()
        assert focused(page)["tag"] != "body"
        expect(page.locator("#announcer")).not_to_have_text("")

        # After that swap: type, pick with the keyboard, Enter in the share.
        search = partners.get_by_label("Search: Partner municipality")
        search.fill("Pittem")
        search.press("Enter")  # searches, and goes to the first match
        match = partners.locator(
            "#dossier-partner-municipality_id-matches"
        ).get_by_label("Pittem", exact=True)
        expect(match).to_be_focused()
        page.keyboard.press("Space")
        expect(match).to_be_checked()
        assert _partner_slugs(live, application_id) == []  # nothing sent yet
        share = partners.get_by_label("Share (%)")
        share.fill("20")
        share.press("Enter")
        expect(
            page.locator("#dossier-partners tbody").get_by_role("link", name="Pittem")
        ).to_be_visible()
        expect(page.locator("#announcer")).not_to_have_text("")
        assert focused(page)["tag"] != "body"
        watched.assert_clean()
    assert _partner_slugs(live, application_id) == ["pittem"]


# --- issue 24 item 10: the idle warning and what was typed -------------------------


@pytest.fixture
def short_idle_timeout(live):
    """The live server signs out after 20 s of inactivity during the test."""
    from datetime import timedelta

    before = live.app.config["IDLE_TIMEOUT"]
    live.app.config["IDLE_TIMEOUT"] = timedelta(seconds=20)
    yield 20
    live.app.config["IDLE_TIMEOUT"] = before


def test_idle_warning_keeps_the_user_signed_in_and_keeps_what_was_typed(
    live, new_page, short_idle_timeout
):
    from tests.conftest import DEMO_PASSWORD
    from tests.e2e.live import sign_in

    wait = {"timeout": 60_000}
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page()
        sign_in(page, live.url, "coordinator@midwest.example", DEMO_PASSWORD)
        page.goto("/applications/new")
        form = page.locator("main form")
        form.get_by_label("Title").fill("Half-typed dossier")
        # A search field's lookup (an htmx GET) is no save: the draft stays.
        form.get_by_label("Search: Lead municipality").fill("Tielt")
        lead_matches = form.locator("#dossier-lead_municipality_id-matches")
        expect(lead_matches.get_by_label("Tielt", exact=True)).to_be_visible()
        reference = form.get_by_label("Reference")
        reference.fill("IDLE-001")

        # The warning comes before the timeout, with the focus on "Stay signed in".
        dialog = page.get_by_role("dialog", name="Are you still there?")
        expect(dialog).to_be_visible(**wait)
        stay = dialog.get_by_role("button", name="Stay signed in")
        expect(stay).to_be_focused()
        expect(dialog).to_contain_text("you will be signed out at")
        no_axe_findings(page, "the idle warning")
        page.keyboard.press("Enter")
        expect(dialog).to_be_hidden()
        said(page, "You stay signed in.")
        expect(reference).to_be_focused()

        # Ignored, the warning turns into the notice of the sign-out.
        sign_in_again = dialog.get_by_role("button", name="Sign in again")
        expect(sign_in_again).to_be_visible(**wait)
        expect(sign_in_again).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/login\?next="))
        expect(page.locator("#flashes")).to_contain_text(re.compile("afgemeld"))

        # Signed in again: back on the form, filled in again (unsaved), and said.
        page.locator("input[name=email]").fill("coordinator@midwest.example")
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/applications/new$"))
        form = page.locator("main form")
        expect(form.get_by_label("Title")).to_have_value("Half-typed dossier")
        expect(form.get_by_label("Reference")).to_have_value("IDLE-001")
        said(page, re.compile("filled in again"))
        expect(page.locator("#flashes")).to_contain_text("filled in again")

        # Once filled in, the draft is gone: a reload shows the empty form.
        page.reload()
        expect(page.locator("main form").get_by_label("Title")).to_have_value("")
        watched.assert_clean()


# --- issue 24 item 11: focus and announcements after smaller swaps -------------------


def _granted_dossier(live) -> int:
    from app.extensions import db
    from app.subsidies.models import Application

    def find():
        return db.session.scalar(
            select(Application.id)
            .where(Application.status == "granted", Application.archived_at.is_(None))
            .order_by(Application.id)
        )

    return query(live, find)


def test_payment_add_and_delete_are_said_and_keep_the_focus(live, new_page):
    from app import clock

    application_id = _granted_dossier(live)
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto(f"/applications/{application_id}")
        payments = page.locator("#dossier-payments")
        payments.get_by_label("Paid on").fill(clock.today().isoformat())
        payments.get_by_label("Amount (€)").fill("1234,50")
        payments.get_by_label("Note").fill("e2e payment")
        payments.get_by_label("Note").press("Enter")
        added = payments.locator("li[data-payment-id]", has_text="e2e payment")
        expect(added).to_have_count(1)
        said(page, re.compile("^Payments saved"))
        assert focused(page)["tag"] != "body"

        page.once("dialog", lambda dialog: dialog.accept())
        page.evaluate("document.getElementById('announcer').textContent = ''")
        added.get_by_role("button", name="Delete").click()
        expect(payments.locator("li", has_text="e2e payment")).to_have_count(0)
        said(page, re.compile("^Payments saved"))
        assert focused(page)["tag"] != "body"
        watched.assert_clean()


def test_deleting_a_task_inline_is_said_and_the_focus_goes_to_the_next_row(
    live, new_page
):
    group_id, _ = _group_task(live)
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/groups/{group_id}")
        page.get_by_role("button", name="Add a task").click()
        page.locator("#new-task-title").fill("Task to delete")
        page.locator("#new-task-title").press("Enter")
        row = page.locator("#group-tasks-body tr.task-row", has_text="Task to delete")
        expect(row).to_have_count(1)
        page.once("dialog", lambda dialog: dialog.accept())
        delete = row.get_by_role("link", name=re.compile("^Delete"))
        delete.focus()
        page.keyboard.press("Enter")
        expect(row).to_have_count(0)
        said(page, "Task “Task to delete” deleted.")
        assert focused(page)["tag"] not in ("body", "main"), focused(page)
        watched.assert_clean()
    assert _tasks_titled(live, "Task to delete") == 0


def test_publish_and_withdraw_keep_the_focus_and_are_said(live, new_page):
    group_id, _ = _group_task(live)
    from app.extensions import db
    from app.work.models import WorkingGroup

    theme_id = query(live, lambda: db.session.get(WorkingGroup, group_id).theme_id)
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto(f"/themes/{theme_id}")
        widget = page.locator(f"#publish-theme-{theme_id}")
        first = widget.get_by_role("button", name=re.compile("^(Publish|Unpublish)$"))
        name = first.text_content().strip()
        other = "Unpublish" if name == "Publish" else "Publish"
        first.focus()
        page.keyboard.press("Enter")
        button = widget.get_by_role("button", name=other, exact=True)
        expect(button).to_be_focused()
        said(page, "Published." if name == "Publish" else "No longer public.")
        page.keyboard.press("Enter")
        expect(widget.get_by_role("button", name=name, exact=True)).to_be_focused()
        said(page, "No longer public." if name == "Publish" else "Published.")
        watched.assert_clean()


def test_a_summary_has_the_focus_ring_of_every_control(live, new_page):
    """Issue 24 item 11: Pico's translucent ring on <summary> was 1.76:1."""
    from tests.e2e.test_keyboard import FOCUS_RING

    with in_english(live, "coordinator@midwest.example"):
        page, _ = new_page("coordinator")
        page.goto(f"/applications/{_granted_dossier(live)}")
        summary = page.locator("#dossier-obligations summary")
        page.keyboard.press("Tab")  # a keyboard user: the ring shows on focus
        summary.focus()
        assert page.evaluate("document.activeElement.matches(':focus-visible')")
        ring = page.evaluate(FOCUS_RING)
        assert ring["style"] == "solid" and ring["width"] >= 2, ring
        assert ring["contrast"] >= 3, ring
        # FOCUS_RING reads the colour without its alpha: the ring must be opaque
        # (Pico's is a see-through --pico-primary-focus).
        colour = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
        assert colour.startswith("rgb(") or colour.endswith(", 1)"), colour


def test_a_form_sent_back_with_errors_focuses_its_error_summary(live, new_page):
    """Issue 24 item 11: a full-page 422 says "Error:" and moves the focus."""
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto("/applications/new")
        page.locator("main form").get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        assert page.title().startswith("Error: ")
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("heading")).to_have_text(
            "Please correct the following"
        )
        first = summary.get_by_role("link").first
        expect(first).to_contain_text("Title")
        page.keyboard.press("Tab")
        expect(first).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main form").get_by_label("Title")).to_be_focused()
        no_axe_findings(page, "the form sent back with errors")
        watched.assert_clean()


def test_timeline_box_reads_and_its_legend_names_every_colour(live, new_page):
    """Issue 24 item 11: the focusable chart box held only hidden content, and
    the blocked tasks' colour was missing from the legend."""
    group_id, _ = _group_task(live)
    from app.extensions import db
    from app.work.models import WorkingGroup

    theme_id = query(live, lambda: db.session.get(WorkingGroup, group_id).theme_id)
    page, _ = new_page("coordinator")
    page.goto(f"/themes/{theme_id}")
    box = page.locator(".timeline .chart-scroll")
    assert re.search(r"- (text|paragraph)", box.aria_snapshot()), box.aria_snapshot()
    colours = page.evaluate(
        """() => {
          const svg = document.querySelector(".timeline-svg");
          const NS = "http://www.w3.org/2000/svg";
          const fills = [];
          for (const status of ["todo", "in_progress", "blocked", "done"]) {
            const g = document.createElementNS(NS, "g");
            g.setAttribute("class", "timeline-item kind-task status-" + status);
            const dot = document.createElementNS(NS, "circle");
            dot.setAttribute("class", "marker");
            g.appendChild(dot);
            svg.appendChild(g);
            fills.push(getComputedStyle(dot).fill);
            g.remove();
          }
          const legend = [...document.querySelectorAll(".timeline-legend span")]
            .map((s) => getComputedStyle(s, "::before").backgroundColor);
          return {fills, legend};
        }"""
    )
    missing = [f for f in colours["fills"] if f not in colours["legend"]]
    assert not missing, colours


#: The page's cumulative layout shift so far (shifts without recent input).
LAYOUT_SHIFT = """() => new Promise((done) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) { total += entry.value; }
    }
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => done(total), 500);
})"""


@pytest.mark.parametrize("path", ["/applications", "/municipalities/roeselare"])
def test_no_layout_shift_on_a_phone(path, live, new_page):
    """Issue 24 item 11: 0.38 on a phone (the menu closed after the first paint)."""
    from tests.e2e.conftest import PHONE

    page, _ = new_page("coordinator", viewport=PHONE)
    page.goto(path)
    page.wait_for_load_state("load")
    shift = page.evaluate(LAYOUT_SHIFT)
    assert shift < 0.1, shift


# --- issue 24 item 11: the date field's calendar button (a11y2) ---------------------


def _contrast(one: list[float], other: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        def linear(v: float) -> float:
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(v) for v in rgb[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted([luminance(one), luminance(other)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"[\d.]+", text)]


def _calendar_button_style(cdp, field_id: str) -> dict:
    """The computed style of the "Show date picker" button of date field
    `field_id`, an element of Chromium's own shadow tree that only the DevTools
    protocol sees (getComputedStyle answers the field's own style for this
    pseudo-element)."""
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    field = cdp.send(
        "DOM.querySelector", {"nodeId": root["nodeId"], "selector": f"#{field_id}"}
    )

    def nodes(node):
        yield node
        for child in node.get("children", []) + node.get("shadowRoots", []):
            yield from nodes(child)

    def pseudo(node) -> str | None:
        attributes = node.get("attributes", [])
        return dict(zip(attributes[::2], attributes[1::2], strict=True)).get("pseudo")

    (host,) = [n for n in nodes(root) if n["nodeId"] == field["nodeId"]]
    found = [n for n in nodes(host) if pseudo(n) == "-webkit-calendar-picker-indicator"]
    assert len(found) == 1, f"{len(found)} calendar buttons in #{field_id}"
    style = cdp.send("CSS.getComputedStyleForNode", {"nodeId": found[0]["nodeId"]})
    return {item["name"]: item["value"] for item in style["computedStyle"]}


def _focused_accessible(cdp) -> tuple[str, str]:
    """Role and name of the node with the focus in the accessibility tree (the
    calendar button is no DOM element: document.activeElement is the field)."""
    for node in cdp.send("Accessibility.getFullAXTree")["nodes"]:
        properties = {
            p["name"]: p["value"].get("value") for p in node.get("properties", [])
        }
        if properties.get("focused") and node["role"]["value"] != "RootWebArea":
            return node["role"]["value"], node.get("name", {}).get("value", "")
    return "", ""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_date_fields_fourth_tab_stop_is_a_visible_ringed_button(
    live, new_page, scheme
):
    """Pico made Chromium's calendar button (the fourth Tab stop of a date field,
    after day, month and year) invisible: opacity 0 and no focus ring."""
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator", color_scheme=scheme)
        page.goto(f"/applications/{_granted_dossier(live)}")
        field = page.locator("#dossier-payments").get_by_label("Paid on")
        field.wait_for()
        field_id = field.get_attribute("id")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")

    page.keyboard.press("Tab")  # a keyboard user: focus rings show
    field.focus()  # the first of its segments
    roles = [_focused_accessible(cdp)[0]]
    for _ in range(3):
        page.keyboard.press("Tab")
        roles.append(_focused_accessible(cdp)[0])
    assert roles == ["spinbutton", "spinbutton", "spinbutton", "button"], roles
    expect(field).to_be_focused()  # the button is inside the field
    button = _calendar_button_style(cdp, field_id)

    # Shown: fully opaque, Chromium's own picture replaced by our calendar, in a
    # colour of at least 3:1 on the field's background (1.4.11).
    assert float(button["opacity"]) == 1, button["opacity"]
    stroke = re.search(r"stroke='(rgb\([^)]*\))'", button["background-image"])
    assert stroke, button["background-image"][:120]
    background = _rgb(field.evaluate("e => getComputedStyle(e).backgroundColor"))
    assert _contrast(_rgb(stroke[1]), background) >= 3, (stroke[1], background)
    assert float(button["width"].removesuffix("px")) >= 12, button["width"]

    # Ringed while it has the focus (2.4.7), with a ring of 3:1 on the field ...
    assert button["outline-style"] == "solid", button["outline-style"]
    assert float(button["outline-width"].removesuffix("px")) >= 2
    assert _contrast(_rgb(button["outline-color"]), background) >= 3

    # ... and only then: on the year segment and after leaving the field, no ring.
    page.keyboard.press("Shift+Tab")
    assert _focused_accessible(cdp)[0] == "spinbutton"
    assert _calendar_button_style(cdp, field_id)["outline-style"] == "none"

    # Back on the button, then the next Tab leaves the field: four stops, all seen.
    page.keyboard.press("Tab")
    assert _focused_accessible(cdp)[0] == "button"
    page.keyboard.press("Tab")
    assert not field.evaluate("e => e === document.activeElement")
    assert _calendar_button_style(cdp, field_id)["outline-style"] == "none"
    watched.assert_clean()


# --- issue 24 item 11: a search field's matches with the keyboard only (a11y2) -------

#: What the live region says when a search has found something.
FOUND = re.compile(r"^\d+ match(es)?\.( More match: type more of the name\.)?$")


def _hint(page) -> str:
    """The description of the focused field (aria-describedby)."""
    return page.evaluate(
        """() => (document.activeElement.getAttribute("aria-describedby") || "")
             .split(" ").map(id => document.getElementById(id).textContent).join(" ")"""
    )


def _is_match(box_id: str) -> str:
    return f"e => e.matches('#{box_id} input[type=radio]')"


def test_keyboard_only_a_dossiers_lead_is_searched_reached_and_chosen(live, new_page):
    """Nothing chosen yet (a new dossier): Tab itself goes from the search field to
    the first match; the arrow keys choose; Shift+Tab and Tab come back to the
    chosen one. Found matches are said by the page's live region."""
    search_id = "dossier-lead_municipality_id_search"
    box_id = "dossier-lead_municipality_id-matches"
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto("/applications/new")
        tab_until(page, f"e => e.id === '{search_id}'")
        assert "Enter or the down arrow goes to the matches" in _hint(page)
        page.keyboard.type("e")
        said(page, FOUND)
        matches = page.locator(f"#{box_id} input[type=radio]")
        assert matches.count() >= 2
        expect(page.locator(f"#{search_id}")).to_be_focused()  # typing stays put

        page.keyboard.press("Tab")
        expect(matches.nth(0)).to_be_focused()
        expect(matches.nth(0)).not_to_be_checked()  # reached, not chosen yet
        page.keyboard.press("ArrowDown")  # the arrow keys choose
        expect(matches.nth(1)).to_be_focused()
        expect(matches.nth(1)).to_be_checked()
        chosen = matches.nth(1).get_attribute("value")

        page.keyboard.press("Shift+Tab")  # back to the search field ...
        expect(page.locator(f"#{search_id}")).to_be_focused()
        page.keyboard.press("Tab")  # ... and forward to the chosen match
        expect(matches.nth(1)).to_be_focused()
        page.keyboard.press("Tab")  # then on to the next field
        assert not page.evaluate(f"({_is_match(box_id)})(document.activeElement)")
        form_value = page.evaluate(
            "() => new FormData(document.querySelector('main form'))"
            ".get('lead_municipality_id')"
        )
        assert form_value == chosen

        # Nothing found is said too, and the choice made stays in the form.
        page.locator(f"#{search_id}").focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("zzzz")
        said(page, "Nothing matches “zzzz”.")
        watched.assert_clean()


def _lead_task(live) -> tuple[int, int | None]:
    from app.extensions import db
    from app.work.models import Task

    _, task_id = _group_task(live)
    return task_id, query(live, lambda: db.session.get(Task, task_id).assignee_id)


def test_keyboard_only_a_tasks_assignee_is_searched_reached_chosen_and_saved(
    live, new_page
):
    """A choice already made (or "Nobody") holds the radio group's one Tab stop,
    before the search field: the matches, in the same group, are reached with the
    arrow keys from it (Shift+Tab, arrows) or with ArrowDown/Enter from the
    search field (the field's hint says so); Enter on a match saves the form."""
    from app.extensions import db
    from app.work.models import Task

    task_id, before = _lead_task(live)
    search_id = "task-assignee_id_search"
    box_id = "task-assignee_id-matches"
    with in_english(live, "lead@midwest.example"):
        page, watched = new_page("lead")
        page.goto(f"/tasks/{task_id}/edit")
        tab_until(page, f"e => e.id === '{search_id}'")
        assert "Enter or the down arrow goes to the matches" in _hint(page)
        page.keyboard.type("e")
        said(page, FOUND)
        matches = page.locator(f"#{box_id} input[type=radio]")
        assert matches.count() >= 2
        values = [m.get_attribute("value") for m in matches.all()]

        # Tab, Shift+Tab and arrows only: Shift+Tab to the group's checked radio
        # (the current choice), then down through the group into the matches.
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(
            "e => e.type === 'radio' && e.checked && e.name === 'assignee_id'",
            page.evaluate_handle("document.activeElement"),
        ), focused(page)
        for _ in range(5):
            page.keyboard.press("ArrowDown")
            if page.evaluate(f"({_is_match(box_id)})(document.activeElement)"):
                break
        expect(matches.nth(0)).to_be_focused()
        expect(matches.nth(0)).to_be_checked()

        # Or straight from the search field: ArrowDown goes to the first match,
        # the arrows choose, Enter saves.
        page.locator(f"#{search_id}").focus()
        page.keyboard.press("ArrowDown")
        expect(matches.nth(0)).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(matches.nth(1)).to_be_focused()
        expect(matches.nth(1)).to_be_checked()
        chosen = int(values[1])
        assert chosen != before
        page.keyboard.press("Enter")  # saved: back on the task's group
        page.wait_for_url(re.compile(r"/groups/\d+$"))
        watched.assert_clean()
    assert query(live, lambda: db.session.get(Task, task_id).assignee_id) == chosen
