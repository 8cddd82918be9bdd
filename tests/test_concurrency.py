"""No write lost under load: the app under gunicorn with 4 workers on SQLite (WAL),
concurrent writers for 20 seconds, and `flask backup` while they write.

Writers (each a thread with its own signed-in browser, stdlib http.client):
- municipality users save ballot scores of the open round (htmx, own cells), and
  the coordinator saves scores on their behalf (the same cells: create races);
- the lead and the coordinator edit the same tasks, each with the version they
  saw (some deliberately stale): a save is 303, a conflict 409;
- the coordinator and the lead municipality edit the notes of one application.

Afterwards: zero 5xx, no "database is locked" anywhere, every acknowledged write
is in the database (its activity entry, and the version count of every edited
object equals its acknowledged saves: no lost update), stale saves got 409, and
the backup taken meanwhile passes `PRAGMA integrity_check` and is a consistent
snapshot (versions match the activity entries inside the copy).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.hostile import read_form

ROOT = Path(__file__).resolve().parent.parent
# The scripts installed next to the running interpreter (any virtualenv).
BIN = Path(sys.executable).parent
DURATION = 20.0  # seconds of concurrent writing
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" [^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    locked: list = field(default_factory=list)
    acknowledged: int = 0
    conflicts: int = 0
    stale_conflicts: int = 0
    stale_saved: list = field(default_factory=list)

    def seen(self, method: str, path: str, status: int, body: str) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append((method, path, status, body[:300]))
            if "database is locked" in body:
                self.locked.append((method, path, status))


OPEN_BROWSERS: list[Browser] = []


class Browser:
    """A signed-in browser: keeps its cookies and CSRF token, one connection."""

    def __init__(self, port: int, stats: Stats):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        OPEN_BROWSERS.append(self)
        self.cookies: dict[str, str] = {}
        self.stats = stats
        self.csrf = ""

    def request(self, method: str, path: str, data: dict | None = None, htmx=False):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
            if method != "GET":
                headers["X-CSRFToken"] = self.csrf
        for attempt in range(3):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (ConnectionError, http.client.HTTPException):
                # gunicorn's sync workers close the connection after each answer.
                self.connection.close()
                if attempt == 2:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and "1970" not in morsel.get("expires", ""):
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        self.stats.seen(method, path, response.status, text)
        match = CSRF_RE.search(text)
        if match:
            self.csrf = match.group(1) or match.group(2)
        return response.status, text

    def sign_in(self, email: str) -> None:
        self.request("GET", "/login")
        status, _text = self.request(
            "POST",
            "/login",
            {"email": email, "password": DEMO_PASSWORD, "csrf_token": self.csrf},
        )
        assert status == 302, f"sign-in of {email}: {status}"
        status, _text = self.request("GET", "/profile")
        assert status == 200


def _version(html: str, action: str, page: str) -> int:
    """The version the form to `action` on this page carries."""
    return int(read_form(html, action, page)["version"][0])


@contextmanager
def gunicorn(url: str, workers: int, log: Path, secret: str):
    """The app under gunicorn (the repository's gunicorn.conf.py) on `url` with
    `workers` sync workers, logging to `log`; yields its port once /healthz is up."""
    port = _free_port()
    env = os.environ | {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "DATABASE_URL": url,
        "SECRET_KEY": secret + "-" + "x" * 32,
        "SESSION_COOKIE_SECURE": "0",
        "FLASK_DEBUG": "0",
    }
    env.pop("TEST_DATABASE_URL", None)
    with open(log, "wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn and config
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                connection.close()
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def server(sqlite_databases, tmp_path):
    """gunicorn with 4 workers on a migrated SQLite file with the demo data."""
    url = sqlite_databases.create("demo", tmp_path, "load")
    database = tmp_path / "load.sqlite"
    log = tmp_path / "gunicorn.log"
    with gunicorn(url, 4, log, "concurrency-test-secret") as port:
        yield {"port": port, "database": database, "url": url, "log": log}


def _query(database: Path, sql: str, *args):
    connection = sqlite3.connect(database, timeout=30)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def _setup_ids(database: Path) -> dict:
    def one(sql, *args):
        return _query(database, sql, *args)[0][0]

    open_round = one(
        "SELECT id FROM scoring_round WHERE name = 'Herijking rode draden'"
    )
    threads = [
        row[0]
        for row in _query(
            database,
            "SELECT thread_id FROM round_thread WHERE round_id = ? ORDER BY thread_id",
            open_round,
        )
    ]
    own_group = one(
        "SELECT id FROM working_group WHERE name = 'Werkgroep ICT klankbord'"
    )
    tasks = [
        row[0]
        for row in _query(
            database,
            "SELECT id FROM task WHERE group_id = ? ORDER BY id LIMIT 3",
            own_group,
        )
    ]
    scorers = {}
    for slug in ("izegem", "staden", "pittem", "tielt"):
        scorers[slug] = one("SELECT id FROM municipality WHERE slug = ?", slug)
    application = one(
        "SELECT id FROM application WHERE reference = 'EINCL-2021-IZEGEM'"
    )
    return {
        "round": open_round,
        "threads": threads,
        "tasks": tasks,
        "scorers": scorers,
        "application": application,
    }


def test_no_write_is_lost_under_four_gunicorn_workers(server, tmp_path):
    stats = Stats()
    port, database = server["port"], server["database"]
    ids = _setup_ids(database)
    assert len(ids["threads"]) >= 4 and len(ids["tasks"]) == 3
    first_activity = _query(database, "SELECT coalesce(max(id), 0) FROM activity")[0][0]
    start_versions = {
        ("task", task): _query(database, "SELECT version FROM task WHERE id = ?", task)[
            0
        ][0]
        for task in ids["tasks"]
    }
    start_versions[("application", ids["application"])] = _query(
        database, "SELECT version FROM application WHERE id = ?", ids["application"]
    )[0][0]
    stop = threading.Event()
    errors: list[BaseException] = []
    # Per writer: acknowledged writes. Scores: (who, municipality, thread) → last
    # (value, comment); edits: (kind, id) → list of (base version, text).
    score_acks: dict = defaultdict(list)
    edit_acks: dict = defaultdict(list)
    ack_lock = threading.Lock()

    def run(name, body):
        try:
            body(random.Random(name))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
            stop.set()

    def scorer(slug):
        def body(rng):
            browser = Browser(port, stats)
            browser.sign_in(f"{slug}@midwest.example")
            municipality = ids["scorers"][slug]
            browser.request("GET", f"/rounds/{ids['round']}")
            n = 0
            while not stop.is_set():
                n += 1
                thread = rng.choice(ids["threads"])
                value, comment = rng.randint(0, 10), f"{slug}-{n}"
                status, _text = browser.request(
                    "POST",
                    f"/rounds/{ids['round']}/scores/{thread}/{municipality}",
                    {"value": str(value), "comment": comment},
                    htmx=True,
                )
                if status == 200:
                    with ack_lock:
                        stats.acknowledged += 1
                        score_acks[(slug, municipality, thread)].append(
                            (value, comment)
                        )

        return body

    def on_behalf(rng):
        browser = Browser(port, stats)
        browser.sign_in("coordinator@midwest.example")
        browser.request("GET", f"/rounds/{ids['round']}")
        n = 0
        while not stop.is_set():
            n += 1
            slug = rng.choice(list(ids["scorers"]))
            municipality = ids["scorers"][slug]
            thread = rng.choice(ids["threads"])
            value, comment = rng.randint(0, 10), f"coordinator-{n}"
            status, _text = browser.request(
                "POST",
                f"/rounds/{ids['round']}/scores/{thread}/{municipality}",
                {"value": str(value), "comment": comment},
                htmx=True,
            )
            if status == 200:
                with ack_lock:
                    stats.acknowledged += 1
                    score_acks[("coordinator", municipality, thread)].append(
                        (value, comment)
                    )

    def editor(email, who):
        def body(rng):
            browser = Browser(port, stats)
            browser.sign_in(email)
            n = 0
            while not stop.is_set():
                n += 1
                task = rng.choice(ids["tasks"])
                status, html = browser.request("GET", f"/tasks/{task}/edit")
                assert status == 200, status
                seen = _version(html, f"/tasks/{task}", f"/tasks/{task}/edit")
                stale = n % 5 == 0  # every fifth save is over an old version
                base = seen - 1 if stale else seen
                if not stale:
                    time.sleep(rng.random() * 0.05)  # let the other editor race
                title = f"{who} {n}"
                status, _html = browser.request(
                    "POST",
                    f"/tasks/{task}",
                    {
                        "csrf_token": browser.csrf,
                        "version": str(base),
                        "title": title,
                        "status": "in_progress",
                        "progress": str(n % 100),
                        "due_on": "",
                        "assignee_id": "",
                        "municipality_id": "",
                    },
                )
                assert status in (303, 409), (status, _html[:300])
                with ack_lock:
                    if status == 303:
                        stats.acknowledged += 1
                        edit_acks[("task", task)].append((base, title))
                        if stale:
                            stats.stale_saved.append(("task", task, base))
                    else:
                        stats.conflicts += 1
                        stats.stale_conflicts += stale

        return body

    def notes_editor(email, who):
        def body(rng):
            browser = Browser(port, stats)
            browser.sign_in(email)
            application = ids["application"]
            n = 0
            while not stop.is_set():
                n += 1
                status, html = browser.request("GET", f"/applications/{application}")
                assert status == 200, status
                page = f"/applications/{application}"
                seen = _version(html, f"{page}/notes", page)
                stale = n % 4 == 0
                base = seen - 1 if stale else seen
                text = f"{who} note {n}"
                status, _html = browser.request(
                    "POST",
                    f"/applications/{application}/notes",
                    {"csrf_token": browser.csrf, "version": str(base), "notes": text},
                )
                assert status in (303, 409), (status, _html[:300])
                with ack_lock:
                    if status == 303:
                        stats.acknowledged += 1
                        edit_acks[("application", application)].append((base, text))
                        if stale:
                            stats.stale_saved.append(("application", application, base))
                    else:
                        stats.conflicts += 1
                        stats.stale_conflicts += stale

        return body

    writers = {f"scores {slug}": scorer(slug) for slug in ids["scorers"]}
    writers["scores on behalf"] = on_behalf
    writers["tasks lead"] = editor("lead@midwest.example", "lead")
    writers["tasks coordinator"] = editor("coordinator@midwest.example", "coordinator")
    writers["notes coordinator"] = notes_editor(
        "coordinator@midwest.example", "coordinator"
    )
    writers["notes izegem"] = notes_editor("izegem@midwest.example", "izegem")
    threads = [
        threading.Thread(target=run, args=(name, body), name=name)
        for name, body in writers.items()
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()

    # The backup, in the middle of the writing.
    time.sleep(DURATION / 2)
    backup = tmp_path / "backup.sqlite"
    env = os.environ | {"DATABASE_URL": server["url"], "SECRET_KEY": "b" * 40}
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - our own flask command
        [str(BIN / "flask"), "--app", "app", "backup", str(backup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    backup_done = time.monotonic() - started

    remaining = DURATION - (time.monotonic() - started)
    if remaining > 0:
        stop.wait(remaining)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    while OPEN_BROWSERS:
        OPEN_BROWSERS.pop().connection.close()
    elapsed = time.monotonic() - started
    log = server["log"].read_text(errors="replace")

    print(
        f"\nconcurrency: {elapsed:.1f} s, {stats.requests} requests,"
        f" {stats.acknowledged} writes acknowledged, {stats.conflicts} conflicts (409,"
        f" {stats.stale_conflicts} of them deliberately stale),"
        f" {len(stats.server_errors)} server errors,"
        f" {len(stats.locked)} 'database is locked', statuses {dict(stats.statuses)},"
        f" backup after {backup_done:.1f} s"
    )
    assert not errors, errors
    assert result.returncode == 0, result.stdout + result.stderr
    assert not stats.server_errors, stats.server_errors[:5]
    assert not stats.locked and "database is locked" not in log, stats.locked[:5]
    assert "Traceback" not in log, log[-3000:]
    assert not stats.stale_saved, stats.stale_saved
    assert stats.stale_conflicts > 0 and stats.acknowledged > 100

    # Every acknowledged score is in the database: its activity entry (each had a
    # unique comment), and the last one of each cell that one writer alone wrote.
    score_entries = _query(
        database,
        "SELECT changes FROM activity WHERE entity_type = 'score' AND id > ?",
        first_activity,
    )
    logged = "\n".join(row[0] for row in score_entries)
    for (who, _municipality, _thread), writes in score_acks.items():
        for _value, comment in writes:
            assert f'"{comment}"' in logged, (who, comment)
    for (who, municipality, thread), writes in score_acks.items():
        if who == "coordinator" or ("coordinator", municipality, thread) in score_acks:
            continue
        value, comment = writes[-1]
        assert _query(
            database,
            "SELECT value, comment FROM score WHERE round_id = ? AND thread_id = ?"
            " AND municipality_id = ?",
            ids["round"],
            thread,
            municipality,
        ) == [(value, comment)]

    # Edits: one acknowledged save per version (no two saves over the same one),
    # the version count equals the saves, the last save is what is stored.
    for (kind, object_id), saves in edit_acks.items():
        bases = [base for base, _text in saves]
        assert len(bases) == len(set(bases)), (kind, object_id, sorted(bases))
        version = _query(
            database,
            f"SELECT version FROM {kind} WHERE id = ?",  # noqa: S608 - our names
            object_id,
        )[0][0]
        assert version == start_versions[(kind, object_id)] + len(saves)
        last = max(saves)[1]
        column = "title" if kind == "task" else "notes"
        stored = _query(
            database,
            f"SELECT {column} FROM {kind} WHERE id = ?",  # noqa: S608 - our names
            object_id,
        )[0][0]
        assert stored == last

    # The backup: intact, and a snapshot of one moment (each save's version bump
    # and its activity entry are both in it, or neither).
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
        for (kind, object_id), start in start_versions.items():
            version = copy.execute(
                f"SELECT version FROM {kind} WHERE id = ?",  # noqa: S608
                (object_id,),
            ).fetchone()[0]
            entries = copy.execute(
                "SELECT count(*) FROM activity WHERE entity_type = ? AND entity_id = ?"
                " AND action = 'update' AND id > ?",
                (kind, object_id, first_activity),
            ).fetchone()[0]
            assert version - start == entries, (kind, object_id)
        copied_scores = copy.execute(
            "SELECT count(*) FROM activity WHERE entity_type = 'score' AND id > ?",
            (first_activity,),
        ).fetchone()[0]
    finally:
        copy.close()
    assert 0 < copied_scores < len(score_entries)
