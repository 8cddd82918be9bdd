"""Browser fixtures: a live server on fresh demo data and the system Chromium.

Every pytest-xdist worker gets its own server (free port), its own copy of the
demo database and its own browser, all made once per worker. Pages record their
console errors, uncaught exceptions and Content-Security-Policy violations
(`Watch`); the CSP stays enforced. axe-core is injected through the DevTools
protocol (`page.evaluate`), which the page's CSP does not govern, so the same
page load serves both checks.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.e2e.live import (
    AXE,
    CHROMIUM,
    CSP_LISTENER,
    VIEWPORT,
    launch,
    live_server,
    sign_in,
)

ROLE_USERS = {
    "coordinator": "coordinator@midwest.example",
    "lead": "lead@midwest.example",  # Roeselare, leads "Werkgroep ICT klankbord"
    "municipality": "izegem@midwest.example",
    "viewer": "viewer@midwest.example",
}


def _browser_missing() -> str | None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return None
    return (
        f"Chromium is not installed at {CHROMIUM}: the browser tests (marker e2e) "
        "need Debian's `chromium` package (apt-get install chromium)."
    )


@pytest.fixture(scope="session")
def live(databases, tmp_path_factory):
    """The app on a fresh copy of the demo data, served on a free local port."""
    url = databases.create("demo", tmp_path_factory.mktemp("e2e"))
    with live_server(url) as server:
        yield server
    databases.drop(url)


@pytest.fixture(autouse=True)
def _no_server_errors(request):
    """Fail a browser test when the live server raised (a 500) during it."""
    if "live" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("live")
    server.take_errors()
    yield
    errors = server.take_errors()
    assert not errors, "server errors:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def browser():
    """The system Chromium; a clear failure when it is missing or cannot start."""
    missing = _browser_missing()
    if missing:
        required = os.environ.get("E2E_REQUIRED") == "1"
        pytest.fail(("E2E_REQUIRED=1: " if required else "") + missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = launch(playwright)
        except Exception as error:  # reported as a test failure
            pytest.fail(f"Chromium at {CHROMIUM} could not start: {error}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def role_states(live, browser, tmp_path_factory):
    """`role_states(role)`: the cookies of a signed-in demo user (form sign-in,
    once per role and worker)."""
    folder = tmp_path_factory.mktemp("e2e-states")
    states: dict[str, str] = {}

    def state(role: str) -> str:
        if role not in states:
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            sign_in(page, live.url, ROLE_USERS[role], DEMO_PASSWORD)
            path = folder / f"{role}.json"
            context.storage_state(path=str(path))
            context.close()
            states[role] = str(path)
        return states[role]

    return state


#: Chromium logs every 4xx answer as a console error; 409 (a conflict) and 422
#: (invalid input) are answers the app gives on purpose, shown in the page.
EXPECTED_ANSWER = re.compile(r"^Failed to load resource: .*status of (409|422)\b")


@dataclass
class Watch:
    """Console errors, uncaught exceptions and CSP violations of one page."""

    page: object
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything wrong so far (CSP violations of the current document)."""
        found = list(self.errors)
        found += [
            f"CSP violation: {v}"
            for v in self.page.evaluate("window.__cspViolations || []")
        ]
        return found

    def assert_clean(self, where: str = "") -> None:
        problems = self.problems()
        assert not problems, f"{where or self.page.url}: {problems}"


def watch(page) -> Watch:
    """Record console errors, page errors and CSP violations of `page`."""
    watched = Watch(page)
    page.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:
        if message.type == "error" and not EXPECTED_ANSWER.search(message.text):
            watched.errors.append(f"console error: {message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"page error: {error}"))
    return watched


def _context(browser, live, state: str | None = None, **options):
    options.setdefault("viewport", VIEWPORT)
    context = browser.new_context(base_url=live.url, storage_state=state, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="session")
def role_pages(browser, live, role_states):
    """`role_pages(role)`: one watched page per role (None: anonymous) and worker,
    for the read-only page checks."""
    pages: dict[str | None, tuple] = {}

    def get(role: str | None):
        if role not in pages:
            context = _context(browser, live, role_states(role) if role else None)
            page = context.new_page()
            pages[role] = (page, watch(page))
        page, watched = pages[role]
        watched.errors.clear()
        return page, watched

    yield get
    for page, _watched in pages.values():
        page.context.close()


@pytest.fixture
def new_page(browser, live, role_states):
    """`new_page(role=None, **context_options)`: a watched page in a fresh context."""
    contexts = []

    def make(role: str | None = None, **options):
        context = _context(
            browser, live, role_states(role) if role else None, **options
        )
        contexts.append(context)
        page = context.new_page()
        return page, watch(page)

    yield make
    for context in contexts:
        context.close()


_AXE_SOURCE: list[str] = []


#: Every rule of WCAG 2.0 and 2.1 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


#: The rules whose findings can change with the colour scheme (the document and
#: its layout stay the same; only colours change).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

AXE_RUN = (
    "async (only) => (await axe.run(document, {runOnly: only})).violations"
    ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
    " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),"
    " why: v.nodes.slice(0, 2).map(n => (n.any[0] || n.all[0] || {}).message)}))"
)


def run_axe(page, *, dark: bool = False) -> list[dict]:
    """axe-core on the current page: its violations of `AXE_TAGS`, of any impact.
    With `dark`, then also its colour rules on the same state of the page in the
    dark colour scheme (nothing reloads; the page's scheme is set back after)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        if not _AXE_SOURCE:
            _AXE_SOURCE.append(AXE.read_text(encoding="utf-8"))
        page.evaluate(_AXE_SOURCE[0])
    violations = page.evaluate(AXE_RUN, {"type": "tag", "values": AXE_TAGS})
    if dark:
        was = page.evaluate(f"matchMedia('{DARK}').matches")
        switch_scheme(page, "dark")
        try:
            found = page.evaluate(AXE_RUN, {"type": "rule", "values": COLOUR_RULES})
        finally:
            switch_scheme(page, "dark" if was else "light")
        violations += [{**v, "scheme": "dark"} for v in found]
    return violations


DARK = "(prefers-color-scheme: dark)"
#: After the next two frames, every CSS transition finished (Pico eases colour
#: changes over .2 s: axe would read colours half-way).
SETTLED = """() => new Promise((done) => requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    document.getAnimations().forEach((a) => a.finish());
    done();
  })))"""


def switch_scheme(page, scheme: str) -> None:
    """The page in colour scheme `scheme` from now on, its colours settled."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function(
        f"matchMedia('{DARK}').matches === {str(scheme == 'dark').lower()}"
    )
    page.evaluate(SETTLED)


#: A phone in portrait: the reflow width of WCAG 1.4.10.
PHONE = {"width": 320, "height": 720}


def page_overflow(page) -> dict | None:
    """None when the page fits its viewport's width; else the widths and the
    widest elements that stick out (outside a scroll box of their own)."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          if (document.documentElement.scrollWidth <= width) { return null; }
          const out = [];
          for (const e of document.querySelectorAll("body *")) {
            const box = e.getBoundingClientRect();
            if (box.right > width + 1 && !e.closest(".table-scroll, .chart-scroll")) {
              out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (e.className && e.className.baseVal === undefined && e.className
                   ? "." + e.className.split(" ").join(".") : "")
                + " " + Math.round(box.right));
            }
          }
          return {scrollWidth: document.documentElement.scrollWidth,
                  innerWidth: width, wide: out.slice(0, 8)};
        }"""
    )


def focused(page) -> dict:
    """The element with the focus: tag, id, name, text and its row/card/form id."""
    return page.evaluate(
        """() => { const e = document.activeElement;
          const box = e && e.closest("tr[id], article[id], form[id], section[id]");
          return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute("name"),
                  text: (e.textContent || "").trim(), within: box ? box.id : null,
                  invalid: e.getAttribute("aria-invalid")}; }"""
    )
