"""A write through one gunicorn worker is seen by the very next read through any
other: the read model's cache lives in each worker, keyed by the data generation
that the write bumped in its own transaction.

gunicorn runs 2 sync workers on a migrated database with the demo data: SQLite,
and PostgreSQL too when TEST_DATABASE_URL is set. Each request is a new
connection, so reads spread over both workers; both have the figures cached
before the write, and every read after it must show the new figures.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.test_concurrency import Browser, Stats, gunicorn

OPEN_TASKS = re.compile(r"<strong>(\d+)</strong>\s*<span>(?:open tasks|open taken)<")
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def two_workers(request, tmp_path, sqlite_databases):
    """gunicorn with 2 workers on a copy of the demo data (the worker's template)."""
    templates = (
        sqlite_databases
        if request.param == "sqlite"
        else request.getfixturevalue("databases")
    )
    url = templates.create("demo", tmp_path, "workers")
    try:
        with gunicorn(
            url, 2, tmp_path / "gunicorn.log", "read-model-test-secret"
        ) as port:
            yield port
    finally:
        templates.drop(url)


def _open_tasks(browser: Browser) -> int:
    status, html = browser.request("GET", "/")
    assert status == 200
    match = OPEN_TASKS.search(html)
    assert match, html[:500]
    return int(match.group(1))


def _an_open_task(browser: Browser) -> int:
    status, html = browser.request("GET", "/tasks?status=todo")
    assert status == 200
    return int(re.search(r'href="/tasks/(\d+)"', html).group(1))


def test_a_write_through_one_worker_is_read_by_the_other(two_workers):
    stats = Stats()
    browser = Browser(two_workers, stats)
    browser.sign_in("coordinator@midwest.example")
    before = {_open_tasks(browser) for _ in range(12)}  # both workers cache it
    assert len(before) == 1
    count = before.pop()
    for _write in range(3):
        task = _an_open_task(browser)
        status, _html = browser.request(
            "POST", f"/tasks/{task}/delete", {"csrf_token": browser.csrf}
        )
        assert status == 303
        count -= 1
        # The very next read, whichever worker answers it, and every one after.
        assert [_open_tasks(browser) for _ in range(6)] == [count] * 6
    assert not stats.server_errors
