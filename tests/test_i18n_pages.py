"""Every page of every role, rendered in a pseudo-locale and in Dutch.

The pseudo-locale is a catalog made at test time from the extracted messages,
each translation wrapped in ⟦…⟧. Served as the Dutch catalog, every visible text
(and the attribute texts people read) must then be wrapped, user data, numbers,
dates and amounts excepted: a text that is not wrapped escaped gettext. In the
real Dutch catalog, no option of a select may show its English msgid.
"""

from __future__ import annotations

import functools
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from sqlalchemy import String, Text, select

from app import create_app
from app.auth.models import User
from app.extensions import babel, db
from app.municipalities.models import Municipality
from app.public.models import Publication
from app.strategy.models import Conversation, ScoringRound, Thread
from app.subsidies.models import Application, SubsidyCall
from app.work.models import Task, Theme, WorkingGroup
from tests.conftest import Client, _config_for, sign_in_session
from tests.test_i18n import ROOT, extracted_messages

ROLES = {
    "coordinator": "coordinator@midwest.example",
    "lead": "lead@midwest.example",
    "municipality": "izegem@midwest.example",
    "viewer": "viewer@midwest.example",
}
# Shown in their own language on purpose (the language picker).
ENDONYMS = {"Nederlands", "English"}
# What may stand outside the marks: digits, punctuation, symbols, spaces.
NEUTRAL = re.compile(r"^[\W\d_€]*$")
WRAPPED = re.compile(r"⟦[^⟦⟧]*⟧")
# Stored enumerations (codes, not text a person typed) are no user data.
CODE_COLUMNS = {"status", "stage", "role", "language", "kind", "action", "entity"}
# Nor is the English sentence of an activity entry written before activity was
# stored as data: whatever shows it shows English.
NOT_USER_DATA = {("activity", "summary")}
# Attributes whose text people read (or hear).
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}


def pages(ids: dict) -> list[str]:
    """The GET pages of spec.md §3 (and the forms they link to) for the demo data."""
    return [
        "/",
        "/trajectory",
        "/threads",
        f"/threads/{ids['thread']}",
        "/talks",
        "/talks/new",
        f"/talks/{ids['talk']}/edit",
        "/rounds",
        "/rounds/new",
        f"/rounds/{ids['open_round']}",
        f"/rounds/{ids['closed_round']}",
        f"/rounds/{ids['closed_round']}/results",
        f"/rounds/{ids['open_round']}/edit",
        "/themes",
        f"/themes/{ids['theme']}",
        f"/themes/{ids['theme']}/groups/new",
        f"/themes/{ids['theme']}/rollout/{ids['municipality']}",
        f"/themes/{ids['theme']}/rollout/{ids['municipality']}/edit",
        f"/groups/{ids['group']}",
        f"/groups/{ids['group']}/edit",
        f"/groups/{ids['group']}/tasks/new",
        "/tasks",
        "/tasks?due=overdue",
        f"/tasks/{ids['task']}",
        f"/tasks/{ids['task']}/edit",
        f"/tasks/{ids['task']}/delete",
        "/calls",
        "/calls/new",
        f"/calls/{ids['call']}",
        f"/calls/{ids['call']}/edit",
        "/applications",
        "/applications/new",
        f"/applications/{ids['application']}",
        f"/applications/{ids['application']}/edit",
        f"/applications/{ids['application']}/finances",
        f"/applications/{ids['application']}/notes",
        "/municipalities",
        f"/municipalities/{ids['slug']}",
        "/deadlines",
        "/deadlines?scope=region&when=overdue",
        "/activity",
        "/imports/scores",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{ids['user']}",
        "/profile",
        "/public",
        f"/public/themes/{ids['public_theme']}",
        f"/public/municipalities/{ids['public_slug']}",
        "/api/v1/",
        "/no-such-page",
    ]


def demo_ids() -> dict:
    first = lambda query: db.session.scalar(query.limit(1))  # noqa: E731
    izegem = first(select(Municipality).where(Municipality.slug == "izegem"))
    return {
        "thread": first(select(Thread.id).order_by(Thread.code)),
        "open_round": first(
            select(ScoringRound.id).where(ScoringRound.status == "open")
        ),
        "closed_round": first(
            select(ScoringRound.id).where(ScoringRound.status == "closed")
        ),
        "theme": first(select(Theme.id).order_by(Theme.id)),
        "group": first(select(WorkingGroup.id).order_by(WorkingGroup.id)),
        "task": first(
            select(Task.id).where(Task.municipality_id == izegem.id).order_by(Task.id)
        )
        or first(select(Task.id).order_by(Task.id)),
        "call": first(select(SubsidyCall.id).order_by(SubsidyCall.id)),
        "application": first(
            select(Application.id)
            .where(Application.lead_municipality_id == izegem.id)
            .order_by(Application.id)
        ),
        "talk": first(select(Conversation.id).order_by(Conversation.id)),
        "municipality": izegem.id,
        "slug": izegem.slug,
        # The demo publishes its first themes on seed.
        "public_theme": first(
            select(Publication.theme_id)
            .where(Publication.theme_id.is_not(None))
            .order_by(Publication.theme_id)
        ),
        "public_slug": izegem.slug,
        "user": first(select(User.id).where(User.email == ROLES["municipality"])),
    }


class VisibleText(HTMLParser):
    """Text nodes, option labels and read attributes of a page, as people see them.

    The text of a <code translate="no"> element is machine syntax (a URL path, a
    parameter name, a file name, a command): the same in every language, and
    marked so in the template. Only <code> may say so, and its attributes are
    still read."""

    # Not read, or not ours: a textarea holds what the user typed (an input value).
    INVISIBLE = {"script", "style", "template", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
            "meta", "source", "track", "wbr"}  # fmt: skip
    SYNTAX = "code translate=no"

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.options: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in READ_ATTRIBUTES & attributes.keys():
            self.texts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
            self.texts.append(attributes.get("value") or "")
        if tag == "code" and attributes.get("translate") == "no":
            self._stack.append(self.SYNTAX)
        elif tag not in self.VOID:
            self._stack.append(tag)

    def handle_endtag(self, tag):
        names = {tag, self.SYNTAX} if tag == "code" else {tag}
        if names & set(self._stack):
            while self._stack and self._stack.pop() not in names:
                pass

    def handle_data(self, data):
        if self.INVISIBLE & set(self._stack) or self.SYNTAX in self._stack:
            return
        self.texts.append(data)
        if self._stack and self._stack[-1] == "option":
            self.options.append(data.strip())


def visible(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser


def user_data() -> list[str]:
    """Every text a person typed into the database, longest first."""
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, String | Text)
            and c.name not in CODE_COLUMNS
            and (table.name, c.name) not in NOT_USER_DATA
        ]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if value:
                    found.add(value)
                    found.update(line.strip() for line in value.splitlines())
    return sorted((v for v in found if v), key=len, reverse=True)


def unwrapped(text: str, data: list[str]) -> str | None:
    """What of `text` is neither inside marks, user data, nor neutral."""
    rest = " ".join(text.split())
    if not rest:
        return None
    while True:
        stripped = WRAPPED.sub(" ", rest)
        if stripped == rest:
            break
        rest = stripped
    for value in data:
        if value in rest:
            rest = rest.replace(value, " ")
    for pattern in wtforms_messages():
        rest = pattern.sub(" ", rest)
    for word in ENDONYMS | date_words():
        rest = re.sub(rf"\b{re.escape(word)}\b", " ", rest)
    rest = rest.strip()
    if rest.endswith("…") and any(v.startswith(rest[:-1]) for v in data):
        return None  # user data cut short
    return None if NEUTRAL.match(rest) else rest


@functools.cache
def wtforms_messages() -> list[re.Pattern]:
    """WTForms' own messages (\"Ongeldige keuze.\"): translated by its catalog."""
    import wtforms
    from babel.messages.mofile import read_mo

    path = Path(wtforms.__file__).parent / "locale/nl/LC_MESSAGES/wtforms.mo"
    with open(path, "rb") as handle:
        catalog = read_mo(handle)
    patterns = []
    for message in catalog:
        strings = (
            message.string
            if isinstance(message.string, tuple | list)
            else [message.string]
        )
        for string in strings:
            if string:
                pattern = re.sub(r"%\\\(\w+\\\)[sd]", ".*?", re.escape(string))
                patterns.append(re.compile(pattern))
    return sorted(patterns, key=lambda p: len(p.pattern), reverse=True)


@functools.cache
def date_words() -> set[str]:
    """Month and day names of dates that Babel formats (in Dutch)."""
    from babel import Locale

    dutch = Locale.parse("nl")
    words = set()
    for names in (dutch.months, dutch.days):
        for context in names.values():
            for width in context.values():
                words.update(width.values())
    return words


def _client(app, email: str | None) -> Client:
    app.test_client_class = Client
    client = app.test_client()
    if email:
        sign_in_session(
            client, db.session.scalar(select(User).where(User.email == email))
        )
    return client


@pytest.fixture
def pseudo_app(databases, tmp_path):
    """The demo app whose Dutch catalog is the pseudo-locale."""
    folder = tmp_path / "translations"
    catalog = Catalog(locale="nl")
    for singular, plural in extracted_messages().items():
        if plural is None:
            catalog.add(singular, f"⟦{singular}⟧")
        else:
            catalog.add((singular, plural), (f"⟦{singular}⟧", f"⟦{plural}⟧"))
    (folder / "nl" / "LC_MESSAGES").mkdir(parents=True)
    with open(folder / "nl" / "LC_MESSAGES" / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    shutil.copytree(ROOT / "translations" / "en", folder / "en")
    url = databases.create("demo", tmp_path)

    class Pseudo(_config_for(url)):
        BABEL_TRANSLATION_DIRECTORIES = str(folder)

    app = create_app(Pseudo)
    ctx = app.app_context()
    ctx.push()
    # Flask-Babel caches catalogs per locale in its (process-wide) domain.
    babel.domain_instance.cache.clear()
    _record_activity()
    yield app
    babel.domain_instance.cache.clear()
    db.session.remove()
    db.engine.dispose()
    ctx.pop()
    databases.drop(url)


def _record_activity() -> None:
    """Activity entries of many kinds, written the way the app writes them, so
    that /activity and the recent-activity panels have something to render."""
    from datetime import date, timedelta

    from app.activity.log import diff, record
    from app.admin.users import reset_password
    from app.public.publishing import publish, unpublish
    from app.strategy.models import Score
    from app.subsidies.models import Payment
    from app.work.models import Rollout

    first = lambda query: db.session.scalar(query.limit(1))  # noqa: E731
    users = {
        role: first(select(User).where(User.email == email))
        for role, email in ROLES.items()
    }
    coordinator, lead = users["coordinator"], users["lead"]
    izegem = first(select(Municipality).where(Municipality.slug == "izegem"))
    other = first(
        select(Municipality)
        .where(Municipality.id != izegem.id, Municipality.merged_into_id.is_(None))
        .order_by(Municipality.id)
    )
    ids = demo_ids()
    task = db.session.get(Task, ids["task"])
    # A task updated: status, assignee, due date and progress.
    changes = diff(
        task,
        {
            "status": "blocked" if task.status != "blocked" else "in_progress",
            "assignee_id": (
                lead
                if task.assignee_id == users["municipality"].id
                else users["municipality"]
            ).id,
            "due_on": (task.due_on or date(2026, 11, 1)) + timedelta(days=14),
            "progress": 40 if task.progress != 40 else 60,
        },
    )
    record("update", task, changes, municipality_id=task.municipality_id, actor=lead)
    # A task created, and one deleted.
    group = db.session.get(WorkingGroup, ids["group"])
    new = Task(group_id=group.id, description="", title="Pseudo task", status="todo")
    db.session.add(new)
    db.session.flush()
    record(
        "create",
        new,
        {"title": [None, new.title], "status": [None, "todo"]},
        municipality_id=new.municipality_id,
        actor=lead,
    )
    record(
        "delete",
        new,
        {"title": [new.title, None]},
        municipality_id=new.municipality_id,
        actor=coordinator,
    )
    db.session.delete(new)
    # An application moved on, with amounts and dates; a partner; a payment.
    application = db.session.get(Application, ids["application"])
    record(
        "status",
        application,
        {
            "status": ["submitted", "granted"],
            "requested_amount": ["50000.00", "60000.00"],
            "granted_amount": [None, "45000.00"],
            "decided_on": [None, "2026-10-15"],
            "submitted_on": ["2026-06-01", "2026-06-03"],
        },
        municipality_id=application.lead_municipality_id,
        actor=coordinator,
    )
    record(
        "partner_add",
        application,
        {"share_pct": [None, "25"]},
        details={"partner": other.name},
        municipality_id=application.lead_municipality_id,
        actor=coordinator,
    )
    payment = Payment(
        application_id=application.id,
        paid_on=date(2026, 11, 2),
        amount=Decimal("12500.00"),
        kind="advance",
        note="",
    )
    db.session.add(payment)
    db.session.flush()
    record(
        "create",
        payment,
        {
            "paid_on": [None, payment.paid_on.isoformat()],
            "amount": [None, str(payment.amount)],
            "kind": [None, payment.kind],
        },
        label=application.title,
        details={"amount": str(payment.amount)},
        municipality_id=application.lead_municipality_id,
        actor=coordinator,
    )
    # A rollout stage changed.
    theme = db.session.get(Theme, ids["theme"])
    rollout = first(
        select(Rollout).where(
            Rollout.theme_id == theme.id, Rollout.municipality_id == izegem.id
        )
    )
    if rollout is not None:
        record(
            "update",
            rollout,
            {"stage": ["exploring", rollout.stage]},
            label=f"{theme.title} – {izegem.name}",
            municipality_id=izegem.id,
            actor=lead,
        )
    # A score saved (on behalf of the municipality) and a score import.
    scoring_round = db.session.get(ScoringRound, ids["open_round"])
    thread = scoring_round.threads[0]
    score = first(select(Score).where(Score.round_id == scoring_round.id))
    if score is not None:
        record(
            "update",
            score,
            {"value": [2, 4], "comment": [None, score.comment]},
            label=f"{thread.code} – {izegem.name}",
            details={"round": scoring_round.name, "on_behalf": True},
            municipality_id=izegem.id,
            audience="municipality",
            actor=coordinator,
        )
    record(
        "import",
        scoring_round,
        details={"count": 12, "filename": "scores.xlsx"},
        audience="regional",
        actor=coordinator,
    )
    record(
        "import",
        scoring_round,
        {thread.code: [None, 3]},
        details={"count": 1, "municipality": izegem.name, "filename": "scores.xlsx"},
        municipality_id=izegem.id,
        audience="municipality",
        actor=coordinator,
    )
    # A user created, their password reset.
    user = User(
        email="pseudo@midwest.example",
        full_name="Pseudo User",
        role="viewer",
        language="nl",
    )
    user.set_password("pseudo-password-123")
    db.session.add(user)
    record("create", user, {"role": [None, user.role]}, actor=coordinator)
    reset_password(user)  # outside a request: by the system
    # A publication: the third theme published, then taken off again.
    unpublished = first(select(Theme).order_by(Theme.id.desc()))
    publish(unpublished, coordinator)
    db.session.commit()
    unpublish(unpublished)
    publish(unpublished, coordinator)
    db.session.commit()


def _crawl(app, role: str):
    """(url, status, page) of every page, as `role` sees it (None: signed out)."""
    ids = demo_ids()
    client = _client(app, ROLES.get(role))
    urls = ["/login", "/login?lang=nl"] if role == "anonymous" else pages(ids)
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 403, 404}, (url, response.status_code)
        yield url, response.status_code, response.get_data(as_text=True)
        if role != "anonymous":
            # The same URL asked by htmx: the fragment it swaps in.
            response = client.get(url, headers={"HX-Request": "true"})
            yield f"{url} (htmx)", response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_visible_text_goes_through_gettext(pseudo_app, role):
    data = user_data()
    escaped = []
    for url, status, page in _crawl(pseudo_app, role):
        assert "⟦" in page or "htmx" in url, f"{url} is not in the pseudo-locale"
        if url == "/activity" and role != "viewer":  # viewers read no activity
            assert '<ul class="activity">' in page, "no activity entries to check"
        for text in visible(page).texts:
            rest = unwrapped(text, data)
            if rest is not None:
                escaped.append(f"{url} ({status}): {rest!r} in {text.strip()!r}")
    assert not escaped, f"{len(escaped)} texts escaped gettext:\n" + "\n".join(
        dict.fromkeys(escaped)
    )


class Forms(HTMLParser):
    """The POST forms of a page: (action, field names, CSRF token)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, set[str], str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.forms.append((attributes.get("action") or "", set(), ""))
        elif (
            tag in {"input", "select", "textarea"}
            and self.forms
            and "name" in (attributes)
        ):
            action, fields, token = self.forms[-1]
            if attributes["name"] == "csrf_token":
                token = attributes.get("value") or ""
            elif attributes.get("type") not in {"hidden", "file", "checkbox"}:
                fields.add(attributes["name"])
            self.forms[-1] = (action, fields, token)


def _refused_forms(app, role: str):
    """(action, page) of every form of every page, posted with nonsense: 422."""
    ids = demo_ids()
    client = _client(app, ROLES[role])
    seen = set()
    for url in pages(ids):
        parser = Forms()
        parser.feed(client.get(url).get_data(as_text=True))
        for action, fields, token in parser.forms:
            if action in seen or not token or "delete" in action:
                continue
            if action.endswith(("/logout", "/calendar-token")):
                continue
            seen.add(action)
            data = {name: "x" for name in fields} | {"csrf_token": token}
            response = client.post(action, data=data)
            if response.status_code == 422:
                yield action, response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator", "municipality"])
def test_every_refusal_goes_through_gettext(pseudo_app, role):
    data = user_data()
    escaped, refused = [], 0
    for action, page in _refused_forms(pseudo_app, role):
        refused += 1
        for text in visible(page).texts:
            rest = unwrapped(text, data)
            if rest is not None:
                escaped.append(f"POST {action}: {rest!r} in {text.strip()!r}")
    assert refused >= 5
    assert not escaped, f"{len(escaped)} texts escaped gettext:\n" + "\n".join(
        dict.fromkeys(escaped)
    )


def _exports(ids: dict) -> tuple[list[str], set[tuple[str, int, str]]]:
    """Every export's URL, and the cells (url, row, text) that are a file format."""
    template = f"/rounds/{ids['open_round']}/template.xlsx"
    # The score import's header is translated like every header (the import
    # reads it in both languages): no cell is exempt.
    file_format: set[tuple[str, int, str]] = set()
    from app.exports.registry import EXPORTERS

    names = [
        "/exports/tasks.xlsx",
        "/exports/applications.xlsx",
        "/exports/rollout.xlsx",
        "/exports/forum-report.xlsx",
        # The activity log (issue 26 item 8): its sentences and change lines.
        "/exports/activity.xlsx",
        f"/exports/scores-{ids['closed_round']}.xlsx",
        f"/exports/municipality-{ids['slug']}.xlsx",
        # A dossier's finances (issue 28 item 2).
        f"/exports/finances-{ids['application']}.xlsx",
        template,
    ]
    listed = " ".join(names)
    missing = [name for name in EXPORTERS if f"/exports/{name}" not in listed]
    assert not missing, f"a new export needs a line here: {missing}"
    return names, file_format


@pytest.mark.parametrize("role", ["coordinator", "municipality"])
def test_every_workbook_text_goes_through_gettext(pseudo_app, role):
    import io

    from openpyxl import load_workbook

    data = user_data()
    client = _client(pseudo_app, ROLES[role])
    escaped = []
    urls, file_format = _exports(demo_ids())
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        for ws in book.worksheets:
            # A sheet's name is cut at Excel's 31 characters: the mark opens it.
            if not ws.title.startswith("⟦") and unwrapped(ws.title, data):
                escaped.append(f"{url} sheet {ws.title!r}")
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                for value in row:
                    if (url, number, value) in file_format:
                        continue
                    if isinstance(value, str) and unwrapped(value, data):
                        escaped.append(f"{url} {ws.title}: {value!r}")
    assert not escaped, f"{len(escaped)} texts escaped gettext:\n" + "\n".join(
        dict.fromkeys(escaped)
    )


def _english_msgids() -> set[str]:
    """Messages whose Dutch translation differs from the English text."""
    from babel.messages.pofile import read_po

    with open(ROOT / "translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    return {
        m.id for m in catalog if isinstance(m.id, str) and m.string and m.string != m.id
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_option_is_english_on_a_dutch_page(demo_app, role):
    english = _english_msgids()
    found = []
    for url, _status, page in _crawl(demo_app, role):
        assert '<html lang="nl"' in page or "htmx" in url, url
        found += [
            f"{url}: {o!r}"
            for o in visible(page).options
            if o in english and o not in ENDONYMS  # a language in its own name
        ]
    assert not found, "English options on Dutch pages:\n" + "\n".join(found)


def test_the_pseudo_check_catches_an_unwrapped_text():
    data = ["Izegem"]
    assert unwrapped("⟦Tasks⟧ (3) · 28/11/2026 € 12.500,00 60%", data) is None
    assert unwrapped("⟦Municipality⟧: Izegem", data) is None
    assert unwrapped("⟦partner (⟦12%⟧) of Izegem⟧", data) is None
    assert unwrapped("Ongeldige keuze.", data) is None  # WTForms' own catalog
    assert unwrapped("Candidate", data) == "Candidate"
    syntax = visible('<p>⟦Send⟧ <code translate="no">GET /api/v1/me</code> ok</p>')
    assert [t for t in syntax.texts if t.strip()] == ["⟦Send⟧ ", " ok"]
    assert visible("<code>per_page</code>").texts == ["per_page"]
    assert unwrapped("⟦Status⟧: Parked", data) == ": Parked"
