"""Several app hosts on one database (issue 23 item 6): nothing a host keeps on
its own disk is needed by another.

Two app instances, each with an instance folder of its own, on the suite's one
database (PostgreSQL when TEST_DATABASE_URL is set): a document uploaded through
one is downloaded through the other, a score preview made on one is applied on
the other, and an ETag given by one is a 304 on the other. The ETag's code
fingerprint depends on the release's contents only, not on where or when its
files were written.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from app import create_app
from app.extensions import db
from app.http_cache import code_fingerprint
from app.strategy.models import Score
from tests import factories
from tests.conftest import TEMPLATE_CACHE, Client, _config_for, sign_in_session
from tests.test_documents import PDF_BYTES
from tests.test_documents import _upload as upload_document
from tests.test_strategy_workbooks import _upload as upload_scores
from tests.test_strategy_workbooks import xlsx


def _host(url: str, folder: Path):
    class Config(_config_for(url)):
        INSTANCE_PATH = str(folder)
        DOCUMENTS_DIR = str(folder / "documents")

    app = create_app(Config)
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    app.test_client_class = Client
    return app


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_each_host_serves_what_the_other_stored(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    home = factories.municipality("Home")
    dossier = factories.application(None, home, title="Shared dossier")
    thread = factories.thread(code="RD01")
    scoring_round = factories.scoring_round(threads=[thread], status="open")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    hosts = [_host(url, tmp_path / name) for name in ("a", "b")]
    assert hosts[0].instance_path != hosts[1].instance_path
    first, second = (host.test_client() for host in hosts)
    sign_in_session(first, coordinator)
    second.set_cookie("session", first.get_cookie("session").value)
    try:
        # A document uploaded through one host downloads through the other.
        uploaded = upload_document(first, dossier.id, PDF_BYTES, "Brief.pdf")
        assert uploaded.status_code == 303
        page = second.get(f"/applications/{dossier.id}").get_data(as_text=True)
        document_url = re.search(r'href="(/documents/\d+)"', page).group(1)
        downloaded = second.get(document_url)
        assert downloaded.status_code == 200 and downloaded.data == PDF_BYTES

        # A score preview made on one host is applied on the other.
        rows = [("Code", "Thread", "Home"), ("RD01", "", 8)]
        preview = upload_scores(first, scoring_round.id, xlsx(rows))
        assert preview.status_code == 200
        token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
        second.fetch_csrf("/")
        applied = second.form("/imports/scores/apply", {"token": token})
        assert applied.status_code == 303
        assert [s.value for s in db.session.query(Score).all()] == [8]

        # An ETag given by one host is a 304 on the other.
        second.get("/")  # shows (and uses up) the "imported" message
        page = first.get("/tasks")
        etag = page.get_etag()[0]
        assert page.status_code == 200 and etag
        # One browser: its cookie (CSRF secret, last seen) goes to either host.
        second.set_cookie("session", first.get_cookie("session").value)
        again = second.get("/tasks", headers={"If-None-Match": f'"{etag}"'})
        assert again.status_code == 304
    finally:
        for host in hosts:
            with host.app_context():
                db.session.remove()
                db.engine.dispose()
    # Neither host wrote a file the other would need.
    for host in hosts:
        assert _files(Path(host.instance_path)) == []


def test_the_code_fingerprint_is_the_same_for_every_copy_of_a_release(tmp_path):
    source = Path(__file__).resolve().parent.parent
    copies = []
    for name in ("host-a", "host-b"):
        root = tmp_path / name
        for folder in ("app", "templates", "translations"):
            shutil.copytree(
                source / folder, root / folder, ignore=shutil.ignore_patterns("*.pyc")
            )
        shutil.copy(source / "pyproject.toml", root / "pyproject.toml")
        copies.append(root)
    # Other times, and bytecode of one host's own.
    os.utime(copies[1] / "app" / "__init__.py", (1_000_000, 1_000_000))
    cache = copies[1] / "app" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "extra.cpython-311.pyc").write_bytes(b"host's own")
    fingerprints = [code_fingerprint.__wrapped__(root) for root in copies]
    assert fingerprints[0] == fingerprints[1]
    # Another release (a template changed) has another fingerprint.
    base = copies[1] / "templates" / "base.html"
    base.write_text(base.read_text("utf-8") + "\n", "utf-8")
    assert code_fingerprint.__wrapped__(copies[1]) != fingerprints[0]
