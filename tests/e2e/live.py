"""A live server and the system Chromium, for the browser tests and screenshots."""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import got_request_exception, request
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 900}

#: Records every Content-Security-Policy violation of the page on `window`.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def config_for(url: str) -> type:
    """The test configuration (CSRF on, plain-HTTP cookies) on database `url`."""
    from app.config import TestConfig

    class LiveConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = True
        SESSION_COOKIE_SECURE = False
        REMEMBER_COOKIE_SECURE = False

    return LiveConfig


class QuietHandler(WSGIRequestHandler):
    """No access log lines (the tests read the page, not the log)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class LiveServer:
    """The app served by werkzeug on a free local port, in a background thread."""

    def __init__(self, database_url: str):
        from app import create_app

        self.app = create_app(config_for(database_url))
        self.server = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # Absolute links (feeds, mail) come from BASE_URL, never the Host header.
        self.app.config["BASE_URL"] = self.url
        self.errors: list[str] = []
        got_request_exception.connect(self._record, self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, sender, exception, **extra) -> None:
        """Keep every unhandled exception of a request (a 500) for the tests."""
        trace = "".join(traceback.format_exception(exception))
        self.errors.append(f"{request.method} {request.full_path}\n{trace}")

    def take_errors(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        from app.extensions import db

        with self.app.app_context():
            db.engine.dispose()


@contextmanager
def live_server(database_url: str) -> Iterator[LiveServer]:
    server = LiveServer(database_url).start()
    try:
        yield server
    finally:
        server.stop()


def launch(playwright):
    """The Debian Chromium, headless (Playwright's own download does not work)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
            "to run the browser tests (or set CHROMIUM to its path)."
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def demo_ids(app, email: str) -> dict:
    """Ids of the demo objects the pages show, as the demo user `email` sees them:
    RD04, the open and the closed round, the first theme's group (led by lead@)
    and theme, the open demo call, an application the user may see (None if
    none), and the user's municipality (Roeselare for regional users)."""
    from sqlalchemy import select

    from app.auth import permissions as perm
    from app.auth.models import User
    from app.extensions import db
    from app.meetings.models import Meeting
    from app.strategy.models import ScoringRound, Thread
    from app.subsidies.models import Application, SubsidyCall
    from app.work.models import WorkingGroup

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        group = db.session.scalar(
            select(WorkingGroup).where(WorkingGroup.name == "Werkgroep ICT klankbord")
        )
        applications = db.session.scalars(select(Application).order_by(Application.id))
        visible = [a.id for a in applications if perm.can_view_application(user, a)]
        values = {
            "thread": db.session.scalar(select(Thread.id).where(Thread.code == "RD04")),
            "open_round": db.session.scalar(
                select(ScoringRound.id).where(ScoringRound.status == "open")
            ),
            "closed_round": db.session.scalar(
                select(ScoringRound.id).where(ScoringRound.status == "closed")
            ),
            "theme": group.theme_id,
            "group": group.id,
            "open_call": db.session.scalar(
                select(SubsidyCall.id).where(
                    SubsidyCall.title.like("Digitale dienstverlening%")
                )
            ),
            "application": visible[0] if visible else None,
            "slug": user.municipality.slug if user.municipality else "roeselare",
            # The Midwest-overleg's past meeting (minutes, agenda with a dossier).
            "meeting": db.session.scalar(
                select(Meeting.id).where(Meeting.title.like("Opvolging%"))
            ),
        }
        db.session.remove()
    return values


#: JavaScript for contrast checks: `rgb(css colour)` as numbers and `lum([r, g, b])`,
#: the relative luminance of WCAG 2.1 (to be placed inside a function body).
LUMINANCE_JS = """  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
"""
