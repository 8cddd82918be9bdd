"""Hostile input: every text field of every form, query strings and the score
import get the strings of tests/hostile.py. Each is stored as typed or refused with
a clean 422 (never a 500), and every page that shows it back keeps it inert."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.db import LONG, SHORT
from app.extensions import db
from app.strategy.models import Conversation, Score, Thread, TrajectoryStep
from app.subsidies.models import Application, Payment, ReportingObligation, SubsidyCall
from app.work.models import Rollout, Task, WorkingGroup
from tests.hostile import HOSTILE, problems, read_form, refusal_reason, shows
from tests.route_rows import ROLE_USERS, collect

ROUTES, PLACEHOLDERS = collect()
COORDINATOR = ROLE_USERS["coordinator"]
LEAD = ROLE_USERS["lead"]
IZEGEM = ROLE_USERS["municipality"]
SUCCESS = (200, 302, 303)
#: How many hostile values every form got (printed for the closing figures).
TRIED: dict[str, int] = {}


#: The placeholders' values in this test's demo database, resolved once before
#: anything changes (some are found by a title or reference the test overwrites).
IDS: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _resolve_ids(request):
    IDS.clear()
    if "demo_app" in request.fixturenames:
        request.getfixturevalue("demo_app")
        IDS.update({name: find() for name, find in PLACEHOLDERS.items()})


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(IDS[m.group(1)]), path)


def _latest(model, column):
    return lambda: db.session.scalar(select(column).order_by(model.id.desc()).limit(1))


def _of(model, column, placeholder: str):
    def read():
        return db.session.scalar(select(column).where(model.id == IDS[placeholder]))

    return read


def _rollout_note():
    return db.session.scalar(
        select(Rollout.note).where(
            Rollout.theme_id == IDS["own_theme"],
            Rollout.municipality_id == IDS["izegem"],
        )
    )


def _izegem_score_comment():
    return db.session.scalar(
        select(Score.comment).where(
            Score.round_id == IDS["open_round"],
            Score.thread_id == IDS["open_thread"],
            Score.municipality_id == IDS["izegem"],
        )
    )


def _step_field(name: str):
    return _of(TrajectoryStep, getattr(TrajectoryStep, name), "step")


@dataclass(frozen=True)
class FormCase:
    """A form as a user sees it: the page with the form, where it posts, its free
    text fields (name → maximum length, how to read the stored value), the page
    that shows the result, and fields to set for the save to be valid."""

    name: str
    who: str
    page: str
    action: str
    fields: dict[str, tuple[int, Callable[[], Any]]]
    view: str
    valid: Callable[[int], dict] = field(default=lambda n: {})


CASES = [
    FormCase(
        "task title (lead of the group)",
        LEAD,
        "/tasks/{own_task}/edit",
        "/tasks/{own_task}",
        {"title": (SHORT, _of(Task, Task.title, "own_task"))},
        "/tasks/{own_task}",
    ),
    FormCase(
        "new task title",
        COORDINATOR,
        "/groups/{own_group}/tasks/new",
        "/groups/{own_group}/tasks",
        {"title": (SHORT, _latest(Task, Task.title))},
        "/groups/{own_group}",
    ),
    FormCase(
        "group purpose (lead)",
        LEAD,
        "/groups/{own_group}/edit",
        "/groups/{own_group}",
        {"purpose": (LONG, _of(WorkingGroup, WorkingGroup.purpose, "own_group"))},
        "/groups/{own_group}",
    ),
    FormCase(
        "rollout note (municipality)",
        IZEGEM,
        "/themes/{own_theme}/rollout/{izegem}/edit",
        "/themes/{own_theme}/rollout/{izegem}",
        {"note": (2000, _rollout_note)},
        "/themes/{own_theme}/rollout/{izegem}",
    ),
    FormCase(
        "application notes (lead municipality)",
        IZEGEM,
        "/applications/{izegem_app}",
        "/applications/{izegem_app}/notes",
        {"notes": (LONG, _of(Application, Application.notes, "izegem_app"))},
        "/applications/{izegem_app}",
    ),
    FormCase(
        "application title and reference",
        COORDINATOR,
        "/applications/{izegem_app}/edit",
        "/applications/{izegem_app}/edit",
        {
            "title": (SHORT, _of(Application, Application.title, "izegem_app")),
            "reference": (100, _of(Application, Application.reference, "izegem_app")),
        },
        "/applications/{izegem_app}",
    ),
    FormCase(
        "call title, funder and description",
        COORDINATOR,
        "/calls/{open_call}/edit",
        "/calls/{open_call}/edit",
        {
            "title": (SHORT, _of(SubsidyCall, SubsidyCall.title, "open_call")),
            "funder": (SHORT, _of(SubsidyCall, SubsidyCall.funder, "open_call")),
            "description": (
                LONG,
                _of(SubsidyCall, SubsidyCall.description, "open_call"),
            ),
        },
        "/calls/{open_call}",
    ),
    FormCase(
        "talk delegation and notes",
        COORDINATOR,
        "/talks/{talk}/edit",
        "/talks/{talk}/edit",
        {
            "delegation": (500, _of(Conversation, Conversation.delegation, "talk")),
            "notes": (LONG, _of(Conversation, Conversation.notes, "talk")),
        },
        "/talks",
    ),
    FormCase(
        "thread title and description",
        COORDINATOR,
        "/threads/{thread}",
        "/threads/{thread}",
        {
            "edit-title": (SHORT, _of(Thread, Thread.title, "thread")),
            "edit-description": (LONG, _of(Thread, Thread.description, "thread")),
        },
        "/threads/{thread}",
    ),
    FormCase(
        "new thread",
        COORDINATOR,
        "/threads",
        "/threads",
        {
            "new-title": (SHORT, _latest(Thread, Thread.title)),
            "new-description": (LONG, _latest(Thread, Thread.description)),
        },
        "/threads",
        valid=lambda n: {"new-code": f"HX{n}", "new-status": "candidate"},
    ),
    FormCase(
        "trajectory step",
        COORDINATOR,
        "/trajectory",
        "/trajectory/steps/{step}",
        {
            "step{step}-title": (SHORT, _step_field("title")),
            "step{step}-period": (100, _step_field("period")),
            "step{step}-description": (LONG, _step_field("description")),
        },
        "/trajectory",
    ),
    FormCase(
        "score comment (municipality)",
        IZEGEM,
        "/rounds/{open_round}",
        "/rounds/{open_round}/scores/{open_thread}/{izegem}",
        {"comment": (1000, _izegem_score_comment)},
        "/rounds/{open_round}",
        valid=lambda n: {"value": str(n % 11)},
    ),
    FormCase(
        "user name",
        COORDINATOR,
        "/admin/users/{viewer_user}",
        "/admin/users/{viewer_user}",
        {"full_name": (120, lambda: _viewer_name())},
        "/admin/users",
    ),
    FormCase(
        "round name",
        COORDINATOR,
        "/rounds/{open_round}/edit",
        "/rounds/{open_round}/edit",
        {"name": (SHORT, lambda: _round_name())},
        "/rounds",
    ),
    FormCase(
        "payment note",
        COORDINATOR,
        "/applications/{izegem_partnered_app}",
        "/applications/{izegem_partnered_app}/payments",
        {"payment-note": (500, _latest(Payment, Payment.note))},
        "/applications/{izegem_partnered_app}",
        valid=lambda n: {"payment-paid_on": "2026-01-15", "payment-amount": "1"},
    ),
    FormCase(
        "reporting obligation title",
        COORDINATOR,
        "/applications/{izegem_partnered_app}",
        "/applications/{izegem_partnered_app}/obligations",
        {
            "obligation-title": (
                SHORT,
                _latest(ReportingObligation, ReportingObligation.title),
            )
        },
        "/applications/{izegem_partnered_app}",
        valid=lambda n: {"obligation-due_on": "2027-01-01"},
    ),
]


def _viewer_name():
    from app.auth.models import User

    return db.session.scalar(
        select(User.full_name).where(User.id == IDS["viewer_user"])
    )


def _round_name():
    from app.strategy.models import ScoringRound

    return db.session.scalar(
        select(ScoringRound.name).where(ScoringRound.id == IDS["open_round"])
    )


def _assert_inert(html: str, where: str) -> None:
    found = problems(html)
    assert not found, f"{where}: {found}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_text_is_stored_as_typed_or_refused_and_rendered_inert(
    demo_app, demo_login, case
):
    client = demo_login(case.who)
    page, action, view = fill(case.page), fill(case.action), fill(case.view)
    fields = {fill(name): spec for name, spec in case.fields.items()}
    for number, (label, value) in enumerate(HOSTILE.items()):
        form_page = client.get(page)
        assert form_page.status_code == 200, (page, form_page.status_code)
        data = read_form(form_page.get_data(as_text=True), action, page)
        data.update(case.valid(number))
        data.update(dict.fromkeys(fields, value))
        before = {name: read() for name, (_max, read) in fields.items()}
        response = client.post(action, data=data)
        where = f"{case.name} with {label}"
        html = response.get_data(as_text=True)
        _assert_inert(html, where)
        reason = next(
            filter(None, (refusal_reason(value, m) for m, _read in fields.values())),
            None,
        )
        if reason:
            assert response.status_code == 422, f"{where} ({reason})"
            after = {name: read() for name, (_max, read) in fields.items()}
            assert after == before, f"{where}: changed although refused"
            continue
        assert response.status_code in SUCCESS, f"{where}: {response.status_code}"
        for name, (_max, read) in fields.items():
            assert read() == value, f"{where}: {name} not stored as typed"
        shown = client.get(view)
        assert shown.status_code == 200
        shown_html = shown.get_data(as_text=True)
        _assert_inert(shown_html, f"{view} after {where}")
        if len(value) <= 100:
            assert shows(shown_html, value), f"{view} does not show {where}"
    TRIED[case.name] = len(HOSTILE) * len(fields)


def test_hostile_query_strings_never_break_a_page(demo_app, demo_login):
    """Every GET row of the route table with hostile values in the usual filters."""
    client = demo_login(COORDINATOR)
    names = ("q", "status", "page", "sort", "from", "to", "kind", "theme", "due")
    names += ("municipality", "group", "call", "scope", "when", "lang", "next")
    value = " ".join(v for v in HOSTILE.values() if len(v) < 100 and "\x00" not in v)
    pages = sorted({fill(r.path) for r in ROUTES if r.method == "GET"})
    for path in pages:
        separator = "&" if "?" in path else "?"
        query = "&".join(f"{name}={_quote(value)}" for name in names)
        response = client.get(path + separator + query)
        assert response.status_code < 500, path
        if response.mimetype == "text/html":
            _assert_inert(response.get_data(as_text=True), path)
        nul = client.get(path + separator + "q=a%00b")
        assert nul.status_code == 422, path


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def test_nul_anywhere_is_a_clean_422_that_changes_nothing(demo_app, demo_login):
    client = demo_login(COORDINATOR)
    task_id = IDS["own_task"]
    before = db.session.scalar(select(Task.title).where(Task.id == task_id))
    for url, data in (
        (f"/tasks/{task_id}", {"title": "a\x00b", "version": "1"}),
        ("/threads", {"new-code": "HX\x00", "new-title": "x"}),
        ("/profile/language", {"profile-language": "en\x00"}),
        ("/calls/new", {"title": "ok", "description": "bell \x07"}),
    ):
        response = client.form(url, data)
        assert response.status_code == 422, url
        assert "NUL" in response.get_data(as_text=True) or "stuurteken" in (
            response.get_data(as_text=True)
        )
    assert client.get("/municipalities/izegem%00").status_code == 422
    assert db.session.scalar(select(Task.title).where(Task.id == task_id)) == before
    codes = select(func.count(Thread.id)).where(Thread.code.like("HX%"))
    assert db.session.scalar(codes) == 0


def test_hostile_login_input_is_refused_cleanly(demo_app, demo_client, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="midwest.audit")
    for value in HOSTILE.values():
        demo_client.fetch_csrf("/login")
        response = demo_client.post(
            "/login",
            data={
                "email": value,
                "password": value,
                "csrf_token": demo_client.csrf_token,
            },
        )
        assert response.status_code == 422
        _assert_inert(response.get_data(as_text=True), "login")
    forged = "x@example.org\nlogin user=1"
    demo_client.post(
        "/login",
        data={"email": forged, "password": "x", "csrf_token": demo_client.csrf_token},
    )
    lines = [r.getMessage() for r in caplog.records if r.name == "midwest.audit"]
    assert lines and not any("\n" in line for line in lines)
    assert not any(line.startswith("login user=") for line in lines)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "javascript://example.com/%0Aalert(1)",
        "JAVASCRIPT://example.com/%0Aalert(1)",
        "data://example.com/text/html,<script>alert(1)</script>",
        "ftp://example.com/file",
    ],
)
def test_a_call_link_is_only_a_web_address(demo_app, demo_login, url):
    client = demo_login(COORDINATOR)
    call_id = IDS["open_call"]
    page = f"/calls/{call_id}/edit"
    data = read_form(client.get(page).get_data(as_text=True), page, page)
    data["url"] = url
    response = client.post(page, data=data)
    assert response.status_code == 422
    _assert_inert(response.get_data(as_text=True), url)
    stored = db.session.scalar(select(SubsidyCall.url).where(SubsidyCall.id == call_id))
    assert stored != url
    data["url"] = "https://example.com/oproep?x=1"
    assert client.post(page, data=data).status_code == 303


def _workbook(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_hostile_cells_and_file_names_in_the_score_import(
    demo_app, demo_login, tmp_path
):
    client = demo_login(COORDINATOR)
    round_id = IDS["open_round"]
    before = db.session.execute(
        select(Score.id, Score.value, Score.comment).order_by(Score.id)
    ).all()
    printable = {k: v for k, v in HOSTILE.items() if "\x00" not in v}
    tried = 0
    for label, value in printable.items():
        cell = value[:32_000]  # Excel's limit for one cell
        for rows in (
            [("Code", "Thread", cell), ("RD01", "", 7)],
            [("Code", "Thread", "Izegem"), (cell, cell, 7)],
            [("Code", "Thread", "Izegem"), ("RD01", cell, cell)],
            [(cell, cell, cell)],
        ):
            tried += 1
            response = client.form(
                "/imports/scores",
                {
                    "round_id": str(round_id),
                    "file": (io.BytesIO(_workbook(rows)), f"{value[:80]}.xlsx"),
                },
                content_type="multipart/form-data",
            )
            assert response.status_code == 422, label
            _assert_inert(response.get_data(as_text=True), f"import with {label}")
    after = db.session.execute(
        select(Score.id, Score.value, Score.comment).order_by(Score.id)
    ).all()
    assert after == before
    folder = tmp_path / "imports"
    assert not folder.exists() or not any(folder.iterdir())
    TRIED["score import cells"] = tried


def test_url_for_arguments_in_the_query_string_never_reach_links(app, login_as):
    """`_external`, `_scheme` and `_anchor` are url_for's own: taken from the URL
    into a pager, a sort header or a pipeline card, they would let a link made by
    the visitor point to javascript: (or another host)."""
    from tests import factories

    group = factories.group()
    for n in range(3):
        factories.task(group, title=f"Taak {n}")
    factories.application()
    db.session.commit()
    app.config["PAGE_SIZE"] = 1
    client = login_as("coordinator")
    hostile = "_external=1&_scheme=javascript&_anchor=x"
    for path in ("/tasks", "/applications"):
        page = client.get(f"{path}?{hostile}").get_data(as_text=True)
        assert "javascript:" not in page, path
        assert "_scheme" not in page and "#x" not in page, path
    assert 'rel="next"' in client.get(f"/tasks?{hostile}").get_data(as_text=True)
