"""Screenshots of the main pages of the demo data, for the README.

    .venv/bin/python -m tests.e2e.screenshots [--out docs/screenshots]

Builds a throwaway SQLite database with the demo data, serves the app on a free
local port and photographs each page at 1280×900 (the visible part of the page)
with the system Chromium, as the browser tests do; the phone shots are 320 CSS px
wide (WCAG 1.4.10 reflow), at twice the pixel density.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

from tests.e2e.live import VIEWPORT, demo_ids, launch, live_server, sign_in

ROOT = Path(__file__).resolve().parents[2]
USERS = {
    "coordinator": "coordinator@midwest.example",
    "lead": "lead@midwest.example",
    "municipality": "izegem@midwest.example",
    "viewer": "viewer@midwest.example",
}
#: (file name, role, path with {placeholders} of `demo_ids`)
SHOTS = [
    ("dashboard-coordinator", "coordinator", "/"),
    ("dashboard-lead", "lead", "/"),
    ("dashboard-municipality", "municipality", "/"),
    ("dashboard-viewer", "viewer", "/"),
    ("threads", "coordinator", "/threads"),
    ("round-results", "coordinator", "/rounds/{closed_round}/results"),
    ("theme", "coordinator", "/themes/{theme}"),
    ("group", "lead", "/groups/{group}"),
    ("tasks", "coordinator", "/tasks"),
    ("call", "coordinator", "/calls/{open_call}"),
    ("applications", "coordinator", "/applications"),
    ("municipality", "coordinator", "/municipalities/roeselare"),
    ("deadlines", "coordinator", "/deadlines"),
]
#: The same, on a phone (320 × 720 CSS px), the whole page.
PHONE_SHOTS = [
    ("phone-group", "lead", "/groups/{group}"),
    ("phone-applications", "coordinator", "/applications"),
]
PHONE = {"width": 320, "height": 720}


def build_demo_database(path: Path, password: str) -> str:
    """A new SQLite database at `path`, migrated and filled with the demo data."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import seed
    from app.extensions import db
    from tests.e2e.live import config_for

    url = f"sqlite:///{path}"
    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        seed(password)
        db.session.remove()
        db.engine.dispose()
    return url


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    written = []
    with tempfile.TemporaryDirectory() as folder:
        url = build_demo_database(Path(folder) / "demo.sqlite", password)
        with live_server(url) as server, sync_playwright() as playwright:
            browser = launch(playwright)
            pages = {}
            for role, email in USERS.items():
                context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
                page = context.new_page()
                sign_in(page, server.url, email, password)
                pages[role] = page
            phones = {}
            for role in {role for _name, role, _path in PHONE_SHOTS}:
                state = pages[role].context.storage_state()
                context = browser.new_context(
                    viewport=PHONE,
                    device_scale_factor=2,
                    base_url=server.url,
                    storage_state=state,
                )
                phones[role] = context.new_page()
            shots = [(*shot, pages, False) for shot in SHOTS]
            shots += [(*shot, phones, False) for shot in PHONE_SHOTS]
            for name, role, path, by_role, full in shots:
                page = by_role[role]
                page.goto(path.format(**demo_ids(server.app, USERS[role])))
                page.wait_for_load_state("networkidle")
                target = out / f"{name}.png"
                page.screenshot(path=str(target), full_page=full)
                written.append(target)
                print(f"{target.relative_to(ROOT)}  {path}  ({role})")
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    take(args.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
