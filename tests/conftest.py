"""Shared fixtures: an app on a real database, clients, sign-in and factories.

Every test gets its own database: a copy of a template made once per test worker
(an empty schema, or the schema with the demo data for `demo_app`), on SQLite
(a file copy) or, when TEST_DATABASE_URL is set, on PostgreSQL (CREATE DATABASE
… TEMPLATE). Copying is much faster than migrating or seeding again.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import shutil
import socket
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.config import TestConfig
from app.extensions import db

DEMO_PASSWORD = "demo-password-for-tests"  # noqa: S105
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" [^>]*value="([^"]+)"')


def _config_for(url: str) -> type:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return Config


def _build(url: str, seed: bool) -> None:
    """Migrate an empty database to the current schema (and load the demo data)."""
    app = create_app(_config_for(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        if seed:
            from app.demo import seed as seed_demo

            seed_demo(DEMO_PASSWORD)
        db.session.remove()
        db.engine.dispose()


class SqliteDatabases:
    """Templates are files; a test's database is a copy of one."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.templates: dict[str, Path] = {}

    def template(self, name: str) -> Path:
        """The template file, built on first use (a worker may need only one)."""
        if name not in self.templates:
            path = self.folder / f"{name}.sqlite"
            _build(f"sqlite:///{path}", SEEDED[name])
            self.templates[name] = path
        return self.templates[name]

    def create(self, template: str, tmp_path: Path, name: str = "test") -> str:
        target = tmp_path / f"{name}.sqlite"
        shutil.copyfile(self.template(template), target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        """Files go with pytest's tmp_path."""

    def close(self) -> None:
        """Nothing to close."""


class PostgresDatabases:
    """Templates are databases; a test's database is CREATE DATABASE … TEMPLATE."""

    def __init__(self, base_url: str, worker: str):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = make_url(base_url)
        self.prefix = f"{self.base.database}_{worker}"
        self.admin = create_engine(
            self.base.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        self.counter = itertools.count()
        self.templates: dict[str, str] = {}

    def template(self, name: str) -> str:
        """The template database, built on first use (a worker may need only one)."""
        if name not in self.templates:
            database = f"{self.prefix}_{name}"
            self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            self._execute(f'CREATE DATABASE "{database}"')
            _build(self._url(database), SEEDED[name])
            self.templates[name] = database
        return self.templates[name]

    def _url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def create(self, template: str, tmp_path: Path, name: str = "test") -> str:
        source = self.template(template)
        database = f"{self.prefix}_t{next(self.counter)}"
        self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{database}" TEMPLATE "{source}"')
        return self._url(database)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self._execute(
            f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'
        )

    def close(self) -> None:
        """Close the connections to the `postgres` database."""
        self.admin.dispose()


#: The templates: name -> with the demo data or not.
SEEDED = {"empty": False, "demo": True}


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory) -> SqliteDatabases:
    """SQLite templates for this test worker, also when the suite runs on
    PostgreSQL (the tests that need a SQLite file in any run)."""
    return SqliteDatabases(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session")
def databases(request):
    """Template databases for this test worker: empty schema, and demo data."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        databases = PostgresDatabases(url, worker)
        yield databases
        databases.close()
    else:
        yield request.getfixturevalue("sqlite_databases")


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept for every app of this test worker: each test makes
    an app, and each app's Jinja environment would compile the same templates
    again. Keyed by template name and source checksum, as Jinja does."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


def _share_url_builders() -> None:
    """URL builders compiled once per test worker, not once per app.

    Each test makes an app, and werkzeug compiles two URL-builder functions for
    every route of every app (Python source generated, parsed and compiled):
    about 40 of the ~60 ms CPU of create_app. The function depends only on the
    rule, its defaults and converters; it reads the converters from the rule it
    is bound to when called, so a function compiled for an identical rule of an
    earlier app is the same function. Nothing else of routing is shared.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def shared(self: Rule, append_unknown: bool = True):
        key = (
            self.rule,
            tuple(self._trace),
            repr(tuple((self.defaults or {}).items())),
            tuple((name, type(c)) for name, c in self._converters.items()),
            append_unknown,
        )
        builder = compiled.get(key)
        if builder is None:
            builder = compiled[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared


_share_url_builders()


def _make_app(databases, template: str, tmp_path: Path):
    url = databases.create(template, tmp_path)
    app = create_app(_config_for(url))
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    db.engine.dispose()
    ctx.pop()
    databases.drop(url)


@pytest.fixture
def app(databases, tmp_path):
    """The app on an empty database (schema only)."""
    yield from _make_app(databases, "empty", tmp_path)


@pytest.fixture
def demo_app(databases, tmp_path):
    """The app on a database with the demo data of `flask seed-demo`."""
    yield from _make_app(databases, "demo", tmp_path)


class Client(FlaskClient):
    """A test client that knows its CSRF token and speaks htmx when asked.

    Each request runs in a context of its own, as in production: its own app
    context, `g` and database session, not the test's. Afterwards the test's
    session forgets what it loaded, so it reads what the request wrote.
    """

    csrf_token: str | None = None

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response

    def fetch_csrf(self, url: str = "/login") -> str:
        page = self.get(url)
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {url}"
        self.csrf_token = match.group(1) or match.group(2)
        return self.csrf_token

    def form(self, url: str, data: dict | None = None, htmx: bool = False, **kw):
        """POST a form with this session's CSRF token (as field, or header for htmx)."""
        if self.csrf_token is None:
            self.fetch_csrf("/" if self._has_session() else "/login")
        data = dict(data or {})
        headers = dict(kw.pop("headers", {}))
        if htmx:
            headers.update({"HX-Request": "true", "X-CSRFToken": self.csrf_token})
        else:
            data.setdefault("csrf_token", self.csrf_token)
        return self.post(url, data=data, headers=headers, **kw)

    def htmx(self, method: str, url: str, **kw):
        headers = {"HX-Request": "true", **kw.pop("headers", {})}
        if method.upper() != "GET":
            if self.csrf_token is None:
                self.fetch_csrf("/")
            headers["X-CSRFToken"] = self.csrf_token
        return self.open(url, method=method, headers=headers, **kw)

    def _has_session(self) -> bool:
        return self.get_cookie("session") is not None


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    demo_app.test_client_class = Client
    return demo_app.test_client()


def sign_in_session(client: Client, user) -> Client:
    """Put `user` in the client's session as a real sign-in would (no form, fast)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    client.csrf_token = None
    return client


@pytest.fixture
def login_as(app, client):
    """login_as("lead") or login_as(user): a client signed in as that user.

    A role name creates a fresh user of that role (with a municipality when the
    role needs one). Returns the client; the user is `client.user`.
    """
    from tests import factories

    def _login(role_or_user, **kw):
        user = (
            factories.user(role=role_or_user, **kw)
            if isinstance(role_or_user, str)
            else role_or_user
        )
        db.session.commit()
        sign_in_session(client, user)
        client.user = user
        return client

    return _login


@pytest.fixture
def demo_login(demo_app, demo_client):
    """demo_login("coordinator@midwest.example"): a client signed in as a demo user."""
    from app.auth.service import find_user

    def _login(email: str) -> Client:
        user = find_user(email)
        assert user is not None, email
        sign_in_session(demo_client, user)
        demo_client.user = user
        return demo_client

    return _login


class QueryLog:
    """What ran while it listened: every SQL statement sent to the database, and
    every lazy load (a relationship loaded on first access, one row at a time)."""

    def __init__(self):
        self.statements: list[str] = []
        self.lazy_loads: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def _statement(self, conn, cursor, statement, parameters, context, many):
        self.statements.append(statement)

    def _orm_execute(self, state):
        if state.is_select and state.lazy_loaded_from is not None:
            path = state.loader_strategy_path
            self.lazy_loads.append(str(path[-1]) if path else repr(state.statement))


@contextmanager
def queries():
    """`with queries() as log:` … `len(log)` statements ran, `log.lazy_loads` the
    relationships loaded lazily meanwhile (in this test or its requests)."""
    log = QueryLog()
    event.listen(db.engine, "before_cursor_execute", log._statement)
    event.listen(Session, "do_orm_execute", log._orm_execute)
    try:
        yield log
    finally:
        event.remove(db.engine, "before_cursor_execute", log._statement)
        event.remove(Session, "do_orm_execute", log._orm_execute)


class PageQueries:
    """Counts the statements of whole pages (the `page_queries` fixture)."""

    counting = staticmethod(queries)

    def __call__(self, client, url: str, status: int = 200, **kw) -> QueryLog:
        """GET `url` (expecting `status`) and return what it ran. A first request
        warms the read model (shared figures are computed once per data
        generation): what is counted is the page itself."""
        client.get(url, **kw)
        with queries() as log:
            response = client.get(url, **kw)
        assert response.status_code == status, f"{url}: {response.status_code}"
        return log


@pytest.fixture
def page_queries() -> PageQueries:
    """page_queries(client, url) -> the QueryLog of one request;
    `with page_queries.counting() as log:` around anything else."""
    return PageQueries()


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives, and misbehaves on request:
    refuses the addresses in `refuse` (with `refuse_reply`), refuses the message
    after DATA for the recipients in `refuse_data` (with their reply), and drops
    the connection in the middle of the n-th message for each n in `drop_at`
    (counting from 1)."""

    def __init__(self):
        self.messages = []
        self.raw: list[bytes] = []  # as received, before any parsing
        self.refuse: set[str] = set()
        self.refuse_reply = "550 5.1.1 No such mailbox here"
        self.refuse_data: dict[str, str] = {}
        self.drop_at: set[int] = set()
        self.connections = 0
        self._data = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd API
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802 - aiosmtpd API
        if address in self.refuse:
            return self.refuse_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self._data += 1
        if self._data in self.drop_at:
            server.transport.close()  # gone without an answer
            return "421 gone"
        self.raw.append(envelope.content)
        for address in envelope.rcpt_tos:
            if address in self.refuse_data:
                return self.refuse_data[address]
        self.messages.append(
            message_from_bytes(envelope.content, policy=policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on a free loopback port, configured as the
    app's mail server; yields its Inbox."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield inbox
    controller.stop()


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL")
    return f"database: {'PostgreSQL ' + url.split('@')[-1] if url else 'SQLite files'}"


#: In a test module's source, what may reach the database without the
#: `databases` fixture in the test's signature (or read the choice of database).
_MAY_REACH_THE_DATABASE = ("TEST_DATABASE_URL", "getfixturevalue")


def _cannot_differ_by_dialect(item, sources: dict) -> bool:
    """True for a test that never touches the suite's database: no `databases`
    among its fixtures (directly or through app, client, login_as ...), and a
    module that neither reads TEST_DATABASE_URL nor asks for fixtures at run time."""
    if "databases" in getattr(item, "fixturenames", ("databases",)):
        return False
    path = Path(str(item.fspath))
    if path not in sources:
        sources[path] = path.read_text(encoding="utf-8")
    return not any(word in sources[path] for word in _MAY_REACH_THE_DATABASE)


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (TEST_DATABASE_URL), run the tests the database can change:
    a test without a database runs the same on every dialect, and the SQLite run
    (`make test`) runs every test. The deselected ones are counted in the summary."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    sources: dict = {}
    same = [item for item in items if _cannot_differ_by_dialect(item, sources)]
    if same:
        kept = set(same)
        items[:] = [item for item in items if item not in kept]
        config.hook.pytest_deselected(items=same)


def require_tool(name: str) -> str:
    """The path of a command-line tool a test drives; skipped where a developer
    lacks it, a failure in CI (CI=true), where .ci/run installs every one."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing in CI: .ci/run installs it")
        pytest.skip(f"{name} is not installed")
    return path
