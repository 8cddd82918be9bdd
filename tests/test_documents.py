"""Documents on dossiers over HTTP: upload, type from content, download rights,
removal, the activity log, marking an obligation done, and the backup."""

import io
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from app.activity.models import Activity
from app.documents import storage
from app.documents.models import Document, DocumentFile
from app.extensions import db
from app.subsidies.models import ReportingObligation
from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OOXML = "application/vnd.openxmlformats-officedocument"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx() -> bytes:
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Override PartName="/word/document.xml" '
        f'ContentType="{OOXML}.wordprocessingml.document.main+xml"/></Types>'
    )
    return _zip({"[Content_Types].xml": types.encode(), "word/document.xml": b"<w/>"})


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "Eindrapport"
    workbook.save(buffer)
    return buffer.getvalue()


def _odt() -> bytes:
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
        }
    )


@pytest.fixture
def world(app):
    home, away = factories.municipality("Home"), factories.municipality("Away")
    call = factories.call(title="Open call")
    own = factories.application(call, home, title="Own dossier", status="granted")
    other = factories.application(call, away, title="Private dossier")
    obligation = ReportingObligation(
        application_id=own.id, title="Eindrapport", kind="final",
        due_on=date(2030, 1, 31),
    )  # fmt: skip
    db.session.add(obligation)
    db.session.commit()
    return {"home": home, "away": away, "own": own, "other": other,
            "obligation": obligation}  # fmt: skip


def _upload(client, application_id, data, name, **fields):
    client.fetch_csrf(f"/applications/{application_id}")
    form = {
        "document-file": (io.BytesIO(data), name),
        "document-kind": fields.pop("kind", "annex"),
        "document-obligation_id": str(fields.pop("obligation_id", 0)),
        **fields,
    }
    return client.form(
        f"/applications/{application_id}/documents",
        form,
        content_type="multipart/form-data",
    )


def _documents():
    return list(db.session.scalars(select(Document).order_by(Document.id)))


@pytest.mark.parametrize(
    ("data", "name", "mimetype", "stored_name"),
    [
        (
            PDF_BYTES,
            "Goedkeuringsbrief.pdf",
            "application/pdf",
            "Goedkeuringsbrief.pdf",
        ),
        (_docx(), "verslag.docx", f"{OOXML}.wordprocessingml.document", "verslag.docx"),
        (_xlsx(), "cijfers.xlsx", f"{OOXML}.spreadsheetml.sheet", "cijfers.xlsx"),
        (_odt(), "nota.odt", "application/vnd.oasis.opendocument.text", "nota.odt"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "foto.png", "image/png", "foto.png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 20, "scan.jpeg", "image/jpeg", "scan.jpg"),
        # The name lies: the content decides the type and the extension.
        (PDF_BYTES, "../../etc/brief.exe", "application/pdf", "brief.pdf"),
    ],
)
def test_accepted_types_are_stored_by_a_random_key(
    app, login_as, world, data, name, mimetype, stored_name
):
    client = login_as("coordinator")
    response = _upload(client, world["own"].id, data, name, kind="approval_letter")
    assert response.status_code == 303
    [document] = _documents()
    assert (document.content_type, document.filename) == (mimetype, stored_name)
    assert document.uploaded_by_id == client.user.id and document.size == len(data)
    assert storage.read(document.storage_key) == data
    assert len(document.storage_key) == 32 and stored_name not in document.storage_key
    assert not Path(app.config["DOCUMENTS_DIR"]).exists()  # nothing on this host
    page = client.get(f"/applications/{world['own'].id}").get_data(as_text=True)
    assert stored_name in page and client.user.full_name in page


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00 not a document", "brief.pdf"),
        (b"<html><script>alert(1)</script></html>", "brief.pdf"),
        (_zip({"readme.txt": b"hello"}), "verslag.docx"),
        (
            _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "a.odt",
        ),
        (b"PK\x03\x04 broken zip", "verslag.docx"),
        (b"", "leeg.pdf"),
    ],
)
def test_other_content_is_refused_with_422_and_nothing_stored(
    app, login_as, world, data, name
):
    client = _english_client(login_as("coordinator"))
    response = _upload(client, world["own"].id, data, name)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "not accepted" in text or "Choose a file" in text
    assert _documents() == []
    assert db.session.scalar(select(func.count()).select_from(DocumentFile)) == 0


def _english_client(client):
    client.user.language = "en"
    db.session.commit()
    return client


def test_a_file_over_the_limit_is_refused(app, login_as, world):
    app.config["DOCUMENT_MAX_BYTES"] = 1000
    client = _english_client(login_as("coordinator"))
    response = _upload(client, world["own"].id, PDF_BYTES + b"0" * 2000, "groot.pdf")
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    assert _documents() == []


def test_download_only_for_who_may_see_the_dossier(login_as, world, app):
    coordinator = login_as("coordinator")
    assert (
        _upload(coordinator, world["own"].id, PDF_BYTES, "Brief.pdf").status_code == 303
    )
    [document] = _documents()
    response = coordinator.get(f"/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Brief.pdf" in response.headers["Content-Disposition"]
    lead = login_as("municipality", municipality=world["home"])
    assert lead.get(f"/documents/{document.id}").data == PDF_BYTES
    page = lead.get(f"/applications/{world['own'].id}").get_data(as_text=True)
    assert "Brief.pdf" in page and "Upload a document" not in page
    for outsider in (
        login_as("municipality", municipality=world["away"]),
        login_as("viewer"),
    ):
        assert outsider.get(f"/documents/{document.id}").status_code == 404
    assert login_as("coordinator").get("/documents/999999").status_code == 404


def test_only_managers_upload_and_remove(login_as, world):
    lead = login_as("municipality", municipality=world["home"])
    assert _upload(lead, world["own"].id, PDF_BYTES, "x.pdf").status_code == 403
    assert _documents() == []
    coordinator = login_as("coordinator")
    _upload(coordinator, world["own"].id, PDF_BYTES, "Brief.pdf")
    [document] = _documents()
    lead = login_as("municipality", municipality=world["home"])
    lead.fetch_csrf(f"/applications/{world['own'].id}")
    assert lead.form(f"/documents/{document.id}/archive").status_code == 403
    db.session.refresh(document)
    assert document.archived_at is None


def test_removal_archives_and_both_are_in_the_activity_log(login_as, world):
    coordinator = login_as("coordinator")
    _upload(coordinator, world["own"].id, PDF_BYTES, "Brief.pdf")
    [document] = _documents()
    coordinator.fetch_csrf(f"/applications/{world['own'].id}")
    assert coordinator.form(f"/documents/{document.id}/archive").status_code == 303
    db.session.refresh(document)
    assert document.archived_at is not None
    assert coordinator.get(f"/documents/{document.id}").status_code == 404
    page = coordinator.get(f"/applications/{world['own'].id}").get_data(as_text=True)
    assert (
        "Brief.pdf" not in page.split('id="dossier-documents"')[1].split("</section")[0]
    )
    entries = db.session.scalars(
        select(Activity).where(Activity.entity_type == "document").order_by(Activity.id)
    ).all()
    assert [(e.action, e.application_id, e.label) for e in entries] == [
        ("upload", world["own"].id, "Brief.pdf"),
        ("archive", world["own"].id, "Brief.pdf"),
    ]
    assert all(e.audience == "dossier" for e in entries)


def test_marking_an_obligation_done_with_its_report(login_as, world):
    coordinator = login_as("coordinator")
    obligation = world["obligation"]
    response = _upload(
        coordinator, world["own"].id, _docx(), "eindrapport.docx",
        kind="report", obligation_id=obligation.id, **{"document-mark_done": "y"},
    )  # fmt: skip
    assert response.status_code == 303
    [document] = _documents()
    db.session.refresh(obligation)
    assert document.obligation_id == obligation.id and document.kind == "report"
    assert obligation.status == "done" and obligation.done_on is not None


def test_an_obligation_of_another_dossier_is_refused(login_as, world):
    other = ReportingObligation(
        application_id=world["other"].id, title="X", kind="final",
        due_on=date(2030, 1, 1),
    )  # fmt: skip
    db.session.add(other)
    db.session.commit()
    coordinator = login_as("coordinator")
    response = _upload(
        coordinator, world["own"].id, PDF_BYTES, "a.pdf", obligation_id=other.id
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_the_backup_of_the_database_has_the_documents(app, login_as, world, tmp_path):
    coordinator = login_as("coordinator")
    _upload(coordinator, world["own"].id, PDF_BYTES, "Brief.pdf")
    [document] = _documents()
    target = tmp_path / "backup" / "copy.sqlite"
    target.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    if db.engine.dialect.name != "sqlite":
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        [(data,)] = copy.execute(
            "SELECT data FROM document_file WHERE storage_key = ?",
            (document.storage_key,),
        ).fetchall()
    copy.close()
    assert data == PDF_BYTES


def test_the_upgrade_moves_stored_files_into_the_database(app, world, tmp_path):
    """Migration db_blobs: a file kept under DOCUMENTS_DIR by an older release is
    in the database afterwards (and back on disk after a downgrade)."""
    runner = app.test_cli_runner()
    dossier = world["own"].id
    db.session.remove()
    down = runner.invoke(args=["db", "downgrade", "read_versions"])
    assert down.exit_code == 0, down.output
    folder = Path(app.config["DOCUMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("k" * 32)).write_bytes(PDF_BYTES)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO document (application_id, kind, filename, content_type,"
                " size, storage_key, uploaded_at) VALUES (:a, 'annex', 'old.pdf',"
                " 'application/pdf', :n, :k, CURRENT_TIMESTAMP)"
            ),
            {"a": dossier, "n": len(PDF_BYTES), "k": "k" * 32},
        )
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert storage.read("k" * 32) == PDF_BYTES
