"""Server time and SQL statements of every main page (spec §3), in process.

Requests go through Flask's test client (no network), signed in as the first
coordinator (the role that sees the most). A page that answers 404 or 500 (not
built yet, or broken) is reported as missing instead of stopping the run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import func, select

from bench.stats import QueryCounter, median, p95

COORDINATOR = "coordinator@bench.example"


@dataclass(frozen=True)
class Page:
    path: str  # with {placeholders} filled by RESOLVERS
    matrix: bool = False  # a whole matrix: a looser time target

    @property
    def target_ms(self) -> int:
        return 100 if self.matrix else 20  # issue 15 (issue 8: 200 and 50)


PAGES = [
    Page("/"),
    Page("/trajectory"),
    Page("/threads"),
    Page("/threads/{thread}"),
    Page("/rounds"),
    Page("/rounds/{round}", matrix=True),  # the coordinator's score matrix
    Page("/rounds/{round}/results"),
    Page("/themes", matrix=True),  # themes × municipalities rollout
    Page("/themes/{theme}"),
    Page("/groups/{group}"),
    Page("/tasks"),
    Page("/calls"),
    Page("/calls/{call}"),
    Page("/applications"),
    Page("/applications/{application}"),
    Page("/municipalities"),
    Page("/municipalities/{municipality}"),
    Page("/deadlines"),
    Page("/activity"),
    Page("/admin/users"),
]
#: Pages measured under load with gunicorn (spec: `/`, `/tasks`, one municipality;
#: issue 15 adds the board, the threads and a closed round's results).
LOAD_PAGES = [
    "/",
    "/tasks",
    "/municipalities/{municipality}",
    "/applications",
    "/threads",
    "/rounds/{round}/results",
]
#: At most this much HTML per page (issue 15).
MAX_HTML_KB = 100


@dataclass
class PageResult:
    path: str
    url: str
    status: int | None = None
    times_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    # Rendered: the page cache emptied before each request (the read model's
    # figures kept): the page's own statements and rendering.
    rendered_ms: list[float] = field(default_factory=list)
    rendered_statements: list[int] = field(default_factory=list)
    # Uncached: right after a write to every table, with the read model's and the
    # page cache's entries dropped: nothing kept is used.
    fresh_ms: list[float] = field(default_factory=list)
    html_bytes: int | None = None
    load_average: float | None = None  # 1-minute load average after the page
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.times_ms)

    @property
    def missing(self) -> bool:
        return self.status in (404, 500) or self.status is None

    def summary(self) -> dict:
        data = {"path": self.path, "url": self.url, "status": self.status}
        if self.error:
            data["error"] = self.error
        if self.ok:
            data.update(
                requests=len(self.times_ms),
                median_ms=round(median(self.times_ms), 1),
                p95_ms=round(p95(self.times_ms), 1),
                sql_min=min(self.rendered_statements or self.statements),
                sql_max=max(self.rendered_statements or self.statements),
                kept_sql_max=max(self.statements),
                rendered_median_ms=(
                    round(median(self.rendered_ms), 1) if self.rendered_ms else None
                ),
                fresh_median_ms=(
                    round(median(self.fresh_ms), 1) if self.fresh_ms else None
                ),
                html_kb=round((self.html_bytes or 0) / 1024, 1),
                load_average=round(self.load_average or 0, 1),
            )
        return data


def _resolvers() -> dict[str, Callable[[], object]]:
    """The heaviest object of each kind, so pages are measured at their worst."""
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.strategy.models import ScoringRound, ThreadMention
    from app.subsidies.models import Application, ApplicationPartner
    from app.work.models import Task, WorkingGroup

    def top(column):
        """The value of `column` that occurs most often (lowest on a tie)."""
        return db.session.scalar(
            select(column)
            .where(column.is_not(None))
            .group_by(column)
            .order_by(func.count().desc(), column)
            .limit(1)
        )

    def busiest_municipality():
        place_id = db.session.scalar(
            select(Task.municipality_id)
            .join(Municipality, Municipality.id == Task.municipality_id)
            .where(Municipality.merged_into_id.is_(None))
            .group_by(Task.municipality_id)
            .order_by(func.count().desc(), Task.municipality_id)
            .limit(1)
        )
        if place_id is None:
            place_id = db.session.scalar(select(func.min(Municipality.id)))
        return db.session.get(Municipality, place_id).slug

    return {
        "thread": lambda: top(ThreadMention.thread_id),
        "round": lambda: db.session.scalar(
            select(func.max(ScoringRound.id)).where(ScoringRound.status == "closed")
        ),
        "theme": lambda: db.session.get(WorkingGroup, top(Task.group_id)).theme_id,
        "group": lambda: top(Task.group_id),
        "call": lambda: top(Application.call_id),
        "application": lambda: top(ApplicationPartner.application_id),
        "municipality": busiest_municipality,
    }


def resolve(app: Flask, paths: list[str]) -> dict[str, str | None]:
    """Concrete URLs for page paths (None when an object of a kind is missing)."""
    with app.app_context():
        values = {}
        for name, function in _resolvers().items():
            try:
                values[name] = function()
            except Exception:  # noqa: BLE001 - a kind without rows: no URL
                values[name] = None
        urls = {}
        for path in paths:
            needed = [name for name in values if "{" + name + "}" in path]
            if any(values[name] is None for name in needed):
                urls[path] = None
            else:
                urls[path] = path.format(**{n: values[n] for n in needed})
        return urls


def signed_in_client(app: Flask, email: str = COORDINATOR):
    """A test client whose session holds `email`'s sign-in (as the login does)."""
    from app.auth.service import find_user

    with app.app_context():
        user = find_user(email)
        if user is None:
            raise RuntimeError(f"no user {email}: is this benchmark data?")
        session_id = user.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def new_generation(app: Flask) -> None:
    """What a write to every table does to the read model: a new version of each
    (every cached figure is computed again)."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.readmodel import DataChange, compact, versioned_names

    with app.app_context():
        db.session.execute(
            insert(DataChange), [{"table_name": n} for n in versioned_names()]
        )
        db.session.commit()
        # Folded in, as the app does every few commits: a change log left to grow
        # by thousands of rows a run would slow every later page's version read.
        compact(db.engine)


def measure_page(
    app: Flask, client, path: str, url: str | None, requests: int, budget_s: float
) -> PageResult:
    """One warm-up request, then `requests` timed ones (fewer if over budget)."""
    from app.extensions import db

    result = PageResult(path=path, url=url or "")
    if url is None:
        result.error = "no object to show"
        return result
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001 - report, go on with the others
            result.error = f"{type(error).__name__}: {error}"[:200]
            return result
        result.status = response.status_code
        if response.status_code != 200:
            return result
        result.html_bytes = len(response.get_data())
        started_all = time.perf_counter()
        for number in range(requests):
            counter.reset()
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                result.status = response.status_code
                result.error = f"request {number + 1} answered {response.status_code}"
                break
            result.times_ms.append(elapsed * 1000)
            result.statements.append(counter.count)
            over = time.perf_counter() - started_all > budget_s
            if over and len(result.times_ms) >= 5:
                break
        for _number in range(max(requests // 2, 1)):
            counter.reset()
            started = time.perf_counter()
            response = client.get(url)
            result.rendered_ms.append((time.perf_counter() - started) * 1000)
            result.rendered_statements.append(counter.count)
            new_generation(app)
            # Cold: nothing kept in this process either (a closed round's
            # results are kept across every write).
            app.extensions.pop("readmodel", None)
            started = time.perf_counter()
            response = client.get(url)
            result.fresh_ms.append((time.perf_counter() - started) * 1000)
            if time.perf_counter() - started_all > 2 * budget_s:
                break
    result.load_average = os.getloadavg()[0]
    return result


def measure_pages(
    app: Flask, requests: int, budget_s: float, log: Callable[[str], None]
) -> list[PageResult]:
    urls = resolve(app, [page.path for page in PAGES])
    client = signed_in_client(app)
    results = []
    for page in PAGES:
        result = measure_page(
            app, client, page.path, urls[page.path], requests, budget_s
        )
        data = result.summary()
        if result.ok:
            log(
                f"    {page.path:34} median {data['median_ms']:7.1f} ms  "
                f"p95 {data['p95_ms']:7.1f} ms  SQL {data['sql_max']:3}  "
                f"{data['html_kb']:6.1f} KB  load {data['load_average']:.1f}"
            )
        else:
            log(f"    {page.path:34} missing ({result.status} {result.error})")
        results.append(result)
    return results
