"""The header search in a real browser: a coordinator finds a dossier with the
keyboard only (type, arrow down, Enter), and Escape closes the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD
from tests.e2e.live import LUMINANCE_JS, sign_in
from tests.e2e.test_journeys import in_english, query

pytestmark = pytest.mark.e2e


def _izegem_dossier(live) -> tuple[int, str]:
    from app.extensions import db
    from app.subsidies.models import Application

    def find():
        application = db.session.scalar(
            select(Application).where(Application.reference == "EINCL-2021-IZEGEM")
        )
        return application.id, application.title

    return query(live, find)


def test_coordinator_finds_a_dossier_with_the_keyboard(live, new_page):
    application_id, title = _izegem_dossier(live)
    word = title.split()[0]
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page()
        sign_in(page, live.url, "coordinator@midwest.example", DEMO_PASSWORD)
        page.goto("/")
        field = page.get_by_role("combobox", name=re.compile("Search"))
        field.focus()
        page.keyboard.type(word)
        listbox = page.locator("#site-search-results")
        option = listbox.get_by_role("option", name=re.compile(re.escape(title)))
        expect(option).to_be_visible()
        expect(field).to_have_attribute("aria-expanded", "true")

        # Escape closes the list; typing again opens it.
        page.keyboard.press("Escape")
        expect(listbox).to_be_hidden()
        expect(field).to_have_attribute("aria-expanded", "false")
        page.keyboard.type(" ")
        page.keyboard.press("Backspace")
        expect(option).to_be_visible()

        # Arrow down to the dossier and open it with Enter.
        options = listbox.get_by_role("option")
        position = next(
            i for i in range(options.count()) if title in options.nth(i).inner_text()
        )
        for _ in range(position + 1):
            page.keyboard.press("ArrowDown")
        expect(option).to_have_attribute("aria-selected", "true")
        active = field.get_attribute("aria-activedescendant")
        assert active == option.get_attribute("id")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/applications/{application_id}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        watched.assert_clean()


# --- issue 24 item 7: the ARIA combobox pattern ------------------------------------

#: The contrast of the selected option's text against its own background.
OPTION_CONTRAST = (
    """(o) => {
"""
    + LUMINANCE_JS
    + """  const back = rgb(getComputedStyle(o).backgroundColor);
  if (back.length === 4 && back[3] < 1) { return 0; }  // see-through: not measured
  let lowest = 21;
  for (const e of [o, ...o.querySelectorAll("*")]) {
    const text = lum(rgb(getComputedStyle(e).color));
    const [a, b] = [text, lum(back)].sort((x, y) => y - x);
    lowest = Math.min(lowest, (a + 0.05) / (b + 0.05));
  }
  return lowest;
}"""
)


def _open_list(page, word):
    field = page.get_by_role("combobox", name=re.compile("Search"))
    field.focus()
    page.keyboard.type(word)
    listbox = page.locator("#site-search-results")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option").first).to_be_visible()
    return field, listbox


def test_header_search_is_a_combobox_with_plain_vertical_options(live, new_page):
    from tests.e2e.conftest import run_axe

    _, title = _izegem_dossier(live)
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto("/")
        field, listbox = _open_list(page, "a")
        options = listbox.get_by_role("option")
        assert options.count() >= 3
        # Plain options: nothing focusable or interactive inside them.
        assert listbox.locator("[role=option] a, [role=option] button").count() == 0
        # One option under the other, inside the box (no sideways strip).
        boxes = [options.nth(i).bounding_box() for i in range(3)]
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
        assert len({round(b["x"]) for b in boxes}) == 1
        widths = listbox.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert widths[0] <= widths[1], widths
        violations = [v for v in run_axe(page) if v["id"] != "region"]
        assert not violations, violations

        # The active option: at least 4.5:1.
        page.keyboard.press("ArrowDown")
        active = options.first
        expect(active).to_have_attribute("aria-selected", "true")
        assert active.evaluate(OPTION_CONTRAST) >= 4.5

        # Escape closes; typing opens again; Tab leaving closes.
        page.keyboard.press("Escape")
        expect(listbox).to_be_hidden()
        expect(field).to_have_attribute("aria-expanded", "false")
        page.keyboard.type("i")
        expect(listbox).to_be_visible()
        page.keyboard.press("Tab")
        expect(listbox).to_be_hidden()
        expect(field).to_have_attribute("aria-expanded", "false")
        assert page.evaluate("document.activeElement.id") != "site-search"

        # A click on an option opens it, as Enter does.
        field.focus()
        field.fill("")
        page.keyboard.type(title.split()[0])
        listbox.get_by_role("option", name=re.compile(re.escape(title))).click()
        page.wait_for_url(re.compile(r"/applications/\d+$"))
        watched.assert_clean()


def test_header_search_list_does_not_cover_the_page_at_320_px(live, new_page):
    from tests.e2e.conftest import PHONE

    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator", viewport=PHONE)
        page.goto("/tasks")
        _, listbox = _open_list(page, "a")
        box = listbox.bounding_box()
        below = page.locator("main").bounding_box()
        assert box["y"] + box["height"] <= below["y"] + 1, (box, below)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        watched.assert_clean()
