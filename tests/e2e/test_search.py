"""The header search in a real browser: a coordinator finds a dossier with the
keyboard only (type, arrow down, Enter), and Escape closes the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD
from tests.e2e.live import sign_in
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
