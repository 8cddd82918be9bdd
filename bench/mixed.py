"""The mixed scenario (issue 23 item 5): what people get when many read and
someone writes.

For each page: 24 signed-in readers of every role (coordinators, viewers, leads,
municipality users of as many municipalities), each with their own session
cookie from the real /login form, and for the pages with an object many objects
in rotation (municipalities, rounds). wrk (2 threads, `--latency`) sends each
request as the next reader of a list with a Lua script. Meanwhile a writer thread
saves one task per second through the real form (GET the edit page, POST it back
with its CSRF token and a new progress). Reported: requests per second, the
share of the hello floor of the same run, p50 and p99, and the writer's saves.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from bench import load as load_mod

READERS = 24
#: Readers per role (the rest are municipality users, one per municipality).
ROLE_READERS = {"coordinator": 3, "viewer": 4, "lead": 5}
#: Objects in rotation per page with an id.
ROTATION = 48
WRITES_PER_SECOND = 1.0
_LATENCY_RE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


@dataclass
class MixedResult:
    url: str
    readers: int = 0  # (reader, URL) pairs in rotation that answer 200
    requests_per_s: float | None = None
    requests: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    writes: int = 0
    write_errors: int = 0
    load_average: float | None = None
    error: str = ""

    def summary(self) -> dict:
        return dict(self.__dict__)


def parse_latency(output: str) -> dict[str, float]:
    """{"50": ms, "99": ms} from wrk's --latency distribution."""
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        match.group(1): float(match.group(2)) * factor[match.group(3)]
        for match in _LATENCY_RE.finditer(output)
    }


# --- who reads what ---------------------------------------------------------------


@dataclass
class Cast:
    """The readers' logins and the objects in rotation (from the database)."""

    readers: list[str] = field(default_factory=list)
    writer: str = ""
    municipalities: list[str] = field(default_factory=list)
    rounds: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)


def cast(app) -> Cast:
    """Active users of every role, municipalities, closed rounds and open tasks."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.strategy.models import ScoringRound
    from app.work.models import Task

    found = Cast()
    with app.app_context():

        def emails(role: str, limit: int, *conditions) -> list[str]:
            return list(
                db.session.scalars(
                    select(User.email)
                    .where(User.role == role, User.active.is_(True), *conditions)
                    .order_by(User.id)
                    .limit(limit)
                )
            )

        coordinators = emails("coordinator", ROLE_READERS["coordinator"])
        found.writer = coordinators[0]  # in a session of its own
        found.readers = (
            coordinators
            + emails("viewer", ROLE_READERS["viewer"])
            + emails("lead", ROLE_READERS["lead"])
        )
        local = db.session.execute(
            select(User.email, User.municipality_id)
            .where(User.role == "municipality", User.active.is_(True))
            .order_by(User.municipality_id, User.id)
        ).all()
        seen: set[int] = set()
        for email, place in local:
            if len(found.readers) >= READERS:
                break
            if place not in seen:
                seen.add(place)
                found.readers.append(email)
        found.municipalities = list(
            db.session.scalars(
                select(Municipality.slug)
                .where(Municipality.merged_into_id.is_(None))
                .order_by(Municipality.id)
                .limit(ROTATION)
            )
        )
        found.rounds = list(
            db.session.scalars(
                select(ScoringRound.id).where(ScoringRound.status == "closed")
            )
        )
        found.tasks = list(
            db.session.scalars(
                select(Task.id)
                .where(Task.status.in_(("todo", "in_progress")))
                .order_by(Task.id)
                .limit(200)
            )
        )
        db.session.remove()
    return found


def urls_for(path: str, found: Cast) -> list[str]:
    """The URLs of a load page in rotation."""
    if "{municipality}" in path:
        return [path.format(municipality=slug) for slug in found.municipalities]
    if "{round}" in path:
        return [path.format(round=round_id) for round_id in found.rounds]
    return [path]


def reader_pairs(
    server: load_mod.Server, cookies: list[str], urls: list[str]
) -> list[tuple[str, str]]:
    """(URL, cookie) in rotation: reader i reads urls[i + k·readers], for as many
    URLs as there are; only the pairs that answer 200 (a reader who may not see
    a page does not ask for it)."""
    rounds = max(1, -(-len(urls) // len(cookies)))
    pairs = []
    for k, (i, cookie) in itertools.product(range(rounds), enumerate(cookies)):
        url = urls[(i + k * len(cookies)) % len(urls)]
        response, _body = server.request("GET", url, headers=_cookie(cookie))
        if response.status == 200:
            pairs.append((url, cookie))
    return pairs


def _cookie(value: str) -> dict:
    return {"Cookie": f"session={value}"}


def lua_script(pairs: list[tuple[str, str]], target: Path) -> Path:
    """A wrk script that sends request n as pair n (each thread its own start)."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = ",\n".join(
        f"  {{{quoted(url)}, {quoted('session=' + cookie)}}}" for url, cookie in pairs
    )
    target.write_text(
        f"""-- written by bench/mixed.py
local pairs = {{
{rows}
}}
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7)
  threads = threads + 1
end
local n = 0
function request()
  n = n + 1
  local pair = pairs[((n + offset) % #pairs) + 1]
  return wrk.format("GET", pair[1], {{["Cookie"] = pair[2]}})
end
"""
    )
    return target


# --- the writer -------------------------------------------------------------------


class _Form(HTMLParser):
    """The fields of the form that posts to `action`, with their values."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button"):
                return
            self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


class Writer(threading.Thread):
    """Saves one task a second through the real edit form until stopped."""

    def __init__(self, server: load_mod.Server, cookie: str, tasks: list[int]):
        super().__init__(daemon=True)
        self.server, self.cookie, self.tasks = server, cookie, tasks
        self.stopping = threading.Event()
        self.saved = 0
        self.failed = 0
        self.last_error = ""

    def save(self, task_id: int, progress: int) -> None:
        action = f"/tasks/{task_id}"
        response, body = self.server.request(
            "GET", f"{action}/edit", headers=_cookie(self.cookie)
        )
        if response.status != 200:
            raise RuntimeError(f"GET {action}/edit: {response.status}")
        # A browser keeps the cookie the page set (the session's CSRF secret).
        self.cookie = load_mod._cookie(response) or self.cookie
        form = _Form(action)
        form.feed(body.decode())
        if "csrf_token" not in form.fields:
            raise RuntimeError(f"no form posting to {action}")
        form.fields["progress"] = str(progress)
        response, _body = self.server.request(
            "POST",
            action,
            body=urllib.parse.urlencode(form.fields),
            headers={
                **_cookie(self.cookie),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        if response.status != 303:
            raise RuntimeError(f"POST {action}: {response.status}")

    def run(self) -> None:
        interval = 1 / WRITES_PER_SECOND
        n = 0
        next_at = time.monotonic()
        while not self.stopping.is_set():
            task_id = self.tasks[n % len(self.tasks)]
            n += 1
            try:
                self.save(task_id, progress=(n * 7) % 100)
                self.saved += 1
            except (OSError, RuntimeError) as error:
                self.failed += 1
                self.last_error = str(error)
            next_at += interval
            self.stopping.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


# --- one page under the mix ----------------------------------------------------------


def run_mixed(
    server: load_mod.Server,
    pairs: list[tuple[str, str]],
    label: str,
    writer_cookie: str,
    tasks: list[int],
    seconds: int,
    warmup: int,
    connections: int,
    workdir: Path,
) -> MixedResult:
    """wrk on the pairs in rotation while the writer saves a task a second."""
    result = MixedResult(url=label, readers=len(pairs))
    if not pairs:
        result.error = "no reader may see it"
        return result
    script = lua_script(pairs, workdir / "mixed.lua")
    command = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--timeout",
        "10s",
        "--latency",
        "--script",
        str(script),
    ]
    address = f"http://127.0.0.1:{server.port}/"
    if warmup:
        subprocess.run(  # noqa: S603 - our own command line
            [*command, "--duration", f"{warmup}s", address],
            capture_output=True,
            timeout=warmup + 60,
            check=False,
        )
    writer = Writer(server, writer_cookie, tasks)
    writer.start()
    try:
        done = subprocess.run(  # noqa: S603 - our own command line
            [*command, "--duration", f"{seconds}s", address],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        writer.stop()
    result.writes, result.write_errors = writer.saved, writer.failed
    if writer.failed:
        result.error = writer.last_error
    if done.returncode != 0:
        result.error = (done.stderr or done.stdout).strip()[:200]
        return result
    rate, errors, total, _mean = load_mod.parse_wrk(done.stdout)
    latency = parse_latency(done.stdout)
    result.requests_per_s, result.errors, result.requests = rate, errors, total
    if total == 0:
        result.error = f"no request answered within {seconds} s"
        return result
    result.p50_ms, result.p99_ms = latency.get("50"), latency.get("99")
    result.load_average = round(os.getloadavg()[0], 1)
    return result
